"""Answers to Telegram HTML and to plain text: pure functions, no Telegram imports.

Everything that comes from a source or a user is escaped here. HTML replies are measured the way
Telegram measures them (UTF-16 code units) and kept within the limit by dropping lower-ranked
excerpts, then trimming the last one at sentence boundaries with "…"; a tag is never cut because
text is trimmed before it is escaped and wrapped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from itertools import pairwise

from embeddings.models import AlsoIn, Answer, Excerpt, SourceInfo, SourceSummary

MESSAGE_LIMIT = 4096
"""Telegram's limit for one message, in UTF-16 code units."""

NOT_FOUND = (
    "The sources don't answer that, so there is nothing to quote. "
    "Try other words, or see /sources for what they cover."
)
UNMENTIONED = (
    "The sources never mention {name}, so there is nothing to quote. "
    "See /sources for what they cover."
)
UNQUOTED = (
    "The sources mention {name} but never quote them, so there is nothing to quote. "
    "See /sources for what they cover."
)
TOO_LONG = "The passage that answers this is too long to quote here."
ELLIPSIS = "…"
_MAX_TITLE = 200
_MAX_NAME = 80
_MAX_ALSO_TITLE = 48
_MAX_ALSO = 5
_MIN_USEFUL = 400
"""Below this many units left, a further excerpt is dropped rather than trimmed to a stub."""
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*\s+")
_TAG = re.compile(r"<[^>]*>")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


REWRITTEN = "(machine-rewritten copy)"
"""Shown in the citation of a quote from a source whose text reads as machine-rewritten: its
words are not what the people it quotes said."""


# --- plain text (the console chat) -------------------------------------------------------------


def render_text(answer: Answer, *, mark: tuple[str, str] = ("", "")) -> str:
    """Plain-text answer with the same quotes and citations as the bot's HTML.

    Args:
        answer: what the core returned.
        mark: put around highlighted sentences, e.g. ANSI bold codes in a terminal.
    """
    if not answer.answered:
        return not_found(answer)
    return "\n\n".join(_excerpt_text(e, mark) for e in answer.excerpts)


def not_found(answer: Answer) -> str:
    """Why an unanswered question gets no quote, as plain text: the name the sources never
    mention or never quote when that is the reason, or the general reply."""
    if answer.unmentioned:
        return UNMENTIONED.format(name=answer.unmentioned)
    if answer.unquoted:
        return UNQUOTED.format(name=answer.unquoted)
    return NOT_FOUND


def _excerpt_text(excerpt: Excerpt, mark: tuple[str, str]) -> str:
    quote = _highlighted(excerpt.text, excerpt.highlight, str, lambda s: mark[0] + s + mark[1])
    lines = [f"“{quote}”", "— " + ", ".join(_citation_parts(excerpt))]
    if url := _http_url(excerpt.source.url):
        lines.append(f"  {url}")
    if also := _also_reported(excerpt):
        lines.append(f"  {also}")
    return "\n".join(lines)


def render_sources_text(sources: Sequence[SourceSummary]) -> str:
    """Plain-text list of the sources (the console chat's /sources)."""
    if not sources:
        return "No sources are indexed yet."
    lines = [f"{len(sources)} sources, {sum(s.passages for s in sources)} passages:"]
    for summary in sources:
        info = summary.info
        parts = [p for p in (info.publisher, _quoted(_title(summary)), info.date) if p]
        lines.append(f"- {', '.join(parts)} · {_passages(summary.passages)} · {info.id}")
    return "\n".join(lines)


# --- Telegram HTML ------------------------------------------------------------------------------


def render_html(answer: Answer, *, compact: bool = False, limit: int = MESSAGE_LIMIT) -> str:
    """The reply to a question: quoted excerpts with citations, within `limit` UTF-16 units.

    Args:
        answer: what the core returned; an unanswered one gives the not-found reply.
        compact: only the best excerpt (groups, where a button expands the rest).
        limit: the most UTF-16 code units the result may have.
    """
    if not answer.answered:
        return html.escape(not_found(answer))
    excerpts = answer.excerpts[:1] if compact else answer.excerpts
    blocks: list[str] = []
    used = 0
    for excerpt in excerpts:
        budget = limit - used - (2 if blocks else 0)
        if blocks and budget < _MIN_USEFUL:
            break
        block = render_excerpt_html(excerpt, limit=budget)
        if not block:
            break
        used += utf16_len(block) + (2 if blocks else 0)
        blocks.append(block)
    return "\n\n".join(blocks) or html.escape(clip(TOO_LONG, limit))


def render_excerpt_html(excerpt: Excerpt, *, limit: int = MESSAGE_LIMIT) -> str:
    """One excerpt as a blockquote plus its citation, trimmed to fit `limit` ("" if it can't)."""
    citation = _citation_html(excerpt)

    def build(text: str) -> str:
        quote = _highlighted(text, excerpt.highlight, html.escape, lambda s: f"<b>{s}</b>")
        return f"<blockquote>{quote}</blockquote>\n{citation}"

    text = fit_text(excerpt.text, excerpt.highlight, lambda t: utf16_len(build(t)) <= limit)
    return build(text) if text else ""


def render_sources_html(
    sources: Sequence[SourceSummary], *, limit: int = MESSAGE_LIMIT
) -> list[str]:
    """The /sources reply, split into as many messages as the limit needs."""
    if not sources:
        return ["No sources are indexed yet."]
    total = sum(s.passages for s in sources)
    pages = [f"<b>{len(sources)} sources, {total} passages</b>"]
    for summary in sources:
        line = _source_line_html(summary)
        if utf16_len(pages[-1]) + 1 + utf16_len(line) > limit:
            pages.append(line)
        else:
            pages[-1] += "\n" + line
    return pages


def html_to_plain(text: str) -> str:
    """The visible text of our own HTML (a fallback when Telegram rejects the markup)."""
    return html.unescape(_TAG.sub("", text))


def _source_line_html(summary: SourceSummary) -> str:
    info = summary.info
    title = html.escape(_title(summary))
    publisher = html.escape(info.publisher or "")
    if url := _http_url(info.url):  # the link goes on the title, else on the publisher
        if title:
            title = f'<a href="{html.escape(url)}">{title}</a>'
        else:
            publisher = f'<a href="{html.escape(url)}">{publisher}</a>'
    parts = [f"<b>{publisher}</b>" if publisher else "", title]
    if info.date:
        parts.append(html.escape(info.date))
    head = ", ".join(p for p in parts if p)
    return f"• {head} · {_passages(summary.passages)} · <code>{html.escape(info.id)}</code>"


def _citation_html(excerpt: Excerpt) -> str:
    info = excerpt.source
    title = html.escape(_cited_title(info))
    publisher = html.escape(clip(info.publisher or "", _MAX_NAME))
    if url := _http_url(info.url):  # the link goes on the title, else on the publisher
        if title:
            title = f'<a href="{html.escape(url)}">{title}</a>'
        else:
            publisher = f'<a href="{html.escape(url)}">{publisher}</a>'
    parts = [f"<i>{publisher}</i>" if publisher else "", _quoted(title)]
    parts += [html.escape(info.date) if info.date else "", _where(excerpt.paragraph)]
    parts.append(REWRITTEN if excerpt.machine_rewritten else "")
    line = "— " + ", ".join(p for p in parts if p)
    if also := _also_reported(excerpt):
        line += "\n" + html.escape(also)
    return line


# --- shared pieces ------------------------------------------------------------------------------


def _citation_parts(excerpt: Excerpt) -> list[str]:
    info = excerpt.source
    parts = [clip(info.publisher or "", _MAX_NAME), _quoted(_cited_title(info))]
    parts += [info.date or "", _where(excerpt.paragraph)]
    parts.append(REWRITTEN if excerpt.machine_rewritten else "")
    return [p for p in parts if p]


def _where(paragraph: int) -> str:
    """The citation's place: "¶ 5", or "byline" for paragraph 0 (who wrote the source)."""
    return f"¶ {paragraph}" if paragraph else "byline"


def _also_reported(excerpt: Excerpt) -> str:
    if not excerpt.also_in:
        return ""
    also = excerpt.also_in[:_MAX_ALSO]
    names = [f"{_source_name(a)} (¶ {a.paragraph})" for a in also]
    extra = len(excerpt.also_in) - _MAX_ALSO
    if extra > 0:
        names.append(f"{extra} more")
    return "also reported by " + ", ".join(names)


def _source_name(also: AlsoIn) -> str:
    """The publisher, else the quoted title ("a story id" means nothing to a reader)."""
    if also.publisher:
        return clip(also.publisher, _MAX_NAME)
    return f"“{clip(also.title, _MAX_ALSO_TITLE)}”" if also.title else also.id


def _title(summary: SourceSummary) -> str:
    return _cited_title(summary.info)


def _cited_title(info: SourceInfo) -> str:
    """The title; "" for a source without one (cited by publisher and date), unless it has
    no publisher either, when only its id can name it."""
    if info.title:
        return clip(info.title, _MAX_TITLE)
    return "" if info.publisher else info.id


def _quoted(title: str) -> str:
    return f"“{title}”" if title else ""


def _passages(n: int) -> str:
    return f"{n} passage" if n == 1 else f"{n} passages"


def clip(text: str, size: int, *, fold: bool = False) -> str:
    """`text` cut to `size` characters at most, with "…" if cut; with `fold`, its white space
    is folded first (a problem line or an excerpt shown on one line)."""
    if fold:
        text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1].rstrip() + ELLIPSIS


def _http_url(url: str | None) -> str | None:
    """Only web links become links; anything else (javascript:, file:) is left out."""
    if url and re.match(r"https?://[^\s<>\"]+$", url.strip(), re.IGNORECASE):
        return url.strip()
    return None


def _highlighted(
    text: str, highlights: Sequence[str], plain: Callable[[str], str], bold: Callable[[str], str]
) -> str:
    """`text` with each highlight that occurs in it wrapped by `bold`; all of it via `plain`."""
    spans: list[tuple[int, int]] = []
    for sentence in highlights:
        start = text.find(sentence) if sentence else -1
        if start >= 0:
            spans.append((start, start + len(sentence)))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    out, pos = [], 0
    for start, end in merged:
        out += [plain(text[pos:start]), bold(plain(text[start:end]))]
        pos = end
    out.append(plain(text[pos:]))
    return "".join(out)


def fit_text(text: str, highlights: Sequence[str], fits: Callable[[str], bool]) -> str:
    """The longest run of whole sentences of `text` that `fits`, keeping highlights if it can.

    Sentences are dropped from whichever end is farther from a highlight (the end first when
    nothing is highlighted), so the highlights stay, centred; each cut is marked with "…".
    A single sentence too long on its own is cut at a word. Returns "" if nothing fits.
    """
    if fits(text):
        return text
    sentences = _sentences(text)
    marked = [any(h and h in s for h in highlights) for s in sentences]
    lo, hi = 0, len(sentences) - 1
    while lo < hi:
        inside = [i for i in range(lo, hi + 1) if marked[i]] or [lo]
        if hi - inside[-1] >= inside[0] - lo:
            hi -= 1
        else:
            lo += 1
        candidate = _window(sentences, lo, hi)
        if fits(candidate):
            return candidate
    return _cut_words(_window(sentences, lo, hi), fits)


def _sentences(text: str) -> list[str]:
    cuts = [m.end() for m in _SENTENCE_END.finditer(text)]
    bounds = [0, *[c for c in cuts if c < len(text)], len(text)]
    return [text[a:b] for a, b in pairwise(bounds) if text[a:b].strip()]


def _window(sentences: list[str], lo: int, hi: int) -> str:
    body = "".join(sentences[lo : hi + 1]).strip()
    if lo > 0 and not body.startswith(ELLIPSIS):
        body = f"{ELLIPSIS} {body}"
    if hi < len(sentences) - 1 and not body.endswith(ELLIPSIS):
        body = f"{body} {ELLIPSIS}"
    return body


def _cut_words(text: str, fits: Callable[[str], bool]) -> str:
    while text and not fits(text):
        keep = text.rstrip(ELLIPSIS).rstrip()
        size = len(keep) * 4 // 5
        cut = keep.rfind(" ", size // 2, size)
        keep = keep[: cut if cut > 0 else size].rstrip()
        text = f"{keep} {ELLIPSIS}" if keep.strip(ELLIPSIS + " ") else ""
    return text
