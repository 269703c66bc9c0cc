"""Deep links that open the bot on a question: `https://t.me/BotName?start=PAYLOAD`.

Telegram allows 1-64 characters from [A-Za-z0-9_-] in a start payload, so a question travels in
one of two spellings, both read by `payload_question`:

- words joined by "_" or "-": `When_will_BlackBerry_leave` (readable, ASCII only);
- base64url of the UTF-8 question, padding dropped: any text, about 48 characters at most.
"""

from __future__ import annotations

import base64
import binascii
import re

MAX_PAYLOAD = 64
"""Telegram's limit on a start payload."""
RESERVED = frozenset({"slow_down"})
"""Payloads of the bot's own buttons (the inline "slow down" notice), which open the usual
greeting rather than a question."""
_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def payload_question(payload: str) -> str | None:
    """The question a start payload carries, or None (no payload, a reserved or malformed one)."""
    payload = payload.strip()
    if not _PAYLOAD.match(payload) or payload in RESERVED:
        return None
    decoded = _base64_text(payload)
    if decoded is not None:
        return decoded
    words = " ".join(re.split(r"[_-]+", payload)).strip()
    return words or None


def question_link(bot_name: str, question: str) -> str | None:
    """A t.me link that opens the bot on `question`; None if the question is too long for one."""
    question = " ".join(question.split())
    words = question.replace(" ", "_")
    if re.fullmatch(r"[A-Za-z0-9_]+", words) and _base64_text(words) is None:
        payload = words
    else:
        payload = base64.urlsafe_b64encode(question.encode()).decode().rstrip("=")
    if not payload or len(payload) > MAX_PAYLOAD:
        return None
    return f"https://t.me/{bot_name}?start={payload}"


def _base64_text(payload: str) -> str | None:
    """The text `payload` encodes in base64url, if it is canonical base64 of printable UTF-8
    with a space in it (words joined by "_" are almost never that: random bytes are rarely
    UTF-8, let alone printable text with a space)."""
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    canonical = base64.urlsafe_b64encode(raw).decode().rstrip("=") == payload
    if not canonical or not text.isprintable() or " " not in text.strip():
        return None
    return " ".join(text.split())
