"""The lexical side: BM25 against the formula worked by hand, idioms, names and their matching."""

import math

import numpy as np
import pytest

from embeddings.retrieval.coverage import TermMatcher
from embeddings.retrieval.lexicon import Lexicon, Query, _one_edit, content_terms, proper_names

DOCS = [
    "Ferry ferry harbour",  # content terms: ferry ferry harbour (3 long)
    "Harbour office closed",  # harbour office closed (3 long)
    "The",  # no content term: counts as 1 long
]


def by_hand(term: str, row: int) -> float:
    docs = [["ferry", "ferry", "harbour"], ["harbour", "office", "closed"], []]
    n = len(docs)
    df = sum(term in d for d in docs)
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    lengths = [len(d) or 1 for d in docs]
    average = sum(lengths) / n
    tf = docs[row].count(term)
    return idf * tf / (tf + 1.2 * (1 - 0.75 + 0.75 * lengths[row] / average))


def test_bm25_is_lucenes_formula() -> None:
    scores = Lexicon(DOCS).bm25(Query(("ferry", "harbour"), ()))
    expected = [by_hand("ferry", r) + by_hand("harbour", r) for r in range(3)]
    assert scores.dtype == np.float32
    assert scores == pytest.approx(expected, rel=1e-6)
    assert scores[0] > scores[1] > scores[2] == 0


def test_a_repeated_query_word_counts_twice_and_unknown_words_score_nothing() -> None:
    lexicon = Lexicon(DOCS)
    once = lexicon.bm25(Query(("office",), ()))
    assert lexicon.bm25(Query(("office", "office", "quokka"), ())) == pytest.approx(2 * once)
    assert not lexicon.bm25(Query(("quokka",), ())).any()
    assert not Lexicon([]).bm25(Query(("ferry",), ())).size


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("What does BES stand for?", ["bes"]),
        ("What do the letters PTA stand for", ["letters", "pta"]),
        ("BlackBerry is standing firm for now", ["blackberry", "standing", "firm"]),
        ("What is BlackBerry's stand on privacy?", ["blackberry", "stand", "privacy"]),
        ("The authority asked AT&T", ["authority", "asked"]),  # "ask" must still find it
    ],
)
def test_stand_for_is_an_idiom_not_a_topic(text: str, terms: list[str]) -> None:
    assert content_terms(text) == terms


def test_proper_names_are_words_the_sources_always_capitalise() -> None:
    names = proper_names(
        [
            "Then BlackBerry left Pakistan, as India had threatened a ban, said the Indian press.",
            "Some Pakistani officials and the BES servers. Servers stay in Waterloo's office.",
            "The ban was lifted; the office stays.",
        ]
    )
    assert {"pakistan", "india", "indian", "pakistani", "waterloo", "blackberry"} <= names
    assert not names & {"ban", "office", "servers", "bes", "the", "some"}  # or only opening one


def test_a_name_is_matched_softly_only_by_words_that_start_like_it() -> None:
    base = np.zeros(8, dtype=np.float32)
    base[0] = 1.0

    def near(k: int) -> np.ndarray:  # cosine ~0.9 with `base`
        v = base.copy()
        v[k] = 0.5
        return v / np.linalg.norm(v)

    terms = ["pakistan", "indian"]
    vectors = np.stack([near(1), near(2)]).astype(np.float32)
    matcher = TermMatcher.build(terms, vectors, [["pakistan"], ["indian"]])
    rows = np.array([0, 1])
    extra = {"india": base}
    loose = matcher.matches(["india"], rows, extra)
    strict = matcher.matches(["india"], rows, extra, names={"india"})
    assert loose[0, 0] > 0.5 and loose[1, 0] > 0.5  # without the rule: Pakistan ~ India
    assert strict[0, 0] == 0.0 and strict[1, 0] == loose[1, 0]  # "indian" still counts


@pytest.mark.parametrize(
    ("a", "b", "one"),
    [
        ("reguletor", "regulator", True),  # a letter changed
        ("regulatr", "regulator", True),  # dropped
        ("reggulator", "regulator", True),  # doubled
        ("rgeulator", "regulator", True),  # neighbours swapped
        ("rguelator", "regulator", False),  # two edits
        ("regulator", "regulator", False),
        ("hands", "handset", False),
    ],
)
def test_one_edit(a: str, b: str, one: bool) -> None:
    assert _one_edit(a, b) is one and _one_edit(b, a) is one


def test_a_misspelt_word_the_sources_lack_is_corrected_to_a_dictionary_word() -> None:
    dictionary = {"regulator", "swear", "hands", "sears", "push"}
    lexicon = Lexicon(["The authority gave the carriers until December."], dictionary)
    assert lexicon.query("the reguletor pushed back").terms == ("regulator", "pushed", "back")
    assert lexicon.query("he swears").terms == ("swears",)  # "swear" + "s", not "sears"
    assert lexicon.query("the handset maker").terms == ("handset", "maker")  # nothing one edit off
    assert lexicon.query("the authorty").terms == ("authority",)  # the sources' words first


def test_a_misspelt_stand_for_is_still_an_idiom() -> None:
    lexicon = Lexicon(["BlackBerry Enterprise Server (BES) is standing firm, a stand on privacy."])
    query = lexicon.query("What does BES stnad for?")
    assert query.terms == ("bes",) and query.corrected == (("stnad", "stand"),)
    assert lexicon.query("their stnad on privacy").terms == ("stand", "privacy")


def test_specific_words_are_names_numbers_and_words_outside_the_dictionary() -> None:
    lexicon = Lexicon(
        ["Secusmart said today that it bought 5000 radios.", "The firm in Waterloo said so."],
        dictionary=frozenset({"said", "today", "bought", "radios", "firm", "waterloo"}),
    )
    assert lexicon.specific("secusmart")  # outside the dictionary
    assert lexicon.specific("waterloo")  # a name the sources write, though a dictionary word
    assert lexicon.specific("5000")
    assert not lexicon.specific("today")
    assert not lexicon.specific("radios")
    assert Lexicon(["Anything today."]).specific("today")  # no dictionary: every word is
