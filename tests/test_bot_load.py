"""Load: 1,000 questions from 50 users in private chats and 5 groups, with an admin /reload in
the middle, against `storybot run` (HashEncoder) in its own process over real HTTP.

Every question gets exactly one reply, except what the documented flood guard holds back: five
users ask 38 questions each with FLOOD_QUESTIONS=20, so each of them gets 20 answers, one "slow
down" and then silence. Nothing is lost or duplicated; resident memory is sampled as the answers
come in and must level off. `make soak` runs 10,000 questions at a steady 50 a second.

Set STORYBOT_LOAD_REPORT=path to write the figures (answered, latencies, memory) as JSON.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.bench.fakeapi.api import FakeBotApi, Sent
from bot.bench.fakeapi.server import FakeBotServer
from bot.bench.fakeapi.updates import ADMIN, Json
from bot.telegram import texts
from bot.telegram.render import NOT_FOUND, UNMENTIONED
from tests.test_bot_chat import write_sources
from tests.test_bot_e2e import bot_env

ROOT = Path(__file__).resolve().parents[1]
FLOOD_LIMIT = 20
GROUPS = [-1001000000001 - n for n in range(5)]
QUESTIONS = [
    "When will BlackBerry leave Pakistan?",
    "Why is BlackBerry leaving Pakistan?",
    "What did the authority ask AT&T for?",
    "Who wanted access to the BES servers?",
    "When is the exit date?",
    "Who won the football cup?",
    "What is the weather in Lahore?",
]
NOKIA = "Nokia plant\n\nNokia will open a phone factory in Lahore next spring, the company said.\n"


@dataclass
class Asked:
    user: Json
    chat: int
    update: Json

    @property
    def message_id(self) -> int:
        return int(self.update["message"]["message_id"])


@dataclass
class Run:
    """What a load run pushed, and the bot's memory over time."""

    asked: list[Asked] = field(default_factory=list)
    rss_kib: list[tuple[int, int]] = field(default_factory=list)
    """(sendMessage calls so far, resident KiB) samples."""
    peak_kib: int = 0
    seconds: float = 0.0


def users(count: int) -> list[Json]:
    return [{"id": 500_000 + n, "is_bot": False, "first_name": f"U{n}"} for n in range(count)]


def plan(
    api: FakeBotApi,
    people: list[Json],
    flooders: int,
    normal: int,
    heavy: int,
    pool: list[str] = QUESTIONS,
) -> list[Asked]:
    """Round-robin over the users: each asks `normal` questions (the last `flooders` users
    `heavy`) from `pool`, alternately in private and in one of the groups."""
    counts = [normal] * (len(people) - flooders) + [heavy] * flooders
    asked: list[Asked] = []
    for round_ in range(max(counts)):
        for n, user in enumerate(people):
            if round_ >= counts[n]:
                continue
            text = f"{pool[(n + round_) % len(pool)]} ({n}.{round_})"
            if round_ % 2 == 0:
                asked.append(Asked(user, user["id"], api.private(text, user=user)))
            else:
                group = GROUPS[n % len(GROUPS)]
                update = api.group(f"/ask {text}", user=user, chat_id=group)
                asked.append(Asked(user, group, update))
    return asked


def sample_memory(pid: int, api: FakeBotApi, run: Run, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        run.rss_kib.append((len(api.sent), int(fields["VmRSS"].split()[0])))
        run.peak_kib = int(fields["VmHWM"].split()[0])
        stop.wait(0.1)


def run_load(
    tmp_path: Path, api: FakeBotApi, questions: list[Asked], within: float, rate: float | None
) -> Run:
    """Starts the bot, pushes every question (and /reload halfway), waits for the replies.

    `rate` questions a second, or all at once (as fast as the server takes them) if None.
    """
    sources = write_sources(tmp_path / "sources")
    run = Run(asked=questions)
    expected = expected_replies(questions)
    with FakeBotServer(api) as server, (tmp_path / "bot.log").open("w") as log:
        env = bot_env(server, tmp_path, sources) | {
            "FLOOD_QUESTIONS": str(FLOOD_LIMIT),
            "FLOOD_WINDOW_SECONDS": "3600",
            "LOG_LEVEL": "WARNING",
        }
        command = [sys.executable, "-m", "tests.fakes.botprocess"]
        with subprocess.Popen(command, env=env, cwd=ROOT, stderr=log) as bot:
            stop = threading.Event()
            sampler = threading.Thread(target=sample_memory, args=(bot.pid, api, run, stop))
            try:
                assert api.wait_until(lambda: "getUpdates" in api.methods(), timeout=60), (
                    tmp_path / "bot.log"
                ).read_text()
                sampler.start()
                started = time.monotonic()
                half = len(questions) // 2
                for n, asked in enumerate(questions):
                    if n == half:
                        (sources / "nokia.txt").write_text(NOKIA, "utf-8")
                        api.push(api.private("/reload", user=ADMIN))
                    if rate:
                        time.sleep(max(0.0, started + n / rate - time.monotonic()))
                    api.push(asked.update)
                # /reload sends one status message, which its report then replaces
                done = api.wait_until(
                    lambda: len(api.sent) >= expected + 1 and reloaded(api), timeout=within
                )
                run.seconds = time.monotonic() - started
                assert done, f"{len(api.sent)} of {expected + 1} replies in {within} s"
                time.sleep(1.0)  # time for a duplicate to show up, if there were any
                last = api.private("Nokia phone factory Lahore", user=users(1)[0] | {"id": 7})
                api.push(last)
                assert api.wait_until(lambda: bool(api.sent_to(7)), timeout=10)
            finally:
                stop.set()
                bot.send_signal(signal.SIGINT)
                bot.wait(timeout=30)
                if sampler.is_alive():
                    sampler.join()
    assert "Lahore" in api.sent_to(7)[-1].text  # the reload in the middle took effect
    return run


def reloaded(api: FakeBotApi) -> bool:
    return any(s.text.startswith("Index updated") for s in api.sent_to(ADMIN["id"]))


def expected_replies(questions: list[Asked]) -> int:
    per_user = Counter(a.user["id"] for a in questions)
    return sum(n if n <= FLOOD_LIMIT else FLOOD_LIMIT + 1 for n in per_user.values())


def check_replies(api: FakeBotApi, run: Run) -> list[float]:
    """Exactly one reply per allowed question, the flood guard as documented; the latencies."""
    by_user: dict[int, list[Asked]] = defaultdict(list)
    for asked in run.asked:
        by_user[asked.user["id"]].append(asked)
    group_questions = {(a.chat, a.message_id): a for a in run.asked if a.chat < 0}
    replies: dict[int, list[Sent]] = defaultdict(list)
    latencies: list[float] = []
    seen_threads: set[tuple[int, int]] = set()
    for sent in api.sent:
        chat = sent.chat["id"]
        assert sent.text != texts.SORRY, sent.text
        if chat == ADMIN["id"] or chat == 7:
            continue
        if chat > 0:
            replies[chat].append(sent)
            continue
        key = (chat, sent.reply_to or 0)
        assert key in group_questions and key not in seen_threads, key  # threaded, once
        seen_threads.add(key)
        asked = group_questions[key]
        replies[asked.user["id"]].append(sent)
        if sent.text != texts.SLOW_DOWN:
            latencies.append(sent.at - api.pushed_at[asked.update["update_id"]])
    for user_id, theirs in by_user.items():
        got = replies[user_id]
        slow = [s for s in got if s.text == texts.SLOW_DOWN]
        answers = [s for s in got if s.text != texts.SLOW_DOWN]
        # a quote, or "not found" (the weather in Lahore: "The sources never mention…")
        unanswered = (NOT_FOUND, UNMENTIONED.split("{")[0])
        assert all("¶" in s.text or s.text.startswith(unanswered) for s in answers)
        if len(theirs) <= FLOOD_LIMIT:
            assert (len(answers), len(slow)) == (len(theirs), 0), user_id
            private = [a for a in theirs if a.chat > 0]
            mine = sorted(s.at for s in answers if s.chat["id"] > 0)
            pushed = sorted(api.pushed_at[a.update["update_id"]] for a in private)
            latencies += [a - p for a, p in zip(mine, pushed, strict=True)]  # matched in order
        else:
            assert (len(answers), len(slow)) == (FLOOD_LIMIT, 1), user_id
    return latencies


def report(run: Run, latencies: list[float], answered: int) -> dict[str, object]:
    latencies.sort()
    cut = len(run.rss_kib) // 2
    figures: dict[str, object] = {
        "questions": len(run.asked),
        "answered": answered,
        "seconds": round(run.seconds, 1),
        "per_second": round(answered / run.seconds, 1),
        "p50_ms": round(1000 * statistics.median(latencies)),
        "p99_ms": round(1000 * latencies[int(0.99 * (len(latencies) - 1))]),
        "peak_rss_mib": round(run.peak_kib / 1024, 1),
        "rss_mib_half_way": round(run.rss_kib[cut][1] / 1024, 1),
        "rss_mib_at_end": round(run.rss_kib[-1][1] / 1024, 1),
    }
    print(f"\nload test: {json.dumps(figures)}")
    if path := os.environ.get("STORYBOT_LOAD_REPORT"):
        Path(path).write_text(json.dumps(figures, indent=2) + "\n", "utf-8")
    return figures


def load_test(
    tmp_path: Path, people: int, normal: int, heavy: int, within: float, rate: float | None = None
) -> None:
    api = FakeBotApi()
    api.private_chat(ADMIN)
    questions = plan(api, users(people), flooders=5, normal=normal, heavy=heavy)
    run = run_load(tmp_path, api, questions, within, rate)
    latencies = check_replies(api, run)
    answered = sum(min(n, FLOOD_LIMIT) for n in Counter(a.user["id"] for a in questions).values())
    figures = report(run, latencies, answered)
    assert [s.text.split("\n")[0] for s in api.sent_to(ADMIN["id"])][-1].startswith("Index updated")
    assert "Added: nokia" in api.sent_to(ADMIN["id"])[-1].text
    # memory levels off: the second half of the run adds little to the first half's footprint
    assert float(figures["rss_mib_at_end"]) < 1.15 * float(figures["rss_mib_half_way"]) + 16  # type: ignore[arg-type]


@pytest.mark.timeout(240)
def test_a_thousand_questions_with_a_reload_in_the_middle(tmp_path: Path) -> None:
    load_test(tmp_path, people=50, normal=18, heavy=38, within=150)  # 45*18 + 5*38 = 1,000


@pytest.mark.soak
@pytest.mark.timeout(1800)
def test_soak_ten_thousand_questions_at_a_steady_rate(tmp_path: Path) -> None:
    # 495*19 + 5*105 = 9,930 questions at 50 a second: latency below saturation, and memory
    # over three minutes of steady traffic
    load_test(tmp_path, people=500, normal=19, heavy=105, within=1500, rate=50)


# --- at Telegram's rate (issue 11) --------------------------------------------------------------

TELEGRAM_RATE = 30
"""Messages a second Telegram lets a bot send overall; 1,000 answers need 33 s at least, so a
median wait of about 17 s is the floor when all questions arrive at once."""
ANSWERABLE = QUESTIONS[:4]  # the ones the test sources answer


def run_at_rate(tmp_path: Path, api: FakeBotApi, questions: list[Asked], within: float) -> Run:
    """Starts the bot with the 30-a-second limiter on and the flood guard out of the way, pushes
    every question at once, waits for the answers and checks the bot still answers after."""
    sources = write_sources(tmp_path / "sources")
    run = Run(asked=questions)
    with FakeBotServer(api) as server, (tmp_path / "bot.log").open("w") as log:
        env = bot_env(server, tmp_path, sources) | {
            "FLOOD_QUESTIONS": "1000",
            "LOG_LEVEL": "WARNING",
            "STORYBOT_OVERALL_RATE": str(TELEGRAM_RATE),
        }
        command = [sys.executable, "-m", "tests.fakes.botprocess"]
        with subprocess.Popen(command, env=env, cwd=ROOT, stderr=log) as bot:
            stop = threading.Event()
            sampler = threading.Thread(target=sample_memory, args=(bot.pid, api, run, stop))
            try:
                assert api.wait_until(lambda: "getUpdates" in api.methods(), timeout=60)
                sampler.start()
                started = time.monotonic()
                for asked in questions:
                    api.push(asked.update)
                done = api.wait_until(lambda: len(api.sent) >= len(questions), timeout=within)
                run.seconds = time.monotonic() - started
                assert done, f"{len(api.sent)} of {len(questions)} replies in {within} s"
                time.sleep(2.0)  # time for a duplicate to show up, if there were any
                api.push(api.private(QUESTIONS[0], user=users(1)[0] | {"id": 7}))
                assert api.wait_until(lambda: bool(api.sent_to(7)), timeout=10)  # still alive
            finally:
                stop.set()
                bot.send_signal(signal.SIGINT)
                bot.wait(timeout=60)
                if sampler.is_alive():
                    sampler.join()
    return run


@pytest.mark.soak
@pytest.mark.timeout(600)
def test_a_thousand_questions_at_telegrams_rate_wait_less_than_twenty_seconds(
    tmp_path: Path,
) -> None:
    # 50 users, each asking 20 answerable questions, alternately in private and in 5 groups,
    # all at once. Every question is answered exactly once (check_replies: nobody reaches the
    # raised flood guard), and "typing…" no longer spends the 30-a-second budget.
    api = FakeBotApi()
    questions = plan(api, users(50), flooders=0, normal=20, heavy=20, pool=ANSWERABLE)
    assert len(questions) == 1000
    run = run_at_rate(tmp_path, api, questions, within=300)
    latencies = check_replies(api, run)
    assert len(latencies) == 1000 and not any(s.text == NOT_FOUND for s in api.sent)
    figures = report(run, latencies, answered=1000)
    actions = api.methods().count("sendChatAction")
    print(f"chat actions: {actions}, sendMessage calls: {api.methods().count('sendMessage')}")
    assert actions <= 50  # only answers slower than half a second get one
    assert float(figures["p50_ms"]) <= 20_000  # type: ignore[arg-type]
