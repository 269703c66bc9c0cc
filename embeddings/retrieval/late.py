"""Late interaction: how well a passage's tokens cover the question's, token by token.

MiniLM's pooled vector is one average per text, so a passage is close to a question when their
topics are, even if the passage never says what was asked. Comparing the token states instead
(ColBERT's MaxSim: for each question token, its best cosine to any passage token, averaged)
rewards a passage that has a counterpart for each part of the question, in context. The
question's token states come from the forward pass that embeds it, so it costs no encode; the
passages' are stored at build time (`embeddings/store/tokens.py`).

Measured as a re-ranking of the best 16 candidates, weight `Weights.late` (docs/RETRIEVAL.md,
"Late interaction").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

RERANK = 16
"""How many of the best candidates late interaction re-ranks: where the right passage sits when
it is not first (rank 2-16 holds most of those misses on the tuning sets), and a bound on the
cost whatever the corpus's size."""


def maxsim(question: np.ndarray, passages: Sequence[np.ndarray]) -> np.ndarray:
    """For each passage, the mean over ``question``'s token vectors of the best cosine to any of
    the passage's token vectors (all unit rows)."""
    out = np.zeros(len(passages))
    lengths = np.fromiter((len(p) for p in passages), dtype=np.int64, count=len(passages))
    some = np.flatnonzero(lengths)  # a passage without tokens scores 0
    if not some.size or not len(question):
        return out
    # No copies beyond the one concatenate makes: the states are float32 already unless mapped
    # from a large store as float16, and copying 16 passages' states again cost a quarter of
    # MaxSim's time right after an encode (0.42 to 0.30 ms).
    flat = np.concatenate([passages[int(i)] for i in some]).astype(np.float32, copy=False)
    sims = question.astype(np.float32, copy=False) @ flat.T
    starts = np.concatenate(([0], np.cumsum(lengths[some])[:-1]))
    out[some] = np.maximum.reduceat(sims, starts, axis=1).mean(axis=0)
    return out
