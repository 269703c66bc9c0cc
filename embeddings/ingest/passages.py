"""Split cleaned articles into passages that can each be quoted on their own."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from embeddings.models import Article, Passage
from embeddings.text import split_sentences

MIN_WORDS = 12
"""A paragraph shorter than this ("This isn't the first time.") leans on its neighbour."""

TOKEN_MARGIN = 16
"""Room left in the model window for special tokens and tokenizer differences."""


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def split_article(
    article: Article, count_tokens: Callable[[str], int], max_tokens: int = 256
) -> list[Passage]:
    """Cuts an article into passages: normally one paragraph each.

    A paragraph longer than the model's window is split at sentence boundaries; a paragraph
    too short to stand alone is joined to the following one (or the previous one at the end).
    The passage keeps the number of its first paragraph, so citations point at the article.

    Args:
        article: a cleaned article.
        count_tokens: the encoder's tokenizer count.
        max_tokens: the encoder's window.
    """
    budget = max(16, max_tokens - TOKEN_MARGIN)
    passages: list[Passage] = []
    for number, text in _join_short(article.paragraphs):
        pieces = _fit(text, count_tokens, budget)
        for part, piece in enumerate(pieces):
            passages.append(
                Passage(
                    source_id=article.info.id,
                    paragraph=number,
                    part=part,
                    text=piece,
                    sha256=text_hash(piece),
                )
            )
    return passages


def _join_short(paragraphs: Iterable[str]) -> list[tuple[int, str]]:
    """(first paragraph number, text) with short paragraphs merged into a neighbour."""
    merged: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for number, text in enumerate(paragraphs, start=1):
        if pending is not None:
            number, text = pending[0], f"{pending[1]}\n{text}"
            pending = None
        if len(text.split()) < MIN_WORDS:
            pending = (number, text)
            continue
        merged.append((number, text))
    if pending is not None:
        if merged:
            number, text = merged.pop()
            merged.append((number, f"{text}\n{pending[1]}"))
        else:
            merged.append(pending)
    return merged


def _fit(text: str, count_tokens: Callable[[str], int], budget: int) -> list[str]:
    """The text as one piece, or consecutive runs of its sentences that each fit the budget."""
    if count_tokens(text) <= budget:
        return [text]
    pieces: list[str] = []
    current: list[str] = []
    for sentence in (s for line in text.split("\n") for s in split_sentences(line)):
        candidate = " ".join([*current, sentence])
        if current and count_tokens(candidate) > budget:
            pieces.append(" ".join(current))
            current = [sentence]
        else:
            current.append(sentence)
    if current:
        pieces.append(" ".join(current))
    return pieces


def passage_sentences(passage: Passage) -> list[str]:
    """The passage's sentences, verbatim, in order (lines of joined paragraphs split too)."""
    return [s for line in passage.text.split("\n") for s in split_sentences(line)]
