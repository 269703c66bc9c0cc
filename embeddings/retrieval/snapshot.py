"""The frozen snapshot a search reads (`Corpus`) and a ranked candidate (`Scored`).

Both the searcher and the excerpt maker read these; neither imports the other for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from embeddings.models import Passage, SourceInfo
from embeddings.retrieval.coverage import TermMatcher
from embeddings.retrieval.lexicon import Lexicon
from embeddings.store.vectors import VectorIndex


@dataclass(frozen=True, slots=True)
class Scored:
    row: int
    score: float
    confidence: float


@dataclass(slots=True)
class Corpus:
    """Everything a Searcher reads; built by the library, never changed afterwards."""

    passages: Sequence[Passage]
    sources: Mapping[str, SourceInfo]
    passage_index: VectorIndex
    sentences: Sequence[str]
    sentence_owner: np.ndarray
    """For each sentence row, the passage row it belongs to."""
    sentence_index: VectorIndex
    lexicon: Lexicon
    terms: TermMatcher
    duplicates: Sequence[tuple[int, ...]]
    """For each passage row, the rows of other sources' passages that say nearly the same."""
    fluent: Mapping[str, bool] = field(default_factory=dict)
    """Per source id: does it read as ordinary English (False for machine-garbled copies)."""
    passage_sentences: list[np.ndarray] = field(default_factory=list)
