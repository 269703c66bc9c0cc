"""A stand-in for the multilingual encoder: HashEncoder with e5's two sides."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tests.fakes.encoder import HashEncoder


class HashQueryEncoder(HashEncoder):
    """Questions and passages hash alike, so a question shares vectors with the passages that
    use its words, in whatever script; `queries` records what was embedded as a question."""

    def __init__(self, dim: int = 128) -> None:
        super().__init__(dim=dim, name="hash-multilingual")
        self.queries: list[str] = []

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.queries.extend(texts)
        return self.encode(texts)
