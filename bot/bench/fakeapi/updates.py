"""Incoming updates for the fake Bot API, shaped as Telegram sends them.

Each builder registers what it creates (chats, messages, files, callback queries) so later calls
can refer to it, and returns the update as JSON: pass it to `FakeBotApi.push` for getUpdates, or
to `Update.de_json` and `Application.process_update` for in-process tests.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import time
from typing import Any

from bot.bench.fakeapi.tghtml import utf16_len

Json = dict[str, Any]
USER: Json = {"id": 1001, "is_bot": False, "first_name": "Ann", "username": "ann"}
OTHER: Json = {"id": 1002, "is_bot": False, "first_name": "Bob"}
ADMIN: Json = {"id": 42, "is_bot": False, "first_name": "Ada", "username": "ada"}
GROUP_ID = -1001234567890
_COMMAND = re.compile(r"^/[A-Za-z0-9_]+(@\w+)?")
_MENTION = re.compile(r"(?<![\w/])@\w{5,32}")


class ApiError(Exception):
    """A 400 Bad Request with this description."""


class UpdateFactory:
    """Chats, messages and files known to the fake Bot API, and the updates that create them."""

    me: Json

    def __init__(self) -> None:
        self.chats: dict[int, Json] = {}
        self.messages: dict[tuple[int, int], Json] = {}
        self.files: dict[str, tuple[str, bytes]] = {}
        self.callback_queries: dict[str, Json] = {}
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._query_ids = itertools.count(1)

    def next_update_id(self) -> int:
        raise NotImplementedError

    def chat(self, chat_id: int | str) -> Json:
        try:
            return self.chats[int(chat_id)]
        except (KeyError, ValueError):
            raise ApiError("chat not found") from None

    def new_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def private_chat(self, user: Json) -> Json:
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        return self.chats.setdefault(user["id"], chat)

    def group_chat(self, chat_id: int = GROUP_ID, *, forum: bool = False) -> Json:
        kind = "supergroup" if chat_id < -1_000_000_000_000 else "group"
        chat: Json = {"id": chat_id, "type": kind, "title": "Newsroom"}
        if forum:
            chat["is_forum"] = True
        return self.chats.setdefault(chat_id, chat)

    # --- updates -------------------------------------------------------------------------------

    def private(self, text: str, user: Json = USER) -> Json:
        """A text message in the user's private chat with the bot."""
        return self._update("message", self.message(self.private_chat(user), user, text=text))

    def group(
        self,
        text: str,
        user: Json = USER,
        *,
        chat_id: int = GROUP_ID,
        reply_to: int | None = None,
        topic: int | None = None,
    ) -> Json:
        """A text message in a group; `topic` puts it in a forum topic, as Telegram does."""
        chat = self.group_chat(chat_id, forum=topic is not None)
        message = self.message(chat, user, text=text, reply_to=reply_to, topic=topic)
        return self._update("message", message)

    def message(
        self,
        chat: Json,
        user: Json,
        *,
        text: str | None = None,
        reply_to: int | None = None,
        topic: int | None = None,
        **extra: Any,
    ) -> Json:
        """Registers a message from `user` in `chat` and returns it (not wrapped in an update)."""
        message: Json = {"message_id": self.new_message_id(chat["id"]), "date": int(time.time())}
        message |= {"chat": chat, "from": user, **extra}
        if text is not None:
            message["text"] = text
            if entities := _entities(text):
                message["entities"] = entities
        if topic is not None:
            message |= {"message_thread_id": topic, "is_topic_message": True}
            if reply_to is None:  # Telegram: a plain message in a topic replies to its root
                root = {"message_id": topic, "date": 0, "chat": chat, "from": user}
                message["reply_to_message"] = root | {
                    "forum_topic_created": {"name": "t", "icon_color": 7322096}
                }
        if reply_to is not None:
            message["reply_to_message"] = self.messages[(chat["id"], reply_to)]
        self.messages[(chat["id"], message["message_id"])] = message
        return message

    def callback(self, chat_id: int, message_id: int, data: str, user: Json = USER) -> Json:
        """A press on an inline button of the bot's message `message_id`."""
        query_id = str(next(self._query_ids))
        query: Json = {"id": query_id, "from": user, "chat_instance": "ci", "data": data}
        query["message"] = self.messages[(chat_id, message_id)]
        self.callback_queries[query_id] = query
        return self._update("callback_query", query)

    def inline(self, query: str, user: Json = USER) -> Json:
        """The user typed `@BotName query` in some chat."""
        inline = {"id": str(next(self._query_ids)), "from": user, "query": query, "offset": ""}
        return self._update("inline_query", inline | {"chat_type": "sender"})

    def document(
        self,
        file_name: str,
        content: bytes,
        *,
        user: Json = ADMIN,
        caption: str | None = None,
        mime_type: str = "text/plain",
    ) -> Json:
        """The user sent a file in their private chat with the bot."""
        file_id = "F" + hashlib.sha256(content + file_name.encode()).hexdigest()[:20]
        self.files[file_id] = (f"documents/{file_id}.bin", content)
        document: Json = {"file_id": file_id, "file_unique_id": file_id[:10]}
        document["file_name"] = file_name
        document |= {"mime_type": mime_type, "file_size": len(content)}
        extra: Json = {"document": document} | ({"caption": caption} if caption else {})
        return self._update("message", self.message(self.private_chat(user), user, **extra))

    def sticker(self, user: Json = USER, *, chat: Json | None = None) -> Json:
        """A sticker (a non-text message) in a private chat or the given chat."""
        sticker = {"file_id": "S1", "file_unique_id": "S1", "type": "regular", "width": 512}
        sticker |= {"height": 512, "is_animated": False, "is_video": False}
        where = chat or self.private_chat(user)
        return self._update("message", self.message(where, user, sticker=sticker))

    def wrap(self, kind: str, message: Json) -> Json:
        """Any payload as an update of `kind` ("edited_message", "channel_post", …)."""
        return self._update(kind, message)

    def file_bytes(self, file_path: str) -> bytes | None:
        return next((data for path, data in self.files.values() if path == file_path), None)

    def _update(self, kind: str, payload: Json) -> Json:
        return {"update_id": self.next_update_id(), kind: payload}


def _entities(text: str) -> list[Json]:
    entities = []
    if match := _COMMAND.match(text):
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(match.group())})
    for match in _MENTION.finditer(text):
        offset = utf16_len(text[: match.start()])
        entities.append({"type": "mention", "offset": offset, "length": utf16_len(match.group())})
    return entities
