"""Greetings and thanks get a how-to-ask line; /help in groups; /start with a deep link."""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import cli
from bot.bench.fakeapi.api import BOT_USERNAME
from bot.bench.fakeapi.updates import GROUP_ID, USER
from bot.service.smalltalk import SmallTalk, small_talk
from bot.telegram.deeplink import MAX_PAYLOAD, payload_question, question_link
from bot.telegram.render import NOT_FOUND
from bot.wiring import make_builder
from tests.fakes.encoder import HashEncoder
from tests.fakes.harness import BotUnderTest, bot_settings, running_bot
from tests.test_bot_chat import QUESTION, real_builder, write_sources

ME = USER["id"]


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotUnderTest]:
    settings = bot_settings(tmp_path)
    async with running_bot(settings, real_builder(settings)) as bot:
        yield bot


# --- the detector -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["hi", "hello", "Hello!", "hey there", "Hiii!!", "salam", "Salam alaikum", "As-salamu alaykum",
     "good morning", "hi, how are you?", f"@{BOT_USERNAME} hello", "hola", "привет", "yo 👋",
     "Assalam o alaikum, kaise ho?", "السلام علیکم", "اسلام علیکم", "hi bhai kese ho",
     "السلام عليكم، كيف حالك؟", "नमस्ते, आप कैसे हैं?"],
)  # fmt: skip
def test_greetings(text: str) -> None:
    assert small_talk(text) is SmallTalk.GREETING


@pytest.mark.parametrize(
    "text",
    [
        "thanks!",
        "Thank you so much",
        "thx",
        "great, thanks",
        "cheers mate",
        "merci",
        "спасибо",
        "bohat shukriya",
        "شکریہ",
        "बहुत धन्यवाद",
    ],
)
def test_thanks(text: str) -> None:
    assert small_talk(text) is SmallTalk.THANKS


@pytest.mark.parametrize(
    "text",
    [QUESTION, "hi, when does BlackBerry leave?", "thanks, and who asked for access?", "ok",
     "how are you", "Who is the bot?", "hello 2015", "", "Is it good?", "How many servers?",
     "hi " * 9, "salam, BlackBerry kab band hoga?", "السلام علیکم، بلیک بیری کب جائے گا؟"],
)  # fmt: skip
def test_questions_and_other_words_are_not_small_talk(text: str) -> None:
    assert small_talk(text) is None


# --- in Telegram --------------------------------------------------------------------------------


async def test_a_greeting_gets_a_how_to_ask_line_not_a_search(bot: BotUnderTest) -> None:
    for text in ("hi", "salam", "thanks!"):
        await bot.send(bot.api.private(text))
    replies = [s.text for s in bot.replies(ME)]
    assert replies[0].startswith("Hello!") and "type a question" in replies[0]
    assert replies[1].startswith("Hello!")
    assert replies[2].startswith("You're welcome!")
    assert all(NOT_FOUND not in r and "¶" not in r for r in replies)
    await bot.send(bot.api.private(f"hi, {QUESTION}"))  # a question with a greeting is a question
    assert "<blockquote>" in bot.last(ME).html


async def test_a_greeting_in_a_group_names_the_group_triggers(bot: BotUnderTest) -> None:
    update = bot.api.group(f"@{BOT_USERNAME} thanks!")
    await bot.send(update)
    reply = bot.last(GROUP_ID)
    assert reply.text.startswith("You're welcome!") and "/ask" in reply.text
    assert reply.reply_to == update["message"]["message_id"]
    await bot.send(bot.api.group("hello everyone"))  # not addressed to the bot: ignored
    assert len(bot.replies(GROUP_ID)) == 1


async def test_an_inline_greeting_gets_the_hint(bot: BotUnderTest) -> None:
    update = bot.api.inline("hello")
    await bot.send(update)
    [result] = bot.api.inline_answers[update["inline_query"]["id"]]["results"]
    assert result["id"] == "hint"


def test_the_console_chat_answers_a_greeting_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = bot_settings(tmp_path)
    write_sources(settings.sources_dir)
    monkeypatch.setattr(
        cli, "open_library", lambda s, quiet=False: make_builder(s, HashEncoder())()
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(f"hello\nthank you!\n{QUESTION}\n"))
    assert cli.cmd_chat(None, settings) == 0  # type: ignore[arg-type]
    out = capsys.readouterr().out
    assert "you> Hello! I quote the story's sources: just type a question" in out
    assert "you> You're welcome!" in out and "December 30" in out
    assert "<" not in out.split("you> Hello!")[1].split("\n")[0]  # plain text, no HTML


# --- /help in groups ----------------------------------------------------------------------------


async def test_help_in_a_group_explains_what_the_bot_answers_there(bot: BotUnderTest) -> None:
    await bot.send(bot.api.group(f"/help@{BOT_USERNAME}"))
    text = bot.last(GROUP_ID).text
    assert "In this group" in text and "/ask" in text and f"@{BOT_USERNAME}" in text
    assert "reply to one of my answers" in text and "ignore" in text
    await bot.send(bot.api.private("/help"))
    assert "In this group" not in bot.last(ME).text and "just type a question" in bot.last(ME).text


# --- /start with a deep link --------------------------------------------------------------------


def encoded(question: str) -> str:
    return base64.urlsafe_b64encode(question.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("payload", "question"),
    [
        ("When_will_BlackBerry_leave_Pakistan", "When will BlackBerry leave Pakistan"),
        ("who-asked-for__access", "who asked for access"),
        (encoded("Who asked AT&T?"), "Who asked AT&T?"),
        (encoded("Когда уходит BlackBerry?"), "Когда уходит BlackBerry?"),
        ("What_is_BES", "What is BES"),
        ("slow_down", None),  # the bot's own inline notice
        ("", None),
        ("a" * (MAX_PAYLOAD + 1), None),
        ("what?", None),
    ],
)
def test_payload_question(payload: str, question: str | None) -> None:
    assert payload_question(payload) == question


@pytest.mark.parametrize("question", [QUESTION, "Who asked AT&T?", "Когда уходит BlackBerry?"])
def test_question_links_round_trip(question: str) -> None:
    link = question_link(BOT_USERNAME, question)
    assert link is not None and link.startswith(f"https://t.me/{BOT_USERNAME}?start=")
    payload = link.partition("=")[2]
    assert len(payload) <= MAX_PAYLOAD and payload_question(payload) == question
    assert question_link(BOT_USERNAME, "word " * 40) is None


async def test_start_with_a_payload_answers_it_as_a_question(bot: BotUnderTest) -> None:
    await bot.send(bot.api.private("/start When_will_BlackBerry_leave_Pakistan"))
    reply = bot.last(ME)
    assert "<blockquote>" in reply.html and "December 30" in reply.text
    await bot.send(bot.api.private(f"/start {encoded('Who wanted access to the BES servers?')}"))
    assert "BES servers" in bot.last(ME).text and "<blockquote>" in bot.last(ME).html
    await bot.send(bot.api.private("/start"))
    assert "I answer questions about one news story" in bot.last(ME).text
    await bot.send(bot.api.private("/start slow_down"))
    assert "I answer questions about one news story" in bot.last(ME).text
