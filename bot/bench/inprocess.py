"""The benchmarks that run the bot's service in this process: answer overhead, burst, reload.

Each figure compares two timings taken side by side in the same run (see `bot.bench.run`).
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import cast

import numpy as np

from bot.bench.processes import Figure
from bot.config import Settings
from bot.service.service import StoryService
from bot.telegram.render import render_html
from bot.wiring import make_builder
from embeddings.encoders.base import Encoder
from embeddings.encoders.onnx import OnnxEncoder
from embeddings.library import IndexedLibrary, Library, LibraryBuilder

WARM_UP = ("hello", "What is this story about?", "Who is quoted?")


async def answer_overhead(
    builder: LibraryBuilder, encoder: Encoder, questions: Sequence[str]
) -> list[Figure]:
    """Question text to Telegram HTML through the bot's service, against a bare encode."""
    service = StoryService(builder, cache_size=0)  # every question is distinct anyway
    await service.reload()
    reference = encoder.reference if isinstance(encoder, OnnxEncoder) else None
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
    once = _answered_by_one_encode(indexed(service.library), questions)
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
        texts = [p.text for p in indexed(service.library).passages] if service.ready else []
        figures += [
            Figure("median bare encode, blocks of 50: ONNX / torch", f"{_ms(fast)} / {_ms(torch)}"),
            Figure("answer / torch encode", f"{statistics.median(answer) / torch:.2f}"),
            Figure("ONNX speed-up per query vs torch", f"{speedup:.1f}×", "≥ 2×", speedup >= 2),
            _cosine_figure(encoder, reference, texts),
        ]
    return figures


def _answered_by_one_encode(library: IndexedLibrary, questions: Sequence[str]) -> float:
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
    own = [p for p in indexed(service.library).passages if p.source_id == article.stem]
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


def _backend(encoder: Encoder) -> str:
    return "ONNX Runtime" if hasattr(encoder, "reference") else "torch"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def indexed(library: Library) -> IndexedLibrary:
    """The real library behind the service (the benchmarks never run on a stand-in)."""
    if not isinstance(library, IndexedLibrary):
        raise TypeError(f"the benchmarks need the indexed library, not {type(library).__name__}")
    return library
