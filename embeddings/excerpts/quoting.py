"""At query time: ranked passages to excerpts, one per group of near-duplicates, highlighted and
cut at sentence boundaries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from embeddings.models import AlsoIn, Excerpt
from embeddings.retrieval.answer_types import AnswerType, supplies
from embeddings.retrieval.features import Weights
from embeddings.retrieval.lexicon import Query, content_terms, stem
from embeddings.retrieval.snapshot import Corpus, Scored

MAX_SENTENCES = 4
"""Longer passages are cut to the highlight and its neighbours."""
HIGHLIGHT_MARGIN = 0.04


class ExcerptMaker:
    def __init__(self, corpus: Corpus, weights: Weights | None = None) -> None:
        self.corpus = corpus
        self.weights = weights or Weights()
        self._stems: dict[int, frozenset[str]] = {}
        """Each quoted sentence's content-word stems, by sentence row: the corpus is immutable,
        and tokenising the same sentences again for every question was a tenth of an answer's
        Python time. Grows to at most the sentences ever quoted (one frozenset each)."""
        self._supplies: dict[tuple[int, AnswerType], bool] = {}

    def make(
        self,
        ranked: Sequence[Scored],
        query: Query | None,
        vector: np.ndarray | None,
        k: int,
        kind: AnswerType | None = None,
        *,
        e5_vector: np.ndarray | None = None,
    ) -> list[Excerpt]:
        """Up to ``k`` excerpts, one per group of near-duplicates, best first.

        ``query`` and ``vector`` are the English question's terms and MiniLM vector; a question
        in another language has neither, only its multilingual vector ``e5_vector``.
        """
        c = self.corpus
        quoted: dict[int, int] = {}  # each row shown or folded into "also reported by": its excerpt
        out: list[Excerpt] = []
        for scored in ranked:
            if len(out) >= k:
                break
            if scored.row in quoted:
                continue
            group = [scored.row, *(r for r in c.duplicates[scored.row] if r not in quoted)]
            row = self._cleanest(group, vector, e5_vector)
            text, highlight = self._quote(row, query, vector, kind, e5_vector)
            if (twin := self._restated(row, highlight)) is not None:
                if twin in quoted:  # a fluent passage already quoted says the same
                    i = quoted[twin]
                    out[i] = replace(out[i], also_in=self._also_in(out[i], group))
                    quoted.update(dict.fromkeys(group, i))
                    continue
                more = (r for r in c.duplicates[twin] if r not in quoted)
                group = list(dict.fromkeys([twin, *group, *more]))
                row = twin
                text, highlight = self._quote(row, query, vector, kind, e5_vector)
            quoted.update(dict.fromkeys(group, len(out)))
            passage = c.passages[row]
            excerpt = Excerpt(
                text=text,
                highlight=highlight,
                confidence=round(max(0.0, min(1.0, scored.confidence)), 4),
                paragraph=passage.paragraph,
                source=c.sources[passage.source_id],
                machine_rewritten=not c.fluent.get(passage.source_id, True),
            )
            out.append(replace(excerpt, also_in=self._also_in(excerpt, group)))
        return out

    def _also_in(self, excerpt: Excerpt, rows: Sequence[int]) -> tuple[AlsoIn, ...]:
        """The excerpt's "also reported by", with the other sources among ``rows`` added (one
        entry a source, never its own)."""
        c = self.corpus
        also = {a.id: a for a in excerpt.also_in}
        for r in rows:
            p = c.passages[r]
            if p.source_id != excerpt.source.id and p.source_id not in also:
                info = c.sources[p.source_id]
                also[p.source_id] = AlsoIn(
                    p.source_id, info.publisher, p.paragraph, info.title or ""
                )
        return tuple(also.values())

    def _cleanest(
        self, group: Sequence[int], vector: np.ndarray | None, e5_vector: np.ndarray | None
    ) -> int:
        """The group's first member (the best-ranked), unless it is garbled and another is not."""
        c = self.corpus
        fluent = [r for r in group if c.fluent.get(c.passages[r].source_id, True)]
        if not fluent or fluent[0] == group[0]:
            return group[0]
        if vector is None and e5_vector is not None and c.e5_passage_index is not None:
            table, vector = c.e5_passage_index.vectors, e5_vector
        else:
            table = c.passage_index.vectors
        if vector is None:
            return fluent[0]
        return max(fluent, key=lambda r: float(table[r] @ vector))

    def _restated(self, row: int, highlight: Sequence[str]) -> int | None:
        """The passage row of a fluent source that states what a machine-rewritten passage's
        highlighted sentences say, when every one of them has such a twin in that passage; the
        fluent wording is then quoted instead, whether or not the passages are near-duplicates.
        None for a fluent passage, or when the spun copy alone says it."""
        c = self.corpus
        if c.fluent.get(c.passages[row].source_id, True) or not highlight:
            return None
        lit = [int(r) for r in c.passage_sentences[row] if c.sentences[int(r)] in highlight]
        twins = [c.fluent_twins.get(r) for r in lit]
        owners = {int(c.sentence_owner[t]) for t in twins if t is not None}
        return owners.pop() if None not in twins and len(owners) == 1 else None

    def _quote(
        self,
        row: int,
        query: Query | None,
        vector: np.ndarray | None,
        kind: AnswerType | None,
        e5_vector: np.ndarray | None = None,
    ) -> tuple[str, tuple[str, ...]]:
        """The passage (cut around the best sentences if long) and the sentences to highlight."""
        c = self.corpus
        passage = c.passages[row]
        rows = c.passage_sentences[row]
        sentences = [c.sentences[int(r)] for r in rows]
        if not sentences:
            return passage.text, ()
        scores = self._sentence_scores(rows, query, vector, kind, e5_vector)
        best = int(np.argmax(scores))
        chosen = [
            i for i in np.argsort(-scores)[:2] if scores[i] >= scores[best] - HIGHLIGHT_MARGIN
        ]
        highlight = tuple(sentences[i] for i in sorted(chosen))
        if len(sentences) <= MAX_SENTENCES:
            return passage.text, highlight
        lo = max(0, min(chosen) - 1)
        hi = min(len(sentences), max(chosen) + 2)
        text = _verbatim(passage.text, sentences, lo, hi)
        return ("… " if lo > 0 else "") + text + (" …" if hi < len(sentences) else ""), highlight

    def _sentence_scores(
        self,
        rows: np.ndarray,
        query: Query | None,
        vector: np.ndarray | None,
        kind: AnswerType | None,
        e5_vector: np.ndarray | None = None,
    ) -> np.ndarray:
        c = self.corpus
        w = self.weights
        if vector is not None:
            dense = c.sentence_index.vectors[rows] @ vector
        elif e5_vector is not None and c.e5_sentence_index is not None:
            dense = c.e5_sentence_index.vectors[rows] @ e5_vector
        else:
            dense = np.zeros(len(rows), dtype=np.float32)
        # each of the question's words weighs its IDF: the rare word a detail hangs on counts
        # more than the story's everyday ones ("BlackBerry", "Pakistan")
        weigh: dict[str, float] = {}
        for t in query.terms if query is not None else ():
            weigh[stem(t)] = max(weigh.get(stem(t), 0.0), c.lexicon.weight(t))
        total = sum(weigh.values()) or 1.0
        lexical = np.array(
            [
                sum(weigh[s] for s in weigh.keys() & self._sentence_stems(int(r))) / total
                for r in rows
            ],
            dtype=np.float32,
        )
        bonus = np.array(
            [
                w.highlight_type if kind is not None and self._supplied(int(r), kind) else 0.0
                for r in rows
            ],
            dtype=np.float32,
        )
        return np.asarray(dense, dtype=np.float32) + w.highlight_lexical * lexical + bonus

    def _sentence_stems(self, row: int) -> frozenset[str]:
        # Threads may compute one row twice and store equal values: harmless, so no lock.
        found = self._stems.get(row)
        if found is None:
            found = frozenset(stem(t) for t in content_terms(self.corpus.sentences[row]))
            self._stems[row] = found
        return found

    def _supplied(self, row: int, kind: AnswerType) -> bool:
        found = self._supplies.get((row, kind))
        if found is None:
            found = supplies(self.corpus.sentences[row], kind, self.corpus.lexicon.names)
            self._supplies[(row, kind)] = found
        return found


def _verbatim(text: str, sentences: Sequence[str], lo: int, hi: int) -> str:
    """Sentences ``lo`` to ``hi - 1`` of ``text`` as they stand there, line breaks between
    paragraphs included (joining them with spaces would run two paragraphs into one)."""
    spans, pos = [], 0
    for sentence in sentences[:hi]:
        start = text.find(sentence, pos)
        if start < 0:  # not found as is: the cleaner changed it; quote the sentences alone
            return " ".join(sentences[lo:hi])
        spans.append((start, start + len(sentence)))
        pos = start + len(sentence)
    return text[spans[lo][0] : spans[hi - 1][1]]
