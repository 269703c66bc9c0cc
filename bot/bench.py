"""`storybot bench`: storybot against the floor of its work, each figure a ratio within one run.

Every ratio compares two timings taken side by side in the same run (interleaved where they can
be), so a machine that is busy with something else slows both sides alike. The table is printed
and written into docs/BENCHMARKS.md between the `bench:start` and `bench:end` markers, with the
machine, date and command. Timings are never asserted by the tests; only the answers are.
"""

from __future__ import annotations

import asyncio
import os
import platform
import shlex
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import cast

import numpy as np

from bot.bench_data import base_questions, varied_questions
from bot.bench_run import Figure, cold_start, memory_of_run, scale
from bot.config import Settings
from bot.core import LibraryBuilder, make_builder, make_encoder
from bot.render import render_html
from bot.service import StoryService
from embeddings.encoder import Encoder
from embeddings.library import Library

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "BENCHMARKS.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
WARM_UP = ("hello", "What is this story about?", "Who is quoted?")
NOTES = """\
How each figure is taken (`bot/bench.py`, `bot/bench_run.py`, `bot/bench_scale.py`):

1. Distinct questions (the repository's evaluation questions, then chatty, misspelt,
   keyword-only and off-topic variants), each timed side by side: the bare `encode([question])`
   of the encoder the bot uses, then `StoryService.ask` + `render_html` (the handlers' path,
   answer cache off). Medians. The share answered by one encode is counted on the same
   questions afterwards. The torch model is timed on the same questions as reference.
2. The same distinct questions through `StoryService.ask`, one after another and then all at
   once (`asyncio.gather`), each run on a freshly built library so neither finds the other's
   words cached. Latency is per question, from the burst's start. The ceiling is the bare
   encoder alone on the same questions, one at a time and then in the service's batch size.
3. Wall time of child processes, interleaved, median of three, after one untimed run (the OS
   file cache and the exported ONNX graph are warm, as on any restart).
4. `StoryService.reload` on a copy of the seeds; counts are vectors embedded (passages,
   sentences and vocabulary words).
5. A child process writes a corpus of 100,000 synthetic paragraphs from the seeds' words and
   builds the library on it. Embedding it with the real model would take the projected time
   shown, so its vectors come from the mean of the real model's word vectors; questions are
   embedded by the real model. Above 50,000 vectors the index is HNSW (M 32, efSearch 256);
   recall@10 is the passage index's against brute force for 100 real question vectors. Query
   p50 is the core's (`Library.ask`), interleaved with the seed library's in the same process;
   both embed every question's content words too (the stand-in vectors make other near ties
   than the seeds' real ones, so the share taking that longer path would differ).
6. `storybot run` (as `python -m bot.cli run`) in its own process against the fake Bot API of
   `tests/fakes` over loopback; VmHWM from `/proc/PID/status` after it answered.

Why some targets are out of reach on this CPU (2 cores): one question's forward pass costs
about 2.5 ms however short it is (measured on the ONNX graph: 3 tokens 2.8 ms, 9 tokens 2.6 ms,
64 tokens 7.1 ms), most likely because every pass reads the model's 40-odd MB of fp32 layer
weights, more than the 32 MB L3 cache; a batch pays that once and is then compute-bound at
about 1.5 ms a question. So batching can save at most the ceiling shown in section 2, about
2x, not 5x. An int8 graph is 2.5-3x faster per question, but its vectors fall to cosine
0.985-0.990 against torch, below the 0.999 the issue requires, so it is not used. After the
encode, ranking, excerpts and HTML cost 1-2 ms of single-threaded Python and NumPy, which
against a 3-5 ms floor is the rest of the overhead ratio. That work is slower right after an
encode than back to back (measured on the same questions with their vectors cached: 1.2 ms back
to back, 2.1 ms after an unrelated encode, 1.9 ms after a 3 ms sleep): the forward pass leaves
the caches cold, as a question arriving after a quiet spell does. The torch encode the issue
took as the floor is 2-3x slower than ONNX Runtime's; against it the whole answer costs less
than one bare encode.
"""


def run_benchmarks(settings: Settings, *, quick: bool = False, write: bool = True) -> int:
    """Runs every benchmark, prints the table, and (with ``write``) updates docs/BENCHMARKS.md.

    Returns 0, or 1 when a target was missed (the table says which).
    """
    started = time.perf_counter()
    load = [_read("/proc/loadavg")[:4] or "?"]
    encoder = make_encoder(settings)
    warm_up = getattr(encoder, "warm_up", None)
    if warm_up is not None:
        warm_up().join()  # nothing loads in the background while the figures are taken
    builder = make_builder(settings, encoder)
    builder()  # a valid index on disk, for the cold start and every section after
    base = base_questions(ROOT)
    questions = varied_questions(base, 60 if quick else 200)
    burst_questions = varied_questions(base, 128 if quick else 512, seed=5)
    sections: list[tuple[str, list[Figure]]] = []

    def section(title: str, figures: list[Figure]) -> None:
        sections.append((title, figures))
        print(render_table([(title, figures)]), flush=True)

    section("1. Answer overhead", asyncio.run(answer_overhead(builder, encoder, questions)))
    rounds = 2 if quick else 3
    section("2. Burst throughput", asyncio.run(burst(builder, encoder, burst_questions, rounds)))
    section("3. Cold start", cold_start(settings, ROOT, reps=2 if quick else 3))
    with tempfile.TemporaryDirectory(prefix="storybot-bench-") as tmp:
        section("4. Reload", asyncio.run(reload_counts(settings, encoder, Path(tmp))))
        section("5. Scale", scale(settings, ROOT, Path(tmp), 20_000 if quick else 100_000))
        section("6. Memory", memory_of_run(settings, ROOT, Path(tmp), questions[:40]))
    seconds = time.perf_counter() - started
    sections.append(
        ("Whole run", [Figure("wall time", f"{seconds:.0f} s", "< 300 s", seconds < 300)])
    )
    block = "\n".join([machine(quick, load), "", render_table(sections), "", NOTES.rstrip()])
    print(f"\nstorybot bench: {seconds:.0f} s")
    if write and not quick:
        update_doc(DOC, block)
        print(f"wrote {DOC.relative_to(ROOT)}")
    return 1 if any(f.met is False for _, figs in sections for f in figs) else 0


async def answer_overhead(
    builder: LibraryBuilder, encoder: Encoder, questions: Sequence[str]
) -> list[Figure]:
    """Question text to Telegram HTML through the bot's service, against a bare encode."""
    service = StoryService(builder, cache_size=0)  # every question is distinct anyway
    await service.reload()
    reference: Encoder | None = getattr(encoder, "reference", None)
    for q in WARM_UP:  # not in the measured set, so no measured question finds a warm cache
        render_html(await service.ask(q))
        encoder.encode([q])
        if reference is not None:
            reference.encode([q])
    floor: list[float] = []
    answer: list[float] = []
    for q in questions:  # side by side, question by question
        t0 = time.perf_counter()
        encoder.encode([q])
        t1 = time.perf_counter()
        render_html(await service.ask(q))
        floor.append(t1 - t0)
        answer.append(time.perf_counter() - t1)
    once = _answered_by_one_encode(service.library, questions)
    await service.close()
    ratio = statistics.median(answer) / statistics.median(floor)
    rest = [a - f for a, f in zip(answer, floor, strict=True)]
    figures = [
        Figure("questions (distinct)", str(len(questions))),
        Figure(f"median bare encode ({_backend(encoder)})", _ms(statistics.median(floor))),
        Figure("median question → HTML", _ms(statistics.median(answer))),
        Figure("p90 question → HTML", _ms(statistics.quantiles(answer, n=10)[8])),
        Figure("overhead ratio (answer / encode)", f"{ratio:.2f}", "≤ 1.3", ratio <= 1.3),
        Figure(
            "answered by one encode (the rest also embed their content words)",
            f"{once:.0%}",
        ),
        Figure("median answer − its question's encode", _ms(statistics.median(rest))),
    ]
    if reference is not None:
        # In blocks, not question by question: each runtime's idle threads would slow the other.
        fast, torch = _alternating_blocks(encoder, reference, questions)
        speedup = torch / fast
        texts = [p.text for p in service.library.passages] if service.ready else []
        figures += [
            Figure("median bare encode, blocks of 50: ONNX / torch", f"{_ms(fast)} / {_ms(torch)}"),
            Figure("answer / torch encode", f"{statistics.median(answer) / torch:.2f}"),
            Figure("ONNX speed-up per query vs torch", f"{speedup:.1f}×", "≥ 2×", speedup >= 2),
            _cosine_figure(encoder, reference, texts),
        ]
    return figures


def _answered_by_one_encode(library: Library, questions: Sequence[str]) -> float:
    """Share of the questions that the search's cascade answers with a single encode."""
    searcher = library.searcher
    real = searcher.encoder
    calls: list[int] = []

    class Counting:
        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

        def encode(self, texts: Sequence[str]) -> np.ndarray:
            calls.append(len(texts))
            return real.encode(texts)

    searcher.encoder = cast(Encoder, Counting())
    try:
        library.ask_many(questions)
    finally:
        searcher.encoder = real
    second = calls[1] if len(calls) > 1 else 0  # one batch of content words, if any
    return 1 - second / len(questions) if questions else 1.0


def _alternating_blocks(
    first: Encoder, second: Encoder, questions: Sequence[str], block: int = 50
) -> tuple[float, float]:
    """Median seconds per one-question encode of each encoder, in alternating blocks."""
    times: tuple[list[float], list[float]] = ([], [])
    for start in range(0, len(questions), block):
        for encoder, into in zip((first, second), times, strict=True):
            for q in questions[start : start + block]:
                t = time.perf_counter()
                encoder.encode([q])
                into.append(time.perf_counter() - t)
    return statistics.median(times[0]), statistics.median(times[1])


def _cosine_figure(encoder: Encoder, reference: Encoder, texts: Sequence[str]) -> Figure:
    if not texts:
        return Figure("ONNX vs torch cosine (seed passages)", "n/a")
    lowest = float((encoder.encode(texts) * reference.encode(texts)).sum(axis=1).min())
    return Figure(
        f"ONNX vs torch min cosine ({len(texts)} seed passages)",
        f"{lowest:.6f}",
        "≥ 0.999",
        lowest >= 0.999,
    )


async def burst(
    builder: LibraryBuilder, encoder: Encoder, questions: Sequence[str], rounds: int = 3
) -> list[Figure]:
    """The same questions one after another, then all at once, through the service.

    Each run gets a freshly built library, so neither finds the other's words cached. The pair
    is repeated and the round with the median speed-up is reported: the two halves of a round
    are seconds apart, and a neighbour's load may land on either.
    """
    service = StoryService(builder, cache_size=0)
    runs = []
    for _ in range(rounds):
        runs.append(await _burst_round(service, questions))
    await service.close()
    runs.sort(key=lambda r: r[0] / r[1])
    serial, together, latencies, batches = runs[len(runs) // 2]
    speedup = serial / together
    p99 = statistics.quantiles(latencies, n=100)[98]
    every = ", ".join(f"{r[0] / r[1]:.1f}×" for r in runs)
    size = -(-len(questions) // max(1, batches))
    single, batched = _encode_ceiling(encoder, questions, size)
    ceiling = single / batched
    return [
        Figure("questions", str(len(questions))),
        Figure("one by one", f"{len(questions) / serial:.0f} q/s"),
        Figure("all at once", f"{len(questions) / together:.0f} q/s in {batches} batches"),
        Figure(f"burst speed-up (median of {every})", f"{speedup:.1f}×", "≥ 5×", speedup >= 5),
        Figure("burst latency p50 / p99", f"{_ms(statistics.median(latencies))} / {_ms(p99)}"),
        Figure(
            f"ceiling: bare encode one by one / in batches of {size}",
            f"{_ms(single / len(questions))} / {_ms(batched / len(questions))} a question: "
            f"{ceiling:.1f}×",
        ),
        Figure("burst speed-up / that ceiling", f"{speedup / ceiling:.2f}"),
    ]


def _encode_ceiling(encoder: Encoder, questions: Sequence[str], size: int) -> tuple[float, float]:
    """Seconds to encode the questions one at a time, and in batches of ``size``: what batching
    saves on the encode alone, the most it can save on answers."""
    started = time.perf_counter()
    for q in questions:
        encoder.encode([q])
    single = time.perf_counter() - started
    started = time.perf_counter()
    for i in range(0, len(questions), size):
        encoder.encode(questions[i : i + size])
    return single, time.perf_counter() - started


async def _burst_round(
    service: StoryService, questions: Sequence[str]
) -> tuple[float, float, list[float], int]:
    await service.reload()
    for q in WARM_UP:
        await service.ask(q)
    t = time.perf_counter()
    for q in questions:
        await service.ask(q)
    serial = time.perf_counter() - t
    await service.reload()
    for q in WARM_UP:
        await service.ask(q)
    sent = len(service.batcher.batches)
    latencies: list[float] = []

    async def timed(q: str) -> None:
        start = time.perf_counter()
        await service.ask(q)
        latencies.append(time.perf_counter() - start)

    t = time.perf_counter()
    await asyncio.gather(*(timed(q) for q in questions))
    together = time.perf_counter() - t
    return serial, together, latencies, len(service.batcher.batches) - sent


async def reload_counts(settings: Settings, encoder: Encoder, tmp: Path) -> list[Figure]:
    """`/reload` with nothing changed, then with one article changed, on a copy of the sources."""
    sources = tmp / "reload-sources"
    shutil.copytree(settings.sources_dir, sources)
    copy = settings.model_copy(update={"sources_dir": sources, "index_dir": tmp / "reload-index"})
    service = StoryService(make_builder(copy, encoder))
    first = await service.reload()
    unchanged = await service.reload()
    article = sorted(sources.glob("*.txt"))[0]
    own = [p for p in service.library.passages if p.source_id == article.stem]
    text = article.read_text("utf-8")
    probe = own[len(own) // 2].text[:40]
    line = next((x for x in text.splitlines() if probe in x), max(text.splitlines(), key=len))
    article.write_text(text.replace(line, line + " The company confirmed it on Tuesday.", 1))
    changed = await service.reload()
    await service.close()
    return [
        Figure("first build: items embedded", f"{first.embedded} in {first.seconds:.2f} s"),
        Figure(
            "unchanged: items embedded",
            f"{unchanged.embedded} in {unchanged.seconds:.2f} s",
            "0",
            unchanged.embedded == 0,
        ),
        Figure(
            f"one paragraph of {article.stem} changed ({len(own)} passages)",
            f"{changed.embedded} in {changed.seconds:.2f} s ({', '.join(changed.changed)})",
            "only that article's items",
            0 < changed.embedded <= 2 * len(own) + 30 and changed.changed == (article.stem,),
        ),
    ]


def machine(quick: bool, load: Sequence[str]) -> str:
    """Where and how the figures were taken."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    mem = next(
        (
            line.split()[1]
            for line in _read("/proc/meminfo").splitlines()
            if line.startswith("MemTotal")
        ),
        "0",
    )
    versions = ", ".join(
        f"{name} {_version(name)}"
        for name in ("torch", "onnxruntime", "sentence-transformers", "faiss-cpu")
    )
    command = (
        "storybot " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        if sys.argv
        else "storybot bench"
    )
    return "\n".join(
        [
            f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            f"- Command: `{command}`{' (quick)' if quick else ''}",
            f"- Machine: {cpu}, {len(os.sched_getaffinity(0))} cores, "
            f"{int(mem) / 2**20:.0f} GiB RAM, {platform.system()} {platform.release()}",
            f"- Python {platform.python_version()}; {versions}",
            f"- Load average (1 min) at start / end: {load[0]} / {_read('/proc/loadavg')[:4]} "
            "(other jobs share the cores; each ratio is timed side by side to limit their effect)",
        ]
    )


def render_table(sections: Sequence[tuple[str, Sequence[Figure]]]) -> str:
    lines = ["| figure | value | target | met |", "| --- | --- | --- | --- |"]
    for title, figures in sections:
        lines.append(f"| **{title}** | | | |")
        for f in figures:
            met = "" if f.met is None else ("yes" if f.met else "**no**")
            lines.append(f"| {f.name} | {f.value} | {f.target} | {met} |")
    return "\n".join(lines)


def update_doc(path: Path, block: str) -> None:
    """Replaces the text between the markers (adding them, or the file, when missing)."""
    text = path.read_text("utf-8") if path.is_file() else "# Benchmarks\n"
    fresh = f"{START}\n{block}\n{END}"
    if START in text and END in text.split(START, 1)[1]:
        head, rest = text.split(START, 1)
        text = head + fresh + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## Speed (`storybot bench`)\n\n" + fresh + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def _backend(encoder: Encoder) -> str:
    return "ONNX Runtime" if hasattr(encoder, "reference") else "torch"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"
