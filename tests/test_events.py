"""A question asking when a founding, birth, appointment… happened, when the sources never
report one."""

import pytest

from embeddings.retrieval.events import undated_event, undated_event_other
from embeddings.retrieval.lexicon import Lexicon

DOCUMENTS = [
    "The Pakistan Telecommunications Authority notified operators in July.",
    "Marty Beard, the chief operating officer, said the company will leave on Dec. 30.",
    "BlackBerry, then Research in Motion, set up servers in India in 2010.",
    "The former chief executive retired last year.",
]


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon(DOCUMENTS)


@pytest.mark.parametrize(
    ("question", "event"),
    [
        ("When was the Pakistan Telecommunications Authority established?", "founding"),
        ("What year was Research in Motion founded?", "founding"),  # "former" is no "formed"
        ("When did Marty Beard become BlackBerry's chief operating officer?", "appointment"),
        ("When was Beard appointed?", "appointment"),
        ("In which year did Research in Motion rename itself BlackBerry?", "renaming"),
        ("When was Marty Beard born?", "birth"),
        ("When was the PTA set up?", "founding"),
        ("When did Beard take over as chief operating officer?", "appointment"),
        ("when did beard become the coo", "appointment"),  # a name the sources capitalise
    ],
)
def test_the_date_of_an_event_the_sources_never_report(
    lexicon: Lexicon, question: str, event: str
) -> None:
    assert undated_event(question, lexicon) == event


@pytest.mark.parametrize(
    "question",
    [
        "When did the chief executive retire?",  # "retired": reported
        "When will the ban become effective?",  # no office after "become"
        "Why was the authority established?",  # not a question about when
        "When did BlackBerry set up servers in India?",  # no biographical event
        "When did the dispute start?",  # "start" is left out: it means anything
        # no one's history: the one the verb is about is no name, or the verb is active
        "When was the deadline established?",
        "When did Pakistan establish the deadline?",
        "When will the servers be retired?",
        "When were shots fired in Mumbai?",
        "When did BlackBerry's exit become general knowledge?",
        "When did BlackBerry set up servers in India?",
    ],
)
def test_a_reported_event_or_none_passes(lexicon: Lexicon, question: str) -> None:
    assert undated_event(question, lexicon) == ""


@pytest.mark.parametrize(
    ("question", "event"),
    [
        ("¿Cuándo se fundó BlackBerry?", "founding"),
        ("Wann wurde BlackBerry gegründet?", "founding"),
        ("BlackBerry kab qaim hui?", "founding"),
        ("BlackBerry ka naam kab badla?", "renaming"),  # a word between "naam" and "badla"
        ("Marty Beard kab paida hue?", "birth"),
        ("¿Cuándo saldrá BlackBerry de Pakistán?", ""),  # no such event
        ("¿Por qué se fundó la empresa?", ""),  # not asking when
    ],
)
def test_the_date_of_an_event_asked_in_another_language(
    lexicon: Lexicon, question: str, event: str
) -> None:
    assert undated_event_other(question, lexicon) == event
