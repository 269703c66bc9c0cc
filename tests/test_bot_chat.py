"""The real Application and handlers in private chats, groups and inline mode (fake Bot API)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import AIORateLimiter

from bot.bench.fakeapi.api import BOT_USERNAME, FakeBotApi
from bot.bench.fakeapi.tghtml import utf16_len
from bot.bench.fakeapi.updates import ADMIN, GROUP_ID, OTHER, USER
from bot.config import Settings
from bot.telegram.runtime import INLINE_FLOOD_FACTOR, RUNTIME_KEY
from bot.telegram.texts import INLINE_SLOW_DOWN
from bot.wiring import make_builder
from embeddings.library import LibraryBuilder
from tests.fakes.encoder import HashEncoder
from tests.fakes.harness import BotUnderTest, bot_settings, running_bot
from tests.fakes.library import FakeBuilder

QUESTION = "When will BlackBerry leave Pakistan?"
UNANSWERABLE = "Who won the football cup?"
ME = USER["id"]


def write_sources(folder: Path) -> Path:
    """Two small sources, with HTML-sensitive characters in their text and metadata."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.txt").write_text(
        "BlackBerry will leave Pakistan on December 30. The government wanted its servers.\n\n"
        'The authority asked AT&T and O\'Brien for "access" to BES servers.\n',
        "utf-8",
    )
    (folder / "b.txt").write_text(
        "BlackBerry said it will leave Pakistan on December 30.\n", "utf-8"
    )
    (folder / "sources.toml").write_text(
        '[a]\ntitle = "BlackBerry leaves <Pakistan> & more"\npublisher = "Tech <Times> & Co"\n'
        'url = "https://example.com/a?x=1&y=2"\ndate = "2015-11-30"\n\n'
        '[b]\ntitle = "Reuters report"\npublisher = "Reuters"\n',
        "utf-8",
    )
    return folder


def real_builder(settings: Settings) -> LibraryBuilder:
    """The real retrieval core over `settings.sources_dir`, with the deterministic encoder."""
    write_sources(settings.sources_dir)
    return make_builder(settings, HashEncoder())


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotUnderTest]:
    settings = bot_settings(tmp_path, flood_questions=5)
    async with running_bot(settings, real_builder(settings)) as bot:
        yield bot


# --- private chat -------------------------------------------------------------------------------


async def test_private_question_gets_quotes_with_citations(bot: BotUnderTest) -> None:
    await bot.send(bot.api.private(QUESTION))
    assert bot.api.methods()[-1] == "sendMessage"
    reply = bot.last(ME)
    assert reply.html.count("<blockquote>") == 2
    assert "<blockquote><b>BlackBerry said it will leave Pakistan on December 30.</b>" in reply.html
    assert "<b>BlackBerry will leave Pakistan on December 30.</b>" in reply.html
    assert "— <i>Reuters</i>, “Reuters report”, ¶ 1" in reply.html
    assert "<i>Tech &lt;Times&gt; &amp; Co</i>" in reply.html and "2015-11-30" in reply.html
    assert '<a href="https://example.com/a?x=1&amp;y=2">' in reply.html
    params = bot.api.calls[-1].params
    assert params["parse_mode"] == "HTML" and params["link_preview_options"]["is_disabled"]


async def test_unanswerable_question_quotes_nothing(bot: BotUnderTest) -> None:
    await bot.send(bot.api.private(UNANSWERABLE))
    reply = bot.last(ME)
    assert "<blockquote>" not in reply.html and "/sources" in reply.text
    assert "football" not in reply.text


async def test_html_in_questions_and_sources_is_escaped(bot: BotUnderTest) -> None:
    await bot.send(bot.api.private("<b>authority</b> access BES servers <script>?"))
    reply = bot.last(ME)  # the fake Bot API rejects malformed HTML, so this parsed as HTML
    assert bot.api.calls[-1].params.get("parse_mode") == "HTML"
    assert """The authority asked AT&T and O'Brien for "access" to BES servers.""" in reply.text
    assert (
        "“BlackBerry leaves <Pakistan> & more”" in reply.text and "Tech <Times> & Co" in reply.text
    )
    assert "AT&amp;T and O&#x27;Brien for &quot;access&quot;" in reply.html


async def test_long_answers_stay_within_telegram_limit(tmp_path: Path) -> None:
    # The real core cuts long passages itself, so the fake library serves the long quotes here.
    settings = bot_settings(tmp_path)
    folder = settings.sources_dir
    folder.mkdir(parents=True)
    long = " ".join(
        f"Sentence {i} mentions the 😀 BlackBerry exit from Pakistan." for i in range(150)
    )
    for name in ("x", "y", "z"):
        (folder / f"{name}.txt").write_text(f"Title {name}\n\n{long}", "utf-8")
    async with running_bot(settings, FakeBuilder(folder)) as bot:
        await bot.send(bot.api.private("BlackBerry exit Pakistan"))
        reply = bot.last(ME)
    assert "<blockquote>" in reply.html and "…" in reply.html
    assert utf16_len(reply.html) <= 4096


async def test_start_help_and_sources(bot: BotUnderTest) -> None:
    for command in ("/start", "/help", "/sources"):
        await bot.send(bot.api.private(command))
    start, help_, sources = (s.html for s in bot.replies(ME))
    assert "only its sources" in start and "2 sources (2 passages)" in start
    assert "/ask" in help_ and "/reload" not in help_
    assert "<b>Tech &lt;Times&gt; &amp; Co</b>" in sources and "<code>a</code>" in sources
    assert sources.startswith("<b>2 sources, 2 passages</b>") and "1 passage ·" in sources


async def test_non_text_gets_a_hint_in_private_and_silence_in_groups(bot: BotUnderTest) -> None:
    await bot.send(bot.api.sticker())
    assert "only read text" in bot.last(ME).text
    await bot.send(bot.api.sticker(chat=bot.api.group_chat()))
    assert bot.replies(GROUP_ID) == []


async def test_flood_guard_says_slow_down_once(tmp_path: Path) -> None:
    settings = bot_settings(tmp_path, flood_questions=2)
    async with running_bot(settings, real_builder(settings)) as bot:
        for _ in range(5):
            await bot.send(bot.api.private(QUESTION))
        texts = [s.text for s in bot.replies(ME)]
        await bot.send(bot.api.private("/stats", user=ADMIN))
        stats = bot.last(ADMIN["id"]).text
    assert len(texts) == 3 and "slow" in texts[2].lower()
    assert "Questions in chats 2: 2 answered, 0 not found, 3 slowed down" in stats


async def test_rejected_markup_falls_back_to_plain_text(bot: BotUnderTest) -> None:
    bot.api.fail("sendMessage", 400, "Bad Request: can't parse entities: unsupported tag")
    await bot.send(bot.api.private(QUESTION))
    reply = bot.last(ME)
    assert "parse_mode" not in bot.api.calls[-1].params
    assert reply.html == reply.text and "<blockquote>" not in reply.text
    assert reply.text.startswith("BlackBerry said it will leave Pakistan on December 30.\n— ")


async def test_a_failure_is_reported_briefly_and_the_bot_keeps_going(bot: BotUnderTest) -> None:
    bot.api.fail("sendMessage", 400, "Bad Request: TOPIC_CLOSED")  # not worth retrying
    await bot.send(bot.api.private(QUESTION))
    assert "something went wrong" in bot.last(ME).text
    await bot.send(bot.api.private(QUESTION))
    assert "<blockquote>" in bot.last(ME).html


# --- groups -------------------------------------------------------------------------------------


async def test_group_ask_with_bot_name_is_answered_compact_and_threaded(bot: BotUnderTest) -> None:
    update = bot.api.group(f"/ask@{BOT_USERNAME} {QUESTION}")
    await bot.send(update)
    reply = bot.last(GROUP_ID)
    assert reply.reply_to == update["message"]["message_id"]
    assert reply.html.count("<blockquote>") == 1
    assert reply.buttons == [("More sources (1)", "more")]
    assert "sendChatAction" not in bot.api.methods()


async def test_group_answer_stays_in_the_forum_topic(bot: BotUnderTest) -> None:
    await bot.send(bot.api.group(f"/ask {QUESTION}", topic=7))
    assert bot.last(GROUP_ID).thread_id == 7


async def test_group_chatter_is_ignored(bot: BotUnderTest) -> None:
    await bot.send(bot.api.group(QUESTION))
    await bot.send(bot.api.group(f"/ask@OtherBot {QUESTION}"))
    await bot.send(bot.api.group(f"{QUESTION} asks @someoneelse", topic=3))
    assert bot.replies(GROUP_ID) == []


async def test_group_ask_without_question_explains_usage(bot: BotUnderTest) -> None:
    await bot.send(bot.api.group("/ask"))
    assert "/ask Who announced it?" in bot.last(GROUP_ID).text


async def test_mention_is_answered(bot: BotUnderTest) -> None:
    await bot.send(bot.api.group(f"@{BOT_USERNAME} {QUESTION}"))
    assert "<blockquote>" in bot.last(GROUP_ID).html


async def test_reply_to_the_bot_is_a_follow_up_question(bot: BotUnderTest) -> None:
    await bot.send(bot.api.group(f"/ask {UNANSWERABLE}"))
    answer = bot.last(GROUP_ID)
    await bot.send(bot.api.group(QUESTION, user=OTHER, reply_to=answer.message_id))
    assert bot.last(GROUP_ID).reply_to != answer.message_id
    assert "<blockquote>" in bot.last(GROUP_ID).html
    human = bot.api.group("I think so")
    await bot.send(bot.api.group(QUESTION, user=OTHER, reply_to=human["message"]["message_id"]))
    assert len(bot.replies(GROUP_ID)) == 2


async def test_more_sources_expands_once_and_only_the_bots_answer(bot: BotUnderTest) -> None:
    await bot.send(bot.api.group(f"/ask {QUESTION}"))
    answer = bot.last(GROUP_ID)
    for _ in range(2):
        await bot.send(bot.api.callback(GROUP_ID, answer.message_id, "more"))
    assert answer.edits == 1 and answer.html.count("<blockquote>") == 2 and not answer.buttons
    first, second = bot.api.callback_answers.values()
    assert "text" not in first and "already" in second["text"]
    question = bot.api.group("not the bot's message")
    await bot.send(bot.api.callback(GROUP_ID, question["message"]["message_id"], "more"))
    assert "too old" in list(bot.api.callback_answers.values())[-1]["text"]


# --- inline mode --------------------------------------------------------------------------------


async def test_inline_query_returns_cited_excerpts(bot: BotUnderTest) -> None:
    update = bot.api.inline(QUESTION)
    await bot.send(update)
    answer = bot.api.inline_answers[update["inline_query"]["id"]]
    results = answer["results"]
    assert len(results) == 2 and answer["cache_time"] > 0
    assert results[0]["title"] == "Reuters: BlackBerry said it will leave Pakistan on December…"
    content = results[0]["input_message_content"]
    assert content["parse_mode"] == "HTML" and "<blockquote>" in content["message_text"]


async def test_inline_empty_and_unanswerable_queries(bot: BotUnderTest) -> None:
    empty, none = bot.api.inline(" "), bot.api.inline(UNANSWERABLE)
    await bot.send(empty)
    await bot.send(none)
    [hint] = bot.api.inline_answers[empty["inline_query"]["id"]]["results"]
    [nothing] = bot.api.inline_answers[none["inline_query"]["id"]]["results"]
    assert hint["id"] == "hint" and "question" in hint["title"]
    assert nothing["id"] == "none" and "<blockquote>" not in str(nothing)


async def test_inline_queries_over_the_flood_limit_get_one_empty_answer_unsearched(
    bot: BotUnderTest,
) -> None:
    service = bot.app.bot_data[RUNTIME_KEY].service
    limit = 5 * INLINE_FLOOD_FACTOR  # the fixture's FLOOD_QUESTIONS is 5
    updates = [bot.api.inline(f"{QUESTION} {n}") for n in range(limit + 3)]
    for update in updates:
        await bot.send(update)
    ids = [u["inline_query"]["id"] for u in updates]
    answered = [
        c.params["inline_query_id"] for c in bot.api.calls if c.method == "answerInlineQuery"
    ]
    assert answered == ids  # every query answered exactly once, in order
    assert service.stats().questions == limit  # the ones over the limit were never searched
    for query_id in ids[limit:]:
        answer = bot.api.inline_answers[query_id]
        assert answer["results"] == [] and answer["is_personal"] and answer["cache_time"] == 0
        assert answer["button"]["text"] == INLINE_SLOW_DOWN
    other = bot.api.inline(QUESTION, user=OTHER)  # other users keep their own budget,
    await bot.send(other)
    assert bot.api.inline_answers[other["inline_query"]["id"]]["results"]
    await bot.send(bot.api.private(QUESTION))  # and so do questions in chats
    assert "<blockquote>" in bot.last(ME).html
    await bot.send(bot.api.private("/stats", user=ADMIN))
    stats = bot.last(ADMIN["id"]).text
    assert f"Inline queries {limit + 1}: {limit + 1} answered, 0 not found, 3 slowed down" in stats
    assert "Questions in chats 1: 1 answered, 0 not found\n" in stats


async def test_polling_through_the_fake_transport(tmp_path: Path) -> None:
    api = FakeBotApi()
    settings = bot_settings(tmp_path)
    async with running_bot(settings, real_builder(settings), api) as bot:
        assert bot.app.updater is not None
        await bot.app.updater.start_polling(timeout=1)
        await bot.app.start()
        api.push(api.private(QUESTION))
        for _ in range(200):
            if api.sent_to(ME):
                break
            await asyncio.sleep(0.01)
        await bot.app.updater.stop()
        await bot.app.stop()
    assert "<blockquote>" in api.sent_to(ME)[-1].html


async def test_application_is_concurrent_and_rate_limited(bot: BotUnderTest) -> None:
    assert bot.app.concurrent_updates > 1
    assert isinstance(bot.app.bot.rate_limiter, AIORateLimiter)
    assert bot.app.bot.defaults is not None and bot.app.bot.defaults.parse_mode == "HTML"


async def test_a_reply_reads_an_elliptical_follow_up_with_the_question_it_follows(
    bot: BotUnderTest,
) -> None:
    await bot.send(bot.api.group("/ask Which servers did the authority ask AT&T about?"))
    first = bot.last(GROUP_ID)
    assert "BES servers" in first.text
    await bot.send(bot.api.group("and when was that?", user=OTHER, reply_to=first.message_id))
    assert "<blockquote>" in bot.last(GROUP_ID).html  # alone it has nothing to search for
    await bot.send(bot.api.group("/ask and when was that?"))
    assert "<blockquote>" not in bot.last(GROUP_ID).html


async def test_an_unrelated_question_sent_as_a_reply_is_answered_on_its_own(
    bot: BotUnderTest,
) -> None:
    await bot.send(bot.api.group(f"/ask {QUESTION}"))
    first = bot.last(GROUP_ID)
    assert "<blockquote>" in first.html
    await bot.send(bot.api.group(UNANSWERABLE, user=OTHER, reply_to=first.message_id))
    assert "<blockquote>" not in bot.last(GROUP_ID).html and "/sources" in bot.last(GROUP_ID).text
