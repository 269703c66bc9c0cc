"""The bot on the real retrieval core (`build_library` with the deterministic HashEncoder)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.bench.fakeapi.api import FakeBotApi
from bot.bench.fakeapi.tghtml import utf16_len
from bot.bench.fakeapi.updates import ADMIN, GROUP_ID, USER
from bot.wiring import make_builder
from tests.fakes.encoder import HashEncoder
from tests.fakes.harness import BotUnderTest, bot_settings, running_bot

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
BOSS, ME = ADMIN["id"], USER["id"]
NOKIA = "Nokia will open a phone factory in Lahore next spring, the company said on Monday.\n"


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotUnderTest]:
    settings = bot_settings(tmp_path)
    shutil.copytree(SEEDS, settings.sources_dir)
    api = FakeBotApi()
    api.private_chat(ADMIN)
    async with running_bot(settings, make_builder(settings, HashEncoder()), api) as bot:
        yield bot


async def test_private_answer_quotes_a_seed_with_its_citation(bot: BotUnderTest) -> None:
    await bot.send(bot.api.private("What did the Pakistan Telecommunication Authority demand?"))
    reply = bot.last(ME)
    assert reply.html.startswith("<blockquote>") and "</b></blockquote>\n— " in reply.html
    assert "¶ " in reply.text and utf16_len(reply.html) <= 4096
    quoted = reply.text.split("\n— ")[0].strip("… ")
    assert any(quoted in path.read_text("utf-8") for path in SEEDS.glob("*.txt"))


async def test_group_answer_expands_to_all_excerpts(bot: BotUnderTest) -> None:
    await bot.send(bot.api.group("/ask BES servers access"))
    answer = bot.last(GROUP_ID)
    assert answer.html.count("<blockquote>") == 1 and answer.buttons
    await bot.send(bot.api.callback(GROUP_ID, answer.message_id, "more"))
    assert answer.html.count("<blockquote>") > 1


async def test_sources_lists_the_seeds(bot: BotUnderTest) -> None:
    await bot.send(bot.api.private("/sources"))
    text = bot.last(ME).text
    assert text.startswith("5 sources") and "Mashable" in text and "000_bc944c35e9013637" in text


async def test_upload_with_caption_then_remove_on_the_real_index(
    bot: BotUnderTest, tmp_path: Path
) -> None:
    caption = 'Nokia "Lahore" plan'
    await bot.send(bot.api.document("nokia.txt", NOKIA.encode(), caption=caption))
    ack = bot.last(BOSS).text
    assert "Added nokia: 1 passage indexed." in ack and "Added: nokia" in ack
    await bot.send(bot.api.private("/sources"))
    assert f"{caption} · 1 passage · nokia" in bot.last(ME).text  # title read from sources.toml
    await bot.send(bot.api.private("Nokia phone factory Lahore"))
    assert "Nokia will open a phone factory in Lahore" in bot.last(ME).text
    await bot.send(bot.api.private("/remove nokia", user=ADMIN))
    assert "Removed: nokia" in bot.last(BOSS).text
    await bot.send(bot.api.private("/reload", user=ADMIN))
    assert (
        "(0 newly embedded)" in bot.last(BOSS).text and "No source changed." in bot.last(BOSS).text
    )
