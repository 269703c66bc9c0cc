"""Question to ranked, grouped, highlighted excerpts: the retrieval core.

    encoder ─► dense (FAISS, passages and sentences) ─┐
    lexicon ─► BM25 + soft term coverage ─────────────┼─► fuse ─► abstain ─► group ─► highlight
    question ─► answer type ──────────────────────────┘

Every signal is a number in [0, 1]; the fused score is a weighted sum. A candidate only counts
as an answer when its confidence clears the cut-off (see docs/RETRIEVAL.md for the calibration).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from embeddings.encoders.base import Encoder
from embeddings.excerpts.quoting import ExcerptMaker
from embeddings.lru import Lru
from embeddings.models import Answer, Excerpt
from embeddings.retrieval.answer_types import (
    STRICT,
    AnswerType,
    asked_type,
    counted_words,
)
from embeddings.retrieval.coverage import coverage
from embeddings.retrieval.lexicon import Query, content_terms
from embeddings.retrieval.query import core, dense_text, words_differ
from embeddings.retrieval.snapshot import Corpus, Scored
from embeddings.retrieval.threads import one_blas_thread
from embeddings.text import searchable

DEFAULT_MIN_SCORE = 0.25
"""Abstain when no passage is at least this close (cosine) to the question.

Off-topic questions ("What's the capital of Australia?") peak below 0.22 on the seeds, the most
oblique answerable paraphrases sit at 0.20-0.30; see docs/RETRIEVAL.md for the distributions.
"""
_ACRONYM = re.compile(r"\b[A-Z]{2,6}\b")
_STANDS_FOR = re.compile(r"\bwhat (?:does|do|is) (?:the )?([a-z]{2,6})\s+(?:stand for|mean)", re.I)
COUNTED_MATCH = 0.8
"""How well a passage must cover the thing a "how many …" question counts."""
ESCALATE_MARGIN = 0.03
"""When the best two passages score closer than this, the question's content words are embedded
too and it is ranked again (docs/RETRIEVAL.md, "Cascade")."""
LITERAL_CONFIDENCE = 0.5
"""Confidence of a passage that contains every content word of the question."""


@dataclass(frozen=True, slots=True)
class Weights:
    """How the signals add up to a ranking score."""

    passage: float = 0.30
    sentence: float = 0.35
    bm25: float = 0.10
    coverage: float = 0.40
    type_match: float = 0.06
    type_miss: float = 0.30
    definition: float = 0.15
    """Bonus for spelling out an acronym the question asks about: "… Server (BES)"."""
    related_margin: float = 0.12
    """Further excerpts must score within this of the best one."""


class Searcher:
    """Answers questions over one corpus snapshot. Thread-safe: it only reads."""

    def __init__(
        self,
        corpus: Corpus,
        encoder: Encoder,
        *,
        k: int = 3,
        min_score: float | None = None,
        weights: Weights | None = None,
        candidates: int = 48,
    ) -> None:
        self.corpus = corpus
        self.encoder = encoder
        self.k = k
        self.min_score = DEFAULT_MIN_SCORE if min_score is None else min_score
        self.weights = weights or Weights()
        self.candidates = candidates
        self.escalate_margin = ESCALATE_MARGIN
        self._excerpts = ExcerptMaker(corpus)
        self._term_cache: Lru[str, np.ndarray] = Lru(4096)
        """Vectors of question words the corpus never uses: chats repeat their words."""

    def ask_many(self, questions: Sequence[str], k: int | None = None) -> list[Answer]:
        """Answers each question; one batched encode for all of them.

        The search is a two-step cascade. Each question is first ranked with its own vector.
        Only where that leaves a near tie (`_unsure`) are its bare content words embedded too,
        in a second batched encode, and it is ranked again with both vectors: chatty and
        oblique questions match better without their filler, while the clear majority is
        answered by one encode (docs/RETRIEVAL.md, "Cascade").
        """
        if not questions:
            return []
        lexicon = self.corpus.lexicon
        asked = [searchable(q) for q in questions]
        questions = [core(q, lexicon) for q in asked]
        queries = [lexicon.query(q) for q in questions]
        texts = [dense_text(q, query) for q, query in zip(questions, queries, strict=True)]
        vectors, term_vectors = self._encode(texts, queries)
        k = k or self.k
        with one_blas_thread():
            ranked = self._cascade(questions, queries, texts, vectors, term_vectors)
            return [
                self._answer(a, q, query, v[0], r, k)
                for a, q, query, v, r in zip(
                    asked, questions, queries, vectors, ranked, strict=True
                )
            ]

    def _encode(
        self, texts: Sequence[str], queries: Sequence[Query]
    ) -> tuple[list[np.ndarray], dict[str, np.ndarray]]:
        """Each text's vector (a one-row array) and the vectors of the question words the
        corpus never uses, all in one batched encode; those words' vectors are cached."""
        oov = sorted({t for q in queries for t in q.terms if not self.corpus.terms.knows(t)})
        cached = ((t, self._term_cache.get(t)) for t in oov)
        term_vectors = {t: v for t, v in cached if v is not None}
        missing = [t for t in oov if t not in term_vectors]
        encoded = self.encoder.encode([*texts, *missing])
        fresh = {t: v.copy() for t, v in zip(missing, encoded[len(texts) :], strict=True)}
        for term, vector in fresh.items():
            self._term_cache.put(term, vector)
        term_vectors |= fresh
        return [encoded[i : i + 1] for i in range(len(texts))], term_vectors

    def _cascade(
        self,
        questions: Sequence[str],
        queries: Sequence[Query],
        texts: Sequence[str],
        vectors: Sequence[np.ndarray],
        term_vectors: Mapping[str, np.ndarray],
    ) -> list[list[Scored]]:
        """Each question ranked with its own vector; where that leaves a near tie, its content
        words are embedded (one batch for all) and it is ranked again with both vectors."""
        ranked = [
            self.rank(q, query, v, term_vectors)
            for q, query, v in zip(questions, queries, vectors, strict=True)
        ]
        unsure = [
            i
            for i, r in enumerate(ranked)
            if self._unsure(r) and words_differ(texts[i], queries[i].text)
        ]
        if unsure:
            content = self.encoder.encode([queries[i].text for i in unsure])
            for i, v in zip(unsure, content, strict=True):
                both = np.vstack([vectors[i], v[None, :]])
                ranked[i] = self.rank(questions[i], queries[i], both, term_vectors)
        return ranked

    def _unsure(self, ranked: Sequence[Scored]) -> bool:
        """Could the content words' vector change this ranking: is the best passage barely
        ahead of the next one?"""
        return len(ranked) > 1 and ranked[0].score - ranked[1].score < self.escalate_margin

    def _answer(
        self,
        asked: str,
        question: str,
        query: Query,
        vector: np.ndarray,
        ranked: Sequence[Scored],
        k: int,
    ) -> Answer:
        """The answer to ``asked``, from the ranking of ``question`` (its core)."""
        if not ranked or ranked[0].confidence < self.min_score:
            return Answer(asked)
        best = ranked[0].score
        keep = [
            s
            for s in ranked
            if s.confidence >= self.min_score and s.score >= best - self.weights.related_margin
        ]
        excerpts: list[Excerpt] = self._excerpts.make(keep, query, vector, k, asked_type(question))
        return Answer(asked, tuple(excerpts))

    def rank(
        self,
        question: str,
        query: Query,
        vectors: np.ndarray,
        term_vectors: Mapping[str, np.ndarray],
    ) -> list[Scored]:
        """All candidate passages with their fused score and confidence, best first (none when
        the question has no content word or the corpus no passage).

        ``vectors`` holds the question's embedding, then optionally that of its content words
        alone (chatty questions match better without their filler); a passage's dense
        similarity is the best of them against the passage and against its best sentence.
        """
        if not query.terms or not len(self.corpus.passages):
            return []
        c = self.corpus
        rows, bm25 = self._candidates(query, vectors)
        terms = list(dict.fromkeys(query.terms))
        matched = c.terms.matches(terms, rows, term_vectors, c.lexicon.names)
        score, confidence = self._fuse(question, rows, vectors, terms, matched, bm25)
        score, confidence = self._gate(question, rows, terms, matched, score, confidence)
        order = np.argsort(-score, kind="stable")
        return [Scored(int(rows[i]), float(score[i]), float(confidence[i])) for i in order]

    def _candidates(self, query: Query, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The passage rows to score (dense neighbours and the best BM25 matches), and the BM25
        score of every passage."""
        rows = self._dense_candidates(vectors)
        bm25 = self.corpus.lexicon.bm25(query)
        top_bm25 = float(bm25.max()) if bm25.size else 0.0
        if top_bm25 > 0:
            extra = np.argsort(-bm25)[: self.candidates // 2]
            rows = np.union1d(rows, extra[bm25[extra] > 0])
        return rows, bm25

    def _fuse(
        self,
        question: str,
        rows: np.ndarray,
        vectors: np.ndarray,
        terms: list[str],
        matched: np.ndarray,
        bm25: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each candidate's fused score (the weighted signals) and its confidence."""
        c = self.corpus
        w = self.weights
        top_bm25 = float(bm25.max()) if bm25.size else 0.0
        passage_sims = c.passage_index.vectors[rows] @ vectors.T
        passage_sim = passage_sims.max(axis=1)
        sentence_sim = self._best_sentences(rows, vectors)
        # Confidence uses the question as asked: its bare content words match off-topic
        # passages too easily ("reset iphone factory settings").
        raw_sentence = self._best_sentences(rows, vectors[:1]) if len(vectors) > 1 else sentence_sim
        weights = np.array([c.lexicon.weight(t) for t in terms], dtype=np.float32)
        cover = coverage(matched, weights)
        lexical = bm25[rows] / top_bm25 if top_bm25 > 0 else np.zeros(len(rows))
        score = (
            w.passage * passage_sim
            + w.sentence * sentence_sim
            + w.bm25 * lexical
            + w.coverage * cover
        )
        score = score + w.definition * self._defines(question, rows)
        confidence = np.maximum(passage_sims[:, 0], raw_sentence)
        # A passage that uses every word of the question is on topic even when the question
        # embeds poorly: a bare name like "OpenMedia" sits below the dense floor.
        literal = np.all(matched >= 1.0, axis=1) if terms else np.zeros(len(rows), dtype=bool)
        confidence = np.where(literal, np.maximum(confidence, LITERAL_CONFIDENCE), confidence)
        return score, confidence

    def _gate(
        self,
        question: str,
        rows: np.ndarray,
        terms: list[str],
        matched: np.ndarray,
        score: np.ndarray,
        confidence: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The answer-type gate: a question asking for a date, a number or an amount loses
        the passages that cannot supply one; another kind only favours those that can."""
        w = self.weights
        kind = asked_type(question)
        supplied = self._supplies(kind, question, rows, terms, matched)
        if kind in STRICT:
            score = score + np.where(supplied, w.type_match, -w.type_miss)
            confidence = np.where(supplied, confidence, 0.0)
        elif kind is not None:
            score = score + w.type_match * supplied
        return score, confidence

    def _defines(self, question: str, rows: np.ndarray) -> np.ndarray:
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
        texts = [self.corpus.passages[int(r)].text for r in rows]
        return np.array(
            [any(n in t.casefold() and p.search(t) for n, p in patterns) for t in texts],
            dtype=np.float32,
        )

    def _supplies(
        self,
        kind: AnswerType | None,
        question: str,
        rows: np.ndarray,
        terms: list[str],
        matched: np.ndarray,
    ) -> np.ndarray:
        """Which passages can give the kind of answer asked for (all of them for no kind)."""
        if kind is None:
            return np.ones(len(rows), dtype=bool)
        ok = self.corpus.supplied[kind][rows]  # a copy: indexing with an array
        if kind is AnswerType.NUMBER:
            counted = [terms.index(t) for t in content_terms(counted_words(question)) if t in terms]
            counted = [j for j in counted if self.corpus.lexicon.weight(terms[j]) > 0.5]
            if counted:
                ok &= matched[:, counted].max(axis=1) >= COUNTED_MATCH
        return ok

    def _dense_candidates(self, vectors: np.ndarray) -> np.ndarray:
        """Passage rows near the question, from the passage and the sentence indexes."""
        c = self.corpus
        # One query per search: a single query runs on one thread, which beats waking FAISS's
        # OpenMP team for a few hundred rows (and does not fight the encoder's threads).
        found = [c.passage_index.search(v[None, :], self.candidates)[1].ravel() for v in vectors]
        for v in vectors:
            s_rows = c.sentence_index.search(v[None, :], self.candidates * 2)[1]
            found.append(c.sentence_owner[s_rows.ravel()])
        return np.unique(np.concatenate(found)).astype(np.int64)

    def _best_sentences(self, rows: np.ndarray, vectors: np.ndarray) -> np.ndarray:
        """For each passage row, its best sentence's similarity to any of the question vectors
        (float64, 0 when it has no sentence)."""
        own = [self.corpus.passage_sentences[int(r)] for r in rows]
        lengths = np.fromiter((len(o) for o in own), dtype=np.int64, count=len(own))
        best = np.zeros(len(rows), dtype=np.float64)
        has = np.flatnonzero(lengths)
        if not has.size:
            return best
        flat = np.concatenate([own[i] for i in has])
        sims = (self.corpus.sentence_index.vectors[flat] @ vectors.T).max(axis=1)
        best[has] = np.maximum.reduceat(sims, np.concatenate(([0], np.cumsum(lengths[has])[:-1])))
        return best


__all__ = ["DEFAULT_MIN_SCORE", "AnswerType", "Searcher", "Weights"]
