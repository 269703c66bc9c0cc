"""Soft term coverage: does a passage mention what the question is about, in any words?

Each question term counts as covered by a passage when the passage uses the word (or a form of
it), or a word or two-word phrase whose embedding is close ("firms" ~ "companies",
"police" ~ "law enforcement"). Terms weigh by IDF, so "employees" matters more than "BlackBerry".
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from itertools import pairwise

import numpy as np

from embeddings.retrieval.lexicon import NAME_PREFIX, content_terms, stem

SOFT_LOW = 0.55
"""Below this cosine two terms are unrelated ("employees"/"companies" is 0.58)."""
SOFT_HIGH = 0.80
"""From this cosine up two terms are synonyms ("firms"/"companies" is 0.87)."""
MAX_BIGRAM_PASSAGES = 5_000
"""Above this many passages only single words are embedded (bigrams would dominate the build)."""


def passage_terms(text: str, *, bigrams: bool) -> list[str]:
    """The single words and (optionally) adjacent content-word pairs of a passage."""
    words = content_terms(text)
    out = list(dict.fromkeys(words))
    if bigrams:
        out.extend(dict.fromkeys(f"{a} {b}" for a, b in pairwise(words)))
    return out


class TermMatcher:
    """Vectors for the corpus's words and phrases, and which passage uses which."""

    def __init__(
        self,
        terms: Sequence[str],
        vectors: np.ndarray,
        passage_term_rows: Sequence[np.ndarray],
        passage_stems: Sequence[frozenset[str]],
    ) -> None:
        self._row = {t: i for i, t in enumerate(terms)}
        # Prefixes as integers: comparing an int array is ~10x cheaper than an object array.
        self._prefix_ids: dict[str, int] = {}
        self._prefix = np.fromiter(
            (self._prefix_ids.setdefault(t[:NAME_PREFIX], len(self._prefix_ids)) for t in terms),
            dtype=np.int64,
            count=len(terms),
        )
        self._vectors = vectors
        self._passage_rows = passage_term_rows
        self._stems = passage_stems
        using: dict[str, list[int]] = {}
        for row, stems in enumerate(passage_stems):
            for s in stems:
                using.setdefault(s, []).append(row)
        self._stem_rows = {s: np.array(rows, dtype=np.int64) for s, rows in using.items()}
        """Per stem, the (ascending) passage rows that use it: a question's few terms look up
        their rows instead of testing every candidate's stems."""

    @classmethod
    def collect(cls, texts: Sequence[str]) -> tuple[list[str], list[list[str]]]:
        """The distinct terms to embed for these passages, and each passage's terms."""
        bigrams = len(texts) <= MAX_BIGRAM_PASSAGES
        per_passage = [passage_terms(t, bigrams=bigrams) for t in texts]
        return list(dict.fromkeys(t for terms in per_passage for t in terms)), per_passage

    @classmethod
    def build(
        cls, terms: Sequence[str], vectors: np.ndarray, per_passage: Sequence[Sequence[str]]
    ) -> TermMatcher:
        row = {t: i for i, t in enumerate(terms)}
        rows = [np.fromiter((row[t] for t in p), dtype=np.int64, count=len(p)) for p in per_passage]
        stems = [frozenset(stem(t) for t in p if " " not in t) for p in per_passage]
        return cls(terms, vectors, rows, stems)

    def knows(self, term: str) -> bool:
        return term in self._row

    def vector(self, term: str, extra: Mapping[str, np.ndarray]) -> np.ndarray | None:
        row = self._row.get(term)
        return self._vectors[row] if row is not None else extra.get(term)

    def matches(
        self,
        terms: Sequence[str],
        rows: np.ndarray,
        extra: Mapping[str, np.ndarray],
        names: Collection[str] = frozenset(),
    ) -> np.ndarray:
        """How well each passage in ``rows`` covers each term: a (rows, terms) array in [0, 1].

        1 when the passage uses the word (or a form of it); otherwise a linear ramp on the best
        cosine between the term and the passage's words and word pairs, 0 below ``SOFT_LOW``.
        A term in ``names`` is only matched by words that start like it ("india" by "indian"):
        another name is close in meaning but a different thing ("india" ~ "pakistan", 0.74).
        """
        matched = np.zeros((len(rows), len(terms)), dtype=np.float32)
        if not len(rows) or not terms:
            return matched
        self._mark_used(matched, terms, rows)
        found = [(j, v) for j, t in enumerate(terms) if (v := self.vector(t, extra)) is not None]
        if found and len(self._vectors):
            self._mark_close(matched, terms, rows, found, names)
        return matched

    def _mark_used(self, matched: np.ndarray, terms: Sequence[str], rows: np.ndarray) -> None:
        """1 where the passage uses the term, or a form of it (the same stem)."""
        for j, term in enumerate(terms):
            using = self._stem_rows.get(stem(term))
            if using is not None:
                at = np.minimum(np.searchsorted(using, rows), len(using) - 1)
                matched[using[at] == rows, j] = 1.0

    def _mark_close(
        self,
        matched: np.ndarray,
        terms: Sequence[str],
        rows: np.ndarray,
        found: list[tuple[int, np.ndarray]],
        names: Collection[str],
    ) -> None:
        """Where not 1 already, the ramp on the best cosine between each term with a vector
        (``found``: its column and vector) and the passage's own words and word pairs."""
        columns = np.array([j for j, _ in found], dtype=np.int64)
        segments = [self._passage_rows[int(r)] for r in rows]
        lengths = np.fromiter((len(s) for s in segments), dtype=np.int64, count=len(segments))
        has = np.flatnonzero(lengths)
        if not has.size:
            return
        # One product over the candidates' own term rows (or over every term, when that is
        # fewer rows), then the best per passage by segment instead of a Python loop.
        flat = np.concatenate([segments[i] for i in has])
        asked = np.stack([v for _, v in found]).T
        if len(flat) < len(self._vectors):
            sims = self._vectors[flat] @ asked
        else:
            sims = (self._vectors @ asked)[flat]
        for col, (j, _) in enumerate(found):
            if terms[j] in names:
                prefix = self._prefix_ids.get(terms[j][:NAME_PREFIX], -1)
                sims[self._prefix[flat] != prefix, col] = -1.0
        starts = np.concatenate(([0], np.cumsum(lengths[has])[:-1]))
        best = np.maximum.reduceat(sims, starts)
        ramp = np.clip((best.astype(np.float64) - SOFT_LOW) / (SOFT_HIGH - SOFT_LOW), 0.0, 1.0)
        block = matched[np.ix_(has, columns)]
        soft = block != 1.0
        block[soft] = ramp[soft]
        matched[np.ix_(has, columns)] = block


def coverage(matched: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted share of the terms each row covers; zeros when there are no terms."""
    total = float(weights.sum())
    if not matched.size or total <= 0:
        return np.zeros(matched.shape[0], dtype=np.float32)
    return (matched @ weights) / total
