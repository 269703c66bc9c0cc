"""A bounded, thread-safe least-recently-used map: the one cache helper of bot/ and embeddings/."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Lru(Generic[K, V]):
    """At most ``size`` entries; storing one more forgets the least recently used.

    `get` and `put` count as uses; `in` and `peek` do not. Each call holds a lock, so threads
    may share one (the search's word-vector cache is read by every worker).
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, object]:
        """Pickles the entries and the size (the bot saves its chats' memory); not the lock."""
        return {"size": self._size, "items": list(self._items.items())}

    def __setstate__(self, state: dict[str, object]) -> None:
        self._size = int(state["size"])  # type: ignore[call-overload]
        self._items = OrderedDict(state["items"])  # type: ignore[call-overload]
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def get(self, key: K) -> V | None:
        """The value, marked as just used; None when absent."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def peek(self, key: K) -> V | None:
        """The value without marking it used; None when absent."""
        return self._items.get(key)

    def put(self, key: K, value: V) -> None:
        """Stores the value as just used, forgetting the oldest entries beyond the size."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def pop(self, key: K) -> V | None:
        """Removes and returns the value; None when absent."""
        with self._lock:
            return self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
