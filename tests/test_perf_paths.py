"""The fast paths give the same answers as the slow ones (timings are never asserted here)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import numpy as np
import pytest

from bot.bench.data import base_questions, synthetic_articles, varied_questions
from bot.service.batching import AnswerCache, MicroBatcher
from bot.service.service import StoryService
from bot.wiring import make_builder
from embeddings.library import Library
from embeddings.lru import Lru
from embeddings.models import Answer
from embeddings.retrieval.candidates import best_sentences, candidates_in
from embeddings.retrieval.coverage import SOFT_HIGH, SOFT_LOW, TermMatcher
from embeddings.retrieval.features import Ranking
from embeddings.retrieval.lexicon import stem
from embeddings.retrieval.snapshot import Corpus, group_rows
from embeddings.retrieval.threads import one_blas_thread
from embeddings.store.vectors import VectorIndex, build_faiss
from tests.fakes.encoder import HashEncoder
from tests.fakes.harness import bot_settings

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
QUESTION_FILES = [
    ROOT / "tests/data/dev_questions.jsonl",
    ROOT / "tests/data/extra_questions.jsonl",
]


def unit(rng: np.random.Generator, n: int, dim: int = 16) -> np.ndarray:
    v = rng.normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def matches_oracle(
    m: TermMatcher, terms: list[str], rows: np.ndarray, extra: Mapping[str, np.ndarray]
) -> np.ndarray:
    """The original per-passage loop of `TermMatcher.matches`."""
    out = np.zeros((len(rows), len(terms)), dtype=np.float32)
    for j, term in enumerate(terms):
        vec = m.vector(term, extra)
        sims = m._vectors @ vec if vec is not None else None
        for i, row in enumerate(rows):
            if stem(term) in m._stems[row]:
                out[i, j] = 1.0
            elif sims is not None and len(m._passage_rows[row]):
                best = float(sims[m._passage_rows[row]].max())
                out[i, j] = min(1.0, max(0.0, (best - SOFT_LOW) / (SOFT_HIGH - SOFT_LOW)))
    return out


@pytest.mark.parametrize("seed", range(5))
def test_term_matches_equal_the_per_passage_loop(seed: int) -> None:
    rng = np.random.default_rng(seed)
    words = [f"word{i}" for i in range(40)]
    per_passage = [
        list(rng.choice(words, size=rng.integers(0, 6), replace=False)) for _ in range(30)
    ]
    vocab = list(dict.fromkeys(t for p in per_passage for t in p))
    # Near-duplicate vectors so that some cosines land on the ramp between SOFT_LOW and SOFT_HIGH.
    base = unit(rng, 1)
    vectors = unit(rng, len(vocab)) * 0.6 + base * 0.8
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    matcher = TermMatcher.build(vocab, vectors.astype(np.float32), per_passage)
    extra = {"unseen": vectors[0] * 0.9 + unit(rng, 1)[0] * 0.1}
    terms = [*rng.choice(vocab, size=3, replace=False), "unseen", "nowhere"]
    rows = np.sort(rng.choice(30, size=12, replace=False))
    got = matcher.matches(terms, rows, extra)
    assert np.allclose(got, matches_oracle(matcher, terms, rows, extra), atol=1e-5)
    assert ((got > 0) & (got < 1)).any()  # the ramp is exercised, not only 0 and 1


def test_sentence_grouping_and_best_sentence_equal_the_loops() -> None:
    rng = np.random.default_rng(1)
    owners = np.sort(rng.choice([0, 1, 3, 4, 6], size=25))  # passages 2 and 5 have no sentence
    groups = group_rows(owners, 7)
    assert all(np.array_equal(g, np.flatnonzero(owners == r)) for r, g in enumerate(groups))
    sentence_vectors = unit(rng, len(owners))
    sentence_vectors[3] = sentence_vectors[4]  # a tie between two sentences of one passage

    query = unit(rng, 2)
    rows = np.arange(7)
    best = best_sentences(rows, query, groups, sentence_vectors)
    for r in rows:
        own = groups[r]
        if not len(own):
            assert best[r] == 0.0
            continue
        sims = (sentence_vectors[own] @ query.T).max(axis=1)
        assert best[r] == float(sims.max())


def test_scored_within_a_margin_is_the_filtered_list() -> None:
    rng = np.random.default_rng(2)
    score = np.round(rng.random(40), 2)  # rounded: ties, and scores equal to the bound
    ranking = Ranking(np.arange(40), score, rng.random(40)).sorted()
    for bound in (-np.inf, 0.5, float(ranking.score[3]), float(ranking.score[0]), 2.0):
        expected = [s for s in ranking.scored() if s.score >= bound]
        assert ranking.scored(bound) == expected


def test_candidates_need_no_search_for_every_row() -> None:
    rng = np.random.default_rng(3)
    passages, sentences = (
        VectorIndex(v, build_faiss(v, "exact"), exact=True) for v in (unit(rng, 5), unit(rng, 7))
    )
    owners = np.array([0, 0, 1, 3, 4, 4, 4])  # passage 2 has no sentence
    corpus = cast(Corpus, SimpleNamespace(sentence_owner=owners))
    query = unit(rng, 2)
    for n in (1, 2, 3, 4, 5, 9):
        searched = [passages.search(v[None, :], n)[1].ravel() for v in query]
        searched += [owners[sentences.search(v[None, :], 2 * n)[1].ravel()] for v in query]
        expected = np.unique(np.concatenate(searched))
        assert np.array_equal(candidates_in(corpus, passages, sentences, query, n), expected)


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    folder = tmp_path / "sources"
    shutil.copytree(SEEDS, folder)
    return folder


def seed_service(tmp_path: Path, sources: Path, **options: int) -> StoryService:
    settings = bot_settings(tmp_path, sources_dir=sources)
    return StoryService(make_builder(settings, HashEncoder()), **options)  # type: ignore[arg-type]


async def test_micro_batched_answers_equal_one_by_one_answers(
    tmp_path: Path, sources: Path
) -> None:
    questions = varied_questions(base_questions(QUESTION_FILES), 60)
    service = seed_service(tmp_path, sources, max_batch=16, cache_size=0)
    await service.reload()
    alone = [service.library.ask(q) for q in questions]
    together = await asyncio.gather(*(service.ask(q) for q in [*questions, *questions[:5]]))
    assert [a.to_dict() for a in together] == [a.to_dict() for a in [*alone, *alone[:5]]]
    assert sum(service.batcher.batches) == len(questions)  # the repeats rode along, unasked
    assert len(service.batcher.batches) < len(questions) / 4 and max(service.batcher.batches) == 16
    assert any(a.answered for a in alone) and not all(a.answered for a in alone)
    await service.close()


async def test_a_lone_question_is_not_held_back(tmp_path: Path, sources: Path) -> None:
    service = seed_service(tmp_path, sources)
    await service.reload()
    for q in ("When will BlackBerry leave Pakistan?", "What does BES stand for?"):
        await service.ask(q)
    assert service.batcher.batches == [1, 1]
    await service.close()


async def test_the_cache_never_serves_an_answer_from_before_a_reload(
    tmp_path: Path, sources: Path
) -> None:
    service = seed_service(tmp_path, sources)
    await service.reload()
    question = "Where will Nokia open a phone factory?"
    before = await service.ask(question)
    assert (await service.ask(question)) is before and service.cache.hits == 1
    (sources / "nokia.txt").write_text(
        "Nokia factory\n\nNokia will open a phone factory in Lahore next spring.\n", "utf-8"
    )
    # A batch still running on the old library when the swap happens must not refill the cache.
    slow = asyncio.create_task(service.ask(question + " "))
    await service.reload()
    await slow
    after = await service.ask(question)
    assert after is not before and after.answered and after.excerpts[0].source.id == "nokia"
    assert service.cache.get(service.library, question + " ") is None
    await service.close()


async def test_a_failed_batch_fails_every_question_in_it() -> None:
    calls: list[list[str]] = []

    async def run(library: Library, questions: list[str]) -> list[Answer]:
        calls.append(questions)
        raise OSError("encoder on fire")

    batcher = MicroBatcher(run, max_batch=8)
    library = cast(Library, object())
    results = await asyncio.gather(
        *(batcher.ask(library, f"q{i}") for i in range(3)), return_exceptions=True
    )
    assert calls == [["q0", "q1", "q2"]]
    assert all(isinstance(r, OSError) for r in results)


def test_answer_cache_is_lru_and_per_library() -> None:
    one, two = cast(Library, object()), cast(Library, object())
    cache = AnswerCache(2)
    for q in ("a", "b", "c"):
        cache.put(one, q, Answer(q))
    assert cache.get(one, "a") is None and cache.get(one, "c") == Answer("c")
    assert cache.get(two, "c") is None
    cache.put(two, "x", Answer("x"))
    assert cache.get(one, "c") is None and cache.get(two, "x") == Answer("x")


def test_synthetic_corpus_is_deterministic_and_sized() -> None:
    paragraphs = [p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    first = synthetic_articles(paragraphs, 120, per_article=50)
    assert first == synthetic_articles(paragraphs, 120, per_article=50)
    assert [text.count("\n\n") for _, text in first] == [50, 50, 20]
    assert len({text for _, text in first}) == 3


def test_blas_limit_nests_across_threads_and_restores() -> None:
    from threadpoolctl import threadpool_info

    def blas_threads() -> list[int]:
        """NumPy's BLAS (libraries loaded after the first search, e.g. torch's, are not limited)."""
        return [
            int(i["num_threads"])
            for i in threadpool_info()
            if i["user_api"] == "blas" and "numpy" in i["filepath"]
        ]

    before = blas_threads()
    with one_blas_thread():
        with one_blas_thread():
            assert set(blas_threads()) <= {1}
        assert set(blas_threads()) <= {1}  # the outer user still holds the limit
    assert blas_threads() == before


def test_the_cache_is_lru() -> None:
    cache: Lru[str, int] = Lru(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1 and cache.get("z") is None  # "a" is now the most recent
    assert "b" in cache  # a membership test is not a use
    cache.put("c", 3)
    assert [k for k in "abc" if k in cache] == ["a", "c"]
    assert cache.pop("a") == 1 and cache.pop("a") is None and len(cache) == 1


async def test_repeated_question_words_are_embedded_once(tmp_path: Path, sources: Path) -> None:
    encoder = HashEncoder()
    settings = bot_settings(tmp_path, sources_dir=sources)
    library, _ = make_builder(settings, encoder)()
    library.searcher.escalate_margin = float("inf")  # always embed the content words as well
    question = "Did the zorblax flurbian leave Pakistan?"
    first = library.ask(question)
    encoded = encoder.encoded
    again = library.ask(question + " really")
    assert (
        encoder.encoded - encoded == 2
    )  # the question and its content words; not the unknown words
    assert library.ask(question).to_dict() == first.to_dict() and again.question.endswith("really")


@pytest.mark.model
def test_onnx_encoder_gives_torch_vectors_tokens_and_answers(tmp_path: Path) -> None:
    from embeddings.encoders.onnx import OnnxEncoder, onnx_available
    from embeddings.encoders.sentence_transformers import SentenceTransformerEncoder
    from embeddings.library import build_library

    if not onnx_available():
        pytest.skip("onnxruntime or onnx is not installed")
    reference = SentenceTransformerEncoder()
    fast = OnnxEncoder(reference, tmp_path / "onnx")
    torch_library, _ = build_library(SEEDS, tmp_path / "index", reference)
    texts = [p.text for p in torch_library.passages]
    assert float((fast.encode(texts) * reference.encode(texts)).sum(axis=1).min()) >= 0.999
    assert [fast.count_tokens(t) for t in texts] == [reference.count_tokens(t) for t in texts]
    assert fast.dictionary == reference.dictionary and fast.dim == reference.dim
    vectors, states = fast.encode_with_tokens(texts[:6])  # one pass gives both
    assert np.allclose(vectors, fast.encode(texts[:6]), atol=1e-6)
    _, torch_states = reference.encode_with_tokens(texts[:6])
    assert [len(s) for s in states] == [len(s) for s in torch_states]
    pairs = zip(states, torch_states, strict=True)
    assert min(float((a * b).sum(axis=1).min()) for a, b in pairs) >= 0.999
    fast.warm_up().join()  # the word table: question words are looked up, not encoded
    words = ["handset", "watchdog", "regulator"]
    assert float((fast.encode(words) * reference.encode(words)).sum(axis=1).min()) >= 0.999
    onnx_library, report = build_library(SEEDS, tmp_path / "index", fast)
    assert report.embedded == 0  # the same vectors under the same name: the index is shared
    questions = varied_questions(base_questions(QUESTION_FILES), 80)
    expected = [a.to_dict() for a in torch_library.ask_many(questions)]
    assert [a.to_dict() for a in onnx_library.ask_many(questions)] == expected


def test_bench_rewrites_only_its_own_block(tmp_path: Path) -> None:
    from bot.bench.run import END, START, Figure, render_table, update_doc

    doc = tmp_path / "BENCHMARKS.md"
    update_doc(doc, "first")
    assert (
        doc.read_text().startswith("# Benchmarks") and f"{START}\nfirst\n{END}" in doc.read_text()
    )
    doc.write_text(f"# B\n\n## Evaluation\nmine\n\n{START}\nold\n{END}\n\ntail kept\n")
    table = render_table([("1. Answer", [Figure("ratio", "1.10", "≤ 1.3", True)])])
    update_doc(doc, table)
    text = doc.read_text()
    assert text.startswith("# B\n\n## Evaluation\nmine\n") and text.endswith("\n\ntail kept\n")
    assert "old" not in text and "| ratio | 1.10 | ≤ 1.3 | yes |" in text


def test_onnx_encoder_falls_back_to_torch_when_the_graph_cannot_be_made(tmp_path: Path) -> None:
    from embeddings.encoders.onnx import OnnxEncoder

    reference = HashEncoder()  # it has no model folder, so there is nothing to export
    encoder = OnnxEncoder(reference, tmp_path)  # type: ignore[arg-type]
    assert encoder.session is None
    assert np.array_equal(encoder.encode(["a text"]), reference.encode(["a text"]))
