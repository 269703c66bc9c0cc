"""The core's front door: build a searchable snapshot of the sources, and ask it questions.

    library, report = build_library(Path("seeds"), Path(".index"), SentenceTransformerEncoder())
    answer = library.ask("What is the new exit date?")

`Library` is what the bot depends on (a protocol: tests put a stand-in behind it);
`IndexedLibrary` is the real one. A library is immutable: a reload builds a new one (reusing
every stored vector whose text did not change) and the caller swaps the reference.

Besides building and asking, this facade exports the little the bot needs of the core's rules:
which files are sources (`SOURCE_SUFFIXES`), what of a message is searched (`searchable`),
how a follow-up is read (`joined_question`, `better_reading`), and the one bounded cache (`Lru`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from embeddings.encoders.base import Encoder, KnowsWords
from embeddings.excerpts.grouping import duplicate_groups
from embeddings.ingest.fluency import FLUENT, fluency
from embeddings.ingest.passages import passage_sentences, split_article, text_hash
from embeddings.ingest.sources import SOURCE_SUFFIXES, LoadResult, load_sources
from embeddings.lru import Lru
from embeddings.models import Answer, Article, BuildReport, Passage, SourceSummary
from embeddings.retrieval.coverage import TermMatcher
from embeddings.retrieval.followup import better_reading, joined_question
from embeddings.retrieval.lexicon import Lexicon
from embeddings.retrieval.searcher import Searcher
from embeddings.retrieval.snapshot import Corpus, group_rows, supplied_types
from embeddings.store.index import IndexItem, VectorIndex, read_manifest, sync_index
from embeddings.text import searchable

__all__ = [
    "SOURCE_SUFFIXES",
    "IndexedLibrary",
    "Library",
    "LibraryBuilder",
    "Lru",
    "SearchOptions",
    "better_reading",
    "build_library",
    "joined_question",
    "searchable",
]


@dataclass(frozen=True, slots=True)
class SearchOptions:
    """Knobs of the search; the defaults are the calibrated ones (see docs/RETRIEVAL.md)."""

    k: int = 3
    min_score: float | None = None
    """Abstain below this confidence (0..1); None uses the calibrated default."""
    exact_limit: int = 50_000
    """Above this many vectors the index is approximate (HNSW) instead of exact."""


class Library(Protocol):
    """What the bot needs of a snapshot of the sources. Implementations are immutable and safe
    to share between threads."""

    @property
    def sources(self) -> tuple[SourceSummary, ...]:
        """The sources it answers from, as listed to users."""
        ...

    @property
    def passage_count(self) -> int: ...

    def ask(self, question: str, k: int | None = None) -> Answer:
        """Answers one question: best excerpts first, none when the sources do not answer."""
        ...

    def ask_many(self, questions: Sequence[str], k: int | None = None) -> list[Answer]:
        """Answers several questions at once, in order."""
        ...


LibraryBuilder = Callable[[], tuple[Library, BuildReport]]
"""Builds (or incrementally rebuilds) a library snapshot; blocking, run it off the event loop."""


class IndexedLibrary:
    """The real `Library`: an immutable, searchable snapshot of the sources. Safe to share
    between threads."""

    def __init__(self, articles: Sequence[Article], searcher: Searcher) -> None:
        self._articles = tuple(articles)
        self.searcher = searcher
        counts: dict[str, int] = {}
        for p in searcher.corpus.passages:
            counts[p.source_id] = counts.get(p.source_id, 0) + 1
        self._sources = tuple(SourceSummary(a.info, counts.get(a.info.id, 0)) for a in articles)

    @property
    def articles(self) -> tuple[Article, ...]:
        return self._articles

    @property
    def sources(self) -> tuple[SourceSummary, ...]:
        return self._sources

    @property
    def passages(self) -> Sequence[Passage]:
        return self.searcher.corpus.passages

    @property
    def passage_count(self) -> int:
        return len(self.searcher.corpus.passages)

    @property
    def encoder_name(self) -> str:
        return self.searcher.encoder.name

    def ask(self, question: str, k: int | None = None) -> Answer:
        """Answers one question: best excerpts first, none when the sources do not answer."""
        return self.ask_many([question], k)[0]

    def ask_many(self, questions: Sequence[str], k: int | None = None) -> list[Answer]:
        """Answers several questions with one batched encode (the bot's micro-batching uses it)."""
        return self.searcher.ask_many(questions, k)


def build_library(
    sources_dir: Path,
    index_dir: Path,
    encoder: Encoder,
    *,
    metadata_file: Path | None = None,
    options: SearchOptions | None = None,
) -> tuple[IndexedLibrary, BuildReport]:
    """Reads the sources, updates the stored index incrementally and returns a snapshot.

    Unreadable files are skipped and listed in `BuildReport.problems`. A missing, corrupt or
    mismatched index is rebuilt (the reason is in `BuildReport.rebuilt`), never served. With no
    readable source at all, the library is empty and the stored index is left as it was.
    Not safe to call concurrently on the same `index_dir`: callers serialise reloads.
    """
    started = time.perf_counter()
    opts = options or SearchOptions()
    loaded = load_sources(sources_dir, metadata_file)
    passages = [
        p
        for a in loaded.articles
        for p in split_article(a, encoder.count_tokens, encoder.max_tokens)
    ]
    sentences, owners = _sentences(passages)
    dictionary = encoder.dictionary if isinstance(encoder, KnowsWords) else None
    lexicon = Lexicon([p.text for p in passages], dictionary)
    terms, per_passage = TermMatcher.collect([p.text for p in passages])

    source_hashes = {a.info.id: a.sha256 for a in loaded.articles}
    before = _stored_sources(index_dir)
    stores = {
        "passages": [IndexItem(p.key, p.sha256, p.text) for p in passages],
        "sentences": [IndexItem(f"s{i}", text_hash(t), t) for i, t in enumerate(sentences)],
        "terms": [IndexItem(t, text_hash(t), t) for t in terms],
    }
    if loaded.articles:
        synced = _sync(index_dir, stores, encoder, opts.exact_limit, source_hashes)
    else:  # a missing or emptied folder must not wipe the stored vectors
        synced = _Synced({name: VectorIndex.empty(encoder.dim) for name in stores}, 0, [])
    indexes = synced.indexes
    corpus = Corpus(
        passages=tuple(passages),
        sources={a.info.id: a.info for a in loaded.articles},
        passage_index=indexes["passages"],
        sentences=tuple(sentences),
        sentence_owner=owners,
        passage_sentences=group_rows(owners, len(passages)),
        supplied=supplied_types(passages),
        sentence_index=indexes["sentences"],
        lexicon=lexicon,
        terms=TermMatcher.build(terms, indexes["terms"].vectors, per_passage),
        fluent={a.info.id: fluency(a.paragraphs) >= FLUENT for a in loaded.articles},
        duplicates=duplicate_groups(
            indexes["passages"].vectors,
            [p.source_id for p in passages],
            [p.text for p in passages],
        ),
    )
    searcher = Searcher(corpus, encoder, k=opts.k, min_score=opts.min_score)
    report = _report(loaded, len(passages), synced, before, time.perf_counter() - started)
    return IndexedLibrary(loaded.articles, searcher), report


def _report(
    loaded: LoadResult, passages: int, synced: _Synced, before: dict[str, str], seconds: float
) -> BuildReport:
    """What the build did: sources added, changed and removed since ``before``, and more."""
    now = {a.info.id: a.sha256 for a in loaded.articles}
    return BuildReport(
        sources=len(loaded.articles),
        passages=passages,
        embedded=synced.embedded,
        seconds=seconds,
        added=tuple(sorted(set(now) - set(before))),
        changed=tuple(sorted(s for s in now if s in before and before[s] != now[s])),
        removed=tuple(sorted(set(before) - set(now))),
        problems=loaded.problems,
        rebuilt="; ".join(synced.rebuilt) or None,
    )


@dataclass(frozen=True, slots=True)
class _Synced:
    """The stores after syncing: their indexes, vectors computed now, why any was rebuilt."""

    indexes: dict[str, VectorIndex]
    embedded: int
    rebuilt: list[str]


def _stored_sources(index_dir: Path) -> dict[str, str]:
    """The source hashes the stored index was built from (none when there is no index)."""
    previous = read_manifest(index_dir / "passages") or {}
    return previous.get("extra", {}).get("sources", {}) if isinstance(previous, dict) else {}


def _sync(
    index_dir: Path,
    stores: dict[str, list[IndexItem]],
    encoder: Encoder,
    exact_limit: int,
    source_hashes: dict[str, str],
) -> _Synced:
    """Brings each stored index up to date with its items, embedding only what is new."""
    indexes: dict[str, VectorIndex] = {}
    embedded = 0
    rebuilt: list[str] = []
    for name, items in stores.items():
        extra = {"sources": source_hashes} if name == "passages" else None
        index, stats = sync_index(
            index_dir / name, items, encoder, exact_limit=exact_limit, extra=extra
        )
        indexes[name] = index
        embedded += stats.embedded
        if stats.rebuilt and stats.rebuilt != "missing":
            rebuilt.append(f"{name}: {stats.rebuilt}")
    return _Synced(indexes, embedded, rebuilt)


def _sentences(passages: Sequence[Passage]) -> tuple[list[str], np.ndarray]:
    """Every passage's sentences, and for each sentence the row of its passage."""
    sentences: list[str] = []
    owners: list[int] = []
    for row, passage in enumerate(passages):
        for sentence in passage_sentences(passage):
            sentences.append(sentence)
            owners.append(row)
    return sentences, np.asarray(owners, dtype=np.int64)
