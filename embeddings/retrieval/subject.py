"""What a question is about, when the sources never name it.

"What did Nokia say about the ban?" and "When was Telegram founded?" ask about a company the
articles never mention. No passage can answer them, however close their other words come ("the
ban" is everywhere), so the search says the sources don't answer instead of quoting the nearest
passage about a ban.

The subject is read without a tagger, from where English questions put it: after the
auxiliary ("what did X say", "when was X founded", "did X comment") and after "of" in "what is
the … of X". Only capitalised words count as names there: lower-case chat gives no reliable cue
("handset" and "watchdog" are real words that the encoder's vocabulary lacks), and a word in
capitals throughout is a name only when short ("PTA", not "DEADLINE"). A name is known when the
sources use it or a form of it (`Lexicon.mentions`), when it is a misspelling of one of their
words or of a capital ("Indie", "Islamabaad"), or when the search spelt it out: an acronym
("RIM (Research in Motion)") or a capital ("Riyadh (Saudi Arabia)") is read as what is written
beside it.
"""

from __future__ import annotations

import bisect
import difflib
import re

from embeddings.retrieval.lexicon import STOPWORDS, Lexicon, content_form
from embeddings.retrieval.places import CAPITALS
from embeddings.retrieval.query import read_insertions

_AUXILIARY = r"(?:did|does|do|has|have|had|was|is|were|are|will|would|can|could)"
_AFTER_AUXILIARY = re.compile(
    rf"(?:^|\b(?:what|how|why|when|where)\s+){_AUXILIARY}\s+(?:the\s+)?"
    r"((?:[\w'’.&-]+\s+){0,3}?[\w'’.&-]+)\s+(?=[a-z])",
    re.I,
)
_OF = re.compile(
    r"\b(?:what|which)(?:'s|\s+is|\s+was|\s+are|\s+were)\s+(?:the|a|an|its|their)\s+"
    r"(?:[\w'-]+\s+){0,2}?[\w'-]+?\s+of\s+((?:[\w'’.-]+\s*){1,3})(?:[?.!,;]|$)",
    re.I,
)
_LONGEST_ACRONYM = 5
MISSPELT = 0.8
"""difflib's ratio from which a name counts as a misspelling of a known one ("indie"/"india"
0.8, "islamabaad"/"islamabad" 0.95; "telegram"/"telecom" is 0.67), as the corrector's cut-off."""
_CAPITALS = sorted({content_form(w) for city in CAPITALS for w in city.split()})


def unknown_subject(question: str, lexicon: Lexicon) -> str | None:
    """The name the question is about, when the sources never use it; None otherwise (no
    subject found, a subject in lower case, or one the sources name)."""
    text = read_insertions(question)
    for pattern in (_AFTER_AUXILIARY, _OF):
        if (match := pattern.search(text)) is None:
            continue
        for word in _leading_names(match[1].split()):
            if not _known(word, lexicon):
                return word
    return None


def _leading_names(words: list[str]) -> list[str]:
    """The run of names the subject opens with ("European Union" of "European Union say")."""
    run = []
    for word in words:
        if not _name_like(word) or content_form(word) in STOPWORDS:
            break
        run.append(word)
    return run


def _name_like(word: str) -> bool:
    if not word[:1].isupper() or word.isdigit():
        return False
    letters = word.strip(".'’")
    return not (letters.isupper() and len(letters) > _LONGEST_ACRONYM)


def _known(word: str, lexicon: Lexicon) -> bool:
    """Do the sources name it, or is it a misspelling of a word they use or of a capital
    ("Indie", "Islamabaad"): the corrector leaves real words alone, names need not be."""
    form = content_form(word).strip(".")
    if not form or lexicon.mentions(form):
        return True
    # Typos rarely hit the first letter: only words that share it are compared.
    vocabulary = lexicon.vocabulary
    start = bisect.bisect_left(vocabulary, form[0])
    end = bisect.bisect_left(vocabulary, chr(ord(form[0]) + 1))
    return bool(
        difflib.get_close_matches(form, vocabulary[start:end], n=1, cutoff=MISSPELT)
        or difflib.get_close_matches(form, _CAPITALS, n=1, cutoff=MISSPELT)
    )
