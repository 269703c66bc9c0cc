"""A long reload's progress, shown by editing its status message now and then.

    async with ProgressMessage(status, heading, after=3.0, every=3.0) as shown:
        report = await service.reload(shown.update)
    await status.edit_text(render_report(report))  # the final message replaces the progress

The build reports every few hundred texts; `update` only notes the latest step (on the event
loop, where `StoryService.reload` delivers it), and one task edits the message at most every
`every` seconds, after `after` seconds, only when the text changed. An edit that fails is
logged and skipped: progress is a courtesy, the reload goes on.
"""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType

from telegram import Message
from telegram.error import TelegramError

logger = logging.getLogger(__name__)

_STAGES = {
    "passages": "passages",
    "sentences": "sentences",
    "terms": "terms",
    "e5-passages": "passages (multilingual)",
    "e5-sentences": "sentences (multilingual)",
    "e5-everyday": "everyday questions (multilingual)",
    "tokens": "passages' token states",
}
"""What each of the builder's stores is called in the message."""


def progress_line(what: str, done: int, total: int) -> str:
    """One step as an admin reads it: "Embedding passages: 1,200 / 5,000 (24%)"."""
    percent = 100 * done // total if total else 100
    return f"Embedding {_STAGES.get(what, what)}: {done:,} / {total:,} ({percent}%)"


class ProgressMessage:
    """Edits `message` to `heading` plus the latest progress line while a reload runs.

    Args:
        message: the status message to edit (the caller later replaces it with the result).
        heading: Telegram HTML shown above the progress line.
        after: seconds before the first edit, so that a quick reload edits nothing.
        every: least seconds between two edits.
    """

    def __init__(self, message: Message, heading: str, *, after: float, every: float) -> None:
        self._message = message
        self._heading = heading
        self._after = after
        self._every = every
        self._latest: tuple[str, int, int] | None = None
        self._shown: str | None = None
        self._finished = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def update(self, what: str, done: int, total: int) -> None:
        """Notes the build's latest step; the next due edit shows it. Call on the event loop."""
        self._latest = (what, done, total)

    async def __aenter__(self) -> ProgressMessage:
        self._task = asyncio.create_task(self._run(), name="storybot-progress")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._finished.set()
        if self._task is not None:
            # an edit in flight lands first, so it cannot overwrite the final message
            await self._task

    async def _run(self) -> None:
        if await self._finished_within(self._after):
            return
        while True:
            await self._show()
            if await self._finished_within(self._every):
                return

    async def _finished_within(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self._finished.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def _show(self) -> None:
        if self._latest is None:
            return  # still reading the sources: nothing embedded yet
        text = f"{self._heading}\n{progress_line(*self._latest)}"
        if text == self._shown:
            return  # Telegram refuses an edit that changes nothing
        try:
            await self._message.edit_text(text)
        except TelegramError as exc:
            logger.warning("could not show the reload's progress (%s); it goes on", exc)
            return
        self._shown = text
