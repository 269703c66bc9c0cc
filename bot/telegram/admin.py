"""Admin commands (/reload, /remove, /stats) and adding a source by sending a document.

Admin rights are checked here, in every handler: the command menu only hides the commands.
"""

from __future__ import annotations

import asyncio
import html
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.service.intake import IntakeError, add_from_url
from bot.service.service import ReloadError, Stats
from bot.service.sources_dir import (
    UPLOAD_SUFFIXES,
    safe_stem,
    save_source,
    set_metadata,
    source_files,
    text_problem,
)
from bot.telegram import texts
from bot.telegram.progress import ProgressMessage
from bot.telegram.render import clip
from bot.telegram.runtime import Context, Runtime, Tally, message_of, runtime
from bot.wiring import fetch_limits, metadata_path
from embeddings.library import Lru, read_source
from embeddings.models import BuildReport

logger = logging.getLogger(__name__)
ADMIN_COMMANDS = (
    ("reload", "Re-read the sources folder and update the index"),
    ("remove", "Remove a source: /remove SOURCE_ID"),
    ("stats", "Usage and index figures"),
    ("add", "Add a web page as a source: /add URL"),
)
REPLACE, KEEP = "replace", "keep"
CONFIRM_PATTERN = rf"^({REPLACE}|{KEEP}):[0-9a-f]{{8}}$"


@dataclass(frozen=True, slots=True)
class Upload:
    """A document an admin sent, waiting to become a source (or for a replace to be confirmed)."""

    source_id: str
    suffix: str
    file_id: str
    caption: str | None


async def _admin(update: Update, context: Context) -> Runtime | None:
    """The runtime if the user is an admin; otherwise a polite refusal and None."""
    rt = runtime(context)
    if rt.is_admin(update):
        return rt
    await message_of(update).reply_text(texts.NOT_ADMIN)
    return None


async def reload_command(update: Update, context: Context) -> None:
    """/reload: re-read the sources folder, update the index, report what changed."""
    if rt := await _admin(update, context):
        heading = "Re-reading the sources…"
        status = await message_of(update).reply_text(heading)
        if report := await _reload(update, rt, status, heading):
            await _finish(update, status, render_report(report))


async def remove_command(update: Update, context: Context) -> None:
    """/remove SOURCE_ID: delete that source's file, after checking the id exists and that it
    is not the last source (which an admin replaces by adding the new one first)."""
    if not (rt := await _admin(update, context)):
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
    if report := await _reload(update, rt):
        await message_of(update).reply_html(render_report(report))


async def stats_command(update: Update, context: Context) -> None:
    """/stats: uptime, chat questions and inline queries apart, median time, index size."""
    if rt := await _admin(update, context):
        await message_of(update).reply_html(render_stats(rt.service.stats(), rt.chat, rt.inline))


async def upload(update: Update, context: Context) -> None:
    """A .txt, .md or .html document from an admin becomes a source (caption: title or URL).

    If a source of that name exists, the admin is asked first whether to replace it.
    """
    message = message_of(update)
    if not (rt := await _admin(update, context)) or message.document is None:
        return
    document = message.document
    suffix = PurePosixPath(document.file_name or "").suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        await message.reply_text("Send the source as a .txt, .md or .html file.")
        return
    if (document.file_size or 0) > rt.settings.max_upload_bytes:
        await message.reply_text(_too_large(rt))
        return
    pending = Upload(safe_stem(document.file_name or ""), suffix, document.file_id, message.caption)
    if not source_files(rt.settings.sources_dir, pending.source_id):
        await _add(update, context, rt, pending)
        return
    token = secrets.token_hex(4)
    _pending(context).put(token, pending)
    buttons = [
        InlineKeyboardButton("Replace it", callback_data=f"{REPLACE}:{token}"),
        InlineKeyboardButton("Keep the old one", callback_data=f"{KEEP}:{token}"),
    ]
    await message.reply_html(
        f"A source <code>{html.escape(pending.source_id)}</code> already exists. "
        "Replace it with this file?",
        reply_markup=InlineKeyboardMarkup([buttons]),
    )


async def confirm_upload(update: Update, context: Context) -> None:
    """The admin's answer to "replace the existing source?"."""
    query, rt = update.callback_query, runtime(context)
    if query is None or query.data is None:
        return
    if not rt.is_admin(update):
        await query.answer(texts.NOT_ADMIN)
        return
    action, _, token = query.data.partition(":")
    pending = _pending(context).pop(token)
    message = query.message if isinstance(query.message, Message) else None
    if pending is None or message is None:
        await query.answer("This upload has expired: send the file again.")
        return
    await query.answer()
    name = f"<code>{html.escape(pending.source_id)}</code>"
    if action == KEEP:
        await message.edit_text(f"Kept the existing source {name}; the new file was discarded.")
        return
    await message.edit_text(f"Replacing {name}…")
    await _add(update, context, rt, pending)


async def _add(update: Update, context: Context, rt: Runtime, pending: Upload) -> None:
    """Downloads, checks and saves the upload, records its caption, reloads and reports."""
    message, limit = message_of(update), rt.settings.max_upload_bytes
    data = bytes(await (await context.bot.get_file(pending.file_id)).download_as_bytearray())
    if len(data) > limit:
        await message.reply_text(_too_large(rt))
        return
    if problem := text_problem(data, pending.suffix) or _no_text(pending, data):
        await message.reply_text(f"That file cannot be a source: {problem}.")
        return
    save_source(rt.settings.sources_dir, pending.source_id, pending.suffix, data)
    note = ""
    if pending.caption:
        try:
            set_metadata(_metadata_path(rt), pending.source_id, pending.caption.strip())
        except ValueError as exc:
            note = f"\n(The caption was not recorded: {html.escape(str(exc))})"
    name = f"<code>{html.escape(pending.source_id)}</code>"
    heading = f"Saved {name}; updating the index…"
    status = await message.reply_html(heading)
    if report := await _reload(update, rt, status, heading):
        source_id = pending.source_id
        count = next((s.passages for s in rt.service.sources if s.info.id == source_id), 0)
        passages = f"{count} passage" + ("" if count == 1 else "s")
        await _finish(
            update, status, f"Added {name}: {passages} indexed.{note}\n\n{render_report(report)}"
        )


def _no_text(pending: Upload, data: bytes) -> str | None:
    """Why the loader would read no paragraph from this upload, or None."""
    try:
        article = read_source(f"{pending.source_id}{pending.suffix}", data)
    except ValueError as exc:
        return str(exc)
    return None if article.paragraphs else "no paragraph of text was found in it"


async def add_command(update: Update, context: Context) -> None:
    """/add URL: fetch a web page as a new source, then reload and report its citation."""
    if not (rt := await _admin(update, context)):
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
    if report := await _reload(update, rt, status, heading):
        count = next((s.passages for s in rt.service.sources if s.info.id == added.source_id), 0)
        await _finish(update, status, render_added(added.metadata, added.source_id, count)
                                      + "\n\n" + render_report(report))  # fmt: skip


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


def _pending(context: Context) -> Lru[str, Upload]:
    pending: Lru[str, Upload] = runtime(context).memory.pending
    return pending


def _too_large(rt: Runtime) -> str:
    return f"That file is too large: the limit is {rt.settings.max_upload_bytes:,} bytes."


def _metadata_path(rt: Runtime) -> Path:
    return rt.settings.sources_metadata or rt.settings.sources_dir / "sources.toml"


async def _reload(
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
        await _finish(
            update,
            status,
            f"The reload failed: {html.escape(str(exc))}\n"
            "The previous index keeps answering questions.",
        )
        return None


async def _finish(update: Update, status: Message | None, text: str) -> None:
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
