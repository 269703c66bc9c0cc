"""Unit vectors in memory and the FAISS index that searches them (flat, or HNSW when large).

Storing them on disk, incrementally and atomically, is `embeddings.store.index`'s job.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# HNSW M=32, efC=128, efSearch=256: recall@10 0.99 vs exact on 100k embedding-like 384-d vectors.
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 128, 256


class VectorIndex:
    """Unit vectors for items; row i belongs to items[i]. Immutable; threads may share it.

    The vectors are L2-normalised, so FAISS's inner product is their cosine similarity.
    """

    __slots__ = ("_exact", "_index", "_vectors")

    def __init__(self, vectors: np.ndarray, index: Any, *, exact: bool) -> None:
        vectors.flags.writeable = False
        self._vectors = vectors
        self._index = index
        self._exact = exact

    @classmethod
    def empty(cls, dim: int) -> VectorIndex:
        """An index of no rows, in memory only."""
        vectors = np.zeros((0, dim), dtype=np.float32)
        return cls(vectors, build_faiss(vectors, "exact"), exact=True)

    def __len__(self) -> int:
        return int(self._vectors.shape[0])

    @property
    def dim(self) -> int:
        return int(self._vectors.shape[1])

    @property
    def exact(self) -> bool:
        """False when an approximate (HNSW) index answers searches."""
        return self._exact

    @property
    def vectors(self) -> np.ndarray:
        """The ``(len, dim)`` float32 unit vectors, as a read-only view."""
        return self._vectors.view()

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Finds the rows most similar to each query.

        Args:
            queries: ``(n_queries, dim)`` unit vectors; a ``(dim,)`` vector is one query.
            k: How many rows to return per query; capped at ``len(self)``.

        Returns:
            ``(scores, rows)``, each ``(n_queries, min(k, len(self)))``, best first: cosine
            similarities (float32) and row numbers (int64), never FAISS's ``-1`` padding.

        Raises:
            ValueError: If the queries have the wrong dimension or are not finite.
        """
        q = np.ascontiguousarray(queries, dtype=np.float32)
        if q.ndim == 1:
            q = q.reshape(1, -1)
        if q.ndim != 2 or q.shape[1] != self.dim:
            raise ValueError(f"queries must have shape (n, {self.dim}), not {q.shape}")
        k = max(0, min(k, len(self)))
        if k == 0:
            return np.zeros((len(q), 0), np.float32), np.zeros((len(q), 0), np.int64)
        if not np.isfinite(q).all():
            raise ValueError("queries must be finite")
        scores, rows = self._faiss_search(q, k)
        short = np.flatnonzero((rows < 0).any(axis=1))
        if short.size:  # HNSW can find fewer than k rows; answer those queries exactly
            scores[short], rows[short] = _brute_force(self._vectors, q[short], k)
        return scores, rows

    def _faiss_search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        import faiss

        params = None
        if not self._exact and k > HNSW_EF_SEARCH:
            params = faiss.SearchParametersHNSW(efSearch=k)  # type: ignore[attr-defined]
        if len(q) > 1:
            return self._index.search(q, k, params=params)
        # One query gains nothing from OpenMP threads and loses to their wake-up (measured
        # 2-2.4x slower at 10k rows); the setting is per calling thread, so restore it.
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            return self._index.search(q, k, params=params)
        finally:
            faiss.omp_set_num_threads(threads)


def build_faiss(vectors: np.ndarray, kind: str) -> Any:
    import faiss

    index: Any = faiss.IndexFlatIP(vectors.shape[1])
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH  # set before the index is shared, never by search
    if len(vectors):
        index.add(vectors)
    return index


def _brute_force(vectors: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    scores = queries @ vectors.T
    rows = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(scores, rows, axis=1), rows.astype(np.int64)
