"""The ranker's named features and the one object that weighs them.

Each feature is a number per candidate passage, in [0, 1]; `Weights` says how they add up to the
ranking score. `Ranking` keeps the whole table, so `storybot ask --explain` can show why a
passage was quoted, and tests can assert on features rather than on a final order;
`Explanation` adds the language read and the gate that decided.

| feature    | what it measures                                                             |
|------------|------------------------------------------------------------------------------|
| passage    | MiniLM cosine of the question (or its content words) to the whole passage    |
| sentence   | the same against the passage's best sentence                                 |
| bm25       | BM25 over the sources' words, divided by the best candidate's                |
| coverage   | IDF-weighted share of the question's words the passage uses, or near synonyms|
| definition | 1 when the passage spells out an acronym the question asks about             |
| type_ok    | 1 when the passage can supply the kind of answer asked (date, number…)       |
| e5         | multilingual-e5 similarity, min-max scaled over the candidates               |
| shared     | not English: BM25 over the words the question shares with the sources |
| fluent     | 1 when the passage's source reads as ordinary English, 0 for a spun copy     |
| confidence | how close the question is to the passage at all (the off-topic floor reads it)|
| focus_known| 1 minus the weight of the rarest question word no candidate covers           |
| strict_type| 1 when the question insists on its kind of answer (a date, a count of X…)    |
| precise    | 1 when the passage holds the day, weekday or time of day asked for (shown only)|
| late       | token-level MaxSim to the question, best 16 candidates only, scaled to [0, 1] |
| quoted     | share of the phrases the question quotes that the passage holds word for word |
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from embeddings.retrieval.snapshot import Scored


@dataclass(frozen=True, slots=True)
class Weights:
    """How the features add up to a ranking score, and how excerpts are chosen."""

    passage: float = 0.30
    sentence: float = 0.35
    bm25: float = 0.10
    coverage: float = 0.40
    type_match: float = 0.06
    type_miss: float = 0.30
    type_nudge: float = 0.2
    """Bonus for a passage that can supply a name, a place or a reason a question asks for
    ("who…", "where…", "why…"), which is never insisted on (all three are loosely detected).
    0.2 (session 8): on the tuning sets one more first excerpt and one fewer false abstention
    than 0.06, on a review's 150 probe questions one fewer false abstention; abstention
    unchanged on both (0.2-0.3 give the same answers). Without it the answerability gate,
    which reads the best passage's type_ok, turned "Through which country do corporate messages
    travel?" away rather than quote the Canada passage just behind."""
    definition: float = 0.15
    """Bonus for spelling out an acronym the question asks about: "… Server (BES)"."""
    quoted: float = 0.5
    """Bonus for holding, word for word, what the question quotes ("who used the word
    'unfettered'"): more than any other feature gives, so such a passage comes first."""
    e5: float = 0.0
    """Weight of the multilingual encoder for English questions (0: measured no gain on the
    tuning sets, docs/RETRIEVAL.md "Second encoder"); questions in other languages use it alone."""
    shared: float = 0.2
    """Questions that are not English: weight of BM25 over the words they share with the
    sources (names, acronyms, loanwords), beside e5's scaled similarity. On 86 tuning
    questions in 11 languages, 0.2 lifts hit@1 from 0.606 to 0.652; 0.4 gives nothing more."""
    garbled: float = 0.0
    """Penalty for a passage from a machine-rewritten source. Measured at 0.08 and 0.03 it cost
    hit@1 on every tuning set (dev 1.00 to 0.87 and 0.93), so it is off: the fluent copy wins
    within a group of near-duplicates (`ExcerptMaker`), and a spun copy that leads is labelled."""
    late: float = 0.1
    """Late interaction (`retrieval/late.py`): MiniLM token-level MaxSim of the best 16
    candidates, scaled to [0, 1] among them. On the dev, extra, old hold-out and calibration
    sets, 0.1 is the smallest weight on the plateau (0.1-0.3: 163-165 first-excerpt hits
    against 160) and the only one where no set loses a hit@1 or hit@3; precision of shown
    excerpts and false abstention improve too (docs/RETRIEVAL.md, "Late interaction")."""
    related_margin: float = 0.12
    """Further excerpts must score within this of the best one."""
    related_confidence: float = 0.04
    """…and be at most this much less close to the question than the best one. Measured on the
    tuning sets: shown-excerpt precision 0.543 to 0.571, excerpts per answer 1.90 to 1.58, hit@3
    0.801 to 0.783 (docs/RETRIEVAL.md, "Fewer excerpts")."""
    related_late: float = 0.5
    """…and, when late interaction ran, be at least halfway up its scale among the re-ranked
    16. Tuning sets: precision of shown excerpts up 0.002-0.019 per set, no hit lost (old
    hold-out hit@3 0.811 to 0.830); 0.7 buys 0.01-0.04 more for a hit@3 (docs/RETRIEVAL.md)."""
    highlight_lexical: float = 0.5
    """Excerpts: weight of a sentence's share of the question's words, beside its cosine."""
    highlight_type: float = 0.05
    """Excerpts: bonus for a sentence that supplies the kind of answer asked (a date for when)."""


@dataclass(frozen=True, slots=True)
class Ranking:
    """Candidates of one question, best first, with every feature that ranked them."""

    rows: np.ndarray
    score: np.ndarray
    confidence: np.ndarray
    features: Mapping[str, np.ndarray] = field(default_factory=dict)
    question_features: Mapping[str, float] = field(default_factory=dict)
    """Features of the question itself (the same for every candidate), e.g. `focus_known`."""

    @classmethod
    def empty(cls) -> Ranking:
        none = np.zeros(0)
        return cls(none.astype(np.int64), none, none)

    def __len__(self) -> int:
        return len(self.rows)

    def sorted(self) -> Ranking:
        order = np.argsort(-self.score, kind="stable")
        return Ranking(
            self.rows[order],
            self.score[order],
            self.confidence[order],
            {n: v[order] for n, v in self.features.items()},
            self.question_features,
        )

    def scored(self, at_least: float = -math.inf) -> list[Scored]:
        """The candidates, best first; with ``at_least``, only those scoring that much (a
        prefix, as the ranking is sorted: no `Scored` is made for the long tail)."""
        out = []
        columns = (self.rows.tolist(), self.score.tolist(), self.confidence.tolist())
        for r, s, c in zip(*columns, strict=True):
            if not s >= at_least:  # NaN, sorted last, never clears it either
                break
            out.append(Scored(r, s, c))
        return out

    def candidate(self, i: int) -> dict[str, float]:
        """Every feature of the i-th candidate, with the question's own features."""
        out = {n: float(v[i]) for n, v in self.features.items()}
        out["confidence"] = float(self.confidence[i])
        out.update(self.question_features)
        return out


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why an answer is what it is: the language read, the ranking and the deciding gate."""

    language: str
    ranking: Ranking
    decided_by: str
    """"answered", or the gate that abstained: "answer type" (no candidate supplies the kind of
    answer the question insists on), "off-topic floor", "unknown subject", "unknown event" (a
    founding, birth, appointment… the sources never report), "unstated fact" (a place's
    population, capital, weather… the sources never state), "never quoted",
    "answerability", "e5 floor", "everyday" (a question that is not English and is nearer to
    an everyday question than to the sources: `retrieval/everyday.py`)."""
    answered: bool
    encodes: int = 1
    """The question's encodes: 2 when the cascade embedded its content words too."""


def minmax(values: np.ndarray) -> np.ndarray:
    """Scales to [0, 1] over the candidates: cosines of two encoders live on different scales."""
    if not values.size:
        return values.astype(np.float64)
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-9:
        return np.ones_like(values, dtype=np.float64)
    return (values.astype(np.float64) - low) / (high - low)
