"""Token states of passages, for late interaction: one float16 array and its manifest.

    tokens.json         format, encoder, dim, generation, and per passage [sha256, start, end]
    tokens-<gen>.npy    (all tokens, dim) float16 unit vectors, memory-mapped when read

Synced like the vector index: passages whose text hash is stored are reused, the others are
encoded (`ReadsTokens`). A changed model, or a missing or unreadable file, means they are all
encoded again. A sync writes a new generation's array, then swaps the manifest in with
``os.replace``, so a process killed midway leaves the old pair whole; old generations are
deleted after the swap. A large store is memory-mapped, so only the rows a question touches are
paged in (about 56 tokens × 384 × 2 bytes = 43 KB a passage on the seeds); up to `IN_MEMORY` it
is read into memory as float32.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embeddings.encoders.base import Encoder, ReadsTokens
from embeddings.store.index import IndexItem

FORMAT = 1
MANIFEST = "tokens.json"
BATCH = 256
IN_MEMORY = 128 * 2**20
"""A store up to this size on disk (float16; about 3,000 passages) is held in memory as float32."""


def sync_tokens(
    directory: Path, items: Sequence[IndexItem], encoder: Encoder
) -> tuple[list[np.ndarray], int]:
    """Each item's token states (float32 in memory, or float16 mapped from disk for a large
    store), in order, and how many items had to be encoded. ``encoder`` must also be
    `ReadsTokens`."""
    if not isinstance(encoder, ReadsTokens):
        raise TypeError(f"{encoder.name} gives no token states")
    directory.mkdir(parents=True, exist_ok=True)
    stored = _read(directory, encoder)
    wanted = {item.sha256 for item in items}
    todo = list(dict.fromkeys(i.sha256 for i in items if i.sha256 not in stored))
    if not todo and set(stored) == wanted:
        return [stored[item.sha256] for item in items], 0
    texts = {item.sha256: item.text for item in items}
    fresh: dict[str, np.ndarray] = {}
    for start in range(0, len(todo), BATCH):
        chunk = todo[start : start + BATCH]
        _, states = encoder.encode_with_tokens([texts[h] for h in chunk])
        fresh.update(zip(chunk, (s.astype(np.float16) for s in states), strict=True))
    keep = list(dict.fromkeys(i.sha256 for i in items))
    _write(directory, encoder, keep, [fresh[h] if h in fresh else stored[h] for h in keep])
    stored = _read(directory, encoder)
    return [stored[item.sha256] for item in items], len(todo)


def _read(directory: Path, encoder: Encoder) -> dict[str, np.ndarray]:
    """The stored token states by passage hash; empty when there are none usable."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text("utf-8"))
        if (manifest["format"], manifest["encoder"], manifest["dim"]) != (
            FORMAT,
            encoder.name,
            encoder.dim,
        ):
            return {}
        flat = np.load(directory / f"tokens-{manifest['generation']}.npy", mmap_mode="r")
        if flat.ndim != 2 or flat.shape[1] != encoder.dim or flat.dtype != np.float16:
            return {}
        rows = manifest["items"]
        if any(not 0 <= start < end <= len(flat) for _, start, end in rows):
            return {}
        # A small store is read into memory as float32 (a question's re-ranking then costs 0.1
        # ms instead of 0.5 for the conversion); a large one stays mapped, read by page.
        table = np.array(flat, dtype=np.float32) if flat.nbytes <= IN_MEMORY else np.asarray(flat)
        return {h: table[start:end] for h, start, end in rows}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _write(
    directory: Path, encoder: Encoder, hashes: Sequence[str], states: Sequence[np.ndarray]
) -> None:
    generation = uuid.uuid4().hex
    ends = np.cumsum([len(s) for s in states])
    flat = np.concatenate(states).astype(np.float16) if states else np.zeros((0, encoder.dim))
    array = directory / f"tokens-{generation}.npy"
    with array.open("wb") as handle:
        np.save(handle, flat.astype(np.float16), allow_pickle=False)
        handle.flush()
        os.fsync(handle.fileno())
    manifest = {
        "format": FORMAT,
        "encoder": encoder.name,
        "dim": encoder.dim,
        "generation": generation,
        "items": [
            [h, int(e - len(s)), int(e)] for h, s, e in zip(hashes, states, ends, strict=True)
        ],
    }
    temporary = directory / f"{MANIFEST}.{generation}.tmp"
    temporary.write_text(json.dumps(manifest), "utf-8")
    temporary.replace(directory / MANIFEST)
    for old in directory.glob("tokens-*.npy"):
        if old != array:
            old.unlink(missing_ok=True)
