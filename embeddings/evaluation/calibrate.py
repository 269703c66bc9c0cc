"""Fits the answerability gate on labelled questions and shows its trade-off curve.

For every English question that clears the off-topic floor, the best candidate's gate features
are collected with the gate switched off; the label is whether the sources answer the question.
A logistic model is fitted on all of them, and a 5-fold cross-validated curve (abstention on the
unanswerable against false abstention on the answerable) shows what each threshold costs.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from embeddings.evaluation.evaluate import Question
from embeddings.library import IndexedLibrary
from embeddings.retrieval.gate import GATE_FEATURES, GateModel, fit

OPEN_GATE = GateModel(coefficients={}, intercept=0.0, threshold=0.0)
"""A gate that lets everything through (p = 0.5 >= 0)."""
FOLDS = 5


@dataclass(frozen=True, slots=True)
class Calibration:
    model: GateModel
    curve: tuple[tuple[float, float, float], ...]
    """(threshold, abstention on unanswerable, false abstention on answerable), cross-validated,
    over the questions that reach the gate."""
    samples: int
    unanswerable: int
    floor_abstained: int
    """Unanswerable questions the off-topic floor already turns away (the gate never sees them)."""


def gate_samples(
    library: IndexedLibrary, questions: Sequence[Question]
) -> tuple[list[dict[str, float]], list[bool], list[str], int]:
    """The gate's features for each English question that reaches it, with labels and ids."""
    searcher = library.searcher
    saved = searcher.gate
    searcher.gate = OPEN_GATE
    try:
        results = searcher.explain_many([q.question for q in questions])
    finally:
        searcher.gate = saved
    rows, labels, ids, floor = [], [], [], 0
    for q, (_, why) in zip(questions, results, strict=True):
        if why.language != "en":
            continue
        if not why.answered:
            floor += not q.answerable
            continue
        rows.append(why.ranking.candidate(0))
        labels.append(q.answerable)
        ids.append(q.id + q.question)
    return rows, labels, ids, floor


def calibrate(
    library: IndexedLibrary,
    questions: Sequence[Question],
    thresholds: Sequence[float] | None = None,
) -> Calibration:
    rows, labels, ids, floor = gate_samples(library, questions)
    thresholds = thresholds or [i / 20 for i in range(1, 20)]
    fold = [zlib.crc32(i.encode()) % FOLDS for i in ids]
    probability = [0.0] * len(rows)
    for k in range(FOLDS):
        train = [i for i in range(len(rows)) if fold[i] != k]
        model = fit([rows[i] for i in train], [labels[i] for i in train])
        for i in range(len(rows)):
            if fold[i] == k:
                probability[i] = model.probability(rows[i])
    answerable = [p for p, y in zip(probability, labels, strict=True) if y]
    unanswerable = [p for p, y in zip(probability, labels, strict=True) if not y]
    curve = tuple(
        (
            t,
            sum(p < t for p in unanswerable) / max(1, len(unanswerable)),
            sum(p < t for p in answerable) / max(1, len(answerable)),
        )
        for t in thresholds
    )
    return Calibration(
        model=fit(rows, labels),
        curve=curve,
        samples=len(rows),
        unanswerable=len(unanswerable),
        floor_abstained=floor,
    )


__all__ = ["GATE_FEATURES", "Calibration", "calibrate", "gate_samples"]
