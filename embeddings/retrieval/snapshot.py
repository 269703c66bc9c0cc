"""The frozen snapshot a search reads (`Corpus`) and a ranked candidate (`Scored`).

Both the searcher and the excerpt maker read these; neither imports the other for them. Every
field is computed once when the library is built; a search only reads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from embeddings.models import Passage, SourceInfo
from embeddings.retrieval.acronyms import with_acronyms
from embeddings.retrieval.answer_types import AnswerType, supplies
from embeddings.retrieval.coverage import TermMatcher
from embeddings.retrieval.lexicon import Lexicon
from embeddings.store.vectors import VectorIndex


@dataclass(frozen=True, slots=True)
class Scored:
    row: int
    score: float
    confidence: float


@dataclass(frozen=True, slots=True, eq=False)
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
    passage_sentences: Sequence[np.ndarray]
    """For each passage row, the (ascending) rows of its sentences."""
    supplied: Mapping[AnswerType, np.ndarray]
    """Per answer type, which passage rows can supply one (a date, a number…)."""
    fluent: Mapping[str, bool] = field(default_factory=dict)
    """Per source id: does it read as ordinary English (False for machine-garbled copies)."""
    fluent_twins: Mapping[int, int] = field(default_factory=dict)
    """For sentence rows of a machine-rewritten source, the fluent sentence that states the same
    thing (`embeddings/excerpts/grouping.py: fluent_twins`), when there is one."""
    acronyms: Mapping[str, str] = field(default_factory=dict)
    """Acronyms the sources spell out ("PTA" → "Pakistan Telecommunications Authority"),
    `embeddings/retrieval/acronyms.py`."""
    speakers: frozenset[str] = frozenset()
    """Names the sources put beside a verb of saying ("beard", "openmedia"),
    `embeddings/retrieval/speech.py`."""
    passage_tokens: Sequence[np.ndarray] | None = None
    """Per passage row, its MiniLM token states (unit rows: float32 in memory, or float16 mapped
    from disk for a large store) for late interaction, when the encoder gives them
    (`embeddings/store/tokens.py`)."""
    e5_passage_index: VectorIndex | None = None
    """The multilingual encoder's passage vectors (same rows), when it is configured."""
    e5_sentence_index: VectorIndex | None = None
    """Its sentence vectors (same rows as `sentences`)."""
    e5_everyday: np.ndarray | None = None
    """Its question vectors of `retrieval/everyday.py: EVERYDAY`, stored with the index."""

    def speaker_before(self, row: int) -> int:
        """For a passage that names no one and gives its quote to a pronoun ("…,” she said."),
        the row of the paragraph just before it in the same source when that one names someone
        (who "she" is); -1 otherwise."""
        person = self.supplied[AnswerType.PERSON]
        if row < 1 or person[row] or not _PRONOUN_SAYS.search(self.passages[row].text):
            return -1
        same = self.passages[row - 1].source_id == self.passages[row].source_id
        return row - 1 if same and person[row - 1] else -1

    def spelled_out(self, question: str) -> str:
        """The question with the acronyms the sources spell out but never use spelled out
        beside them (`retrieval/acronyms.py`)."""
        return with_acronyms(question, self.acronyms, self.lexicon.idf, self.lexicon.is_word)


_PRONOUN_SAYS = re.compile(
    r"\b(?:he|she|they) (?:said|says|added|adds|told|explained|stated|wrote|noted|argued|warned)\b"
)


def group_rows(owners: np.ndarray, n: int) -> list[np.ndarray]:
    """For each of ``n`` owners, the (ascending) rows of ``owners`` that belong to it."""
    order = np.argsort(owners, kind="stable")
    bounds = np.searchsorted(owners[order], np.arange(n + 1))
    return [order[bounds[i] : bounds[i + 1]] for i in range(n)]


def supplied_types(
    passages: Sequence[Passage], names: frozenset[str] | None = None
) -> dict[AnswerType, np.ndarray]:
    """Per answer type, a boolean per passage: does its text contain one (a regex each; a
    person's name must hold one of ``names``, the words the sources always capitalise)."""
    return {
        kind: np.fromiter(
            (supplies(p.text, kind, names) for p in passages), dtype=bool, count=len(passages)
        )
        for kind in AnswerType
    }
