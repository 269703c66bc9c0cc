"""End to end: `storybot run` in its own process, against the fake Bot API over real HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.bench.fakeapi.api import BOT_USERNAME, TOKEN, FakeBotApi
from bot.bench.fakeapi.server import FakeBotServer
from bot.bench.fakeapi.updates import ADMIN, GROUP_ID, USER
from tests.test_bot_app import STORYBOT_RUN

ROOT = Path(__file__).resolve().parents[1]


def bot_env(server: FakeBotServer, folder: Path, sources: Path) -> dict[str, str]:
    """The environment of a bot process that talks to `server`, indexing `sources`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    return env | {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "TELEGRAM_API_BASE_FILE_URL": server.base_file_url,
        "ADMIN_USER_IDS": str(ADMIN["id"]),
        "SOURCES_DIR": str(sources),
        "INDEX_DIR": str(folder / "index"),
        # An empty model cache: the bot exports its ONNX graph and word table as on a new
        # machine, and must still start, answer and stop cleanly (a warm ~/.cache hid a crash).
        "MODEL_CACHE_DIR": str(folder / "model-cache"),
    }


@pytest.mark.model
def test_storybot_run_answers_private_and_group_questions(tmp_path: Path) -> None:
    api = FakeBotApi()
    log = tmp_path / "bot.log"
    with FakeBotServer(api) as server, log.open("w") as stderr:
        env = bot_env(server, tmp_path, ROOT / "seeds")
        bot = subprocess.Popen(STORYBOT_RUN, env=env, cwd=tmp_path, stderr=stderr, text=True)
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


@pytest.mark.model
def test_webhook_mode_checks_the_secret_and_answers(tmp_path: Path) -> None:
    api = FakeBotApi()
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "a.txt").write_text("Exit\n\nBlackBerry leaves on December 30.\n")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    webhook = {"WEBHOOK_URL": "https://bot.example.com/hook/x1", "WEBHOOK_SECRET": "s3cret"}
    webhook |= {"WEBHOOK_LISTEN": "127.0.0.1", "WEBHOOK_PORT": str(port)}
    with FakeBotServer(api) as server, (tmp_path / "bot.log").open("w") as log:
        bot = subprocess.Popen(
            STORYBOT_RUN,
            env=bot_env(server, tmp_path, tmp_path / "sources") | webhook,
            cwd=tmp_path,
            stderr=log,
        )
        try:
            assert api.wait_until(lambda: "setWebhook" in api.methods(), timeout=120)
            [params] = [c.params for c in api.calls if c.method == "setWebhook"]
            assert params["url"] == webhook["WEBHOOK_URL"] and params["secret_token"] == "s3cret"
            update = json.dumps(api.private("When does BlackBerry leave?")).encode()
            assert post_update(port, update, "wrong") == 403
            assert post_update(port, update, "s3cret") == 200
            assert api.wait_until(lambda: bool(api.sent_to(USER["id"])))
        finally:
            bot.send_signal(signal.SIGINT)
            assert bot.wait(timeout=60) == 0
    assert "December 30" in api.sent_to(USER["id"])[-1].text


def post_update(port: int, body: bytes, secret: str) -> int:
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret}
    url = f"http://127.0.0.1:{port}/hook/x1"
    for _ in range(50):  # the webhook server starts listening just after setWebhook
        try:
            with urllib.request.urlopen(urllib.request.Request(url, body, headers)) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return error.code
        except urllib.error.URLError:
            time.sleep(0.1)
    raise AssertionError("the webhook server never answered")
