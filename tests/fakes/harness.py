"""The real `Application` and handlers, driven in-process against a `FakeBotApi`.

async with running_bot(settings, builder) as bot:
    await bot.send(bot.api.private("When does it close?"))
    [reply] = bot.api.sent_to(USER["id"])

`polling_bot` runs the same application the way `storybot run` does, long polling over real HTTP
(python-telegram-bot's own `HTTPXRequest`) against a `FakeBotServer` on 127.0.0.1:

async with polling_bot(settings, builder) as bot:
    bot.api.push(bot.api.private("When does it close?"))
    await eventually(lambda: bot.replies(USER["id"]))
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.request import HTTPXRequest

from bot.bench.fakeapi.api import TOKEN, FakeBotApi, Sent
from bot.bench.fakeapi.server import FakeBotServer
from bot.bench.fakeapi.updates import ADMIN, Json
from bot.config import Settings, load_settings
from bot.telegram.app import ALLOWED_UPDATES, App, build_application
from embeddings.library import LibraryBuilder
from tests.fakes.transport import BASE_FILE_URL, BASE_URL, FakeTransport


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

    def __init__(self, api: FakeBotApi, app: App, server: FakeBotServer | None = None) -> None:
        self.api = api
        self.app = app
        self.server = server

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


async def eventually(predicate: Callable[[], object], within: float = 10.0) -> None:
    """Waits on the event loop (where the bot runs) until `predicate()` is true."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {within} s")
        await asyncio.sleep(0.02)


@asynccontextmanager
async def polling_bot(
    settings: Settings,
    builder: LibraryBuilder,
    api: FakeBotApi | None = None,
    *,
    read_timeout: float = 5.0,
) -> AsyncIterator[BotUnderTest]:
    """The application long-polling a `FakeBotServer` over HTTP, as `storybot run` does."""
    api = api or FakeBotApi()
    server = FakeBotServer(api).start()
    urls = {
        "telegram_api_base_url": server.base_url,
        "telegram_api_base_file_url": server.base_file_url,
    }
    request = HTTPXRequest(connection_pool_size=64, read_timeout=read_timeout)
    app = build_application(settings.model_copy(update=urls), builder=builder, request=request)
    bot = BotUnderTest(api, app, server)
    try:
        async with app:
            assert app.post_init is not None and app.post_shutdown is not None
            assert app.updater is not None
            await app.post_init(app)
            await app.updater.start_polling(timeout=1, allowed_updates=ALLOWED_UPDATES)
            await app.start()
            try:
                yield bot
            finally:
                await app.updater.stop()
                await app.stop()
                await app.post_shutdown(app)
    finally:
        for running in {server, bot.server}:
            if running is not None:
                running.stop()


def restart_server(bot: BotUnderTest) -> None:
    """Serves the bot's api again on the same port after `bot.server.stop()` (an outage)."""
    assert bot.server is not None
    bot.server = FakeBotServer(bot.api, port=bot.server.port).start()
