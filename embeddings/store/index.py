"""A persisted FAISS index of unit vectors, one row per item, updated incrementally.

Everything lives in one directory that belongs to this module::

    manifest.json           the commit point: format, encoder, dim, count, kind, generation, the
                            data files' sha256 and size, the caller's extra, [key, sha256] per row
    gen-<hex>/vectors.npy   (count, dim) float32; doubles as the embedding cache (by sha256)
    gen-<hex>/index.faiss   the FAISS index over those vectors (flat, or HNSW above the limit)
    gen-<hex>/items.jsonl   {"key", "sha256", "text"} per row, for people to read
    .lock                   serialises syncs of the directory across processes

A save writes a fresh generation folder, fsyncs it, then swaps ``manifest.json`` with
``os.replace``: a process killed at any point leaves the old or the new index whole. Whatever the
manifest does not name is debris from a crash; the next successful sync deletes it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sys
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.encoders.base import Encoder
from embeddings.store.vectors import HNSW_EF_SEARCH, VectorIndex, build_faiss

FORMAT = 1
MANIFEST = "manifest.json"
VECTORS, FAISS_INDEX, ITEMS = "vectors.npy", "index.faiss", "items.jsonl"
_DATA_FILES = (VECTORS, FAISS_INDEX, ITEMS)
_FIELDS = {"encoder": str, "dim": int, "count": int, "kind": str, "generation": str}
_FIELDS |= {"files": dict, "extra": dict, "items": list}
_GENERATION = re.compile(r"gen-[0-9a-f]{32}")


@dataclass(frozen=True, slots=True)
class IndexItem:
    """One row to index: a stable key, the hash of its text, and the text."""

    key: str
    sha256: str
    """Hash of ``text``: an item whose hash is already stored is never embedded again."""
    text: str


@dataclass(frozen=True, slots=True)
class SyncStats:
    """What a sync did."""

    embedded: int
    """Texts encoded by this call (a new text shared by several items counts once)."""
    reused: int
    """Items whose vector came from the stored index."""
    rebuilt: str | None
    """Why the stored index was discarded ("missing", "corrupt: …", "model changed: …",
    "dimension changed: …", "format changed: …"), or None when it was reused."""


def sync_index(
    directory: Path,
    items: Sequence[IndexItem],
    encoder: Encoder,
    *,
    exact_limit: int = 50_000,
    extra: Mapping[str, Any] | None = None,
) -> tuple[VectorIndex, SyncStats]:
    """Makes ``directory`` hold vectors for exactly ``items`` (in that order) and returns the index.

    Stored vectors are reused by sha256 and only the missing texts are encoded, in one batch. A
    missing, corrupt or mismatched store (other encoder name or dimension) is rebuilt from
    scratch, never served; the reason is in ``SyncStats.rebuilt``. Concurrent syncs of one
    directory wait for each other (a file lock).

    Args:
        directory: Where the index lives; created if missing. Nothing else should write there.
        items: The rows, in order; keys must be unique.
        encoder: Turns the texts that are not stored yet into unit vectors.
        exact_limit: Up to this many items search is exact (flat); above it, HNSW.
        extra: JSON values stored verbatim in the manifest (read back with `read_manifest`).

    Returns:
        The index (row i is ``items[i]``) and what the sync did.

    Raises:
        ValueError: On duplicate keys, a negative limit, NaN in ``extra``, or bad encoder output.
        TypeError: If ``extra`` is not JSON-serialisable.
        OSError: If the directory cannot be written; the previous index stays intact.
    """
    if exact_limit < 0:
        raise ValueError("exact_limit must be >= 0")
    if len({item.key for item in items}) != len(items):
        raise ValueError("item keys must be unique")
    stored_extra = json.loads(json.dumps(dict(extra or {}), allow_nan=False))
    kind = "exact" if len(items) <= exact_limit else "hnsw"
    directory.mkdir(parents=True, exist_ok=True)
    with exclusive(directory):
        return _sync(directory, items, encoder, kind, stored_extra)


def read_manifest(directory: Path) -> dict[str, Any] | None:
    """Reads the stored manifest; the caller's ``extra`` is under ``"extra"``.

    Args:
        directory: The directory given to `sync_index`.

    Returns:
        The manifest, or None when it is missing, unreadable or malformed. The data files are
        not checked here; `sync_index` checks them before serving anything.
    """
    try:
        manifest = json.loads((directory / MANIFEST).read_bytes())
        _validate(manifest)
    except (OSError, ValueError, _Unusable):
        return None
    return dict(manifest)


class _Unusable(Exception):
    """The stored index cannot be reused; the message is the reason reported to the caller."""


@dataclass(frozen=True, slots=True)
class _Stored:
    manifest: dict[str, Any]
    vectors: np.ndarray
    index: Any | None
    """The stored FAISS index, loaded only when it can be served as is."""


def _sync(
    directory: Path,
    items: Sequence[IndexItem],
    encoder: Encoder,
    kind: str,
    extra: dict[str, Any],
) -> tuple[VectorIndex, SyncStats]:
    try:
        stored, reason = _load(directory, items, encoder, kind), None
    except _Unusable as error:
        stored, reason = None, str(error)
    if stored is not None and stored.index is not None:
        if stored.manifest["extra"] != extra:
            _commit(directory, {**stored.manifest, "extra": extra})
        _remove_debris(directory, keep=stored.manifest["generation"])
        index = VectorIndex(stored.vectors, stored.index, exact=kind == "exact")
        return index, SyncStats(embedded=0, reused=len(items), rebuilt=None)
    vectors, embedded, reused = _assemble(items, stored, encoder)
    faiss_index = build_faiss(vectors, kind)
    generation, files = _write_generation(directory, items, vectors, faiss_index)
    manifest = {
        "format": FORMAT,
        "encoder": encoder.name,
        "dim": encoder.dim,
        "count": len(items),
        "kind": kind,
        "generation": generation,
        "files": files,
        "extra": extra,
        "items": [[item.key, item.sha256] for item in items],
    }
    _commit(directory, manifest)
    _remove_debris(directory, keep=generation)
    index = VectorIndex(vectors, faiss_index, exact=kind == "exact")
    return index, SyncStats(embedded=embedded, reused=reused, rebuilt=reason)


def _load(directory: Path, items: Sequence[IndexItem], encoder: Encoder, kind: str) -> _Stored:
    """The verified stored index; raises `_Unusable` with the reason when there is none."""
    try:
        manifest = json.loads((directory / MANIFEST).read_bytes())
    except FileNotFoundError:
        raise _Unusable("missing") from None
    except (OSError, ValueError) as error:
        raise _Unusable(f"corrupt: manifest unreadable ({error})") from error
    _validate(manifest)
    if manifest["encoder"] != encoder.name:
        raise _Unusable(f"model changed: {manifest['encoder']!r} -> {encoder.name!r}")
    if manifest["dim"] != encoder.dim:
        raise _Unusable(f"dimension changed: {manifest['dim']} -> {encoder.dim}")
    pairs = [[item.key, item.sha256] for item in items]
    unchanged = manifest["kind"] == kind and manifest["items"] == pairs
    return _read_generation(directory / manifest["generation"], manifest, unchanged)


def _validate(manifest: Any) -> None:
    """Raises `_Unusable` unless ``manifest`` has every field this module relies on."""
    if not isinstance(manifest, dict):
        raise _Unusable("corrupt: manifest is not a JSON object")
    if manifest.get("format") != FORMAT:
        raise _Unusable(f"format changed: {manifest.get('format')!r} -> {FORMAT}")
    wrong = [name for name, kind in _FIELDS.items() if not isinstance(manifest.get(name), kind)]
    if wrong:
        raise _Unusable(f"corrupt: manifest fields {', '.join(wrong)} missing or mistyped")
    files, pairs = manifest["files"], manifest["items"]
    problems = {
        "unknown kind": manifest["kind"] not in ("exact", "hnsw"),
        "bad generation": not _GENERATION.fullmatch(manifest["generation"]),
        "no checksums": not all(
            isinstance(files.get(name), dict) and files[name].keys() >= {"sha256", "bytes"}
            for name in _DATA_FILES
        ),
        "counts disagree": len(pairs) != manifest["count"],
        "items not [key, sha256] pairs": not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(s, str) for s in p)
            for p in pairs
        ),
    }
    if wrong := [problem for problem, found in problems.items() if found]:
        raise _Unusable(f"corrupt: manifest: {', '.join(wrong)}")


def _read_generation(folder: Path, manifest: dict[str, Any], with_index: bool) -> _Stored:
    """Reads and verifies a generation's files; parses the FAISS index only when asked."""
    files, count, dim = manifest["files"], manifest["count"], manifest["dim"]
    _read_verified(folder / ITEMS, files[ITEMS])
    index_bytes = _read_verified(folder / FAISS_INDEX, files[FAISS_INDEX])
    try:
        vectors = np.load(io.BytesIO(_read_verified(folder / VECTORS, files[VECTORS])))
    except (ValueError, OSError, EOFError) as error:
        raise _Unusable(f"corrupt: {VECTORS} unparsable ({error})") from error
    if vectors.dtype != np.float32 or vectors.shape != (count, dim):
        raise _Unusable(f"corrupt: {VECTORS} is {vectors.dtype} {vectors.shape}, not {count}x{dim}")
    index = _parse_index(index_bytes, manifest) if with_index else None
    return _Stored(manifest, np.ascontiguousarray(vectors), index)


def _read_verified(path: Path, expected: Mapping[str, Any]) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise _Unusable(f"corrupt: {path.name} unreadable ({error.strerror})") from error
    if len(data) != expected["bytes"]:
        raise _Unusable(f"corrupt: {path.name} has {len(data)} bytes, not {expected['bytes']}")
    if hashlib.sha256(data).hexdigest() != expected["sha256"]:
        raise _Unusable(f"corrupt: {path.name} checksum mismatch")
    return data


def _parse_index(data: bytes, manifest: Mapping[str, Any]) -> Any:
    import faiss

    try:
        index = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
    except RuntimeError as error:
        raise _Unusable(f"corrupt: {FAISS_INDEX} unreadable by FAISS") from error
    expected = faiss.IndexFlat if manifest["kind"] == "exact" else faiss.IndexHNSWFlat
    if (
        not isinstance(index, expected)
        or index.metric_type != faiss.METRIC_INNER_PRODUCT
        or (index.ntotal, index.d) != (manifest["count"], manifest["dim"])
    ):
        raise _Unusable(f"corrupt: {FAISS_INDEX} does not match the manifest")
    if isinstance(index, faiss.IndexHNSWFlat):
        index.hnsw.efSearch = HNSW_EF_SEARCH  # set before the index is shared, never by search
    return index


def _assemble(
    items: Sequence[IndexItem], stored: _Stored | None, encoder: Encoder
) -> tuple[np.ndarray, int, int]:
    """Vectors for ``items`` in order, encoding only unknown texts; also (embedded, reused)."""
    known: dict[str, int] = {}
    if stored is not None:
        known = {sha: row for row, (_, sha) in enumerate(stored.manifest["items"])}
    missing: dict[str, str] = {}
    for item in items:
        if item.sha256 not in known:
            missing.setdefault(item.sha256, item.text)
    fresh = _encode(encoder, list(missing.values()))
    fresh_row = {sha: row for row, sha in enumerate(missing)}
    vectors = np.empty((len(items), encoder.dim), dtype=np.float32)
    reused = [(row, known[i.sha256]) for row, i in enumerate(items) if i.sha256 in known]
    new = [(row, fresh_row[i.sha256]) for row, i in enumerate(items) if i.sha256 in fresh_row]
    for pairs, source in ((reused, stored.vectors if stored else fresh), (new, fresh)):
        if pairs:
            rows, source_rows = zip(*pairs, strict=True)
            vectors[list(rows)] = source[list(source_rows)]
    return vectors, len(missing), len(reused)


def _encode(encoder: Encoder, texts: list[str]) -> np.ndarray:
    if not texts:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    vectors = np.asarray(encoder.encode(texts), dtype=np.float32)
    if vectors.shape != (len(texts), encoder.dim):
        raise ValueError(f"encoder returned {vectors.shape}, expected ({len(texts)}, dim)")
    if not np.isfinite(vectors).all():
        raise ValueError("encoder returned non-finite values")
    # Normalised again so that inner product is cosine whatever the encoder did.
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, np.float32(1e-12))


def _write_generation(
    directory: Path, items: Sequence[IndexItem], vectors: np.ndarray, index: Any
) -> tuple[str, dict[str, dict[str, Any]]]:
    """Writes a new generation folder durably; returns its name and the files' checksums."""
    import faiss

    name = f"gen-{uuid.uuid4().hex}"
    folder = directory / name
    folder.mkdir()
    npy = io.BytesIO()
    np.save(npy, vectors, allow_pickle=False)
    lines = (
        json.dumps({"key": i.key, "sha256": i.sha256, "text": i.text}, ensure_ascii=False) + "\n"
        for i in items
    )
    files = {
        VECTORS: _write_durably(folder / VECTORS, npy.getbuffer()),
        FAISS_INDEX: _write_durably(folder / FAISS_INDEX, faiss.serialize_index(index).data),
        ITEMS: _write_durably(folder / ITEMS, "".join(lines).encode()),
    }
    fsync_directory(folder)
    return name, files


def _write_durably(path: Path, data: bytes | memoryview) -> dict[str, Any]:
    """Writes a new file and flushes it to the disk; returns its checksum entry."""
    with path.open("xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def _commit(directory: Path, manifest: Mapping[str, Any]) -> None:
    """Atomically makes ``manifest`` the current one."""
    temporary = directory / f"{MANIFEST}.{uuid.uuid4().hex}.tmp"
    _write_durably(temporary, json.dumps(manifest, ensure_ascii=False).encode())
    temporary.replace(directory / MANIFEST)
    fsync_directory(directory)


def fsync_directory(path: Path) -> None:
    if os.name == "posix":  # makes new directory entries durable; Windows cannot open folders
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove_debris(directory: Path, *, keep: str) -> None:
    """Deletes generations other than ``keep`` and half-written manifests."""
    for entry in directory.iterdir():
        if _GENERATION.fullmatch(entry.name) and entry.name != keep:
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.startswith(f"{MANIFEST}.") and entry.name.endswith(".tmp"):
            entry.unlink(missing_ok=True)


@contextmanager
def exclusive(directory: Path) -> Iterator[None]:
    """Holds an advisory lock on ``directory`` (POSIX) so that two syncs never interleave."""
    with (directory / ".lock").open("a+b") as handle:
        if sys.platform != "win32":
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
