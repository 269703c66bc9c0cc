"""Sources in and citations out: the seeds' metadata, `storybot sources`, `/add URL`, uploads."""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.bench.fakeapi.updates import ADMIN
from bot.cli import main
from bot.config import Settings
from embeddings.library import list_sources, read_source
from tests.fakes.harness import BotUnderTest, bot_settings
from tests.fakes.pages import PageServer

PAGES = Path(__file__).parent / "data" / "pages"
BOSS = ADMIN["id"]
SEEDS = Path(__file__).parent.parent / "seeds"


def test_every_seed_is_cited_by_publisher_and_date_where_the_article_gives_one() -> None:
    reports, problems = list_sources(SEEDS, SEEDS / "sources.toml")
    assert not problems
    cited = {
        r.info.id[:3]: (r.info.publisher, r.info.author, r.info.date, r.info.url) for r in reports
    }
    assert cited == {
        "000": ("Intel-News", "Charles I. Omedo", "2015-11-30", None),
        "001": ("The Canadian Press", "Peter Henderson", None, None),
        "002": (
            "Mashable",
            None,
            "2015-11-30",
            "http://mashable.com/2015/11/30/blackberry-pakistan-exit/",
        ),
        "003": ("ITBusinessEDGE", "Adam", None, None),
        "004": ("SecurityWeek", None, None, None),
    }
    titles = {r.info.id[:3]: r.info.title for r in reports}
    assert titles["003"] is None  # no invented, truncated title
    assert not any(t and t.endswith("…") for t in titles.values())
    warnings = {r.info.id[:3]: r.warnings for r in reports}
    assert any("machine-rewritten" in w for w in warnings["002"])
    assert not any("machine-rewritten" in w for w in warnings["001"])
    assert "no title: cited by publisher and date" in warnings["003"]
    assert "no date" in warnings["004"] and "no date" not in warnings["000"]


def test_seed_paragraphs_are_unchanged() -> None:
    reports, _ = list_sources(SEEDS, SEEDS / "sources.toml")
    counts = {r.info.id[:3]: len(r.paragraphs) for r in reports}
    assert counts == {"000": 9, "001": 14, "002": 9, "003": 9, "004": 9}
    everything = json.dumps([r.paragraphs for r in reports]).encode()
    # the seeds' paragraphs before trafilatura came in: citations and the evaluation rely on them
    assert hashlib.sha256(everything).hexdigest() == (
        "89e5199f34f946db89f2f230ba92c74c47e55677e20efe8fe48fefa30d344b11"
    )


def test_sources_json_lines_without_a_model(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCES_DIR", str(SEEDS))
    monkeypatch.setenv("INDEX_DIR", str(tmp_path / "never"))
    assert main(["sources", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 5 and not (tmp_path / "never").exists()
    for obj in lines:
        assert list(obj) == [
            "id",
            "title",
            "publisher",
            "author",
            "date",
            "url",
            "paragraphs",
            "warnings",
        ]
        assert obj["publisher"] and all(isinstance(p, str) and p for p in obj["paragraphs"])
    assert main(["sources"]) == 0
    assert "003_b27948986c7e9e84: (no title) · ITBusinessEDGE, Adam" in capsys.readouterr().out


# --- /add URL through the fake Bot API and a local web server -----------------------------------


@pytest.fixture
def server() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return bot_settings(tmp_path, fetch_allow_networks="127.0.0.1/32", fetch_timeout_seconds=3)


def _folder(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "sources").iterdir())


async def test_add_url_end_to_end(bot: BotUnderTest, server: PageServer, tmp_path: Path) -> None:
    server.route("/news/ferry", (PAGES / "gazette.html").read_bytes())
    await bot.send(bot.api.private(f"/add {server.url('/news/ferry')}", user=ADMIN))
    text = bot.last(BOSS).text
    assert "Ferry operator halts night crossings after engine fire" in text
    assert (
        "The Coastal Gazette, Maria Lindqvist, 2021-03-14" in text and "6 passages indexed" in text
    )  # the subhead joins its paragraph
    saved = [n for n in _folder(tmp_path) if n.endswith(".html")]
    assert len(saved) == 1 and saved[0].startswith("127_0_0_1_ferry_")
    meta = tomllib.loads((tmp_path / "sources" / "sources.toml").read_text("utf-8"))
    entry = meta[saved[0].removesuffix(".html")]
    assert (
        entry["url"].startswith("https://coastalgazette.example/") and entry["date"] == "2021-03-14"
    )
    await bot.send(bot.api.private("Why were night crossings halted?"))
    assert "Coastal Gazette" in bot.last(ADMIN["id"]).text


async def test_add_url_with_the_charset_only_in_the_header(
    bot: BotUnderTest, server: PageServer, tmp_path: Path
) -> None:
    server.route(
        "/kyiv",
        (PAGES / "kyiv_cp1251.html").read_bytes(),
        content_type="text/html; charset=windows-1251",
    )
    await bot.send(bot.api.private(f"/add {server.url('/kyiv')}", user=ADMIN))
    assert "Київ відкриває новий міст через Дніпро" in bot.last(BOSS).text
    [saved] = [n for n in _folder(tmp_path) if n.endswith(".html")]
    reread = read_source(saved, (tmp_path / "sources" / saved).read_bytes())  # no header now
    assert reread.info.title == "Київ відкриває новий міст через Дніпро"


@pytest.mark.parametrize(
    ("path", "setup", "reason"),
    [
        (
            "/pdf",
            lambda s: s.route("/pdf", b"%PDF-1.4", content_type="application/pdf"),
            "not a web page",
        ),
        (
            "/empty",
            lambda s: s.route("/empty", b"<html><body><script>1</script></body></html>"),
            "no article text",
        ),
        (
            "/meta",
            lambda s: s.redirect("/meta", "http://169.254.169.254/latest/"),
            "private or local address",
        ),
        (
            "/loop",
            lambda s: (s.redirect("/loop", "/loop2"), s.redirect("/loop2", "/loop")),
            "redirects",
        ),
        ("/404", lambda s: None, "answered 404"),
        ("/big", lambda s: s.route("/big", b"<p>" + b"x" * 3_000_000), "larger than"),
    ],
)
async def test_hostile_or_useless_links_change_nothing(
    bot: BotUnderTest, server: PageServer, tmp_path: Path, path: str, setup: object, reason: str
) -> None:
    setup(server)  # type: ignore[operator]
    before = _folder(tmp_path)
    builds = bot.app.bot_data  # the index is untouched: no reload happens
    await bot.send(bot.api.private(f"/add {server.url(path)}", user=ADMIN))
    last = bot.last(BOSS).text
    assert last.startswith("Nothing was added: ") and reason in last and "\n" not in last
    assert _folder(tmp_path) == before and builds is bot.app.bot_data


async def test_add_refuses_other_schemes_and_non_admins(bot: BotUnderTest) -> None:
    await bot.send(bot.api.private("/add file:///etc/passwd", user=ADMIN))
    assert "only http:// and https://" in bot.last(BOSS).text
    await bot.send(bot.api.private("/add http://127.0.0.1/"))
    assert "only the bot's admins" in bot.api.sent[-1].text


async def test_uploads_without_text_are_refused_and_leave_no_file(
    bot: BotUnderTest, tmp_path: Path
) -> None:
    before = _folder(tmp_path)
    for name, data in (("note.html", b"<html><body><script>x</script></body></html>"),
                       (".hidden.md", b"#\n\n"), ("blank.txt", b"   \n\n  ")):  # fmt: skip
        await bot.send(bot.api.document(name, data, user=ADMIN))
        reply = bot.last(BOSS).text
        assert reply.startswith("That file cannot be a source") and "\n" not in reply
    assert _folder(tmp_path) == before
    await bot.send(bot.api.document("short.txt", b"Nokia opens a factory in Lahore", user=ADMIN))
    assert "Added short: 1 passage indexed." in bot.last(BOSS).text


async def test_an_uploaded_page_need_not_be_utf8(bot: BotUnderTest, tmp_path: Path) -> None:
    page = (PAGES / "harbour_cp1252.html").read_bytes()  # windows-1252, said in <meta>
    await bot.send(bot.api.document("harbour.html", page, user=ADMIN))
    assert bot.last(BOSS).text.startswith("Added harbour: ")
    assert (tmp_path / "sources" / "harbour.html").read_bytes() == page
    question = "When will the Anchor café serve its last crème brûlée?"
    await bot.send(bot.api.private(question, user=ADMIN))
    assert "its last crème brûlée on 30 June" in bot.last(BOSS).text  # decoded as windows-1252
    await bot.send(
        bot.api.document("latin.txt", b"Caf\xe9 story\n\nThe caf\xe9 opened.", user=ADMIN)
    )
    assert "not UTF-8 text" in bot.last(BOSS).text  # a text file has no way to say its encoding
