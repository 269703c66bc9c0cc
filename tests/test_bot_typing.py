""" "typing…" only for an answer that is slow to come: it shares the answers' rate limit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.error import NetworkError

from bot.bench.fakeapi.updates import GROUP_ID, USER
from bot.telegram.runtime import RUNTIME_KEY, Runtime
from bot.telegram.typing_delay import typing_while_slow
from embeddings.models import Answer
from tests.fakes.harness import BotUnderTest, bot_settings, eventually, running_bot
from tests.test_bot_chat import QUESTION, real_builder

ME = USER["id"]


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotUnderTest]:
    settings = bot_settings(tmp_path)
    async with running_bot(settings, real_builder(settings)) as bot:
        yield bot


def slow_down(bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Answers only once "typing…" has been sent (or after 10 s, failing the test)."""
    rt: Runtime = bot.app.bot_data[RUNTIME_KEY]
    ask = rt.service.ask

    async def slow(question: str) -> Answer:
        await eventually(lambda: "sendChatAction" in bot.api.methods())
        return await ask(question)

    monkeypatch.setattr(rt.service, "ask", slow)


async def test_a_quick_answer_is_sent_without_typing(bot: BotUnderTest) -> None:
    await bot.send(bot.api.private(QUESTION))
    await asyncio.sleep(0.8)  # past the delay: a pending action that was not cancelled would fire
    assert "<blockquote>" in bot.last(ME).html
    assert "sendChatAction" not in bot.api.methods()


async def test_a_slow_answer_shows_typing_first(
    bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow_down(bot, monkeypatch)
    await bot.send(bot.api.private(QUESTION))
    methods = [m for m in bot.api.methods() if m in ("sendChatAction", "sendMessage")]
    assert methods == ["sendChatAction", "sendMessage"]
    [action] = [c.params for c in bot.api.calls if c.method == "sendChatAction"]
    assert action["action"] == "typing" and action["chat_id"] == ME


async def test_groups_never_get_typing(bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch) -> None:
    # a group's 20-messages-a-minute budget is better spent on answers
    rt: Runtime = bot.app.bot_data[RUNTIME_KEY]
    ask = rt.service.ask

    async def slow(question: str) -> Answer:
        await asyncio.sleep(0.8)
        return await ask(question)

    monkeypatch.setattr(rt.service, "ask", slow)
    await bot.send(bot.api.group(f"/ask {QUESTION}"))
    assert "<blockquote>" in bot.last(GROUP_ID).html
    assert "sendChatAction" not in bot.api.methods()


async def test_the_pending_action_is_cancelled_when_the_block_ends() -> None:
    sent: list[str] = []

    async def action() -> None:
        sent.append("typing")

    async with typing_while_slow(action, delay=0.2):
        pass
    await asyncio.sleep(0.4)
    assert sent == []
    async with typing_while_slow(action, delay=0.0):
        await asyncio.sleep(0.2)
    assert sent == ["typing"]


async def test_a_failing_action_does_not_fail_the_answer() -> None:
    async def action() -> None:
        raise NetworkError("Bad Gateway")

    async with typing_while_slow(action, delay=0.0):
        await asyncio.sleep(0.1)
