"""What the handlers share, kept in `bot_data` behind one typed accessor: `runtime(context)`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, cast

from telegram import Message, Update
from telegram.ext import ContextTypes

from bot.config import Settings
from bot.service.flood import FloodGuard
from bot.service.service import StoryService
from embeddings.library import Lru
from embeddings.models import Answer

Context = ContextTypes.DEFAULT_TYPE
RUNTIME_KEY = "storybot"
ASKED_KEPT = 5000
"""Our recent answers whose question is remembered, for follow-ups sent as replies."""
PENDING_KEPT = 20
"""Uploads waiting for an admin's confirmation; older ones expire."""
INLINE_FLOOD_FACTOR = 3
"""Inline queries get this many times `FLOOD_QUESTIONS` per window: clients send one as the user
types, so a single question is often several queries."""


class CompactAnswers:
    """Recent compact group answers by (chat id, message id), for the "More sources" button."""

    def __init__(self, size: int = 2000) -> None:
        self._answers: Lru[tuple[int, int], Answer] = Lru(size)
        self._expanded: Lru[tuple[int, int], bool] = Lru(size)

    def put(self, key: tuple[int, int], answer: Answer) -> None:
        self._answers.put(key, answer)

    def expand(self, key: tuple[int, int]) -> Answer | None:
        """The answer to expand, once: later calls for the same key return None."""
        answer = self._answers.pop(key)
        if answer is not None:
            self._expanded.put(key, True)
        return answer

    def expanded(self, key: tuple[int, int]) -> bool:
        return key in self._expanded


class RecentIds:
    """The last `size` update ids seen, to drop an update delivered twice."""

    def __init__(self, size: int = 10_000) -> None:
        self._ids: Lru[int, bool] = Lru(size)

    def add(self, update_id: int) -> bool:
        """Records `update_id`; False if it was seen already."""
        if update_id in self._ids:
            return False
        self._ids.put(update_id, True)
        return True


@dataclass
class Tally:
    """Questions of one kind (in chats, or inline) for /stats."""

    answered: int = 0
    not_found: int = 0
    slowed: int = 0
    """Refused by the flood guard, so never searched."""

    def count(self, answer: Answer) -> None:
        if answer.answered:
            self.answered += 1
        else:
            self.not_found += 1


@dataclass
class Memory:
    """What the bot knows of its chats, kept across restarts (`bot.telegram.persistence`).

    Every part is bounded, so the saved state is too: at most `ASKED_KEPT` questions, the
    answer cache's 2,000 answers and expansions, `PENDING_KEPT` uploads.
    """

    chat: Tally = field(default_factory=Tally)
    inline: Tally = field(default_factory=Tally)
    answers: CompactAnswers = field(default_factory=CompactAnswers)
    """Compact group answers, for their "More sources" button."""
    asked: Lru[tuple[int, int], str] = field(default_factory=lambda: Lru(ASKED_KEPT))
    """The question each recent answer of ours answered, for follow-ups sent as replies."""
    pending: Lru[str, Any] = field(default_factory=lambda: Lru(PENDING_KEPT))
    """Uploads waiting for an admin's "replace?" answer, by token (`bot.telegram.uploads`)."""

    def remember(self, key: tuple[int, int], question: str) -> None:
        """Records the question our message `key` (chat id, message id) answered."""
        self.asked.put(key, question)


@dataclass
class Runtime:
    """Everything the handlers share: settings, the service, the flood guards, and the memory
    of recent answers and counters (the one part that is saved across restarts)."""

    settings: Settings
    service: StoryService
    flood: FloodGuard
    inline_flood: FloodGuard
    """A separate, larger budget for inline queries (`INLINE_FLOOD_FACTOR`)."""
    memory: Memory = field(default_factory=Memory)
    seen: RecentIds = field(default_factory=RecentIds)
    watchdog: asyncio.Task[None] | None = None
    """The token check (`bot.telegram.app`), cancelled on shutdown."""

    def __deepcopy__(self, memo: dict[int, Any]) -> Runtime:
        # A handle to live services (threads, the index), shared rather than copied: PTB
        # deep-copies bot_data before handing it to the persistence, which saves `memory` only.
        return self

    @property
    def chat(self) -> Tally:
        return self.memory.chat

    @property
    def inline(self) -> Tally:
        return self.memory.inline

    @property
    def answers(self) -> CompactAnswers:
        return self.memory.answers

    def is_admin(self, update: Update) -> bool:
        user = update.effective_user
        return user is not None and user.id in self.settings.admin_user_ids


def runtime(context: Context) -> Runtime:
    """The bot's shared state (set up by bot.telegram.app)."""
    return cast(Runtime, context.application.bot_data[RUNTIME_KEY])


def message_of(update: Update) -> Message:
    """The update's message; handlers are only registered for updates that have one."""
    return cast(Message, update.effective_message)
