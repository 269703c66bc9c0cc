"""The async shell around the retrieval core: answers off the event loop, reloads without downtime.

The service holds the current `Library` behind one reference. Questions run in a worker thread
against whichever library was current when they started; a reload builds the next library in
another thread, under a lock, and swaps the reference in one assignment, so questions keep being
answered from the old library meanwhile and an error leaves the old one serving.

Questions asked at the same time are gathered into one batched `Library.ask_many` call (one
encode for all of them; see `bot.service.batching`), and repeated questions are answered from a
small cache that a reload empties.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import statistics
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from bot.service.batching import AnswerCache, MicroBatcher
from embeddings.library import (
    Library,
    LibraryBuilder,
    Progress,
    better_reading,
    joined_question,
)
from embeddings.models import Answer, BuildReport, SourceSummary

logger = logging.getLogger(__name__)

Clock = Callable[[], float]


class ServiceError(Exception):
    """An error whose message is safe to show to the person who caused it."""


class NotReadyError(ServiceError):
    """No library has been loaded yet."""


class ReloadError(ServiceError):
    """Building a new library failed; the previous one keeps serving."""


@dataclass(frozen=True, slots=True)
class Stats:
    """What `/stats` shows."""

    uptime_seconds: float
    questions: int
    answered: int
    not_found: int
    median_seconds: float | None
    sources: int
    passages: int
    reloads: int
    last_reload: BuildReport | None


class StoryService:
    """Answers questions from the current library and owns its reloads.

    Args:
        builder: blocking callable that builds (or incrementally rebuilds) a library.
        k: excerpts per answer; None keeps the library's default.
        workers: threads that run searches.
        clock: monotonic seconds, replaceable in tests.
        max_batch: most questions answered by one batched search.
        batches_in_flight: batched searches running at once.
        cache_size: answers kept for repeated questions (0 turns the cache off).
    """

    def __init__(
        self,
        builder: LibraryBuilder,
        *,
        k: int | None = None,
        workers: int = 2,
        clock: Clock = time.monotonic,
        max_batch: int = 64,
        batches_in_flight: int = 1,
        cache_size: int = 256,
    ) -> None:
        self._builder = builder
        self._k = k
        self._clock = clock
        self._started = clock()
        self._library: Library | None = None
        self._reload_lock = asyncio.Lock()
        self._ask_pool = ThreadPoolExecutor(workers, thread_name_prefix="storybot-ask")
        self._build_pool = ThreadPoolExecutor(1, thread_name_prefix="storybot-build")
        self._timings: deque[float] = deque(maxlen=1000)
        self._questions = self._answered = self._reloads = 0
        self._last_report: BuildReport | None = None
        self._batcher = MicroBatcher(self._run_batch, max_batch=max_batch, slots=batches_in_flight)
        self._cache = AnswerCache(cache_size)

    @property
    def library(self) -> Library:
        """The library questions are answered from right now."""
        if self._library is None:
            raise NotReadyError("The sources are still being indexed; try again in a moment.")
        return self._library

    @property
    def ready(self) -> bool:
        return self._library is not None

    @property
    def reloading(self) -> bool:
        return self._reload_lock.locked()

    @property
    def sources(self) -> tuple[SourceSummary, ...]:
        return self.library.sources

    @property
    def batcher(self) -> MicroBatcher:
        return self._batcher

    @property
    def cache(self) -> AnswerCache:
        return self._cache

    async def ask(self, question: str) -> Answer:
        """Answers one question, batched with any asked at the same time; counts it in the stats."""
        started = self._clock()
        library = self.library  # a reload may swap it meanwhile; this question keeps its snapshot
        answer = self._cache.get(library, question)
        if answer is None:
            answer = await self._batcher.ask(library, question)
            if library is self._library:
                self._cache.put(library, question, answer)
        self._record(answer, self._clock() - started)
        return answer

    async def ask_follow_up(self, question: str, earlier: str | None) -> Answer:
        """Answers `question`; when it follows `earlier` (it replied to our answer to that), it
        is also read together with it, and the better reading wins (`better_reading`)."""
        if earlier is None:
            return await self.ask(question)
        alone, joined = await asyncio.gather(
            self.ask(question), self.ask(joined_question(earlier, question))
        )
        return better_reading(question, alone, joined)

    async def _run_batch(self, library: Library, questions: list[str]) -> list[Answer]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._ask_pool, library.ask_many, questions, self._k)

    async def reload(self, progress: Progress | None = None) -> BuildReport:
        """Builds a new library off the loop and swaps it in; one reload at a time.

        Args:
            progress: called on the event loop as (what, done, total) while the build embeds
                texts; it must not block. An error in it is logged, never fails the reload.

        Raises:
            ReloadError: the build failed; the previous library (if any) keeps serving.
        """
        async with self._reload_lock:
            loop = asyncio.get_running_loop()
            relay = None if progress is None else _on_loop(loop, progress)
            try:
                library, report = await loop.run_in_executor(self._build_pool, self._builder, relay)
            except Exception as exc:
                logger.exception("building the index failed; the previous one keeps serving")
                raise ReloadError(_describe(exc)) from exc
            if not report.sources and self._library is not None and self._library.sources:
                # an emptied or unmounted folder: never trade a working index for an empty one
                problems = "; ".join(report.problems[:3]) or "the sources folder is empty"
                logger.error("no readable sources (%s); the previous index keeps serving", problems)
                raise ReloadError(f"no readable sources ({problems})")
            self._library = library
            self._last_report = report
            self._reloads += 1
            logger.info(
                "index ready: %d sources, %d passages, %d embedded in %.1f s",
                report.sources,
                report.passages,
                report.embedded,
                report.seconds,
            )
            return report

    def stats(self) -> Stats:
        """A snapshot of the counters and of the current library's size."""
        library = self._library
        return Stats(
            uptime_seconds=self._clock() - self._started,
            questions=self._questions,
            answered=self._answered,
            not_found=self._questions - self._answered,
            median_seconds=statistics.median(self._timings) if self._timings else None,
            sources=len(library.sources) if library else 0,
            passages=library.passage_count if library else 0,
            reloads=self._reloads,
            last_reload=self._last_report,
        )

    async def close(self) -> None:
        """Stops the worker threads; a build still running finishes in the background."""
        await self._batcher.close()
        self._ask_pool.shutdown(wait=False, cancel_futures=True)
        self._build_pool.shutdown(wait=False, cancel_futures=True)

    def _record(self, answer: Answer, seconds: float) -> None:
        self._questions += 1
        self._answered += answer.answered
        self._timings.append(seconds)


def _on_loop(loop: asyncio.AbstractEventLoop, progress: Progress) -> Progress:
    """`progress` for the build's thread: each step is handed to `loop` and run there, so the
    callback sees no other thread; nothing it does can raise into the build."""

    def run(what: str, done: int, total: int) -> None:
        try:
            progress(what, done, total)
        except Exception:
            logger.exception("showing the build's progress failed; the build goes on")

    def relay(what: str, done: int, total: int) -> None:
        # RuntimeError: the loop has closed (the bot is stopping), so nobody is watching
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(run, what, done, total)

    return relay


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    return text if len(text) <= 300 else text[:299] + "…"
