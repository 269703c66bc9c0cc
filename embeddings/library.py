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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from embeddings.encoders.base import AsQueries, Encoder, KnowsWords, QueryEncoder, ReadsTokens
from embeddings.encoders.progress import Progress, ProgressEncoder
from embeddings.excerpts.grouping import (
    SAME_STATEMENT_E5,
    SAME_STATEMENT_MINILM,
    duplicate_groups,
    fluent_twins,
)
from embeddings.ingest.fluency import FLUENT, fluency
from embeddings.ingest.html import decode_html, extract_page
from embeddings.ingest.passages import passage_sentences, split_article, text_hash
from embeddings.ingest.sources import SOURCE_SUFFIXES, describe, load_sources, read_article
from embeddings.lru import Lru
from embeddings.models import (
    Answer,
    Article,
    BuildReport,
    Passage,
    SourceReport,
    SourceSummary,
    WebPage,
)
from embeddings.retrieval.about import who_wrote
from embeddings.retrieval.acronyms import acronyms
from embeddings.retrieval.coverage import TermMatcher
from embeddings.retrieval.everyday import EVERYDAY
from embeddings.retrieval.followup import better_reading, joined_question
from embeddings.retrieval.lexicon import Lexicon
from embeddings.retrieval.multi import ask_split
from embeddings.retrieval.searcher import Searcher
from embeddings.retrieval.snapshot import Corpus, group_rows, supplied_types
from embeddings.retrieval.speech import speakers
from embeddings.store.index import IndexItem, VectorIndex, read_manifest, sync_index
from embeddings.store.tokens import sync_tokens
from embeddings.text import searchable

__all__ = [
    "SOURCE_SUFFIXES",
    "IndexedLibrary",
    "Library",
    "LibraryBuilder",
    "Lru",
    "Progress",
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


class LibraryBuilder(Protocol):
    """Builds (or incrementally rebuilds) a library snapshot; blocking, run it off the event loop.

    `progress`, when given, is called as (what, done, total) while texts are embedded, from the
    thread the build runs in; it must be quick and must not raise.
    """

    def __call__(self, progress: Progress | None = None) -> tuple[Library, BuildReport]: ...


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
        """Answers several questions with one batched encode (the bot's micro-batching uses it).

        A message that asks two things ("when did … n what was …") is answered as two, in one
        answer: each part's best excerpt first (`embeddings.retrieval.multi.merge`).
        """
        return ask_split(questions, lambda qs: self._ask_parts(qs, k))

    def _ask_parts(self, questions: Sequence[str], k: int | None) -> list[Answer]:
        """Questions about who wrote an article get the bylines (`retrieval/about.py`); the
        rest go to the searcher in one batch."""
        known = self.searcher.corpus.lexicon.idf
        most = k or self.searcher.k
        answers = [who_wrote(searchable(q), self._articles, known, most) for q in questions]
        rest = [i for i, a in enumerate(answers) if a is None]
        for i, answer in zip(
            rest, self.searcher.ask_many([questions[i] for i in rest], k), strict=True
        ):
            answers[i] = answer
        return [a for a in answers if a is not None]


def build_library(
    sources_dir: Path,
    index_dir: Path,
    encoder: Encoder,
    *,
    metadata_file: Path | None = None,
    options: SearchOptions | None = None,
    multilingual: QueryEncoder | None = None,
    progress: Progress | None = None,
) -> tuple[IndexedLibrary, BuildReport]:
    """Reads the sources, updates the stored index incrementally and returns a snapshot.

    Unreadable files are skipped and listed in `BuildReport.problems`. A missing, corrupt or
    mismatched index is rebuilt (the reason is in `BuildReport.rebuilt`), never served. With no
    readable source at all, the library is empty and the stored index is left as it was.
    Not safe to call concurrently on the same `index_dir`: callers serialise reloads.

    With a ``multilingual`` encoder (e5), passages and sentences are embedded by it too, into
    indexes of their own beside MiniLM's (same rows, own manifests, also incremental).
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
    previous = read_manifest(index_dir / "passages") or {}
    before = previous.get("extra", {}).get("sources", {}) if isinstance(previous, dict) else {}
    stores = {
        "passages": [IndexItem(p.key, p.sha256, p.text) for p in passages],
        "sentences": [IndexItem(f"s{i}", text_hash(t), t) for i, t in enumerate(sentences)],
        "terms": [IndexItem(t, text_hash(t), t) for t in terms],
    }
    encoders: dict[str, Encoder] = dict.fromkeys(stores, encoder)
    if multilingual is not None and multilingual is not encoder:
        stores["e5-passages"] = stores["passages"]
        stores["e5-sentences"] = stores["sentences"]
        encoders["e5-passages"] = encoders["e5-sentences"] = multilingual
        stores["e5-everyday"] = [
            IndexItem(f"q{i}", text_hash(q), q) for i, q in enumerate(EVERYDAY)
        ]
        encoders["e5-everyday"] = AsQueries(multilingual)
    indexes: dict[str, VectorIndex] = {}
    embedded = 0
    rebuilt: list[str] = []
    for name, items in stores.items():
        if not loaded.articles:  # a missing or emptied folder must not wipe the stored vectors
            indexes[name] = VectorIndex.empty(encoders[name].dim)
            continue
        extra = {"sources": source_hashes} if name == "passages" else None
        enc = encoders[name]
        reporting = enc if progress is None else ProgressEncoder(enc, name, progress)
        index, stats = sync_index(
            index_dir / name, items, reporting, exact_limit=opts.exact_limit, extra=extra
        )
        indexes[name] = index
        embedded += stats.embedded
        if stats.rebuilt and stats.rebuilt != "missing":
            rebuilt.append(f"{name}: {stats.rebuilt}")

    passage_tokens = None
    if loaded.articles and isinstance(encoder, ReadsTokens):
        passage_tokens, count = sync_tokens(
            index_dir / "tokens", stores["passages"], encoder, progress
        )
        embedded += count
    fluent = {a.info.id: fluency(a.paragraphs) >= FLUENT for a in loaded.articles}
    e5_sentences = indexes.get("e5-sentences", indexes["sentences"] if multilingual else None)
    fluent_rows = np.array([fluent[p.source_id] for p in passages], dtype=bool)
    twins = (
        fluent_twins(e5_sentences, owners, fluent_rows, SAME_STATEMENT_E5)
        if e5_sentences is not None
        else fluent_twins(indexes["sentences"], owners, fluent_rows, SAME_STATEMENT_MINILM)
    )
    corpus = Corpus(
        passages=tuple(passages),
        sources={a.info.id: a.info for a in loaded.articles},
        passage_index=indexes["passages"],
        sentences=tuple(sentences),
        sentence_owner=owners,
        passage_sentences=group_rows(owners, len(passages)),
        supplied=supplied_types(passages, lexicon.names),
        sentence_index=indexes["sentences"],
        lexicon=lexicon,
        terms=TermMatcher.build(terms, indexes["terms"].vectors, per_passage),
        fluent=fluent,
        fluent_twins=twins,
        acronyms=acronyms([p.text for p in passages]),
        speakers=speakers(p.text for p in passages),
        passage_tokens=passage_tokens,
        duplicates=duplicate_groups(
            indexes["passages"].vectors,
            [p.source_id for p in passages],
            [p.text for p in passages],
        ),
        e5_passage_index=indexes.get("e5-passages", indexes["passages"] if multilingual else None),
        e5_sentence_index=e5_sentences,
        e5_everyday=indexes["e5-everyday"].vectors if "e5-everyday" in indexes else None,
    )
    searcher = Searcher(
        corpus, encoder, k=opts.k, min_score=opts.min_score, multilingual=multilingual
    )
    report = BuildReport(
        sources=len(loaded.articles),
        passages=len(passages),
        embedded=embedded,
        seconds=time.perf_counter() - started,
        added=tuple(sorted(set(source_hashes) - set(before))),
        changed=tuple(
            sorted(s for s in source_hashes if s in before and before[s] != source_hashes[s])
        ),
        removed=tuple(sorted(set(before) - set(source_hashes))),
        problems=loaded.problems,
        rebuilt="; ".join(rebuilt) or None,
        machine_rewritten=tuple(sorted(s for s, ok in fluent.items() if not ok)),
    )
    return IndexedLibrary(loaded.articles, searcher), report


def list_sources(
    sources_dir: Path, metadata_file: Path | None = None
) -> tuple[tuple[SourceReport, ...], tuple[str, ...]]:
    """Every source as the bot reads it, without an index or a model (`storybot sources`).

    Returns:
        The sources in id order, and a reason for each file that was skipped.
    """
    loaded = load_sources(sources_dir, metadata_file)
    return tuple(describe(a) for a in loaded.articles), loaded.problems


def read_source(file_name: str, data: bytes) -> Article:
    """What the loader would make of a file of this name and content (before it is saved).

    Raises:
        ValueError: the name has no source suffix, or a text file is not UTF-8.
    """
    path = Path(file_name)
    if path.suffix.lower() not in SOURCE_SUFFIXES:
        raise ValueError(f"not a source file: {file_name}")
    return read_article(path.stem, data, suffix=path.suffix.lower(), path=path)


def read_web_page(data: bytes, *, url: str | None = None, charset: str | None = None) -> WebPage:
    """A web page's main text and metadata, as the loader will read the saved page."""
    return extract_page(data, url=url, charset=charset)


def decode_page(data: bytes, charset: str | None = None) -> tuple[str, str]:
    """A web page's text and the encoding it was read in (see `embeddings.ingest.html`)."""
    return decode_html(data, charset)


def _sentences(passages: Sequence[Passage]) -> tuple[list[str], np.ndarray]:
    """Every passage's sentences, and for each sentence the row of its passage."""
    sentences: list[str] = []
    owners: list[int] = []
    for row, passage in enumerate(passages):
        for sentence in passage_sentences(passage):
            sentences.append(sentence)
            owners.append(row)
    return sentences, np.asarray(owners, dtype=np.int64)
