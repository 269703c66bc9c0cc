"""At build time: which passages of different sources say nearly the same thing."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from embeddings.store.vectors import VectorIndex
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


SAME_STATEMENT_E5 = 0.93
"""A spun copy's sentence and a fluent one at least this close by e5 state the same thing.

Chosen on the only spun copy among the seeds (002): each of its 19 sentences against its
nearest fluent sentence, judged by reading. The nine that restate a fluent sentence measure
0.90-0.97, the ten that say something else 0.78-0.92; at 0.93 seven restatements pass and
nothing else (docs/RETRIEVAL.md, "Garbled copy")."""
SAME_STATEMENT_MINILM = 0.85
"""The same without e5 (ENCODERS=minilm): MiniLM puts restatements at 0.56-0.90 and other
statements up to 0.71, so only the closest three restatements pass."""
_NEIGHBOURS = 8
"""Nearest sentences looked at per spun sentence: its own copies in the spun source come first,
so a few more than one are needed to reach the nearest fluent one."""


def fluent_twins(
    index: VectorIndex, owners: np.ndarray, fluent_rows: np.ndarray, threshold: float
) -> dict[int, int]:
    """For each sentence of a machine-rewritten source, the fluent sentence that states the
    same thing, when one is at least ``threshold`` close (sentence rows, from ``index``).

    ``owners`` maps sentence rows to passage rows; ``fluent_rows`` says per passage row whether
    its source reads as ordinary English. A nearest-neighbour search per garbled sentence, so
    the cost follows the garbled copy's length, not the corpus's.
    """
    fluent_sentence = fluent_rows[owners]
    garbled = np.flatnonzero(~fluent_sentence)
    if not garbled.size or not fluent_sentence.any():
        return {}
    sims, rows = index.search(index.vectors[garbled], _NEIGHBOURS)
    twins: dict[int, int] = {}
    for g, row_sims, row_ids in zip(garbled, sims, rows, strict=True):
        for s, r in zip(row_sims, row_ids, strict=True):
            if fluent_sentence[r]:
                if s >= threshold:
                    twins[int(g)] = int(r)
                break
    return twins
