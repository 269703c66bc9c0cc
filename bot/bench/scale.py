"""The scale benchmark, run in a process of its own so that its memory is its own:

    python -m bot.bench.scale --passages 100000 --work /tmp/x --sources seeds --questions q.txt

It writes a synthetic corpus grown from the seeds' words, builds the library on it and prints
one JSON object: build time and rate, index size on disk, resident memory, query latency, and
the approximate index's recall@10 against exact search.

Embedding 100,000 passages (and their sentences) with the real model takes far longer than the
benchmark may run on two cores, so the corpus is embedded by `WordMeanEncoder`: the mean of the
real model's vectors of a text's words (computed once for the seeds' vocabulary). Its vectors
live in the model's space, so the real model's question vectors search them as they would real
passages; the real model's own embedding rate is measured separately by `bot.bench.run`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np

from bot.bench.data import synthetic_articles
from bot.config import Settings, load_settings
from bot.wiring import make_builder, make_encoder, make_multilingual
from embeddings.encoders.base import Encoder, QueryEncoder
from embeddings.library import build_library

_WORD = re.compile(r"[a-z0-9']+")


class WordMeanEncoder:
    """A text's vector is the normalised mean of its words' vectors (centred, so that texts
    differ the way real passages do rather than all leaning towards the vocabulary's mean)."""

    def __init__(self, words: Sequence[str], vectors: np.ndarray) -> None:
        centred = vectors - vectors.mean(axis=0)
        self._row = {w: i for i, w in enumerate(words)}
        self._vectors = centred / np.linalg.norm(centred, axis=1, keepdims=True)

    name = "bench-word-mean"
    max_tokens = 256

    @property
    def dim(self) -> int:
        return int(self._vectors.shape[1])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            rows = [r for w in _WORD.findall(text.lower()) if (r := self._row.get(w)) is not None]
            if rows:
                out[i] = self._vectors[rows].sum(axis=0)
            else:  # a word we have no vector for: a fixed direction of its own
                seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest())
                out[i] = np.random.default_rng(seed).normal(size=self.dim)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    def count_tokens(self, text: str) -> int:
        return len(_WORD.findall(text.lower())) + 2


def vm_kib(field: str) -> int:
    """A field of /proc/self/status in KiB (VmHWM: peak resident memory); 0 where unknown."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class TimedEncoder:
    """Passes a multilingual encoder through, counting the texts it embeds and the seconds."""

    def __init__(self, inner: QueryEncoder) -> None:
        self.inner = inner
        self.texts = 0
        self.seconds = 0.0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        started = time.perf_counter()
        out = self.inner.encode(texts)
        self.seconds += time.perf_counter() - started
        self.texts += len(texts)
        return out


def e5_rate(
    settings: Settings,
    real: Encoder,
    stand_in: Encoder,
    seed_texts: Sequence[str],
    n: int,
    work: Path,
) -> dict[str, float]:
    """e5's rate on the build of ``n`` synthetic passages (its passage and sentence vectors, as
    `build_library` asks for them); the main side is ``stand_in``, and only e5's time counts.

    A build of the full corpus with e5 would take over an hour on two cores, so the benchmark
    extrapolates this rate linearly to the corpus's passages and sentences."""
    multilingual = make_multilingual(settings, real)
    if multilingual is None or n <= 0:
        return {}
    corpus = work / "e5-sources"
    corpus.mkdir(parents=True, exist_ok=True)
    for i, (_, text) in enumerate(synthetic_articles(seed_texts, n, seed=9)):
        (corpus / f"synthetic-{i:05d}.txt").write_text(text, "utf-8")
    multilingual.encode_queries(["warm up"])
    timed = TimedEncoder(multilingual)
    build_library(corpus, work / "e5-index", stand_in, multilingual=cast(QueryEncoder, timed))
    return {
        "e5_passages": n,
        "e5_texts": timed.texts,
        "e5_rate": timed.texts / timed.seconds if timed.seconds else 0.0,
    }


def run(
    passages: int, work: Path, sources: Path, questions: Sequence[str], e5_sample: int = 0
) -> dict[str, object]:
    settings = load_settings()
    real = make_encoder(settings)
    seeds, _ = make_builder(settings, real)()  # the seed-sized library, from its warm index
    seed_texts = [p.read_text("utf-8") for p in sorted(sources.glob("*.txt"))]
    corpus = work / "sources"
    corpus.mkdir(parents=True, exist_ok=True)
    for n, (_, text) in enumerate(synthetic_articles(seed_texts, passages)):
        (corpus / f"synthetic-{n:05d}.txt").write_text(text, "utf-8")
    words = sorted({w for t in seed_texts for w in _WORD.findall(t.lower())})
    encoder: Encoder = WordMeanEncoder(words, real.encode(words))
    sample = [
        p for _, text in synthetic_articles(seed_texts, 512, seed=8) for p in text.split("\n\n")
    ]
    t = time.perf_counter()
    real.encode(sample)
    embed_rate = len(sample) / (time.perf_counter() - t)
    started = time.perf_counter()
    library, report = build_library(corpus, work / "index", encoder)
    build = time.perf_counter() - started
    e5 = e5_rate(settings, real, encoder, seed_texts, e5_sample, work)
    memory = vm_kib("VmHWM")
    index = library.searcher.corpus.passage_index
    q_vectors = real.encode(list(questions))
    library.searcher.encoder = real  # questions are embedded by the real model
    # The stand-in vectors give the synthetic corpus other near ties than the seeds have, so
    # the share of questions that also embed their content words would differ: both sides
    # always do, so that the ratio compares the same work at two sizes.
    for searcher in (library.searcher, seeds.searcher):
        searcher.escalate_margin = float("inf")
    for q in questions[:5]:
        library.ask(q)
        seeds.ask(q)
    latencies, seed_latencies = [], []
    for q in questions:  # interleaved, so that both sizes see the same machine
        t = time.perf_counter()
        library.ask(q)
        latencies.append(time.perf_counter() - t)
        t = time.perf_counter()
        seeds.ask(q)
        seed_latencies.append(time.perf_counter() - t)
    _, approx = index.search(q_vectors, 10)
    exact = np.argsort(-(q_vectors @ index.vectors.T), axis=1)[:, :10]
    recall = float(np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact, strict=True)]))
    size = sum(f.stat().st_size for f in (work / "index").rglob("*") if f.is_file())
    return {
        "passages": report.passages,
        "sentences": len(library.searcher.corpus.sentences),
        "build_seconds": build,
        "build_rate": report.passages / build,
        "embed_rate": embed_rate,
        "projected_build_seconds": build + report.embedded / embed_rate,
        "index_bytes": size,
        "peak_rss_kib": memory,
        "exact": index.exact,
        "query_p50": statistics.median(latencies),
        "seed_query_p50": statistics.median(seed_latencies),
        "recall_at_10": recall,
        **e5,
        "e5_projected_seconds": (
            (report.passages + len(library.searcher.corpus.sentences)) / e5["e5_rate"]
            if e5.get("e5_rate")
            else 0.0
        ),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.bench.scale")
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--sources", type=Path, default=Path("seeds"))
    parser.add_argument("--questions", type=Path, required=True, help="one question a line")
    parser.add_argument(
        "--e5-sample", type=int, default=0, help="synthetic passages to time e5's build on"
    )
    args = parser.parse_args(argv)
    questions = [q for q in args.questions.read_text("utf-8").splitlines() if q.strip()]
    print(json.dumps(run(args.passages, args.work, args.sources, questions, args.e5_sample)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
