"""Robustness: the answerable questions again, misspelt or wrapped in chat, with the same gold.

A search that finds the answer to "Where are BlackBerry's servers?" should still find it for
"ngl i'm confused, where are BlackBerry's srevers?". The variants are made with a fixed seed, so
two runs measure the same questions; `storybot eval FILE --variants` prints a line per kind.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from embeddings.evaluation.evaluate import Question

_LONG_WORD = re.compile(r"[A-Za-z]{5,}")
_VOWEL_SLIP = {"a": "e", "e": "o", "i": "e", "o": "e", "u": "o"}
CHAT = (
    "lol quick q: {q}",
    "guys, {q} someone asked",
    "{q} asking for my uncle",
    "hey bot, {q}",
    "ngl i'm confused, {q}",
    "ok so {q} ??",
    "{q} thx",
)
"""The wrappers the search's chat handling was fitted to (docs/RETRIEVAL.md)."""
OTHER_CHAT = (
    "yo can someone tell me {q}",
    "{q} - need this for an argument",
    "quick one: {q}",
    "my dad keeps saying stuff, {q}",
    "hmm {q} anyone?",
    "so basically {q} idk",
    "pls help, {q}",
    "{q} (for a school thing)",
    "wait, {q} i thought they stayed",
    "@storybot {q}",
)
"""Wrappers never tuned on: how well that handling carries over to other chat."""


def misspell(question: str, rng: random.Random, words: int = 1) -> str:
    """Misspells ``words`` longer words: two letters swapped, one dropped, one doubled, or a
    vowel slipped ("regulator" to "reguletor"). The first letter is kept, as in most typos."""
    candidates = _LONG_WORD.findall(question)
    rng.shuffle(candidates)
    for word in candidates[:words]:
        i = rng.randrange(1, len(word) - 1)
        kind = rng.choice(("swap", "drop", "double", "vowel"))
        if kind == "swap":
            typo = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        elif kind == "drop":
            typo = word[:i] + word[i + 1 :]
        elif kind == "double":
            typo = word[:i] + word[i] + word[i:]
        else:
            vowels = [j for j, c in enumerate(word) if j and c.lower() in _VOWEL_SLIP]
            if not vowels:
                continue
            j = rng.choice(vowels)
            typo = word[:j] + _VOWEL_SLIP[word[j].lower()] + word[j + 1 :]
        question = question.replace(word, typo, 1)
    return question


def chat(question: str, rng: random.Random, wrappers: Sequence[str] = CHAT) -> str:
    """The question as typed into a group chat: lower-case start, wrapped in filler."""
    return rng.choice(wrappers).format(q=question[:1].lower() + question[1:])


def variants(
    questions: Sequence[Question], *, seed: int = 7, copies: int = 3
) -> dict[str, list[Question]]:
    """Per kind ("one typo", "two typos", "chat", "other chat"), ``copies`` variants of each
    answerable question, keeping its id, gold and language."""
    rng = random.Random(seed)
    makers: dict[str, Callable[[str], str]] = {
        "one typo": lambda q: misspell(q, rng, 1),
        "two typos": lambda q: misspell(q, rng, 2),
        "chat": lambda q: chat(q, rng),
        "other chat": lambda q: chat(q, rng, OTHER_CHAT),
    }
    answerable = [q for q in questions if q.answerable]
    return {
        kind: [
            replace(q, kind=kind, question=make(q.question))
            for q in answerable
            for _ in range(copies)
        ]
        for kind, make in makers.items()
    }
