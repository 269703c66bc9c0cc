"""A deterministic stand-in for the model at the encoder seam: no model, no randomness."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from itertools import pairwise

import numpy as np

_WORD = re.compile(r"\w+")


class HashEncoder:
    """A deterministic bag-of-words encoder for tests and synthetic benchmarks.

    Each lower-cased word (and word bigram) hashes to a few signed dimensions, so texts that share
    words are close and the same text always gets the same vector. No model, no randomness.
    """

    def __init__(self, dim: int = 64, *, name: str = "hash-encoder", max_tokens: int = 256) -> None:
        self._dim = dim
        self._name = name
        self._max_tokens = max_tokens
        self.calls = 0
        self.encoded = 0

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def max_tokens(self) -> int:
        return self._max_tokens

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        self.encoded += len(texts)
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = _WORD.findall(text.lower())
            for feature in (*words, *(f"{a} {b}" for a, b in pairwise(words))):
                digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
                for i in range(2):
                    bucket = int.from_bytes(digest[i * 3 : i * 3 + 3], "little") % self._dim
                    out[row, bucket] += 1.0 if digest[6 + i] & 1 else -1.0
            norm = float(np.linalg.norm(out[row]))
            if norm == 0.0:
                out[row, 0] = 1.0
            else:
                out[row] /= norm
        return out

    def count_tokens(self, text: str) -> int:
        return len(_WORD.findall(text))


class TokenHashEncoder(HashEncoder):
    """`HashEncoder` that also gives token states (`ReadsTokens`): each word's own hash vector,
    so late interaction rewards passages that use the question's words."""

    def __init__(self, dim: int = 64, *, name: str = "token-hash-encoder") -> None:
        super().__init__(dim, name=name)
        self.token_texts = 0

    def encode_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        self.token_texts += len(texts)
        states = [HashEncoder.encode(self, _WORD.findall(t.lower()) or [t]).copy() for t in texts]
        return self.encode(texts), states
