"""An encoder that reports how far a long encode has gone, whatever the backend underneath."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from embeddings.encoders.base import Encoder, Wrapped

Progress = Callable[[str, int, int], None]
"""Called as (what, done, total) after each chunk: what is "passages", "sentences"..."""

CHUNK = 256
"""Texts per progress step: small enough to tick every second or two on a CPU, large enough
that the backend still batches well (sentence-transformers uses batches of 32)."""


class ProgressEncoder(Wrapped):
    """Wraps an encoder; `encode` runs in chunks of `CHUNK` texts and reports after each.

    The vectors are the same as the wrapped encoder's: encoding is per text, so chunking
    changes nothing but when the progress callback runs.
    """

    def __init__(self, encoder: Encoder, what: str, progress: Progress) -> None:
        super().__init__(encoder)
        self._what = what
        self._progress = progress

    def __getattr__(self, name: str) -> Any:
        return getattr(self._encoder, name)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        total = len(texts)
        parts = []
        self._progress(self._what, 0, total)
        for start in range(0, total, CHUNK):
            parts.append(np.asarray(self._encoder.encode(texts[start : start + CHUNK])))
            self._progress(self._what, min(start + CHUNK, total), total)
        if not parts:
            return np.asarray(self._encoder.encode(texts))
        return np.concatenate(parts, axis=0)
