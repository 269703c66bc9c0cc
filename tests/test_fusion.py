"""The fused ranking: each signal moves a passage the way it should (hashing encoder)."""

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from embeddings.library import IndexedLibrary, SearchOptions, build_library
from embeddings.retrieval.query import core
from embeddings.retrieval.searcher import Weights
from tests.fakes.encoder import HashEncoder

TEXT = (
    "A Story About A Harbour And Its Ferry\n\n"
    "The ferry service to the outer islands will end on March 3, the harbour company said today.\n\n"
    "The ferry service to the outer islands will end soon, the harbour company said in a statement.\n\n"
    "Secusmart, a small maker of encrypted radios, bought the old harbour office for its staff.\n\n"
    "Fishermen said the harbour company had not talked to them before the decision was announced."
)


@pytest.fixture
def library(tmp_path: Path) -> IndexedLibrary:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "story.txt").write_text(TEXT, "utf-8")
    lib, _ = build_library(
        tmp_path / "s", tmp_path / "i", HashEncoder(dim=256), options=SearchOptions(min_score=0.05)
    )
    return lib


def ranked_paragraphs(library: IndexedLibrary, question: str) -> list[int]:
    searcher = library.searcher
    query = searcher.corpus.lexicon.query(question)
    vectors = searcher.encoder.encode([question, query.text])
    return [
        searcher.corpus.passages[s.row].paragraph
        for s in searcher.rank(question, query, vectors, {})
    ]


def test_a_date_question_prefers_the_passage_with_a_date(library: IndexedLibrary) -> None:
    assert (
        ranked_paragraphs(library, "When will the ferry service to the outer islands end?")[0] == 1
    )


def test_the_type_signal_flips_a_close_call_to_the_dated_passage(library: IndexedLibrary) -> None:
    question = "When will the ferry service to the outer islands end soon?"
    assert ranked_paragraphs(library, question)[0] == 1
    library.searcher.weights = replace(Weights(), type_match=0.0, type_miss=0.0)
    assert ranked_paragraphs(library, question)[0] == 2


def test_a_rare_exact_name_wins_through_bm25_and_coverage(library: IndexedLibrary) -> None:
    assert ranked_paragraphs(library, "secusmart")[0] == 3


def test_coverage_counts_every_question_word(library: IndexedLibrary) -> None:
    order = ranked_paragraphs(library, "Did the fishermen talk to the harbour company?")
    assert order[0] == 4


def test_confidence_zero_when_no_passage_supplies_an_asked_amount(library: IndexedLibrary) -> None:
    searcher = library.searcher
    question = "How much did Secusmart pay for the harbour office?"
    query = searcher.corpus.lexicon.query(question)
    ranked = searcher.rank(question, query, searcher.encoder.encode([question, query.text]), {})
    assert ranked and all(s.confidence == 0.0 for s in ranked)
    assert not library.ask(question).answered


def scores(library: IndexedLibrary, question: str) -> dict[int, float]:
    searcher = library.searcher
    query = searcher.corpus.lexicon.query(question)
    vectors = searcher.encoder.encode([question, query.text])
    ranked = searcher.rank(question, query, vectors, {})
    return {searcher.corpus.passages[s.row].paragraph: s.score for s in ranked}


def test_a_place_question_gets_a_bonus_but_no_penalty(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "a.txt").write_text(
        "A Story About Where The Servers Are\n\n"
        "The company does keep its servers running, and it keeps them running day and night.\n\n"
        "The company keeps its servers running day and night in Canada for its many customers.",
        "utf-8",
    )
    lib, _ = build_library(
        tmp_path / "s", tmp_path / "i", HashEncoder(dim=256), options=SearchOptions(min_score=0.05)
    )
    question = "Where does the company keep its servers running?"
    with_bonus = scores(lib, question)
    lib.searcher.weights = replace(Weights(), type_nudge=0.0)
    without = scores(lib, question)
    assert with_bonus[2] - without[2] == pytest.approx(Weights().type_nudge)
    assert with_bonus[1] == pytest.approx(without[1])


def test_a_question_whose_every_word_is_in_a_passage_is_on_topic(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "story.txt").write_text(TEXT, "utf-8")
    # A floor no hashing-encoder cosine reaches, but under the literal-match confidence.
    lib, _ = build_library(
        tmp_path / "s", tmp_path / "i", HashEncoder(dim=256), options=SearchOptions(min_score=0.45)
    )
    assert lib.ask("Secusmart").excerpts[0].paragraph == 3
    assert lib.ask("secusmart radios").answered
    assert not lib.ask("Secusmart Mars").answered
    assert not lib.ask("How much did Secusmart pay for the harbour office?").answered


class GeneralWords(HashEncoder):
    """A hashing encoder whose tokenizer knows the everyday words of TEXT, not its names."""

    @property
    def dictionary(self) -> frozenset[str]:
        return frozenset(
            "the a ferry service said today statement small maker office staff".split()
        )


def test_a_literal_match_needs_a_word_specific_to_the_story(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "story.txt").write_text(TEXT, "utf-8")
    lib, _ = build_library(
        tmp_path / "s", tmp_path / "i", GeneralWords(dim=256), options=SearchOptions(min_score=0.45)
    )
    assert lib.ask("Secusmart").answered  # a name: on topic wherever it is used
    assert lib.ask("harbour office").answered  # not an everyday word to this tokenizer
    assert not lib.ask("how are you today?").answered  # "today" is in any text
    assert lib.ask("said in a statement").answered  # two words, both in one passage
    # what the question quotes is on topic when found
    assert lib.ask("who bought the 'harbour office'?").answered


class CountingEncoder(HashEncoder):
    """Records the texts of every encode call."""

    def __init__(self) -> None:
        super().__init__(dim=256)
        self.texts: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.append(list(texts))
        return super().encode(texts)


@pytest.fixture
def counted(tmp_path: Path) -> tuple[IndexedLibrary, CountingEncoder]:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "story.txt").write_text(TEXT, "utf-8")
    encoder = CountingEncoder()
    lib, _ = build_library(
        tmp_path / "s", tmp_path / "i", encoder, options=SearchOptions(min_score=0.05)
    )
    encoder.texts.clear()
    return lib, encoder


def unsure(lib: IndexedLibrary, question: str) -> bool:
    """Does ranking with the question's own vector leave a near tie?"""
    searcher = lib.searcher
    query = searcher.corpus.lexicon.query(question)
    vector = searcher.encoder.encode([question])
    return searcher._unsure(searcher.ranking(question, query, vector, {}))


def test_a_sure_question_is_answered_with_one_encode(
    counted: tuple[IndexedLibrary, CountingEncoder],
) -> None:
    lib, encoder = counted
    question = "Secusmart, a small maker of encrypted radios, bought the old harbour office."
    assert not unsure(lib, question)  # the premise: one vector settles it
    encoder.texts.clear()
    assert lib.ask(question).answered
    assert encoder.texts == [[question]]


def test_an_unsure_question_is_ranked_again_with_its_content_words(
    counted: tuple[IndexedLibrary, CountingEncoder],
) -> None:
    lib, encoder = counted
    searcher = lib.searcher
    question = "what about the ferry service to the islands"
    query = searcher.corpus.lexicon.query(question)
    assert unsure(lib, question)  # the premise: one vector leaves two passages nearly tied
    encoder.texts.clear()
    answer = lib.ask(question)
    assert [texts[0] for texts in encoder.texts] == [question, query.text]
    both = searcher.rank(question, query, encoder.encode([question, query.text]), {})
    assert answer.excerpts[0].paragraph == searcher.corpus.passages[both[0].row].paragraph


def test_a_question_of_content_words_only_is_never_encoded_twice(
    counted: tuple[IndexedLibrary, CountingEncoder],
) -> None:
    lib, encoder = counted
    question = "radios fishermen"
    assert unsure(lib, question)  # the premise: two passages nearly tie
    encoder.texts.clear()
    lib.ask(question)
    assert [texts[0] for texts in encoder.texts] == [question]


@pytest.mark.parametrize(
    ("question", "embedded"),
    [
        ("ngl i'm confused, when will the ferry service end?", "when will the ferry service end?"),
        ("lol quick q: did the fishermen say anything", "did the fishermen say anything"),
        ("who bought the harbour office? asking for my uncle", "who bought the harbour office?"),
        # Clauses that ask something or name what the sources use stay.
        (
            "According to the harbour company, why end it?",
            "According to the harbour company, why end it?",
        ),
        ("Hey, what did the fishermen say, hm?", "what did the fishermen say, hm?"),
        ("hey bot", "hey bot"),  # never trimmed to nothing
    ],
)
def test_chat_wrapping_is_left_out_of_what_is_searched(
    library: IndexedLibrary, question: str, embedded: str
) -> None:
    assert core(question, library.searcher.corpus.lexicon) == embedded


def test_literally_on_topic_needs_a_telling_word_or_two() -> None:
    from embeddings.retrieval.candidates import literally_on_topic
    from embeddings.retrieval.lexicon import Lexicon

    dictionary = frozenset({"said", "today", "the", "world", "security", "reasons"})
    lexicon = Lexicon(["Secusmart said so today."], dictionary=dictionary)
    used = np.array([[1.0], [0.4]])  # one term: the first passage uses it, the second not
    assert literally_on_topic(lexicon, ["secusmart"], used).tolist() == [True, False]
    assert not literally_on_topic(lexicon, ["today"], used).any()  # any text has it
    both = np.array([[1.0, 1.0], [1.0, 0.2]])
    assert literally_on_topic(lexicon, ["said", "today"], both).tolist() == [True, False]
    quoted = np.array([0.0, 1.0])
    telling = [("security", "reasons")]
    assert literally_on_topic(lexicon, ["today"], used, telling, quoted).tolist() == [False, True]
    every = [("paramount",)]  # one everyday word, quoted: how a chat checks the sources
    assert literally_on_topic(lexicon, ["today"], used, every, quoted).tolist() == [False, True]
    assert not literally_on_topic(lexicon, ["today"], used, [("the", "a")], quoted).any()
