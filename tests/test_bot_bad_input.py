"""Bad input: each case gets a clear reply or a deliberate silence, and the bot keeps answering.

The fake Bot API parses every HTML reply as strictly as Telegram does and rejects texts over 4096
UTF-16 units, so "a reply arrived" also means "the reply was valid".
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.bench.fakeapi.api import BOT_USERNAME
from bot.bench.fakeapi.updates import GROUP_ID, OTHER, USER, Json
from bot.telegram import texts
from bot.telegram.render import NOT_FOUND
from embeddings.library import searchable
from tests.fakes.harness import BotUnderTest, bot_settings, running_bot
from tests.test_bot_chat import QUESTION, real_builder

ME = USER["id"]
OTHER_BOT: Json = {"id": 5555, "is_bot": True, "first_name": "Echo", "username": "EchoBot"}
CHANNEL: Json = {"id": -1009876543210, "type": "channel", "title": "News channel"}
CHANNEL_BOT: Json = {"id": 136817688, "is_bot": True, "first_name": "Channel"}
ANONYMOUS_ADMIN: Json = {"id": 1087968824, "is_bot": True, "first_name": "Group"}


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotUnderTest]:
    settings = bot_settings(tmp_path)
    async with running_bot(settings, real_builder(settings)) as bot:
        yield bot


async def replies_to(bot: BotUnderTest, update: Json, chat: int = ME) -> list[str]:
    """Sends `update`; returns the texts the bot sent to `chat` in response."""
    before = len(bot.replies(chat))
    await bot.send(update)
    return [s.text for s in bot.replies(chat)[before:]]


async def still_answers(bot: BotUnderTest) -> None:
    [answer] = await replies_to(bot, bot.api.private(QUESTION))
    assert "December 30" in answer and "¶" in answer


def is_answer(text: str) -> bool:
    """A quote with its citation, or the plain "the sources don't answer that"."""
    return "¶" in text or text == NOT_FOUND


# --- what people type ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["   ", "\n\t \u00a0", "\u200b\u200c\u200d\ufeff", "\u2066\u2069\u200e", "\x00\x01"],
    ids=["spaces", "whitespace", "zero-width", "bidi-controls", "control"],
)
async def test_empty_looking_messages_get_a_hint(bot: BotUnderTest, text: str) -> None:
    assert await replies_to(bot, bot.api.private(text)) == [texts.TYPE_A_QUESTION]
    await still_answers(bot)


@pytest.mark.parametrize(
    "text",
    [
        "😀🔥🇵🇰",
        "<b>When</b> will BlackBerry </blockquote> leave & Pakistan?",
        "*_[When](tg://user?id=1) will `BlackBerry` ~leave~ Pakistan?_*",
        "&amp; &lt;script&gt; &#0; &bogus; <a href='javascript:x'>",
        "متى ستغادر بلاك بيري باكستان؟ \u202eBlackBerry\u202c",
        "Bla\u0301\u0302\u0303ckBerry Pa\u0308\u0308kistan le\u0336a\u0336v\u0336e\u0336",
        "When will BlackBerry \ud800 leave \udfff Pakistan?",
        "When\u200b will Black\u00adBerry\u2060 leave Pakistan?",
    ],
    ids=["emoji", "html", "markdown", "entities", "rtl", "combining", "surrogates", "zero-width"],
)
async def test_odd_text_is_answered_and_never_echoed_raw(bot: BotUnderTest, text: str) -> None:
    [reply] = await replies_to(bot, bot.api.private(text))
    assert is_answer(reply)
    await still_answers(bot)


async def test_what_reaches_the_core_is_valid_visible_text(bot: BotUnderTest) -> None:
    service = bot.app.bot_data["storybot"].service
    asked: list[str] = []
    ask = service.ask

    async def spy(question: str) -> object:
        asked.append(question)
        return await ask(question)

    service.ask = spy
    await bot.send(bot.api.private("When\u200b will \ud800BlackBerry\x00 leave \udfffPakistan?"))
    assert asked == ["When will BlackBerry leave Pakistan?"]
    assert "December 30" in bot.last(ME).text


@pytest.mark.model
def test_the_model_accepts_any_cleaned_question() -> None:
    from embeddings.encoders.sentence_transformers import SentenceTransformerEncoder

    nasty = ["a\ud800b\udfff", "\u200b\u202e\ufeffx", "\x00\x1f\x7f y", "😀" * 50, "e\u0301" * 99]
    questions = [searchable(text, 1000) for text in nasty]
    vectors = SentenceTransformerEncoder().encode(questions)  # raised TypeError on surrogates
    assert vectors.shape[0] == len(nasty)


@pytest.mark.parametrize("size", [4_000, 100_000])
async def test_huge_questions_are_cut_and_answered(bot: BotUnderTest, size: int) -> None:
    text = (QUESTION + " ") * (size // (len(QUESTION) + 1))
    [reply] = await replies_to(bot, bot.api.private(text[:size]))
    assert is_answer(reply)
    await still_answers(bot)


async def test_forwarded_message_is_a_question(bot: BotUnderTest) -> None:
    origin = {"type": "user", "date": 1, "sender_user": OTHER}
    message = bot.api.message(
        bot.api.private_chat(USER), USER, text=QUESTION, forward_origin=origin
    )
    [reply] = await replies_to(bot, bot.api.wrap("message", message))
    assert "December 30" in reply
    await still_answers(bot)


# --- what the bot deliberately ignores ----------------------------------------------------------


async def test_edited_messages_are_ignored(bot: BotUnderTest) -> None:
    message = bot.api.message(bot.api.private_chat(USER), USER, text=QUESTION, edit_date=2)
    assert await replies_to(bot, bot.api.wrap("edited_message", message)) == []
    await still_answers(bot)


async def test_channel_posts_are_ignored(bot: BotUnderTest) -> None:
    bot.api.chats[CHANNEL["id"]] = CHANNEL
    post = {"message_id": 1, "date": 1, "chat": CHANNEL, "sender_chat": CHANNEL}
    update = bot.api.wrap("channel_post", post | {"text": f"@{BOT_USERNAME} {QUESTION}"})
    assert await replies_to(bot, update, CHANNEL["id"]) == []
    await still_answers(bot)


async def test_other_bots_are_ignored_everywhere(bot: BotUnderTest) -> None:
    private = bot.api.private(QUESTION, user=OTHER_BOT)
    assert await replies_to(bot, private, OTHER_BOT["id"]) == []
    for text in (f"/ask {QUESTION}", f"@{BOT_USERNAME} {QUESTION}"):
        assert await replies_to(bot, bot.api.group(text, user=OTHER_BOT), GROUP_ID) == []
    await still_answers(bot)


async def test_a_channel_or_anonymous_admin_in_a_group_may_ask(bot: BotUnderTest) -> None:
    group = bot.api.group_chat()
    for user, sender in ((CHANNEL_BOT, CHANNEL), (ANONYMOUS_ADMIN, group)):
        message = bot.api.message(group, user, text=f"/ask {QUESTION}", sender_chat=sender)
        [reply] = await replies_to(bot, bot.api.wrap("message", message), GROUP_ID)
        assert "December 30" in reply
    await still_answers(bot)


async def test_unknown_commands(bot: BotUnderTest) -> None:
    for text in ("/frobnicate", "/ask@OtherBot " + QUESTION, "/start@OtherBot"):
        assert await replies_to(bot, bot.api.private(text)) == [texts.UNKNOWN_COMMAND]
    for text in ("/frobnicate", f"/ask@OtherBot {QUESTION}", "/reload@OtherBot"):
        assert await replies_to(bot, bot.api.group(text), GROUP_ID) == []
    await still_answers(bot)


async def test_ask_without_a_question_and_a_bare_mention_explain_usage(bot: BotUnderTest) -> None:
    usage = "Put the question after the command"
    for update, chat in (
        (bot.api.private("/ask"), ME),
        (bot.api.private("/ask   \u200b"), ME),
        (bot.api.group("/ask"), GROUP_ID),
        (bot.api.group(f"/ask@{BOT_USERNAME}"), GROUP_ID),
        (bot.api.group(f"@{BOT_USERNAME}"), GROUP_ID),
        (bot.api.group(f"@{BOT_USERNAME.lower()}  "), GROUP_ID),
    ):
        [reply] = await replies_to(bot, update, chat)
        assert reply.startswith(usage)
    await still_answers(bot)


MEDIA: dict[str, Json] = {
    "sticker": {"sticker": {"file_id": "S", "file_unique_id": "S", "type": "regular",
                            "width": 512, "height": 512, "is_animated": False,
                            "is_video": False}},
    "photo": {"photo": [{"file_id": "P", "file_unique_id": "P", "width": 90, "height": 90}],
              "caption": f"@{BOT_USERNAME} {QUESTION}"},
    "voice": {"voice": {"file_id": "V", "file_unique_id": "V", "duration": 3}},
    "location": {"location": {"latitude": 33.7, "longitude": 73.1}},
    "contact": {"contact": {"phone_number": "+1", "first_name": "X"}},
}  # fmt: skip


@pytest.mark.parametrize("kind", list(MEDIA))
async def test_media_gets_a_hint_in_private_and_silence_in_groups(
    bot: BotUnderTest, kind: str
) -> None:
    private = bot.api.message(bot.api.private_chat(USER), USER, **MEDIA[kind])
    assert await replies_to(bot, bot.api.wrap("message", private)) == [texts.TEXT_ONLY]
    group = bot.api.message(bot.api.group_chat(), USER, **MEDIA[kind])
    assert await replies_to(bot, bot.api.wrap("message", group), GROUP_ID) == []
    await still_answers(bot)


# --- buttons and inline mode --------------------------------------------------------------------


@pytest.mark.parametrize("data", ["evil", "more:1", "replace:../../x", "", "🙂" * 16])
async def test_callback_data_the_bot_never_made_is_answered_harmlessly(
    bot: BotUnderTest, data: str
) -> None:
    await bot.send(bot.api.group(f"/ask {QUESTION}"))
    answer = bot.last(GROUP_ID)
    await bot.send(bot.api.callback(GROUP_ID, answer.message_id, data, user=OTHER))
    [reply] = list(bot.api.callback_answers.values())
    assert reply["text"] == texts.UNKNOWN_BUTTON and answer.edits == 0
    await still_answers(bot)


async def test_inline_query_at_the_256_character_limit(bot: BotUnderTest) -> None:
    text = (QUESTION + " ") * 10
    for query in (text[:256], "\ud83d" + text[:255], "<b>&" * 64):
        update = bot.api.inline(query)
        await bot.send(update)
        results = bot.api.inline_answers[update["inline_query"]["id"]]["results"]
        assert results and all(r["input_message_content"]["message_text"] for r in results)
    await still_answers(bot)
