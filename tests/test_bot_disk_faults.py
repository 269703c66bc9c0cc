"""Faults in the sources folder and the index: the bot starts, serves a consistent index, and
`/reload` reports a problem instead of dropping what was working.

The real core runs with the HashEncoder. A crash is simulated in-process by raising a
BaseException at each of the index's durable writes (before it, and after half of its bytes),
and for real with SIGKILL in a child process in the middle of a write.
"""

from __future__ import annotations

import errno
import json
import logging
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import embeddings.store.index
from bot.bench.fakeapi.api import FakeBotApi
from bot.bench.fakeapi.updates import ADMIN, USER
from bot.config import Settings
from bot.wiring import make_builder
from embeddings.library import IndexedLibrary, build_library
from tests.fakes.encoder import HashEncoder
from tests.fakes.harness import BotUnderTest, bot_settings, running_bot
from tests.test_bot_chat import QUESTION, write_sources

ROOT = Path(__file__).resolve().parents[1]
BOSS, ME = ADMIN["id"], USER["id"]
NOKIA = "Nokia plant\n\nNokia will open a phone factory in Lahore next spring, the company said.\n"
NOKIA_QUESTION = "Nokia phone factory Lahore"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = bot_settings(tmp_path)
    write_sources(settings.sources_dir)
    return settings


@asynccontextmanager
async def started(settings: Settings) -> AsyncIterator[BotUnderTest]:
    api = FakeBotApi()
    api.private_chat(ADMIN)
    async with running_bot(settings, make_builder(settings, HashEncoder()), api) as bot:
        yield bot


async def say(bot: BotUnderTest, text: str, user: dict[str, Any] = USER) -> str:
    """Sends `text` in the user's private chat; returns the bot's last reply there."""
    await bot.send(bot.api.private(text, user=user))
    return bot.last(user["id"]).text


async def answers_the_question(bot: BotUnderTest) -> bool:
    return "December 30" in await say(bot, QUESTION)


# --- sources ------------------------------------------------------------------------------------


async def test_unreadable_and_undecodable_files_are_skipped_and_reported(
    settings: Settings,
) -> None:
    folder = settings.sources_dir
    (folder / "folder.txt").mkdir()
    (folder / "gone.txt").symlink_to(folder / "nowhere.txt")
    (folder / "latin.txt").write_bytes(b"Caf\xe9 story\n\nThe caf\xe9 opened.")
    (folder / "blank.md").write_text("  \n\n ", "utf-8")
    async with started(settings) as bot:
        assert await answers_the_question(bot)
        report = await say(bot, "/reload", ADMIN)
        assert "2 sources" in report
        for problem in (
            "folder.txt: skipped (Is a directory)",
            "gone.txt: skipped (No such file or directory)",
            "latin.txt: skipped (not valid UTF-8 at byte 3)",
            "blank.md: skipped (no readable text)",
        ):
            assert f"Skipped {problem}" in report
        assert await answers_the_question(bot)


async def test_a_broken_metadata_file_is_reported_and_ignored(settings: Settings) -> None:
    async with started(settings) as bot:
        (settings.sources_dir / "sources.toml").write_text("title = [oops", "utf-8")
        report = await say(bot, "/reload", ADMIN)
        assert "Skipped sources.toml: metadata ignored" in report
        assert await answers_the_question(bot)


async def test_two_files_with_one_id_do_not_break_the_reload(settings: Settings) -> None:
    async with started(settings) as bot:
        (settings.sources_dir / "a.md").write_text(NOKIA, "utf-8")
        report = await say(bot, "/reload", ADMIN)
        assert "Index updated" in report and "Skipped a.txt: skipped (same id as a.md)" in report
        assert await answers_the_question(bot)


@pytest.mark.parametrize("how", ["emptied", "missing"])
async def test_a_reload_from_an_empty_folder_keeps_the_working_index(
    settings: Settings, how: str
) -> None:
    folder, aside = settings.sources_dir, settings.sources_dir.with_name("aside")
    async with started(settings) as bot:
        shutil.move(folder, aside)
        if how == "emptied":
            folder.mkdir()
        reply = await say(bot, "/reload", ADMIN)
        assert reply.startswith("The reload failed: no readable sources")
        assert "The previous index keeps answering questions." in reply
        assert await answers_the_question(bot)
        shutil.rmtree(folder, ignore_errors=True)
        shutil.move(aside, folder)
        report = await say(bot, "/reload", ADMIN)
        assert "(0 newly embedded)" in report and "No source changed." in report


async def test_the_bot_starts_without_sources_and_keeps_the_stored_index(
    settings: Settings,
) -> None:
    async with started(settings):
        pass  # builds the index
    manifest = settings.index_dir / "passages" / "manifest.json"
    stored = manifest.read_bytes()
    aside = settings.sources_dir.rename(settings.sources_dir.with_name("aside"))
    async with started(settings) as bot:
        assert "I know 0 sources" in await say(bot, "/start")
        assert (
            await say(bot, QUESTION) == "No sources are indexed yet, so there is nothing to quote."
        )
        assert manifest.read_bytes() == stored  # an absent folder does not wipe the vectors
        aside.rename(settings.sources_dir)
        report = await say(bot, "/reload", ADMIN)
        assert "2 sources" in report and "(0 newly embedded)" in report
        assert await answers_the_question(bot)


# --- the index ----------------------------------------------------------------------------------


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _scribble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _other_model(path: Path) -> None:
    manifest = json.loads(path.read_text("utf-8"))
    path.write_text(json.dumps(manifest | {"encoder": "all-mpnet-base-v2", "dim": 768}), "utf-8")


CORRUPTIONS: dict[str, tuple[str, Callable[[Path], object]]] = {
    "truncated vectors": ("gen/vectors.npy", _truncate),
    "flipped byte in the faiss index": ("gen/index.faiss", _scribble),
    "truncated items": ("gen/items.jsonl", _truncate),
    "garbage manifest": ("manifest.json", lambda p: p.write_bytes(b"\x00{not json")),
    "truncated manifest": ("manifest.json", _truncate),
    "manifest of another model": ("manifest.json", _other_model),
    "generation deleted": ("gen", shutil.rmtree),
}


@pytest.mark.parametrize("name", list(CORRUPTIONS))
async def test_a_damaged_index_is_rebuilt_at_start(
    settings: Settings, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with started(settings):
        pass
    where, damage = CORRUPTIONS[name]
    store = settings.index_dir / "sentences"
    [generation] = store.glob("gen-*")
    damage(store / where.replace("gen", generation.name, 1))
    with caplog.at_level(logging.WARNING, "bot"):
        async with started(settings) as bot:
            assert await answers_the_question(bot)
            report = await say(bot, "/reload", ADMIN)
    assert "(0 newly embedded)" in report  # the rebuilt index is whole again
    assert any(
        "rebuilt" in r.getMessage() and "sentences:" in r.getMessage() for r in caplog.records
    )


async def test_a_failing_disk_during_reload_keeps_the_old_index_serving(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    write = embeddings.store.index._write_durably

    def disk_full(path: Path, data: bytes | memoryview) -> dict[str, Any]:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    async with started(settings) as bot:
        (settings.sources_dir / "nokia.txt").write_text(NOKIA, "utf-8")
        monkeypatch.setattr(embeddings.store.index, "_write_durably", disk_full)
        reply = await say(bot, "/reload", ADMIN)
        assert reply.startswith("The reload failed: OSError: [Errno 28] No space left on device")
        assert await answers_the_question(bot)
        monkeypatch.setattr(embeddings.store.index, "_write_durably", write)
        report = await say(bot, "/reload", ADMIN)
        assert "Added: nokia" in report
        assert "Lahore" in await say(bot, NOKIA_QUESTION)


# --- crashes in the middle of saving the index --------------------------------------------------


class Killed(BaseException):
    """The process died here (not an Exception: nothing may catch and tidy up after it)."""


def fingerprint(library: IndexedLibrary) -> tuple[object, ...]:
    corpus = library.searcher.corpus
    keys = tuple((p.key, p.text) for p in corpus.passages)
    vectors = (corpus.passage_index.vectors, corpus.sentence_index.vectors)
    answers = tuple(library.ask(q).excerpts for q in (QUESTION, NOKIA_QUESTION))
    return keys, tuple(np.asarray(v).tobytes() for v in vectors), answers


def dying_at(target: int, mode: str, write: Callable[..., Any]) -> Callable[..., Any]:
    """`_write_durably` that dies at its `target`-th call, before writing or halfway."""
    calls = [0]

    def dying(path: Path, data: bytes | memoryview) -> dict[str, Any]:
        calls[0] += 1
        if calls[0] == target:
            if mode == "half":
                path.write_bytes(bytes(data)[: len(data) // 2])
            raise Killed
        return write(path, data)

    return dying


def test_a_reload_killed_at_any_write_leaves_an_index_the_next_start_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources, index = write_sources(tmp_path / "sources"), tmp_path / "index"
    build_library(sources, index, HashEncoder())  # version 1 on disk
    (sources / "nokia.txt").write_text(NOKIA, "utf-8")  # version 2 in the folder
    (sources / "b.txt").write_text("BlackBerry will exit Pakistan on December 30.\n", "utf-8")
    expected = fingerprint(build_library(sources, tmp_path / "fresh", HashEncoder())[0])
    write, points = embeddings.store.index._write_durably, 0
    for mode in ("before", "half"):
        for target in range(1, 100):
            snapshot = tmp_path / f"crash-{mode}-{target}"
            shutil.copytree(index, snapshot)
            monkeypatch.setattr(
                embeddings.store.index, "_write_durably", dying_at(target, mode, write)
            )
            try:
                build_library(sources, snapshot, HashEncoder())
            except Killed:
                points += 1
            else:
                break  # every write has been a crash point
            finally:
                monkeypatch.setattr(embeddings.store.index, "_write_durably", write)
            library, _ = build_library(sources, snapshot, HashEncoder())  # the restart
            assert fingerprint(library) == expected, (mode, target)
    assert points >= 2 * 12  # three stores, each three data files and a manifest


_CHILD = """
import os, sys, time
from pathlib import Path
import embeddings.store.index as index
from tests.fakes.encoder import HashEncoder
from embeddings.library import build_library

write, target, calls = index._write_durably, int(sys.argv[3]), [0]

def slow(path, data):
    calls[0] += 1
    if calls[0] == target:
        with path.open("xb") as handle:
            handle.write(bytes(data)[: len(data) // 2])
            handle.flush()
            os.fsync(handle.fileno())
            print("half written", flush=True)
            time.sleep(60)
    return write(path, data)

index._write_durably = slow
build_library(Path(sys.argv[1]), Path(sys.argv[2]), HashEncoder())
"""


@pytest.mark.parametrize("target", [2, 8])  # a data file of the first store; a later manifest
def test_sigkill_in_the_middle_of_a_write_leaves_a_servable_index(
    tmp_path: Path, target: int
) -> None:
    sources, index = write_sources(tmp_path / "sources"), tmp_path / "index"
    build_library(sources, index, HashEncoder())
    (sources / "nokia.txt").write_text(NOKIA, "utf-8")
    expected = fingerprint(build_library(sources, tmp_path / "fresh", HashEncoder())[0])
    command = [sys.executable, "-c", _CHILD, str(sources), str(index), str(target)]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as child:
        try:
            assert child.stdout is not None and child.stdout.readline() == "half written\n"
        finally:
            child.kill()  # SIGKILL: no clean-up code runs
    assert list(index.rglob("*.tmp")) or list(index.glob("*/gen-*"))  # debris was left
    library, _ = build_library(sources, index, HashEncoder())
    assert fingerprint(library) == expected
    assert not list(index.rglob("*.tmp"))  # and cleared by the next sync
