"""Questions that are not English: ranked by the multilingual encoder (e5) alone.

The English-only steps (typo correction, content terms, BM25 over the question, MiniLM) say
nothing about an Urdu or Spanish question, so `Searcher.explain_many` hands it to
`Multilingual.ask`: the candidates are the passages and sentences nearest to its e5 vector,
scored by e5's similarity (min-max scaled) plus BM25 over the words it shares with the sources
(`shared_words`), through the strict answer-type gate and the e5 floor (`E5_MIN_SCORE`). The
quotes stay in English, with the usual citation (docs/RETRIEVAL.md, "Second encoder").
`e5_similarity` also serves English questions when `Weights.e5` gives e5 a weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embeddings.excerpts.quoting import ExcerptMaker
from embeddings.models import Answer
from embeddings.retrieval.answer_types import STRICT, AnswerType, gives_count
from embeddings.retrieval.candidates import (
    best_sentences,
    candidates_in,
    strict_type_gate,
    supplies,
)
from embeddings.retrieval.events import undated_event_other
from embeddings.retrieval.everyday import everyday_similarity, nearer_everyday
from embeddings.retrieval.facts import unstated_fact_other
from embeddings.retrieval.features import Explanation, Ranking, Weights, minmax
from embeddings.retrieval.language import Language, asked_type_other
from embeddings.retrieval.lexicon import Query, content_terms
from embeddings.retrieval.snapshot import Corpus, Scored
from embeddings.retrieval.subject import unknown_subject_other
from embeddings.retrieval.threads import one_blas_thread

E5_MIN_SCORE = 0.79
"""A question that is not English is answered only when a passage (or one of its sentences) is
at least this close by the multilingual encoder. On the 86 non-English tuning questions: 0.78
abstains on 35% of the unanswerable for 1.5% false abstention, 0.80 on 50% for 6%, 0.82 on 75%
for 20%. With the typed gates of session 7 (offices, counts, amounts) 0.79 answers two more
answerable questions than 0.80 and no more unanswerable ones (docs/RETRIEVAL.md, "Questions in
other languages")."""
E5_RELATED_MARGIN = 0.06
"""Further excerpts for a question that is not English must score within this of the best."""


@dataclass(frozen=True, slots=True, eq=False)
class Multilingual:
    """The multilingual path of one `Searcher`: its corpus, excerpt maker, and 1.0 per passage
    row of a fluent source (``fluent``)."""

    corpus: Corpus
    excerpts: ExcerptMaker
    fluent: np.ndarray

    def ask(
        self,
        asked: str,
        language: Language,
        vector: np.ndarray,
        k: int,
        weights: Weights,
        floor: float,
        candidates: int,
        everyday: np.ndarray | None = None,
    ) -> tuple[Answer, Explanation]:
        """A question that is not English, ``vector`` its e5 query vector: answered when its
        best candidate is at least ``floor`` close, from the ``candidates`` nearest passages
        (and sentences), not clearly nearer to one of the ``everyday`` questions' vectors
        (`retrieval/everyday.py`), and past the gates that read its words (`_unanswerable`).

        The highlight falls back on the multilingual similarity of each sentence, since the
        question's words are not English.
        """
        c = self.corpus
        assert c.e5_passage_index is not None and c.e5_sentence_index is not None
        with one_blas_thread():
            rows = candidates_in(
                c, c.e5_passage_index, c.e5_sentence_index, vector[None, :], candidates
            )
            sims = e5_similarity(c, rows, vector)
            kind = asked_type_other(asked)
            supplied = supplies(c, kind, "", rows, [], {})
            if kind is AnswerType.NUMBER:
                # what is counted is in another language, so no passage can be checked for a
                # count of it as English ones are; a date or a year counts nothing, though
                texts = (c.passages[int(r)].text for r in rows)
                supplied &= np.fromiter((gives_count(t) for t in texts), bool, len(rows))
            w = weights
            features = {"e5": minmax(sims), "type_ok": supplied.astype(np.float64)}
            features["fluent"] = self.fluent[rows]
            features["shared"] = shared_words(c, asked, rows)
            score = (
                features["e5"]
                + w.shared * features["shared"]
                - w.garbled * (1 - features["fluent"])
            )
            confidence = sims.astype(np.float64)
            score, confidence = strict_type_gate(kind in STRICT, supplied, score, confidence, w)
            if kind is not None and kind not in STRICT:  # a name, place, reason: a nudge
                score = score + w.type_nudge * supplied
            nearest = float(sims.max()) if len(sims) else 0.0
            usual = everyday_similarity(everyday, vector)
            question = {"everyday": usual} if usual is not None else {}
            ranking = Ranking(rows, score, confidence, features, question).sorted()
            ok = len(ranking) > 0 and float(ranking.confidence[0]) >= floor
            if not ok:
                return Answer(asked), Explanation(language.code, ranking, "e5 floor", False)
            if nearer_everyday(usual, nearest):
                return Answer(asked), Explanation(language.code, ranking, "everyday", False)
            if (gated := self._unanswerable(asked, language)) is not None:
                gate, answer = gated
                return answer, Explanation(language.code, ranking, gate, False)
            keep = _within(ranking, floor, E5_RELATED_MARGIN)
            quoted = self.excerpts.make(keep, None, None, k, kind, e5_vector=vector)
        return Answer(asked, tuple(quoted)), Explanation(language.code, ranking, "answered", True)

    def _unanswerable(self, asked: str, language: Language) -> tuple[str, Answer] | None:
        """The gates that read the question's words, as the English ones do: the date of an
        event the sources never report (`events.py`), a fact of a place they never state
        (`facts.py`), an office or name they never use (`subject.py`). The gate and the
        unanswered reply, or None."""
        lexicon = self.corpus.lexicon
        if undated_event_other(asked, lexicon):
            return "unknown event", Answer(asked)
        if fact := unstated_fact_other(asked, lexicon):
            return "unstated fact", Answer(asked, unmentioned=fact)
        if office := unknown_subject_other(self.corpus.spelled_out(asked), language.code, lexicon):
            return "unknown subject", Answer(asked, unmentioned=office)
        return None


def e5_similarity(corpus: Corpus, rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """For each passage row, the multilingual encoder's similarity to ``vector``: the best
    of the passage and its best sentence."""
    c = corpus
    assert c.e5_passage_index is not None and c.e5_sentence_index is not None
    return np.maximum(
        c.e5_passage_index.vectors[rows] @ vector,
        best_sentences(rows, vector[None, :], c.passage_sentences, c.e5_sentence_index.vectors),
    )


def shared_words(corpus: Corpus, asked: str, rows: np.ndarray) -> np.ndarray:
    """BM25 over the words a question in another language shares with the sources, as
    they stand (names, acronyms, loanwords: "BlackBerry", "BES", "deadline"), scaled by
    the best candidate's; no stop words beyond English's and no typo correction."""
    lexicon = corpus.lexicon
    shared = tuple(t for t in content_terms(asked) if t in lexicon.idf)
    if not shared:
        return np.zeros(len(rows))
    bm25 = lexicon.bm25(Query(shared, ()))[rows].astype(np.float64)
    top = float(bm25.max()) if bm25.size else 0.0
    return bm25 / top if top > 0 else bm25


def _within(ranking: Ranking, floor: float, margin: float) -> list[Scored]:
    best = float(ranking.score[0])
    return [s for s in ranking.scored(best - margin) if s.confidence >= floor]
