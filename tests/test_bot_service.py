from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from bot.service.flood import FloodGuard, Verdict
from bot.service.service import NotReadyError, ReloadError, StoryService
from tests.fakes.library import FakeBuilder

ARTICLE = "Exit plan\n\nBlackBerry leaves Pakistan on December 30.\n\nThe servers stay closed."


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE, "utf-8")
    return folder


async def test_questions_are_answered_in_a_worker_thread(sources: Path) -> None:
    builder = FakeBuilder(sources)
    service = StoryService(builder)
    with pytest.raises(NotReadyError):
        await service.ask("When does BlackBerry leave Pakistan?")
    await service.reload()
    answer = await service.ask("When does BlackBerry leave Pakistan?")
    assert answer.answered and answer.excerpts[0].paragraph == 1
    library = service.library
    assert library.threads and all(t.startswith("storybot-ask") for t in library.threads)  # type: ignore[attr-defined]
    assert threading.current_thread().name not in library.threads  # type: ignore[attr-defined]
    await service.close()


async def test_slow_searches_do_not_block_the_event_loop(sources: Path) -> None:
    service = StoryService(FakeBuilder(sources, ask_delay=0.3))
    await service.reload()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    task = asyncio.create_task(ticker())
    await asyncio.gather(*(service.ask("BlackBerry Pakistan") for _ in range(2)))
    task.cancel()
    assert ticks >= 10
    await service.close()


async def test_reload_swaps_atomically_while_questions_are_answered(sources: Path) -> None:
    builder = FakeBuilder(sources)
    service = StoryService(builder)
    await service.reload()
    old = service.library
    builder.delay = 0.4
    (sources / "b.txt").write_text("Second\n\nNokia opens a factory in Lahore.", "utf-8")
    reload = asyncio.create_task(service.reload())
    await asyncio.sleep(0.05)
    assert service.reloading
    answers = await asyncio.gather(*(service.ask("Nokia factory Lahore") for _ in range(5)))
    assert service.library is old and not any(a.answered for a in answers)
    report = await reload
    assert report.added == ("b",) and report.sources == 2
    assert (await service.ask("Nokia factory Lahore")).answered
    await service.close()


async def test_failed_reload_keeps_the_old_library_serving(sources: Path) -> None:
    builder = FakeBuilder(sources)
    service = StoryService(builder)
    await service.reload()
    old = service.library
    builder.fail = OSError("disk on fire")
    with pytest.raises(ReloadError, match="OSError: disk on fire"):
        await service.reload()
    assert service.library is old
    assert (await service.ask("BlackBerry Pakistan")).answered
    await service.close()


async def test_reloads_are_serialised(sources: Path) -> None:
    running = 0
    overlap = False
    inner = FakeBuilder(sources, delay=0.05)

    def builder(progress=None):  # type: ignore[no-untyped-def]
        nonlocal running, overlap
        running += 1
        overlap |= running > 1
        try:
            return inner(progress)
        finally:
            running -= 1

    service = StoryService(builder)
    await asyncio.gather(*(service.reload() for _ in range(4)))
    assert not overlap and inner.builds == 4
    await service.close()


async def test_stats_count_questions_and_time(sources: Path) -> None:
    now = [100.0]
    service = StoryService(FakeBuilder(sources), clock=lambda: now[0])
    await service.reload()
    await service.ask("BlackBerry Pakistan")
    await service.ask("football results")
    now[0] += 60
    stats = service.stats()
    assert (stats.questions, stats.answered, stats.not_found) == (2, 1, 1)
    assert stats.uptime_seconds == 60 and stats.median_seconds == 0
    assert (stats.sources, stats.passages, stats.reloads) == (1, 2, 1)
    assert stats.last_reload is not None and stats.last_reload.added == ("a",)
    await service.close()


def test_flood_guard_warns_once_then_drops_then_recovers() -> None:
    now = [0.0]
    guard = FloodGuard(3, 10.0, clock=lambda: now[0])
    assert [guard.check(1) for _ in range(3)] == [Verdict.ALLOW] * 3
    assert guard.check(1) is Verdict.WARN
    assert guard.check(1) is Verdict.DROP
    assert guard.check(2) is Verdict.ALLOW
    now[0] = 10.0
    assert guard.check(1) is Verdict.ALLOW


async def test_build_progress_reaches_the_event_loop_and_cannot_fail_the_reload(
    sources: Path,
) -> None:
    inner = FakeBuilder(sources)

    def builder(progress=None):  # type: ignore[no-untyped-def]
        for done in range(0, 300, 100):
            progress("passages", done, 200)  # from the build's thread
        return inner()

    seen: list[tuple[str, int, int, str]] = []

    def show(what: str, done: int, total: int) -> None:
        seen.append((what, done, total, threading.current_thread().name))
        if done == 100:
            raise RuntimeError("the status message is gone")

    service = StoryService(builder)
    report = await service.reload(show)
    assert report.sources == 1 and service.ready
    main = threading.current_thread().name
    assert seen == [("passages", d, 200, main) for d in (0, 100, 200)]  # in order, on the loop
    await service.close()
