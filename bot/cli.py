"""The `storybot` command: build the index, ask, evaluate, chat in the console, run the bot.

Heavy libraries (torch, sentence-transformers, FAISS) load only inside the commands that need
them, so `storybot --help` and settings errors answer at once.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.config import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from embeddings.evaluation.evaluate import Report
    from embeddings.library import Library
    from embeddings.models import BuildReport

BOLD = ("\033[1m", "\033[0m")
CHAT_HELP = "Ask anything about the story. /sources lists the sources, /quit (or Ctrl-D) leaves."
NO_TOKEN_HINT = (
    "No TELEGRAM_BOT_TOKEN set, so this is the local console chat with the same answers.\n"
    "To run the Telegram bot: create a bot with @BotFather, put TELEGRAM_BOT_TOKEN=... in .env "
    "(see .env.example), then `make run` again."
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `storybot` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        command: Callable[[argparse.Namespace, Settings], int] = args.command
        return command(args, settings)
    except SettingsError as exc:
        print(f"storybot: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # an unwritable INDEX_DIR, a full disk, a vanished folder
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"storybot: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="storybot",
        description="Answers questions about a news story with verbatim, cited quotes.",
    )
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    def add(name: str, func: Callable[..., int], text: str) -> argparse.ArgumentParser:
        cmd = sub.add_parser(name, help=text, description=text)
        cmd.set_defaults(command=func)
        return cmd

    add("index", cmd_index, "build or update the search index")
    ask = add("ask", cmd_ask, "answer one question (or, with --json, one a line from stdin)")
    ask.add_argument("question", nargs="?", help="the question; omit with --json to read stdin")
    ask.add_argument("-k", type=int, default=None, help="at most this many excerpts")
    ask.add_argument("--json", action="store_true", help="print JSON (one object a line)")
    ask.add_argument(
        "--explain",
        action="store_true",
        help="show the top candidates' features, fused scores and the gate that decided",
    )
    ev = add("eval", cmd_eval, "hit@1, hit@3, abstention and precision on a question file")
    ev.add_argument(
        "file", type=Path, help="JSON lines: id, kind, question, gold_any (gold_each, lang)"
    )
    ev.add_argument("-q", "--quiet", action="store_true", help="metrics only, no list of misses")
    ev.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    ev.add_argument(
        "--variants",
        action="store_true",
        help="also the answerable questions misspelt and wrapped in chat (robustness)",
    )
    cal = add("calibrate", cmd_calibrate, "fit the answerability gate on labelled questions")
    cal.add_argument("files", type=Path, nargs="+", help="question files (JSON lines)")
    src = add("sources", cmd_sources, "list the sources as the bot reads them (no index, no model)")
    src.add_argument("--json", action="store_true", help="one JSON object a line, with paragraphs")
    add_url = add("add", cmd_add, "fetch a web page into SOURCES_DIR and update the index")
    add_url.add_argument("url", help="http(s) link to the article")
    add("chat", cmd_chat, "a console conversation that answers like the bot")
    add("run", cmd_run, "run the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    add("start", cmd_start, "the Telegram bot if a token is set, else the console chat")
    bench = add("bench", cmd_bench, "speed benchmarks; writes docs/BENCHMARKS.md")
    bench.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    bench.add_argument("--no-write", action="store_true", help="print only")
    bench.add_argument(
        "--questions",
        type=Path,
        action="append",
        metavar="FILE",
        help="an evaluation file whose questions are asked (repeatable; default: "
        "tests/data/dev_questions.jsonl and extra_questions.jsonl here)",
    )
    bench.add_argument(
        "--doc",
        type=Path,
        default=Path("docs/BENCHMARKS.md"),
        metavar="FILE",
        help="the Markdown file the table is written into (default: %(default)s)",
    )
    return parser


def open_library(
    settings: Settings, *, quiet: bool = False, progress: bool = False
) -> tuple[Library, BuildReport]:
    """Builds or loads the index, printing problems with sources to stderr.

    With `progress` and a terminal on stderr, long embeddings show a tqdm bar (texts per
    second, time left), whatever the encoder backend.
    """
    from bot.wiring import make_builder

    with _ProgressBars(enabled=progress and sys.stderr.isatty()) as bars:
        library, report = make_builder(settings, progress=bars.update if bars.enabled else None)()
    if not quiet:
        for problem in report.problems:
            print(f"storybot: {problem}", file=sys.stderr)
        if report.rebuilt:
            print(f"storybot: index rebuilt ({report.rebuilt})", file=sys.stderr)
    return library, report


class _ProgressBars:
    """One tqdm bar per kind of text embedded (passages, sentences, terms)."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self._bars: dict[str, Any] = {}

    def update(self, what: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if total < _PROGRESS_MIN:
            return
        bar = self._bars.get(what)
        if bar is None:
            bar = self._bars[what] = tqdm(total=total, desc=f"embedding {what}", unit=" texts")
        bar.update(done - bar.n)

    def __enter__(self) -> _ProgressBars:
        return self

    def __exit__(self, *exc: object) -> None:
        for bar in self._bars.values():
            bar.close()


_PROGRESS_MIN = 500
"""Fewer texts than this embed in a second or two: no bar."""


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    """Builds or updates the index and prints what it did."""
    _, report = open_library(settings, progress=True)
    print(format_report(report, settings.index_dir))
    return 0 if report.sources else 1


def format_report(report: BuildReport, index_dir: Path) -> str:
    lines = [
        f"sources: {report.sources}   passages: {report.passages}   "
        f"embedded now: {report.embedded}   time: {report.seconds:.1f} s   index: {index_dir}",
    ]
    for label, ids in (("added", report.added), ("changed", report.changed)):
        if ids:
            lines.append(f"{label}: {', '.join(ids)}")
    if report.removed:
        lines.append(f"removed: {', '.join(report.removed)}")
    lines += [
        f"warning: {i} reads as machine-rewritten text; its quotes are labelled"
        for i in report.machine_rewritten
    ]
    return "\n".join(lines)


def cmd_sources(args: argparse.Namespace, settings: Settings) -> int:
    """Lists every source with its citation and warnings; with --json, its paragraphs too."""
    from embeddings.library import list_sources

    reports, problems = list_sources(settings.sources_dir, settings.metadata_file)
    for problem in problems:
        print(f"storybot: {problem}", file=sys.stderr)
    for report in reports:
        if args.json:
            print(json.dumps(report.to_dict(), ensure_ascii=False))
            continue
        info = report.info
        cited = ", ".join(p for p in (info.publisher, info.author, info.date) if p)
        print(f"{info.id}: {info.title or '(no title)'} · {cited or 'no publisher or date'}")
        print(f"  {len(report.paragraphs)} paragraphs{' · ' + info.url if info.url else ''}")
        for warning in report.warnings:
            print(f"  warning: {warning}")
    return 0 if reports else 1


def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    """Fetches a page as a new source, then updates the index."""
    from bot.service.intake import IntakeError, add_from_url
    from bot.wiring import fetch_limits, metadata_path

    try:
        added = add_from_url(
            args.url, settings.sources_dir, metadata_path(settings), fetch_limits(settings)
        )
    except IntakeError as exc:
        print(f"storybot add: {exc}", file=sys.stderr)
        return 1
    meta = added.metadata
    print(f"added {added.source_id}: {meta.get('title', '(no title)')}")
    print(f"  {', '.join(meta[k] for k in ('publisher', 'author', 'date') if k in meta)}")
    library, report = open_library(settings, progress=True)
    count = next((s.passages for s in library.sources if s.info.id == added.source_id), 0)
    print(f"  {count} passages · {added.url}")
    print(format_report(report, settings.index_dir))
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    """Answers a question, or a stream of questions with --json."""
    from bot.telegram.render import render_text

    if args.question is None and not args.json:
        print(
            "storybot ask: give a question, or use --json to read questions from stdin",
            file=sys.stderr,
        )
        return 2
    library, _ = open_library(settings, quiet=args.json)
    k = args.k if args.k is None else max(1, min(10, args.k))
    if args.question is not None and args.explain:
        from embeddings.evaluation.explain import explain_text
        from embeddings.library import IndexedLibrary

        assert isinstance(library, IndexedLibrary)  # what open_library builds
        answer, why = library.searcher.explain_many([args.question], k)[0]
        print(render_text(answer))
        print(explain_text(library.searcher.corpus, why))
        return 0
    if args.question is not None:
        answer = library.ask(args.question, k)
        print(
            json.dumps(answer.to_dict(), ensure_ascii=False) if args.json else render_text(answer)
        )
        return 0
    _answer_stream(library, sys.stdin, sys.stdout, k)
    return 0


def _answer_stream(library: Library, source: TextIO, sink: TextIO, k: int | None) -> None:
    """One question a line in, one JSON object a line out, in order; batches of 32."""
    batch: list[str] = []

    def flush() -> None:
        for answer in library.ask_many(batch, k):
            sink.write(json.dumps(answer.to_dict(), ensure_ascii=False) + "\n")
        sink.flush()
        batch.clear()

    for line in source:
        if line.strip():
            batch.append(line.strip())
        if len(batch) >= 32:
            flush()
    if batch:
        flush()


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Prints hit@1, hit@3, abstention and false abstention, the other metrics overall, by
    kind and by language, then the misses; or all of it as one JSON object with --json."""
    from embeddings.evaluation.evaluate import evaluate, json_ready, load_questions

    try:
        questions = load_questions(args.file)
    except (OSError, ValueError) as exc:
        print(f"storybot eval: {exc}", file=sys.stderr)
        return 2
    library, _ = open_library(settings, quiet=args.json)
    started = time.perf_counter()
    report = evaluate(questions, lambda qs: library.ask_many(qs))
    seconds = time.perf_counter() - started
    variants: dict[str, dict[str, float]] = {}
    if args.variants:
        from embeddings.evaluation.variants import variants as make_variants

        for kind, items in make_variants(questions).items():
            variants[kind] = evaluate(items, lambda qs: library.ask_many(qs)).metrics
    if args.json:
        out = {"file": str(args.file), "seconds": round(seconds, 3), **report.to_dict()}
        if args.variants:
            out["variants"] = {k: json_ready(v) for k, v in variants.items()}
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(f"{args.file}: {len(questions)} questions in {seconds:.1f} s")
    _print_report(report, quiet=args.quiet)
    for kind, v in variants.items():
        print(
            f"variants, {kind} ({int(v['questions'])}): hit@1 {v['hit@1']:.3f}   "
            f"hit@3 {v['hit@3']:.3f}   false abstention {v['false_abstention']:.3f}"
        )
    return 0


def _print_report(report: Report, *, quiet: bool) -> None:
    """The overall metrics, the lines by kind and by language, then (unless quiet) the misses."""
    m = report.metrics
    print(
        f"hit@1 {m['hit@1']:.3f}   hit@3 {m['hit@3']:.3f}   abstention {m['abstention']:.3f}   "
        f"false abstention {m['false_abstention']:.3f}"
    )
    print(
        f"precision of shown excerpts {_share(m['precision'])}   "
        f"wrong answers {_share(m['wrong_answers'])} ({int(m['wrong_count'])})"
    )
    for label, groups in (("kind", report.by_kind), ("lang", report.by_lang)):
        for name, g in groups.items():
            print(f"  {label} {name} ({int(g['questions'])}): {_metrics_line(g)}")
    if quiet:
        return
    for miss in report.misses():
        q = miss.question
        got = miss.answer.excerpts[0] if miss.answer.excerpts else None
        where = f"{got.source.id}#{got.paragraph} {got.text[:70]!r}" if got else "(abstained)"
        rank = f"rank {miss.rank}" if miss.rank else "no match"
        print(f"  miss {q.id} [{q.kind}] {q.question[:70]!r}: {rank}; first: {where}")


def _share(value: float) -> str:
    """A share to three places, or "-" when there was nothing to count."""
    return "-" if math.isnan(value) else f"{value:.3f}"


def _metrics_line(m: dict[str, float]) -> str:
    names = (
        ("hit@1", "hit@1"),
        ("hit@3", "hit@3"),
        ("abstention", "abst."),
        ("false_abstention", "false abst."),
        ("precision", "prec."),
        ("wrong_answers", "wrong"),
    )
    return "  ".join(f"{label} {_share(m[key])}" for key, label in names)


def cmd_calibrate(args: argparse.Namespace, settings: Settings) -> int:
    """Fits the answerability gate and prints its coefficients and trade-off curve."""
    from embeddings.evaluation.calibrate import calibrate
    from embeddings.evaluation.evaluate import load_questions

    try:
        questions = [q for f in args.files for q in load_questions(f)]
    except (OSError, ValueError) as exc:
        print(f"storybot calibrate: {exc}", file=sys.stderr)
        return 2
    from embeddings.library import IndexedLibrary

    library, _ = open_library(settings)
    assert isinstance(library, IndexedLibrary)  # what open_library builds
    result = calibrate(library, questions)
    print(
        f"{result.samples} English questions reach the gate ({result.unanswerable} unanswerable);"
        f" {result.floor_abstained} unanswerable ones stop at the off-topic floor first"
    )
    print(
        "coefficients: " + ", ".join(f"{n} {c:+.3f}" for n, c in result.model.coefficients.items())
    )
    print(f"intercept: {result.model.intercept:+.3f}")
    print("threshold  abstains on unanswerable  false abstention  (5-fold cross-validated)")
    for threshold, abstain, false in result.curve:
        print(f"  {threshold:.2f}        {abstain:.3f}                    {false:.3f}")
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings, *, hint: str | None = None) -> int:
    """A console conversation: one question a line, answers as the bot gives them."""
    from bot.service.smalltalk import small_talk
    from bot.telegram import texts
    from bot.telegram.render import html_to_plain, render_sources_text, render_text

    if hint:
        print(hint)
    print("Loading the sources…", flush=True)
    library, report = open_library(settings)
    print(f"Ready: {report.sources} sources, {report.passages} passages. {CHAT_HELP}")
    mark = BOLD if sys.stdout.isatty() else ("", "")
    while True:
        try:
            line = input("\nyou> ").strip()
        except EOFError:
            print()
            return 0
        if not line:
            continue
        if line in ("/quit", "/exit", "/q"):
            return 0
        if line in ("/sources", "/help", "/start"):
            print(render_sources_text(library.sources) if line == "/sources" else CHAT_HELP)
            continue
        question = line.removeprefix("/ask").strip() or line
        if talk := small_talk(question):
            print(html_to_plain(texts.small_talk(talk, "", group=False)))
            continue
        print(render_text(library.ask(question[: settings.max_question_chars]), mark=mark))


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Runs the Telegram bot until interrupted."""
    from bot.telegram.app import BotStartError, run_bot

    settings.require_token()
    try:
        run_bot(settings)
    except BotStartError as exc:  # as a settings error: one line, status 2 (docs/OPERATIONS.md)
        print(f"storybot: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_start(args: argparse.Namespace, settings: Settings) -> int:
    """`make run`: the bot when a token is configured, the console chat otherwise."""
    if settings.telegram_bot_token is None:
        return cmd_chat(args, settings, hint=NO_TOKEN_HINT)
    return cmd_run(args, settings)


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    """Runs the speed benchmarks (see docs/BENCHMARKS.md)."""
    from bot.bench.run import QUESTION_FILES, run_benchmarks

    return run_benchmarks(
        settings,
        question_files=args.questions or QUESTION_FILES,
        doc=None if args.no_write else args.doc,
        quick=args.quick,
    )


if __name__ == "__main__":
    sys.exit(main())
