"""Question to ranked, grouped, highlighted excerpts: the retrieval core.

    encoder ─► dense (FAISS, passages and sentences) ─┐
    lexicon ─► BM25 + soft term coverage ─────────────┼─► fuse ─► gates ─► group ─► highlight
    question ─► answer type ──────────────────────────┘

Every feature is a number in [0, 1]; the fused score is a weighted sum (`Weights`). A candidate
only counts as an answer when it passes the gates: the answer type, the off-topic floor on its
confidence and the answerability model (see docs/RETRIEVAL.md for the calibration). A question
that is not English is ranked by the multilingual encoder instead (`retrieval/multilingual.py`).
This module holds the stages and the English path; the per-candidate numbers it fuses are
computed in `retrieval/candidates.py`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import cast

import numpy as np

from embeddings.encoders.base import Encoder, QueryEncoder, ReadsTokens
from embeddings.excerpts.quoting import ExcerptMaker
from embeddings.lru import Lru
from embeddings.models import Answer, Excerpt
from embeddings.retrieval.answer_types import (
    EXCLUSIVE,
    STRICT,
    AnswerType,
    asked_role,
    asked_type,
)
from embeddings.retrieval.candidates import (
    best_sentences,
    candidates_in,
    defines,
    fills_role,
    focus_known,
    late_interaction,
    literally_on_topic,
    precise,
    quotes,
    strict_type_gate,
    supplies,
)
from embeddings.retrieval.coverage import coverage
from embeddings.retrieval.events import undated_event
from embeddings.retrieval.everyday import everyday_similarity, nearer_everyday
from embeddings.retrieval.facts import unstated_fact
from embeddings.retrieval.features import Explanation, Ranking, Weights, minmax
from embeddings.retrieval.gate import DEFAULT_GATE, GateModel
from embeddings.retrieval.language import detect
from embeddings.retrieval.lexicon import Query
from embeddings.retrieval.multilingual import E5_MIN_SCORE, Multilingual, e5_similarity
from embeddings.retrieval.places import with_countries
from embeddings.retrieval.query import core, dense_text, quoted_phrases, words_differ
from embeddings.retrieval.snapshot import Corpus, Scored
from embeddings.retrieval.speech import silent_speaker
from embeddings.retrieval.subject import unknown_subject
from embeddings.retrieval.threads import one_blas_thread
from embeddings.text import searchable

DEFAULT_MIN_SCORE = 0.25
"""Abstain when no passage is at least this close (cosine) to the question.

Off-topic questions ("What's the capital of Australia?") peak below 0.22 on the seeds, the most
oblique answerable paraphrases sit at 0.20-0.30; see docs/RETRIEVAL.md for the distributions.
"""
ESCALATE_MARGIN = 0.03
"""When the best two passages score closer than this, the question's content words are embedded
too and it is ranked again (docs/RETRIEVAL.md, "Cascade")."""
LITERAL_CONFIDENCE = 0.5
"""Confidence of a passage that contains every content word of the question."""
RESCUE_FLOOR = 0.15
"""How close MiniLM must still put a passage for a question under the floor to be looked at
again with e5 (`Searcher._rescued`): everyday requests sit lower ("write me a haiku")."""
RESCUE_E5 = 0.6
"""Weight of e5's scaled similarity when a question e5 found on topic is ranked again; 0.3-2.0
gave the same first passages on the tuning sets."""


class Searcher:
    """Answers questions over one corpus snapshot. Thread-safe: it only reads.

    The stages, in order (each named in `storybot ask --explain`):

    1. analyse: language, chat wrapping stripped, content terms with typos corrected, the kind
       of answer asked for (`ask_many`);
    2. candidates: nearest passages and sentences (FAISS) plus the best BM25 rows;
    3. features: one named number per candidate (`embeddings/retrieval/features.py`, computed
       in `candidates.py`);
    4. fusion: `Weights` add them up to a score;
    5. gates: the answer type (strict kinds only), the off-topic floor on confidence, and the
       answerability model on the best candidate (`embeddings/retrieval/gate.py`);
    6. excerpts: group near-duplicates, prefer the fluent copy, highlight (`excerpts/`).
    """

    def __init__(
        self,
        corpus: Corpus,
        encoder: Encoder,
        *,
        k: int = 3,
        min_score: float | None = None,
        weights: Weights | None = None,
        candidates: int = 48,
        multilingual: QueryEncoder | None = None,
        gate: GateModel | None = None,
    ) -> None:
        self.corpus = corpus
        self.encoder = encoder
        self.multilingual = multilingual if corpus.e5_passage_index is not None else None
        self.k = k
        self.min_score = DEFAULT_MIN_SCORE if min_score is None else min_score
        self.weights = weights or Weights()
        self.gate = gate or DEFAULT_GATE
        self.e5_min_score = E5_MIN_SCORE
        self.candidates = candidates
        self.escalate_margin = ESCALATE_MARGIN
        self._excerpts = ExcerptMaker(corpus, self.weights)
        self._term_cache: Lru[str, np.ndarray] = Lru(4096)
        """Vectors of question words the corpus never uses: chats repeat their words."""
        self._query_check: tuple[Encoder | None, bool] = (None, False)
        self._fluent = np.array(
            [corpus.fluent.get(p.source_id, True) for p in corpus.passages], dtype=np.float64
        )
        self._other_languages = Multilingual(corpus, self._excerpts, self._fluent)

    def reads_in_other_language(self, question: str) -> bool:
        """Is this question ranked by the multilingual encoder instead of the main one (it is
        not English, and there is a multilingual encoder)? The benchmarks time its floor."""
        return self.multilingual is not None and not detect(searchable(question)).english

    def ask_many(self, questions: Sequence[str], k: int | None = None) -> list[Answer]:
        """Answers each question; one batched encode for all of them."""
        return [answer for answer, _ in self.explain_many(questions, k)]

    def explain_many(
        self, questions: Sequence[str], k: int | None = None
    ) -> list[tuple[Answer, Explanation]]:
        """Answers each question, with the ranking and the gate's verdict behind the answer.

        English questions are ranked by MiniLM, BM25 and term coverage in a two-step cascade:
        each question is first ranked with its own vector; only where that leaves a near tie
        (`_unsure`) are its bare content words embedded too and it is ranked again with both
        (docs/RETRIEVAL.md, "Cascade"). Questions in other languages skip the English-only
        steps and are ranked by the multilingual encoder alone, when there is one.
        """
        if not questions:
            return []
        k = k or self.k
        asked = [searchable(q) for q in questions]
        languages = [detect(q) for q in asked]
        # as `reads_in_other_language` decides
        other = [not lang.english and self.multilingual is not None for lang in languages]
        foreign = [i for i, o in enumerate(other) if o]
        english = [i for i, o in enumerate(other) if not o]
        # e5 reads the questions that are not English; English ones only when it has a weight.
        needs_e5 = foreign + (english if self.weights.e5 > 0 else [])
        e5_vectors: dict[int, np.ndarray] = {}
        if self.multilingual is not None and needs_e5:
            encoded = self.multilingual.encode_queries([asked[i] for i in needs_e5])
            e5_vectors = dict(zip(needs_e5, encoded, strict=True))
        out: list[tuple[Answer, Explanation] | None] = [None] * len(asked)
        results = self._ask_english(
            [asked[i] for i in english], [e5_vectors.get(i) for i in english], k
        )
        for i, result in zip(english, results, strict=True):
            out[i] = result
        everyday = self.corpus.e5_everyday
        for i in foreign:
            out[i] = self._other_languages.ask(
                asked[i],
                languages[i],
                e5_vectors[i],
                k,
                self.weights,
                self.e5_min_score,
                self.candidates,
                everyday,
            )
        return [o for o in out if o is not None]

    def _encode_questions(self, texts: Sequence[str], plain: Sequence[str] = ()) -> np.ndarray:
        """Vectors of ``texts`` as questions (with e5's query prefix when the main encoder is
        e5), then of ``plain`` as they stand (words, never prefixed), in one batch when the
        encoder takes no prefix."""
        if not self._takes_queries():
            return self.encoder.encode([*texts, *plain])
        questions = cast(QueryEncoder, self.encoder).encode_queries(texts)
        return np.vstack([questions, self.encoder.encode(plain)]) if plain else questions

    def _reads_tokens(self) -> bool:
        """Can this search re-rank by late interaction: the corpus holds its passages' token
        states, the encoder gives a question's from its forward pass, and it has a weight?"""
        return (
            self.corpus.passage_tokens is not None
            and self.weights.late > 0
            and isinstance(self.encoder, ReadsTokens)
            and not self._takes_queries()  # its questions need a prefix the token path skips
        )

    def _takes_queries(self) -> bool:
        """Is the main encoder a `QueryEncoder` (e5 alone)? Checked once per encoder: a
        runtime protocol check walks the protocol's members on every call."""
        encoder, answer = self._query_check
        if encoder is not self.encoder:
            encoder, answer = self.encoder, isinstance(self.encoder, QueryEncoder)
            self._query_check = (encoder, answer)  # one assignment: safe to race
        return answer

    def _ask_english(
        self, asked: Sequence[str], e5: Sequence[np.ndarray | None], k: int
    ) -> list[tuple[Answer, Explanation]]:
        if not asked:
            return []
        lexicon = self.corpus.lexicon
        questions = [self.corpus.spelled_out(with_countries(core(q, lexicon))) for q in asked]
        queries = [lexicon.query(q) for q in questions]
        oov = sorted({t for q in queries for t in q.terms if not self.corpus.terms.knows(t)})
        cached = ((t, self._term_cache.get(t)) for t in oov)
        term_vectors = {t: v for t, v in cached if v is not None}
        missing = [t for t in oov if t not in term_vectors]
        texts = [dense_text(q, query) for q, query in zip(questions, queries, strict=True)]
        tokens: list[np.ndarray | None] = [None] * len(texts)
        if self._reads_tokens():  # the questions' token states come from the same pass
            asked_vectors, states = cast(ReadsTokens, self.encoder).encode_with_tokens(texts)
            encoded = (
                np.vstack([asked_vectors, self.encoder.encode(missing)])
                if missing
                else asked_vectors
            )
            tokens = list(states)
        else:
            encoded = self._encode_questions(texts, missing)
        fresh = {t: v.copy() for t, v in zip(missing, encoded[len(texts) :], strict=True)}
        for term, vector in fresh.items():
            self._term_cache.put(term, vector)
        term_vectors |= fresh
        vectors = [encoded[i : i + 1] for i in range(len(texts))]
        with one_blas_thread():
            ranked = [
                self.ranking(q, query, v, term_vectors, e, t)
                for q, query, v, e, t in zip(questions, queries, vectors, e5, tokens, strict=True)
            ]
            unsure = [
                i
                for i, r in enumerate(ranked)
                if self._unsure(r) and words_differ(texts[i], queries[i].text)
            ]
            if unsure:
                content = self._encode_questions([queries[i].text for i in unsure])
                for i, v in zip(unsure, content, strict=True):
                    vectors[i] = np.vstack([vectors[i], v[None, :]])
                    ranked[i] = self.ranking(
                        questions[i], queries[i], vectors[i], term_vectors, e5[i], tokens[i]
                    )
            rescued = self._rescued(asked, ranked, e5)  # a second look under the floor
            for i, (vector, nearest) in rescued.items():
                again = self.ranking(
                    questions[i],
                    queries[i],
                    vectors[i],
                    term_vectors,
                    vector,
                    tokens[i],
                    RESCUE_E5,
                )
                seen = {**again.question_features, "rescued_e5": nearest}
                ranked[i] = replace(again, question_features=seen)
            return [
                self._answer(a, query, v[0], r, k, q, len(v) + (i in rescued), i in rescued)
                for i, (a, q, query, v, r) in enumerate(
                    zip(asked, questions, queries, vectors, ranked, strict=True)
                )
            ]

    def _rescued(
        self, asked: Sequence[str], ranked: Sequence[Ranking], e5: Sequence[np.ndarray | None]
    ) -> dict[int, tuple[np.ndarray, float]]:
        """The questions under the off-topic floor that the multilingual encoder finds on
        topic, each with its e5 vector and e5's nearest similarity: MiniLM still puts some
        candidate at least `RESCUE_FLOOR` close, e5 puts one at least its own floor
        (`E5_MIN_SCORE`, as for other languages), and no everyday question is clearly nearer
        (`EVERYDAY_MARGIN`). Paraphrases sharing few words with the sources fall under the
        floor ("Did officials grant any grace period?") as everyday chat and trivia do; e5
        tells them apart better, so it is spent only here (docs/RETRIEVAL.md, "A second look
        under the floor")."""
        c = self.corpus
        if self.multilingual is None or c.e5_passage_index is None or c.e5_sentence_index is None:
            return {}
        low = [
            i
            for i, r in enumerate(ranked)
            if len(r)
            and float(r.confidence[0]) < self.min_score
            and float(r.confidence.max()) >= RESCUE_FLOOR
            and not self._typed_out(r)
        ]
        missing = [i for i in low if e5[i] is None]
        encoded: dict[int, np.ndarray] = {}
        if missing:
            fresh = self.multilingual.encode_queries([asked[i] for i in missing])
            encoded = dict(zip(missing, fresh, strict=True))
        out = {}
        for i in low:
            vector = encoded.get(i, e5[i])
            assert vector is not None
            rows = candidates_in(
                c, c.e5_passage_index, c.e5_sentence_index, vector[None, :], self.candidates
            )
            nearest = float(e5_similarity(c, rows, vector).max()) if len(rows) else 0.0
            usual = everyday_similarity(c.e5_everyday, vector)
            if nearest >= self.e5_min_score and not nearer_everyday(usual, nearest):
                out[i] = (vector, nearest)
        return out

    def _typed_out(self, ranked: Ranking) -> bool:
        """Did the answer type turn the question away: a passage was close enough before the
        strict gate (a count of what it counts, an office, an exact day…), none after?"""
        return ranked.question_features.get("untyped_confidence", 0.0) >= self.min_score

    def _unsure(self, ranked: Ranking) -> bool:
        """Could the content words' vector change this ranking: is the best passage barely
        ahead of the next one?"""
        return len(ranked) > 1 and float(ranked.score[0] - ranked.score[1]) < self.escalate_margin

    def _answer(
        self,
        asked: str,
        query: Query,
        vector: np.ndarray,
        ranked: Ranking,
        k: int,
        question: str,
        encodes: int = 1,
        rescued: bool = False,
    ) -> tuple[Answer, Explanation]:
        """The answer to ``asked`` from the ranking of ``question``, its core as searched,
        through the gates: the off-topic floor, a subject the sources never name
        (`retrieval/subject.py`), a place's fact they never state (`retrieval/facts.py`), an
        event they never report (`retrieval/events.py`), someone they never quote
        (`retrieval/speech.py`) and answerability."""
        floor = min(self.min_score, float(ranked.confidence[0])) if rescued else self.min_score
        if not len(ranked) or float(ranked.confidence[0]) < floor:
            gate = "answer type" if self._typed_out(ranked) else "off-topic floor"
            return Answer(asked), Explanation("en", ranked, gate, False, encodes)
        c = self.corpus
        if (name := unknown_subject(question, c.lexicon)) is not None:
            why = Explanation("en", ranked, "unknown subject", False, encodes)
            return Answer(asked, unmentioned=name), why
        if fact := unstated_fact(question, c.lexicon, c.sentences, c.passage_sentences):
            why = Explanation("en", ranked, "unstated fact", False, encodes)
            return Answer(asked, unmentioned=fact), why
        if undated_event(question, c.lexicon):
            return Answer(asked), Explanation("en", ranked, "unknown event", False, encodes)
        if silent := silent_speaker(question, c.lexicon, c.speakers):
            why = Explanation("en", ranked, "never quoted", False, encodes)
            return Answer(asked, unquoted=silent), why
        if not self.gate.passes(ranked.candidate(0)):
            return Answer(asked), Explanation("en", ranked, "answerability", False, encodes)
        best = float(ranked.score[0])
        sure = float(ranked.confidence[0]) - self.weights.related_confidence
        late = ranked.features.get("late")
        keep = [
            s
            for i, s in enumerate(ranked.scored(best - self.weights.related_margin))
            if s.confidence >= max(floor, sure)
            and (i == 0 or self.gate.passes(ranked.candidate(i)))
            and (i == 0 or late is None or late[i] >= self.weights.related_late)
        ]
        if rescued:  # on topic by e5 alone: its best passage, without further ones
            keep, k = keep[:1], 1
        kind = asked_type(question)
        if kind is AnswerType.PERSON and keep and (named := c.speaker_before(keep[0].row)) >= 0:
            # "who said …" answered by "…,” she said.": the paragraph naming her comes first
            keep = [Scored(named, keep[0].score, keep[0].confidence), *keep]
            k += 1
        excerpts: list[Excerpt] = self._excerpts.make(keep, query, vector, k, kind)
        return Answer(asked, tuple(excerpts)), Explanation("en", ranked, "answered", True, encodes)

    def rank(
        self,
        question: str,
        query: Query,
        vectors: np.ndarray,
        term_vectors: Mapping[str, np.ndarray],
    ) -> list[Scored]:
        """All candidate passages with their fused score and confidence, best first."""
        return self.ranking(question, query, vectors, term_vectors).scored()

    def ranking(
        self,
        question: str,
        query: Query,
        vectors: np.ndarray,
        term_vectors: Mapping[str, np.ndarray],
        e5_vector: np.ndarray | None = None,
        tokens: np.ndarray | None = None,
        e5_weight: float | None = None,
    ) -> Ranking:
        """Every candidate passage with its features, fused score and confidence, best first
        (none when the question has no content word or the corpus no passage).

        ``vectors`` holds the question's embedding, then optionally that of its content words
        alone (chatty questions match better without their filler); a passage's dense
        similarity is the best of them against the passage and against its best sentence.
        ``tokens``, the question's token states, re-rank the best candidates by late
        interaction (`retrieval/late.py`).
        """
        if not query.terms or not len(self.corpus.passages):
            return Ranking.empty()
        c = self.corpus
        w = self.weights
        rows = candidates_in(c, c.passage_index, c.sentence_index, vectors, self.candidates)
        bm25 = c.lexicon.bm25(query)
        top_bm25 = float(bm25.max()) if bm25.size else 0.0
        if top_bm25 > 0:
            extra = np.argsort(-bm25)[: self.candidates // 2]
            rows = np.union1d(rows, extra[bm25[extra] > 0])
        passage_sims = c.passage_index.vectors[rows] @ vectors.T
        sentence_vectors = c.sentence_index.vectors
        f: dict[str, np.ndarray] = {}
        f["passage"] = passage_sims.max(axis=1)
        f["sentence"] = best_sentences(rows, vectors, c.passage_sentences, sentence_vectors)
        # Confidence uses the question as asked: its bare content words match off-topic
        # passages too easily ("reset iphone factory settings").
        raw_sentence = (
            best_sentences(rows, vectors[:1], c.passage_sentences, sentence_vectors)
            if len(vectors) > 1
            else f["sentence"]
        )
        terms = list(dict.fromkeys(query.terms))
        matched = c.terms.matches(terms, rows, term_vectors, c.lexicon.names)
        weights = np.array([c.lexicon.weight(t) for t in terms], dtype=np.float32)
        f["coverage"] = coverage(matched, weights)
        f["bm25"] = bm25[rows] / top_bm25 if top_bm25 > 0 else np.zeros(len(rows))
        f["definition"] = defines(c, question, rows)
        if phrases := quoted_phrases(question):
            f["quoted"] = quotes(c, phrases, rows)  # what the question quotes, word for word
        kind = asked_type(question)
        supplied = supplies(c, kind, question, rows, terms, term_vectors)
        role = asked_role(question) if kind is AnswerType.PERSON else None
        if role is not None:
            supplied &= fills_role(c, role, rows, terms, matched)
        f["fluent"] = self._fluent[rows]
        if e5_vector is not None and c.e5_passage_index is not None:
            f["e5"] = minmax(e5_similarity(c, rows, e5_vector))
        score = (
            w.passage * f["passage"]
            + w.sentence * f["sentence"]
            + w.bm25 * f["bm25"]
            + w.coverage * f["coverage"]
            + w.definition * f["definition"]
            + w.quoted * f.get("quoted", 0.0)
            + (w.e5 if e5_weight is None else e5_weight) * f.get("e5", 0.0)
            - w.garbled * (1.0 - f["fluent"])
        )
        confidence = np.maximum(passage_sims[:, 0], raw_sentence)
        literal = literally_on_topic(c.lexicon, terms, matched, phrases, f.get("quoted"))
        confidence = np.where(literal, np.maximum(confidence, LITERAL_CONFIDENCE), confidence)
        exact = precise(c, kind, question, rows)  # a day, a weekday or a time of day
        if exact is not None:
            f["precise"] = exact.holds.astype(np.float64)
            supplied = supplied & exact.gate(score, supplied)
        f["type_ok"] = supplied.astype(np.float64)
        strict = kind in STRICT or role is not None
        # The would-be answer's confidence before the strict gate: when it clears the floor
        # and the gate turns it away, the answer type decided (`--explain`).
        before = float(confidence[int(np.argmax(score))]) if strict and len(score) else 0.0
        exclusive = kind in EXCLUSIVE or (exact is not None and exact.exclusive)
        if exclusive and supplied.any() and not supplied.all():
            # The passage an exclusive type picks is the answer when the question is on topic
            # at all: it names the thing asked about (an earlier name) or scores near the best
            # (a weekday), but it may share few of the question's words ("Pressure eased after
            # BlackBerry, then Research in Motion, …").
            topical = float(confidence.max())
            confidence = np.where(supplied, np.maximum(confidence, topical), confidence)
        score, confidence = strict_type_gate(strict, supplied, score, confidence, w, exclusive)
        if kind is not None and not strict:  # a name, place or reason: a nudge, never a gate
            score = score + w.type_nudge * supplied
        if tokens is not None and c.passage_tokens is not None:
            f["late"] = late_interaction(c, rows, score, tokens)
            score = score + w.late * f["late"]
        focus = {
            "focus_known": focus_known(
                matched, weights, [c.lexicon.is_word(t) for t in terms], c.lexicon.max_idf
            ),
            "strict_type": float(strict),  # only passages with type_ok 1 may answer
            "untyped_confidence": before,
        }
        return Ranking(rows, score, confidence, f, focus).sorted()


__all__ = ["DEFAULT_MIN_SCORE", "AnswerType", "Explanation", "Searcher", "Weights"]
