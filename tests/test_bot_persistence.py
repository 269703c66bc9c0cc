"""What the bot knows of its chats survives a restart: follow-ups, "More sources", pending
uploads and /stats counters; a missing, torn or foreign state file starts it empty."""

from __future__ import annotations

import logging
import pickle
import signal
import subprocess
import sys
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest

from bot.bench.fakeapi.api import FakeBotApi, Sent
from bot.bench.fakeapi.server import FakeBotServer
from bot.bench.fakeapi.updates import ADMIN, GROUP_ID, OTHER, USER
from bot.config import Settings
from bot.telegram.persistence import StatePersistence, load_memory
from bot.telegram.runtime import ASKED_KEPT, RUNTIME_KEY, Memory, Runtime, Tally
from tests.fakes.harness import BotUnderTest, bot_settings, running_bot
from tests.test_bot_chat import QUESTION, real_builder, write_sources
from tests.test_bot_e2e import bot_env

ROOT = Path(__file__).resolve().parents[1]
ME, BOSS = USER["id"], ADMIN["id"]
FIRST = "Which servers did the authority ask AT&T about?"
FOLLOW_UP = "and when was that?"  # alone it has nothing to search for


def restart(settings: Settings, api: FakeBotApi) -> AbstractAsyncContextManager[BotUnderTest]:
    return running_bot(settings, real_builder(settings), api)


def names(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir()]


def memory(bot: BotUnderTest) -> Memory:
    rt: Runtime = bot.app.bot_data[RUNTIME_KEY]
    return rt.memory


async def ask_two(bot: BotUnderTest, api: FakeBotApi) -> tuple[Sent, Sent]:
    """Asks FIRST and QUESTION in the group; their replies (the second one compact)."""
    await bot.send(api.group(f"/ask {FIRST}"))
    first = bot.last(GROUP_ID)
    await bot.send(api.group(f"/ask {QUESTION}"))
    return first, bot.last(GROUP_ID)


async def test_follow_ups_more_sources_uploads_and_stats_survive_a_restart(
    tmp_path: Path,
) -> None:
    settings, api = bot_settings(tmp_path), FakeBotApi()
    async with restart(settings, api) as bot:
        first, compact = await ask_two(bot, api)
        assert "BES servers" in first.text and compact.buttons
        await bot.send(api.document("a.txt", b"Exit\n\nBlackBerry goes on December 30.\n"))
        [(replace, data), _] = bot.last(BOSS).buttons
        assert replace == "Replace it" and data is not None
    assert settings.state_file.is_file()

    async with restart(settings, api) as bot:
        await bot.send(api.group(FOLLOW_UP, user=OTHER, reply_to=first.message_id))
        assert "<blockquote>" in bot.last(GROUP_ID).html  # read with the question it follows
        await bot.send(api.callback(GROUP_ID, compact.message_id, "more"))
        assert compact.edits == 1 and compact.html.count("<blockquote>") == 2
        await bot.send(api.callback(BOSS, bot.last(BOSS).message_id, data, user=ADMIN))
        assert "Added" in bot.last(BOSS).text or "Index updated" in bot.last(BOSS).text
        assert "goes on December 30" in (tmp_path / "sources" / "a.txt").read_text()
        await bot.send(api.private("/stats", user=ADMIN))
        assert "Questions in chats 3: 3 answered" in bot.last(BOSS).text


async def test_without_a_saved_state_the_follow_up_is_a_question_of_its_own(
    tmp_path: Path,
) -> None:
    # the control for the test above: with the state file gone, the same reply finds nothing
    settings, api = bot_settings(tmp_path), FakeBotApi()
    async with restart(settings, api) as bot:
        first, compact = await ask_two(bot, api)
    settings.state_file.unlink()
    async with restart(settings, api) as bot:
        await bot.send(api.group(FOLLOW_UP, user=OTHER, reply_to=first.message_id))
        assert "<blockquote>" not in bot.last(GROUP_ID).html
        await bot.send(api.callback(GROUP_ID, compact.message_id, "more"))
        assert compact.edits == 0


@pytest.mark.parametrize(
    "content",
    [b"", b"\x80\x04\x95 torn", pickle.dumps({"not": "a memory"}), b"not a pickle at all"],
    ids=["empty", "torn", "foreign", "garbage"],
)
async def test_an_unreadable_state_file_starts_empty_with_one_line(
    tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    settings = bot_settings(tmp_path)
    settings.state_file.parent.mkdir(parents=True)
    settings.state_file.write_bytes(content)
    with caplog.at_level(logging.INFO, "bot.telegram.persistence"):
        async with restart(settings, FakeBotApi()) as bot:
            assert len(memory(bot).asked) == 0 and memory(bot).chat == Tally()
            await bot.send(bot.api.private(FIRST))
            assert "<blockquote>" in bot.last(ME).html
    [line] = [r for r in caplog.records if r.name == "bot.telegram.persistence"]
    assert line.levelno == logging.WARNING and "unreadable" in line.getMessage()
    assert "\n" not in line.getMessage() and line.exc_info is None
    kept = settings.state_file.with_name("chats.pickle.unreadable")
    assert kept.read_bytes() == content
    assert isinstance(load_memory(settings.state_file), Memory)  # saved anew on shutdown


async def test_a_missing_state_file_is_one_info_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, "bot.telegram.persistence"):
        empty = load_memory(tmp_path / "none" / "chats.pickle")
    assert len(empty.asked) == 0 and empty.chat == Tally() and len(empty.pending) == 0
    [line] = caplog.records
    assert line.levelno == logging.INFO and "no saved chat state" in line.getMessage()


async def test_a_state_that_cannot_be_saved_is_a_warning_not_a_failure(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the state folder should be")
    settings = bot_settings(tmp_path, state_dir=blocker)
    with caplog.at_level(logging.WARNING, "bot.telegram.persistence"):
        async with restart(settings, FakeBotApi()) as bot:
            await bot.send(bot.api.private(FIRST))
            assert "<blockquote>" in bot.last(ME).html
    assert any("could not save the chat state" in r.getMessage() for r in caplog.records)


async def test_the_state_is_bounded_and_saved_only_when_it_changed(tmp_path: Path) -> None:
    path = tmp_path / "chats.pickle"
    runtime = Runtime.__new__(Runtime)
    runtime.memory = Memory()
    persistence = StatePersistence(path, runtime)
    data = await persistence.get_bot_data()
    assert data == {RUNTIME_KEY: runtime}
    await persistence.update_bot_data(data)
    assert not path.exists()  # nothing to save yet
    for n in range(ASKED_KEPT + 500):
        runtime.memory.remember((GROUP_ID, n), "x" * 1000)  # the longest questions
    await persistence.update_bot_data(data)
    saved = path.stat().st_mtime_ns
    assert (
        len(load_memory(path).asked) == ASKED_KEPT and (GROUP_ID, 0) not in load_memory(path).asked
    )
    assert path.stat().st_size < 6_000_000
    await persistence.update_bot_data(data)
    assert path.stat().st_mtime_ns == saved
    assert names(tmp_path) == ["chats.pickle"]  # no temporary files left


def test_a_follow_up_resolves_across_two_storybot_run_processes(tmp_path: Path) -> None:
    api = FakeBotApi()
    sources = write_sources(tmp_path / "sources")
    state = tmp_path / "state"
    with FakeBotServer(api) as server, (tmp_path / "bot.log").open("w+") as log:
        env = bot_env(server, tmp_path, sources) | {"STATE_DIR": str(state)}

        def run_until(predicate_name: str, push: dict[str, object], done: object) -> None:
            command = [sys.executable, "-m", "tests.fakes.botprocess"]
            with subprocess.Popen(command, env=env, cwd=ROOT, stderr=log) as bot:
                try:
                    calls = len(api.calls)
                    started = lambda: "getUpdates" in [c.method for c in api.calls[calls:]]  # noqa: E731
                    assert api.wait_until(started, timeout=60), predicate_name
                    api.push(push)
                    assert api.wait_until(done, timeout=30), predicate_name  # type: ignore[arg-type]
                finally:
                    bot.send_signal(signal.SIGINT)
                    assert bot.wait(timeout=60) == 0

        run_until("first", api.group(f"/ask {FIRST}"), lambda: bool(api.sent_to(GROUP_ID)))
        first = api.sent_to(GROUP_ID)[-1]
        assert "BES servers" in first.text and (state / "chats.pickle").is_file()
        reply = api.group(FOLLOW_UP, user=OTHER, reply_to=first.message_id)
        run_until("second", reply, lambda: len(api.sent_to(GROUP_ID)) == 2)
        log.seek(0)
        output = log.read()
    follow_up = api.sent_to(GROUP_ID)[-1]
    assert "<blockquote>" in follow_up.html, output
    assert follow_up.reply_to == reply["message"]["message_id"]
