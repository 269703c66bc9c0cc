"""HTML pages to text blocks, with the page's own metadata (title, site, author, date, URL)."""

from __future__ import annotations

from html.parser import HTMLParser

from embeddings.text import fold_space

_BLOCK = frozenset(
    """p div section article header footer li ul ol h1 h2 h3 h4 h5 h6 blockquote pre table tr td
    th br hr figure figcaption dd dt dl main aside nav title""".split()
)
_SKIP = frozenset(
    """script style noscript nav footer aside form svg iframe template button""".split()
)
_META = {
    "og:title": "title",
    "twitter:title": "title",
    "og:site_name": "publisher",
    "author": "author",
    "article:author": "author",
    "article:published_time": "date",
    "date": "date",
    "og:url": "url",
}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.meta: dict[str, str] = {}
        self._buffer: list[str] = []
        self._skip = 0
        self._in_title = False
        self._in_h1 = False
        self._title: list[str] = []
        self._h1: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "meta":
            key = _META.get((values.get("property") or values.get("name") or "").lower())
            if key and values.get("content"):
                self.meta.setdefault(key, fold_space(values["content"]))
        elif tag == "link" and values.get("rel") == "canonical" and values.get("href"):
            self.meta.setdefault("url", values["href"])
        if tag in _SKIP:
            self._skip += 1
        elif tag in _BLOCK:
            self._flush()
        self._in_title = self._in_title or tag == "title"
        self._in_h1 = self._in_h1 or tag == "h1"

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self._skip:
            self._skip -= 1
        elif tag in _BLOCK:
            self._flush()
        if tag == "title":
            self._in_title = False
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title.append(data)
            return
        if self._skip:
            return
        if self._in_h1:
            self._h1.append(data)
        self._buffer.append(data)

    def _flush(self) -> None:
        text = fold_space("".join(self._buffer))
        self._buffer.clear()
        if text:
            self.blocks.append(text)

    def close(self) -> None:
        super().close()
        self._flush()
        title = fold_space("".join(self._h1)) or fold_space("".join(self._title))
        if title:
            self.meta.setdefault("title", title)


def html_to_blocks(page: str) -> tuple[list[str], dict[str, str]]:
    """Splits an HTML page into text blocks and reads its metadata.

    Scripts, styles, navigation, footers and forms are dropped. The title is the first ``<h1>``,
    else ``og:title``, else ``<title>``.
    """
    collector = _Collector()
    collector.feed(page)
    collector.close()
    meta = dict(collector.meta)
    if "date" in meta:
        meta["date"] = meta["date"][:10]
    return collector.blocks, meta
