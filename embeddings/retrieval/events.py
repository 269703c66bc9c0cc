"""When something happened that the sources never report happening.

"When was the Pakistan Telecommunications Authority established?" and "When did Marty Beard
become chief operating officer?" ask for the date of an event in someone's history: a founding,
a birth, an appointment, a renaming, a resignation, a marriage, an election. News reports
mention such an event when it matters, and then in its own words ("founded in 1984",
"appointed in 2014"). When the sources never use any word for it, no passage can date it,
however close the rest of the question comes (the PTA and Beard are everywhere in the seeds,
and so are dates), so the search says the sources don't answer.

Only these biographical events are read: their words rarely mean anything else. Launches and
releases are left out ("when was the statement released?" may be answered by "issued on
Monday"), and so are "start", "begin" and "join", which questions use for anything. The words
are general English, like the offices of `answer_types`.
"""

from __future__ import annotations

import re

from embeddings.retrieval.answer_types import AnswerType, asked_type, office_names
from embeddings.retrieval.lexicon import Lexicon

_EVENTS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    name: (frozenset(asked.split()), frozenset(reported.split()))
    for name, asked, reported in (
        (
            "founding",
            "founded founding establish established incorporated",
            "founded founding founder founders co-founder established establishment "
            "incorporated formed",
        ),
        ("birth", "born birth birthday", "born birth birthday"),
        (
            "appointment",
            "appointed hired promoted elected sworn",
            "appointed appointment hired promoted elected election sworn named became "
            "joined tapped",
        ),
        (
            "renaming",
            "renamed rename renaming rebranded rebrand rebranding",
            "renamed rename renaming rebranded rebrand rebranding",
        ),
        (
            "departure",
            "resigned resign retired retire fired sacked ousted",
            "resigned resign resignation retired retire retirement fired sacked ousted stepped",
        ),
        ("marriage", "married marry wedding", "married marry wedding wife husband"),
    )
}
"""Per event: the words a question dates it by, and the words a report of it would use."""
_BECAME = re.compile(r"\b(?:become|became)((?:\s+[\w'-]+){1,4})", re.I)
""""become the COO", "become BlackBerry's chief operating officer": an appointment when an office
follows within four words (not "become effective")."""
_WORD = re.compile(r"[a-z][a-z'-]*")


def undated_event(question: str, lexicon: Lexicon) -> str:
    """For a question asking when (`AnswerType.DATE`) a biographical event happened, that
    event's name ("founding") when the sources use none of the words a report of it would;
    "" otherwise."""
    if asked_type(question) is not AnswerType.DATE:
        return ""
    words = set(_WORD.findall(question.lower()))
    asked = [name for name, (ask, _) in _EVENTS.items() if words & ask]
    if (match := _BECAME.search(question)) and any(
        office_names(word) for word in _WORD.findall(match[1].lower())
    ):
        asked.append("appointment")
    for name in asked:
        # the very words, not their stems: "former" is no report of anything "formed"
        if not any(word in lexicon.idf for word in _EVENTS[name][1]):
            return name
    return ""
