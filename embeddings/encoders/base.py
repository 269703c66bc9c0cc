"""The encoder seam: anything that turns texts into unit vectors, and the optional abilities
some encoders add (loading in the background, knowing real words).

Vectors are L2-normalised float32, so an inner product between two of them is their cosine.
The abilities are declared as protocols of their own, so a caller asks `isinstance(encoder,
WarmsUp)` of a typed contract instead of probing for an attribute by name.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np


class Encoder(Protocol):
    """Anything that turns texts into normalised vectors."""

    @property
    def name(self) -> str:
        """Identifies the model; an index built with another name is not reused."""
        ...

    @property
    def dim(self) -> int: ...

    @property
    def max_tokens(self) -> int:
        """The model's window; longer input is truncated by the model."""
        ...

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Returns an ``(len(texts), dim)`` float32 array of unit vectors."""
        ...

    def count_tokens(self, text: str) -> int: ...


@runtime_checkable
class QueryEncoder(Encoder, Protocol):
    """An encoder that embeds questions differently from passages (e5's "query: " prefix).

    `encode` embeds passages (what the index stores); `encode_queries` embeds questions.
    """

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Returns an ``(len(texts), dim)`` float32 array of unit question vectors."""
        ...


@runtime_checkable
class WarmsUp(Protocol):
    """An encoder that can load its model in a background thread while other work goes on."""

    def warm_up(self) -> threading.Thread:
        """Starts loading; the thread ends when the encoder is ready."""
        ...


@runtime_checkable
class KnowsWords(Protocol):
    """An encoder whose tokenizer knows whole words: real words that typo correction keeps."""

    @property
    def dictionary(self) -> frozenset[str]: ...


@runtime_checkable
class ReadsTokens(Protocol):
    """An encoder that can also give each text's token states from the same forward pass: the
    contextual vector of every token, for late interaction (`retrieval/late.py`)."""

    def encode_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """The texts' vectors as `encode` gives them, and per text a ``(tokens, dim)`` float32
        array of unit token vectors (special tokens included, padding not)."""
        ...


class Wrapped:
    """An encoder around another: the same model, window and tokenizer. Subclasses change how
    texts are encoded (`AsQueries`, `progress.ProgressEncoder`)."""

    def __init__(self, encoder: Encoder) -> None:
        self._encoder = encoder

    @property
    def name(self) -> str:
        return self._encoder.name

    @property
    def dim(self) -> int:
        return self._encoder.dim

    @property
    def max_tokens(self) -> int:
        return self._encoder.max_tokens

    def count_tokens(self, text: str) -> int:
        return self._encoder.count_tokens(text)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self._encoder.encode(texts)


class AsQueries(Wrapped):
    """A `QueryEncoder` seen as a plain `Encoder` that embeds every text as a question, so
    question vectors (`retrieval/everyday.py`) are stored and kept like passages' vectors."""

    def __init__(self, encoder: QueryEncoder) -> None:
        super().__init__(encoder)
        self._queries = encoder

    @property
    def name(self) -> str:
        return f"{self._queries.name} (queries)"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self._queries.encode_queries(texts)
