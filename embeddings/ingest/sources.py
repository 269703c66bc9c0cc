"""Read source articles from a folder and clean them into titled, attributed paragraphs.

Real pages come with furniture: ads, app promotions, navigation trails, bylines, photo credits,
copyright lines, comment widgets, and sometimes the same lede several times (once as raw HTML).
Cleaning keeps only body paragraphs and lifts the metadata out of the furniture.
"""

from __future__ import annotations

import hashlib
import html
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlparse

from embeddings.ingest.fluency import FLUENT, fluency
from embeddings.ingest.html import decode_html, extract_page
from embeddings.models import Article, SourceInfo, SourceReport
from embeddings.text import fold_space, normalise

SOURCE_SUFFIXES = (".txt", ".md", ".html", ".htm")
HTML_SUFFIXES = (".html", ".htm")

# Whole paragraphs that are page furniture, matched against the normalised text.
_FURNITURE = [
    re.compile(p)
    for p in (
        r"^photo( credit)?s?:",
        r"^(image|picture) (credit|source|courtesy)",
        r"affiliate links?",
        r"^advertisement\b",
        r"scroll (down |)to (continue|top)",
        r"comments? powered by",
        r"^(copyright|\(c\)|©)",
        r"all rights reserved",
        r"^(see also|read more|related( content| stories| articles)?|more from)\b",
        r"\b(get|download) the (free )?[\w ]{0,30}app\b",
        r"share (it|this|your thoughts) (in|with) (the |a )?comments",
        r"^have something to (add|supplement)",
        r"^(stories|story|article) continues? below",
        r"^(the author|about the author|latest news|exit mobile version|home)$",
        r"^(follow|subscribe|sign up|join) ",
        r"^(posted|published|updated|last updated)\s*:",
        r"^\[?source\s*:",
        r"^article source\s*:",
        r"^by\s",
        r"^tags?\s*:",
        r"^(share|tweet|email|print)( this)?( article| story)?$",
    )
]
# After one of these, the rest of the page is an author bio, comments or links.
_END_OF_BODY = re.compile(r"^(the author|about the author|comments|related content|latest news)$")
_BREADCRUMB = re.compile(r"^\w[\w &]*( / [^/]+){2,}$")
_TERMINAL = re.compile(r"""[.!?:;]["'”’)\]]*$""")
# Only real HTML tags are markup; "profits < 5% and 3 > 2" in a text file is prose.
_TAG = re.compile(
    r"</?(?:a|abbr|b|big|blockquote|br|center|cite|code|dd|del|div|dl|dt|em|figcaption|figure|"
    r"font|h[1-6]|hr|i|img|ins|li|mark|ol|p|pre|q|s|section|small|span|strike|strong|sub|sup|"
    r"table|tbody|td|th|thead|tr|u|ul)(?:\s[^<>]*)?/?>",
    re.I,
)
_DOCUMENT_TAG = re.compile(r"<(?:!doctype|html|head|body|script|style)\b", re.I)
_DEK_WORDS = 12  # an unpunctuated line this long is a standfirst, i.e. article text

_BYLINE = re.compile(r"^by\s+(?P<author>[^,|]+?)\s*(?:,\s*(?P<org>[^|]+?))?\s*$", re.I)
_POSTED = re.compile(
    r"^(?:posted|published|updated)\s*:?\s*(?P<date>[A-Z][a-z]{2,8}\.? \d{1,2},? \d{4})", re.I
)
_POSTED_BY = re.compile(r"\|\s*by\s+(?P<author>[^,|]+?)\s*(?:,|\||$)", re.I)
_SOURCE_TAG = re.compile(r"^\[?source\s*:-?\s*(?P<name>[^\]]+?)\]?$", re.I)
_ARTICLE_SOURCE = re.compile(r"^article source\s*:\s*(?P<url>https?://\S+)", re.I)
_COPYRIGHT = re.compile(
    r"(?:copyright|©)\s*(?:©\s*)?(?:\d{4}\s*)?(?P<name>[A-Z][\w.&' -]+?)\s*(?:®|,|\.|$)", re.I
)
_RELAUTHOR = re.compile(r"""<a [^>]*rel=["']author["'][^>]*>(?P<name>[^<]+)</a>""", re.I)
_URL_DATE = re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>[01]?\d)/(?P<d>[0-3]?\d)/")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}


@dataclass(frozen=True, slots=True)
class LoadResult:
    """The articles that could be read, and what could not (path and reason)."""

    articles: tuple[Article, ...]
    problems: tuple[str, ...]


def load_sources(directory: Path, metadata_file: Path | None = None) -> LoadResult:
    """Reads and cleans every source file in ``directory`` (not recursive), sorted by name.

    Args:
        directory: the sources folder.
        metadata_file: optional TOML with a table per source id (``title``, ``publisher``,
            ``author``, ``date``, ``url``) that overrides what the text gives.

    Returns:
        The articles, and a reason for each file that was skipped.
    """
    problems: list[str] = []
    overrides: Mapping[str, Mapping[str, object]] = {}
    if metadata_file is not None:
        try:
            overrides = tomllib.loads(metadata_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            problems.append(f"{metadata_file.name}: metadata ignored ({_reason(exc)})")
    if not directory.is_dir():
        return LoadResult((), (f"{directory}: sources folder not found",))
    articles = []
    ids: dict[str, str] = {}
    for path in sorted(directory.iterdir()):
        if path.suffix.lower() not in SOURCE_SUFFIXES or path.name.startswith("."):
            continue
        if path.stem in ids:  # one id per stem, or passage keys (and citations) would collide
            problems.append(f"{path.name}: skipped (same id as {ids[path.stem]})")
            continue
        try:
            raw = path.read_bytes()
            article = read_article(path.stem, raw, suffix=path.suffix.lower(), path=path)
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path.name}: skipped ({_reason(exc)})")
            continue
        if not article.paragraphs:
            problems.append(f"{path.name}: skipped (no readable text)")
            continue
        ids[path.stem] = path.name
        extra = overrides.get(path.stem)
        if isinstance(extra, Mapping):
            info = _override(article.info, extra)
            # The byline is the text's own; a corrected or cleared author replaces it.
            byline = article.byline if info.author == article.info.author else info.author
            article = replace(article, info=info, byline=byline)
        articles.append(replace(article, sha256=hashlib.sha256(raw).hexdigest()))
    return LoadResult(tuple(articles), tuple(problems))


def _reason(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"not valid UTF-8 at byte {exc.start}"
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return str(exc).splitlines()[0]


def _override(info: SourceInfo, extra: Mapping[str, object]) -> SourceInfo:
    """The metadata file's values win; an empty string clears a field."""

    def pick(key: str, current: str | None) -> str | None:
        value = extra.get(key)
        return current if value is None else (str(value).strip() or None)

    return SourceInfo(
        id=info.id,
        title=pick("title", info.title),
        publisher=pick("publisher", info.publisher),
        author=pick("author", info.author),
        date=pick("date", info.date),
        url=pick("url", info.url),
    )


def read_article(
    source_id: str, data: bytes, *, suffix: str = ".txt", path: Path | None = None
) -> Article:
    """One source file's bytes as an article: web pages in any encoding, text as UTF-8.

    Raises:
        UnicodeDecodeError: a plain-text or Markdown file that is not UTF-8.
    """
    if suffix in HTML_SUFFIXES:
        return _page_article(source_id, data, suffix=suffix, path=path)
    return parse_article(source_id, data.decode("utf-8-sig"), suffix=suffix, path=path)


def parse_article(
    source_id: str, text: str, *, suffix: str = ".txt", path: Path | None = None
) -> Article:
    """Cleans one article's text (plain, Markdown or HTML) and extracts its metadata.

    Web pages go through trafilatura (`embeddings.ingest.html`); plain text and Markdown, which
    it has no markup to work on, through this module's furniture rules.
    """
    if suffix in HTML_SUFFIXES:
        return _page_article(source_id, text.encode("utf-8"), suffix=suffix, path=path)
    meta: dict[str, str] = {}
    blocks = _text_blocks(text, meta, markdown=suffix == ".md")
    title = meta.pop("title", None)
    paragraphs: list[str] = []
    seen: set[str] = set()
    ended = False
    for block in blocks:
        if ended:
            _harvest(block, meta)  # copyright and source lines often follow the body
            continue
        kind = _classify(block, meta)
        if kind == "end":
            ended = True
            continue
        if kind == "furniture":
            continue
        if kind == "heading":
            if title is None and len(block.split()) >= 4:
                title = block
                continue
            if len(block.split()) < _DEK_WORDS:
                continue  # section labels, navigation, subheads
        key = normalise(block)
        if key in seen:
            continue  # a repeated lede or pull quote
        seen.add(key)
        paragraphs.append(block)
    if title is not None:
        paragraphs = [p for p in paragraphs if normalise(p) != normalise(title)]
        if not paragraphs and len(blocks) == 1:
            paragraphs = [title]  # a one-line note is a paragraph, not a title over nothing
    info = SourceInfo(
        id=source_id,
        title=title,
        publisher=meta.get("publisher"),
        author=meta.get("author"),
        date=meta.get("date") or _date_from_url(meta.get("url")),
        url=meta.get("url"),
    )
    return Article(
        info=info,
        path=path or Path(source_id + suffix),
        paragraphs=tuple(paragraphs),
        sha256="",
        dropped=len(blocks) - len(paragraphs) - (title is not None and title not in paragraphs),
        byline=meta.get("byline"),
    )


def _page_article(source_id: str, data: bytes, *, suffix: str, path: Path | None) -> Article:
    page = extract_page(data)
    if not page.paragraphs:
        text, _ = decode_html(data)
        if not _TAG.search(text) and not _DOCUMENT_TAG.search(text):
            return parse_article(source_id, text, suffix=".txt", path=path)  # text named .html
    info = SourceInfo(
        id=source_id,
        title=page.title,
        publisher=page.publisher,
        author=page.author,
        date=page.date or _date_from_url(page.url),
        url=page.url,
    )
    where = path or Path(source_id + suffix)
    return Article(
        info, where, page.paragraphs, sha256="", dropped=page.dropped, byline=page.author
    )


def _text_blocks(text: str, meta: dict[str, str], *, markdown: bool) -> list[str]:
    """Paragraphs of a plain-text or Markdown page, with inline HTML stripped."""
    blocks = []
    for raw in _paragraphs(text):
        author = _RELAUTHOR.search(raw)
        if author:
            meta.setdefault("author", fold_space(html.unescape(author["name"])))
            meta.setdefault("byline", meta["author"])
        block = raw
        if markdown:
            block = _markdown_inline(block, meta)
        if "<" in block and _TAG.search(block):
            block = html.unescape(_TAG.sub(" ", block))
        block = fold_space(block)
        if block:
            blocks.append(block)
    return blocks


def _paragraphs(text: str) -> list[str]:
    """Blank-line separated blocks; a block of separate short lines is split into its lines."""
    out: list[str] = []
    for block in re.split(r"\n[ \t\r]*\n", text.replace("\r\n", "\n")):
        lines = [line for line in block.split("\n") if line.strip()]
        if _hard_wrapped(lines):
            out.append(" ".join(lines))
        else:
            out.extend(lines)
    return out


def _hard_wrapped(lines: list[str]) -> bool:
    """True for prose wrapped at a fixed width: most lines long and ending mid-sentence."""
    if len(lines) < 2:
        return True
    inner = lines[:-1]
    wrapped = [ln for ln in inner if len(ln.strip()) >= 40 and not _TERMINAL.search(ln.strip())]
    return len(wrapped) * 2 > len(inner)


def _markdown_inline(block: str, meta: dict[str, str]) -> str:
    heading = re.match(r"^\s*#\s+(.+)$", block)
    if heading and "title" not in meta:
        meta["title"] = heading[1].strip()
        return ""
    block = re.sub(r"^\s*#{1,6}\s+", "", block, flags=re.M)
    block = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", block)
    block = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", block)
    return re.sub(r"(\*\*|__|\*|_)(\S(?:.*?\S)?)\1", r"\2", block)


def _classify(block: str, meta: dict[str, str]) -> str:
    """'body', 'heading' (a line that is not prose), 'furniture' or 'end' (rest is not body)."""
    norm = normalise(block)
    if _END_OF_BODY.match(norm):
        return "end"
    _harvest(block, meta)
    if _BREADCRUMB.match(block) or any(p.search(norm) for p in _FURNITURE):
        return "furniture"
    if not _TERMINAL.search(block):
        return "heading"
    return "body"


def _harvest(block: str, meta: dict[str, str]) -> None:
    """Lifts metadata out of a furniture line: bylines, dates, source tags, copyright."""
    line = fold_space(block)
    if m := _BYLINE.match(line):
        if m["author"].strip():
            meta.setdefault("author", m["author"].strip())
            meta.setdefault("byline", line)
        if m["org"]:
            meta.setdefault("publisher", m["org"].strip())
    if m := _POSTED.match(line):
        meta.setdefault("date", _iso_date(m["date"]) or m["date"])
        if (by := _POSTED_BY.search(line)) and by["author"].strip():
            meta.setdefault("author", by["author"].strip())
            meta.setdefault("byline", line)
    if m := _SOURCE_TAG.match(line):
        meta.setdefault("publisher", m["name"].strip())
    if m := _ARTICLE_SOURCE.match(line):
        meta.setdefault("url", m["url"])
        meta.setdefault("publisher", _publisher_from_url(m["url"]))
    if re.match(r"^(copyright|©)", line, re.I) and (m := _COPYRIGHT.search(line)):
        meta.setdefault("publisher", m["name"].strip())


def _iso_date(text: str) -> str | None:
    m = re.match(r"([A-Za-z]{3})[a-z]*\.? (\d{1,2}),? (\d{4})", text)
    if not m or m[1].lower() not in _MONTHS:
        return None
    return f"{int(m[3]):04d}-{_MONTHS[m[1].lower()]:02d}-{int(m[2]):02d}"


def _date_from_url(url: str | None) -> str | None:
    if not url or not (m := _URL_DATE.search(url)):
        return None
    return f"{m['y']}-{int(m['m']):02d}-{int(m['d']):02d}"


def _publisher_from_url(url: str) -> str:
    host = urlparse(url).hostname or url
    parts = [p for p in host.split(".") if p not in ("www", "m", "amp")]
    name = parts[-2] if len(parts) >= 2 else parts[0]
    return name.capitalize()


def describe(article: Article) -> SourceReport:
    """The article as `storybot sources` lists it, with what a reader of its citations should
    know: garbled text, a missing title, publisher or date, paragraphs dropped as furniture."""
    info, warnings = article.info, []
    score = fluency(article.paragraphs)
    if score < FLUENT:
        warnings.append(f"reads as machine-rewritten text (fluency {score:.2f})")
    if info.title is None:
        warnings.append("no title: cited by publisher and date")
    for field, value in (("publisher", info.publisher), ("date", info.date)):
        if not value:
            warnings.append(f"no {field}")
    if article.dropped:
        plural = "s" if article.dropped != 1 else ""
        warnings.append(f"{article.dropped} paragraph{plural} dropped as furniture")
    return SourceReport(info, article.paragraphs, tuple(warnings))
