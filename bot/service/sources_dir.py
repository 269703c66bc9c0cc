"""Source files that admins upload: safe names, text checks, atomic writes, and sources.toml.

Plain file operations, no Telegram: `bot.telegram.admin` and `bot.telegram.uploads` decide who
may call them and what to say.
"""

from __future__ import annotations

import os
import re
import tomllib
import unicodedata
import uuid
from collections.abc import Mapping
from datetime import date, datetime, time
from pathlib import Path, PurePosixPath

from embeddings.library import SOURCE_SUFFIXES as READ_SUFFIXES
from embeddings.library import decode_page

UPLOAD_SUFFIXES = (".txt", ".md", ".html")
"""What an admin may upload (the core also reads .htm files put in the folder by hand)."""
WEB_SUFFIXES = (".html", ".htm")
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def safe_stem(file_name: str) -> str:
    """A source id from an uploaded file's name: ASCII letters, digits, "_" and "-" only."""
    stem = PurePosixPath(file_name.replace("\\", "/")).stem
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_stem).strip("_-")[:80]
    return slug or "upload"


def source_files(folder: Path, source_id: str) -> list[Path]:
    """The files in `folder` that hold source `source_id`, whatever their suffix or its case
    (none for an unsafe id)."""
    if not _SAFE_ID.match(source_id) or ".." in source_id or not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.iterdir()
        if path.stem == source_id
        and path.suffix.lower() in READ_SUFFIXES
        and (path.is_file() or path.is_symlink())
    )


def text_problem(data: bytes, suffix: str = ".txt") -> str | None:
    """Why `data` cannot be a source (a text file that is not UTF-8, a binary file), or None.

    A web page may be in any encoding: the loader detects it, as for a page added by URL.
    """
    if suffix in WEB_SUFFIXES:
        text, _ = decode_page(data)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return f"it is not UTF-8 text (byte {exc.start} is not valid)"
    if "\x00" in text:
        return "it is a binary file, not text"
    if not text.strip():
        return "it is empty"
    return None


def save_source(folder: Path, source_id: str, suffix: str, data: bytes) -> Path:
    """Writes `data` as source `source_id` atomically, then drops its files with other suffixes.

    The bytes go to a temporary file that is flushed to disk and renamed over the target, so
    a crash leaves the old source or the new one, never half of it.
    """
    target = folder / f"{source_id}{suffix}"
    write_atomically(target, data)
    for old in source_files(folder, source_id):
        if old.name != target.name:
            old.unlink()
    return target


def write_atomically(path: Path, data: bytes) -> None:
    """Writes ``data`` to a new file beside ``path``, flushes it to disk and renames it over
    ``path``: a crash leaves the old file or the new one, never half of it. The temporary file
    is a dotfile, which the sources loader never reads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with temporary.open("xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


def set_metadata(path: Path, source_id: str, caption: str) -> None:
    """Records a caption as the source's `url` (if it is a web link) or `title` in the TOML file.

    Raises ValueError if the existing file is not valid TOML.
    """
    key = "url" if re.match(r"https?://\S+$", caption) else "title"
    record_metadata(path, source_id, {key: caption})


def record_metadata(path: Path, source_id: str, fields: Mapping[str, str]) -> None:
    """Sets some of a source's keys (title, publisher, author, date, url) in the TOML file.

    The source's table is rewritten with its other keys kept; other tables and comments are left
    alone. The result is parsed again before it replaces the file, so a bad write never reaches
    the core. Raises ValueError if the existing file is not valid TOML.
    """
    text = path.read_text("utf-8") if path.is_file() else ""
    try:
        table = dict(tomllib.loads(text).get(source_id, {}))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path.name} is not valid TOML: {exc}") from None
    table.update({key: value[:500] for key, value in fields.items()})
    body = "".join(f"{_toml_key(k)} = {_toml_value(v)}\n" for k, v in table.items())
    kept = _without_table(text, source_id).rstrip()
    entry = f"[{_toml_string(source_id)}]\n{body}"
    updated = f"{kept}\n\n{entry}" if kept else entry
    tomllib.loads(updated)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
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
