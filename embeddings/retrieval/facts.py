"""General knowledge about a place, when the sources never state it.

"What's the capital of Pakistan?", "what's the population of pakistan" and "what's the weather
like in karachi" ask for facts an atlas or a forecast gives. A news story names its places
without stating such facts, so the closest passage is about something else ("Mumbai, its
financial capital" is India's, and about the 2008 attacks). The question names a fact of a
kind (`FACTS`) and a place; the fact is stated only when a sentence of the sources uses the
fact's word and a form of the place's name together ("Pakistan, a country of 190 million
people" states no population in these words and is not read: a known limit). Otherwise the
search says the sources never mention it. The kinds are general, like the offices of
`answer_types`: facts about a place, not about a company ("capital" of a company is money).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from embeddings.retrieval.language import any_of
from embeddings.retrieval.lexicon import STOPWORDS, Lexicon, content_form, name_forms

FACTS = {
    "capital": ("capital",),
    "capital city": ("capital",),
    "population": ("population", "populations", "populous", "inhabitants", "residents"),
    "currency": ("currency", "rupee", "rupees", "dollar", "dollars"),
    "gdp": ("gdp",),
    "time zone": ("time zone", "timezone"),
    "language": ("language", "languages"),
    "languages": ("language", "languages"),
    "national language": ("language", "languages"),
    "official language": ("language", "languages"),
    "weather": ("weather", "temperature", "rain", "raining", "forecast"),
    "temperature": ("weather", "temperature", "forecast"),
    "climate": ("climate",),
    "local time": ("local time", "time zone", "timezone"),
    "national anthem": ("anthem",),
}
"""Facts about a place, each with the words a sentence stating it would use."""
_NO_PLACE = frozenset("company firm business it they them one".split())
"""Not places: "the company's capital" is its money."""
_FACT = "|".join(sorted(FACTS, key=len, reverse=True))
_PLACE = r"(?P<place>(?:[\w'.-]+\s*){1,3}?)"
_END = r"\s*(?:[?.!,;]|\b(?:today|now|tomorrow|right now|this week|rn)\b|$)"
_ASKS = [
    # "what's the population of Pakistan?", "what's the weather like in karachi today"
    rf"\b(?:what|which|how)(?:'s|\s+is|\s+was|\s+are)\s+(?:the\s+)?(?P<fact>{_FACT})\s+"
    rf"(?:like\s+)?(?P<of>of|in)\s+{_PLACE}{_END}",
    # chat: "capital of pakistan?", "pakistan capital?"
    rf"^\s*(?:the\s+)?(?P<fact>{_FACT})\s+(?P<of>of|in)\s+{_PLACE}{_END}",
    rf"^\s*(?P<place>[\w.-]+(?:\s+(?-i:[A-Z])[\w.-]*)?)\s+(?P<fact>{_FACT})\s*\??\s*$",
    # "Pakistan's population": not a figure of speech ("Beard's language on back doors") nor a
    # population of something ("Pakistan's population of BES customers")
    r"(?P<place>(?:\b(?-i:[A-Z])[\w.-]*\s+){0,2}\b[\w.-]+)'s\s+"
    r"(?P<fact>capital city|capital|population|currency|gdp|time zone|weather|climate|"
    r"national anthem|national language|official language)\b(?!\s+of\b)",
    rf"\bwhat\s+(?P<fact>currency|money|language|languages)\s+(?:do|does)\s+"
    rf"(?:people\s+|they\s+)?(?:in\s+)?{_PLACE}\s+(?:use|speak|have)\b",
    rf"\bwhat\s+(?P<fact>currency|money|language|languages)\s+(?:do|does)\s+(?:people|they)\s+"
    rf"(?:use|speak|have)\s+(?P<of>in)\s+{_PLACE}{_END}",
    rf"\bhow many (?P<fact>people) live in\s+{_PLACE}{_END}",
    rf"\bis it (?P<fact>raining|snowing|hot|cold|sunny|windy) in\s+{_PLACE}{_END}",
    rf"\bwhat (?P<fact>time zone|timezone) is\s+{_PLACE}\s+in\b",
    rf"\bwhat (?P<fact>time) is it (?:now |right now )?(?P<of>in)\s+{_PLACE}{_END}",
]
_ASKED = [re.compile(p, re.I) for p in _ASKS]
_SAME = {
    "money": "currency",
    "people": "population",
    "raining": "weather",
    "snowing": "weather",
    "hot": "weather",
    "cold": "weather",
    "sunny": "weather",
    "windy": "weather",
    "timezone": "time zone",
    "time": "local time",
}
"""What the other wordings ask: "what money do they use" is the currency."""


def unstated_fact(
    question: str,
    lexicon: Lexicon,
    sentences: Sequence[str],
    passage_sentences: Sequence[np.ndarray],
) -> str:
    """The fact asked for and its place as typed ("the population of pakistan"), when no
    sentence of the sources (``sentences``, grouped per passage by ``passage_sentences``) uses
    a word for that fact beside a form of the place's name; "" otherwise."""
    text = question.replace("’", "'")
    for pattern in _ASKED:
        if (match := pattern.search(text)) is None:
            continue
        fact = match["fact"].lower()
        fact = _SAME.get(fact, fact)
        of = (match.groupdict().get("of") or ("in" if fact == "weather" else "of")).lower()
        typed = match["place"].strip(" ?.!,;").split()
        while typed and content_form(typed[0]) in STOPWORDS:  # "what is Pakistan's…", "the UAE"
            typed = typed[1:]
        words = [content_form(w) for w in typed]
        if not words or words[-1] in _NO_PLACE or words[-1] in STOPWORDS:
            continue  # "what money do they use…": another wording may name the place
        if _stated(FACTS[fact], words[-1], lexicon, sentences, passage_sentences):
            return ""
        return f"the {fact} {of} {' '.join(typed)}"
    return ""


def _stated(
    fact_words: Sequence[str],
    place: str,
    lexicon: Lexicon,
    sentences: Sequence[str],
    passage_sentences: Sequence[np.ndarray],
) -> bool:
    """Does a sentence use one of ``fact_words`` beside ``place`` or a form of it? Only the
    passages that use a fact word are read."""
    places = {place, *name_forms(place)}
    facts = {w.split()[0] for w in fact_words}
    rows = {int(r) for w in facts for r in lexicon.rows_using(w)}
    for row in sorted(rows):
        for s in passage_sentences[row]:
            words = [content_form(w) for w in re.findall(r"[\w'’-]+", sentences[int(s)])]
            at_place = [i for i, w in enumerate(words) if w in places]
            at_fact = [i for i, w in enumerate(words) if w in facts]
            if any(abs(i - j) <= NEAR for i in at_place for j in at_fact):
                return True
    return False


NEAR = 6
"""How close the fact's word and the place must stand in a sentence to state it: "Islamabad,
the capital of Pakistan", "Pakistan's population of 190 million"; not "Like Pakistan is doing
now, India cited … Mumbai, its financial capital"."""


_FACTS_OTHER = {
    "capital": "دارالحکومت|دار الحکومت|darul hukumat|dar-ul-hukumat|राजधानी|عاصمة|العاصمة|"
    "capital|capitale|hauptstadt|başkent|ibu kota",
    "population": "آبادی|abadi|aabadi|जनसंख्या|आबादी|سكان|عدد السكان|población|population|"
    "bevölkerung|einwohner|nüfus|penduduk|popolazione|população",
    "currency": "کرنسی|karansi|मुद्रा|करेंसी|عملة|العملة|moneda|monnaie|währung|para birimi|"
    "mata uang|valuta|moeda|currency",
    "weather": "موسم کیسا|موسم کیا|mausam kaisa|mausam kesa|mausam kaisay|mausam kya|"
    "mosam kaisa|मौसम कैसा|मौसम क्या|طقس|الطقس|qué tiempo hace|clima|météo|wetter|"
    "hava durumu|cuaca|meteo|بارش|barish|baarish|बारिश|مطر|lluvia|llover|lloverá|pluie|"
    "pleuvoir|regen|regnen|yağmur|hujan|weather",
}
"""The same facts in the languages of `language.py`'s question words (not time zone or anthem;
rain is weather; Spanish "tiempo" alone is time, only "qué tiempo hace" the weather; "موسم" /
"mausam" alone is also a season, so only "mausam kaisa/kya"; the English word in a code-mixed
question counts too)."""
_FACT_OTHER = [(fact, any_of(words)) for fact, words in _FACTS_OTHER.items()]


def unstated_fact_other(question: str, lexicon: Lexicon) -> str:
    """For a question that is not English: the fact of a place it asks for, in English ("the
    weather"), when the sources never use any of the fact's words; "" otherwise. The place is
    not read (names change form across scripts), so a fact the sources state anywhere passes."""
    for fact, pattern in _FACT_OTHER:
        if pattern.search(question) and not any(
            len(lexicon.rows_using(w.split()[0])) for w in FACTS[fact]
        ):
            return f"the {fact}"
    return ""
