"""Web pages through trafilatura: main text kept, furniture gone, metadata read, any encoding."""

from __future__ import annotations

from pathlib import Path

import pytest

from embeddings.ingest.html import decode_html, extract_page

PAGES = Path(__file__).parent / "data" / "pages"


def _page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def test_news_page_main_text_and_metadata() -> None:
    page = extract_page(_page("gazette.html"))
    assert page.title == "Ferry operator halts night crossings after engine fire"
    assert (page.publisher, page.author, page.date) == (
        "The Coastal Gazette",
        "Maria Lindqvist",
        "2021-03-14",
    )
    assert page.url == "https://coastalgazette.example/news/2021/03/14/ferry-night-crossings"
    assert page.paragraphs[0].startswith("The operator of the Northport ferry has suspended")
    assert page.paragraphs[-1] == (
        "The Island Star, built in 1998, was refitted in 2019. "
        "It is the larger of the two ships that serve the route."
    )
    text = "\n".join(page.paragraphs)
    assert '"Safety comes before the timetable," said Henrik Aalto' in text
    for furniture in ("cookies", "Subscribe", "Share on", "Related stories", "Sack the board",
                      "All rights reserved", "Tags:", "Advertisement", "Home / News"):  # fmt: skip
        assert furniture not in text
    assert page.title not in page.paragraphs and page.dropped == 1  # the h1 repeats the title


def test_blog_post_without_a_site_name() -> None:
    page = extract_page(_page("blog.html"))
    assert page.title == "Why I stopped using my smart thermostat"
    assert page.publisher is None and page.date == "2023-01-09"
    assert len(page.paragraphs) == 4
    text = "\n".join(page.paragraphs)
    assert "Archives" not in text and "Powered by WordPress" not in text
    assert "Totally agree" not in text


def test_windows_1252_page_declared_in_a_meta_tag() -> None:
    data = _page("harbour_cp1252.html")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    page = extract_page(data)
    assert page.encoding == "cp1252" and page.title == "Harbour café to close after 60 years"
    assert any("last crème brûlée on 30 June" in p for p in page.paragraphs)
    assert any("“impossible to sustain”" in p for p in page.paragraphs)
    assert not any("Most read" in p or "newsletter" in p for p in page.paragraphs)


def test_undeclared_windows_1251_page_with_and_without_the_server_charset() -> None:
    data = _page("kyiv_cp1251.html")
    told = extract_page(data, charset="windows-1251")
    assert told.encoding == "cp1251"
    assert told.title == "Київ відкриває новий міст через Дніпро"
    assert told.paragraphs[0].startswith("У неділю в Києві відкрили рух новим пішохідним мостом")
    guessed = extract_page(data)  # no header, no meta: charset_normalizer's guess
    assert guessed.paragraphs == told.paragraphs


@pytest.mark.parametrize(
    ("data", "declared", "text", "encoding"),
    [
        ("naïve".encode("utf-8-sig"), None, "naïve", "utf-8"),
        ("naïve".encode("utf-16"), None, "naïve", "utf-16"),
        ("naïve".encode(), "iso-8859-1", "naïve", "utf-8"),  # valid UTF-8 wins over a wrong label
        ("naïve – ok".encode("cp1252"), "ISO-8859-1", "naïve – ok", "cp1252"),  # as browsers do
        (
            "Le café où la clientèle préfère déjeuner près de la fenêtre, été comme hiver.".encode(
                "latin-1"
            ),
            "no-such-charset",  # an unknown label is ignored: the guess decides
            "clientèle préfère déjeuner près de la fenêtre, été",
            "cp1252",
        ),
        (b'<?xml version="1.0" encoding="iso-8859-15"?><p>\xa4 5</p>', None, "€ 5", "iso8859-15"),
    ],
)
def test_decoding(data: bytes, declared: str | None, text: str, encoding: str) -> None:
    decoded, used = decode_html(data, declared)
    assert text in decoded and used == encoding


def test_a_page_without_main_text_gives_no_paragraphs() -> None:
    page = extract_page(b"<html><head><title>Gone</title></head><body><script>1</script></body>")
    assert page.paragraphs == ()


def test_same_bytes_same_paragraphs() -> None:
    data = _page("gazette.html")
    assert extract_page(data) == extract_page(data)
