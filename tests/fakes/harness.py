"""The real `Application` and handlers, driven in-process against a `FakeBotApi`.

async with running_bot(settings, builder) as bot:
    await bot.send(bot.api.private("When does it close?"))
    [reply] = bot.api.sent_to(USER["id"])
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from telegram import Update

from bot.app import App, build_application
from bot.config import Settings, load_settings
from bot.core import LibraryBuilder
from tests.fakes.botapi import TOKEN, FakeBotApi, Sent
from tests.fakes.transport import BASE_FILE_URL, BASE_URL, FakeTransport
from tests.fakes.updates import ADMIN, Json


def bot_settings(folder: Path, **overrides: Any) -> Settings:
    """Settings for a bot on the fake transport, with its sources and index under `folder`."""
    values: dict[str, Any] = {
        "_env_file": None,
        "telegram_bot_token": TOKEN,
        "telegram_api_base_url": BASE_URL,
        "telegram_api_base_file_url": BASE_FILE_URL,
        "admin_user_ids": str(ADMIN["id"]),
        "sources_dir": folder / "sources",
        "index_dir": folder / "index",
    }
    return load_settings(**(values | overrides))


class BotUnderTest:
    """A started application plus the fake Bot API it talks to."""

    def __init__(self, api: FakeBotApi, app: App) -> None:
        self.api = api
        self.app = app

    async def send(self, update: Json) -> None:
        """Delivers one update and waits until its handler (and error handler) finished."""
        await self.app.process_update(Update.de_json(update, self.app.bot))

    def replies(self, chat_id: int) -> list[Sent]:
        return self.api.sent_to(chat_id)

    def last(self, chat_id: int) -> Sent:
        return self.api.sent_to(chat_id)[-1]


@asynccontextmanager
async def running_bot(
    settings: Settings, builder: LibraryBuilder, api: FakeBotApi | None = None
) -> AsyncIterator[BotUnderTest]:
    """Initialises the app, runs `post_init` (index build, command menus), then shuts down."""
    api = api or FakeBotApi()
    app = build_application(
        settings,
        builder=builder,
        request=FakeTransport(api),
        get_updates_request=FakeTransport(api),
    )
    async with app:
        assert app.post_init is not None and app.post_shutdown is not None
        await app.post_init(app)
        try:
            yield BotUnderTest(api, app)
        finally:
            await app.post_shutdown(app)
