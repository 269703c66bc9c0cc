"""Admin commands (/reload, /remove, /stats) and adding a source by sending a document.

Admin rights are checked here, in every handler: the command menu only hides the commands.
"""

from __future__ import annotations

import html
import logging
import re
import tomllib
import unicodedata
from datetime import date, datetime, time
from pathlib import Path, PurePosixPath

from telegram import Update

from bot import texts
from bot.handlers import Context, Runtime, message_of, runtime
from bot.service import ReloadError, Stats
from embeddings.models import BuildReport

logger = logging.getLogger(__name__)
SOURCE_SUFFIXES = (".txt", ".md", ".html")
ADMIN_COMMANDS = (
    ("reload", "Re-read the sources folder and update the index"),
    ("remove", "Remove a source: /remove SOURCE_ID"),
    ("stats", "Usage and index figures"),
)
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


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
        await message_of(update).reply_text("Re-reading the sources…")
        if report := await _reload(update, rt):
            await message_of(update).reply_html(render_report(report))


async def remove_command(update: Update, context: Context) -> None:
    """/remove SOURCE_ID: delete that source's file, after checking the id exists."""
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
    for path in files:
        path.unlink(missing_ok=True)
    if report := await _reload(update, rt):
        await message_of(update).reply_html(render_report(report))


async def stats_command(update: Update, context: Context) -> None:
    """/stats: uptime, questions, answered vs not found, median time, index size."""
    if rt := await _admin(update, context):
        await message_of(update).reply_html(render_stats(rt.service.stats()))


async def upload(update: Update, context: Context) -> None:
    """A .txt, .md or .html document from an admin becomes a source (caption: title or URL)."""
    message = message_of(update)
    if not (rt := await _admin(update, context)) or message.document is None:
        return
    document, limit = message.document, rt.settings.max_upload_bytes
    suffix = PurePosixPath(document.file_name or "").suffix.lower()
    if suffix not in SOURCE_SUFFIXES:
        await message.reply_text("Send the source as a .txt, .md or .html file.")
        return
    if (document.file_size or 0) > limit:
        await message.reply_text(f"That file is too large: the limit is {limit:,} bytes.")
        return
    data = bytes(await (await document.get_file()).download_as_bytearray())
    if len(data) > limit:
        await message.reply_text(f"That file is too large: the limit is {limit:,} bytes.")
        return
    source_id = save_source(rt.settings.sources_dir, document.file_name or "", suffix, data)
    note = ""
    if message.caption:
        try:
            set_metadata(_metadata_path(rt), source_id, message.caption.strip())
        except ValueError as exc:
            note = f"\n(The caption was not recorded: {html.escape(str(exc))})"
    if report := await _reload(update, rt):
        count = next((s.passages for s in rt.service.sources if s.info.id == source_id), 0)
        passages = f"{count} passage" + ("" if count == 1 else "s")
        await message.reply_html(
            f"Added <code>{html.escape(source_id)}</code>: {passages} indexed.{note}\n\n"
            + render_report(report)
        )


async def _reload(update: Update, rt: Runtime) -> BuildReport | None:
    """Reloads; on failure tells the admin (the old index keeps serving) and returns None."""
    try:
        return await rt.service.reload()
    except ReloadError as exc:
        await message_of(update).reply_text(
            f"The reload failed: {exc}\nThe previous index keeps answering questions."
        )
        return None


# --- files --------------------------------------------------------------------------------------


def safe_stem(file_name: str) -> str:
    """A source id from an uploaded file's name: ASCII letters, digits, "_" and "-" only."""
    stem = PurePosixPath(file_name.replace("\\", "/")).stem
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_stem).strip("_-")[:80]
    return slug or "upload"


def source_files(folder: Path, source_id: str) -> list[Path]:
    """The files in `folder` that hold source `source_id` (none for an unsafe id)."""
    if not _SAFE_ID.match(source_id) or ".." in source_id:
        return []
    candidates = [folder / f"{source_id}{suffix}" for suffix in SOURCE_SUFFIXES]
    return [p for p in candidates if p.is_file() and p.resolve().parent == folder.resolve()]


def save_source(folder: Path, file_name: str, suffix: str, data: bytes) -> str:
    """Writes `data` as a source under a safe name (replacing a source of the same id)."""
    source_id = safe_stem(file_name)
    folder.mkdir(parents=True, exist_ok=True)
    for old in source_files(folder, source_id):
        old.unlink()
    temporary = folder / f".{source_id}.upload.tmp"
    temporary.write_bytes(data)
    temporary.replace(folder / f"{source_id}{suffix}")
    return source_id


def _metadata_path(rt: Runtime) -> Path:
    return rt.settings.sources_metadata or rt.settings.sources_dir / "sources.toml"


def set_metadata(path: Path, source_id: str, caption: str) -> None:
    """Records a caption as the source's `url` (if it is a web link) or `title` in the TOML file.

    The source's table is rewritten with its other keys kept; other tables and comments are left
    alone. The result is parsed again before it replaces the file, so a bad write never reaches
    the core. Raises ValueError if the existing file is not valid TOML.
    """
    key = "url" if re.match(r"https?://\S+$", caption) else "title"
    text = path.read_text("utf-8") if path.is_file() else ""
    try:
        table = dict(tomllib.loads(text).get(source_id, {}))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path.name} is not valid TOML: {exc}") from None
    table[key] = caption[:500]
    body = "".join(f"{_toml_key(k)} = {_toml_value(v)}\n" for k, v in table.items())
    kept = _without_table(text, source_id).rstrip()
    entry = f"[{_toml_string(source_id)}]\n{body}"
    updated = f"{kept}\n\n{entry}" if kept else entry
    tomllib.loads(updated)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(updated, "utf-8")
    temporary.replace(path)


def _toml_key(key: str) -> str:
    return key if re.match(r"^[A-Za-z0-9_-]+$", key) else _toml_string(key)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    return _toml_string(str(value))


def _without_table(text: str, source_id: str) -> str:
    headers = {f"[{source_id}]", f"[{_toml_string(source_id)}]", f"['{source_id}']"}
    lines, skipping = [], False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            skipping = stripped.split("#")[0].strip() in headers
        if not skipping:
            lines.append(line)
    return "\n".join(lines)


def _toml_string(value: str) -> str:
    escapes = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
    out = []
    for char in value:
        if char in escapes:
            out.append(escapes[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


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
    lines += [f"⚠️ Skipped {html.escape(texts.clip(p, 300))}" for p in report.problems[:10]]
    return "\n".join(lines)


def render_stats(stats: Stats) -> str:
    """/stats as HTML."""
    median = f"{stats.median_seconds * 1000:.0f} ms" if stats.median_seconds is not None else "–"
    hours, rest = divmod(int(stats.uptime_seconds), 3600)
    return (
        f"<b>Up</b> {hours} h {rest // 60} min\n"
        f"<b>Questions</b> {stats.questions}: {stats.answered} answered, "
        f"{stats.not_found} not found\n"
        f"<b>Median answer time</b> {median}\n"
        f"<b>Index</b> {stats.sources} sources, {stats.passages} passages "
        f"({stats.reloads} loads)"
    )
