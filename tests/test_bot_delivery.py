"""Which failed requests are repeated: a new message that may have reached Telegram only once."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.telegram.delivery import Delivery, RetryingRateLimiter, delivery_of, may_retry


def caused(error: NetworkError, cause: BaseException) -> NetworkError:
    error.__cause__ = cause
    return error


REFUSED = caused(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused"))
CONNECT_TIMEOUT = caused(TimedOut(), httpx.ConnectTimeout("slow connect"))
POOL_TIMEOUT = caused(TimedOut(), httpx.PoolTimeout("pool full"))
READ_TIMEOUT = caused(TimedOut(), httpx.ReadTimeout("slow answer"))
DROPPED = caused(NetworkError("httpx.RemoteProtocolError"), httpx.RemoteProtocolError("gone"))
SERVER_ERROR = NetworkError("Internal Server Error")  # PTB raises this, uncaused, for a 5xx


@pytest.mark.parametrize(
    ("error", "delivery"),
    [
        (RetryAfter(3), Delivery.NOT_SENT),
        (SERVER_ERROR, Delivery.NOT_SENT),
        (REFUSED, Delivery.NOT_SENT),
        (CONNECT_TIMEOUT, Delivery.NOT_SENT),
        (POOL_TIMEOUT, Delivery.NOT_SENT),
        (READ_TIMEOUT, Delivery.UNCERTAIN),
        (TimedOut(), Delivery.UNCERTAIN),
        (DROPPED, Delivery.UNCERTAIN),
        (BadRequest("chat not found"), Delivery.FAILED),
        (Forbidden("bot was blocked by the user"), Delivery.FAILED),
        (ValueError("not telegram"), Delivery.FAILED),
    ],
)
def test_delivery_of(error: BaseException, delivery: Delivery) -> None:
    assert delivery_of(error) is delivery


def test_a_new_message_is_repeated_once_after_an_uncertain_failure() -> None:
    assert may_retry("sendMessage", SERVER_ERROR) and may_retry("sendMessage", REFUSED)
    assert may_retry("sendMessage", READ_TIMEOUT, resends_left=1)
    assert may_retry("sendMessage", DROPPED, resends_left=1)
    assert not may_retry("sendMessage", READ_TIMEOUT) and not may_retry("sendMessage", DROPPED)
    assert may_retry("editMessageText", READ_TIMEOUT) and may_retry("answerCallbackQuery", DROPPED)
    assert not may_retry("editMessageText", BadRequest("message to edit not found"))
    assert not may_retry("sendMessage", BadRequest("chat not found"), resends_left=1)


class Script:
    """A request callback that fails with the given errors, then succeeds."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self, *args: Any, **kwargs: Any) -> bool:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


async def run(limiter: RetryingRateLimiter, endpoint: str, script: Script) -> object:
    await limiter.initialize()
    try:
        return await limiter.process_request(script, (), {}, endpoint, {"chat_id": 1}, None)
    finally:
        await limiter.shutdown()


def limiter(clock: Clock, **kwargs: Any) -> RetryingRateLimiter:
    return RetryingRateLimiter(clock=clock, sleep=clock.sleep, overall_max_rate=0, **kwargs)


async def test_backs_off_exponentially_until_it_succeeds() -> None:
    clock, script = Clock(), Script(SERVER_ERROR, REFUSED, SERVER_ERROR, POOL_TIMEOUT)
    assert await run(limiter(clock), "sendMessage", script) is True
    assert script.calls == 5 and clock.waits == [0.5, 1.0, 2.0, 4.0]


async def test_gives_up_at_the_methods_deadline() -> None:
    clock = Clock()
    with pytest.raises(NetworkError):
        await run(limiter(clock, max_wait=4.0), "sendMessage", Script(*[SERVER_ERROR] * 100))
    assert 56 <= sum(clock.waits) <= 60 and clock.waits[-1] == 4.0
    clock = Clock()
    with pytest.raises(NetworkError):
        await run(limiter(clock), "sendChatAction", Script(SERVER_ERROR))
    assert clock.waits == []


async def test_resends_a_message_that_may_have_arrived_once_never_twice() -> None:
    for error in (READ_TIMEOUT, DROPPED):
        clock, script = Clock(), Script(error)
        assert await run(limiter(clock), "sendMessage", script) is True
        assert script.calls == 2 and clock.waits == [0.5]  # the resend waits the same back-off
        clock, script = Clock(), Script(error, error)
        with pytest.raises(NetworkError):
            await run(limiter(clock), "sendMessage", script)
        assert script.calls == 2


async def test_faults_that_sent_nothing_do_not_use_up_the_resend() -> None:
    clock = Clock()
    script = Script(READ_TIMEOUT, SERVER_ERROR, REFUSED, DROPPED)
    with pytest.raises(NetworkError):
        await run(limiter(clock), "sendMessage", script)
    assert script.calls == 4  # the second uncertain failure ends it: a third copy is possible
    script = Script(SERVER_ERROR, READ_TIMEOUT, SERVER_ERROR)
    assert await run(limiter(clock), "sendMessage", script) is True and script.calls == 4


async def test_idempotent_methods_are_repeated_after_every_uncertain_failure() -> None:
    clock, script = Clock(), Script(READ_TIMEOUT, DROPPED, READ_TIMEOUT)
    assert await run(limiter(clock), "editMessageText", script) is True and script.calls == 4


async def test_waits_at_least_retry_after_once_the_rate_limiters_own_retries_ran_out() -> None:
    clock, script = Clock(), Script(RetryAfter(0), RetryAfter(3))
    assert await run(limiter(clock, max_retries=0), "sendMessage", script) is True
    assert script.calls == 3 and clock.waits == [0.5, 3.0]
