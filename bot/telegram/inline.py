"""Inline mode: @BotName QUESTION in any chat, answered with cited excerpts to pick from."""

from __future__ import annotations

import html

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)

from bot.service.flood import Verdict
from bot.service.smalltalk import small_talk
from bot.telegram import texts
from bot.telegram.render import clip, not_found, render_excerpt_html
from bot.telegram.runtime import Context, runtime
from embeddings.library import searchable
from embeddings.models import Answer

INLINE_CACHE_SECONDS = 300


async def inline_query(update: Update, context: Context) -> None:
    """@BotName QUESTION in any chat: cited excerpts as inline results."""
    query, rt = update.inline_query, runtime(context)
    if query is None:
        return
    question = searchable(query.query, rt.settings.max_question_chars)
    if not question or small_talk(question):  # a greeting: the hint on how to ask
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


def inline_results(answer: Answer) -> list[InlineQueryResultArticle]:
    """One article per excerpt (publisher and a few words as title), or a not-found result."""
    if not answer.answered:
        content = InputTextMessageContent(html.escape(not_found(answer)))
        return [InlineQueryResultArticle("none", texts.INLINE_NONE, content)]
    results = []
    for number, excerpt in enumerate(answer.excerpts, start=1):
        snippet = (excerpt.highlight or (excerpt.text,))[0]
        source = excerpt.source
        title = f"{source.publisher or source.title or source.id}: {texts.few_words(snippet)}"
        content = InputTextMessageContent(render_excerpt_html(excerpt))
        description = clip(excerpt.text, 160, fold=True)
        results.append(
            InlineQueryResultArticle(str(number), title, content, description=description)
        )
    return results


def _hint_result(bot_name: str) -> InlineQueryResultArticle:
    content = InputTextMessageContent(html.escape(texts.inline_hint_message(bot_name)))
    return InlineQueryResultArticle(
        "hint", texts.INLINE_HINT, content, description=texts.INLINE_HINT_MORE
    )
