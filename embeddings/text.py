"""Small text utilities shared by cleaning, splitting and search: normalising and sentences."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

_QUOTES = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "–": "-",
        "—": "-",
        "‒": "-",
        "―": "-",
        "−": "-",
        "\u00a0": " ",
    }
)
_SPACE = re.compile(r"\s+")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff\u00ad]")


def fold_space(text: str) -> str:
    """Collapses runs of white space to one space and trims the ends."""
    return _SPACE.sub(" ", text).strip()


def searchable(text: str, limit: int | None = None) -> str:
    """Text safe to tokenise: lone surrogates and invisible format characters dropped, control
    characters made spaces, white space folded (a tokenizer raises on a lone surrogate).

    With ``limit``, the result is cut to that many characters (and only the first ``4 * limit``
    are read, so a huge message costs no more than a long one): what the bot asks.
    """
    if limit is not None:
        text = text[: limit * 4]
    kept = []
    for char in text:
        kind = unicodedata.category(char)
        if kind == "Cc":
            kept.append(" ")
        elif kind not in ("Cs", "Cf"):
            kept.append(char)
    folded = fold_space("".join(kept))
    return folded if limit is None else folded[:limit].strip()


def normalise(text: str) -> str:
    """The comparison form: NFKC, straight quotes and dashes, folded space, lower case."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return fold_space(_INVISIBLE.sub("", text)).lower()


# Abbreviations after which a period does not end a sentence (lower case, without the period).
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st mt ft inc ltd co corp plc bros dept gov gen col lt sgt rep sen
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun ont que ala
    ariz calif colo conn fla ill ind kan mass mich minn mo neb nev okla ore pa tenn tex va
    wash wis no nos vs etc approx est fig e.g i.e a.m p.m u.s u.k u.n""".split()
)
_SENTENCE_END = re.compile(r"""[.!?]+["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9])""")


def split_sentences(text: str) -> list[str]:
    """Splits prose into sentences, keeping each sentence's text exactly as written.

    Conservative: a period after a known abbreviation or a lone initial ("Charles I. Omedo",
    "Dec. 30", "U.S.") does not end a sentence. Joining the result with single spaces gives back
    the input with its white space folded.
    """
    text = fold_space(text)
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        if is_abbreviation(text, match.start()):
            continue
        sentence = text[start:end].strip()
        if sentence:
            sentences.append(sentence)
        start = end
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def is_abbreviation(text: str, dot: int) -> bool:
    """Is the period at ``dot`` part of an abbreviation or an initial, not a sentence's end?"""
    if text[dot] != ".":
        return False
    word_start = dot
    while word_start > 0 and (text[word_start - 1].isalpha() or text[word_start - 1] == "."):
        word_start -= 1
    word = text[word_start:dot].lower()
    if not word:
        return False
    if len(word) == 1 and text[word_start].isupper():
        return True  # an initial
    return word in _ABBREVIATIONS or word.rstrip(".") in _ABBREVIATIONS


_WORD = re.compile(r"[a-z0-9]+(?:[.,'][a-z0-9]+)*")
_GROUPED = re.compile(r"(?<![\d.,])\d{1,3}(?:(?:,\d{3})+|(?: \d{3})+)(?:\.\d+)?\b(?![.,]\d)")
"""A number with thousands separators, "12,000" or "12 000": comma or space, one kind only."""
_SCALED = re.compile(r"(?<![\d.,])(\d+(?:\.\d+)?) ?(k|thousand|mn|million|bn|billion)\b")
_SCALE = {"k": 3, "thousand": 3, "mn": 6, "million": 6, "bn": 9, "billion": 9}


def canonical_numbers(text: str) -> str:
    """The text (lower case, as `normalise` leaves it) with each number spelt one way: digits
    without separators. "12,000", "12 000", "12k" and "12 thousand" all read "12000", "1.5
    million" reads "1500000"; years ("2015"), dates ("dec. 30") and decimals ("2.5") stay.

    A number is matched however a source or a question writes it, in both the lexicon's
    passage tokens and a question's terms. "m" is not a scale: "5m" is as often minutes.
    """
    text = _GROUPED.sub(lambda m: m[0].replace(",", "").replace(" ", ""), text)
    return _SCALED.sub(_scaled, text)


def _scaled(match: re.Match[str]) -> str:
    value = Decimal(match[1]).scaleb(_SCALE[match[2]])
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")


def words(text: str) -> list[str]:
    """Lower-case word tokens of the normalised text, numbers in their canonical form
    (`canonical_numbers`); keeps "u.s", "2.5" and "won't" whole."""
    return _WORD.findall(canonical_numbers(normalise(text)))
