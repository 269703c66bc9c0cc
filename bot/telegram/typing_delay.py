"""The "typing…" chat action, shown only for an answer that is slow to come.

Answers usually take milliseconds, so a chat action sent before every answer shows nothing, yet it
goes through the same 30-a-second rate limiter as the answers: under load (1,000 questions at
once, issue 11) it halved throughput and doubled the median wait, from 15 s to 31 s.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

from telegram.error import TelegramError

TYPING_DELAY = 0.5
"""Seconds an answer may take before "typing…" is shown: far above the usual answer time (a few
ms, docs/BENCHMARKS.md) and below the second or so after which a silent chat feels stuck."""


@contextlib.asynccontextmanager
async def typing_while_slow(
    send_action: Callable[[], Awaitable[object]], delay: float | None = None
) -> AsyncIterator[None]:
    """Runs the block; if it lasts more than `delay` seconds, calls `send_action` once meanwhile.

    The pending action is cancelled as soon as the block ends, whether or not it was sent.
    """
    task = asyncio.create_task(_after(TYPING_DELAY if delay is None else delay, send_action))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _after(delay: float, send_action: Callable[[], Awaitable[object]]) -> None:
    await asyncio.sleep(delay)
    with contextlib.suppress(TelegramError):  # a "typing…" that fails is not worth a retry
        await send_action()
