"""The persisted vector index: ranking against a NumPy oracle, reuse by hash, rebuilds, crashes."""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypedDict, Unpack

import numpy as np
import pytest

from embeddings.store.index import IndexItem, SyncStats, VectorIndex, read_manifest, sync_index
from tests.fakes.encoder import HashEncoder

REPO = Path(__file__).resolve().parents[1]


def make_items(texts: Sequence[str]) -> list[IndexItem]:
    hashes = [hashlib.sha256(text.encode()).hexdigest() for text in texts]
    return [IndexItem(f"src#{i}", h, t) for i, (h, t) in enumerate(zip(hashes, texts, strict=True))]


def story(n: int, version: str = "") -> list[str]:
    return [f"paragraph {i} says the ministry {version} delayed project {i % 7}" for i in range(n)]


def unit_vectors(n: int, dim: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


class TableEncoder:
    """Encodes the text "v<i>" as row i of a fixed table, so a test knows every vector."""

    def __init__(self, table: np.ndarray) -> None:
        self.table, self.name, self.dim, self.max_tokens = table, "table", table.shape[1], 8

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.table[[int(text[1:]) for text in texts]]

    def count_tokens(self, text: str) -> int:
        return 1


class _Limit(TypedDict, total=False):
    exact_limit: int


def table_index(
    directory: Path, table: np.ndarray, **limit: Unpack[_Limit]
) -> tuple[VectorIndex, SyncStats]:
    items = make_items([f"v{i}" for i in range(len(table))])
    return sync_index(directory, items, TableEncoder(table), **limit)


def oracle(vectors: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    scores = queries @ vectors.T
    rows = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(scores, rows, axis=1), rows


def assert_true_top_k(
    vectors: np.ndarray, queries: np.ndarray, k: int, got: tuple[np.ndarray, np.ndarray]
) -> None:
    """The scores are the oracle's top-k scores, and each is the cosine of the row it names."""
    scores, rows = got
    want_scores, want_rows = oracle(vectors, queries, min(k, len(vectors)))
    assert scores.shape == rows.shape == want_rows.shape
    assert (rows >= 0).all() and all(len(set(r)) == len(r) for r in rows.tolist())
    np.testing.assert_allclose(scores, want_scores, atol=1e-5)
    true_scores = np.take_along_axis(queries @ vectors.T, rows, axis=1)
    np.testing.assert_allclose(true_scores, scores, atol=1e-5)


@pytest.mark.parametrize("k", [1, 5, 200, 250])
def test_exact_search_equals_numpy_oracle(tmp_path: Path, k: int) -> None:
    table, queries = unit_vectors(200, 32, seed=1), unit_vectors(25, 32, seed=2)
    index, _ = table_index(tmp_path, table)
    got = index.search(queries, k)
    assert index.exact and len(index) == 200 and index.dim == 32
    assert_true_top_k(table, queries, k, got)
    if k <= 5:  # no near-ties this high up: the order must match exactly
        np.testing.assert_array_equal(got[1], oracle(table, queries, k)[1])


def test_one_query_vector_and_empty_index(tmp_path: Path) -> None:
    table = unit_vectors(10, 16, seed=3)
    index, _ = table_index(tmp_path / "full", table)
    scores, rows = index.search(table[4], 3)
    assert rows.shape == (1, 3) and rows[0, 0] == 4 and scores[0, 0] == pytest.approx(1, abs=1e-5)
    empty, _ = sync_index(tmp_path / "empty", [], HashEncoder(dim=16))
    scores, rows = empty.search(table[:3], 5)
    assert len(empty) == 0 and scores.shape == rows.shape == (3, 0) and rows.dtype == np.int64
    assert sync_index(tmp_path / "empty", [], HashEncoder(dim=16))[1] == SyncStats(0, 0, None)


def test_hnsw_recall_and_reload(tmp_path: Path) -> None:
    table, queries = unit_vectors(2000, 128, seed=4), unit_vectors(200, 128, seed=5)
    index, _ = table_index(tmp_path, table, exact_limit=1000)
    scores, rows = index.search(queries, 10)
    hits = [len(set(a) & set(b)) for a, b in zip(rows, oracle(table, queries, 10)[1], strict=True)]
    assert not index.exact and sum(hits) / rows.size >= 0.95
    true_scores = np.take_along_axis(queries @ table.T, rows, axis=1)
    np.testing.assert_allclose(true_scores, scores, atol=1e-5)
    assert_true_top_k(table, queries[:2], 2100, index.search(queries[:2], 2100))
    reloaded, stats = table_index(tmp_path, table, exact_limit=1000)
    assert stats == SyncStats(0, 2000, None) and not reloaded.exact
    np.testing.assert_array_equal(reloaded.search(queries, 10)[1], rows)


def test_hnsw_with_duplicates_never_pads(tmp_path: Path) -> None:
    """Many identical vectors leave HNSW unable to reach every row; -1 must never leak out."""
    table = unit_vectors(2000, 16, seed=10)
    table[:1500] = table[0]
    index, _ = table_index(tmp_path, table, exact_limit=100)
    scores, rows = index.search(table[1500:1550], 2000)
    assert all(sorted(r) == list(range(2000)) for r in rows.tolist())
    assert (np.diff(scores, axis=1) <= 1e-6).all()
    true_scores = np.take_along_axis(table[1500:1550] @ table.T, rows, axis=1)
    np.testing.assert_allclose(true_scores, scores, atol=1e-5)


def test_second_sync_embeds_nothing(tmp_path: Path) -> None:
    first_encoder, second_encoder = HashEncoder(), HashEncoder()
    first, stats = sync_index(tmp_path, make_items(story(30)), first_encoder)
    assert stats == SyncStats(30, 0, "missing")
    assert (first_encoder.calls, first_encoder.encoded) == (1, 30)
    second, stats = sync_index(tmp_path, make_items(story(30)), second_encoder)
    assert stats == SyncStats(0, 30, None) and second_encoder.calls == 0
    np.testing.assert_array_equal(second.vectors, first.vectors)


def test_changing_one_text_reembeds_only_it(tmp_path: Path) -> None:
    texts = story(30)
    sync_index(tmp_path, make_items(texts), HashEncoder())
    texts[7] = "paragraph 7 now says the minister resigned"
    encoder = HashEncoder()
    index, stats = sync_index(tmp_path, make_items(texts), encoder)
    assert stats == SyncStats(1, 29, None) and (encoder.calls, encoder.encoded) == (1, 1)
    np.testing.assert_allclose(index.vectors, HashEncoder().encode(texts), atol=1e-6)


def test_adding_removing_and_reordering_keep_rows_aligned(tmp_path: Path) -> None:
    old = story(20)
    sync_index(tmp_path, make_items(old), HashEncoder())
    new = [*old[15:], "a new source opens", *old[2:9], "a new source opens", "another one closes"]
    encoder = HashEncoder()
    index, stats = sync_index(tmp_path, make_items(new), encoder)
    assert stats == SyncStats(2, 12, None) and (encoder.calls, encoder.encoded) == (1, 2)
    np.testing.assert_allclose(index.vectors, HashEncoder().encode(new), atol=1e-6)
    manifest = read_manifest(tmp_path)
    assert manifest is not None
    assert manifest["items"] == [[item.key, item.sha256] for item in make_items(new)]
    assert index.search(index.vectors[5], 1)[1][0, 0] == 5


@pytest.mark.parametrize(
    ("encoder", "reason"),
    [(HashEncoder(name="other"), "model changed"), (HashEncoder(dim=32), "dimension changed")],
)
def test_other_encoder_rebuilds(tmp_path: Path, encoder: HashEncoder, reason: str) -> None:
    sync_index(tmp_path, make_items(story(12)), HashEncoder())
    index, stats = sync_index(tmp_path, make_items(story(12)), encoder)
    assert stats.rebuilt is not None and stats.rebuilt.startswith(reason)
    assert (stats.embedded, stats.reused, index.dim) == (12, 0, encoder.dim)


def generation(directory: Path) -> Path:
    manifest = read_manifest(directory)
    assert manifest is not None
    return directory / manifest["generation"]


def flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x55
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:100])


def edit_manifest(directory: Path, change: Callable[[dict[str, Any]], object]) -> None:
    manifest = json.loads((directory / "manifest.json").read_text())
    change(manifest)
    (directory / "manifest.json").write_text(json.dumps(manifest))


CORRUPTIONS: dict[str, Callable[[Path], object]] = {
    "vector byte flipped": lambda d: flip_last_byte(generation(d) / "vectors.npy"),
    "vectors replaced": lambda d: np.save(generation(d) / "vectors.npy", unit_vectors(10, 64, 9)),
    "vectors deleted": lambda d: (generation(d) / "vectors.npy").unlink(),
    "faiss truncated": lambda d: truncate(generation(d) / "index.faiss"),
    "items edited": lambda d: flip_last_byte(generation(d) / "items.jsonl"),
    "manifest garbage": lambda d: (d / "manifest.json").write_bytes(b"\x00{not json"),
    "manifest a list": lambda d: (d / "manifest.json").write_text("[]"),
    "manifest count lies": lambda d: edit_manifest(d, lambda m: m.update(count=11)),
    "manifest field gone": lambda d: edit_manifest(d, lambda m: m.pop("files")),
    "manifest checksum": lambda d: edit_manifest(
        d, lambda m: m["files"]["vectors.npy"].update(sha256="0" * 64)
    ),
}


@pytest.mark.parametrize("corrupt", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_corrupt_store_is_rebuilt_never_served(
    tmp_path: Path, corrupt: Callable[[Path], object]
) -> None:
    texts = story(10)
    sync_index(tmp_path, make_items(texts), HashEncoder())
    corrupt(tmp_path)
    index, stats = sync_index(tmp_path, make_items(texts), HashEncoder())
    assert stats.rebuilt is not None and stats.rebuilt.startswith("corrupt"), stats.rebuilt
    assert (stats.embedded, stats.reused) == (10, 0)
    np.testing.assert_allclose(index.vectors, HashEncoder().encode(texts), atol=1e-6)
    assert sync_index(tmp_path, make_items(texts), HashEncoder())[1] == SyncStats(0, 10, None)


# A save fsyncs 3 files, the folder, the new manifest, then replaces it, then fsyncs the folder.
DEATHS = [*(("fsync", n, "old") for n in range(5)), ("replace", 0, "old"), ("fsync", 5, "new")]


@pytest.mark.parametrize(("call", "survives", "left"), DEATHS)
def test_save_dying_at_any_step_leaves_an_intact_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, call: str, survives: int, left: str
) -> None:
    texts = {"old": story(20), "new": story(20, "again")}
    sync_index(tmp_path, make_items(texts["old"]), HashEncoder())
    real, calls = getattr(os, call), []

    def dying(*args: Any) -> Any:
        calls.append(args)
        if len(calls) > survives:
            raise OSError("killed here")
        return real(*args)

    monkeypatch.setattr(os, call, dying)
    with pytest.raises(OSError, match="killed here"):
        sync_index(tmp_path, make_items(texts["new"]), HashEncoder())
    monkeypatch.undo()
    encoder = HashEncoder()
    index, stats = sync_index(tmp_path, make_items(texts[left]), encoder)
    assert stats == SyncStats(0, 20, None) and encoder.calls == 0
    np.testing.assert_allclose(index.vectors, HashEncoder().encode(texts[left]), atol=1e-6)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([".lock", "manifest.json", generation(tmp_path).name])


CHILD = """
import hashlib, sys
from pathlib import Path
from tests.fakes.encoder import HashEncoder
from embeddings.store.index import IndexItem, sync_index
print("ready", flush=True)
for version in range(1, 10**6):
    texts = [f"text {i} of version {version % 3}" for i in range(300)]
    hashes = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
    items = [IndexItem(f"k{i}", h, t) for i, (h, t) in enumerate(zip(hashes, texts))]
    sync_index(Path(sys.argv[1]), items, HashEncoder())
"""


def test_killed_process_leaves_a_readable_index(tmp_path: Path) -> None:
    """SIGKILL lands at random moments of a sync loop (~10 ms a sync); the disk stays whole."""
    texts = [f"text {i} of version 0" for i in range(300)]
    sync_index(tmp_path, make_items(texts), HashEncoder())
    for _ in range(3):
        command = [sys.executable, "-c", CHILD, str(tmp_path)]
        with subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE) as child:
            assert child.stdout is not None and child.stdout.readline() == b"ready\n"
            time.sleep(random.uniform(0.2, 0.8))
            child.kill()
        index, stats = sync_index(tmp_path, make_items(texts), HashEncoder())
        assert stats.rebuilt is None and stats.embedded in (0, 300)
        np.testing.assert_allclose(index.vectors, HashEncoder().encode(texts), atol=1e-6)


def test_extra_round_trips_and_updates_without_embedding(tmp_path: Path) -> None:
    extra = {"sources": {"000_bbc.md": "ab12"}, "count": 3, "tags": ["x", None], "ok": True}
    sync_index(tmp_path, make_items(story(5)), HashEncoder(), extra=extra)
    assert (read_manifest(tmp_path) or {})["extra"] == extra
    _, stats = sync_index(tmp_path, make_items(story(5)), HashEncoder(), extra={"count": 4})
    assert stats == SyncStats(0, 5, None) and (read_manifest(tmp_path) or {})["extra"] == {
        "count": 4
    }
    assert read_manifest(tmp_path / "absent") is None
    (tmp_path / "manifest.json").write_text("{")
    assert read_manifest(tmp_path) is None


def test_debris_is_removed_and_directory_created(tmp_path: Path) -> None:
    directory = tmp_path / "deep" / "index"
    sync_index(directory, make_items(story(5)), HashEncoder())
    (directory / f"gen-{'ab' * 16}").mkdir()
    (directory / f"gen-{'ab' * 16}" / "vectors.npy").write_bytes(b"half")
    (directory / "manifest.json.1234.tmp").write_text("{")
    (directory / "notes.txt").write_text("not ours")
    sync_index(directory, make_items(story(6)), HashEncoder())
    names = sorted(p.name for p in directory.iterdir())
    assert names == sorted([".lock", "manifest.json", "notes.txt", generation(directory).name])


def test_exact_limit_switches_kind_without_embedding(tmp_path: Path) -> None:
    table = unit_vectors(300, 16, seed=6)
    assert table_index(tmp_path, table)[0].exact
    index, stats = table_index(tmp_path, table, exact_limit=100)
    assert not index.exact and stats == SyncStats(0, 300, None)
    assert table_index(tmp_path, table)[0].exact


def test_vectors_are_read_only(tmp_path: Path) -> None:
    index, _ = sync_index(tmp_path, make_items(story(3)), HashEncoder())
    with pytest.raises(ValueError, match="read-only"):
        index.vectors[0, 0] = 2.0
    with pytest.raises(ValueError):
        index.vectors.flags.writeable = True


def test_concurrent_searches_agree(tmp_path: Path) -> None:
    table, queries = unit_vectors(3000, 64, seed=7), unit_vectors(64, 64, seed=8)
    index, _ = table_index(tmp_path, table)
    expected = [index.search(q, 5)[1].tolist() for q in queries]
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda q: index.search(q, 5)[1].tolist(), [*queries] * 4))
    assert got == expected * 4


def test_bad_input_is_refused(tmp_path: Path) -> None:
    items = make_items(story(3))
    with pytest.raises(ValueError, match="unique"):
        sync_index(tmp_path, [*items, items[0]], HashEncoder())
    with pytest.raises(TypeError):
        sync_index(tmp_path, items, HashEncoder(), extra={"when": object()})
    index, _ = sync_index(tmp_path, items, HashEncoder(dim=8))
    with pytest.raises(ValueError, match="shape"):
        index.search(np.ones((1, 9), np.float32), 1)
    with pytest.raises(ValueError, match="finite"):
        index.search(np.full((1, 8), np.nan, np.float32), 1)


def test_import_does_not_load_faiss() -> None:
    code = "import sys, embeddings.store.index; sys.exit('faiss' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0
