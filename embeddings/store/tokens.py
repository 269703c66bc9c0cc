"""Token states of passages, for late interaction: one float16 array and its manifest.

    tokens.json         format, encoder, dim, generation, and per passage [sha256, start, end]
    tokens-<gen>.npy    (all tokens, dim) float16 unit vectors
    .lock               serialises syncs of the folder across processes (as the vector index's)

Synced like the vector index: passages whose text hash is stored are reused, the others are
encoded (`ReadsTokens`). A changed model, or a missing or unreadable file, means they are all
encoded again. A sync writes the new generation's array under a temporary name, fsyncs it,
renames it, then swaps the manifest in the same way: a process killed at any point leaves the
old pair or the new one whole, and the next sync deletes whatever the manifest does not name.

Read back, a store up to `IN_MEMORY` on disk is held in memory as float32 (about 56 tokens ×
384 × 4 bytes = 86 KB a passage on the seeds); a larger one is memory-mapped as float16, so only
the rows a question touches are paged in.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np

from embeddings.encoders.base import Encoder, ReadsTokens
from embeddings.encoders.progress import CHUNK, Progress
from embeddings.store.index import IndexItem, exclusive, fsync_directory

FORMAT = 1
MANIFEST = "tokens.json"
IN_MEMORY = 128 * 2**20
"""A store up to this size on disk (float16; about 3,000 passages) is held in memory as float32:
a question's re-ranking then takes 0.1 ms instead of 0.5 for converting float16 rows."""


def sync_tokens(
    directory: Path,
    items: Sequence[IndexItem],
    encoder: Encoder,
    progress: Progress | None = None,
) -> tuple[list[np.ndarray], int]:
    """Each item's token states, in order, and how many items had to be encoded. ``encoder``
    must also be `ReadsTokens`; ``progress`` hears ("tokens", done, total) as they are."""
    if not isinstance(encoder, ReadsTokens):
        raise TypeError(f"{encoder.name} gives no token states")
    directory.mkdir(parents=True, exist_ok=True)
    with exclusive(directory):
        generation, stored = _read(directory, encoder)
        wanted = list(dict.fromkeys(item.sha256 for item in items))
        todo = [h for h in wanted if h not in stored]
        if todo or set(stored) != set(wanted):
            texts = {item.sha256: item.text for item in items}
            for start in range(0, len(todo), CHUNK):
                chunk = todo[start : start + CHUNK]
                _, states = encoder.encode_with_tokens([texts[h] for h in chunk])
                stored.update(zip(chunk, states, strict=True))
                if progress is not None:
                    progress("tokens", start + len(chunk), len(todo))
            generation = _write(directory, encoder, wanted, [stored[h] for h in wanted])
            _, stored = _read(directory, encoder)  # as a later start will read it
        _remove_debris(directory, generation)
    return [stored[item.sha256] for item in items], len(todo)


def _read(directory: Path, encoder: Encoder) -> tuple[str, dict[str, np.ndarray]]:
    """The stored generation and token states by passage hash; ("", {}) when none is usable."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text("utf-8"))
        if (manifest["format"], manifest["encoder"], manifest["dim"]) != (
            FORMAT,
            encoder.name,
            encoder.dim,
        ):
            return "", {}
        generation = str(manifest["generation"])
        flat = np.load(directory / f"tokens-{generation}.npy", mmap_mode="r")
        if flat.ndim != 2 or flat.shape[1] != encoder.dim or flat.dtype != np.float16:
            return "", {}
        rows = manifest["items"]
        if any(not 0 <= start < end <= len(flat) for _, start, end in rows):
            return "", {}
        table = np.array(flat, dtype=np.float32) if flat.nbytes <= IN_MEMORY else np.asarray(flat)
        return generation, {h: table[start:end] for h, start, end in rows}
    except (OSError, ValueError, KeyError, TypeError):
        return "", {}


def _write(
    directory: Path, encoder: Encoder, hashes: Sequence[str], states: Sequence[np.ndarray]
) -> str:
    """Writes a new generation and commits it; returns its name."""
    generation = uuid.uuid4().hex
    ends = np.cumsum([len(s) for s in states], dtype=np.int64)
    flat = (
        np.concatenate(states).astype(np.float16)
        if states
        else np.zeros((0, encoder.dim), dtype=np.float16)
    )
    array = directory / f"tokens-{generation}.npy"
    _durably(array, lambda handle: np.save(handle, flat, allow_pickle=False))
    fsync_directory(directory)
    spans = zip(hashes, states, ends, strict=True)
    rows = [[h, int(end - len(s)), int(end)] for h, s, end in spans]
    manifest = {
        "format": FORMAT,
        "encoder": encoder.name,
        "dim": encoder.dim,
        "generation": generation,
        "items": rows,
    }
    text = json.dumps(manifest).encode("utf-8")
    _durably(directory / MANIFEST, lambda handle: handle.write(text))
    fsync_directory(directory)
    return generation


def _durably(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Writes ``path`` through a temporary file, fsynced, then renamed over it."""
    temporary = path.with_name(f"{path.name}.{uuid.uuid4().hex}.tmp")
    with temporary.open("wb") as handle:
        write(handle)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)


def _remove_debris(directory: Path, generation: str) -> None:
    """Deletes arrays the manifest does not name and temporary files a crash left behind."""
    keep = f"tokens-{generation}.npy"
    for entry in directory.iterdir():
        if entry.name.endswith(".tmp") or (
            entry.name.startswith("tokens-") and entry.name.endswith(".npy") and entry.name != keep
        ):
            entry.unlink(missing_ok=True)
