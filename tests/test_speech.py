"""A question asking what someone said, when the sources name them but never quote them."""

import pytest

from embeddings.retrieval.lexicon import Lexicon
from embeddings.retrieval.speech import asked_speaker, silent_speaker, speakers

DOCUMENTS = [
    "Laura Tribe, a digital rights expert with the OpenMedia advocacy group, said it was good.",
    "After ceding the smartphone crown to Google Android and Apple, the company moved on.",
    "India cited public safety. The company will leave, according to Marty Beard.",
    "The regulator notified operators in July.",
]


def test_speakers_are_names_beside_a_verb_of_saying() -> None:
    found = speakers(DOCUMENTS)
    assert {"laura", "tribe", "openmedia", "india", "marty", "beard"} <= found
    assert not {"apple", "google", "android"} & found  # named, but no one quotes them


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("What did Apple say about the ban?", ["Apple"]),
        ("did Google Android comment on it?", ["Google", "Android"]),
        ("How did India respond?", ["India"]),
        ("How did India react?", []),  # a reaction may be reported without anyone's words
        ("Why was Mumbai mentioned?", []),  # about the text, not anyone's words
        ("Was Apple told about the demand?", []),  # told: Apple listened
        ("What did the OpenMedia expert say?", []),  # a description: the expert, not OpenMedia
        ("What did they say about it?", []),  # no name
        ("what did apple say", []),  # lower case: no cue that it is a name, unless…
        ("What was Apple called in 2010?", []),  # not a question about words said
        ("What did Apple demand?", []),  # a demand is often reported without a verb of saying
    ],
)
def test_the_name_whose_words_are_asked_for(question: str, name: list[str]) -> None:
    assert asked_speaker(question) == name


def test_a_word_the_sources_always_capitalise_is_a_name_in_lower_case_chat_too() -> None:
    assert asked_speaker("what did apple say", names={"apple"}) == ["apple"]
    assert asked_speaker("what did the users say", names={"apple"}) == []
    # "the agency": a description; a capitalised message writes its names in capitals
    assert asked_speaker("what did the agency tell operators", names={"agency"}) == []
    assert asked_speaker("What did agency staff tell operators?", names={"agency"}) == []


def test_a_name_never_quoted_is_reported_as_typed() -> None:
    lexicon = Lexicon([*DOCUMENTS, "Indie music is not the story."])  # the sources use "indie"
    quoted = speakers(DOCUMENTS)
    assert silent_speaker("What did Apple say about the ban?", lexicon, quoted) == "Apple"
    assert silent_speaker("lol what did google say", lexicon, quoted) == "google"
    # the name as typed, small words and all
    assert silent_speaker("What did Google Android say?", lexicon, quoted) == "Google Android"
    assert silent_speaker("What did Apple actually say?", lexicon, quoted) == "Apple"
    # a description of someone else: their lawyers are not Apple
    assert silent_speaker("What did Apple's lawyers say?", lexicon, quoted) == ""
    assert silent_speaker("What did the Google Android team say?", lexicon, quoted) == ""
    assert silent_speaker("What did Laura Tribe say?", lexicon, quoted) == ""
    assert silent_speaker("What did Beard say about July?", lexicon, quoted) == ""
    assert silent_speaker("Why did Indie say it needed access?", lexicon, quoted) == ""  # India
    assert silent_speaker("Why did Indian officials say so?", lexicon, quoted) == ""
    # a name the sources never use is the unknown subject's to report, not this
    assert silent_speaker("What did Nokia say?", lexicon, quoted) == ""
