"""Admin commands: /reload, /remove, /stats and /add (a source sent as a document is
`bot.telegram.uploads`).

Admin rights are checked here, in every handler: the command menu only hides the commands.
"""

from __future__ import annotations

import asyncio
import html
import logging

from telegram import Message, Update
from telegram.error import BadRequest

from bot.service.intake import IntakeError, add_from_url
from bot.service.service import ReloadError, Stats
from bot.service.sources_dir import source_files
from bot.telegram import texts
from bot.telegram.progress import ProgressMessage
from bot.telegram.render import clip
from bot.telegram.runtime import Context, Runtime, Tally, message_of, runtime
from bot.wiring import fetch_limits, metadata_path
from embeddings.models import BuildReport

logger = logging.getLogger(__name__)
ADMIN_COMMANDS = (
    ("reload", "Re-read the sources folder and update the index"),
    ("remove", "Remove a source: /remove SOURCE_ID"),
    ("stats", "Usage and index figures"),
    ("add", "Add a web page as a source: /add URL"),
)


async def require_admin(update: Update, context: Context) -> Runtime | None:
    """The runtime if the user is an admin; otherwise a polite refusal and None."""
    rt = runtime(context)
    if rt.is_admin(update):
        return rt
    await message_of(update).reply_text(texts.NOT_ADMIN)
    return None


async def reload_command(update: Update, context: Context) -> None:
    """/reload: re-read the sources folder, update the index, report what changed."""
    if rt := await require_admin(update, context):
        heading = "Re-reading the sources…"
        status = await message_of(update).reply_text(heading)
        if report := await reload_index(update, rt, status, heading):
            await finish_status(update, status, render_report(report))


async def remove_command(update: Update, context: Context) -> None:
    """/remove SOURCE_ID: delete that source's file, after checking the id exists and that it
    is not the last source (which an admin replaces by adding the new one first)."""
    if not (rt := await require_admin(update, context)):
        return
    source_id = (context.args or [""])[0]
    files = source_files(rt.settings.sources_dir, source_id)
    if not files:
        await message_of(update).reply_html(
            f"There is no source <code>{html.escape(source_id or '?')}</code>. "
            "The ids are listed in /sources; use <code>/remove SOURCE_ID</code>."
        )
        return
    if _last_source(rt, source_id):
        await message_of(update).reply_html(texts.last_source(source_id))
        return
    for path in files:
        path.unlink(missing_ok=True)
    if report := await reload_index(update, rt):
        await message_of(update).reply_html(render_report(report))


async def stats_command(update: Update, context: Context) -> None:
    """/stats: uptime, chat questions and inline queries apart, median time, index size."""
    if rt := await require_admin(update, context):
        await message_of(update).reply_html(render_stats(rt.service.stats(), rt.chat, rt.inline))


async def add_command(update: Update, context: Context) -> None:
    """/add URL: fetch a web page as a new source, then reload and report its citation."""
    if not (rt := await require_admin(update, context)):
        return
    url = " ".join(context.args or []).strip()
    if not url:
        await message_of(update).reply_html("Send <code>/add URL</code> with the article's link.")
        return
    status = await message_of(update).reply_text("Fetching the page…")
    settings = rt.settings
    try:
        added = await asyncio.to_thread(
            add_from_url, url, settings.sources_dir, metadata_path(settings), fetch_limits(settings)
        )
    except IntakeError as exc:
        await status.edit_text(f"Nothing was added: {exc}.")
        return
    heading = "Page saved; updating the index…"
    await status.edit_text(heading)
    if report := await reload_index(update, rt, status, heading):
        count = next((s.passages for s in rt.service.sources if s.info.id == added.source_id), 0)
        added_text = render_added(added.metadata, added.source_id, count)
        await finish_status(update, status, f"{added_text}\n\n{render_report(report)}")


def render_added(metadata: dict[str, str], source_id: str, passages: int) -> str:
    """What /add says about the page it added: its citation and passage count."""
    cited = ", ".join(
        html.escape(metadata[k]) for k in ("publisher", "author", "date") if k in metadata
    )
    title = html.escape(metadata.get("title", "(no title)"))
    plural = "" if passages == 1 else "s"
    return (f"Added <code>{html.escape(source_id)}</code>: “{title}”, {cited or 'no publisher'}; "
            f"{passages} passage{plural} indexed.")  # fmt: skip


def _last_source(rt: Runtime, source_id: str) -> bool:
    """Whether `source_id` is the only source the index serves: a reload without it would be
    refused (an emptied folder never wipes the index), so the old index would keep quoting it."""
    indexed = {summary.info.id for summary in rt.service.sources}
    return indexed == {source_id}


async def reload_index(
    update: Update, rt: Runtime, status: Message | None = None, heading: str = ""
) -> BuildReport | None:
    """Reloads; on failure tells the admin (the old index keeps serving) and returns None.

    A reload that takes a while shows its progress under `heading` in the `status` message,
    which the failure (or the caller, with the result) then replaces.
    """
    after = rt.settings.reload_progress_after_seconds
    every = rt.settings.reload_progress_every_seconds
    try:
        if status is None:
            return await rt.service.reload()
        async with ProgressMessage(status, heading, after=after, every=every) as shown:
            return await rt.service.reload(shown.update)
    except ReloadError as exc:
        await finish_status(
            update,
            status,
            f"The reload failed: {html.escape(str(exc))}\n"
            "The previous index keeps answering questions.",
        )
        return None


async def finish_status(update: Update, status: Message | None, text: str) -> None:
    """Replaces the status message with `text` (HTML); sends it anew when there is no status
    message or it cannot be edited (the admin deleted it, say)."""
    if status is not None:
        try:
            await status.edit_text(text)
            return
        except BadRequest as exc:
            logger.warning("could not edit the status message (%s); sending the result", exc)
    await message_of(update).reply_html(text)


# --- what admins read ---------------------------------------------------------------------------


def render_report(report: BuildReport) -> str:
    """The reload summary: sources added, changed, removed; passages embedded; time taken."""
    lines = [
        f"<b>Index updated</b> in {report.seconds:.1f} s: {report.sources} sources, "
        f"{report.passages} passages ({report.embedded} newly embedded)."
    ]
    for label, ids in (("Added", report.added), ("Changed", report.changed)):
        if ids:
            lines.append(f"{label}: " + ", ".join(f"<code>{html.escape(i)}</code>" for i in ids))
    if report.removed:
        lines.append(
            "Removed: " + ", ".join(f"<code>{html.escape(i)}</code>" for i in report.removed)
        )
    if not (report.added or report.changed or report.removed):
        lines.append("No source changed.")
    if report.rebuilt:
        lines.append(f"Rebuilt from scratch: {html.escape(report.rebuilt)}")
    lines += [f"⚠️ Skipped {html.escape(clip(p, 300, fold=True))}" for p in report.problems[:10]]
    lines += [
        f"⚠️ <code>{html.escape(i)}</code> reads as machine-rewritten text: its quotes are "
        "labelled, and a fluent source that says the same leads"
        for i in report.machine_rewritten[:10]
    ]
    return "\n".join(lines)


def render_stats(stats: Stats, chat: Tally, inline: Tally) -> str:
    """/stats as HTML: questions in chats and inline queries counted apart."""
    median = f"{stats.median_seconds * 1000:.0f} ms" if stats.median_seconds is not None else "–"
    hours, rest = divmod(int(stats.uptime_seconds), 3600)
    return (
        f"<b>Up</b> {hours} h {rest // 60} min\n"
        f"<b>Questions in chats</b> {_tally(chat)}\n"
        f"<b>Inline queries</b> {_tally(inline)}\n"
        f"<b>Median answer time</b> {median}\n"
        f"<b>Index</b> {stats.sources} sources, {stats.passages} passages "
        f"({stats.reloads} loads)"
    )


def _tally(tally: Tally) -> str:
    slowed = f", {tally.slowed} slowed down" if tally.slowed else ""
    asked = tally.answered + tally.not_found
    return f"{asked}: {tally.answered} answered, {tally.not_found} not found{slowed}"
