"""Shared fixtures: the bot the admin and security tests drive.

`bot` is the real Application on the real core (deterministic encoder) over the two sources of
`tests.test_bot_chat.write_sources`, with ADMIN as its admin; ADMIN has a private chat with it, so
their command menu can be set. `builder` lets a test slow the next build down or make it fail.

A test module that needs another bot (another flood limit, a stand-in library) defines its own
`settings`, `builder` or `bot` fixture, which takes precedence over these for that module.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.bench.fakeapi.api import FakeBotApi
from bot.bench.fakeapi.updates import ADMIN
from bot.config import Settings
from tests.fakes.harness import BotUnderTest, bot_settings, running_bot
from tests.fakes.library import ControlledBuilder
from tests.test_bot_chat import real_builder


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return bot_settings(tmp_path)


@pytest.fixture
def builder(settings: Settings) -> ControlledBuilder:
    return ControlledBuilder(real_builder(settings))


@pytest.fixture
async def bot(settings: Settings, builder: ControlledBuilder) -> AsyncIterator[BotUnderTest]:
    api = FakeBotApi()
    api.private_chat(ADMIN)  # the admin has talked to the bot before, so their menu can be set
    async with running_bot(settings, builder, api) as bot:
        yield bot
