"""Cleaning real-world article text: furniture out, metadata lifted, duplicates dropped."""

from pathlib import Path

from embeddings.ingest.sources import load_sources, parse_article
from embeddings.models import SourceInfo

MESSY = """Mobile & Wireless

Big Company Quits Country Over Data Demand

Posted: Nov 30 2015, 12:55pm CST | by Jane Roe, in News

Photo credit: Big Company

The company said on Monday that it will stop offering its services in the country.

<p class="x"><span><strong>The company said on Monday that it will stop offering its services in the country. </strong></span></p>

The company said on Monday that it will stop offering its services in the country.

Officials wanted to read every message, the company's chief said in a blog post.

Advertisement. Scroll to continue reading.

Find rare products online! Get the free Tracker App now.

See also: Another story about phones

Related Content

Copyright © 2024 SecurityWeek ®, a Wired Business Media Publication. All Rights Reserved.
"""


def test_furniture_is_dropped_and_repeated_lede_kept_once() -> None:
    article = parse_article("a1", MESSY)
    assert article.paragraphs == (
        "The company said on Monday that it will stop offering its services in the country.",
        "Officials wanted to read every message, the company's chief said in a blog post.",
    )


def test_metadata_from_furniture_lines() -> None:
    info = parse_article("a1", MESSY).info
    assert info.title == "Big Company Quits Country Over Data Demand"
    assert info.date == "2015-11-30"
    assert info.author == "Jane Roe"
    assert info.publisher == "SecurityWeek"


def test_byline_with_agency_and_source_tags() -> None:
    text = (
        "Site Name\n\nHeadline That Is Long Enough Here\n\nby Peter Henderson, The Canadian Press\n\n"
        "Body sentence one is here and it is long enough to keep.\n\n[Source:- ITBusinessEDGE]"
    )
    info = parse_article("b", text).info
    assert (info.author, info.publisher) == ("Peter Henderson", "The Canadian Press")


def test_article_source_line_gives_url_publisher_and_date() -> None:
    text = (
        "A Headline About Phones And Servers\n\nSome body text that ends with a period.\n\n"
        "Article source: http://mashable.com/2015/11/30/blackberry-pakistan-exit/\n\nScroll To Top"
    )
    info = parse_article("c", text).info
    assert info.url == "http://mashable.com/2015/11/30/blackberry-pakistan-exit/"
    assert info.publisher == "Mashable"
    assert info.date == "2015-11-30"
    assert parse_article("c", text).paragraphs == ("Some body text that ends with a period.",)


def test_rel_author_link_and_bio_after_the_author_marker() -> None:
    text = (
        "A Headline About Phones And Servers\n\nThe body of the story ends here.\n\nThe Author\n\n"
        '<a href="/x" rel="author">Charles I. Omedo</a>\nCharles covers science. He edits.\n\n'
        "comments powered by Disqus"
    )
    article = parse_article("d", text)
    assert article.info.author == "Charles I. Omedo"
    assert article.paragraphs == ("The body of the story ends here.",)


def test_html_pages_go_through_trafilatura_in_any_encoding(tmp_path: Path) -> None:
    pages = Path(__file__).parent / "data" / "pages"
    for name in ("gazette.html", "harbour_cp1252.html"):
        (tmp_path / name.replace(".html", ".htm" if "cp" in name else ".html")).write_bytes(
            (pages / name).read_bytes()
        )
    result = load_sources(tmp_path)
    assert not result.problems
    gazette, harbour = sorted(result.articles, key=lambda a: a.info.id)
    assert gazette.info == SourceInfo(
        id="gazette",
        title="Ferry operator halts night crossings after engine fire",
        publisher="The Coastal Gazette",
        author="Maria Lindqvist",
        date="2021-03-14",
        url="https://coastalgazette.example/news/2021/03/14/ferry-night-crossings",
    )
    assert len(gazette.paragraphs) == 7 and gazette.dropped == 1
    assert harbour.info.title == "Harbour café to close after 60 years"
    assert any("crème brûlée" in p for p in harbour.paragraphs)


def test_a_one_line_note_is_a_paragraph_not_an_empty_article() -> None:
    article = parse_article("note", "Nokia opens a factory in Lahore")
    assert article.paragraphs == ("Nokia opens a factory in Lahore",)


def test_markdown_heading_is_the_title_and_links_keep_their_text() -> None:
    article = parse_article(
        "m", "# The Title\n\nSee [the report](http://x.y) for **more** detail.", suffix=".md"
    )
    assert article.info.title == "The Title"
    assert article.paragraphs == ("See the report for more detail.",)


def test_bad_files_are_reported_and_others_still_load(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("A Title For The Good One\n\nGood body text here.", "utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\xfa not utf-8 \x80")
    (tmp_path / "empty.md").write_text("   \n", "utf-8")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    result = load_sources(tmp_path)
    assert [a.info.id for a in result.articles] == ["good"]
    assert any(p.startswith("bad.txt") and "UTF-8" in p for p in result.problems)
    assert any(p.startswith("empty.md") for p in result.problems)
    assert not any("notes.pdf" in p for p in result.problems)


def test_metadata_file_overrides_and_bad_metadata_is_reported(tmp_path: Path) -> None:
    (tmp_path / "s1.txt").write_text("Original Title Of This Story\n\nBody text here.", "utf-8")
    meta = tmp_path / "sources.toml"
    meta.write_text('[s1]\ntitle = "Corrected"\npublisher = "Wire"\n', "utf-8")
    info = load_sources(tmp_path, meta).articles[0].info
    assert (info.title, info.publisher) == ("Corrected", "Wire")
    meta.write_text("[s1\n", "utf-8")
    result = load_sources(tmp_path, meta)
    assert result.articles[0].info.title == "Original Title Of This Story"
    assert any("metadata ignored" in p for p in result.problems)


def test_missing_folder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    result = load_sources(tmp_path / "nope")
    assert result.articles == () and result.problems


def test_seed_articles_are_clean() -> None:
    result = load_sources(Path("seeds"))
    assert len(result.articles) == 5 and not result.problems
    everything = "\n".join(p for a in result.articles for p in a.paragraphs).lower()
    for furniture in (
        "scroll to",
        "powered by disqus",
        "copyright",
        "tracker app",
        "see also",
        "photo credit",
        "article source",
        "<p",
        "&nbsp;",
        "related content",
    ):
        assert furniture not in everything, furniture
    lede = "blackberry announced on monday that it will cease offering"
    assert everything.count(lede) == 1


def test_angle_brackets_and_ampersands_in_plain_text_are_prose() -> None:
    text = "A Headline For The Story Here\n\nAT&T said profits < 5% & rising and 3 > 2.\n\nIt said &amp; meant and."
    assert parse_article("t", text).paragraphs == (
        "AT&T said profits < 5% & rising and 3 > 2.",
        "It said &amp; meant and.",
    )


def test_html_fragment_in_plain_text_is_unwrapped_and_unescaped() -> None:
    text = (
        'A Headline For The Story Here\n\n<p class="x"><strong>Profits &amp; losses.</strong></p>'
    )
    assert parse_article("t", text).paragraphs == ("Profits & losses.",)
