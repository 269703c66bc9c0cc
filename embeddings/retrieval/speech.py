"""Who the sources quote, and questions that ask what someone said.

"What did Apple say about Pakistan's demand?" asks for words of Apple's. The articles name Apple
("ceding the smartphone crown to Google Android and Apple") but never quote it, so no passage
can answer, however close the rest of the question comes. At build time every name standing
beside a verb of saying in the sources ("Beard said", "said Laura Tribe", "according to the
company", "India cited public safety", "the PTA notified operators") is a speaker; a question
asking what a name said, when that name is never a speaker, is not answered. General English:
the verbs of saying are a fixed list, like the offices of `answer_types`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from embeddings.retrieval.lexicon import (
    DETERMINERS,
    STOPWORDS,
    Lexicon,
    content_form,
    misspelt_of,
    name_forms,
)

_SAYING = (
    r"say|says|said|saying|tell|tells|told|state|states|stated|announce|announces|announced|"
    r"write|writes|wrote|written|add|adds|added|explain|explains|explained|note|notes|noted|"
    r"claim|claims|claimed|argue|argues|argued|comment|comments|commented|respond|responds|"
    r"responded|reply|replies|replied|warn|warns|warned|insist|insists|insisted|reveal|"
    r"reveals|revealed|confirm|confirms|confirmed|deny|denies|denied|cite|cites|cited|affirm|"
    r"affirms|affirmed|reiterate|reiterates|reiterated|notify|notifies|notified|inform|"
    r"informs|informed|pledge|pledges|pledged|declare|declares|declared|express|expresses|"
    r"expressed|acknowledge|acknowledges|acknowledged|threaten|threatens|threatened|demand|"
    r"demands|demanded|ask|asks|asked|call|calls|called|urge|urges|urged|accuse|accuses|"
    r"accused|blame|blames|blamed|praise|praises|praised|criticise|criticised|criticize|"
    r"criticized|welcome|welcomes|welcomed|react|reacts|reacted|statement|statements|"
    r"blog|spokesperson|spokesman|spokeswoman|quoted|according"
)
_SAYING_WORD = re.compile(rf"\b(?:{_SAYING})\b", re.I)
_WORD = re.compile(r"[\w'’.-]+")
BEFORE = 15
"""Words before a verb of saying that may hold its speaker, with a description between them
("Laura Tribe, a digital rights expert with the OpenMedia advocacy group, said")."""
AFTER = 4
"""Words after it ("said Marty Beard", "according to the company")."""

_ASKED_SAYING = (
    r"say|said|tell|told|state|stated|announce|announced|write|wrote|explain|explained|claim|"
    r"claimed|argue|argued|comment|commented|respond|responded|reply|replied|speak|spoke|"
    r"weigh\s+in|issue\s+a\s+statement|make\s+a\s+statement"
)
"""What a question asks someone to have said. Not "called" ("what was it called"), "demanded"
(a demand is often reported without a verb of saying), "mentioned" ("why was Mumbai
mentioned?" asks about the text), nor "think", "feel" or "react", which the sources may
report without anyone's words ("how did Internet companies react to the leaks?")."""
_ASKS = re.compile(
    r"\b(?:what|how)\s+(?:did|does|do|has|have|had|will|would)\s+"
    r"((?:[\w'’.&-]+\s+){0,3}?[\w'’.&-]+)\s+"
    rf"(?:{_ASKED_SAYING})\b"
    r"|\b(?:did|has|have|had)\s+((?:[\w'’.&-]+\s+){0,3}?[\w'’.&-]+)\s+"
    rf"(?:{_ASKED_SAYING})\b",
    re.I,
)


def speakers(documents: Iterable[str]) -> frozenset[str]:
    """The names (content forms of capitalised words) the documents put beside a verb of
    saying: within `BEFORE` words before it or `AFTER` after it, in the same sentence."""
    found: set[str] = set()
    for text in documents:
        for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
            words = _WORD.findall(sentence)
            for i, word in enumerate(words):
                if not _SAYING_WORD.fullmatch(word.strip(".")):
                    continue
                for near in words[max(0, i - BEFORE) : i + 1 + AFTER]:
                    if near[:1].isupper():
                        found.add(content_form(near.strip(".")))
    return frozenset(found)


def says(word: str) -> bool:
    """Is ``word`` a verb (or noun) of saying: "said", "told", "statement"…?"""
    return bool(_SAYING_WORD.fullmatch(word))


def silent_speaker(question: str, lexicon: Lexicon, speaking: Collection[str]) -> str:
    """Who the question asks the words of, as typed ("Apple", "Research In Motion"), when the
    sources name them but never as a speaker (``speaking``: `speakers` of the sources); ""
    otherwise. A name the sources never use is `subject.py`'s to report."""
    subject, names = _asked(question, lexicon.names)
    forms = [_form(word) for word in names]
    if not forms or any(_speaks(form, speaking) or not lexicon.mentions(form) for form in forms):
        return ""
    return subject


def _speaks(form: str, speaking: Collection[str]) -> bool:
    """Is the name a speaker under any form of it ("indian" for "india") or misspelt ("indie":
    difflib's ratio at least `MISSPELT`, the first letter kept, as for unknown subjects)?"""
    if form in speaking or any(other in speaking for other in name_forms(form)):
        return True
    return bool(misspelt_of(form, speaking))


def asked_speaker(question: str, names: Collection[str] = ()) -> list[str]:
    """The name words of whoever the question asks the words of, as typed (["Apple"] of "What
    did Apple say about the ban?"); [] when it asks for no one's words or names no one
    ("they", "the agency"). See `_asked`."""
    return _asked(question, names)[1]


def whose_words(question: str) -> list[str]:
    """The words standing for whoever the question asks the words of, as typed (["john",
    "chen"] of "what did john chen say about it"), asides left out; [] when it asks for no
    one's words."""
    return [w for w in _subject_words(question) if w.lower() not in _ASIDES]


def _subject_words(question: str) -> list[str]:
    """The words between the auxiliary and the verb of saying, as typed; [] when the question
    asks for no one's words."""
    match = _ASKS.search(question.replace("’", "'"))
    if match is None:
        return []
    return [w.strip(".?!,;:") for w in (match[1] or match[2] or "").split()]


_ASIDES = frozenset(
    "actually really ever even also officially publicly first then later finally ever "
    "himself herself itself themselves".split()
)
"""Words beside a name that leave the name the subject ("What did Apple actually say?",
"What did Snowden himself say?")."""
_INSIDE_NAMES = frozenset("of in and or for de the".split())
"""Small words that may stand between two names ("Research in Motion", "Google and Apple")."""


def _asked(question: str, names: Collection[str]) -> tuple[str, list[str]]:
    """The name a question asks the words of, as typed, and its name words; ("", []) when the
    subject is not a name alone. A word is a name when capitalised, or, in a message typed all
    in lower case, when it is one of ``names`` (the words the sources always capitalise: "what
    did snowden say") and no determiner comes before it ("the agency" is a description, even if
    the sources capitalise "National Security Agency"). Asides ("actually", "himself") are left
    out; any other word makes the subject a description of someone else ("Apple's lawyers",
    "Mumbai police"), whom this does not judge."""
    words = _subject_words(question)
    if words and words[0].lower() in DETERMINERS:
        described, words = True, words[1:]
    else:
        described = False
    chat = question == question.lower()

    def is_name(word: str) -> bool:
        form = _form(word)
        if form in STOPWORDS:
            return False
        return word[:1].isupper() or (chat and not described and form in names)

    kept = [w for w in words if w.lower() not in _ASIDES]
    marks = [is_name(w) for w in kept]
    for i, word in enumerate(kept):
        between = 0 < i < len(kept) - 1 and marks[i - 1] and marks[i + 1]
        if not marks[i] and not (between and word.lower() in _INSIDE_NAMES):
            return "", []
    return " ".join(kept), [w for w, mark in zip(kept, marks, strict=True) if mark]


def _form(word: str) -> str:
    return content_form(word.strip(".?!,;:"))
