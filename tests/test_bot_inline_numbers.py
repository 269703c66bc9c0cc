"""End to end through an inline query: a number typed without separators finds the passage that
writes it with them ("5000" = "5,000"). The matching itself belongs to the core (issue 10)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.wiring import make_builder
from tests.fakes.encoder import HashEncoder
from tests.fakes.harness import BotUnderTest, bot_settings, running_bot

PASSAGES = (
    "Exit\n\nThe move would affect about 5,000 companies that use BES in Pakistan.\n\n"
    "BlackBerry will leave Pakistan on December 30.\n\n"
    "The authority said 1,250,000 subscribers would lose the service.\n"
)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotUnderTest]:
    settings = bot_settings(tmp_path)
    settings.sources_dir.mkdir(parents=True)
    (settings.sources_dir / "a.txt").write_text(PASSAGES, "utf-8")
    async with running_bot(settings, make_builder(settings, HashEncoder())) as bot:
        yield bot


async def inline_texts(bot: BotUnderTest, query: str) -> list[str]:
    update = bot.api.inline(query)
    await bot.send(update)
    results = bot.api.inline_answers[update["inline_query"]["id"]]["results"]
    return [r["input_message_content"]["message_text"] for r in results]


@pytest.mark.parametrize("query", ["5,000 companies", "1,250,000 subscribers"])
async def test_a_number_written_as_in_the_passage_is_found_inline(
    bot: BotUnderTest, query: str
) -> None:
    assert query.split()[0] in (await inline_texts(bot, query))[0]


@pytest.mark.parametrize("query", ["5000 companies", "1250000 subscribers"])
async def test_a_number_typed_without_separators_is_found_inline(
    bot: BotUnderTest, query: str
) -> None:
    written = f"{int(query.split()[0]):,}"
    assert written in (await inline_texts(bot, query))[0]
