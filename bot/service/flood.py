"""The flood guard: at most so many questions per user in a sliding window."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import Enum

Clock = Callable[[], float]


class Verdict(Enum):
    """What the flood guard says about one more question."""

    ALLOW = "allow"
    WARN = "warn"
    """Over the limit: say "slow down" once."""
    DROP = "drop"
    """Over the limit and already warned in this window: ignore quietly."""


class FloodGuard:
    """At most `limit` questions per user in any `window` seconds (a sliding window)."""

    def __init__(self, limit: int, window: float, *, clock: Clock = time.monotonic) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._seen: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}
        self._checks = 0

    def check(self, user_id: int) -> Verdict:
        """Counts one question from `user_id` unless it is over the limit."""
        now = self._clock()
        self._checks += 1
        if self._checks % 1000 == 0:
            self._forget(now)
        times = self._seen.setdefault(user_id, deque())
        while times and now - times[0] >= self._window:
            times.popleft()
        if len(times) < self._limit:
            times.append(now)
            return Verdict.ALLOW
        warned = self._warned.get(user_id)
        if warned is not None and now - warned < self._window:
            return Verdict.DROP
        self._warned[user_id] = now
        return Verdict.WARN

    def _forget(self, now: float) -> None:
        """Drops users with nothing in the window, so the maps don't grow forever."""
        for user_id in [u for u, t in self._seen.items() if not t or now - t[-1] >= self._window]:
            del self._seen[user_id]
            self._warned.pop(user_id, None)
