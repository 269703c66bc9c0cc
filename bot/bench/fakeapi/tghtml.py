"""Telegram's HTML parse mode, strictly: what the fake Bot API accepts or rejects.

Mirrors https://core.telegram.org/bots/api#html-style closely enough to catch what matters:
unknown tags, unbalanced or crossed tags, nested blockquotes, bare "<" or ">", unknown named
entities. Returns the visible text, which is what Telegram's length limit applies to.
"""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser

ALLOWED = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
    "code", "pre", "blockquote", "tg-emoji",
}  # fmt: skip
ENTITIES = {"lt", "gt", "amp", "quot"}


class TelegramHTMLError(ValueError):
    """Telegram would answer 400 "Bad Request: can't parse entities: …"."""


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED:
            raise TelegramHTMLError(f'Unsupported start tag "{tag}"')
        if tag == "blockquote" and "blockquote" in self.stack:
            raise TelegramHTMLError("Blockquote entities can't be nested")
        if tag == "a" and not dict(attrs).get("href"):
            raise TelegramHTMLError("Empty href in <a>")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise TelegramHTMLError(f'Can\'t find end tag corresponding to start tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            raise TelegramHTMLError("Unexpected character in text")
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in ENTITIES:
            raise TelegramHTMLError(f'Unsupported HTML entity "&{name};"')
        self.text.append(unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.text.append(unescape(f"&#{name};"))

    def handle_comment(self, data: str) -> None:
        raise TelegramHTMLError("Unsupported comment")


def parse_html(markup: str) -> str:
    """The visible text of Telegram HTML; raises TelegramHTMLError where Telegram would."""
    parser = _Parser()
    parser.feed(markup)
    parser.close()
    if parser.rawdata:
        raise TelegramHTMLError("Unclosed start tag")
    if parser.stack:
        raise TelegramHTMLError(
            f'Can\'t find end tag corresponding to start tag "{parser.stack[-1]}"'
        )
    return "".join(parser.text)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts."""
    return len(text.encode("utf-16-le")) // 2
