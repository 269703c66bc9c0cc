"""Several questions in one message, answered as several: split, ask each, merge in one answer."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from embeddings.models import Answer, Excerpt
from embeddings.retrieval.chat import split_questions
from embeddings.text import searchable


def ask_split(
    messages: Sequence[str],
    ask_many: Callable[[Sequence[str]], list[Answer]],
) -> list[Answer]:
    """Answers each message, asking each of its questions (`split_questions`) on its own.

    All the parts of all the messages go to ``ask_many`` in one call (one batched encode). A
    message that asks one thing gets ``ask_many``'s answer unchanged; the others get `merge`.
    """
    parts = [split_questions(m) or [m] for m in messages]
    answers = iter(ask_many([p for ps in parts for p in ps]))
    out = []
    for message, asked in zip(messages, parts, strict=True):
        got = [next(answers) for _ in asked]
        out.append(got[0] if len(got) == 1 else merge(searchable(message), got))
    return out


def merge(question: str, answers: Sequence[Answer]) -> Answer:
    """One answer to a message from the answers to its parts, kept simple: first the best
    excerpt of each part, in the order asked, then the parts' other excerpts in the same order.
    A passage quoted for two parts (itself, or a copy of it in another source) is shown once.
    Each part brings at most ``k`` excerpts, as its own answer holds. A part the sources do not
    answer adds nothing; if none is answered, the message is not, and keeps the first reason a
    part gave (a name never mentioned, someone never quoted).

    Args:
        question: the message as asked, kept as the answer's question.
        answers: the answers to its parts, in order.
    """
    ranked = [a.excerpts[:1] for a in answers] + [a.excerpts[1:] for a in answers]
    seen: set[tuple[str, int]] = set()
    kept: list[Excerpt] = []
    for excerpt in (e for group in ranked for e in group):
        keys = {(excerpt.source.id, excerpt.paragraph)} | {
            (a.id, a.paragraph) for a in excerpt.also_in
        }
        if not keys & seen:
            seen |= keys
            kept.append(excerpt)
    if kept:
        return Answer(question, tuple(kept))
    unmentioned = next((a.unmentioned for a in answers if a.unmentioned), "")
    unquoted = next((a.unquoted for a in answers if a.unquoted), "")
    return Answer(question, unmentioned=unmentioned, unquoted=unquoted)
