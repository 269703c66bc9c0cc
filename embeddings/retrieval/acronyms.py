"""Acronyms the sources spell out but never use: readers write "PTA", the articles "Pakistan
Telecommunications Authority". At build time every run of capitalised words in the sources
(with the small words inside names: "Research in Motion") gives the acronyms of its spans; an
acronym that stands for exactly one phrase is kept. A question word that the sources never use
and that is such an acronym is searched with the phrase beside it: "When did the PTA (Pakistan
Telecommunications Authority) notify operators?", as capitals are read with their country.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

_RUN = re.compile(r"[A-Z][\w'’-]*(?:\s+(?:(?:of|in|and|for|on|de)\s+)?[A-Z][\w'’-]*)+")
_SMALL = frozenset({"of", "in", "and", "for", "on", "de", "the"})
_LEADING = frozenset({"The", "A", "An", "In", "On", "By", "At", "For", "But", "And"})
_ASKED = re.compile(r"\b[A-Za-z]{2,5}\b")


def acronyms(texts: Iterable[str]) -> dict[str, str]:
    """Upper-case acronym → the one phrase of ``texts`` it abbreviates (2 to 5 words; its
    letters the words' initials, with or without the small words)."""
    found: dict[str, dict[str, str]] = {}  # acronym → folded phrase → the phrase as written
    for text in texts:
        for run in _RUN.finditer(text):
            words = run[0].split()
            while words and words[0] in _LEADING:
                words = words[1:]
            for start in range(len(words)):
                for end in range(start + 2, min(len(words), start + 7) + 1):
                    span = words[start:end]
                    if span[0] in _SMALL or span[-1] in _SMALL:
                        continue
                    phrase = " ".join(span)
                    capitals = "".join(w[0] for w in span if w not in _SMALL).upper()
                    every = "".join(w[0] for w in span).upper()
                    for short in {capitals, every}:
                        if 2 <= len(short) <= 5:
                            found.setdefault(short, {}).setdefault(phrase.casefold(), phrase)
    return {short: next(iter(p.values())) for short, p in found.items() if len(p) == 1}


def abbreviates(words: Sequence[str], acronym: str) -> bool:
    """Do these words spell the acronym: by their initials, with or without the small words
    inside names ("Research in Motion": RIM), or by their capitals ("BlackBerry Messenger":
    BBM)? The first word must be capitalised ("the chat app" spells nothing)."""
    if not words or not words[0][:1].isupper():
        return False
    every = "".join(w[0] for w in words).upper()
    initials = "".join(w[0] for w in words if w.lower() not in _SMALL).upper()
    capitals = "".join(c for c in "".join(words) if c.isupper())
    return acronym.upper() in (every, initials, capitals)


def with_acronyms(
    question: str,
    table: Mapping[str, str],
    known: Collection[str],
    is_word: Callable[[str], bool],
) -> str:
    """The question with each acronym it uses that the sources never do followed by the phrase
    they write instead. Lower-case words are read as acronyms only when they are not English
    words ("pta", never "rim")."""

    def add(match: re.Match[str]) -> str:
        word = match[0]
        phrase = table.get(word.upper())
        if phrase is None or word.casefold() in known:
            return word
        if not word.isupper() and is_word(word.casefold()):
            return word
        if phrase.casefold() in question.casefold():
            return word
        return f"{word} ({phrase})"

    return _ASKED.sub(add, question)
