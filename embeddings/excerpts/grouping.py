"""At build time: which passages of different sources say nearly the same thing."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from embeddings.text import words

DUPLICATE_COSINE = 0.88
"""Passages from different outlets this close report the same thing (garbled copies of one quote
measure 0.90-0.92 on the seeds; different reports of one event 0.80-0.88)."""
SHARED_RUN = 12
"""Passages sharing this many consecutive words carry the same quote, whatever surrounds it."""


def duplicate_groups(
    vectors: np.ndarray, source_ids: Sequence[str], texts: Sequence[str]
) -> list[tuple[int, ...]]:
    """For each passage, the passages of *other* sources that say nearly the same thing."""
    n = len(vectors)
    groups: list[set[int]] = [set() for _ in range(n)]
    step = 1024
    # Cosine is symmetric, so each block is compared with itself and the rows after it only
    # (half the products of the full matrix), and the pairs above the cut-off are found at once.
    for start in range(0, n, step):
        block = vectors[start : start + step] @ vectors[start:].T
        for i, j in zip(*np.nonzero(block >= DUPLICATE_COSINE), strict=True):
            a, b = int(i) + start, int(j) + start
            groups[a].add(b)
            groups[b].add(a)
    for i, j in _shared_runs(texts):
        groups[i].add(j)
        groups[j].add(i)
    return [
        tuple(sorted(j for j in g if source_ids[j] != source_ids[i])) for i, g in enumerate(groups)
    ]


def _shared_runs(texts: Sequence[str]) -> set[tuple[int, int]]:
    """Pairs of passages that share a run of ``SHARED_RUN`` consecutive words."""
    seen: dict[tuple[str, ...], int] = {}
    pairs: set[tuple[int, int]] = set()
    for i, text in enumerate(texts):
        tokens = words(text)
        for k in range(len(tokens) - SHARED_RUN + 1):
            run = tuple(tokens[k : k + SHARED_RUN])
            first = seen.setdefault(run, i)
            if first != i:
                pairs.add((first, i))
    return pairs
