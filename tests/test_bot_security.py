"""Security: admin-only actions, uploaded files, and the token.

Admin rights come from ADMIN_USER_IDS alone: being an administrator of a Telegram group (named
or anonymous) gives none. Each refusal is checked to change nothing, and the bot to keep
answering afterwards.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.bench.fakeapi.api import TOKEN, Delay, Drop, Outcome, Reply
from bot.bench.fakeapi.updates import ADMIN, GROUP_ID, USER, Json
from bot.config import Settings
from bot.service.sources_dir import save_source
from bot.telegram import texts
from bot.telegram.app import configure_logging
from tests.fakes.harness import BotUnderTest, bot_settings, eventually, polling_bot
from tests.fakes.library import ControlledBuilder
from tests.test_bot_chat import QUESTION, real_builder

ROOT = Path(__file__).resolve().parents[1]
BOSS, ME = ADMIN["id"], USER["id"]
GROUP_OWNER: Json = {"id": 2001, "is_bot": False, "first_name": "Owner", "username": "owner"}
ANONYMOUS_ADMIN: Json = {"id": 1087968824, "is_bot": True, "first_name": "Group"}
NOKIA = b"Nokia plant\n\nNokia will open a phone factory in Lahore next spring."
SECRET = TOKEN.partition(":")[2]


def folder_state(settings: Settings) -> dict[str, bytes]:
    folder = settings.sources_dir
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


async def still_answers(bot: BotUnderTest) -> None:
    await bot.send(bot.api.private(QUESTION))
    assert "December 30" in bot.last(ME).text


# --- admin boundaries ---------------------------------------------------------------------------


def as_actor(bot: BotUnderTest, actor: str, text: str) -> tuple[Json, int]:
    """`text` sent by one kind of non-admin; returns the update and the chat it lands in."""
    if actor == "user in private":
        return bot.api.private(text), ME
    if actor == "user in a group":
        return bot.api.group(text), GROUP_ID
    if actor == "group owner in private":
        return bot.api.private(text, user=GROUP_OWNER), GROUP_OWNER["id"]
    if actor == "group owner in the group":
        return bot.api.group(text, user=GROUP_OWNER), GROUP_ID
    group = bot.api.group_chat()  # an anonymous group admin: Telegram hides who they are
    message = bot.api.message(group, ANONYMOUS_ADMIN, text=text, sender_chat=group)
    return bot.api.wrap("message", message), GROUP_ID


ACTORS = [
    "user in private",
    "user in a group",
    "group owner in private",
    "group owner in the group",
    "anonymous group admin",
]


@pytest.mark.parametrize("actor", ACTORS)
async def test_admin_commands_are_refused_to_everyone_else(
    bot: BotUnderTest, builder: ControlledBuilder, settings: Settings, actor: str
) -> None:
    before = folder_state(settings)
    for command in (
        "/reload",
        "/remove a",
        "/remove b",
        "/stats",
        f"/reload@{bot.api.me['username']}",
    ):
        update, chat = as_actor(bot, actor, command)
        await bot.send(update)
        assert bot.last(chat).text == texts.NOT_ADMIN, command
    assert builder.builds == 1 and folder_state(settings) == before
    await still_answers(bot)


@pytest.mark.parametrize("private", [True, False], ids=["private", "group"])
async def test_documents_from_non_admins_change_nothing(
    bot: BotUnderTest, builder: ControlledBuilder, settings: Settings, private: bool
) -> None:
    before = folder_state(settings)
    for user in (USER, GROUP_OWNER):
        update = bot.api.document("a.txt", NOKIA, user=user)
        if not private:  # the same document, posted in a group
            message = update["message"] | {"chat": bot.api.group_chat()}
            update = bot.api.wrap("message", message)
        await bot.send(update)
    if private:
        assert [s.text for s in bot.replies(ME)] == [texts.NOT_ADMIN]
    else:
        assert bot.replies(GROUP_ID) == []  # documents are only read in private chats
    assert "getFile" not in bot.api.methods()
    assert builder.builds == 1 and folder_state(settings) == before
    await still_answers(bot)


async def test_an_admin_document_in_a_group_is_ignored(
    bot: BotUnderTest, settings: Settings
) -> None:
    update = bot.api.document("nokia.txt", NOKIA)
    await bot.send(bot.api.wrap("message", update["message"] | {"chat": bot.api.group_chat()}))
    assert bot.replies(GROUP_ID) == [] and not (settings.sources_dir / "nokia.txt").exists()


async def test_admins_may_act_in_private_and_in_groups(bot: BotUnderTest) -> None:
    await bot.send(bot.api.private("/stats", user=ADMIN))
    assert "Questions" in bot.last(BOSS).text
    await bot.send(bot.api.group("/reload", user=ADMIN))
    assert "Index updated" in bot.last(GROUP_ID).text


async def test_confirm_buttons_are_refused_to_non_admins(
    bot: BotUnderTest, settings: Settings
) -> None:
    await bot.send(bot.api.document("a.md", NOKIA))
    prompt = bot.last(BOSS)
    [(_, replace), _] = prompt.buttons
    before = folder_state(settings)
    for user in (USER, GROUP_OWNER):
        await bot.send(bot.api.callback(BOSS, prompt.message_id, str(replace), user=user))
        assert list(bot.api.callback_answers.values())[-1]["text"] == texts.NOT_ADMIN
    assert folder_state(settings) == before and prompt.edits == 0
    await bot.send(bot.api.callback(BOSS, prompt.message_id, str(replace), user=ADMIN))
    assert (settings.sources_dir / "a.md").read_bytes() == NOKIA  # still pending for the admin


# --- uploads ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "refusal"),
    [
        ("story.pdf", b"%PDF-1.4", ".txt, .md or .html"),
        ("run.exe", b"MZ", ".txt, .md or .html"),
        ("notes.txt.exe", NOKIA, ".txt, .md or .html"),
        ("README", NOKIA, ".txt, .md or .html"),
        ("latin.txt", b"Caf\xe9 story\n\nThe caf\xe9 opened.", "not UTF-8 text (byte 3"),
        ("binary.txt", b"Nokia\x00\x01\x02", "binary file"),
        ("empty.md", b" \n\n ", "it is empty"),
        ("big.txt", b"x" * 1_000_001, "too large: the limit is 1,000,000 bytes"),
    ],
)
async def test_uploads_are_checked_before_anything_is_written(
    bot: BotUnderTest, settings: Settings, name: str, content: bytes, refusal: str
) -> None:
    before = folder_state(settings)
    await bot.send(bot.api.document(name, content))
    assert refusal in bot.last(BOSS).text
    assert folder_state(settings) == before
    await still_answers(bot)


async def test_a_file_larger_than_it_claims_is_refused(
    bot: BotUnderTest, settings: Settings
) -> None:
    update = bot.api.document("sneaky.txt", b"Sneaky\n\n" + b"word " * 250_000)
    update["message"]["document"]["file_size"] = 10  # the client says 10 bytes
    await bot.send(update)
    assert "too large" in bot.last(BOSS).text and not (settings.sources_dir / "sneaky.txt").exists()


@pytest.mark.parametrize(
    ("name", "saved"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("/etc/cron.d/evil.md", "evil.md"),
        ("..\\..\\Windows\\win.html", "win.html"),
        (".hidden.txt", "hidden.txt"),
        ("sources.toml.txt", "sources_toml.txt"),
        ("Übersicht März.TXT", "Ubersicht_Marz.txt"),
        ("🙂.md", "upload.md"),
        ("a" * 300 + ".txt", "a" * 80 + ".txt"),
    ],
)
async def test_uploads_get_safe_names_inside_the_sources_folder(
    bot: BotUnderTest, settings: Settings, tmp_path: Path, name: str, saved: str
) -> None:
    before = files_outside_the_index(tmp_path, settings)
    await bot.send(bot.api.document(name, NOKIA))
    assert "Added" in bot.last(BOSS).text
    new = files_outside_the_index(tmp_path, settings) - before
    assert {p.relative_to(tmp_path).as_posix() for p in new} == {f"sources/{saved}"}


def files_outside_the_index(root: Path, settings: Settings) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() and not p.is_relative_to(settings.index_dir)}


async def test_replacing_a_source_needs_confirmation(bot: BotUnderTest, settings: Settings) -> None:
    folder, before = settings.sources_dir, folder_state(settings)
    await bot.send(bot.api.document("a.md", NOKIA))  # "a" exists as a.txt
    prompt = bot.last(BOSS)
    assert "already exists" in prompt.text and [t for t, _ in prompt.buttons] == [
        "Replace it",
        "Keep the old one",
    ]
    assert folder_state(settings) == before
    keep = prompt.buttons[1][1]
    await bot.send(bot.api.callback(BOSS, prompt.message_id, str(keep), user=ADMIN))
    assert "Kept the existing source a" in prompt.text and not prompt.buttons
    assert folder_state(settings) == before
    await bot.send(bot.api.callback(BOSS, prompt.message_id, str(keep), user=ADMIN))
    assert "expired" in list(bot.api.callback_answers.values())[-1]["text"]

    await bot.send(bot.api.document("a.md", NOKIA))
    prompt = bot.last(BOSS)
    await bot.send(bot.api.callback(BOSS, prompt.message_id, str(prompt.buttons[0][1]), ADMIN))
    assert "Replacing a" in prompt.text
    assert (
        "Added a: 1 passage indexed." in bot.last(BOSS).text and "Changed: a" in bot.last(BOSS).text
    )
    assert (folder / "a.md").read_bytes() == NOKIA and not (folder / "a.txt").exists()
    await bot.send(bot.api.private("Nokia phone factory Lahore"))
    assert "Lahore" in bot.last(ME).text


def test_a_source_is_written_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "sources"
    save_source(folder, "a", ".txt", b"old text")
    save_source(folder, "a", ".txt", b"new text")
    assert [p.name for p in folder.iterdir()] == ["a.txt"]  # no temporary file left

    def disk_fails(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_fails)
    with pytest.raises(OSError, match="No space"):
        save_source(folder, "a", ".md", b"newer text")
    assert [p.name for p in folder.iterdir()] == ["a.txt"]
    assert (folder / "a.txt").read_bytes() == b"new text"  # the old source is whole


# --- the token ----------------------------------------------------------------------------------


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """Everything the bot logs at DEBUG, through the handlers `configure_logging` sets up; the
    httpx loggers are turned up too, since they write every request URL (token included)."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    quiet = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.handlers = [handler]
    configure_logging("DEBUG", TOKEN)
    logging.getLogger("httpx").setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.handlers, root.level = handlers, level
        for name, old in quiet.items():
            logging.getLogger(name).setLevel(old)


async def test_the_token_never_reaches_logs_or_users(
    tmp_path: Path, debug_log: io.StringIO
) -> None:
    settings = bot_settings(tmp_path)
    async with polling_bot(settings, real_builder(settings), read_timeout=1.0) as bot:
        faults: list[Outcome] = [
            Reply.error(500, "Internal"),
            Drop(),
            Delay(1.5),
            Reply.error(400, "Bad Request"),
        ]
        bot.api.inject("sendMessage", lambda call: faults.pop(0) if faults else None)
        bot.api.fail("getUpdates", 502, "Bad Gateway")
        for n in range(4):
            bot.api.push(bot.api.private(f"{QUESTION} {n}"))
            await eventually(lambda: len(bot.replies(ME)) > n, within=15)  # noqa: B023 (awaited here)
        bot.api.push(bot.api.private("/reload", user=ADMIN))  # refused: not an admin chat yet
        await eventually(lambda: bot.replies(BOSS))
    logged = debug_log.getvalue()
    assert "[TOKEN]" in logged and "Traceback" in logged  # the faults were logged in full
    assert SECRET not in logged
    assert all(SECRET not in call.params.__repr__() for call in bot.api.calls)
    assert all(SECRET not in sent.text for sent in bot.api.sent)


def test_settings_hold_the_token_as_a_secret(settings: Settings) -> None:
    assert isinstance(settings.telegram_bot_token, SecretStr)
    for shown in (repr(settings), str(settings), settings.model_dump_json()):
        assert SECRET not in shown


def test_env_files_are_ignored_by_git() -> None:
    done = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT, check=False)
    assert done.returncode == 0
