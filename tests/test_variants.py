"""Robustness variants: deterministic, same gold, one real misspelling or one chat wrapper."""

import random

from embeddings.evaluation.evaluate import Question
from embeddings.evaluation.variants import CHAT, chat, misspell, variants

QUESTIONS = [
    Question("a", "plain", "Where are BlackBerry's servers located?", ("in canada",)),
    Question("b", "plain", "Who painted the Mona Lisa?", ()),
]


def test_variants_are_deterministic_and_keep_id_and_gold() -> None:
    first, again = variants(QUESTIONS, seed=3), variants(QUESTIONS, seed=3)
    assert first == again
    assert set(first) == {"one typo", "two typos", "chat", "other chat"}
    for kind, items in first.items():
        assert len(items) == 3  # only the answerable question, three times
        assert all(q.id == "a" and q.gold_any == ("in canada",) and q.kind == kind for q in items)


def test_one_typo_changes_one_long_word_and_keeps_its_first_letter() -> None:
    rng = random.Random(1)
    original = "Where are BlackBerry's servers located?"
    for _ in range(50):
        typo = misspell(original, rng, 1)
        changed = [(a, b) for a, b in zip(original.split(), typo.split(), strict=True) if a != b]
        assert len(changed) <= 1  # a vowel slip can find no vowel to slip
        for before, after in changed:
            assert before[0] == after[0] and len(before) >= 5
            assert abs(len(before) - len(after)) <= 1


def test_chat_wraps_the_question_in_one_of_the_templates() -> None:
    rng = random.Random(2)
    wrapped = chat("Where are the servers?", rng)
    assert "where are the servers?" in wrapped
    assert any(wrapped == t.format(q="where are the servers?") for t in CHAT)
