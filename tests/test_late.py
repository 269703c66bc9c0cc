"""Late interaction: MaxSim, the stored token states, and the re-ranking stage."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from embeddings.evaluation.calibrate import OPEN_GATE
from embeddings.library import SearchOptions, build_library
from embeddings.retrieval.late import maxsim
from embeddings.store import tokens
from embeddings.store.index import IndexItem
from embeddings.store.tokens import sync_tokens
from tests.fakes.encoder import HashEncoder, TokenHashEncoder


def unit(*rows: tuple[float, ...]) -> np.ndarray:
    a = np.array(rows, dtype=np.float32)
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def test_maxsim_averages_each_question_tokens_best_match() -> None:
    question = unit((1, 0, 0), (0, 1, 0))
    covers_both = unit((1, 0, 0), (0, 1, 0), (0, 0, 1))
    covers_one = unit((1, 0, 0), (0, 0, 1))
    scores = maxsim(question, [covers_both, covers_one])
    assert scores == pytest.approx([1.0, 0.5])
    assert maxsim(question, []).shape == (0,)
    empty = np.zeros((0, 3), dtype=np.float32)
    assert maxsim(question, [empty, covers_one]) == pytest.approx([0.0, 0.5])


def items(*texts: str) -> list[IndexItem]:
    return [IndexItem(f"k{i}", f"h-{t}", t) for i, t in enumerate(texts)]


def test_token_states_are_stored_and_reused_by_text_hash(tmp_path: Path) -> None:
    encoder = TokenHashEncoder()
    first, encoded = sync_tokens(tmp_path, items("ferry route closes", "new keeper"), encoder)
    assert encoded == 2 and [len(t) for t in first] == [3, 2]
    assert first[0].dtype == np.float32  # small: held in memory
    assert np.load(next(tmp_path.glob("tokens-*.npy"))).dtype == np.float16  # on disk
    again, encoded = sync_tokens(tmp_path, items("ferry route closes", "new keeper"), encoder)
    assert encoded == 0 and np.array_equal(again[1], first[1])
    changed, encoded = sync_tokens(tmp_path, items("ferry route closes", "old keeper"), encoder)
    assert encoded == 1 and np.array_equal(changed[0], first[0])
    assert len(list(tmp_path.glob("tokens-*.npy"))) == 1  # the old generation is gone


def test_a_changed_model_or_corrupt_file_encodes_everything_again(tmp_path: Path) -> None:
    sync_tokens(tmp_path, items("ferry route closes"), TokenHashEncoder())
    _, encoded = sync_tokens(tmp_path, items("ferry route closes"), TokenHashEncoder(name="other"))
    assert encoded == 1
    (tmp_path / "tokens.json").write_text("{not json", "utf-8")
    _, encoded = sync_tokens(tmp_path, items("ferry route closes"), TokenHashEncoder(name="other"))
    assert encoded == 1
    with pytest.raises(TypeError):
        sync_tokens(tmp_path, items("x"), HashEncoder())


def test_the_late_feature_ranks_with_an_encoder_that_reads_tokens(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "Ferry Story Title Here\n\nThe northern ferry route will close on March 3 after losses.\n\n"
        "The mayor said the town would look for another operator for the islands.",
        "utf-8",
    )
    options = SearchOptions(min_score=0.1)
    library, _ = build_library(folder, tmp_path / "i", TokenHashEncoder(), options=options)
    searcher = library.searcher
    _, why = searcher.explain_many(["When will the northern ferry route close?"])[0]
    late = why.ranking.features["late"]
    assert late.min() >= 0.0
    assert "close on March 3" in library.passages[int(why.ranking.rows[np.argmax(late)])].text
    plain, _ = build_library(folder, tmp_path / "j", HashEncoder(), options=options)
    _, without = plain.searcher.explain_many(["When will the northern ferry route close?"])[0]
    assert "late" not in without.ranking.features


def test_a_further_excerpt_must_reach_the_late_interaction_bar(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    for name, text in {
        "a": "The northern ferry route will close on March 3.",
        "b": "The ferry company said the northern route lost money for years.",
        "c": "The mayor said the town would look for another operator.",
    }.items():
        (folder / f"{name}.txt").write_text(f"Story {name.upper()} Title Here\n\n{text}", "utf-8")
    options = SearchOptions(min_score=0.0, k=3)
    library, _ = build_library(folder, tmp_path / "i", TokenHashEncoder(), options=options)
    searcher = library.searcher
    searcher.gate = OPEN_GATE
    loose = replace(searcher.weights, related_margin=9.0, related_confidence=9.0)
    question = "When will the northern ferry route close?"
    searcher.weights = replace(loose, related_late=0.0)
    assert len(library.ask(question).excerpts) > 1
    searcher.weights = replace(loose, related_late=1.01)  # above the scale: only the first
    assert len(library.ask(question).excerpts) == 1


def test_a_large_store_is_mapped_as_float16_and_debris_is_swept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoder = TokenHashEncoder()
    small, _ = sync_tokens(tmp_path, items("ferry route closes"), encoder)
    monkeypatch.setattr(tokens, "IN_MEMORY", 0)
    (tmp_path / "tokens-0123.npy").write_bytes(b"left by a crash")
    (tmp_path / "tokens.json.abc.tmp").write_text("{", "utf-8")
    mapped, encoded = sync_tokens(tmp_path, items("ferry route closes"), encoder)
    assert encoded == 0 and mapped[0].dtype == np.float16
    assert np.allclose(mapped[0], small[0], atol=1e-3)
    names = sorted(p.name for p in tmp_path.iterdir() if p.name != ".lock")
    assert len(names) == 2 and names[1] == "tokens.json" and names[0].startswith("tokens-")


def test_token_encoding_reports_progress(tmp_path: Path) -> None:
    heard: list[tuple[str, int, int]] = []
    texts = [f"passage number {i}" for i in range(300)]
    sync_tokens(tmp_path, items(*texts), TokenHashEncoder(), lambda *a: heard.append(a))
    assert heard == [("tokens", 256, 300), ("tokens", 300, 300)]
