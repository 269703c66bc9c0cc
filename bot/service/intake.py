"""Adding a source from a link: fetch the page, read it, save it, record where it came from.

Shared by `/add URL` and `storybot add URL`; the caller reloads the index afterwards. Nothing is
written unless the page was fetched and yields at least one paragraph, so a refused link leaves
the sources folder, `sources.toml` and the index as they were.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.service.fetch import FetchError, FetchLimits, Resolver, fetch_page, system_resolver
from bot.service.sources_dir import record_metadata, save_source
from embeddings.library import decode_page, read_web_page
from embeddings.models import WebPage


class IntakeError(Exception):
    """Why a link did not become a source; one line, safe to show to the admin."""


@dataclass(frozen=True, slots=True)
class AddedPage:
    """A page saved as a source."""

    source_id: str
    path: Path
    url: str
    page: WebPage
    metadata: dict[str, str]
    """What was recorded in sources.toml (the citation, before any correction)."""


def add_from_url(
    url: str,
    sources_dir: Path,
    metadata_file: Path,
    limits: FetchLimits,
    *,
    resolver: Resolver = system_resolver,
) -> AddedPage:
    """Fetches `url`, checks it yields text, saves it as `<id>.html` and records its metadata.

    The same link (after redirects) always gets the same id, so adding it again replaces it.

    Raises:
        IntakeError: the fetch was refused or failed, or the page has no article text.
    """
    try:
        fetched = fetch_page(url, limits, resolver=resolver)
    except FetchError as exc:
        raise IntakeError(str(exc)) from None
    page = read_web_page(fetched.body, url=fetched.url, charset=fetched.charset)
    if not page.paragraphs:
        raise IntakeError("no article text was found on that page")
    source_id = source_id_for(fetched.url)
    body = _self_describing(fetched.body, fetched.charset)
    path = save_source(sources_dir, source_id, ".html", body)
    found = {
        "url": page.url if _is_web(page.url) else fetched.url,
        "title": page.title or "",
        "publisher": page.publisher or _host(fetched.url),
        "author": page.author or "",
        "date": page.date or "",
    }
    metadata = {key: value for key, value in found.items() if value}
    try:
        record_metadata(metadata_file, source_id, metadata)
    except ValueError as exc:
        path.unlink(missing_ok=True)
        raise IntakeError(str(exc)) from None
    return AddedPage(source_id, path, str(metadata["url"]), page, metadata)


def source_id_for(url: str) -> str:
    """A readable, stable id: host and last path segment, plus a short hash of the whole URL."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    words = re.sub(r"\.[A-Za-z0-9]{2,5}$", "", segments[-1]) if segments else ""
    slug = re.sub(r"[^A-Za-z0-9]+", "_", f"{_host(url)} {words}").strip("_").lower()[:60]
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:8]
    return f"{slug or 'page'}_{digest}"


def _self_describing(body: bytes, charset: str | None) -> bytes:
    """The page's bytes, or the page in UTF-8 if only the HTTP header named its encoding: the
    saved file has no header, and the loader must read the same text from it."""
    told, _ = decode_page(body, charset)
    if charset is None or decode_page(body)[0] == told:
        return body
    return told.encode("utf-8")  # valid UTF-8 is read as UTF-8 whatever the page declares


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def _is_web(url: str | None) -> bool:
    return bool(url and re.match(r"https?://\S+$", url))
