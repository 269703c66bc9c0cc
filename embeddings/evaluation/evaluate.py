"""Retrieval quality on a question file: hit@1, hit@3, abstention and false abstention.

The file format is the one in shared/eval: one JSON object a line with ``id``, ``kind``,
``question`` and ``gold_any`` (an excerpt matches when it contains any of those strings, compared
in normalised form; an empty list means the sources do not answer).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from embeddings.models import Answer
from embeddings.text import normalise


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    kind: str
    question: str
    gold_any: tuple[str, ...]

    @property
    def answerable(self) -> bool:
        return bool(self.gold_any)


@dataclass(frozen=True, slots=True)
class Outcome:
    question: Question
    answer: Answer
    rank: int | None
    """1-based position of the first matching excerpt, None when no excerpt matches."""


@dataclass(frozen=True, slots=True)
class Report:
    outcomes: tuple[Outcome, ...]
    metrics: dict[str, float] = field(default_factory=dict)

    def misses(self) -> list[Outcome]:
        """Answerable questions not matched at rank 1, and unanswerable ones that were answered."""
        return [
            o
            for o in self.outcomes
            if (o.question.answerable and o.rank != 1)
            or (not o.question.answerable and o.answer.answered)
        ]


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
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{path}:{number}: not a question ({exc})") from None
    return out


def first_match(answer: Answer, gold_any: Sequence[str]) -> int | None:
    gold = [normalise(g) for g in gold_any]
    for rank, excerpt in enumerate(answer.excerpts, 1):
        text = normalise(excerpt.text)
        if any(g in text for g in gold):
            return rank
    return None


def evaluate(
    questions: Sequence[Question], ask_many: Callable[[Sequence[str]], list[Answer]]
) -> Report:
    """Asks every question and scores the answers."""
    answers = ask_many([q.question for q in questions])
    outcomes = tuple(
        Outcome(q, a, first_match(a, q.gold_any) if q.answerable else None)
        for q, a in zip(questions, answers, strict=True)
    )
    return Report(outcomes, _metrics(outcomes))


def _metrics(outcomes: Sequence[Outcome]) -> dict[str, float]:
    answerable = [o for o in outcomes if o.question.answerable]
    unanswerable = [o for o in outcomes if not o.question.answerable]

    def share(items: Sequence[Outcome], test: Callable[[Outcome], bool]) -> float:
        return sum(1 for o in items if test(o)) / len(items) if items else float("nan")

    return {
        "questions": float(len(outcomes)),
        "hit@1": share(answerable, lambda o: o.rank == 1),
        "hit@3": share(answerable, lambda o: o.rank is not None and o.rank <= 3),
        "abstention": share(unanswerable, lambda o: not o.answer.answered),
        "false_abstention": share(answerable, lambda o: not o.answer.answered),
    }
