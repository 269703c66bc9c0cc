"""The packaged MiniLM model end to end on the seed story (slower: marked `model`)."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from embeddings.encoders.sentence_transformers import SentenceTransformerEncoder
from embeddings.evaluation.evaluate import evaluate, load_questions
from embeddings.library import IndexedLibrary, build_library
from embeddings.text import normalise

pytestmark = pytest.mark.model
SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexedLibrary]:
    index = tmp_path_factory.mktemp("index")
    lib, report = build_library(SEEDS, index, SentenceTransformerEncoder())
    assert report.sources == 5 and report.embedded > 0 and not report.problems
    yield lib


def test_encoder_gives_unit_vectors_of_the_model_dimension() -> None:
    encoder = SentenceTransformerEncoder()
    vectors = encoder.encode(["BlackBerry leaves Pakistan", "BlackBerry exits Pakistan", "soup"])
    assert vectors.shape == (3, 384)
    assert abs(float((vectors**2).sum(axis=1).max()) - 1.0) < 1e-4
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2])


def test_known_question_is_answered_with_the_right_citation(library: IndexedLibrary) -> None:
    answer = library.ask("What is the new exit date?")
    assert answer.answered
    best = answer.excerpts[0]
    assert "december 30" in normalise(best.text) or "dec. 30" in normalise(best.text)
    assert best.source.title and best.paragraph >= 1
    article = next(a for a in library.articles if a.info.id == best.source.id)
    assert best.paragraph <= len(article.paragraphs)
    assert normalise(best.highlight[0]) in normalise(article.paragraphs[best.paragraph - 1])


def test_off_topic_questions_are_not_answered(library: IndexedLibrary) -> None:
    for question in ("What is the capital of France?", "hello", "Recommend a good film"):
        assert not library.ask(question).answered, question


def test_the_same_quote_in_several_outlets_is_one_excerpt(library: IndexedLibrary) -> None:
    answer = library.ask("Has BlackBerry ever permitted wholesale access to its BES servers?")
    grouped = [e for e in answer.excerpts if e.also_in]
    assert grouped, answer
    texts = [normalise(e.text) for e in answer.excerpts]
    assert sum("world's most secure communications platform" in t for t in texts) <= 1


def test_reopening_an_unchanged_index_embeds_nothing(
    library: IndexedLibrary, tmp_path: Path
) -> None:
    encoder = SentenceTransformerEncoder()
    _, first = build_library(SEEDS, tmp_path, encoder)
    again, second = build_library(SEEDS, tmp_path, encoder)
    assert first.embedded > 0 and second.embedded == 0
    assert again.ask("Who announced the exit?").answered


def test_every_excerpt_is_verbatim_source_text(library: IndexedLibrary) -> None:
    questions = ["Why did BlackBerry leave Pakistan?", "What did OpenMedia say?", "BBM", "India"]
    sources = {a.info.id: normalise(" ".join(a.paragraphs)) for a in library.articles}
    for answer in library.ask_many(questions):
        for excerpt in answer.excerpts:
            for piece in normalise(excerpt.text).split("…"):
                assert piece.strip() in sources[excerpt.source.id]
            assert json.dumps(answer.to_dict())


DATA = Path(__file__).resolve().parent / "data"


@pytest.mark.parametrize(
    ("name", "floor"),
    [
        # The bar on the published development questions.
        ("dev_questions.jsonl", {"hit@1": 0.90, "hit@3": 1.0, "abstention": 0.80}),
        # A blind set written without looking at the search code: a regression floor a little
        # under what docs/BENCHMARKS.md records, so noise in tuning does not make it flaky.
        ("extra_questions.jsonl", {"hit@1": 0.68, "hit@3": 0.80, "abstention": 0.70}),
        # Written after the search was built, measured only: a floor, not a target.
        ("holdout_questions.jsonl", {"hit@1": 0.62, "hit@3": 0.76, "abstention": 0.70}),
    ],
)
def test_retrieval_quality_does_not_regress(
    library: IndexedLibrary, name: str, floor: dict[str, float]
) -> None:
    report = evaluate(load_questions(DATA / name), library.ask_many)
    for metric, least in floor.items():
        assert report.metrics[metric] >= least, (metric, report.metrics, report.misses())
    assert report.metrics["false_abstention"] <= (0.0 if name.startswith("dev") else 0.05)


@pytest.mark.parametrize(
    ("kind", "floor"),
    [
        # docs/BENCHMARKS.md records 0.746 / 0.005, 0.704 / 0.026, 0.746 / 0 and 0.720 / 0.021.
        ("one typo", 0.70),
        ("two typos", 0.66),
        ("chat", 0.72),
        ("other chat", 0.68),
    ],
)
def test_misspelt_and_chatty_questions_do_not_regress(
    library: IndexedLibrary, kind: str, floor: float
) -> None:
    from embeddings.evaluation.variants import variants

    items = variants(load_questions(DATA / "extra_questions.jsonl"))[kind]
    metrics = evaluate(items, library.ask_many).metrics
    # 0.05 is the false-abstention bar of issue 10; the answerability gate costs two typo
    # variants whose misspelt words it cannot tell from words the sources never use.
    assert metrics["hit@1"] >= floor and metrics["false_abstention"] <= 0.05, (kind, metrics)


def test_questions_with_lone_surrogates_and_controls_are_answered(library: IndexedLibrary) -> None:
    answer = library.ask("What is the new exit date?\ud800\x00\u200b")
    assert answer.answered and json.dumps(answer.to_dict(), ensure_ascii=False).encode("utf-8")
