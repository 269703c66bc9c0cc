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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlparse

from embeddings.ingest.html import html_to_blocks
from embeddings.models import Article, SourceInfo
from embeddings.text import fold_space, normalise, split_sentences

SOURCE_SUFFIXES = (".txt", ".md", ".html", ".htm")

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
    overrides = _overrides(metadata_file, problems)
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
        article = _read(path, problems)
        if article is None:
            continue
        ids[path.stem] = path.name
        extra = overrides.get(path.stem)
        if isinstance(extra, Mapping):
            article = replace(article, info=_override(article.info, extra))
        articles.append(article)
    return LoadResult(tuple(articles), tuple(problems))


def _overrides(metadata_file: Path | None, problems: list[str]) -> Mapping[str, object]:
    """The metadata file's tables by source id (none, and a problem noted, if unreadable)."""
    if metadata_file is None:
        return {}
    try:
        return tomllib.loads(metadata_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        problems.append(f"{metadata_file.name}: metadata ignored ({_reason(exc)})")
        return {}


def _read(path: Path, problems: list[str]) -> Article | None:
    """One source file, cleaned, with the hash of its bytes; None (and a problem noted) when
    it cannot be read or decoded or has no readable text."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path.name}: skipped ({_reason(exc)})")
        return None
    article = parse_article(path.stem, text, suffix=path.suffix.lower(), path=path)
    if not article.paragraphs:
        problems.append(f"{path.name}: skipped (no readable text)")
        return None
    return replace(article, sha256=hashlib.sha256(raw).hexdigest())


def _reason(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"not valid UTF-8 at byte {exc.start}"
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return str(exc).splitlines()[0]


def _override(info: SourceInfo, extra: Mapping[str, object]) -> SourceInfo:
    """The metadata file's values win; an empty string clears a field (never the title)."""

    def pick(key: str, current: str | None) -> str | None:
        value = extra.get(key)
        return current if value is None else (str(value).strip() or None)

    return SourceInfo(
        id=info.id,
        title=pick("title", info.title) or info.title,
        publisher=pick("publisher", info.publisher),
        author=pick("author", info.author),
        date=pick("date", info.date),
        url=pick("url", info.url),
    )


def parse_article(
    source_id: str, text: str, *, suffix: str = ".txt", path: Path | None = None
) -> Article:
    """Cleans one article's text (plain, Markdown or HTML) and extracts its metadata."""
    meta: dict[str, str] = {}
    if suffix in (".html", ".htm"):
        blocks, html_meta = html_to_blocks(text)
        meta.update(html_meta)
    else:
        blocks = _text_blocks(text, meta, markdown=suffix == ".md")
    paragraphs, title = _body(blocks, meta, meta.pop("title", None))
    info = SourceInfo(
        id=source_id,
        title=title or _fallback_title(paragraphs, source_id),
        publisher=meta.get("publisher"),
        author=meta.get("author"),
        date=meta.get("date") or _date_from_url(meta.get("url")),
        url=meta.get("url"),
    )
    return Article(
        info=info, path=path or Path(source_id + suffix), paragraphs=tuple(paragraphs), sha256=""
    )


def _body(
    blocks: Iterable[str], meta: dict[str, str], title: str | None
) -> tuple[list[str], str | None]:
    """The body paragraphs in reading order (furniture, headings and repeats dropped; metadata
    harvested into ``meta``) and the title: ``title``, else the first heading of four words."""
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
    return paragraphs, title


def _text_blocks(text: str, meta: dict[str, str], *, markdown: bool) -> list[str]:
    """Paragraphs of a plain-text or Markdown page, with inline HTML stripped."""
    blocks = []
    for raw in _paragraphs(text):
        author = _RELAUTHOR.search(raw)
        if author:
            meta.setdefault("author", fold_space(html.unescape(author["name"])))
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
        if m["org"]:
            meta.setdefault("publisher", m["org"].strip())
    if m := _POSTED.match(line):
        meta.setdefault("date", _iso_date(m["date"]) or m["date"])
        if (by := _POSTED_BY.search(line)) and by["author"].strip():
            meta.setdefault("author", by["author"].strip())
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


def _fallback_title(paragraphs: Iterable[str], source_id: str) -> str:
    """The start of the first sentence, marked as cut; the id when there is no text."""
    for paragraph in paragraphs:
        first = split_sentences(paragraph)[0]
        words = first.split()
        if len(words) <= 14:
            return first
        cut = next((i for i in range(5, 14) if words[i - 1].endswith(",")), 12)
        return " ".join(words[:cut]).rstrip(",") + " …"
    return source_id
