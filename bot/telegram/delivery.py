"""Getting the bot's requests through Telegram's faults: each answer at least once, at most twice.

Telegram has no idempotency key: a `sendMessage` that timed out or lost its connection may well
have been delivered (python-telegram-bot issue #1045). So every failed request is classified:

- `Delivery.NOT_SENT`: Telegram said no (429, 5xx) or the connection never opened. Retried.
- `Delivery.UNCERTAIN`: the request left but no answer came back (a read time-out, a dropped
  connection). Idempotent methods (edits, callback and inline answers, menus) are retried as
  often as needed. A new message is sent again once (`NEW_MESSAGE_RESENDS`): the answer matters
  more than a rare duplicate, so a user sees it once or twice, never three times.
- `Delivery.FAILED`: anything else (400, 403, …). Retrying would not help.

`RetryingRateLimiter` applies this to every request but `getUpdates` (which python-telegram-bot
retries itself, forever, with a back-off up to 30 s), on top of `AIORateLimiter`'s throttling.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from enum import Enum
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import AIORateLimiter
from telegram.warnings import PTBDeprecationWarning

logger = logging.getLogger(__name__)

NEW_MESSAGES = frozenset(
    {"sendMessage", "sendDocument", "sendPhoto", "copyMessage", "forwardMessage", "sendMediaGroup"}
)
"""Methods that create a message: repeated at most `NEW_MESSAGE_RESENDS` times after an
uncertain failure, since each repeat may show the message once more."""
NEW_MESSAGE_RESENDS = 1
"""Resends after an uncertain failure: one resend recovers the usual case (the connection dropped
before Telegram acted) and bounds the worst case (Telegram acted every time) at two copies."""
DEADLINES = {
    "sendChatAction": 0.0,  # a late "typing…" is worthless
    "answerCallbackQuery": 10.0,  # Telegram stops waiting for these answers soon anyway
    "answerInlineQuery": 10.0,
    "getMe": 0.0,  # only called at start-up, which fails fast with one line
}
"""Seconds to keep retrying, by method."""
DEFAULT_DEADLINE = 60.0
"""Long enough to ride out a short outage; short enough that a stopping bot (which finishes the
answers in flight) exits within systemd's default 90 s."""
_NOT_SENT_CAUSES = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class Delivery(Enum):
    """What a failed request tells about the message it carried."""

    NOT_SENT = "not sent"
    UNCERTAIN = "uncertain"
    FAILED = "failed"


def delivery_of(error: BaseException) -> Delivery:
    """Whether the request that raised `error` may have reached Telegram (see module docs)."""
    if isinstance(error, RetryAfter):
        return Delivery.NOT_SENT
    if not isinstance(error, NetworkError) or isinstance(error, BadRequest):
        return Delivery.FAILED  # (PTB's BadRequest and TimedOut are NetworkErrors)
    cause = error.__cause__
    if isinstance(cause, _NOT_SENT_CAUSES):
        return Delivery.NOT_SENT
    if cause is None and not isinstance(error, TimedOut):
        return Delivery.NOT_SENT  # raised for a 5xx answer: Telegram did not process it
    return Delivery.UNCERTAIN


def may_retry(endpoint: str, error: BaseException, *, resends_left: int = 0) -> bool:
    """Whether to repeat `endpoint` after `error`: always when nothing was sent; after an
    uncertain failure, idempotent methods always and new messages while `resends_left`."""
    delivery = delivery_of(error)
    if delivery is Delivery.NOT_SENT:
        return True
    if delivery is not Delivery.UNCERTAIN:
        return False
    return endpoint not in NEW_MESSAGES or resends_left > 0


class RetryingRateLimiter(AIORateLimiter):
    """`AIORateLimiter` plus retries with exponential back-off for the faults `may_retry` allows.

    Args:
        first_wait: seconds before the first retry; doubled each time up to `max_wait`.
        max_wait: the longest pause between two attempts.
        deadlines: seconds to keep retrying, by method (default `DEFAULT_DEADLINE`).
        limits: `AIORateLimiter`'s arguments (429s are retried there, pausing every request).
    """

    def __init__(
        self,
        *,
        first_wait: float = 0.5,
        max_wait: float = 8.0,
        deadlines: dict[str, float] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        **limits: Any,
    ) -> None:
        super().__init__(**({"max_retries": 3} | limits))
        self._first_wait = first_wait
        self._max_wait = max_wait
        self._deadlines = DEADLINES | (deadlines or {})
        self._clock = clock
        self._sleep = sleep

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        deadline = self._clock() + self._deadlines.get(endpoint, DEFAULT_DEADLINE)
        wait = self._first_wait
        resends_left = NEW_MESSAGE_RESENDS
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except TelegramError as error:
                if isinstance(error, RetryAfter):  # AIORateLimiter's own retries ran out
                    wait = max(wait, _seconds(error))
                retry = may_retry(endpoint, error, resends_left=resends_left)
                if not retry or self._clock() + wait > deadline:
                    raise
                if delivery_of(error) is Delivery.UNCERTAIN and endpoint in NEW_MESSAGES:
                    resends_left -= 1
                logger.warning("%s failed (%s); retrying in %.1f s", endpoint, error, wait)
                await self._sleep(wait)
                wait = min(wait * 2, self._max_wait)


def _seconds(error: RetryAfter) -> float:
    """The pause Telegram asked for. PTB 22 warns on every read of `retry_after` that it will
    become a timedelta (an int until then): both are taken, the warning is not needed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = error.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
