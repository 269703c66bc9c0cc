"""`storybot run` with the deterministic HashEncoder, for load tests in a separate process.

    python -m tests.fakes.botprocess        # settings from the environment, as `storybot run`

It is `bot.telegram.app.run_bot` (token-redacting logs, the real Application, long polling) with two
seams: the HashEncoder instead of the model, and Telegram's own send limits (30 a second, 20 a
minute per group) switched off, since the fake server does not enforce them.
STORYBOT_TOKEN_CHECK_SECONDS shortens how often the running bot checks its token;
STORYBOT_OVERALL_RATE=30 turns Telegram's overall limit of 30 messages a second back on (the
per-group limit stays off).
"""

from __future__ import annotations

import faulthandler
import os
import signal
import sys
import threading
import time

from bot.config import SettingsError, load_settings
from bot.telegram import app
from bot.telegram.delivery import RetryingRateLimiter
from bot.wiring import make_builder
from tests.fakes.encoder import HashEncoder


def _exit_with_parent() -> None:
    """A test that dies (a time-out, a kill) must not leave its bot polling a dead server."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(3)


def main() -> int:
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1 PID`: where is it?
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    if seconds := os.environ.get("STORYBOT_TOKEN_CHECK_SECONDS"):
        app.TOKEN_CHECK_SECONDS = float(seconds)
    try:
        settings = load_settings()
        rate = float(os.environ.get("STORYBOT_OVERALL_RATE") or 0)
        limiter = RetryingRateLimiter(overall_max_rate=rate, group_max_rate=0)
        app.run_bot(settings, builder=make_builder(settings, HashEncoder()), rate_limiter=limiter)
    except (SettingsError, app.BotStartError) as exc:
        print(f"storybot: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
