"""Inputs for the benchmarks: varied questions, and a synthetic corpus grown from the seeds.

Both are deterministic (a fixed random seed) and made at run time, so nothing large is committed
and two runs measure the same work.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Sequence
from itertools import zip_longest
from pathlib import Path

from embeddings.evaluation.variants import chat, misspell

FALLBACK_QUESTIONS = (
    "When will BlackBerry leave Pakistan?",
    "What did the Pakistani government demand from BlackBerry?",
    "Why is BlackBerry leaving Pakistan?",
    "What does BES stand for?",
    "What did India demand from BlackBerry?",
    "Why did BlackBerry buy Secusmart?",
    "What's the capital of Australia?",
)
OFF_TOPIC = (
    "What's the weather in Lisbon tomorrow?",
    "Can you recommend a good pasta recipe?",
    "Who won the football match last night?",
    "How do I change a flat bicycle tyre?",
    "What is the square root of 144?",
    "Tell me a joke about cats",
    "Which planet is closest to the sun?",
    "How tall is Mount Everest?",
)
_WORD = re.compile(r"[A-Za-z]{5,}")


def base_questions(files: Iterable[Path]) -> list[str]:
    """The questions of these evaluation files (JSON lines with a "question"), taken from each
    file in turn (so that the first ``n`` mix them all, other languages included), or a few
    built-in ones when there are none."""
    per_file: list[list[str]] = []
    for path in files:
        if path.is_file():
            lines = path.read_text("utf-8").splitlines()
            per_file.append([str(json.loads(line)["question"]) for line in lines if line.strip()])
    found = [q for turn in zip_longest(*per_file) for q in turn if q is not None]
    return list(dict.fromkeys(found)) or list(FALLBACK_QUESTIONS)


def varied_questions(base: Sequence[str], n: int, *, seed: int = 4) -> list[str]:
    """``n`` distinct questions: the base ones, then chatty, misspelt, keyword-only and
    off-topic variants of them, so lengths, typos and out-of-vocabulary words all occur."""
    rng = random.Random(seed)
    out: dict[str, None] = dict.fromkeys(base[:n])
    makers = (_chatty, _typo, _keywords, _lower)
    attempts = 0
    while len(out) < n and attempts < 50 * n:
        attempts += 1
        if rng.random() < 0.08:
            q = rng.choice(OFF_TOPIC)
            q = q if q not in out else _typo(q, rng)
        else:
            q = rng.choice(makers)(rng.choice(base), rng)
        out.setdefault(" ".join(q.split()), None)
    return list(out)[:n]


def _chatty(q: str, rng: random.Random) -> str:
    return chat(q, rng)


def _typo(q: str, rng: random.Random) -> str:
    return misspell(q, rng, 1)


def _keywords(q: str, rng: random.Random) -> str:
    words = _WORD.findall(q)
    rng.shuffle(words)
    return " ".join(words[: rng.randint(2, 4)]) or q


def _lower(q: str, rng: random.Random) -> str:
    return q.lower().rstrip("?") + rng.choice(("", "??", " pls"))


def synthetic_articles(
    paragraphs: Iterable[str], passages: int, *, per_article: int = 50, seed: int = 7
) -> list[tuple[str, str]]:
    """``(title, text)`` articles with ``passages`` paragraphs in all, from the seeds' words.

    Each paragraph is 1-2 sentences of 12-24 words drawn from the seeds' vocabulary (by
    frequency) around a few topic words of its own, so paragraphs differ from each other as
    real ones do instead of all averaging to one point.
    """
    rng = random.Random(seed)
    vocab = [w.lower() for p in paragraphs for w in _WORD.findall(p)]
    if not vocab:
        raise ValueError("no words to build a synthetic corpus from")
    distinct = sorted(set(vocab))
    articles: list[tuple[str, str]] = []
    made = 0
    while made < passages:
        count = min(per_article, passages - made)
        paras = [_paragraph(rng, vocab, distinct) for _ in range(count)]
        title = f"Synthetic report {len(articles) + 1}"
        articles.append((title, "\n\n".join([title, *paras]) + "\n"))
        made += count
    return articles


def _paragraph(rng: random.Random, vocab: Sequence[str], distinct: Sequence[str]) -> str:
    topic = rng.sample(distinct, 4)
    sentences = []
    for _ in range(rng.randint(1, 2)):
        size = rng.randint(12, 24)
        words = [rng.choice(topic if rng.random() < 0.3 else vocab) for _ in range(size)]
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences)
