from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.bench.fakeapi.tghtml import parse_html
from bot.telegram.render import (
    MESSAGE_LIMIT,
    NOT_FOUND,
    fit_text,
    html_to_plain,
    render_excerpt_html,
    render_html,
    render_sources_html,
    render_sources_text,
    render_text,
    utf16_len,
)
from embeddings.models import AlsoIn, Answer, Excerpt, SourceInfo, SourceSummary

INFO = SourceInfo(
    "000_abc",
    "BlackBerry exits Pakistan",
    publisher="Tech Times",
    date="2015-11-30",
    url="https://example.com/bb?a=1&b=2",
)
TEXT = "BlackBerry was given till November 30 to comply. The deadline moved to December 30."
HIGHLIGHT = "The deadline moved to December 30."


def excerpt(text: str = TEXT, highlight: tuple[str, ...] = (HIGHLIGHT,), **kw: object) -> Excerpt:
    fields: dict[str, object] = {"confidence": 0.9, "paragraph": 4, "source": INFO} | kw
    return Excerpt(text, highlight, **fields)  # type: ignore[arg-type]


def answer(*excerpts: Excerpt) -> Answer:
    return Answer("When does BlackBerry leave?", excerpts)


def test_text_quotes_verbatim_and_cites_everything() -> None:
    also = (AlsoIn("001", "Reuters", 2), AlsoIn("002", None, 7), AlsoIn("003", None, 1, "Exit"))
    out = render_text(answer(excerpt(also_in=also)), mark=("[", "]"))
    assert f"“BlackBerry was given till November 30 to comply. [{HIGHLIGHT}]”" in out
    assert "— Tech Times, “BlackBerry exits Pakistan”, 2015-11-30, ¶ 4" in out
    assert "https://example.com/bb?a=1&b=2" in out
    assert "also reported by Reuters (¶ 2), 002 (¶ 7), “Exit” (¶ 1)" in out


def test_not_found_points_to_sources_and_quotes_nothing() -> None:
    assert render_text(Answer("Who won the cup?")) == NOT_FOUND
    out = render_html(Answer("Who won the <b>cup</b>?"))
    assert "/sources" in out
    assert "<blockquote>" not in out
    assert "cup" not in out


def test_not_found_names_what_the_sources_never_mention() -> None:
    text = render_text(Answer("What did Nokia say?", unmentioned="Nokia"))
    assert text.startswith("The sources never mention Nokia,")
    out = render_html(Answer("What did AT&T say?", unmentioned="AT&T"))
    assert "never mention AT&amp;T," in out
    assert "<blockquote>" not in out


def test_not_found_names_who_the_sources_never_quote() -> None:
    text = render_text(Answer("What did Apple say?", unquoted="Apple"))
    assert text.startswith("The sources mention Apple but never quote them,")
    assert Answer("What did Apple say?", unquoted="Apple").to_dict()["unquoted"] == "Apple"
    assert "unquoted" not in Answer("Who won the cup?").to_dict()


def test_html_has_blockquote_bold_highlight_and_linked_citation() -> None:
    out = render_html(answer(excerpt(also_in=(AlsoIn("001", "Reuters", 2),))))
    assert out.startswith("<blockquote>BlackBerry was given till November 30 to comply. <b>")
    assert f"<b>{HIGHLIGHT}</b></blockquote>" in out
    assert '<a href="https://example.com/bb?a=1&amp;b=2">BlackBerry exits Pakistan</a>' in out
    assert "<i>Tech Times</i>" in out and "2015-11-30" in out and "¶ 4" in out
    assert "also reported by Reuters (¶ 2)" in out
    parse_html(out)


def test_html_from_sources_is_escaped() -> None:
    info = SourceInfo("x", "<script>alert(1)</script>", publisher="A&B <i>", url="javascript:x")
    text = 'Use <b>tags</b> & "quotes" < here. Then > there.'
    out = render_html(answer(excerpt(text, ("Then > there.",), source=info)))
    visible = parse_html(out)
    assert text.replace("Then > there.", "").strip() in visible
    assert "<script>" in visible and "A&B <i>" in visible
    assert "<b>Then &gt; there.</b>" in out
    assert "href" not in out


def test_compact_shows_only_the_best_excerpt() -> None:
    second = excerpt("Another source says so.", ("Another source says so.",), paragraph=9)
    out = render_html(answer(excerpt(), second), compact=True)
    assert out.count("<blockquote>") == 1 and "¶ 9" not in out
    assert render_html(answer(excerpt(), second)).count("<blockquote>") == 2


def test_long_answers_fit_the_limit_keeping_the_best_excerpt() -> None:
    long_text = " ".join(f"Sentence number {i} says something long enough." for i in range(200))
    hl = "Sentence number 150 says something long enough."
    many = [excerpt(long_text, (hl,), paragraph=i) for i in range(1, 4)]
    out = render_html(answer(*many))
    assert utf16_len(out) <= MESSAGE_LIMIT
    assert f"<b>{hl}</b>" in out
    assert out.count("<blockquote>") == 1
    assert "<blockquote>… Sentence" in out and "enough. …</blockquote>" in out
    before, after = out.split(hl)
    assert abs(before.count("Sentence") - after.count("Sentence")) <= 2  # centred
    parse_html(out)


def test_limit_counts_utf16_units() -> None:
    emoji_text = "😀 " * 1500 + "End."
    out = render_html(answer(excerpt(emoji_text, ("End.",))))
    assert len(out) <= MESSAGE_LIMIT < len(out.encode("utf-16-le"))  # would be wrong by len()
    assert utf16_len(out) <= MESSAGE_LIMIT
    parse_html(out)


def test_fit_text_prefers_dropping_unhighlighted_sentences() -> None:
    text = "One one. Two two. Three three. Four four."
    assert fit_text(text, ("Three three.",), lambda t: len(t) <= 18) == "… Three three. …"
    assert fit_text(text, (), lambda t: len(t) <= 10) == "One one. …"
    assert fit_text("x" * 100, (), lambda t: len(t) <= 1) == ""


def test_sources_list_escapes_and_pages() -> None:
    info = SourceInfo("s<1>", "T & <u>", publisher="P", date="2020-01-01", url="http://e.com")
    pages = render_sources_html([SourceSummary(info, 3)] * 300)
    assert len(pages) > 1
    assert all(utf16_len(p) <= MESSAGE_LIMIT for p in pages)
    for page in pages:
        parse_html(page)
    assert "<code>s&lt;1&gt;</code>" in pages[0] and "3 passages" in pages[0]
    text = render_sources_text([SourceSummary(info, 1)])
    assert "P, “T & <u>”, 2020-01-01 · 1 passage · s<1>" in text


def test_html_to_plain_undoes_markup() -> None:
    out = render_html(answer(excerpt("a < b & c.", ("a < b & c.",))))
    assert html_to_plain(out).startswith("a < b & c.\n— Tech Times")


_PIECES = [*"abc <>&\"'. !?😀é\n…", "Hello. ", "<b>", "&amp;", "word " * 20]
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=400).map("".join)


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(_TEXT, min_size=1, max_size=4), limit=st.integers(300, MESSAGE_LIMIT))
def test_any_answer_renders_valid_html_within_the_limit(texts: list[str], limit: int) -> None:
    excerpts = [excerpt(t, (t[len(t) // 3 : len(t) // 2],)) for t in texts if t.strip()]
    out = render_html(answer(*excerpts), limit=limit)
    assert utf16_len(out) <= limit
    parse_html(out)
    for part in excerpts[:1]:
        block = render_excerpt_html(part, limit=limit)
        assert block and utf16_len(block) <= limit


def test_a_quote_from_a_machine_rewritten_source_is_labelled() -> None:
    from bot.telegram.render import REWRITTEN, render_html

    spun = Excerpt(
        "Beard claimed it was not a doubt of open safety.",
        (),
        0.7,
        paragraph=5,
        source=SourceInfo("002", "Title", publisher="Mashable"),
        machine_rewritten=True,
    )
    clean = Excerpt("Beard said so.", (), 0.7, paragraph=2, source=SourceInfo("001", "T"))
    assert REWRITTEN in render_text(Answer("q", (spun,)))
    assert REWRITTEN in render_html(Answer("q", (spun,)))
    assert REWRITTEN not in render_text(Answer("q", (clean,)))


def test_a_byline_is_cited_as_the_byline_not_a_paragraph() -> None:
    byline = excerpt("by Ann Lee, Harbour Times", ("by Ann Lee, Harbour Times",), paragraph=0)
    for rendered in (render_text(answer(byline)), render_html(answer(byline))):
        assert "byline" in rendered and "¶ 0" not in rendered
    assert "¶ 4" in render_text(answer(excerpt()))
