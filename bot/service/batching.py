"""Micro-batching and an answer cache for the service: many questions, few encodes.

Questions that arrive together (a burst in a group chat, a `getUpdates` page of many updates)
are gathered into one `Library.ask_many` call, which embeds them all in one batched forward
pass instead of queueing one encode per question behind each other. A lone question is sent at
once: a batch only forms while another is running or within one turn of the event loop (plus an
optional window), so nobody waits for company that is not coming.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from embeddings.library import Library, Lru
from embeddings.models import Answer

Runner = Callable[[Library, list[str]], Awaitable[list[Answer]]]
"""Answers a batch of distinct questions from one library (off the event loop)."""


@dataclass(slots=True)
class _Waiting:
    library: Library
    question: str
    future: asyncio.Future[Answer]


class MicroBatcher:
    """Gathers concurrent questions into batches of at most `max_batch`, `slots` at a time.

    Args:
        run: answers one batch; its questions are distinct and share one library.
        max_batch: most questions in one batch.
        slots: batches in flight at once (one encodes while another is ranked).
        window: seconds to wait for more questions before sending a batch; 0 gathers only
            what has arrived by the next turn of the event loop.
    """

    def __init__(self, run: Runner, *, max_batch: int = 64, slots: int = 1, window: float = 0.0):
        if max_batch < 1 or slots < 1 or window < 0:
            raise ValueError("max_batch and slots must be >= 1 and window >= 0")
        self._run = run
        self._max_batch = max_batch
        self._window = window
        self._slots = asyncio.Semaphore(slots)
        self._waiting: list[_Waiting] = []
        self._drainer: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()
        self.batches: list[int] = []
        """Sizes of the batches sent so far (distinct questions), for tests and the benchmark."""

    async def ask(self, library: Library, question: str) -> Answer:
        """Answers `question` from `library`, in whatever batch it lands in."""
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(library, question, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain())
        return await future

    async def close(self) -> None:
        """Cancels whatever has not been answered yet."""
        tasks = [t for t in (self._drainer, *self._running) if t is not None]
        for task in tasks:
            task.cancel()
        for waiting in self._waiting:
            waiting.future.cancel()
        self._waiting.clear()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _drain(self) -> None:
        while self._waiting:
            await self._slots.acquire()
            await asyncio.sleep(self._window)
            batch = self._take()
            if not batch:
                self._slots.release()
                continue
            task = asyncio.create_task(self._answer(batch))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    def _take(self) -> list[_Waiting]:
        """The oldest questions for the oldest waiting library, up to `max_batch` distinct ones."""
        waiting = [w for w in self._waiting if not w.future.done()]
        if not waiting:
            self._waiting.clear()
            return []
        library = waiting[0].library
        distinct: set[str] = set()
        batch: list[_Waiting] = []
        rest: list[_Waiting] = []
        for w in waiting:
            fits = w.question in distinct or len(distinct) < self._max_batch
            if w.library is library and fits:
                distinct.add(w.question)
                batch.append(w)
            else:
                rest.append(w)
        self._waiting = rest
        return batch

    async def _answer(self, batch: list[_Waiting]) -> None:
        try:
            questions = list(dict.fromkeys(w.question for w in batch))
            self.batches.append(len(questions))
            try:
                answers = await self._run(batch[0].library, questions)
            except Exception as exc:
                for w in batch:
                    if not w.future.done():
                        w.future.set_exception(exc)
                return
            by_question = dict(zip(questions, answers, strict=True))
            for w in batch:
                if not w.future.done():
                    w.future.set_result(by_question[w.question])
        finally:
            self._slots.release()


class AnswerCache:
    """The last `size` answers of the current library; a new library empties it.

    Entries are tied to the library they came from, so an answer is never served from an
    index that a reload has replaced, even if its batch finishes after the swap.
    """

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._library: Library | None = None
        self._answers: Lru[str, Answer] = Lru(size)
        self.hits = 0

    def get(self, library: Library, question: str) -> Answer | None:
        if library is not self._library:
            return None
        answer = self._answers.get(question)
        if answer is not None:
            self.hits += 1
        return answer

    def put(self, library: Library, question: str, answer: Answer) -> None:
        if self._size <= 0:
            return
        if library is not self._library:
            self._library = library
            self._answers.clear()
        self._answers.put(question, answer)
