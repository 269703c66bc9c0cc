"""What of a question is searched: its core without chat wrapping, and the text to embed.

"ngl i'm confused, where are BlackBerry's servers?" asks the same as "Where are BlackBerry's
servers?": the wrapping would pull both the question's vector and its terms away from what it
asks (docs/RETRIEVAL.md, "Chat wrapping").
"""

from __future__ import annotations

import re

from embeddings.retrieval.acronyms import abbreviates
from embeddings.retrieval.chat import expand_shorthand
from embeddings.retrieval.lexicon import Lexicon, Query
from embeddings.retrieval.places import CAPITALS
from embeddings.text import words

_CLAUSE = re.compile(r"(?<=[,:;?!])\s+|\s+[-–—]\s+")
_ASKING = re.compile(
    r"\W*(what|why|when|where|who|whom|whose|which|how|is|are|was|were|do|does|did|can|could|"
    r"will|would|has|have|had|should)\b",
    re.I,
)


def core(question: str, lexicon: Lexicon) -> str:
    """The question without its chat wrapping ("ngl i'm confused, …", "… asking for my uncle"),
    which would pull both its vector and its terms away from what it asks. Chat shorthand is
    spelt out first ("y did the govt …" asks "why did the government …")."""
    parts = _CLAUSE.split(expand_shorthand(question))
    while len(parts) > 1 and _wrapping(parts[0], lexicon):
        parts = parts[1:]
    while len(parts) > 1 and _wrapping(parts[-1], lexicon):
        parts = parts[:-1]
    return " ".join(parts)


def dense_text(question: str, query: Query) -> str:
    """The text to embed: the question with its misspellings corrected."""
    text = question
    for typed, fixed in query.corrected:
        text = _replace_word(text, typed, fixed)
    return text


def _wrapping(clause: str, lexicon: Lexicon) -> bool:
    """A clause at the edge of a question that asks nothing and names nothing the sources use:
    "hey bot", "lol quick q", "asking for my uncle". A clause with a question mark or opening
    like a question always counts ("what was Islamabad's true aim?")."""
    if "?" in clause or _ASKING.match(clause):
        return False
    return not any(t in lexicon.idf for t in lexicon.query(clause).terms)


_PARENTHESES = re.compile(r" \(([^()]{1,100})\)")


def insertions(question: str) -> tuple[str, dict[str, str]]:
    """The question without what the search wrote beside names, and what it wrote beside each
    name as typed: {"PTA": "Pakistan Telecommunications Authority", "Riyadh": "Saudi Arabia"}
    (`retrieval/acronyms.py`, `retrieval/places.py`). Parentheses the user typed stay: only an
    acronym's spelling out or a capital's country counts."""
    kept: list[str] = []
    spelt: dict[str, str] = {}
    at = 0
    for match in _PARENTHESES.finditer(question):
        inside = match[1]
        before = question[at : match.start()].split()
        for n in (1, 2, 3):
            name = " ".join(before[-n:]) if len(before) >= n else ""
            if name and (CAPITALS.get(name) == inside or abbreviates(inside.split(), name)):
                spelt[name] = inside
                kept.append(question[at : match.start()])
                at = match.end()
                break
    kept.append(question[at:])
    return "".join(kept), spelt


def read_insertions(question: str) -> str:
    """The question with each name the search spelt out replaced by what it wrote beside it,
    the form the sources use ("Who heads the Pakistan Telecommunications Authority?")."""
    text, spelt = insertions(question)
    for name, inside in spelt.items():
        text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", inside.replace("\\", r"\\"), text)
    return text


def words_differ(text: str, content: str) -> bool:
    """Does the text say more than its content words (so that they embed differently)?"""
    return bool(content) and " ".join(words(text)).casefold() != content


def _replace_word(text: str, old: str, new: str) -> str:
    return re.sub(rf"(?i)\b{re.escape(old)}\b", new, text)


_QUOTED = re.compile(
    r"[\"“”]([^\"“”\n]{3,160}?)[\"“”]|(?<![\w'‘’])['‘]([^\n]{3,160}?)['’](?![\w'‘’])"
)
"""Double quotes, straight or curly; or single quotes not inside a word, whose closing one is
the first quote mark that no letter follows ("‘won’t compromise’": the apostrophe of "won’t"
does not close it)."""
MIN_QUOTED_LETTERS = 5
"""A single quoted word must be at least this long to count ("'unfettered'", not "'it'")."""


def quoted_phrases(question: str) -> tuple[tuple[str, ...], ...]:
    """What the question quotes, word by word (`embeddings.text.words`): "who used the word
    'unfettered'", "bb keeps saying its the 'most secure' something". A chat settles its
    arguments by the sources' own words, so the passage that holds them is the one asked about.
    A trailing "..." is dropped; a phrase of one short word is none."""
    found = []
    for match in _QUOTED.finditer(question):
        phrase = tuple(words(match[1] or match[2]))
        if len(phrase) > 1 or (phrase and len(phrase[0]) >= MIN_QUOTED_LETTERS):
            found.append(phrase)
    return tuple(found)
