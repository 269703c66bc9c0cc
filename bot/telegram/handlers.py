"""Telegram handlers: read the update, guard it, ask the service, render, reply.

Shared state lives in one `Runtime` in `bot_data`, reached through `runtime(context)`.
"""

from __future__ import annotations

import contextlib
import logging
import re

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.service.flood import Verdict
from bot.service.service import ServiceError
from bot.service.smalltalk import small_talk
from bot.telegram import texts
from bot.telegram.deeplink import payload_question
from bot.telegram.delivery import Delivery, delivery_of
from bot.telegram.render import html_to_plain, render_html
from bot.telegram.render import render_sources_html as render_sources
from bot.telegram.runtime import Context, Runtime, message_of, runtime
from bot.telegram.typing_delay import typing_while_slow
from embeddings.library import searchable

logger = logging.getLogger(__name__)
MORE = "more"


# --- handlers -----------------------------------------------------------------------------------


async def screen(update: Update, context: Context) -> None:
    """Before any handler: drops an update seen already, and messages from other bots."""
    if not runtime(context).seen.add(update.update_id):
        logger.info("update %s arrived twice; ignored", update.update_id)
        raise ApplicationHandlerStop
    user, message = update.effective_user, update.effective_message
    if user and user.is_bot and not (message and message.sender_chat):  # bots could loop
        raise ApplicationHandlerStop  # (channels and anonymous admins post as bots, with a chat)


async def start(update: Update, context: Context) -> None:
    """/start: what the bot is, what it knows, how to ask; a deep link's question answered."""
    if question := payload_question(" ".join(context.args or [])):
        await answer_question(update, context, question)
        return
    stats = runtime(context).service.stats()
    await message_of(update).reply_html(texts.start(context.bot.username, stats))


async def help_command(update: Update, context: Context) -> None:
    """/help: how to ask, plus the admin commands for admins."""
    admin, message = runtime(context).is_admin(update), message_of(update)
    group = message.chat.type != ChatType.PRIVATE
    await message.reply_html(texts.help_text(context.bot.username, admin=admin, group=group))


async def sources(update: Update, context: Context) -> None:
    """/sources: each source with publisher, title, date and passage count."""
    for page in render_sources(runtime(context).service.sources):
        await message_of(update).reply_html(page)


async def ask_command(update: Update, context: Context) -> None:
    """/ask QUESTION in any chat."""
    await answer_question(update, context, " ".join(context.args or []))


async def private_text(update: Update, context: Context) -> None:
    """Any text in a private chat is a question."""
    message = message_of(update)
    question = searchable(message.text or "", runtime(context).settings.max_question_chars)
    if not question:
        await message.reply_text(texts.TYPE_A_QUESTION)
        return
    await _answer(update, context, question)


async def group_text(update: Update, context: Context) -> None:
    """In groups, mentions of the bot and replies to it are questions; the rest is ignored."""
    question = group_question(message_of(update), context.bot)
    if question is not None:
        await answer_question(update, context, question)


async def more_sources(update: Update, context: Context) -> None:
    """The "More sources" button: expand the bot's compact answer in place."""
    query, rt = update.callback_query, runtime(context)
    if query is None:
        return
    if query.data != MORE:  # PTB's pattern lets a query without data through
        await unknown_button(update, context)
        return
    message = query.message
    if not isinstance(message, Message) or message.from_user is None:  # too old to be read
        await query.answer(texts.EXPIRED)
        return
    key = (message.chat.id, message.message_id)
    own = message.from_user.id == context.bot.id
    answer = rt.answers.expand(key) if own else None
    if answer is None:
        done = own and rt.answers.expanded(key)
        await query.answer(texts.ALREADY_EXPANDED if done else texts.EXPIRED)
        return
    await query.answer()
    await edit_html(message, render_html(answer))


async def unknown_button(update: Update, context: Context) -> None:
    """Callback data the bot never made (forged, or from an older version): a short answer."""
    if update.callback_query:
        await update.callback_query.answer(texts.UNKNOWN_BUTTON)


async def non_text(update: Update, context: Context) -> None:
    """A sticker, photo or voice message in private chat: a one-line hint."""
    await message_of(update).reply_text(texts.TEXT_ONLY)


async def unknown_command(update: Update, context: Context) -> None:
    """An unknown /command in private chat: point to /help."""
    await message_of(update).reply_text(texts.UNKNOWN_COMMAND)


async def on_error(update: object, context: Context) -> None:
    """Logs the failure with its traceback, then tells the user something short."""
    error = context.error
    if update is None and isinstance(error, NetworkError):  # getUpdates failed; PTB retries it
        logger.warning("polling Telegram failed (%s); retrying", error)
        return
    kind = next((k for k in ("message", "callback_query", "inline_query") if _has(update, k)), "")
    logger.error("handling an update (%s) failed", kind or type(update).__name__, exc_info=error)
    text = str(error) if isinstance(error, ServiceError) else texts.SORRY
    delivery = delivery_of(error) if error is not None else Delivery.FAILED
    if delivery is not Delivery.FAILED:  # Telegram stayed unreachable for the whole retry time
        return  # (an apology would not get through either) or our reply, sent twice, may be there
    if isinstance(update, Update) and update.callback_query:
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer(text)
    elif isinstance(update, Update) and update.effective_message and update.effective_chat:
        with contextlib.suppress(TelegramError):
            await update.effective_message.reply_text(text)


# --- helpers ------------------------------------------------------------------------------------


async def answer_question(update: Update, context: Context, text: str | None) -> None:
    """Guards, answers and replies: in full in private chats, compact with a button in groups."""
    question = searchable(text or "", runtime(context).settings.max_question_chars)
    if not question:
        await message_of(update).reply_html(texts.ask_usage(context.bot.username))
        return
    await _answer(update, context, question)


async def _answer(update: Update, context: Context, question: str) -> None:
    """`answer_question` for a question already made `searchable` (and not empty)."""
    message, rt = message_of(update), runtime(context)
    group = message.chat.type != ChatType.PRIVATE
    if not await _within_flood_limit(message, rt):
        return
    if talk := small_talk(question):
        await message.reply_html(texts.small_talk(talk, context.bot.username, group=group))
        return
    if not rt.service.sources:
        await message.reply_text(texts.NO_SOURCES)
        return
    earlier = _earlier_question(message, context.bot, rt)
    typing = contextlib.nullcontext() if group else _typing(message)  # in groups it would spend
    async with typing:  # the group's 20-per-minute send budget
        answer = await rt.service.ask_follow_up(question, earlier)
    rt.chat.count(answer)
    more = len(answer.excerpts) - 1 if group else 0
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(texts.more(more), callback_data=MORE)]])
    sent = await reply_html(message, render_html(answer, compact=group), markup if more else None)
    rt.memory.remember((sent.chat.id, sent.message_id), answer.question)
    if more:
        rt.answers.put((sent.chat.id, sent.message_id), answer)


def _typing(message: Message) -> contextlib.AbstractAsyncContextManager[None]:
    return typing_while_slow(lambda: message.reply_chat_action(ChatAction.TYPING))


def _replied_to_bot(message: Message, bot: Bot) -> Message | None:
    """The bot's message this one replies to, if it replies to one of the bot's."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != bot.id:
        return None
    return replied


def _earlier_question(message: Message, bot: Bot, rt: Runtime) -> str | None:
    """The question our answer replied to, when this message is a reply to that answer."""
    replied = _replied_to_bot(message, bot)
    return None if replied is None else rt.memory.asked.get((replied.chat.id, replied.message_id))


async def _within_flood_limit(message: Message, rt: Runtime) -> bool:
    sender = message.sender_chat or message.from_user or message.chat  # channels share one user
    verdict = rt.flood.check(sender.id)
    if verdict is not Verdict.ALLOW:
        rt.chat.slowed += 1
    if verdict is Verdict.WARN:
        await message.reply_text(texts.SLOW_DOWN)
    return verdict is Verdict.ALLOW


def group_question(message: Message, bot: Bot) -> str | None:
    """The question in a group message addressed to the bot, or None for other chatter."""
    text, name = message.text or "", f"@{bot.username}"
    replied = _replied_to_bot(message, bot)
    to_bot = replied is not None and not replied.forum_topic_created
    mentions = message.parse_entities([MessageEntity.MENTION]).values()
    if to_bot or any(m.lower() == name.lower() for m in mentions):
        return re.sub(re.escape(name) + r"\b", " ", text, flags=re.IGNORECASE).strip()
    return None


async def reply_html(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> Message:
    """Replies in HTML (threaded in groups); plain text if Telegram rejects the markup."""
    try:
        return await message.reply_html(text, reply_markup=markup)
    except BadRequest as exc:
        if not _markup_problem(exc):
            raise
        logger.warning("Telegram rejected the HTML (%s); replying in plain text", exc)
        return await message.reply_text(html_to_plain(text), parse_mode=None, reply_markup=markup)


async def edit_html(message: Message, text: str) -> None:
    """Edits our message to `text`, dropping its buttons; tolerates "not modified"."""
    try:
        await message.edit_text(text, reply_markup=None)
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return
        if not _markup_problem(exc):
            raise
        await message.edit_text(html_to_plain(text), parse_mode=None, reply_markup=None)


def _markup_problem(exc: BadRequest) -> bool:
    text = exc.message.lower()
    return any(word in text for word in ("entit", "parse", "tag", "too long"))


def _has(update: object, attribute: str) -> bool:
    return isinstance(update, Update) and getattr(update, attribute) is not None
