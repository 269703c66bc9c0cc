"""What the bot knows of its chats, saved across restarts: python-telegram-bot persistence.

The saved part is the runtime's `Memory` (follow-up questions, "More sources" answers, pending
upload confirmations, /stats counters), in one pickle file under STATE_DIR. PTB's `Application`
drives it: it loads the memory in `initialize`, saves it every `SAVE_SECONDS` and on shutdown.

A small `BasePersistence` rather than `PicklePersistence`, for three reasons found in trying it:
- `PicklePersistence` pickles all of `bot_data`, and ours holds the live service (thread pools,
  the index): it fails with "cannot pickle '_thread.RLock' object". Only `Memory` is saved here.
- It writes the file in place, so a crash while writing leaves a torn file and everything is
  lost. Here the file is written beside and renamed over the old one, off the event loop.
- A torn or foreign file makes it raise in `initialize`, so the bot cannot start. Here a missing
  or unreadable file starts the bot with an empty memory and one log line.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
from pathlib import Path
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from bot.service.sources_dir import write_atomically
from bot.telegram.runtime import RUNTIME_KEY, Memory, Runtime

logger = logging.getLogger(__name__)
SAVE_SECONDS = 10.0
"""How often a changed memory is saved: a killed process (no clean shutdown) forgets at most
this much. The fullest memory (5,000 questions of 1,000 characters, 2,000 answers) pickles to
about 5 MB in about 30 ms on the event loop, so saving every 10 s costs well under 1 %."""
Data = dict[Any, Any]


class StatePersistence(BasePersistence[Data, Data, Data]):
    """Saves `runtime.memory` to `path`; `bot_data` itself (the live runtime) is never pickled.

    Args:
        path: the state file; its folder is created on the first save.
        runtime: the runtime whose memory is loaded into and saved from.
        interval: seconds between saves (PTB's `update_interval`).
    """

    def __init__(self, path: Path, runtime: Runtime, *, interval: float = SAVE_SECONDS) -> None:
        store = PersistenceInput(
            bot_data=True, chat_data=False, user_data=False, callback_data=False
        )
        super().__init__(store_data=store, update_interval=interval)
        self.path = path
        self._runtime = runtime
        self._saved: bytes | None = None

    # --- what is kept ---------------------------------------------------------------------------

    async def get_bot_data(self) -> Data:
        """The runtime, with the memory saved last time (or an empty one)."""
        self._runtime.memory = load_memory(self.path)
        self._saved = _dump(self._runtime.memory)
        return {RUNTIME_KEY: self._runtime}

    async def update_bot_data(self, data: Data) -> None:
        """Saves the memory if it changed since the last save (PTB calls this every interval)."""
        runtime = data.get(RUNTIME_KEY)
        if not isinstance(runtime, Runtime):
            return
        blob = _dump(runtime.memory)  # on the loop: a consistent snapshot, written off it
        if blob == self._saved:
            return
        try:
            await asyncio.to_thread(_write, self.path, blob)
        except OSError as exc:  # a full or read-only disk must not stop the answers
            logger.warning("could not save the chat state to %s: %s", self.path, exc)
            return
        self._saved = blob

    async def refresh_bot_data(self, bot_data: Data) -> None:
        return None

    async def flush(self) -> None:
        """Called on shutdown, after a last `update_bot_data`: nothing is left unsaved."""
        return None

    # --- what is not: PTB asks for these only if `store_data` says so, and it does not --------

    async def get_chat_data(self) -> dict[int, Data]:
        return {}

    async def get_user_data(self) -> dict[int, Data]:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> dict[Any, Any]:
        return {}

    async def update_conversation(self, name: str, key: Any, new_state: object | None) -> None:
        return None

    async def update_chat_data(self, chat_id: int, data: Data) -> None:
        return None

    async def update_user_data(self, user_id: int, data: Data) -> None:
        return None

    async def update_callback_data(self, data: Any) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: Data) -> None:
        return None

    async def refresh_user_data(self, user_id: int, user_data: Data) -> None:
        return None


def load_memory(path: Path) -> Memory:
    """The memory saved at `path`; an empty one, with one log line, if it is missing or unreadable.

    An unreadable file (torn, from another version, not ours) is renamed to `*.unreadable` so
    that the next save does not destroy what someone may want to look at.
    """
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        logger.info("no saved chat state at %s; starting with an empty one", path)
        return Memory()
    except OSError as exc:
        logger.warning(
            "cannot read the chat state at %s (%s); starting with an empty one", path, exc
        )
        return Memory()
    try:
        memory = pickle.loads(blob)  # our own file, in our own folder
        if not isinstance(memory, Memory):
            raise TypeError(f"a {type(memory).__name__}, not a Memory")
    except Exception as exc:  # unpickling can raise almost anything on a torn or foreign file
        aside = path.with_name(path.name + ".unreadable")
        try:
            path.replace(aside)
        except OSError:
            aside = path
        logger.warning(
            "the chat state at %s is unreadable (%s: %s); starting with an empty one (the file "
            "is kept as %s)", path, type(exc).__name__, exc, aside.name,
        )  # fmt: skip
        return Memory()
    logger.info("chat state loaded from %s", path)
    return memory


def _dump(memory: Memory) -> bytes:
    return pickle.dumps(memory, protocol=pickle.HIGHEST_PROTOCOL)


def _write(path: Path, blob: bytes) -> None:
    """A crash while saving leaves the old state or the new one, never a torn file."""
    write_atomically(path, blob)
