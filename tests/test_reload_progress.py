"""Long reloads show their progress: the status message of /reload, /add and uploads is edited
now and then while texts are embedded, then replaced by the result (fake Bot API, slow encoder)."""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.bench.fakeapi.api import Call, Reply
from bot.bench.fakeapi.updates import ADMIN, USER
from bot.config import Settings
from bot.telegram.progress import ProgressMessage, progress_line
from bot.wiring import make_builder
from tests.fakes.encoder import HashEncoder
from tests.fakes.harness import BotUnderTest, bot_settings
from tests.fakes.library import ControlledBuilder
from tests.fakes.pages import PageServer
from tests.test_bot_chat import QUESTION, write_sources

BOSS = ADMIN["id"]
STEP = re.compile(r"Embedding ([a-z ()]+): ([\d,]+) / ([\d,]+) \((\d+)%\)")
INTERVAL = 0.1
PAGES = Path(__file__).parent / "data" / "pages"


class SlowEncoder(HashEncoder):
    """The hashing encoder, `delay` seconds slower per call: a build that takes a while."""

    def __init__(self) -> None:
        super().__init__()
        self.delay = 0.0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        time.sleep(self.delay)
        return super().encode(texts)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return bot_settings(
        tmp_path,
        reload_progress_after_seconds=INTERVAL,
        reload_progress_every_seconds=INTERVAL,
        fetch_allow_networks="127.0.0.1/32",
    )


@pytest.fixture
def encoder() -> SlowEncoder:
    return SlowEncoder()


@pytest.fixture
def builder(settings: Settings, encoder: SlowEncoder) -> ControlledBuilder:
    write_sources(settings.sources_dir)
    return ControlledBuilder(make_builder(settings, encoder))


WORDS = (
    "amber azure bronze cedar coral crimson dune ember fern flint frost garnet hazel indigo ivory "
    "jade lilac maple moss ochre olive pearl pine plum rust sable slate teal umber willow"
).split()


def long_article(paragraphs: int = 700) -> str:
    """An article of `paragraphs` distinct paragraphs from a small vocabulary (few distinct
    terms to embed): 3 progress steps of passages and of sentences at
    `embeddings.encoders.progress.CHUNK` texts a step."""
    n = len(WORDS)
    return "Harbour report\n\n" + "\n\n".join(
        f"The {WORDS[i % n]} ferry met the {WORDS[i // n % n]} boat by the {WORDS[i // n // n]} pier."
        for i in range(paragraphs)
    )


def edits_of(bot: BotUnderTest, message_id: int) -> list[Call]:
    return [
        c
        for c in bot.api.calls
        if c.method == "editMessageText" and c.params.get("message_id") == message_id
    ]


def steps(edits: list[Call]) -> list[tuple[str, int, int]]:
    found = [STEP.search(str(c.params["text"])) for c in edits]
    return [(m[1], int(m[2].replace(",", "")), int(m[3].replace(",", ""))) for m in found if m]


def assert_progress_then_result(bot: BotUnderTest, status_id: int, result: str) -> None:
    """The status message was edited with progress, at most every INTERVAL, then with `result`,
    and nothing after it."""
    edits = edits_of(bot, status_id)
    shown = steps(edits)
    assert len(shown) >= 2, [c.params["text"] for c in edits]
    assert all(0 <= done <= total for _, done, total in shown)
    assert len(set(shown)) == len(shown)  # an unchanged step is not sent again
    progress = [c for c in edits if STEP.search(str(c.params["text"]))]
    gaps = [b.at - a.at for a, b in itertools.pairwise(progress)]
    assert all(gap >= INTERVAL * 0.8 for gap in gaps), gaps
    [status] = [s for s in bot.replies(BOSS) if s.message_id == status_id]
    assert edits[-1].params["text"] == status.html and result in status.text


async def test_a_long_reload_edits_its_message_with_progress_then_the_report(
    bot: BotUnderTest, encoder: SlowEncoder, settings: Settings
) -> None:
    (settings.sources_dir / "harbour.txt").write_text(long_article(), "utf-8")
    encoder.delay = 0.1
    sent_before = len(bot.replies(BOSS))
    reload = asyncio.create_task(bot.send(bot.api.private("/reload", user=ADMIN)))
    await asyncio.sleep(0.3)
    await bot.send(bot.api.private(QUESTION))  # answered meanwhile, from the old index
    assert "<blockquote>" in bot.last(USER["id"]).html and not reload.done()
    await reload
    [status] = bot.replies(BOSS)[sent_before:]  # the result replaced the status message
    assert_progress_then_result(bot, status.message_id, "Index updated")
    assert "Added: harbour" in status.text
    assert {what for what, _, _ in steps(edits_of(bot, status.message_id))} <= {
        "passages",
        "sentences",
        "terms",
    }


async def test_a_failing_progress_edit_never_fails_the_reload(
    bot: BotUnderTest, encoder: SlowEncoder, settings: Settings
) -> None:
    refused: list[str] = []

    def refuse_progress(call: Call) -> Reply | None:
        if STEP.search(str(call.params.get("text", ""))):
            refused.append(str(call.params["text"]))
            return Reply.error(400, "Bad Request: message can't be edited")
        return None

    bot.api.inject("editMessageText", refuse_progress)
    (settings.sources_dir / "harbour.txt").write_text(long_article(), "utf-8")
    encoder.delay = 0.1
    await bot.send(bot.api.private("/reload", user=ADMIN))
    assert len(refused) >= 2  # each due step was tried, and the failures did not stop it
    assert "Index updated" in bot.last(BOSS).text and "Added: harbour" in bot.last(BOSS).text
    await bot.send(bot.api.private("Which boat did the moss ferry meet?"))
    assert "moss ferry" in bot.last(USER["id"]).text


async def test_a_reload_with_nothing_to_embed_shows_no_progress(bot: BotUnderTest) -> None:
    await bot.send(bot.api.private("/reload", user=ADMIN))
    status = bot.last(BOSS)
    assert status.edits == 1 and "No source changed" in status.text  # the result, nothing else


class RecordingMessage:
    """Stands in for the status `Message`: records when each edit started and ended."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds
        self.edits: list[tuple[float, float, str]] = []

    async def edit_text(self, text: str) -> None:
        started = time.monotonic()
        await asyncio.sleep(self.seconds)
        self.edits.append((started, time.monotonic(), text))


async def feed(shown: ProgressMessage, seconds: float) -> None:
    """Reports a step every 10 ms for `seconds`, as a busy build does."""
    for done in range(int(seconds / 0.01)):
        shown.update("passages", done, 10_000)
        await asyncio.sleep(0.01)


async def test_progress_waits_for_the_threshold_then_edits_at_most_every_interval() -> None:
    quick = RecordingMessage()
    async with ProgressMessage(quick, "Re-reading…", after=5.0, every=0.05) as shown:  # type: ignore[arg-type]
        await feed(shown, 0.3)
    assert quick.edits == []  # done before the threshold: the result alone will be shown
    slow = RecordingMessage()
    entered = time.monotonic()
    async with ProgressMessage(slow, "Re-reading…", after=0.1, every=0.2) as shown:  # type: ignore[arg-type]
        await feed(shown, 0.75)
    starts = [start for start, _, _ in slow.edits]
    assert 2 <= len(starts) <= 4 and starts[0] - entered >= 0.1 * 0.9
    assert all(b - a >= 0.2 * 0.9 for a, b in itertools.pairwise(starts))
    assert all(text.startswith("Re-reading…\nEmbedding passages: ") for *_, text in slow.edits)


async def test_an_edit_in_flight_lands_before_the_result() -> None:
    message = RecordingMessage(seconds=0.3)
    async with ProgressMessage(message, "Saving…", after=0.0, every=1.0) as shown:  # type: ignore[arg-type]
        shown.update("terms", 5, 10)
        await asyncio.sleep(0.05)  # the first edit has started and is still in flight
    landed = list(message.edits)  # what had landed when the caller could show the result
    assert [text for *_, text in landed] == ["Saving…\nEmbedding terms: 5 / 10 (50%)"]


async def test_an_upload_shows_progress_then_what_was_added(
    bot: BotUnderTest, encoder: SlowEncoder
) -> None:
    encoder.delay = 0.1
    sent_before = len(bot.replies(BOSS))
    await bot.send(bot.api.document("harbour.txt", long_article().encode(), user=ADMIN))
    [status] = bot.replies(BOSS)[sent_before:]
    assert_progress_then_result(bot, status.message_id, "Added harbour: ")


@pytest.fixture
def server() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


async def test_add_url_shows_progress_then_the_citation(
    bot: BotUnderTest, encoder: SlowEncoder, server: PageServer
) -> None:
    paragraphs = "".join(f"<p>{p}</p>" for p in long_article(400).split("\n\n")[1:])
    page = f"<html><head><title>Harbour report</title></head><body><article>{paragraphs}"
    server.route("/harbour", (page + "</article></body></html>").encode())
    encoder.delay = 0.1
    sent_before = len(bot.replies(BOSS))
    await bot.send(bot.api.private(f"/add {server.url('/harbour')}", user=ADMIN))
    [status] = bot.replies(BOSS)[sent_before:]
    assert_progress_then_result(bot, status.message_id, "Harbour report")
    assert "passages indexed" in status.text


def test_progress_line_reads_like_the_admin_expects() -> None:
    assert progress_line("passages", 1200, 5000) == "Embedding passages: 1,200 / 5,000 (24%)"
    assert progress_line("e5-sentences", 0, 0).startswith("Embedding sentences (multilingual)")
