"""The candidate passages of a question, and the per-candidate numbers the searcher fuses.

Each function reads one frozen `Corpus` (or plain arrays) and returns an array with one entry
per candidate row: where the candidates come from (`candidates_in`), their best sentence
(`best_sentences`), whether they spell out an acronym asked about (`defines`), whether they can
supply the kind of answer asked for (`supplies`, `strict_type_gate`), their late-interaction
score (`late_interaction`), and one number for the question itself (`focus_known`). The
features they become are listed in `retrieval/features.py`; `retrieval/searcher.py` weighs them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from embeddings.retrieval.answer_types import STRICT, AnswerType, counted_words, counts
from embeddings.retrieval.features import Weights, minmax
from embeddings.retrieval.late import RERANK, maxsim
from embeddings.retrieval.lexicon import content_terms, stem
from embeddings.retrieval.snapshot import Corpus
from embeddings.store.vectors import VectorIndex

_ACRONYM = re.compile(r"\b[A-Z]{2,6}\b")
_STANDS_FOR = re.compile(r"\bwhat (?:does|do|is) (?:the )?([a-z]{2,6})\s+(?:stand for|mean)", re.I)
COUNTED_MATCH = 0.8
"""How well a passage must cover the thing a "how many …" question counts."""


def candidates_in(
    corpus: Corpus, passages: VectorIndex, sentences: VectorIndex, vectors: np.ndarray, n: int
) -> np.ndarray:
    """Passage rows near the question, from a passage index and its sentence index: the ``n``
    nearest passages and the owners of the ``2 n`` nearest sentences, for each vector."""
    found = [_nearest(passages, v, n) for v in vectors]
    found += [corpus.sentence_owner[_nearest(sentences, v, n * 2)] for v in vectors]
    return np.unique(np.concatenate(found)).astype(np.int64)


def _nearest(index: VectorIndex, vector: np.ndarray, n: int) -> np.ndarray:
    """Rows of the ``n`` items nearest to ``vector``, in no particular order: every row, without
    a search, when there are no more than ``n`` (a small library's sentences)."""
    if n >= len(index):
        return np.arange(len(index))
    # One query per search: a single query runs on one thread, which beats waking FAISS's
    # OpenMP team for a few hundred rows (and does not fight the encoder's threads).
    return index.search(vector[None, :], n)[1].ravel()


def best_sentences(
    rows: np.ndarray, vectors: np.ndarray, owned: Sequence[np.ndarray], table: np.ndarray
) -> np.ndarray:
    """For each passage row, its best sentence's similarity to any of the question vectors
    (float64, 0 when it has no sentence); ``owned`` holds each passage's sentence rows
    (`Corpus.passage_sentences`), ``table`` the sentence vectors of one encoder."""
    own = [owned[int(r)] for r in rows]
    lengths = np.fromiter((len(o) for o in own), dtype=np.int64, count=len(own))
    best = np.zeros(len(rows), dtype=np.float64)
    has = np.flatnonzero(lengths)
    if not has.size:
        return best
    flat = np.concatenate([own[i] for i in has])
    sims = (table[flat] @ vectors.T).max(axis=1)
    best[has] = np.maximum.reduceat(sims, np.concatenate(([0], np.cumsum(lengths[has])[:-1])))
    return best


def defines(corpus: Corpus, question: str, rows: np.ndarray) -> np.ndarray:
    """1 for passages that expand an acronym the question names ("What is BES?")."""
    acronyms = set(_ACRONYM.findall(question))
    if asked := _STANDS_FOR.search(question):
        acronyms.add(asked[1])
    if not acronyms:
        return np.zeros(len(rows), dtype=np.float32)
    patterns = [
        (
            f"({a})".casefold(),
            re.compile(rf"[A-Z][\w-]*(?: [A-Z][\w-]*)+ \({re.escape(a)}\)", re.I),
        )
        for a in acronyms
    ]
    # The pattern backtracks over every run of words (~0.3 ms a passage); most passages lack
    # the literal "(BES)" it ends with, and a substring test rules them out first.
    texts = [corpus.passages[int(r)].text for r in rows]
    return np.array(
        [any(n in t.casefold() and p.search(t) for n, p in patterns) for t in texts],
        dtype=np.float32,
    )


def supplies(
    corpus: Corpus,
    kind: AnswerType | None,
    question: str,
    rows: np.ndarray,
    terms: list[str],
    matched: np.ndarray,
) -> np.ndarray:
    """Which passages can give the kind of answer asked for (all of them for no kind)."""
    if kind is None:
        return np.ones(len(rows), dtype=bool)
    ok = corpus.supplied[kind][rows]  # a copy: indexing with an array
    if kind is AnswerType.NUMBER:
        counted = [terms.index(t) for t in content_terms(counted_words(question)) if t in terms]
        counted = [j for j in counted if corpus.lexicon.weight(terms[j]) > 0.5]
        if counted:
            # Best: passages that count that very thing ("5,000 companies"); when none does,
            # passages with some number that at least speak of it.
            stems = frozenset(stem(terms[j]) for j in counted)
            texts = (corpus.passages[int(r)].text for r in rows)
            near = np.fromiter((counts(t, stems, stem) for t in texts), bool, len(rows))
            ok &= near if near.any() else matched[:, counted].max(axis=1) >= COUNTED_MATCH
    return ok


def strict_type_gate(
    kind: AnswerType | None,
    supplied: np.ndarray,
    score: np.ndarray,
    confidence: np.ndarray,
    weights: Weights,
) -> tuple[np.ndarray, np.ndarray]:
    """The answer-type gate, for a kind in `STRICT` (anything else passes unchanged): a
    passage that supplies it gains ``type_match``; one that cannot loses ``type_miss`` and all
    its confidence, so no floor lets it answer. Returns the new score and confidence."""
    if kind not in STRICT:
        return score, confidence
    return (
        score + np.where(supplied, weights.type_match, -weights.type_miss),
        np.where(supplied, confidence, 0.0),
    )


def late_interaction(
    corpus: Corpus, rows: np.ndarray, score: np.ndarray, tokens: np.ndarray
) -> np.ndarray:
    """Late interaction (MaxSim) of the best `RERANK` candidates by ``score``, scaled to
    [0, 1] among them; 0 for the others, which it does not re-rank."""
    assert corpus.passage_tokens is not None
    top = np.argsort(-score, kind="stable")[:RERANK]
    late = np.zeros(len(rows))
    late[top] = minmax(maxsim(tokens, [corpus.passage_tokens[int(r)] for r in rows[top]]))
    return late


def focus_known(
    matched: np.ndarray, weights: np.ndarray, real: Sequence[bool], max_idf: float
) -> float:
    """1 minus the weight (IDF / max IDF) of the rarest real question word that no candidate
    covers: "Who heads the PTA?" asks about heading, which no passage mentions. A misspelling
    nobody could mend ("quoetd") says nothing about what the sources hold, so it is left out."""
    if not matched.size:
        return 1.0
    best = matched.max(axis=0)
    missing = weights[(best < 0.5) & np.asarray(real, dtype=bool)]
    return 1.0 - float(missing.max()) / max_idf if missing.size else 1.0
