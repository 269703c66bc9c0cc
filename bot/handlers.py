"""Telegram handlers: read the update, guard it, ask the service, render, reply.

Shared state lives in one `Runtime` in `bot_data`, reached through `runtime(context)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, cast

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot import texts
from bot.config import Settings
from bot.delivery import Delivery, delivery_of
from bot.render import NOT_FOUND, html_to_plain, render_excerpt_html, render_html
from bot.render import render_sources_html as render_sources
from bot.service import FloodGuard, ServiceError, StoryService, Verdict
from embeddings.lexical import content_terms
from embeddings.models import Answer
from embeddings.text import normalise

logger = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
RUNTIME_KEY = "storybot"
MORE = "more"
INLINE_CACHE_SECONDS = 300
INLINE_FLOOD_FACTOR = 3
"""Inline queries get this many times `FLOOD_QUESTIONS` per window: clients send one as the user
types, so a single question is often several queries."""
ASKED_KEPT = 5000


class AnswerCache:
    """Recent compact group answers by (chat id, message id), for the "More sources" button."""

    def __init__(self, size: int = 2000) -> None:
        self._size = size
        self._answers: OrderedDict[tuple[int, int], Answer] = OrderedDict()
        self._expanded: OrderedDict[tuple[int, int], None] = OrderedDict()

    def put(self, key: tuple[int, int], answer: Answer) -> None:
        self._answers[key] = answer
        _bound(self._answers, self._size)

    def expand(self, key: tuple[int, int]) -> Answer | None:
        """The answer to expand, once: later calls for the same key return None."""
        answer = self._answers.pop(key, None)
        if answer is not None:
            self._expanded[key] = None
            _bound(self._expanded, self._size)
        return answer

    def expanded(self, key: tuple[int, int]) -> bool:
        return key in self._expanded


class RecentIds:
    """The last `size` update ids seen, to drop an update delivered twice."""

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._ids: OrderedDict[int, None] = OrderedDict()

    def add(self, update_id: int) -> bool:
        """Records `update_id`; False if it was seen already."""
        if update_id in self._ids:
            return False
        self._ids[update_id] = None
        _bound(self._ids, self._size)
        return True


def _bound(items: OrderedDict[Any, Any], size: int) -> None:
    while len(items) > size:
        items.popitem(last=False)


@dataclass
class Tally:
    """Questions of one kind (in chats, or inline) for /stats."""

    answered: int = 0
    not_found: int = 0
    slowed: int = 0
    """Refused by the flood guard, so never searched."""

    def count(self, answer: Answer) -> None:
        if answer.answered:
            self.answered += 1
        else:
            self.not_found += 1


@dataclass
class Runtime:
    """Everything the handlers share: settings, the service, the flood guards, recent answers."""

    settings: Settings
    service: StoryService
    flood: FloodGuard
    inline_flood: FloodGuard
    """A separate, larger budget for inline queries (`INLINE_FLOOD_FACTOR`)."""
    chat: Tally = field(default_factory=Tally)
    inline: Tally = field(default_factory=Tally)
    answers: AnswerCache = field(default_factory=AnswerCache)
    seen: RecentIds = field(default_factory=RecentIds)
    asked: OrderedDict[tuple[int, int], str] = field(default_factory=OrderedDict)
    """The question each recent answer of ours answered, for follow-ups sent as replies."""

    def is_admin(self, update: Update) -> bool:
        user = update.effective_user
        return user is not None and user.id in self.settings.admin_user_ids


def runtime(context: Context) -> Runtime:
    """The bot's shared state (set up by bot.app)."""
    return cast(Runtime, context.application.bot_data[RUNTIME_KEY])


def message_of(update: Update) -> Message:
    """The update's message; handlers are only registered for updates that have one."""
    return cast(Message, update.effective_message)


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
    """/start: what the bot is, what it knows, how to ask."""
    stats = runtime(context).service.stats()
    await message_of(update).reply_html(texts.start(context.bot.username, stats))


async def help_command(update: Update, context: Context) -> None:
    """/help: how to ask, plus the admin commands for admins."""
    admin = runtime(context).is_admin(update)
    await message_of(update).reply_html(texts.help_text(context.bot.username, admin=admin))


async def sources(update: Update, context: Context) -> None:
    """/sources: each source with publisher, title, date and passage count."""
    for page in render_sources(runtime(context).service.sources):
        await message_of(update).reply_html(page)


async def ask_command(update: Update, context: Context) -> None:
    """/ask QUESTION in any chat."""
    await answer_question(update, context, " ".join(context.args or []))


async def private_text(update: Update, context: Context) -> None:
    """Any text in a private chat is a question."""
    text = message_of(update).text
    if not clean_question(text, runtime(context).settings.max_question_chars):
        await message_of(update).reply_text(texts.TYPE_A_QUESTION)
        return
    await answer_question(update, context, text)


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


async def inline_query(update: Update, context: Context) -> None:
    """@BotName QUESTION in any chat: cited excerpts as inline results."""
    query, rt = update.inline_query, runtime(context)
    if query is None:
        return
    question = clean_question(query.query, rt.settings.max_question_chars)
    if not question:
        await query.answer([_hint_result(context.bot.username)], cache_time=3600)
        return
    if rt.inline_flood.check(query.from_user.id) is not Verdict.ALLOW:
        rt.inline.slowed += 1  # no results, a notice above them, not cached for anyone else
        button = InlineQueryResultsButton(texts.INLINE_SLOW_DOWN, start_parameter="slow_down")
        await query.answer([], cache_time=0, is_personal=True, button=button)
        return
    answer = await rt.service.ask(question)
    rt.inline.count(answer)
    await query.answer(inline_results(answer), cache_time=INLINE_CACHE_SECONDS)


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
    if delivery is Delivery.NOT_SENT:  # Telegram stayed unreachable for the whole retry time,
        return  # so an apology would not get through either
    if delivery is Delivery.UNCERTAIN:
        text = texts.MAYBE_LOST  # our reply may have arrived: say so rather than send it again
    if isinstance(update, Update) and update.callback_query:
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer(text)
    elif isinstance(update, Update) and update.effective_message and update.effective_chat:
        with contextlib.suppress(TelegramError):
            await update.effective_message.reply_text(text)


# --- helpers ------------------------------------------------------------------------------------


async def answer_question(update: Update, context: Context, text: str | None) -> None:
    """Guards, answers and replies: in full in private chats, compact with a button in groups."""
    message, rt = message_of(update), runtime(context)
    group = message.chat.type != ChatType.PRIVATE
    question = clean_question(text, rt.settings.max_question_chars)
    if not question:
        await message.reply_html(texts.ask_usage(context.bot.username))
        return
    if not await _within_flood_limit(message, rt):
        return
    if not rt.service.sources:
        await message.reply_text(texts.NO_SOURCES)
        return
    if not group:  # in groups a chat action would spend the group's 20-per-minute send budget
        with contextlib.suppress(TelegramError):
            await message.reply_chat_action(ChatAction.TYPING)
    answer = await _ask(rt, question, _earlier_question(message, context.bot, rt))
    rt.chat.count(answer)
    more = len(answer.excerpts) - 1 if group else 0
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(texts.more(more), callback_data=MORE)]])
    sent = await reply_html(message, render_html(answer, compact=group), markup if more else None)
    rt.asked[(sent.chat.id, sent.message_id)] = answer.question
    _bound(rt.asked, ASKED_KEPT)
    if more:
        rt.answers.put((sent.chat.id, sent.message_id), answer)


def _earlier_question(message: Message, bot: Bot, rt: Runtime) -> str | None:
    """The question our answer replied to, when this message is a reply to that answer."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != bot.id:
        return None
    return rt.asked.get((replied.chat.id, replied.message_id))


async def _ask(rt: Runtime, question: str, earlier: str | None) -> Answer:
    """Answers; a follow-up ("and the old one?") is also read together with the question it
    follows, and that reading wins when it is more confident and its quote is about something
    the follow-up asks (so an unrelated question sent as a reply is not answered with the old
    quote)."""
    if earlier is None:
        return await rt.service.ask(question)
    alone, joined = await asyncio.gather(
        rt.service.ask(question), rt.service.ask(f"{earlier} {question}")
    )
    if _confidence(joined) > _confidence(alone) and _addresses(joined, question):
        return joined
    return alone


def _confidence(answer: Answer) -> float:
    return answer.excerpts[0].score if answer.excerpts else -1.0


def _addresses(answer: Answer, question: str) -> bool:
    """Whether the answer's first quote mentions a content word of the question, if it has any."""
    terms = content_terms(question)
    quote = normalise(answer.excerpts[0].text) if answer.excerpts else ""
    return not terms or any(term in quote for term in terms)


async def _within_flood_limit(message: Message, rt: Runtime) -> bool:
    sender = message.sender_chat or message.from_user or message.chat  # channels share one user
    verdict = rt.flood.check(sender.id)
    if verdict is not Verdict.ALLOW:
        rt.chat.slowed += 1
    if verdict is Verdict.WARN:
        await message.reply_text(texts.SLOW_DOWN)
    return verdict is Verdict.ALLOW


def clean_question(text: str | None, limit: int) -> str:
    """The question with white space folded, cut to `limit` characters.

    Invisible format characters (zero-width, bidi controls) and lone surrogates, which the
    model's tokenizer rejects, are dropped; control characters become spaces.
    """
    kept = []
    for char in (text or "")[: limit * 4]:
        kind = unicodedata.category(char)
        if kind == "Cc":
            kept.append(" ")
        elif kind not in ("Cf", "Cs"):
            kept.append(char)
    return " ".join("".join(kept).split())[:limit].strip()


def group_question(message: Message, bot: Bot) -> str | None:
    """The question in a group message addressed to the bot, or None for other chatter."""
    text, name = message.text or "", f"@{bot.username}"
    replied = message.reply_to_message
    to_bot = bool(replied and replied.from_user and replied.from_user.id == bot.id)
    to_bot = to_bot and not (replied and replied.forum_topic_created)
    mentions = message.parse_entities([MessageEntity.MENTION]).values()
    if to_bot or any(m.lower() == name.lower() for m in mentions):
        return re.sub(re.escape(name) + r"\b", " ", text, flags=re.IGNORECASE).strip()
    return None


def inline_results(answer: Answer) -> list[InlineQueryResultArticle]:
    """One article per excerpt (publisher and a few words as title), or a not-found result."""
    if not answer.answered:
        content = InputTextMessageContent(html.escape(NOT_FOUND))
        return [InlineQueryResultArticle("none", texts.INLINE_NONE, content)]
    results = []
    for number, excerpt in enumerate(answer.excerpts, start=1):
        snippet = (excerpt.highlight or (excerpt.text,))[0]
        title = f"{excerpt.source.publisher or excerpt.source.title}: {texts.few_words(snippet)}"
        content = InputTextMessageContent(render_excerpt_html(excerpt))
        description = texts.clip(excerpt.text, 160)
        results.append(
            InlineQueryResultArticle(str(number), title, content, description=description)
        )
    return results


def _hint_result(bot_name: str) -> InlineQueryResultArticle:
    content = InputTextMessageContent(html.escape(texts.inline_hint_message(bot_name)))
    return InlineQueryResultArticle(
        "hint", texts.INLINE_HINT, content, description=texts.INLINE_HINT_MORE
    )


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
