"""The benchmarks that need processes of their own: cold start, memory of `storybot run`, scale."""

from __future__ import annotations

import json
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.bench.fakeapi.api import TOKEN, FakeBotApi
from bot.bench.fakeapi.server import FakeBotServer
from bot.config import Settings, child_environment

QUESTION = "When will BlackBerry leave Pakistan?"
QUESTION_OTHER = "بلیک بیری نے پاکستان سے مکمل طور پر کس تاریخ کو نکلنا تھا؟"
"""Urdu: "By what date was BlackBerry to leave Pakistan completely?" (read by e5)."""
BARE_TORCH = (
    "from embeddings.encoders.sentence_transformers import SentenceTransformerEncoder as E; "
    "E().encode(['warm up'])"
)
BARE_CONFIGURED = (
    "from bot.config import load_settings; from bot.wiring import make_encoder; "
    "make_encoder(load_settings()).encode(['warm up'])"
)
BARE_BOTH = (  # the models ENCODERS names, loaded side by side as the bot does, one encode each
    "from bot.config import load_settings; from bot.wiring import make_encoder, make_multilingual; "
    "s = load_settings(); m = make_encoder(s); e = make_multilingual(s, m); "
    "[t.join() for t in [x.warm_up() for x in (m, e) if hasattr(x, 'warm_up')]]; "
    "m.encode(['warm up']); e is None or e.encode_queries(['warm up'])"
)


@dataclass(frozen=True, slots=True)
class Figure:
    """One line of the benchmark table."""

    name: str
    value: str
    target: str = ""
    met: bool | None = None
    """None for figures reported without a target."""


def _env(settings: Settings, **extra: str) -> dict[str, str]:
    env = child_environment(  # the same settings as this run, made explicit for the children
        SOURCES_DIR=str(settings.sources_dir.resolve()),
        INDEX_DIR=str(settings.index_dir.resolve()),
        ENCODER_BACKEND=settings.encoder_backend,
        ENCODERS=settings.encoders,
        MODEL_CACHE_DIR=str(settings.model_cache_dir),
    )
    return env | extra


def _wall(command: Sequence[str], env: dict[str, str]) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, check=False)
    return time.perf_counter() - started, done.returncode


def cold_start(settings: Settings, *, reps: int) -> list[Figure]:
    """Process start to first answer (warm index on disk) against process start to bare models:
    the ones ENCODERS names (MiniLM through the configured backend, and e5), loaded side by side
    with one encode each; MiniLM alone and torch's MiniLM are shown for reference."""
    env = _env(settings)
    py = sys.executable
    runs: dict[str, Callable[[], tuple[float, int]]] = {
        "torch": lambda: _wall([py, "-c", BARE_TORCH], env),
        "configured": lambda: _wall([py, "-c", BARE_CONFIGURED], env),
        "both": lambda: _wall([py, "-c", BARE_BOTH], env),
        "ask": lambda: _wall([py, "-m", "bot.cli", "ask", QUESTION], env),
        "other": lambda: _wall([py, "-m", "bot.cli", "ask", QUESTION_OTHER], env),
        "help": lambda: _wall([py, "-m", "bot.cli", "--help"], env),
        "bad": lambda: _wall([py, "-m", "bot.cli", "ask", "x"], env | {"TOP_K": "99"}),
    }
    times: dict[str, list[float]] = {name: [] for name in runs}
    codes: dict[str, int] = {}
    runs["other"]()  # the ONNX graph and the OS file cache are warm, as on any restart
    for _ in range(reps):
        for name, run in runs.items():
            seconds, codes[name] = run()
            times[name].append(seconds)
    t = {name: statistics.median(values) for name, values in times.items()}
    bare = "MiniLM + e5" if settings.encoders == "both" else settings.encoders
    figures = [
        Figure("`storybot ask`, English question (first answer, warm index)", f"{t['ask']:.2f} s"),
        Figure("`storybot ask`, Urdu question (first answer, warm index)", f"{t['other']:.2f} s"),
        Figure(f"bare model loads + one encode each: {bare}", f"{t['both']:.2f} s"),
        Figure(
            f"bare model load + one encode: MiniLM alone, {settings.encoder_backend} backend",
            f"{t['configured']:.2f} s",
        ),
        Figure("bare model load + one encode: MiniLM, torch", f"{t['torch']:.2f} s"),
    ]
    for name, key in (("English", "ask"), ("Urdu", "other")):
        ratio = t[key] / t["both"]
        figures.append(
            Figure(
                f"cold start ratio, {name} (vs the bare {bare})",
                f"{ratio:.2f}",
                "≤ 1.25",
                ratio <= 1.25,
            )
        )
    vs_torch = max(t["ask"], t["other"]) / t["torch"]
    return [
        *figures,
        Figure(
            "English answer vs MiniLM's bare load alone (what loading e5 beside it costs)",
            f"{t['ask'] / t['configured']:.2f}",
        ),
        Figure(
            "cold start ratio, slower of the two (vs the bare torch MiniLM)",
            f"{vs_torch:.2f}",
            "≤ 1.25",
            vs_torch <= 1.25,
        ),
        Figure("`storybot --help`", f"{t['help']:.2f} s", "instant (< 1 s)", t["help"] < 1),
        Figure(
            "settings error (TOP_K=99)",
            f"{t['bad']:.2f} s, exit {codes['bad']}",
            "instant (< 1 s)",
            t["bad"] < 1 and codes["bad"] == 2,
        ),
    ]


def scale(
    settings: Settings, tmp: Path, passages: int, base: Sequence[str], *, e5_sample: int
) -> list[Figure]:
    """Builds and queries a synthetic corpus in a child process (see `bot.bench.scale`);
    ``base`` are English questions (the synthetic corpus has no e5 vectors)."""
    from bot.bench.data import varied_questions

    questions = tmp / "scale-questions.txt"
    questions.write_text("\n".join(varied_questions(base, 100)) + "\n", "utf-8")
    command = [sys.executable, "-m", "bot.bench.scale", "--passages", str(passages)]
    command += ["--work", str(tmp / "scale"), "--questions", str(questions)]
    command += ["--e5-sample", str(e5_sample)]
    done = subprocess.run(command, env=_env(settings), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        return [Figure("scale benchmark", f"failed: {tail[0]}", "", False)]
    r = json.loads(done.stdout.strip().splitlines()[-1])
    ratio = r["query_p50"] / r["seed_query_p50"]
    return [
        Figure("passages / sentences", f"{r['passages']:,} / {r['sentences']:,}"),
        Figure(
            "build (stand-in vectors)",
            f"{r['build_seconds']:.0f} s, {r['build_rate']:,.0f} passages/s",
        ),
        Figure("real model embedding rate", f"{r['embed_rate']:,.0f} texts/s"),
        Figure(
            "projected build with the real model", f"{r['projected_build_seconds'] / 60:.0f} min"
        ),
        *_e5_build(r),
        Figure(
            "index on disk / peak resident memory",
            f"{r['index_bytes'] / 2**20:,.0f} MiB / {r['peak_rss_kib'] / 2**10:,.0f} MiB",
        ),
        Figure("index kind", "exact" if r["exact"] else "HNSW (above 50,000 vectors)"),
        Figure(
            "query p50 (content words embedded on both): seeds / synthetic",
            f"{r['seed_query_p50'] * 1000:.1f} / {r['query_p50'] * 1000:.1f} ms",
        ),
        Figure("query p50 ratio", f"{ratio:.2f}", "≤ 3", ratio <= 3),
        Figure(
            "recall@10 vs exact", f"{r['recall_at_10']:.3f}", "≥ 0.95", r["recall_at_10"] >= 0.95
        ),
    ]


def _e5_build(r: dict[str, float]) -> list[Figure]:
    """What e5's passage and sentence vectors add to the build, from a sample's rate."""
    if not r.get("e5_texts"):
        return [Figure("e5 build", "not measured (ENCODERS has no e5)")]
    added = r["e5_projected_seconds"]
    total = r["projected_build_seconds"] + added
    return [
        Figure(
            f"e5 embedding rate (build of {r['e5_passages']:,.0f} synthetic passages: "
            f"{r['e5_texts']:,.0f} passages and sentences)",
            f"{r['e5_rate']:,.1f} texts/s",
        ),
        Figure(
            "build time e5 adds at this scale (that rate, extrapolated linearly)",
            f"{added / 60:.0f} min",
        ),
        Figure("projected build with both models", f"{total / 60:.0f} min"),
    ]


def memory_of_run(settings: Settings, tmp: Path, questions: Sequence[str]) -> list[Figure]:
    """Peak resident memory (VmHWM) of `storybot run` answering the seeds over a fake Bot API."""
    api = FakeBotApi()
    with FakeBotServer(api) as server, (tmp / "run.log").open("w") as log:
        env = {
            k: v for k, v in _env(settings).items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))
        }
        env |= {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": server.base_url,
            "TELEGRAM_API_BASE_FILE_URL": server.base_file_url,
            "FLOOD_QUESTIONS": "1000",
        }
        bot = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], env=env, stderr=log)
        try:
            if not api.wait_until(lambda: "getUpdates" in api.methods(), timeout=120):
                return [Figure("`storybot run` peak memory", "bot did not start", "", False)]
            chat = api.private(questions[0])["message"]["chat"]["id"]
            for q in questions:
                api.push(api.private(q))
            api.wait_until(lambda: len(api.sent_to(chat)) >= len(questions), timeout=120)
            answered = len(api.sent_to(chat))
            peak = _status_kib(bot.pid, "VmHWM")
        finally:
            bot.send_signal(signal.SIGINT)
            try:
                bot.wait(timeout=60)
            except subprocess.TimeoutExpired:
                bot.kill()
    return [
        Figure(
            f"`storybot run` peak RSS (VmHWM), seeds, {answered} questions over a fake Bot API",
            f"{peak / 2**10:.0f} MiB",
        )
    ]


def _status_kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
