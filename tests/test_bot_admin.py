"""Admin commands, document upload and command menus, through the real Application."""

from __future__ import annotations

import asyncio
import tomllib
from pathlib import Path

import pytest

from bot.bench.fakeapi.updates import ADMIN, USER
from bot.service.sources_dir import safe_stem, set_metadata
from tests.fakes.harness import BotUnderTest
from tests.fakes.library import ControlledBuilder
from tests.test_bot_chat import QUESTION

BOSS, ME = ADMIN["id"], USER["id"]
NEW_SOURCE = b"Nokia story\n\nNokia opens a factory in Lahore next spring.\n\nIt hires 300 people."


async def test_command_menus_for_everyone_and_for_admins(bot: BotUnderTest) -> None:
    default = [c["command"] for c in bot.api.commands["default"]]
    admin = [c["command"] for c in bot.api.commands[f"chat:{BOSS}"]]
    assert "ask" in default and "reload" not in default
    assert {"ask", "reload", "remove", "stats"} <= set(admin)


async def test_non_admins_are_refused_and_nothing_changes(
    bot: BotUnderTest, builder: ControlledBuilder, tmp_path: Path
) -> None:
    before = sorted(p.name for p in (tmp_path / "sources").iterdir())
    for text in ("/reload", "/remove a", "/stats"):
        await bot.send(bot.api.private(text))
    await bot.send(bot.api.document("new.txt", NEW_SOURCE, user=USER))
    assert [s.text for s in bot.replies(ME)] == ["Sorry, only the bot's admins can do that."] * 4
    assert builder.builds == 1 and "getFile" not in bot.api.methods()
    assert sorted(p.name for p in (tmp_path / "sources").iterdir()) == before


async def test_reload_while_questions_are_answered(
    bot: BotUnderTest, builder: ControlledBuilder, tmp_path: Path
) -> None:
    (tmp_path / "sources" / "c.txt").write_bytes(NEW_SOURCE)
    builder.delay = 1.0
    reload = asyncio.create_task(bot.send(bot.api.private("/reload", user=ADMIN)))
    await asyncio.sleep(0.1)
    for question in (QUESTION, "Nokia factory Lahore"):
        await bot.send(bot.api.private(question))
    assert not reload.done()
    first, second = bot.replies(ME)
    assert "<blockquote>" in first.html and "<blockquote>" not in second.html
    await reload
    summary = bot.last(BOSS).text
    assert "3 sources" in summary and "Added: c" in summary
    await bot.send(bot.api.private("Nokia factory Lahore"))
    assert "Lahore" in bot.last(ME).text


async def test_failed_reload_reports_and_keeps_serving(
    bot: BotUnderTest, builder: ControlledBuilder
) -> None:
    builder.fail = OSError("sources folder unreadable")
    await bot.send(bot.api.private("/reload", user=ADMIN))
    assert "OSError: sources folder unreadable" in bot.last(BOSS).text
    await bot.send(bot.api.private(QUESTION))
    assert "<blockquote>" in bot.last(ME).html


async def test_upload_saves_under_a_safe_name_and_indexes(
    bot: BotUnderTest, tmp_path: Path
) -> None:
    upload = bot.api.document("../../évil name.txt", NEW_SOURCE, caption="https://example.com/n")
    await bot.send(upload)
    folder = tmp_path / "sources"
    assert (folder / "evil_name.txt").read_bytes() == NEW_SOURCE
    assert not (tmp_path / "évil name.txt").exists()
    meta = tomllib.loads((folder / "sources.toml").read_text("utf-8"))
    assert meta["evil_name"] == {"url": "https://example.com/n"} and meta["b"]["title"]
    assert "Added evil_name: 1 passage indexed." in bot.last(BOSS).text
    await bot.send(bot.api.private("Nokia factory Lahore"))
    assert "Lahore" in bot.last(ME).text


async def test_upload_checks_type_and_size(bot: BotUnderTest, tmp_path: Path) -> None:
    await bot.send(bot.api.document("story.pdf", b"%PDF"))
    assert ".txt, .md or .html" in bot.last(BOSS).text
    await bot.send(bot.api.document("big.txt", b"x" * 1_000_001))
    assert "too large" in bot.last(BOSS).text
    assert not (tmp_path / "sources" / "big.txt").exists()


async def test_remove_checks_the_id_first(bot: BotUnderTest, tmp_path: Path) -> None:
    await bot.send(bot.api.private("/remove ../sources/a", user=ADMIN))
    assert "There is no source" in bot.last(BOSS).text
    await bot.send(bot.api.private("/remove b", user=ADMIN))
    assert "Removed: b" in bot.last(BOSS).text and not (tmp_path / "sources" / "b.txt").exists()
    await bot.send(bot.api.private("/sources"))
    assert "1 sources" in bot.last(ME).text


async def test_remove_refuses_the_last_source_until_another_is_added(
    bot: BotUnderTest, builder: ControlledBuilder, tmp_path: Path
) -> None:
    folder = tmp_path / "sources"
    await bot.send(bot.api.private("/remove b", user=ADMIN))
    await bot.send(bot.api.private("/remove a", user=ADMIN))
    refusal = bot.last(BOSS).text
    assert "a is the only source left, so nothing was removed" in refusal
    assert "/remove a" in refusal and (folder / "a.txt").exists() and builder.builds == 2
    await bot.send(bot.api.private(QUESTION))
    assert "December 30" in bot.last(ME).text  # still quoting the source that was kept
    await bot.send(bot.api.document("nokia.txt", NEW_SOURCE))
    await bot.send(bot.api.private("/remove a", user=ADMIN))
    assert "Removed: a" in bot.last(BOSS).text and not (folder / "a.txt").exists()
    await bot.send(bot.api.private(QUESTION))
    assert "<blockquote>" not in bot.last(ME).html  # the old index no longer serves it


async def test_stats_and_admin_help(bot: BotUnderTest) -> None:
    await bot.send(bot.api.private(QUESTION))
    await bot.send(bot.api.private("Who won the football cup?"))
    for query in (QUESTION, "BlackBerry servers", "Who won the football cup?", " "):
        await bot.send(bot.api.inline(query))
    await bot.send(bot.api.private("/stats", user=ADMIN))
    stats = bot.last(BOSS).text
    assert "Questions in chats 2: 1 answered, 1 not found\n" in stats
    assert "Inline queries 3: 2 answered, 1 not found\n" in stats  # the empty one is a hint
    assert "2 sources, 2 passages" in stats and "Median answer time" in stats
    await bot.send(bot.api.private("/help", user=ADMIN))
    assert "/reload" in bot.last(BOSS).text


def test_safe_stem_defeats_path_tricks() -> None:
    assert safe_stem("../../etc/passwd") == "passwd"
    assert safe_stem("C:\\temp\\Report (final).md") == "Report_final"
    assert safe_stem("....txt") == "upload"
    assert safe_stem(".hidden") == "hidden"


def test_set_metadata_keeps_other_entries_and_escapes(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text('# corrections\n["a"]\npublisher = "X"\n\n[b]\ntitle = "B"\n', "utf-8")
    set_metadata(path, "a", 'He said "hi" \\ bye\n')
    set_metadata(path, "a", "https://example.com/a")
    data = tomllib.loads(path.read_text("utf-8"))
    assert data["a"] == {
        "publisher": "X",
        "title": 'He said "hi" \\ bye\n',
        "url": "https://example.com/a",
    }
    assert data["b"] == {"title": "B"} and path.read_text("utf-8").startswith("# corrections")
    path.write_text("not = [valid", "utf-8")
    with pytest.raises(ValueError, match="not valid TOML"):
        set_metadata(path, "a", "T")
