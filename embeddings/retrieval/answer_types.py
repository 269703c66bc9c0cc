"""What kind of answer a question asks for, and whether a text can supply it.

"When…" wants a date, "how many…" a number, "how much did they pay…" an amount. A passage that
cannot supply the kind of answer asked for is not an answer, however close its topic is: this is
what lets the search say "the sources don't say" to "How much did BlackBerry pay for Secusmart?".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from embeddings.retrieval.query import read_insertions


class AnswerType(Enum):
    DATE = "date"
    NUMBER = "number"
    AMOUNT = "amount"
    PERSON = "person"
    PLACE = "place"
    FORMER_NAME = "former name"
    """What something was called before ("What was BlackBerry called in 2010?")."""
    REASON = "reason"


_ASKS = [
    (
        AnswerType.AMOUNT,
        re.compile(
            r"\bhow much\b.*\b(pay|paid|cost|costs|price|worth|spend|spent|revenue|earn|earns|"
            r"sell|sold|value|valued|money|charge|fine|fined|invest|invested)\b|"
            r"\bwhat (was|is) the (price|cost|value)\b|\b(share|stock) price\b|"
            # money by name ("what fine would it have faced"); not "price", "cost", "penalty"
            # or "damages" alone, which questions use figuratively ("what would staying have
            # cost the firm?", "what penalty did India threaten?": a ban)
            r"\b(what|which|how (big|large|much) (of )?an?) (\w+ )?(fine|fee|salary|"
            r"budget|revenue|profit|compensation|tax)\b"
        ),
    ),
    (
        AnswerType.DATE,
        re.compile(
            r"^(when|since when)\b|"
            r"\b(when|since when) (did|does|do|is|was|will|were|are|has|had)\b|"
            r"\b(what|which) (exact |precise )?(date|day|year|month|time|week|weekday)\b|"
            r"\bin what year\b|\bon what day\b|"
            # a deadline is a date ("what was the original deadline?"; not "was the deadline
            # extended?", which asks whether)
            r"\b(what|which)('s| is| was| were) (the |their |its )?(\w+ )?(deadline|cutoff|"
            r"cut-off|due date|time limit)s?\b"
        ),
    ),
    (
        AnswerType.FORMER_NAME,
        re.compile(
            r"\b(former|previous|old|original|earlier|prior) name\b|"
            r"\b(used to be|formerly|originally|previously) (called|named|known)\b|"
            r"\bbefore (it|they|he|she|the \w+) (went by|was called|was named|was renamed|"
            r"became|changed)\b|"
            # "what was X called in 2010 / back then": "what" right before it, not "who was the
            # regulator that was called the PTA back then" nor "which group was she known as…"
            r"\bwhat (was|were) (\S+ ){0,4}?(called|named|known as)\b.*\b(before|back then|"
            r"back in|in (19|20)\d\d|originally|formerly|previously|earlier|at the time|once|"
            r"until|prior|went by)\b"
        ),
    ),
    (
        AnswerType.NUMBER,
        re.compile(
            r"\bhow (many|much|long|often|old)\b|\b(what|which) (number|percentage|share|count)\b|"
            r"\bnumber of\b"
        ),
    ),
    (
        AnswerType.REASON,
        re.compile(
            r"^(why|y|how come)\b|\bwhy\b|\bwhat (was|is|were|are) (the )?reasons?\b|"
            r"\breasons? (why|for|behind)\b|^what (made|motivated|prompted|caused|led|drove)\b"
        ),
    ),
    (
        AnswerType.PERSON,
        re.compile(
            r"^(who|whom|whose)\b|\b(who|whose) (is|was|did|said|announced)\b|\bwho's\b|"
            # a person by what they are: "which executive announced it?", "what's the name of
            # the official…" ("what" opening the question: "in what officials could see" asks
            # for a thing); general English
            r"(\bwhich|^what) (?!(did|does|do|is|was|were|are|has|have|had|will|would|can|"
            r"could)\b)(\w+ )?(executive|exec|official|officer|person|individual|"
            r"spokesman|spokeswoman|spokesperson|analyst|expert|activist|journalist|reporter|"
            r"guy|man|woman)s?\b|\bname of (the|that|this|their|its) (\w+ )?(executive|exec|"
            r"official|officer|person|spokesman|spokeswoman|spokesperson|analyst|expert|activist|"
            r"guy|man|woman|ceo|coo|cfo|cto|chief|boss|head|minister|director)\b"
        ),
    ),
    (
        AnswerType.PLACE,
        re.compile(r"^where\b|\b(which|what) (city|country|countries|region|place)\b"),
    ),
]

_MONTH = (
    r"(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sept?(ember)?|"
    r"oct(ober)?|nov(ember)?|dec(ember)?)"
)
_SUPPLIES = {
    AnswerType.DATE: re.compile(
        rf"\b{_MONTH}\b\.?|\b(19|20)\d\d\b|\b(monday|tuesday|wednesday|thursday|friday|saturday|"
        r"sunday|today|yesterday|tomorrow)\b|\b(last|this|next) (year|month|week)\b|"
        r"\b(years?|months?|weeks?|days?) (ago|earlier|later)\b|\brecent years\b",
        re.I,
    ),
    AnswerType.NUMBER: re.compile(
        r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
        r"hundred|hundreds|thousand|thousands|million|millions|billion|dozen|dozens|several|"
        r"half|once|twice|single|month|year)\b",
        re.I,
    ),
    AnswerType.AMOUNT: re.compile(
        r"[$€£¥]\s?\d|\b\d[\d,.]*\s?(million|billion|bn|m|k)\b|\b(dollars?|euros?|pounds|rupees|"
        r"usd|eur|cad)\b",
        re.I,
    ),
    # A name: two capitalised words inside a sentence ("said Laura Tribe"), or opening one when
    # a comma follows, as a news name with its description does ("Marty Beard, Chief Operating
    # Officer at BlackBerry", "Laura Tribe, a digital rights expert"); a sentence's first two
    # capitalised words alone are not a name ("The Pakistan …").
    AnswerType.PERSON: re.compile(
        r"(?<=[a-z,;:] )[A-Z][a-z]+(?: [A-Z][a-z]+)+"
        r"|(?:^|(?<=[.!?] ))[A-Z][a-z]+(?: [A-Z][a-z]+)+(?=,)",
        re.M,
    ),
    AnswerType.PLACE: re.compile(r"\b(in|at|from|to|of|near|across) (the )?[A-Z][a-z]+"),
    AnswerType.REASON: re.compile(
        r"\b(because|due to|as a result|rather than|in order to|so as to|so that|citing|cited|"
        r"reasons?|no choice|left us|would have meant|meant|means|instead of|therefore|"
        r"concerns?|aimed|in the wake of)\b",
        re.I,
    ),
    # A name given as an earlier one: "BlackBerry, then Research in Motion,", "Meta (formerly
    # Facebook)", "previously known as", "renamed itself".
    AnswerType.FORMER_NAME: re.compile(
        r",\s*then\s+[A-Z]|\b(formerly|previously|originally|once)\s+(known as\s+|called\s+|"
        r"named\s+)?(the\s+)?[A-Z]|\b(known as|renamed( itself)?|dubbed)\s+(the\s+)?[A-Z]|"
        r"\bchanged (its|their|his|her) name\b"
    ),
}

_DAY_ASKED = re.compile(
    r"\b(what|which) (exact |precise )?(date|day)\b|\bon what day\b|\bexact date\b|"
    r"\bday of the week\b"
)
_TIME_ASKED = re.compile(
    r"\b(at )?what time\b(?! (frame|period|span|zone|limit|of (the )?year))|\bwhat hour\b"
)
_DAY = re.compile(
    rf"\b{_MONTH}\.? \d{{1,2}}(st|nd|rd|th)?\b|\b\d{{1,2}}(st|nd|rd|th)? (of )?{_MONTH}\b|"
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|"
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}(/\d{2,4})?\b",
    re.I,
)
_TIME = re.compile(
    r"\b\d{1,2}[:.]\d{2}\s*([ap]\.?m\.?)?(?!\d)|\b\d{1,2}\s*[ap]\.?m\.?(?!\w)|"
    r"\b(midnight|noon|o'clock)\b",
    re.I,
)


_WEEKDAY = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.I)
_WEEKDAY_ASKED = re.compile(r"\bday of the week\b|\bweekday\b")
_WHAT_DAY = re.compile(r"\b(what|which) day\b|\bon what day\b")


_EXACT = re.compile(r"\b(exact|exactly|precise|precisely)\b")
_COARSE = re.compile(rf"\b(in|of|during|that) ({_MONTH}|(19|20)\d\d)\b")
"""The question already states a month or a year ("what date in july…", "in November 2008");
a bare "may" or a year naming an event ("after the 2008 attacks") does not count."""


@dataclass(frozen=True, slots=True)
class Precision:
    """How precise a date a question asks for, and whether nothing coarser will do."""

    pattern: re.Pattern[str]
    """What a passage must hold: a day, a day of the week, or a time of day."""
    strict: bool
    """True when a coarser answer adds nothing: the question says "exact", or already states
    the month or year ("what date in july…") or the day ("what time on 30th dec…"). Otherwise
    the passages that hold the precision asked for are preferred, and when none does, any date
    answers ("What date did the PTA notify operators?": "In July")."""
    exclusive: bool = False
    """True for a day of the week: news names one rarely, for the day its story broke ("announced
    on Monday"), so a passage that names one is preferred to any that does not."""


def asked_precision(question: str) -> Precision | None:
    """For a question that asks for a day ("on what day…", "what exact date…"), a day of the
    week ("which weekday…", "what day… monday or tuesday?") or a time of day ("what time…"),
    what a passage should hold: a month is no day, a date no weekday, a day no time."""
    text = question.lower()
    exact = bool(_EXACT.search(text))
    if _TIME_ASKED.search(text):
        return Precision(_TIME, exact or bool(_DAY.search(text)))
    if _WEEKDAY_ASKED.search(text) or (_WHAT_DAY.search(text) and _WEEKDAY.search(text)):
        return Precision(_WEEKDAY, exact, exclusive=True)
    if _DAY_ASKED.search(text):
        coarse = _COARSE.search(text)
        if coarse and coarse[2][:1].isalpha():  # "what date in july…": a day of July
            return Precision(_day_of(coarse[2]), True)
        return Precision(_DAY, exact or bool(coarse))
    return None


def _day_of(month: str) -> re.Pattern[str]:
    """A day of ``month`` ("July 24", "24th of July", "Jul. 24"), for a question that names it."""
    name = rf"{month[:3]}[a-z]*"
    return re.compile(
        rf"\b{name}\.? \d{{1,2}}(st|nd|rd|th)?\b|\b\d{{1,2}}(st|nd|rd|th)? (of )?{name}\b", re.I
    )


STRICT = frozenset({AnswerType.DATE, AnswerType.NUMBER, AnswerType.AMOUNT, AnswerType.FORMER_NAME})
"""Types a passage must supply to count as an answer; names are too loosely detected to insist.
A former name is insisted on only when some candidate gives one (`candidates.supplies`): the
question may just ask what something was called at the time."""
_RENAMED = re.compile(
    r"\bwhat (?:was|were) (?P<x>.+?) (?:called|named|known as)\b|"
    r"\b(?:former|previous|old|original|earlier|prior) name of (?P<of>[^?.!,;]+)|"
    r"(?P<whose>(?:\S+\s+){0,2}\S+)'s (?:former|previous|old|original|earlier|prior) name\b|"
    r"\bwhat did (?P<did>.+?) use to be called\b",
    re.I,
)
_NOW = re.compile(
    r"\b(?:went by|became|was renamed|renamed itself|changed its name to) (?P<now>[^?.!,;]+)",
    re.I,
)


def renamed(question: str) -> tuple[str, str]:
    """What an earlier-name question asks about, and the name it goes by now, in the question's
    words: ("BlackBerry", "") of "What was BlackBerry called in 2010?", ("the company",
    "BlackBerry") of "What was the company called before it went by BlackBerry?"; "" for
    what it does not say."""
    text = question.replace("’", "'")
    asked, now = _RENAMED.search(text), _NOW.search(text)
    thing = next((v for v in asked.groupdict().values() if v), "") if asked else ""
    return thing, now["now"] if now else ""


_EARLIER_NAME = re.compile(
    r"\b(former|previous|old|original|earlier|prior) name\b|"
    r"\b(used to be|formerly|originally|previously) (called|named|known)\b",
    re.I,
)


def names_earlier(question: str) -> bool:
    """Does the question ask for an earlier name in so many words ("its former name", "what
    was it formerly known as"), rather than for what something was called at a time ("What was
    BlackBerry called in 2010?", which may just ask for the name it had then)?"""
    return bool(_EARLIER_NAME.search(question))


EXCLUSIVE = frozenset({AnswerType.FORMER_NAME})
"""Strict types so rarely supplied that the passage supplying one is the answer however far
down the ranking it stands: an earlier name is given once, in a clause ("BlackBerry, then
Research in Motion, was able to…") of a paragraph about something else."""


_COUNTED = re.compile(
    r"\bhow (?:many|much)\s+(?:of (?:the|those|these|its|their|[\w-]+'s)\s+)?"
    r"((?:[\w'-]+\s+){0,3}?[\w'-]+?)\s+"
    r"(?=(?:do|does|did|are|is|was|were|have|has|had|will|would|can|could|use|uses|used|died|"
    r"in|of|on|at|for|to)\b)"
)


def counted_words(question: str) -> str:
    """What a "how many …" question counts ("employees" in "how many employees does…")."""
    match = _COUNTED.search(question.lower().replace("’", "'"))
    return match[1] if match else ""


_COUNT = re.compile(
    r"\b(\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|"
    r"thirty|hundred|hundreds|thousand|thousands|million|millions|billion|dozen|dozens)"
    r"(?=((?:\s+[\w-]+){1,3}))",  # a lookahead: "between 10 and 20 gunmen" tries 20 too
    re.I,
)
_NOT_A_COUNT = re.compile(rf"\b{_MONTH}\.?\s*$|^(19|20)\d\d$", re.I)
"""A day of a month ("Dec. 30 Pakistani officials") or a year ("in 2010 India") counts nothing."""


def counts(
    text: str,
    stems: frozenset[str],
    stem: Callable[[str], str],
    close: Callable[[str], bool] | None = None,
) -> bool:
    """Whether ``text`` gives a number of the counted thing: a number followed within two
    words by a word whose stem is in ``stems`` ("approximately 5,000 companies", "killed 166
    people"), three when an adverb opens them ("the 10 heavily armed gunmen"), or, with
    ``close``, by a word it accepts as the same thing ("5,000 companies" counts firms)."""
    for match in _COUNT.finditer(text):
        if _NOT_A_COUNT.search(text[max(0, match.start() - 12) : match.start()]) or (
            _NOT_A_COUNT.search(match[1])
        ):
            continue
        following = [w.casefold() for w in match[2].split()]
        following = following[: 3 if following[0].endswith("ly") else 2]
        if any(stem(w) in stems for w in following):
            return True
        if close is not None and any(close(w) for w in following):
            return True
    return False


def gives_count(text: str) -> bool:
    """Whether ``text`` gives a number of anything: a number followed by a word, not a day of a
    month nor a year ("approximately 5,000 companies", "killed 166 people"; not "Dec. 30",
    "in 2010")."""
    return any(
        not _NOT_A_COUNT.search(text[max(0, m.start() - 12) : m.start()])
        and not _NOT_A_COUNT.search(m[1])
        for m in _COUNT.finditer(text)
    )


def asked_type(question: str) -> AnswerType | None:
    """The kind of answer the question asks for, if it asks for a specific kind."""
    text = question.lower().strip()
    for kind, pattern in _ASKS:
        if pattern.search(text):
            return kind
    return None


def supplies(text: str, kind: AnswerType, names: frozenset[str] | None = None) -> bool:
    """Whether ``text`` contains something of the asked kind (a date, a number, an amount…).

    With ``names``, the words the sources always capitalise (`lexicon.proper_names`), a name
    for "who" must hold one of them that is no month or weekday: "Marty Beard", "Google
    Android", "Saudi Arabia"; not "In July" nor "Enterprise Service", capitalised words the
    sources also write in lower case."""
    if kind is not AnswerType.PERSON or names is None:
        return bool(_SUPPLIES[kind].search(text))
    return any(_is_name(m[0], names) for m in _SUPPLIES[kind].finditer(text))


_CALENDAR = re.compile(rf"^({_MONTH}|monday|tuesday|wednesday|thursday|friday|saturday|sunday)$")


def _is_name(words: str, names: frozenset[str]) -> bool:
    """Does a run of capitalised words (letters only, as `_SUPPLIES` matches them) hold one of
    ``names`` that is no month or weekday?"""
    return any(f in names and not _CALENDAR.match(f) for f in words.lower().split())


@dataclass(frozen=True, slots=True)
class Role:
    """A "who holds this post" question: "Who is the CEO of Secusmart?", "Who heads the PTA?".

    Only a passage that names the post (``post``) and whose post it is (``of``) can answer it;
    a name beside other words answers someone else's question.
    """

    post: str
    """The post asked about, as typed ("chief operating officer", "heads")."""
    of: str
    """Whose post it is, when the question names it ("Secusmart", "the Pakistan
    Telecommunications Authority"); "" when it does not say, or describes it instead ("the
    Ontario company", "the Canadian phone maker"): a description need not be the sources' words,
    so the ranking alone weighs it."""
    nouns: tuple[str, ...] = ()
    """Other words for the same post: the nouns for a verb post ("heads": "head", "chief", …)
    or an office's other names ("head": "chief", "leader", …)."""


_POST_OF = re.compile(
    r"\bwho(?:'s|\s+is|\s+was|\s+are|\s+were|\s+will\s+be|\s+has\s+been)\s+"
    r"(?:the|a|an|its|their|his|her)\s+((?:[\w'-]+\s+){0,3}?[\w'-]+?)"
    r"(?:\s+(of|at|for|in|behind|from|on)\s+([^?.!,;]*)|\s+(?:that|who|which)\b|\s*[?.!]*\s*$)",
    re.I,
)
_POSSESSIVE_POST = re.compile(
    r"\bwho(?:'s|\s+is|\s+was|\s+are|\s+were)\s+([\w-]+(?:\s+(?-i:[A-Z])[\w-]*)*)'s\s+"
    r"((?:[\w-]+\s+){0,2}?[\w-]+)\s*(?=[?.!,;]|$|\s(?:when|during|now|then|at the time)\b)",
    re.I,
)
_VERB_POST = re.compile(
    r"\bwho\s+(heads|headed|leads|led|runs|ran|chairs|chaired|founded|owns|owned|manages|"
    r"managed)\s+([^?.!,;]*)",
    re.I,
)
_VERB_NOUNS = {
    "head": ("head", "chief", "leader", "boss", "chairman", "chair"),
    "lead": ("leader", "head", "chief", "boss"),
    "led": ("leader", "head", "chief", "boss"),
    "run": ("head", "chief", "boss"),
    "ran": ("head", "chief", "boss"),
    "chair": ("chair", "chairman", "chairwoman", "chairperson"),
    "found": ("founder",),
    "own": ("owner",),
    "manag": ("manager",),
}
"""General English: the nouns for the one who does what the verb says (stems as keys)."""
_OFFICES = {
    **dict.fromkeys(("head", "chief", "leader", "boss"), ("head", "chief", "leader", "boss")),
    **dict.fromkeys(
        ("chairman", "chairwoman", "chairperson", "chair"),
        ("chairman", "chairwoman", "chairperson", "chair"),
    ),
    **dict.fromkeys(
        ("spokesperson", "spokesman", "spokeswoman"), ("spokesperson", "spokesman", "spokeswoman")
    ),
    # bodies that speak through office holders ("what did the interior ministry say?")
    **{body: () for body in "ministry army senate parliament court police embassy".split()},
    **{
        office: ()
        for office in (
            "ceo cfo coo cto cio officer president vice-president minister premier chancellor "
            "governor mayor director founder co-founder owner manager secretary commissioner "
            "ambassador editor general king queen"
        ).split()
    },
}
"""Offices: a "who is the … of X" question is strict only when it asks who holds one ("the
CEO of Secusmart", "Pakistan's prime minister", "the operations chief"), each with the other
words for the same office. A description ("the executive who announced it", "the digital
rights activist quoted") is a paraphrase of whatever the sources call the person, and is left
to the ranking. General English, like the capitals table."""


NOT_ONLY_OFFICES = frozenset({"owner", "general", "chair", "manager"})
"""Office words that more often name something else: "handset owners", "the general public",
"the chair of a meeting", "IT managers" (of the companies using a service)."""


def names_office(word: str) -> bool:
    """Does ``word`` (lower case) name an office, and mostly nothing else (`NOT_ONLY_OFFICES`)?"""
    names = office_names(word)
    return bool(names) and names[0] not in NOT_ONLY_OFFICES


def office_names(word: str) -> tuple[str, ...]:
    """The names of the office ``word`` names, itself first ("boss": "boss", "head", "chief", …;
    a plural as its singular), or () when it names none. ``word`` is in lower case."""
    if word not in _OFFICES and word.endswith("s"):
        word = word[:-1]
    if word not in _OFFICES:
        return ()
    return (word, *(name for name in _OFFICES[word] if name != word))


def asked_role(question: str) -> Role | None:
    """The office a "who" question asks about, if it asks about one (see `Role`). A name the
    search spelt out is read as spelt out: the sources use that form."""
    question = read_insertions(question.replace("’", "'"))
    if match := _POST_OF.search(question):
        post, of = match[1], match[3] or ""
    elif match := _POSSESSIVE_POST.search(question):
        post, of = match[2], match[1]
    elif match := _VERB_POST.search(question):
        verb = match[1].lower()
        nouns = next((n for stem, n in _VERB_NOUNS.items() if verb.startswith(stem)), ())
        return Role(verb, _named(match[2]), nouns)
    else:
        return None
    office = post.split()[-1].lower()
    if office not in _OFFICES and office.endswith("s"):
        office = office[:-1]  # "the founders of …"
    if office not in _OFFICES:
        return None
    return Role(post, _named(of), _OFFICES[office])


def _named(whose: str) -> str:
    """``whose`` when it is a name (its last word capitalised: "Secusmart", "the PTA"), "" for a
    description ("the Ontario company") or nothing."""
    words = whose.strip().split()
    return " ".join(words) if words and words[-1][:1].isupper() else ""
