"""End to end: `storybot run` in its own process, against the fake Bot API over real HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.botapi import BOT_USERNAME, TOKEN, FakeBotApi
from tests.fakes.server import FakeBotServer
from tests.fakes.updates import ADMIN, GROUP_ID, USER
from tests.test_bot_app import RUNNER

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.model
def test_storybot_run_answers_private_and_group_questions(tmp_path: Path) -> None:
    api = FakeBotApi()
    log = tmp_path / "bot.log"
    with FakeBotServer(api) as server, log.open("w") as stderr:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
        env |= {
            "PYTHONPATH": str(ROOT),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": server.base_url,
            "TELEGRAM_API_BASE_FILE_URL": server.base_file_url,
            "ADMIN_USER_IDS": str(ADMIN["id"]),
            "SOURCES_DIR": str(ROOT / "seeds"),
            "INDEX_DIR": str(tmp_path / "index"),
        }
        bot = subprocess.Popen(
            [sys.executable, "-c", RUNNER], env=env, cwd=tmp_path, stderr=stderr, text=True
        )
        try:
            assert api.wait_until(lambda: "getUpdates" in api.methods(), timeout=180), (
                log.read_text()
            )
            api.push(api.private("When will BlackBerry leave Pakistan?"))
            ask = api.push(api.group(f"/ask@{BOT_USERNAME} Why is BlackBerry leaving Pakistan?"))
            replied = api.wait_until(
                lambda: bool(api.sent_to(USER["id"]) and api.sent_to(GROUP_ID))
            )
            assert replied, log.read_text()
        finally:
            bot.send_signal(signal.SIGINT)
            code = bot.wait(timeout=60)
    output = log.read_text()
    assert code == 0, output
    assert TOKEN.partition(":")[2] not in output
    assert "setMyCommands" in api.methods()
    private = api.sent_to(USER["id"])[-1]
    assert "<blockquote>" in private.html and "¶" in private.text and "December 30" in private.text
    group = api.sent_to(GROUP_ID)[-1]
    assert group.reply_to == ask["message"]["message_id"]
    assert group.html.count("<blockquote>") == 1 and "¶" in group.text
