"""The evaluation's rules: hits for one and several questions, precision, wrong answers, groups."""

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from embeddings.evaluation.evaluate import Question, evaluate, load_questions, score
from embeddings.models import Answer, Excerpt, SourceInfo

SOURCE = SourceInfo("s", "T")


def answer(*texts: str) -> Answer:
    return Answer("q", tuple(Excerpt(t, (), 0.5, i, SOURCE) for i, t in enumerate(texts)))


TWO = Question("m", "chat", "when … n what …", (), (("july",), ("dec. 30",)))


@pytest.mark.parametrize(
    ("texts", "rank", "hit1", "hit3"),
    [
        (("in July", "by Dec. 30"), 2, True, True),
        (("by Dec. 30", "in July"), 2, True, True),  # either part may come first
        (("in July", "x", "y", "by Dec. 30"), 4, True, True),  # 3 + (2 - 1) excerpts
        (("in July", "x", "y", "z", "by Dec. 30"), 5, True, False),
        (("x", "in July", "by Dec. 30"), 3, False, True),  # the first answers neither part
        (("in July", "in July again"), None, False, False),  # one part never answered
        (("In July, extended to Dec. 30",), 1, True, True),  # one excerpt answers both
        ((), None, False, False),
    ],
)
def test_a_message_with_two_questions_needs_both_answered(
    texts: tuple[str, ...], rank: int | None, hit1: bool, hit3: bool
) -> None:
    outcome = score(TWO, answer(*texts))
    assert (outcome.rank, outcome.hit1, outcome.hit3) == (rank, hit1, hit3)


@pytest.mark.parametrize(
    ("texts", "hit1", "hit3"),
    [
        (("Dec. 30",), True, True),
        (("x", "y", "December 30"), False, True),
        (("x", "y", "z", "Dec. 30"), False, False),
    ],
)
def test_one_question_keeps_the_usual_hits(texts: tuple[str, ...], hit1: bool, hit3: bool) -> None:
    question = Question("a", "plain", "When?", ("dec. 30", "december 30"))
    outcome = score(question, answer(*texts))
    assert (outcome.hit1, outcome.hit3) == (hit1, hit3)


def fixed(answers: dict[str, Answer]) -> Callable[[Sequence[str]], list[Answer]]:
    def ask_many(questions: Sequence[str]) -> list[Answer]:
        return [answers[q] for q in questions]

    return ask_many


def test_precision_wrong_answers_and_groups_are_counted() -> None:
    questions = [
        Question("1", "plain", "a", ("gold",)),  # right first, one of two shown is gold
        Question("2", "plain", "b", ("gold",), lang="ur"),  # wrong first excerpt
        Question("3", "para", "c", ("gold",)),  # abstains: not wrong, a false abstention
        Question("4", "off", "d", ()),  # unanswerable, answered: wrong
        Question("5", "off", "e", ()),  # unanswerable, abstains
    ]
    answers = {
        "a": answer("gold here", "other"),
        "b": answer("other", "gold later", "more"),
        "c": answer(),
        "d": answer("anything"),
        "e": answer(),
    }
    report = evaluate(questions, fixed(answers))
    m = report.metrics
    assert m["hit@1"] == pytest.approx(1 / 3)
    assert m["hit@3"] == pytest.approx(2 / 3)
    assert m["abstention"] == pytest.approx(1 / 2)
    assert m["false_abstention"] == pytest.approx(1 / 3)
    assert m["precision"] == pytest.approx(2 / 5)  # gold in 2 of the 5 excerpts shown
    assert m["wrong_answers"] == pytest.approx(2 / 5) and m["wrong_count"] == 2
    assert set(report.by_kind) == {"off", "para", "plain"}
    assert report.by_kind["plain"]["hit@1"] == pytest.approx(1 / 2)
    assert math.isnan(report.by_kind["off"]["hit@1"])
    assert report.by_lang["ur"]["questions"] == 1 and report.by_lang["en"]["questions"] == 4
    assert [o.question.id for o in report.misses()] == ["2", "3", "4"]
    dumped = json.loads(json.dumps(report.to_dict()))
    assert dumped["by_kind"]["off"]["hit@1"] is None and dumped["misses"] == ["2", "3", "4"]


def test_load_reads_gold_each_and_lang_and_rejects_a_bad_gold_each(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    rows = [
        {"id": "a", "question": "q1", "gold_each": [["x"], ["y", "z"]], "lang": "ur"},
        {"id": "b", "question": "q2", "gold_any": []},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    first, second = load_questions(path)
    assert first.gold_each == (("x",), ("y", "z")) and first.lang == "ur" and first.answerable
    assert second.lang == "en" and not second.answerable
    path.write_text(json.dumps({"question": "q", "gold_each": [[]]}) + "\n", "utf-8")
    with pytest.raises(ValueError, match=r"q\.jsonl:1"):
        load_questions(path)
