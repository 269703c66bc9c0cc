"""Stand-ins at the core seam: a word-overlap `Library`, its builder, and a builder wrapper.

`FakeLibrary` implements the `embeddings.library.Library` protocol (`ask`, `ask_many`,
`sources`, `passage_count`), so the bot can be tested without the core. `FakeBuilder` reads a folder of sources the way the
real builder does (file stem = source id, paragraphs split on blank lines, first one the title).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from embeddings.library import Library, LibraryBuilder, Progress
from embeddings.models import Answer, BuildReport, Excerpt, SourceInfo, SourceSummary

_WORD = re.compile(r"[a-z0-9]{3,}")
_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "was",
        "were",
        "what",
        "when",
        "who",
        "why",
        "how",
        "did",
        "does",
        "with",
        "that",
        "this",
        "from",
    ]
)
SUFFIXES = (".txt", ".md", ".html")


def words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


class FakeLibrary:
    """Answers with every paragraph sharing at least half of the question's words."""

    def __init__(
        self, articles: Sequence[tuple[SourceInfo, Sequence[str]]], *, delay: float = 0.0
    ) -> None:
        self._articles = [(info, tuple(paras)) for info, paras in articles]
        self.delay = delay
        self.calls: list[list[str]] = []
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    @property
    def sources(self) -> tuple[SourceSummary, ...]:
        return tuple(SourceSummary(info, len(paras)) for info, paras in self._articles)

    @property
    def passage_count(self) -> int:
        return sum(len(paras) for _, paras in self._articles)

    def ask(self, question: str, k: int | None = None) -> Answer:
        return self.ask_many([question], k)[0]

    def ask_many(self, questions: Sequence[str], k: int | None = None) -> list[Answer]:
        with self._lock:
            self.calls.append(list(questions))
            self.threads.add(threading.current_thread().name)
        if self.delay:
            time.sleep(self.delay)
        return [self._answer(q, k or 3) for q in questions]

    def _answer(self, question: str, k: int) -> Answer:
        asked = words(question)
        scored: list[tuple[float, int, SourceInfo, str]] = []
        for info, paras in self._articles:
            for number, text in enumerate(paras, start=1):
                overlap = len(asked & words(text)) / len(asked) if asked else 0.0
                if overlap >= 0.5:
                    scored.append((overlap, number, info, text))
        scored.sort(key=lambda item: -item[0])
        excerpts = tuple(
            Excerpt(text, (_best_sentence(text, asked),), score, number, info)
            for score, number, info, text in scored[:k]
        )
        return Answer(question, excerpts)


def _best_sentence(text: str, asked: set[str]) -> str:
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if s]
    return max(sentences, key=lambda s: len(asked & words(s)))


def read_articles(folder: Path) -> list[tuple[SourceInfo, list[str]]]:
    """Each file: first block is the title, the rest are paragraphs."""
    articles = []
    for path in sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES):
        blocks = [b.strip() for b in path.read_text("utf-8").split("\n\n") if b.strip()]
        title, paras = (blocks[0], blocks[1:]) if len(blocks) > 1 else (path.stem, blocks)
        articles.append((SourceInfo(path.stem, title, publisher=f"Pub {path.stem}"), paras))
    return articles


class FakeBuilder:
    """A `LibraryBuilder` over a folder; `fail` makes the next build raise, `delay` slows it."""

    def __init__(self, folder: Path, *, delay: float = 0.0, ask_delay: float = 0.0) -> None:
        self.folder = folder
        self.delay = delay
        self.ask_delay = ask_delay
        self.fail: Exception | None = None
        self.builds = 0
        self._seen: dict[str, int] = {}

    def __call__(self, progress: Progress | None = None) -> tuple[Library, BuildReport]:
        started = time.perf_counter()
        if self.delay:
            time.sleep(self.delay)
        if self.fail is not None:
            error, self.fail = self.fail, None
            raise error
        articles = read_articles(self.folder)
        now = {info.id: len(paras) for info, paras in articles}
        added = tuple(i for i in now if i not in self._seen)
        removed = tuple(i for i in self._seen if i not in now)
        changed = tuple(i for i in now if i in self._seen and self._seen[i] != now[i])
        self._seen = now
        self.builds += 1
        library = FakeLibrary(articles, delay=self.ask_delay)
        report = BuildReport(
            sources=len(now),
            passages=library.passage_count,
            embedded=sum(now[i] for i in (*added, *changed)),
            seconds=time.perf_counter() - started,
            added=added,
            changed=changed,
            removed=removed,
        )
        return library, report


class ControlledBuilder:
    """Wraps any `LibraryBuilder` (e.g. the real one) so a test can slow it down or make it fail."""

    def __init__(self, inner: LibraryBuilder) -> None:
        self.inner = inner
        self.delay = 0.0
        self.fail: Exception | None = None
        self.builds = 0

    def __call__(self, progress: Progress | None = None) -> tuple[Library, BuildReport]:
        if self.delay:
            time.sleep(self.delay)
        if self.fail is not None:
            error, self.fail = self.fail, None
            raise error
        self.builds += 1
        return self.inner(progress)
