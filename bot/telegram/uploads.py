"""A source sent as a document by an admin: checked, saved with its caption, then indexed.

When a source of that name exists, the admin is asked first (buttons) whether to replace it.
"""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass
from pathlib import PurePosixPath

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.service.sources_dir import (
    UPLOAD_SUFFIXES,
    safe_stem,
    save_source,
    set_metadata,
    source_files,
    text_problem,
)
from bot.telegram import texts
from bot.telegram.admin import finish_status, reload_index, render_report, require_admin
from bot.telegram.runtime import Context, Runtime, message_of, runtime
from bot.wiring import metadata_path
from embeddings.library import Lru, read_source

REPLACE, KEEP = "replace", "keep"
CONFIRM_PATTERN = rf"^({REPLACE}|{KEEP}):[0-9a-f]{{8}}$"


@dataclass(frozen=True, slots=True)
class Upload:
    """A document an admin sent, waiting to become a source (or for a replace to be confirmed)."""

    source_id: str
    suffix: str
    file_id: str
    caption: str | None


async def upload(update: Update, context: Context) -> None:
    """A .txt, .md or .html document from an admin becomes a source (caption: title or URL).

    If a source of that name exists, the admin is asked first whether to replace it.
    """
    message = message_of(update)
    if not (rt := await require_admin(update, context)) or message.document is None:
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
            set_metadata(metadata_path(rt.settings), pending.source_id, pending.caption.strip())
        except ValueError as exc:
            note = f"\n(The caption was not recorded: {html.escape(str(exc))})"
    name = f"<code>{html.escape(pending.source_id)}</code>"
    heading = f"Saved {name}; updating the index…"
    status = await message.reply_html(heading)
    if report := await reload_index(update, rt, status, heading):
        source_id = pending.source_id
        count = next((s.passages for s in rt.service.sources if s.info.id == source_id), 0)
        passages = f"{count} passage" + ("" if count == 1 else "s")
        await finish_status(
            update, status, f"Added {name}: {passages} indexed.{note}\n\n{render_report(report)}"
        )


def _no_text(pending: Upload, data: bytes) -> str | None:
    """Why the loader would read no paragraph from this upload, or None."""
    try:
        article = read_source(f"{pending.source_id}{pending.suffix}", data)
    except ValueError as exc:
        return str(exc)
    return None if article.paragraphs else "no paragraph of text was found in it"


def _pending(context: Context) -> Lru[str, Upload]:
    pending: Lru[str, Upload] = runtime(context).memory.pending
    return pending


def _too_large(rt: Runtime) -> str:
    return f"That file is too large: the limit is {rt.settings.max_upload_bytes:,} bytes."
