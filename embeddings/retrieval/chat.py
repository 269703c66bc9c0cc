"""Chat text read as what it says: shorthand spelt out, and several questions in one message.

"y did the govt want access 2 ur msgs" asks "why did the government want access to your
messages": the shorthand would otherwise be typo-corrected into other words ("govt" to "got")
and would embed as noise. "when did pta send the notice n what was the orig deadline" asks two
questions, each with its own answer.

Numbers ("12,000" = "12 000" = "12k" = "12000") are made one token by `embeddings.text.words`,
since passages and questions share that tokeniser.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from embeddings.retrieval.lexicon import content_terms
from embeddings.text import is_abbreviation

SHORTHAND: Mapping[str, str] = {
    # people, bodies and things
    "govt": "government",
    "govts": "governments",
    "gov": "government",  # "Gov." with its period is a governor's title and is left alone
    "gvt": "government",
    "ppl": "people",
    "msg": "message",
    "msgs": "messages",
    "info": "information",
    "hq": "headquarters",
    "hqs": "headquarters",
    "yr": "year",
    "yrs": "years",
    "mins": "minutes",
    "dept": "department",
    "intl": "international",
    "natl": "national",
    "mgmt": "management",
    "biz": "business",
    "approx": "approximately",
    "orig": "original",
    "convo": "conversation",
    "pic": "picture",
    "pics": "pictures",
    "2day": "today",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    # function words
    "u": "you",
    "ur": "your",
    "r": "are",
    "y": "why",
    "b4": "before",
    "bc": "because",
    "bcz": "because",
    "bcoz": "because",
    "cuz": "because",
    "coz": "because",
    "abt": "about",
    "bout": "about",
    "thru": "through",
    "tho": "though",
    "nd": "and",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "wat": "what",
    "wht": "what",
    "wen": "when",
    "whn": "when",
    "whr": "where",
    "hw": "how",
    "whats": "what is",
    "wats": "what is",
    "shud": "should",
    "wud": "would",
    "cud": "could",
    "dat": "that",
    "smth": "something",
    "sth": "something",
}
"""Common English chat shorthand and the words it stands for; general chat only, nothing about
any one story. Entries are whole words. One-letter entries ("u", "r", "y") count only in lower
case ("U" may be an initial); "n" and "2" are read apart (`_expand`), and so are "w/" (with)
and "w/o" (without), which may be typed against the next word."""

_TOKEN = re.compile(r"(?<![\w'’/.&-])([a-z0-9]+)(?![\w'’/&-]|\.\w)", re.I)
_WITH = re.compile(r"(?<![\w/])w/(o\b)?(?![/])\s*", re.I)
_WORD_BEFORE = re.compile(r"[A-Za-z]+['’]?[a-z]*\s+$")
_WORD_AFTER = re.compile(r"\s+[A-Za-z]")
_TO_BEFORE = frozenset(
    """want wants wanted going need needs needed try trying tried able due according
    supposed used how what where who refer referring related belong belongs listen listened
    talk talked talking reply replied respond responded moved moving move go went come came
    access""".split()
)
"""Words that "to" follows far more often than a count does: "want 2 know", "how 2 use"."""
_TO_AFTER = frozenset(
    """the a an this that these those my your ur u you me him her them us it its his their our
    be do get go know see say ask use stop leave shut close ban block""".split()
)
"""Words a count cannot come before: "2 the PTA" is "to the PTA", "2 phones" stays a count."""


def expand_shorthand(text: str) -> str:
    """The text with chat shorthand spelt out (`SHORTHAND`); "n" between two words reads "and",
    "2" reads "to" where a count cannot stand ("want 2 know", "talk 2 the PTA" but "2 questions")
    and a bare "12k" reads "12,000". Everything else is left exactly as typed."""
    text = _WITH.sub(lambda m: "without " if m[1] else "with ", text)
    return _TOKEN.sub(lambda m: _expand(text, m), text)


def _expand(text: str, match: re.Match[str]) -> str:
    word = match[1]
    lower = word.lower()
    before, after = text[: match.start()], text[match.end() :]
    if lower == "n" and word == "n":
        return "and" if _between_words(before, after) else word
    if lower == "2":
        return "to" if _between_words(before, after) and _reads_to(before, after) else word
    if len(word) == 1 and word != lower:
        return word
    if lower == "gov" and after.startswith("."):
        return word
    if (scaled := re.fullmatch(r"(\d{1,3})k", lower)) is not None:
        return f"{int(scaled[1]) * 1000:,}"
    return SHORTHAND.get(lower, word)


def _between_words(before: str, after: str) -> bool:
    return bool(_WORD_BEFORE.search(before)) and bool(_WORD_AFTER.match(after))


def _reads_to(before: str, after: str) -> bool:
    previous = before.split()[-1].lower()
    following = after.split()[0].lower().strip("?!.,;:")
    return previous in _TO_BEFORE or following in _TO_AFTER


# Splitting a message into its questions.

_WH = frozenset(
    """what what's whats wat wats why y when wen whn where whr who who's whom whose which how
    hw""".split()
)
_AUX = frozenset(
    """is are was were do does did can could will would has have had should shall may might
    must""".split()
)
_WH_CLAUSE = frozenset("when wen whn where whr why y how hw".split())
"""Wh-words that also open a clause ("when BlackBerry leaves, …"): a question only when an
auxiliary or one of `_WH_NEXT` follows ("when did …", "how many …")."""
_WH_NEXT = frozenset("many much long often far come soon".split())
_LEAD = re.compile(r"^(?:(?:and|n|&|also|plus|oh|then|so|but|btw|ok|okay)\b[\s,]*)+", re.I)
"""Words that join a further question on ("… and what did she say", "also whats …")."""
_BOUNDARY = re.compile(
    r"(?P<end>(?<=[?!.])\s+)(?=\S)"  # after a sentence: "Who is X? And what did she say?"
    r"|[,;]\s+(?=\S)"  # after a comma or semicolon: "who is he, what did he say"
    r"|\s+(?=(?:and|n|&|also|plus)\s+\S)",  # before a joining word: "… n what was …"
    re.I,
)
_NOT_SUBJECT = frozenset(
    """not still also being been later then now already just always never currently only
    even really so too very more less""".split()
)
"""Words after "are"/"is" that continue a clause rather than start a question: "users who
bought phones and are still using them" is one question."""
_MIN_WORDS = 3
"""Fewest words a part split off at a comma or a joining word must have: "which apps and which
services are affected" asks one thing."""


def split_questions(text: str) -> list[str]:
    """The questions a message asks, in order; a message asking one thing is one part.

    A message is cut after a sentence, at a comma or semicolon, or before "and", "n", "also" or
    "plus", and a cut is kept only when both sides ask something with content words and open
    like a question (a wh-word, or an auxiliary verb followed by its subject: "is it …", not
    "are still …"; see `_asks`). So "Who is Marty Beard? And what did he say about BES?" is two
    questions and "What did Saudi Arabia and the UAE demand?" one. Joining words are dropped
    from the start of a part; the parts keep their wording otherwise.

    Args:
        text: the message as typed.

    Returns:
        The sub-questions, or ``[text]`` (stripped) when it asks one thing.
    """
    text = text.strip()
    parts: list[str] = []
    start, separator, sentence, previous = 0, 0, False, ""
    for cut in [*_cuts(text), None]:
        piece = text[start : cut.start() if cut else len(text)]
        strict = not sentence
        if parts and _asks(previous, strict=strict) and _asks(piece, strict=strict):
            parts.append(piece)
        elif parts:
            parts[-1] += text[separator:start] + piece
        else:
            parts.append(piece)
        previous = piece
        if cut:
            start, separator, sentence = cut.end(), cut.start(), cut["end"] is not None
    if len(parts) < 2:
        return [text] if text else []
    return [_LEAD.sub("", p).strip() for p in parts]


def _cuts(text: str) -> list[re.Match[str]]:
    """Where the message may be cut; a period counts only where it ends a sentence."""
    return [
        m
        for m in _BOUNDARY.finditer(text)
        if m["end"] is None
        or text[m.start() - 1] != "."
        or (text[m.end()].isupper() and not is_abbreviation(text, m.start() - 1))
    ]


def _asks(piece: str, *, strict: bool) -> bool:
    """Does the piece ask something about content words, opening like a question? Beside a cut
    at a comma or a joining word (``strict``) it must also be a few words long.

    A question mark alone is not enough: "… these days? someone said it runs android??" adds a
    remark to one question. Nor is a negative yes/no question ("didn't they say …?", "wasn't
    there …?"), which in a chat leads in to the question that follows."""
    bare = expand_shorthand(_LEAD.sub("", piece).strip())  # "where r the servers" asks
    tokens = [t.strip("?!.,;:\"'()").lower() for t in bare.split()]
    tokens = [t for t in tokens if t]
    if not tokens or not content_terms(bare):
        return False
    return _shaped(tokens) and (not strict or len(tokens) >= _MIN_WORDS)


def _shaped(tokens: list[str]) -> bool:
    """Does it open like a question: "who …", "what …", "when did …", "how many …", "is it …"?
    Not "when BlackBerry leaves, …" (a clause) nor "… and are still using them"."""
    first, second = tokens[0], tokens[1] if len(tokens) > 1 else ""
    if first in _WH:
        return first not in _WH_CLAUSE or second in _AUX or second in _WH_NEXT
    return first in _AUX and bool(second) and second not in _NOT_SUBJECT
