"""The Telegram application: wiring, start-up and shutdown, and `run_bot`.

    run_bot(load_settings())        # blocks: long polling, or a webhook when WEBHOOK_URL is set

`build_application` is the seam tests use: it accepts any library builder and any
`telegram.request.BaseRequest`, so the real handlers run against a fake Bot API.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import secrets
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.config import Settings, SettingsError
from bot.service.flood import FloodGuard
from bot.service.service import ReloadError, StoryService
from bot.telegram import admin, handlers, inline, uploads
from bot.telegram.delivery import RetryingRateLimiter
from bot.telegram.persistence import StatePersistence
from bot.telegram.runtime import INLINE_FLOOD_FACTOR, RUNTIME_KEY, Runtime
from bot.wiring import make_builder
from embeddings.library import LibraryBuilder

logger = logging.getLogger(__name__)
App = Application[Any, Any, Any, Any, Any, Any]
USER_COMMANDS = (
    ("ask", "Ask a question about the story"),
    ("sources", "The sources I quote"),
    ("help", "How to ask"),
    ("start", "What this bot is"),
)
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
DEFAULTS = Defaults(
    parse_mode=ParseMode.HTML,
    link_preview_options=LinkPreviewOptions(is_disabled=True),
    allow_sending_without_reply=True,
)


TOKEN_CHECK_SECONDS = 60.0
"""How often a running bot checks that Telegram still accepts its token (`_watch_token`)."""
_REJECTED = "storybot.token_rejected"


class BotStartError(Exception):
    """The bot could not start (token rejected, Bot API unreachable, index unbuildable) or had
    to stop (token revoked); the message is one line, token-free."""


def build_application(
    settings: Settings,
    *,
    builder: LibraryBuilder | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
) -> App:
    """The bot with its handlers; the index is built in `post_init`, before the first update.

    Raises:
        SettingsError: the token is missing or malformed.
    """
    app_builder = (
        ApplicationBuilder()
        .token(settings.require_token())
        .defaults(DEFAULTS)
        .rate_limiter(rate_limiter or RetryingRateLimiter())
        .concurrent_updates(True)
        .job_queue(None)  # the token watchdog is one task; no scheduler is installed
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if settings.telegram_api_base_url:
        app_builder = app_builder.base_url(settings.telegram_api_base_url)
    if settings.telegram_api_base_file_url:
        app_builder = app_builder.base_file_url(settings.telegram_api_base_file_url)
    if request is not None:
        app_builder = app_builder.request(request)
    if get_updates_request is not None:
        app_builder = app_builder.get_updates_request(get_updates_request)
    service = StoryService(builder or make_builder(settings), k=settings.top_k)
    window = settings.flood_window_seconds
    flood = FloodGuard(settings.flood_questions, window)
    inline_flood = FloodGuard(settings.flood_questions * INLINE_FLOOD_FACTOR, window)
    rt = Runtime(settings, service, flood, inline_flood)
    app_builder = app_builder.persistence(StatePersistence(settings.state_file, rt))
    application: App = app_builder.build()
    application.bot_data[RUNTIME_KEY] = rt  # (`initialize` sets it again, with the saved memory)
    register_handlers(application)
    return application


def register_handlers(application: App) -> None:
    """Every handler, and the one error handler."""
    new = filters.UpdateType.MESSAGE  # edits of old messages are not new questions
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    commands = {
        "start": handlers.start,
        "help": handlers.help_command,
        "sources": handlers.sources,
        "ask": handlers.ask_command,
        "reload": admin.reload_command,
        "remove": admin.remove_command,
        "stats": admin.stats_command,
        "add": admin.add_command,
    }
    application.add_handler(TypeHandler(Update, handlers.screen), group=-1)
    application.add_handlers([CommandHandler(c, f, new) for c, f in commands.items()])
    text, command = filters.TEXT & ~filters.COMMAND, filters.COMMAND
    application.add_handlers(
        [
            MessageHandler(private & filters.Document.ALL & new, uploads.upload),
            MessageHandler(private & text & new, handlers.private_text),
            MessageHandler(groups & text & new, handlers.group_text),
            MessageHandler(private & command & new, handlers.unknown_command),
            MessageHandler(
                private & ~filters.TEXT & ~filters.StatusUpdate.ALL & new, handlers.non_text
            ),
            CallbackQueryHandler(handlers.more_sources, pattern=f"^{handlers.MORE}$"),
            CallbackQueryHandler(uploads.confirm_upload, pattern=uploads.CONFIRM_PATTERN),
            CallbackQueryHandler(handlers.unknown_button),
            InlineQueryHandler(inline.inline_query),
        ]
    )
    application.add_error_handler(handlers.on_error)


async def _post_init(application: App) -> None:
    rt: Runtime = application.bot_data[RUNTIME_KEY]
    report = await rt.service.reload()
    for problem in report.problems:
        logger.warning("source skipped: %s", problem)
    if report.rebuilt:
        logger.warning("stored index rebuilt: %s", report.rebuilt)
    if not report.sources:
        logger.warning("no sources indexed: add some to %s and /reload", rt.settings.sources_dir)
    await set_commands(application, rt.settings.admin_user_ids)
    rt.watchdog = asyncio.create_task(_watch_token(application))


async def _post_shutdown(application: App) -> None:
    rt: Runtime = application.bot_data[RUNTIME_KEY]
    if rt.watchdog is not None:
        rt.watchdog.cancel()
    await rt.service.close()


async def _watch_token(application: App) -> None:
    """Stops the bot when Telegram stops accepting its token (revoked with @BotFather).

    Polling ends for good on a rejected token, but the process would stay up, deaf, and a
    supervisor would never notice; `run_bot` turns this stop into a one-line error instead.
    """
    while True:
        await asyncio.sleep(TOKEN_CHECK_SECONDS)
        try:
            await application.bot.get_me()
        except InvalidToken:
            logger.error("Telegram no longer accepts the token; stopping")
            application.bot_data[_REJECTED] = True
            application.stop_running()
            return
        except TelegramError:
            continue  # Telegram unreachable: polling rides that out by itself


async def set_commands(application: App, admin_ids: frozenset[int]) -> None:
    """Command menus: user commands for everyone, admin ones too in each admin's private chat."""
    user = [BotCommand(c, d) for c, d in USER_COMMANDS]
    await application.bot.set_my_commands(user)
    everything = user + [BotCommand(c, d) for c, d in admin.ADMIN_COMMANDS]
    for admin_id in sorted(admin_ids):
        try:
            await application.bot.set_my_commands(everything, scope=BotCommandScopeChat(admin_id))
        except TelegramError as exc:  # e.g. the admin has not opened a chat with the bot yet
            logger.warning("could not set the admin command menu for %s: %s", admin_id, exc)


# --- running ------------------------------------------------------------------------------------


class TokenRedactor(logging.Filter):
    """Replaces the bot token's secret in every record a handler emits, tracebacks included."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._secrets = sorted({token, token.partition(":")[2]} - {""}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[TOKEN]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def _not_a_failed_start(record: logging.LogRecord) -> bool:
    """PTB logs a failed start (token rejected, API unreachable) with a traceback; run_bot says
    the same in one line, so those records are dropped."""
    message = record.getMessage()
    return "Bootstrap Initialize" not in message and "Invalid token" not in message


def configure_logging(level: str, token: str) -> TokenRedactor:
    """Logs to stderr (unless configured already) with the token redacted; quiets httpx."""
    if not isinstance(logging.getLevelName(level.upper()), int):
        raise SettingsError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {level!r}")
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root.setLevel(level.upper())
    redactor = TokenRedactor(token)
    for handler in root.handlers:
        handler.addFilter(_not_a_failed_start)
        handler.addFilter(redactor)
    for noisy in ("httpx", "httpcore"):  # they log request URLs, which contain the token
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)  # six lines about CPU features
    return redactor


def run_bot(
    settings: Settings,
    *,
    builder: LibraryBuilder | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
) -> None:
    """Runs the bot until interrupted: long polling, or a webhook server when WEBHOOK_URL is set.

    `builder` and `rate_limiter` replace the defaults (the load tests use a stand-in encoder).

    Raises:
        SettingsError: the token is missing or malformed, or webhook mode lacks its extra.
        BotStartError: one line, token-free: the token is rejected (at start or later), the Bot
            API cannot be reached, or the index cannot be built.
    """
    token = settings.require_token()
    redactor = configure_logging(settings.log_level, token)
    application = build_application(settings, builder=builder, rate_limiter=rate_limiter)
    try:
        if settings.webhook_url:
            _run_webhook(application, settings)
        else:
            application.run_polling(allowed_updates=ALLOWED_UPDATES)
    except InvalidToken:
        raise BotStartError(
            "Telegram rejected TELEGRAM_BOT_TOKEN: check it with @BotFather (/token)."
        ) from None
    except NetworkError as exc:
        where = redactor.redact(application.bot.base_url)
        raise BotStartError(
            f"cannot reach the Bot API at {where}: {redactor.redact(str(exc))}"
        ) from None
    except ReloadError as exc:
        raise BotStartError(f"cannot build the index: {exc}") from None
    if application.bot_data.get(_REJECTED):
        raise BotStartError(
            "Telegram stopped accepting TELEGRAM_BOT_TOKEN (revoked?): "
            "get the current one from @BotFather (/token)."
        )


def _run_webhook(application: App, settings: Settings) -> None:
    if importlib.util.find_spec("tornado") is None:
        raise SettingsError(
            "webhook mode needs python-telegram-bot's webhooks extra: "
            "pip install 'python-telegram-bot[webhooks]' (or unset WEBHOOK_URL to poll)."
        )
    url = str(settings.webhook_url)
    secret = settings.webhook_secret
    application.run_webhook(
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        url_path=urlsplit(url).path.lstrip("/"),
        webhook_url=url,
        secret_token=secret.get_secret_value() if secret else secrets.token_urlsafe(32),
        allowed_updates=ALLOWED_UPDATES,
    )
