"""The benchmarks that run the bot's service in this process: answer overhead, burst, reload.

Each figure compares two timings taken side by side in the same run (see `bot.bench.run`).
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from bot.bench.processes import Figure
from bot.config import Settings
from bot.service.service import StoryService
from bot.telegram.render import render_html
from bot.wiring import make_builder
from embeddings.encoders.base import Encoder, QueryEncoder
from embeddings.encoders.onnx import OnnxEncoder
from embeddings.library import IndexedLibrary, Library, LibraryBuilder

T = TypeVar("T")
WARM_UP = ("hello", "What is this story about?", "Who is quoted?", "یہ خبر کس بارے میں ہے؟")


@dataclass(frozen=True, slots=True)
class Encoders:
    """The encoders the bot runs: MiniLM for English, e5 (when ENCODERS has it) for the rest."""

    main: Encoder
    multilingual: QueryEncoder | None = None

    def bare(self, question: str, other: bool) -> None:
        """The one encode a question cannot do without: e5's for a question in another
        language (MiniLM is not run for it), the main encoder's for an English one."""
        if other and self.multilingual is not None:
            self.multilingual.encode_queries([question])
        else:
            self.main.encode([question])


async def answer_overhead(
    builder: LibraryBuilder, encoders: Encoders, questions: Sequence[str]
) -> list[Figure]:
    """Question text to Telegram HTML through the bot's service, against the bare encode each
    question needs (MiniLM for English, e5 for other languages), and against torch's MiniLM."""
    service = StoryService(builder, cache_size=0)  # every question is distinct anyway
    await service.reload()
    searcher = indexed(service.library).searcher
    other = [searcher.reads_in_other_language(q) for q in questions]
    encoder = encoders.main
    reference = encoder.reference if isinstance(encoder, OnnxEncoder) else None
    for q in WARM_UP:  # not in the measured set, so no measured question finds a warm cache
        render_html(await service.ask(q))
        encoders.bare(q, searcher.reads_in_other_language(q))
        if reference is not None:
            reference.encode([q])
    floor: list[float] = []
    answer: list[float] = []
    for q, o in zip(questions, other, strict=True):  # side by side, question by question
        t0 = time.perf_counter()
        encoders.bare(q, o)
        t1 = time.perf_counter()
        render_html(await service.ask(q))
        floor.append(t1 - t0)
        answer.append(time.perf_counter() - t1)
    english = [i for i, o in enumerate(other) if not o]
    once = _answered_by_one_encode(indexed(service.library), [questions[i] for i in english])
    await service.close()
    figures = [
        Figure(
            "questions (distinct): English / other languages",
            f"{len(english)} / {sum(other)} ({sum(other) / len(questions):.0%} read by e5)",
        ),
        *_by_language(floor, answer, other, _backend(encoder)),
        Figure("p90 question → HTML, all", _ms(statistics.quantiles(answer, n=10)[8])),
        _ratio_figure(
            "overhead ratio, all (median of each answer / its bare encode)",
            statistics.median(a / f for a, f in zip(answer, floor, strict=True)),
        ),
        Figure(
            "English answered by one encode (the rest also embed their content words)",
            f"{once:.0%}",
        ),
        Figure(
            "median English answer − its bare encode",
            _ms(statistics.median(answer[i] - floor[i] for i in english)) if english else "n/a",
        ),
    ]
    if reference is not None:
        # In blocks, not question by question: each runtime's idle threads would slow the other.
        fast, torch = _alternating_blocks(encoder, reference, questions)
        speedup = torch / fast
        texts = [p.text for p in indexed(service.library).passages] if service.ready else []
        vs_torch = statistics.median(answer) / torch
        figures += [
            Figure("median bare encode, blocks of 50: ONNX / torch", f"{_ms(fast)} / {_ms(torch)}"),
            Figure(
                "answer / torch MiniLM encode, all (medians)",
                f"{vs_torch:.2f}",
                "≤ 2",
                vs_torch <= 2,
            ),
            Figure(
                "answer / torch MiniLM encode: English / other languages",
                " / ".join(
                    f"{statistics.median(g) / torch:.2f}" if g else "n/a"
                    for g in _split(answer, other)
                ),
            ),
            Figure("ONNX speed-up per query vs torch", f"{speedup:.1f}×", "≥ 2×", speedup >= 2),
            _cosine_figure(encoder, reference, texts),
        ]
    return figures


def _split(values: Sequence[T], other: Sequence[bool]) -> tuple[list[T], list[T]]:
    """The values of the English questions, and those of the others."""
    return (
        [v for v, o in zip(values, other, strict=True) if not o],
        [v for v, o in zip(values, other, strict=True) if o],
    )


def _by_language(
    floor: Sequence[float], answer: Sequence[float], other: Sequence[bool], backend: str
) -> list[Figure]:
    """Medians and the overhead ratio of each language group against its own bare encode."""
    figures = []
    groups = zip(
        ("English", "other languages"),
        (f"MiniLM ({backend})", "e5 query"),
        _split(floor, other),
        _split(answer, other),
        strict=True,
    )
    for name, model, bare, answered in groups:
        if not bare:
            continue
        b, a = statistics.median(bare), statistics.median(answered)
        figures += [
            Figure(f"{name}: median bare {model} encode / question → HTML", f"{_ms(b)} / {_ms(a)}"),
            _ratio_figure(f"overhead ratio, {name} (answer / bare encode, medians)", a / b),
        ]
    return figures


def _ratio_figure(name: str, ratio: float) -> Figure:
    return Figure(name, f"{ratio:.2f}", "≤ 1.3", ratio <= 1.3)


def _answered_by_one_encode(library: IndexedLibrary, questions: Sequence[str]) -> float:
    """Share of the questions that the search's cascade answers with a single encode."""
    explained = library.searcher.explain_many(questions)
    # (the questions are English: the main encoder reads no other)
    return sum(why.encodes == 1 for _, why in explained) / len(questions) if questions else 1.0


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
    builder: LibraryBuilder, encoders: Encoders, questions: Sequence[str], rounds: int = 3
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
    searcher = indexed(service.library).searcher
    other = [searcher.reads_in_other_language(q) for q in questions]
    await service.close()
    runs.sort(key=lambda r: r[0] / r[1])
    serial, together, latencies, batches = runs[len(runs) // 2]
    speedup = serial / together
    p99 = statistics.quantiles(latencies, n=100)[98]
    every = ", ".join(f"{r[0] / r[1]:.1f}×" for r in runs)
    size = -(-len(questions) // max(1, batches))
    single, batched = _encode_ceiling(encoders, questions, other, size)
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


def _encode_ceiling(
    encoders: Encoders, questions: Sequence[str], other: Sequence[bool], size: int
) -> tuple[float, float]:
    """Seconds to encode the questions one at a time, and in batches of ``size``, each by the
    encoder it needs: what batching saves on the encodes alone, the most it can save on
    answers."""
    started = time.perf_counter()
    for q, o in zip(questions, other, strict=True):
        encoders.bare(q, o)
    single = time.perf_counter() - started
    english, foreign = _split(questions, other)
    started = time.perf_counter()
    for i in range(0, len(english), size):
        encoders.main.encode(english[i : i + size])
    for i in range(0, len(foreign), size):
        if encoders.multilingual is not None:
            encoders.multilingual.encode_queries(foreign[i : i + size])
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


async def reload_counts(settings: Settings, encoders: Encoders, tmp: Path) -> list[Figure]:
    """`/reload` with nothing changed, then with one article changed, on a copy of the sources.

    Items embedded count both models' vectors (MiniLM's passages, sentences and words; e5's
    passages and sentences)."""
    sources = tmp / "reload-sources"
    shutil.copytree(settings.sources_dir, sources)
    copy = settings.model_copy(update={"sources_dir": sources, "index_dir": tmp / "reload-index"})
    builder = make_builder(copy, encoders.main, multilingual=encoders.multilingual)
    service = StoryService(builder)
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
    models = 1 if encoders.multilingual in (None, encoders.main) else 2
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
            0 < changed.embedded <= models * 2 * len(own) + 30
            and changed.changed == (article.stem,),
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
