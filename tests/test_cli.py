"""The storybot command line, with the hashing encoder standing in for the model."""

import io
import json
import math
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from bot import cli
from bot.wiring import make_builder
from embeddings.encoders.progress import CHUNK
from embeddings.library import SearchOptions, build_library
from tests.fakes.encoder import HashEncoder
from tests.fakes.harness import bot_settings
from tests.test_reload_progress import long_article

SOURCE = (
    "Ferry Service Ends On The Northern Route\n\n"
    "The harbour ferry company said the northern route will close on March 3 after years of losses.\n\n"
    "Officials blamed rising fuel prices and a shrinking number of passengers for the decision."
)


def test_answer_stream_writes_one_json_object_a_line_in_order(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "ferry.txt").write_text(SOURCE, "utf-8")
    library, _ = build_library(
        tmp_path / "s", tmp_path / "i", HashEncoder(dim=256), options=SearchOptions(min_score=0.1)
    )
    questions = (
        "When will the northern ferry route close?\n\n   \nthanks!\n" + "fuel prices?\n" * 40
    )
    out = io.StringIO()
    cli._answer_stream(library, io.StringIO(questions), out, k=2)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 42
    first = lines[0]
    assert first["question"] == "When will the northern ferry route close?"
    assert first["answered"] is True
    excerpt = first["excerpts"][0]
    assert set(excerpt) >= {"text", "highlight", "score", "paragraph", "source", "also_in"}
    assert set(excerpt["source"]) >= {"id", "title", "publisher", "author", "date", "url"}
    assert excerpt["source"]["id"] == "ferry" and "March 3" in excerpt["text"]
    assert lines[1] == {"question": "thanks!", "answered": False, "excerpts": []}
    assert all(len(line["excerpts"]) <= 2 for line in lines)


def run(argv: list[str], monkeypatch: pytest.MonkeyPatch, **env: str) -> int:
    for key in ("TELEGRAM_BOT_TOKEN", "SOURCES_DIR", "INDEX_DIR", "MIN_SCORE", "TOP_K"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return cli.main(argv)


def test_bad_settings_are_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(["index"], monkeypatch, MIN_SCORE="2") == 2
    err = capsys.readouterr().err
    assert err.startswith("storybot: invalid settings: MIN_SCORE") and err.count("\n") == 1


def test_missing_token_for_run_explains_how_to_get_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(["run"], monkeypatch) == 2
    assert "@BotFather" in capsys.readouterr().err


def test_unwritable_index_dir_is_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", "utf-8")
    monkeypatch.setattr("bot.wiring.make_encoder", lambda settings: HashEncoder())
    code = run(
        ["index"],
        monkeypatch,
        SOURCES_DIR=str(Path(cli.__file__).parent.parent / "seeds"),
        INDEX_DIR=str(blocker / "index"),
    )
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("storybot: ") and "Traceback" not in err


def test_eval_of_a_missing_file_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(["eval", str(tmp_path / "nope.jsonl")], monkeypatch) == 2
    assert "nope.jsonl" in capsys.readouterr().err


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for command in ("index", "ask", "eval", "chat", "run", "start", "bench"):
        assert command in out


FERRY_CLOSES = {
    "id": "f1",
    "kind": "plain",
    "question": "When will the ferry route close?",
    "gold_any": ["march 3"],
}


def eval_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: Sequence[Mapping[str, object]]
) -> tuple[Path, dict[str, str]]:
    """A sources folder with the ferry story, a question file of ``rows``, the hashing encoder,
    and the settings that point at them."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "ferry.txt").write_text(SOURCE, "utf-8")
    questions = tmp_path / "q.jsonl"
    questions.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    monkeypatch.setattr("bot.wiring.make_encoder", lambda settings: HashEncoder(dim=256))
    env = {"SOURCES_DIR": str(tmp_path / "s"), "INDEX_DIR": str(tmp_path / "i")}
    return questions, env | {"MIN_SCORE": "0.05"}


def test_eval_with_variants_prints_a_line_per_kind(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    off = {"id": "f2", "kind": "off", "question": "Who painted the Mona Lisa?", "gold_any": []}
    questions, env = eval_files(tmp_path, monkeypatch, [FERRY_CLOSES, off])
    code = run(["eval", str(questions), "-q", "--variants"], monkeypatch, **env)
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("variants, ")]
    assert code == 0
    assert [line.split(" (")[0] for line in lines] == [
        "variants, one typo",
        "variants, two typos",
        "variants, chat",
        "variants, other chat",
    ]
    assert all("(3): hit@1" in line for line in lines)  # the answerable question, three times


def test_eval_prints_groups_and_json_with_the_same_metrics(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    two = {
        "id": "f2",
        "kind": "chat",
        "lang": "ur",
        "gold_each": [["march 3"], ["fuel prices"]],
        "question": "When will the ferry route close? And what did officials blame?",
    }
    off = {"id": "f3", "kind": "off", "question": "Who painted the Mona Lisa?", "gold_any": []}
    questions, env = eval_files(tmp_path, monkeypatch, [FERRY_CLOSES, two, off])
    assert run(["eval", str(questions), "-q"], monkeypatch, **env) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("3 questions in " + lines[0].split(" in ")[1])
    assert lines[1].startswith("hit@1 ") and lines[2].startswith("precision of shown excerpts ")
    assert [line.split(" (")[0] for line in lines[3:]] == [
        "  kind chat",
        "  kind off",
        "  kind plain",
        "  lang en",
        "  lang ur",
    ]
    assert run(["eval", str(questions), "--json"], monkeypatch, **env) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["metrics"]["questions"] == 3 and set(out["by_lang"]) == {"en", "ur"}
    assert f"hit@1 {out['metrics']['hit@1']:.3f}" in lines[1]
    assert 0 <= out["metrics"]["precision"] <= 1 and "variants" not in out


def test_index_progress_counts_up_to_the_total_for_each_kind_of_text(tmp_path: Path) -> None:
    settings = bot_settings(tmp_path)
    settings.sources_dir.mkdir()
    (settings.sources_dir / "harbour.txt").write_text(long_article(1200), "utf-8")
    steps: dict[str, list[tuple[int, int]]] = {}
    _, report = make_builder(
        settings,
        HashEncoder(),
        progress=lambda what, done, total: steps.setdefault(what, []).append((done, total)),
    )()
    assert set(steps) == {"passages", "sentences", "terms"}
    assert steps["passages"][-1] == (report.passages, report.passages)
    for what, seen in steps.items():
        counts, totals = [d for d, _ in seen], {t for _, t in seen}
        assert counts == sorted(counts) and counts[0] == 0, what
        assert len(totals) == 1 and counts[-1] == totals.pop(), what
    assert len(steps["passages"]) == 1 + math.ceil(report.passages / CHUNK)  # 0, 256, 512, …


def test_index_on_a_terminal_shows_a_bar_per_kind_of_text(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "harbour.txt").write_text(long_article(1200), "utf-8")
    monkeypatch.setattr("bot.wiring.make_encoder", lambda settings: HashEncoder())
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    monkeypatch.chdir(tmp_path)
    code = run(["index"], monkeypatch, SOURCES_DIR="s", INDEX_DIR="i", ENCODERS="minilm")
    out, err = capsys.readouterr()
    passages = int(re.search(r"passages: (\d+)", out)[1])  # type: ignore[index]
    assert code == 0 and passages >= 500  # fewer embed in a second or two: no bar
    bar = list(re.finditer(r"embedding passages:[^\r\n]*?(\d+)/(\d+)", err))
    counts = [int(m[1]) for m in bar]
    assert len(counts) >= 2 and counts == sorted(counts), err
    assert counts[0] < counts[-1] == int(bar[-1][2]) == passages
    assert "embedding sentences" in err and "texts/s" in err
    capsys.readouterr()
    assert run(["index"], monkeypatch, SOURCES_DIR="s", INDEX_DIR="i", ENCODERS="minilm") == 0
    assert "embedding" not in capsys.readouterr().err  # nothing new to embed: no bar
