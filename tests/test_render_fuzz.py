"""Property tests: whatever the sources and the questions hold, replies are valid Telegram HTML.

Valid means what Telegram's parser demands (tests/fakes/tghtml.py): only its tags, balanced and
not crossed, every other "<", ">" and "&" escaped, links only to web addresses, and at most 4096
UTF-16 code units. The end-to-end property runs the real core (HashEncoder) on generated
sources and also checks that every quote is verbatim source text.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from telegram import InputTextMessageContent

from bot.bench.fakeapi.tghtml import ALLOWED, parse_html
from bot.telegram.inline import inline_results
from bot.telegram.render import (
    ELLIPSIS,
    MESSAGE_LIMIT,
    html_to_plain,
    render_excerpt_html,
    render_html,
    render_sources_html,
    utf16_len,
)
from embeddings.library import build_library, searchable
from embeddings.models import AlsoIn, Answer, Excerpt, SourceInfo, SourceSummary
from tests.fakes.encoder import HashEncoder

_TAG = re.compile(r"<(/?)([a-z-]+)([^>]*)>")
# Anything a file, a metadata table or a user can hold (surrogates cannot come out of UTF-8).
_ANY = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)
_NASTY = st.sampled_from(
    ["<b>", "</blockquote>", "&", "&amp;", "<a href='x'>", '"', "'", "*_[`", "😀", "👩‍👩‍👧",
     "\u202e", "\u200b", "e\u0301", "مرحبا", "\n", "\n\n", ". ", "? ", "…", " ", "𝔘𝔫𝔦"]
)  # fmt: skip
_TEXT = st.lists(st.one_of(_NASTY, _ANY, st.text("abc .", max_size=80)), max_size=40).map("".join)
_URL = st.one_of(
    st.none(),
    _ANY,
    st.sampled_from(["https://example.com/a?x=1&y=2", 'https://e.com/"><b>x', "javascript:x()"]),
)


def _info(draw: st.DrawFn) -> SourceInfo:
    return SourceInfo(
        id=draw(st.text("abcxyz019_-", min_size=1, max_size=20)),
        title=draw(_TEXT),
        publisher=draw(st.none() | _TEXT),
        date=draw(st.none() | _ANY),
        url=draw(_URL),
    )


@st.composite
def excerpts(draw: st.DrawFn) -> Excerpt:
    text = draw(_TEXT.filter(str.strip))
    cuts = draw(st.lists(st.tuples(st.integers(0, len(text)), st.integers(0, 400)), max_size=3))
    highlight = tuple(text[a : a + n] for a, n in cuts)
    also = draw(
        st.lists(st.builds(AlsoIn, _ANY, st.none() | _ANY, st.integers(1, 999)), max_size=8)
    )
    return Excerpt(text, highlight, 0.5, draw(st.integers(1, 9999)), _info(draw), tuple(also))


def assert_valid(markup: str, limit: int = MESSAGE_LIMIT) -> str:
    """Telegram would accept `markup`; returns its visible text."""
    assert utf16_len(markup) <= limit
    visible = parse_html(markup)  # raises on unknown, unbalanced or crossed tags, bare < > &
    assert visible.strip() and utf16_len(visible) <= limit
    for closing, tag, attributes in _TAG.findall(markup):
        assert tag in ALLOWED
        if tag == "a" and not closing:
            assert re.fullmatch(r' href="https?://[^"<>\s]+"', attributes), attributes
        else:
            assert not attributes
    assert html_to_plain(markup) == visible  # every other "<", ">" and "&" was escaped
    return visible


@settings(max_examples=150, deadline=None)
@given(parts=st.lists(excerpts(), min_size=1, max_size=6), question=_ANY)
def test_any_answer_is_valid_telegram_html(parts: list[Excerpt], question: str) -> None:
    answer = Answer(question, tuple(parts))
    assert_valid(render_html(answer))
    assert_valid(render_html(answer, compact=True))
    for result in inline_results(answer):
        content = result.input_message_content
        assert isinstance(content, InputTextMessageContent)
        assert_valid(content.message_text)
    summaries = [SourceSummary(p.source, p.paragraph) for p in parts]
    for page in render_sources_html(summaries):
        assert_valid(page)


@settings(max_examples=60, deadline=None)
@given(part=excerpts(), limit=st.integers(200, MESSAGE_LIMIT))
def test_an_excerpt_fits_any_limit_or_is_left_out(part: Excerpt, limit: int) -> None:
    block = render_excerpt_html(part, limit=limit)
    if block:
        assert_valid(block, limit)


_WORDS = st.sampled_from(
    ["BlackBerry", "Pakistan", "leave", "servers", "December", "30", "PTA", "said", "the", "it",
     "<b>", "&", "AT&T", "O'Brien", '"access"', "😀", "مرحبا", "e\u0301", "\u200b", "…", "*_[",
     "</blockquote>"]
)  # fmt: skip
_SENTENCE = st.lists(_WORDS, min_size=1, max_size=25).map(lambda ws: " ".join(ws) + ".")
_PARAGRAPH = st.lists(_SENTENCE, min_size=1, max_size=12).map(" ".join)
_ARTICLE = st.lists(_PARAGRAPH, min_size=1, max_size=5).map("\n\n".join)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sources=st.lists(_ARTICLE, min_size=1, max_size=3),
    question=st.one_of(_ANY, _SENTENCE, st.lists(_WORDS, max_size=8).map(" ".join)),
)
@example(  # a cut passage once ran its two paragraphs together with a space
    sources=["BlackBerry.\n\nBlackBerry. BlackBerry. BlackBerry BlackBerry. BlackBerry."],
    question="BlackBerry",
)
def test_the_core_and_the_renderer_together_quote_verbatim_valid_html(
    sources: list[str], question: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "src").mkdir()
        for number, text in enumerate(sources):
            (root / "src" / f"s{number}.txt").write_text(f"Title {number}\n\n{text}", "utf-8")
        library, _ = build_library(root / "src", root / "index", HashEncoder())
        cleaned = searchable(question, 1000)
        answer = library.ask(cleaned) if cleaned else Answer(question)
    paragraphs = [p for article in library.articles for p in article.paragraphs]
    for excerpt in answer.excerpts:  # consecutive paragraphs are joined by a line break
        for piece in re.split(f"{ELLIPSIS}|\n", excerpt.text):
            assert any(piece.strip() in p for p in paragraphs), piece
    for compact in (False, True):
        assert_valid(render_html(answer, compact=compact))
