"""Retrieval quality on a question file: hits, abstention, precision of excerpts, wrong answers.

The file format is the one in shared/eval: one JSON object a line with ``id``, ``kind``,
``question`` and ``gold_any`` (an excerpt matches when it contains any of those strings, compared
in normalised form; an empty list means the sources do not answer). Optional fields:

- ``lang``: the question's language ("en" when absent), for the per-language breakdown;
- ``gold_each``: for a message that asks several questions, one list of gold strings per
  question. Such a message is answered when each of its questions is (it counts as answerable
  even with an empty ``gold_any``), and its hits are defined in `score`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from embeddings.models import Answer
from embeddings.text import normalise

METRICS = ("hit@1", "hit@3", "abstention", "false_abstention", "precision", "wrong_answers")


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    kind: str
    question: str
    gold_any: tuple[str, ...]
    gold_each: tuple[tuple[str, ...], ...] = ()
    """One tuple of gold strings per sub-question of a message that asks several."""
    lang: str = "en"

    @property
    def answerable(self) -> bool:
        return bool(self.gold_any) or bool(self.gold_each)

    @property
    def parts(self) -> tuple[tuple[str, ...], ...]:
        """The gold of each question the message asks (one part unless ``gold_each``)."""
        return self.gold_each or (self.gold_any,)

    @property
    def gold(self) -> tuple[str, ...]:
        """Every gold string of the message: an excerpt holding any of them answers."""
        return self.gold_any + tuple(g for part in self.gold_each for g in part)


@dataclass(frozen=True, slots=True)
class Outcome:
    question: Question
    answer: Answer
    rank: int | None
    """1-based position by which every part is answered, None when some part is not."""
    hit1: bool = False
    hit3: bool = False
    relevant: tuple[bool, ...] = ()
    """For each shown excerpt, whether it holds any gold string."""

    @property
    def wrong(self) -> bool:
        """Is a quote shown that does not answer: any for an unanswerable question, or a first
        excerpt with no gold string for an answerable one? (Abstaining is not wrong here.)"""
        if not self.answer.answered:
            return False
        return not self.question.answerable or not self.relevant[0]


@dataclass(frozen=True, slots=True)
class Report:
    outcomes: tuple[Outcome, ...]
    metrics: dict[str, float] = field(default_factory=dict)
    by_kind: dict[str, dict[str, float]] = field(default_factory=dict)
    by_lang: dict[str, dict[str, float]] = field(default_factory=dict)

    def misses(self) -> list[Outcome]:
        """Answerable questions not hit at 1, and unanswerable ones that were answered."""
        return [
            o
            for o in self.outcomes
            if (o.question.answerable and not o.hit1)
            or (not o.question.answerable and o.answer.answered)
        ]

    def to_dict(self) -> dict[str, object]:
        """The metrics as JSON-ready values (a share with nothing to count is None)."""
        return {
            "metrics": json_ready(self.metrics),
            "by_kind": {k: json_ready(m) for k, m in self.by_kind.items()},
            "by_lang": {k: json_ready(m) for k, m in self.by_lang.items()},
            "misses": [o.question.id for o in self.misses()],
        }


def load_questions(path: Path) -> list[Question]:
    """Reads a question file; raises ValueError naming the line of a malformed entry."""
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            out.append(
                Question(
                    id=str(raw.get("id", number)),
                    kind=str(raw.get("kind", "")),
                    question=str(raw["question"]),
                    gold_any=tuple(str(g) for g in raw.get("gold_any", [])),
                    gold_each=tuple(
                        tuple(str(g) for g in _strings(part)) for part in raw.get("gold_each", [])
                    ),
                    lang=str(raw.get("lang") or "en"),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{path}:{number}: not a question ({exc})") from None
    return out


def _strings(value: object) -> list[object]:
    if not isinstance(value, list) or not value:
        raise TypeError("each entry of gold_each must be a non-empty list of strings")
    return value


def first_match(answer: Answer, gold_any: Sequence[str]) -> int | None:
    gold = [normalise(g) for g in gold_any]
    for rank, excerpt in enumerate(answer.excerpts, 1):
        text = normalise(excerpt.text)
        if any(g in text for g in gold):
            return rank
    return None


def score(question: Question, answer: Answer) -> Outcome:
    """Scores one answer. With n parts (n = 1 unless ``gold_each``):

    - hit@1: the first excerpt answers one of the parts, and every part is answered somewhere
      in the shown excerpts;
    - hit@3: every part is answered within the first 3 + (n - 1) excerpts, that is three for
      the first part and one more for each further part.

    For a one-part question these are the usual "first excerpt matches" and "a match in the top
    three". ``rank`` is the position by which every part is answered.
    """
    shown = [normalise(e.text) for e in answer.excerpts]
    gold = [normalise(g) for g in question.gold]
    relevant = tuple(any(g in text for g in gold) for text in shown)
    if not question.answerable:
        return Outcome(question, answer, None, relevant=relevant)
    firsts = [first_match(answer, part) for part in question.parts]
    rank = None if None in firsts else max(r for r in firsts if r is not None)
    first_answers = 1 in firsts
    hit3 = rank is not None and rank <= 3 + len(firsts) - 1
    return Outcome(question, answer, rank, first_answers and rank is not None, hit3, relevant)


def evaluate(
    questions: Sequence[Question], ask_many: Callable[[Sequence[str]], list[Answer]]
) -> Report:
    """Asks every question and scores the answers, overall and by kind and by language."""
    answers = ask_many([q.question for q in questions])
    outcomes = tuple(score(q, a) for q, a in zip(questions, answers, strict=True))
    return Report(
        outcomes,
        metrics(outcomes),
        {k: metrics(g) for k, g in _groups(outcomes, lambda q: q.kind).items()},
        {k: metrics(g) for k, g in _groups(outcomes, lambda q: q.lang).items()},
    )


def metrics(outcomes: Sequence[Outcome]) -> dict[str, float]:
    """The shares over a set of outcomes; NaN where there is nothing to count.

    - hit@1, hit@3 and false abstention are over answerable questions, abstention over the
      unanswerable ones;
    - precision: of all the excerpts shown for answerable questions, the share holding a gold
      string (of any part);
    - wrong answers: the share of all questions that got a quote that does not answer
      (`Outcome.wrong`); ``wrong_count`` is their number.
    """
    answerable = [o for o in outcomes if o.question.answerable]
    unanswerable = [o for o in outcomes if not o.question.answerable]
    shown = [r for o in answerable for r in o.relevant]
    wrong = sum(o.wrong for o in outcomes)

    def share(items: Sequence[Outcome], test: Callable[[Outcome], bool]) -> float:
        return sum(1 for o in items if test(o)) / len(items) if items else math.nan

    return {
        "questions": float(len(outcomes)),
        "hit@1": share(answerable, lambda o: o.hit1),
        "hit@3": share(answerable, lambda o: o.hit3),
        "abstention": share(unanswerable, lambda o: not o.answer.answered),
        "false_abstention": share(answerable, lambda o: not o.answer.answered),
        "precision": sum(shown) / len(shown) if shown else math.nan,
        "wrong_answers": wrong / len(outcomes) if outcomes else math.nan,
        "wrong_count": float(wrong),
    }


def _groups(
    outcomes: Sequence[Outcome], key: Callable[[Question], str]
) -> dict[str, list[Outcome]]:
    groups: dict[str, list[Outcome]] = {}
    for o in outcomes:
        groups.setdefault(key(o.question) or "(none)", []).append(o)
    return dict(sorted(groups.items()))


def json_ready(values: dict[str, float]) -> dict[str, float | None]:
    """The metrics with NaN (nothing to count) as None, which JSON can hold."""
    return {k: None if math.isnan(v) else v for k, v in values.items()}
