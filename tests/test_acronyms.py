"""Acronyms the sources spell out but never use, read beside their phrase."""

from embeddings.retrieval.acronyms import acronyms, with_acronyms

TEXTS = [
    "The Pakistan Telecommunications Authority had in July informed operators.",
    "BlackBerry, formerly Research in Motion, said so. Marty Beard, Chief Operating Officer, agreed.",
    "Saudi Arabia and the United Arab Emirates threatened bans. The United Nations said nothing.",
]
TABLE = acronyms(TEXTS)


def test_the_table_holds_each_spelled_out_phrase_by_its_initials() -> None:
    assert TABLE["PTA"] == "Pakistan Telecommunications Authority"
    assert TABLE["RIM"] == "Research in Motion"
    assert TABLE["COO"] == "Chief Operating Officer"
    assert TABLE["UAE"] == "United Arab Emirates"
    assert "TPTA" not in TABLE  # a leading "The" is not part of the name
    assert "UN" in TABLE and TABLE["UN"] == "United Nations"


def test_an_acronym_for_two_phrases_is_left_out() -> None:
    table = acronyms(["The Press Trust Agency met.", "The Pakistan Telecom Authority met."])
    assert "PTA" not in table


def no_words(word: str) -> bool:
    return word in {"rim", "un"}


def test_a_question_reads_an_unknown_acronym_with_its_phrase() -> None:
    asked = with_acronyms("when did the pta notify operators", TABLE, set(), no_words)
    assert asked == "when did the pta (Pakistan Telecommunications Authority) notify operators"
    assert with_acronyms("Was it called RIM?", TABLE, set(), no_words) == (
        "Was it called RIM (Research in Motion)?"
    )


def test_known_words_english_words_and_spelled_out_phrases_stay_as_they_are() -> None:
    assert with_acronyms("what did the COO say", TABLE, {"coo"}, no_words) == "what did the COO say"
    assert with_acronyms("the rim of the glass", TABLE, set(), no_words) == "the rim of the glass"
    same = "Did the PTA (Pakistan Telecommunications Authority) act?"
    assert with_acronyms(same, TABLE, set(), no_words) == same
