"""`storybot run` with the deterministic HashEncoder, for load tests in a separate process.

    python -m tests.fakes.botprocess        # settings from the environment, as `storybot run`

It is `bot.app.run_bot` step for step (token-redacting logs, the real Application, long polling)
except for two seams: the HashEncoder instead of the model, and Telegram's own send limits
(30 a second, 20 a minute per group) switched off, since the fake server does not enforce them.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import sys
import threading
import time

from bot.app import ALLOWED_UPDATES, build_application, configure_logging
from bot.config import SettingsError, load_settings
from bot.core import make_builder
from bot.delivery import RetryingRateLimiter
from embeddings.encoder import HashEncoder


def _exit_with_parent() -> None:
    """A test that dies (a time-out, a kill) must not leave its bot polling a dead server."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(3)


def main() -> int:
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1 PID`: where is it?
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    try:
        settings = load_settings()
        token = settings.require_token()
    except SettingsError as exc:
        print(f"botprocess: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, token)
    limiter = RetryingRateLimiter(overall_max_rate=0, group_max_rate=0)
    builder = make_builder(settings, HashEncoder())
    application = build_application(settings, builder=builder, rate_limiter=limiter)
    application.run_polling(allowed_updates=ALLOWED_UPDATES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
