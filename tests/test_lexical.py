"""BM25 over passages, checked against the formula worked by hand."""

import math

import numpy as np
import pytest

from embeddings.lexical import Lexicon, Query

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
