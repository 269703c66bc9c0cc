"""When something happened that the sources never report happening.

"When was the Pakistan Telecommunications Authority established?" and "When did Marty Beard
become chief operating officer?" ask for the date of an event in someone's history: a founding,
a birth, an appointment, a renaming, a resignation, a marriage, an election. News reports
mention such an event when it matters, and then in its own words ("founded in 1984",
"appointed in 2014"). When the sources never use any word for it, no passage can date it,
however close the rest of the question comes (the PTA and Beard are everywhere in the seeds,
and so are dates), so the search says the sources don't answer.

Only these biographical events are read, and only when the one they happened to is named right
before the verb ("the PTA established", "Marty Beard become … officer"), since their words mean
other things too: "When was the deadline established?", "When will the servers be retired?",
"When were shots fired?", "When did BlackBerry's exit become general knowledge?". A founding,
a birth or an appointment by its participle counts only in the passive ("When was the PTA set
up?", not "When did BlackBerry set up servers in India?"). Launches and releases are left out
("when was the statement released?" may be answered by "issued on Monday"), and so are "start",
"begin" and "join", which questions use for anything, and "fired", "sacked", "ousted", said of
companies leaving a country. The words are general English, like the offices of
`answer_types`.
"""

from __future__ import annotations

import re

from embeddings.retrieval.answer_types import AnswerType, asked_type, names_office
from embeddings.retrieval.language import any_of, asked_type_other
from embeddings.retrieval.lexicon import Lexicon, content_form

_EVENTS: dict[str, tuple[re.Pattern[str], frozenset[str]]] = {
    name: (re.compile(rf"\b(?:{asked})\b", re.I), frozenset(reported.split()))
    for name, asked, reported in (
        (
            "founding",
            r"(?P<passive>founded|established|incorporated|created|set up)",
            "founded founding founder founders co-founder established establishment "
            "incorporated formed",
        ),
        ("birth", r"(?P<passive>born)", "born birth birthday"),
        (
            "appointment",
            r"(?P<passive>appointed|hired|promoted|elected|sworn in)|"
            r"(?:become|became|take over as|took over as)(?P<office>(?:\s+[\w'-]+){1,4})",
            "appointed appointment hired promoted elected election sworn named became "
            "joined tapped",
        ),
        (
            "renaming",
            r"renamed|rename|renaming|rebranded|rebrand|rebranding|change[ds]? its name|"
            r"changing its name",
            "renamed rename renaming rebranded rebrand rebranding",
        ),
        (
            "departure",
            r"resigned|resign|retired|retire|stepped down|step down",
            "resigned resign resignation retired retire retirement stepped",
        ),
        ("marriage", r"married|marry|got married", "married marry wedding wife husband"),
    )
}
"""Per event: how a question names it (a "passive" one only after "was"/"were": "When was the
PTA established?", not "When did Pakistan establish the deadline?"), and the words a report of
it would use."""
_SKIP = frozenset(
    "be been being was were is get got gets officially first actually finally".split()
)
"""Words between the one the event happened to and its verb ("was officially founded")."""
_WORD = re.compile(r"[\w'’.-]+")


def undated_event(question: str, lexicon: Lexicon) -> str:
    """For a question asking when (`AnswerType.DATE`) a biographical event happened to someone
    or something named, that event's name ("founding") when the sources use none of the words
    a report of it would; "" otherwise. The one it happened to must be named right before the
    verb ("the PTA established", "Marty Beard become"): "When were shots fired?", "When will
    the servers be retired?" and "When did BlackBerry's exit become general knowledge?" date no
    one's history."""
    if asked_type(question) is not AnswerType.DATE:
        return ""
    passive = bool(re.search(r"\b(?:was|were)\b", question, re.I))
    for name, (asked, reported) in _EVENTS.items():
        for match in asked.finditer(question):
            if match.groupdict().get("passive") and not passive:
                continue
            office = match.groupdict().get("office")
            if office is not None and not any(
                names_office(content_form(w)) for w in office.split()
            ):
                continue  # "become effective", "become general knowledge"
            if not _named_before(question[: match.start()], lexicon):
                continue
            # the very words, not their stems: "former" is no report of anything "formed"
            if not any(word in lexicon.idf for word in reported):
                return name
    return ""


def _named_before(before: str, lexicon: Lexicon) -> bool:
    """Does a name end ``before`` (skipping "was", "officially"…): a capitalised word, or one
    the sources always capitalise ("when did beard retire")?"""
    for word in reversed(_WORD.findall(before)):
        bare = word.strip(".'’")
        if bare.lower() in _SKIP:
            continue
        if bare.lower() in ("when", "what", "which", "year", "date", "did", "does", "do", "will"):
            return False
        return bare[:1].isupper() or content_form(bare) in lexicon.names
    return False


_EVENTS_OTHER = {
    "founding": "fundó|fundada|fundado|fundaron|fondée|fondé|fondée|gegründet|gründete|fondata|"
    "fondato|fundada|kuruldu|didirikan|قائم ہوئی|قائم ہوا|qaim hui|qaim hua|bani thi|bana tha|"
    "تأسست|تأسس|أسست|स्थापना|स्थापित",
    "birth": "nació|nacido|né|née|geboren|nato|nata|nasceu|doğdu|lahir|پیدا ہوئے|paida hue|"
    "paida huay|ولد|وُلد|पैदा|जन्म",
    "renaming": "cambió de nombre|cambio de nombre|changé de nom|umbenannt|"
    r"naam(?:\s+\S+)?\s+badl[aie]|نام(?:\s+\S+)?\s+بدل[ای]|नाम(?:\s+\S+)?\s+बदल[ाी]|"
    "غيرت اسمها|غير اسمه",
    "appointment": "nombrado|nombrada|nommé|nommée|ernannt|nominato|nomeado|atandı|diangkat|"
    "مقرر ہوئے|muqarrar|عُين|عين|नियुक्त",
}
"""The same events in the languages of `language.py`'s question words."""
_EVENT_OTHER = [(name, any_of(words)) for name, words in _EVENTS_OTHER.items()]


def undated_event_other(question: str, lexicon: Lexicon) -> str:
    """For a question that is not English asking when (`asked_type_other`: a date) a founding,
    birth, renaming or appointment happened: that event's name when the sources use none of
    the words a report of it would; "" otherwise. Who it happened to is not read."""
    if asked_type_other(question) is not AnswerType.DATE:
        return ""
    for name, pattern in _EVENT_OTHER:
        if pattern.search(question) and not any(w in lexicon.idf for w in _EVENTS[name][1]):
            return name
    return ""
