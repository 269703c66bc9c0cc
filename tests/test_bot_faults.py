"""Telegram faults, over real HTTP: the bot long-polls a fake Bot API server on 127.0.0.1.

Every case asserts what the user got (the answer exactly once; twice at most when Telegram acted
on a send whose answer never came back; never an apology instead of the answer), and that a
normal question is answered afterwards.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from telegram import Update
from telegram.error import NetworkError, RetryAfter, TimedOut

from bot.bench.fakeapi.api import TOKEN, Delay, Drop, DropAfter, FakeBotApi, Outcome, Reply, Sent
from bot.bench.fakeapi.server import FakeBotServer
from bot.bench.fakeapi.updates import GROUP_ID, USER
from bot.telegram import texts
from bot.telegram.handlers import on_error
from embeddings.library import LibraryBuilder
from tests.fakes.harness import (
    BotUnderTest,
    bot_settings,
    eventually,
    polling_bot,
    restart_server,
    running_bot,
)
from tests.test_bot_chat import QUESTION, real_builder, write_sources
from tests.test_bot_e2e import bot_env

ROOT = Path(__file__).resolve().parents[1]
ME = USER["id"]
READ_TIMEOUT = 1.0
pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def builder(tmp_path: Path) -> LibraryBuilder:
    return real_builder(bot_settings(tmp_path))


@pytest.fixture
async def bot(tmp_path: Path, builder: LibraryBuilder) -> AsyncIterator[BotUnderTest]:
    async with polling_bot(bot_settings(tmp_path), builder, read_timeout=READ_TIMEOUT) as bot:
        yield bot


def answers(sent: list[Sent]) -> list[Sent]:
    return [s for s in sent if "<blockquote>" in s.html]


def sends(api: FakeBotApi) -> int:
    return api.methods().count("sendMessage")


async def ask(bot: BotUnderTest, question: str = QUESTION, chat: int = ME) -> None:
    """Pushes a question and waits until the bot has replied to it (at least once)."""
    before = len(bot.replies(chat))
    bot.api.push(bot.api.private(question) if chat == ME else bot.api.group(f"/ask {question}"))
    await eventually(lambda: len(bot.replies(chat)) > before)


async def still_answers(bot: BotUnderTest) -> None:
    """After the fault: a normal question gets exactly one normal answer."""
    bot.api.clear_faults()
    before = len(bot.replies(ME))
    await ask(bot)
    await asyncio.sleep(0.2)  # a duplicate, if any, would arrive now
    [reply] = bot.replies(ME)[before:]
    assert "<blockquote>" in reply.html


# --- sendMessage faults -------------------------------------------------------------------------


async def test_429_with_retry_after_is_answered_once_after_the_pause(bot: BotUnderTest) -> None:
    bot.api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, times=2)
    started = time.monotonic()
    await ask(bot)
    [answer] = bot.replies(ME)
    assert "<blockquote>" in answer.html and answer.at - started >= 2.0
    assert sends(bot.api) == 3
    await still_answers(bot)


@pytest.mark.parametrize(
    ("status", "reason"), [(500, "Internal Server Error"), (502, "Bad Gateway")]
)
async def test_server_errors_are_retried_and_answered_once(
    bot: BotUnderTest, status: int, reason: str
) -> None:
    bot.api.fail("sendMessage", status, reason, times=2)
    await ask(bot)
    await asyncio.sleep(0.3)
    [answer] = bot.replies(ME)
    assert "<blockquote>" in answer.html and sends(bot.api) == 3
    await still_answers(bot)


async def test_a_failing_stretch_of_sends_ends_in_one_answer(bot: BotUnderTest) -> None:
    bot.api.fail_for("sendMessage", 1.5, lambda: Reply.error(503, "Service Unavailable"))
    await ask(bot)
    [answer] = bot.replies(ME)
    assert "<blockquote>" in answer.html and sends(bot.api) >= 3
    await still_answers(bot)


async def test_connection_refused_while_answering_is_retried_after_the_outage(
    bot: BotUnderTest,
) -> None:
    assert bot.server is not None
    bot.server.stop()  # Telegram unreachable: nothing can be sent, so retrying is safe
    handling = asyncio.create_task(bot.send(bot.api.private(QUESTION)))
    await asyncio.sleep(1.5)
    assert bot.replies(ME) == [] and not handling.done()
    restart_server(bot)
    await handling
    await asyncio.sleep(0.3)
    [answer] = bot.replies(ME)
    assert "<blockquote>" in answer.html
    await still_answers(bot)


async def test_a_connection_dropped_before_telegram_acted_still_delivers_the_answer_once(
    bot: BotUnderTest,
) -> None:
    # The usual dropped connection: Telegram never saw the message. The bot cannot tell this
    # from a drop after delivery, so it resends once, and the user sees the answer once.
    dropped = [Drop()]
    bot.api.inject("sendMessage", lambda call: dropped.pop() if dropped else None)
    await ask(bot)
    await asyncio.sleep(0.5)
    [answer] = bot.replies(ME)
    assert "<blockquote>" in answer.html and sends(bot.api) == 2
    await still_answers(bot)


@pytest.mark.parametrize("fault", [Delay(READ_TIMEOUT + 0.5), DropAfter()], ids=["late", "cut"])
async def test_an_answer_telegram_acted_on_too_late_is_seen_at_most_twice(
    bot: BotUnderTest, fault: Delay | DropAfter
) -> None:
    once = [fault]
    bot.api.inject("sendMessage", lambda call: once.pop() if once else None)
    bot.api.push(bot.api.private(QUESTION))
    await eventually(lambda: len(bot.replies(ME)) == 2)
    await asyncio.sleep(READ_TIMEOUT + 0.5)  # a third copy or an apology would arrive now
    assert [("<blockquote>" in s.html) for s in bot.replies(ME)] == [True, True]
    assert bot.replies(ME)[0].text == bot.replies(ME)[1].text
    await still_answers(bot)


async def test_a_telegram_that_always_acts_too_late_shows_the_answer_twice_not_thrice(
    bot: BotUnderTest,
) -> None:
    bot.api.inject("sendMessage", lambda call: Delay(READ_TIMEOUT + 0.3))
    bot.api.push(bot.api.private(QUESTION))
    await eventually(lambda: len(bot.replies(ME)) == 2)
    await asyncio.sleep(2 * READ_TIMEOUT + 1.0)  # time for a third send, if there were one
    assert len(bot.replies(ME)) == 2 and sends(bot.api) == 2
    assert all("<blockquote>" in s.html for s in bot.replies(ME))
    await still_answers(bot)


async def test_group_answer_edits_are_retried_because_they_are_idempotent(
    bot: BotUnderTest,
) -> None:
    await ask(bot, chat=GROUP_ID)
    [answer] = bot.replies(GROUP_ID)
    dropped = [DropAfter()]
    bot.api.inject("editMessageText", lambda call: dropped.pop() if dropped else None)
    bot.api.push(bot.api.callback(GROUP_ID, answer.message_id, "more"))
    await eventually(lambda: bot.api.methods().count("editMessageText") == 2)
    await asyncio.sleep(0.3)  # the repeat found the edit done ("not modified"): that is fine
    assert answer.edits == 1 and answer.html.count("<blockquote>") == 2
    assert len(bot.replies(GROUP_ID)) == 1
    assert [a.get("text") for a in bot.api.callback_answers.values()] == [None]
    await still_answers(bot)


# --- getUpdates faults --------------------------------------------------------------------------


async def test_get_updates_failing_for_a_while_loses_nothing(bot: BotUnderTest) -> None:
    faults: Iterator[Outcome] = iter(
        [Reply.error(500, "Internal Server Error"), Drop(), Reply.error(502, "Bad")]
    )
    bot.api.fail_for("getUpdates", 2.0, lambda: next(faults, Reply.error(500, "Internal")))
    await asyncio.sleep(0.2)
    questions = [bot.api.private(f"{QUESTION} ({n})") for n in range(3)]
    for update in questions:
        bot.api.push(update)
    await eventually(lambda: len(bot.replies(ME)) == 3, within=15)
    await asyncio.sleep(0.3)
    assert len(answers(bot.replies(ME))) == 3
    await still_answers(bot)


async def test_lost_get_updates_answers_are_fetched_again_and_answered_once(
    bot: BotUnderTest,
) -> None:
    dropped = [DropAfter(), DropAfter()]
    bot.api.inject(
        "getUpdates",
        lambda call: dropped.pop() if dropped and bot.api.has_updates(0) else None,
    )
    bot.api.push(bot.api.private(QUESTION))
    await eventually(lambda: bot.replies(ME), within=15)
    await asyncio.sleep(0.3)
    assert len(answers(bot.replies(ME))) == 1
    await still_answers(bot)


async def test_an_update_delivered_twice_is_answered_once(bot: BotUnderTest) -> None:
    update = bot.api.private(QUESTION)
    await bot.send(update)
    await bot.send(update)  # e.g. a webhook retry, or a restart before the offset was confirmed
    await asyncio.sleep(0.3)
    assert len(bot.replies(ME)) == 1
    await still_answers(bot)


async def test_a_failed_poll_is_one_warning_line(caplog: pytest.LogCaptureFixture) -> None:
    # run_polling hands getUpdates errors to the error handler with no update; PTB retries them
    context = SimpleNamespace(error=NetworkError("Bad Gateway"))
    with caplog.at_level(logging.DEBUG, "bot"):
        await on_error(None, context)  # type: ignore[arg-type]
    [record] = caplog.records
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert "polling Telegram failed (Bad Gateway)" in record.getMessage()


async def test_no_apology_is_sent_when_telegram_stayed_unreachable(tmp_path: Path) -> None:
    # The answer was retried for a minute and never got through: an apology would not either,
    # and trying for another minute would only delay a shutdown.
    settings = bot_settings(tmp_path)
    async with running_bot(settings, real_builder(settings)) as bot:
        update = Update.de_json(bot.api.private(QUESTION), bot.app.bot)
        refused = NetworkError("httpx.ConnectError")
        refused.__cause__ = httpx.ConnectError("refused")
        for error in (refused, NetworkError("Internal Server Error"), RetryAfter(5)):
            await on_error(update, SimpleNamespace(error=error))  # type: ignore[arg-type]
        # ...nor after a send that failed twice uncertainly: the answer may be there twice
        await on_error(update, SimpleNamespace(error=TimedOut()))  # type: ignore[arg-type]
        assert bot.replies(ME) == []
        await on_error(update, SimpleNamespace(error=ValueError("a bug")))  # type: ignore[arg-type]
        assert [s.text for s in bot.replies(ME)] == [texts.SORRY]


def test_a_token_revoked_while_running_stops_the_bot_with_one_line(tmp_path: Path) -> None:
    # Polling ends for good once Telegram rejects the token; the process must not stay up deaf.
    api = FakeBotApi()
    sources = write_sources(tmp_path / "sources")
    with FakeBotServer(api) as server, (tmp_path / "bot.log").open("w+") as log:
        env = bot_env(server, tmp_path, sources) | {"STORYBOT_TOKEN_CHECK_SECONDS": "0.3"}
        command = [sys.executable, "-m", "tests.fakes.botprocess"]
        with subprocess.Popen(command, env=env, cwd=ROOT, stderr=log, text=True) as bot:
            try:
                assert api.wait_until(lambda: "getUpdates" in api.methods(), timeout=60)
                api.push(api.private(QUESTION))
                assert api.wait_until(lambda: bool(api.sent_to(ME)))
                api.token = "987654321:AAH-a-new-token-after-revoke_0123456789"
                code = bot.wait(timeout=30)
            finally:
                bot.kill()
        log.seek(0)
        output = log.read()
    lines = [line for line in output.splitlines() if line.startswith("storybot: ")]
    assert code == 2 and lines == [
        "storybot: Telegram stopped accepting TELEGRAM_BOT_TOKEN (revoked?): "
        "get the current one from @BotFather (/token)."
    ]
    assert TOKEN.partition(":")[2] not in output
