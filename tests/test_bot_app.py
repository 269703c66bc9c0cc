"""Start-up: token checks, log redaction and the messages a failed start gives."""

from __future__ import annotations

import importlib.util
import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.bench.fakeapi.api import TOKEN, FakeBotApi
from bot.bench.fakeapi.server import FakeBotServer
from bot.config import SettingsError
from bot.service.service import ReloadError
from bot.telegram.app import TokenRedactor, build_application, configure_logging, run_bot
from tests.fakes.harness import bot_settings
from tests.fakes.library import FakeBuilder

ROOT = Path(__file__).resolve().parents[1]
STORYBOT_RUN = [sys.executable, "-m", "bot.cli", "run"]
"""`storybot run`, from the source tree."""


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    filters = {h: list(h.filters) for h in handlers}
    httpx_level = logging.getLogger("httpx").level
    yield
    root.setLevel(level)
    for handler in handlers:
        handler.filters = filters[handler]
    logging.getLogger("httpx").setLevel(httpx_level)


@pytest.mark.parametrize("token", ["", "not-a-token-secret"])
def test_missing_or_malformed_token_is_a_one_line_error(tmp_path: Path, token: str) -> None:
    settings = bot_settings(tmp_path, telegram_bot_token=token)
    for start in (lambda: run_bot(settings), lambda: build_application(settings)):
        with pytest.raises(SettingsError) as info:
            start()
        message = str(info.value)
        assert "TELEGRAM_BOT_TOKEN" in message and "\n" not in message
        assert not token or token not in message


def test_redactor_hides_the_token_in_messages_arguments_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(TokenRedactor(TOKEN))
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("POST https://api.telegram.org/bot%s/getMe", TOKEN)
        secret = TOKEN.partition(":")[2]
        logger.warning(f"encoded url .../bot123456789%3A{secret}/getMe")
        try:
            raise RuntimeError(f"failed https://x/bot{TOKEN}/sendMessage")
        except RuntimeError:
            logger.exception("boom")
    finally:
        logger.removeHandler(handler)
    out = stream.getvalue()
    assert secret not in out and out.count("[TOKEN]") == 3


def test_configure_logging_quiets_httpx(restore_logging: None) -> None:
    with pytest.raises(SettingsError, match="LOG_LEVEL"):
        configure_logging("chatty", TOKEN)
    configure_logging("info", TOKEN)
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
    assert any(isinstance(f, TokenRedactor) for f in logging.getLogger().handlers[0].filters)


def test_webhook_mode_without_tornado_explains_itself(
    tmp_path: Path, restore_logging: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "tornado" else real_find_spec(name, *a),
    )
    settings = bot_settings(tmp_path, webhook_url="https://bot.example.com/hook")
    with pytest.raises(SettingsError, match=r"webhooks\]"):
        run_bot(settings)


def run_storybot(
    env: dict[str, str], cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    return subprocess.run(
        STORYBOT_RUN,
        env=base | {"PYTHONPATH": str(ROOT)} | env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_rejected_token_stops_with_one_clear_line(tmp_path: Path) -> None:
    with FakeBotServer(
        FakeBotApi(token="987654321:AAH-the-real-token-is-something-else")
    ) as server:
        done = run_storybot(
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE_URL": server.base_url,
                "LOG_LEVEL": "DEBUG",
            },
            tmp_path,
        )
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if " DEBUG " not in line]
    assert len(lines) == 1 and lines[0].startswith("storybot: Telegram rejected")
    assert "Traceback" not in done.stderr
    assert TOKEN.partition(":")[2] not in done.stderr + done.stdout
    assert "[TOKEN]" in done.stderr  # PTB logged its URLs at DEBUG, redacted


def test_unreachable_bot_api_stops_with_one_clear_line(tmp_path: Path) -> None:
    with FakeBotServer(FakeBotApi()) as server:
        url = server.base_url  # closed when the block ends: nothing listens there any more
    done = run_storybot({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": url}, tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"storybot: cannot reach the Bot API at {url}[TOKEN]")
    assert TOKEN.partition(":")[2] not in done.stderr


async def test_index_failure_at_start_is_raised_before_any_update(tmp_path: Path) -> None:
    builder = FakeBuilder(tmp_path)
    builder.fail = OSError("no sources")
    app = build_application(bot_settings(tmp_path), builder=builder)
    assert app.post_init is not None
    with pytest.raises(ReloadError, match="OSError: no sources"):
        await app.post_init(app)  # run_bot turns this into a one-line BotStartError
