"""Saved or fetched web pages to cited paragraphs, through trafilatura.

trafilatura finds the main text of a page (navigation, footers, comment threads and related-link
boxes go) and reads its metadata: title, author, date (with htmldate), site name and canonical
URL. This module only decodes the bytes and turns its result into plain values; it keeps what
trafilatura gives, because every paragraph it drops is text a question could have needed.

The same bytes always give the same paragraphs (trafilatura is deterministic and pinned to one
minor version), so paragraph numbers, and the citations that use them, survive re-indexing.
"""

from __future__ import annotations

import codecs
import re

from embeddings.models import WebPage
from embeddings.text import fold_space, normalise

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARED = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)"""
    rb"""|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.I,
)
_SNIFF_BYTES = 4096
"""Browsers look for a <meta charset> in the first 1024 bytes; real pages put it a bit later."""
# What browsers do (WHATWG Encoding): these labels mean windows-1252, a superset of them.
_AS_CP1252 = frozenset({"ascii", "us-ascii", "iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1"})
_LIST_MARK = "- "
"""trafilatura's plain-text mark for a list item; the page itself has no such dash."""


def decode_html(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """The page's text and the encoding used to read it; never fails.

    Order: a byte-order mark; UTF-8 if the bytes are valid UTF-8 (a page in another encoding
    with any non-ASCII letter almost never is); the charset the server declared; the page's
    own ``<meta charset>``; charset_normalizer's guess; else windows-1252, which maps every
    byte to something.

    Args:
        data: the raw bytes of the page.
        declared: the charset of the HTTP Content-Type header, if the page was fetched.
    """
    for bom, bom_codec in _BOMS:
        if data.startswith(bom):
            return data.decode(bom_codec, errors="replace"), bom_codec.removesuffix("-sig")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    own = _DECLARED.search(data[:_SNIFF_BYTES])
    in_page = (own[1] or own[2]).decode("ascii") if own else None
    for guess in (lambda: declared, lambda: in_page, lambda: _guess(data)):  # the last is slow
        name = _codec(guess())
        if name is None:
            continue
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            continue
    return data.decode("cp1252", errors="replace"), "cp1252"


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    if label in _AS_CP1252:
        return "cp1252"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return None if name.startswith("utf-8") else name  # UTF-8 was already tried


def _guess(data: bytes) -> str | None:
    """charset_normalizer's guess; among equally clean readings, windows-1252 (the web's most
    common legacy encoding: French text reads as clean Polish in windows-1250 too)."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        return None
    cleanest = min(m.chaos for m in matches)
    if any(m.encoding == "cp1252" and m.chaos <= cleanest for m in matches):
        return "cp1252"
    return str(matches[0].encoding)


def extract_page(data: bytes, *, url: str | None = None, charset: str | None = None) -> WebPage:
    """Reads a page's main text and metadata with trafilatura.

    Args:
        data: the raw bytes of the page, in any encoding (see `decode_html`).
        url: where the page came from, if known; used when the page names no canonical URL.
        charset: the charset of the HTTP Content-Type header, if the page was fetched.

    Returns:
        The page; its paragraphs are empty when trafilatura finds no main text.
    """
    import trafilatura  # lxml and the extractors load only when a page is read

    text, encoding = decode_html(data, charset)
    document = trafilatura.bare_extraction(
        text, url=url, with_metadata=True, include_comments=False, include_tables=True
    )
    if document is None or isinstance(document, dict):
        return WebPage((), url=url, encoding=encoding)
    title = _clean(document.title)
    lines = [_paragraph(line) for line in (document.text or "").splitlines()]
    paragraphs, dropped = _distinct([p for p in lines if p], title)
    return WebPage(
        paragraphs=paragraphs,
        title=title,
        publisher=_clean(document.sitename),
        author=_clean(document.author),
        date=_clean(document.date),
        url=_clean(document.url) or url,
        encoding=encoding,
        dropped=dropped,
    )


def _paragraph(line: str) -> str:
    line = fold_space(line)
    return line.removeprefix(_LIST_MARK).strip() if line.startswith(_LIST_MARK) else line


def _clean(value: str | None) -> str | None:
    return fold_space(value) or None if value else None


def _distinct(paragraphs: list[str], title: str | None) -> tuple[tuple[str, ...], int]:
    """The paragraphs without repeats or the title's own heading, and how many were dropped."""
    seen = {normalise(title)} if title else set()
    kept = []
    for paragraph in paragraphs:
        key = normalise(paragraph)
        if key in seen:
            continue
        seen.add(key)
        kept.append(paragraph)
    return tuple(kept), len(paragraphs) - len(kept)
