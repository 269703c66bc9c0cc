"""An in-memory Telegram Bot API: one state machine behind both fake transports.

`FakeBotApi` answers Bot API methods the way Telegram does (message ids, replies, edits, strict
HTML parsing and the 4096-unit limit, "message is not modified", callback and inline answers,
command menus, files) and records every call. The in-process `FakeTransport` (transport.py) and
the real HTTP `FakeBotServer` (server.py) both go through `FakeBotApi.serve_prepare` and
`FakeBotApi.handle`, so a fault injected here hits either path the same way.

Fault injection: `api.inject(method, fault)` registers a callable that sees each `Call` to
`method` ("*" for every method) and returns None (answer normally), a `Reply` (answer with it
instead), a `Delay` (wait, then answer normally; a delay past the client's read timeout is a
timeout), a `Drop` (close the connection without answering: the request was not processed),
a `DropAfter` (process the request, then close the connection: the bot cannot tell this from a
`Drop`) or a `Refuse` (the connection is refused, so nothing was sent; in-process transport only,
the HTTP server is stopped instead). `api.fail(...)` answers an error for the next `times` calls;
`api.fail_for(...)` answers with a fault for a while.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.bench.fakeapi.tghtml import TelegramHTMLError, parse_html, utf16_len
from bot.bench.fakeapi.updates import ApiError, UpdateFactory

TOKEN = "123456789:AAH-fake-token-for-tests-only_0123456789"
BOT_ID = 123456789
BOT_USERNAME = "StoryTestBot"
Json = dict[str, Any]


@dataclass
class Call:
    """One request the bot made: what the fakes record and fault hooks inspect."""

    method: str
    params: Json
    at: float = field(default_factory=time.monotonic)


@dataclass
class Reply:
    """A complete Bot API response."""

    status: int
    body: Json

    @classmethod
    def ok(cls, result: object) -> Reply:
        return cls(200, {"ok": True, "result": result})

    @classmethod
    def error(cls, status: int, description: str, retry_after: int | None = None) -> Reply:
        body: Json = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        return cls(status, body)

    def encode(self) -> bytes:
        return json.dumps(self.body).encode()


@dataclass
class Delay:
    """Wait this long before answering normally."""

    seconds: float


@dataclass
class Drop:
    """Close the connection without an answer (the request was not processed)."""


@dataclass
class DropAfter:
    """Process the request, then close the connection before the answer is sent."""


@dataclass
class Refuse:
    """Refuse the connection: the request never left the bot (in-process transport only)."""


Outcome = Reply | Delay | Drop | DropAfter | Refuse
Fault = Callable[[Call], Outcome | None]


@dataclass
class Sent:
    """A message the bot sent, as Telegram holds it, plus the markup it was sent with."""

    chat: Json
    message_id: int
    html: str
    text: str
    reply_to: int | None = None
    thread_id: int | None = None
    markup: Json | None = None
    edits: int = 0
    at: float = field(default_factory=time.monotonic)

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        rows = (self.markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data")) for row in rows for b in row]


class FakeBotApi(UpdateFactory):
    """The fake Bot API's state; thread-safe (the HTTP server calls it from its threads)."""

    def __init__(self, token: str = TOKEN, *, username: str = BOT_USERNAME) -> None:
        super().__init__()
        self.token = token
        self.me: Json = {"id": BOT_ID, "is_bot": True, "first_name": "Story", "username": username}
        self.me |= {"can_join_groups": True, "supports_inline_queries": True}
        self.calls: list[Call] = []
        self.sent: list[Sent] = []
        self.commands: dict[str, list[Json]] = {}
        self.inline_answers: dict[str, Json] = {}
        self.callback_answers: dict[str, Json] = {}
        self._faults: list[tuple[str, Fault]] = []
        self._queue: list[Json] = []
        self.pushed_at: dict[int, float] = {}
        """update_id -> when the update was queued (time.monotonic), for latencies."""
        self._update_ids = itertools.count(1)
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)

    # --- fault injection -----------------------------------------------------------------------

    def inject(self, method: str, fault: Fault) -> None:
        """Runs `fault` on every call to `method` ("*": all methods) until `clear_faults`."""
        with self._lock:
            self._faults.append((method, fault))

    def fail(
        self, method: str, status: int = 500, description: str = "Internal Server Error", *,
        times: int = 1, retry_after: int | None = None,
    ) -> None:  # fmt: skip
        """Answers the next `times` calls to `method` with an error."""
        left = [times]

        def fault(call: Call) -> Reply | None:
            if left[0] <= 0:
                return None
            left[0] -= 1
            return Reply.error(status, description, retry_after)

        self.inject(method, fault)

    def fail_for(
        self, method: str, seconds: float, make: Callable[[], Outcome] | None = None
    ) -> None:
        """Answers every call to `method` with `make()` (default a 500) for `seconds` from now."""
        until = time.monotonic() + seconds
        outcome = make or (lambda: Reply.error(500, "Internal Server Error"))
        self.inject(method, lambda call: outcome() if call.at < until else None)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # --- the transports' entry points ----------------------------------------------------------

    def serve_prepare(self, token: str, method: str, params: Json) -> Outcome | None:
        """Records the call and runs the fault hooks; a non-None result overrides the answer."""
        with self._changed:
            call = Call(method, params)
            self.calls.append(call)
            self._changed.notify_all()
            hooks = [f for m, f in self._faults if m in (method, "*")]
        for hook in hooks:
            outcome = hook(call)
            if outcome is not None:
                return outcome
        if token != self.token:
            return Reply.error(401, "Unauthorized")
        return None

    def handle(self, method: str, params: Json) -> Reply:
        """Answers one Bot API method (the token is already checked)."""
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return Reply.error(404, "Not Found")
        with self._changed:
            try:
                return Reply.ok(handler(params))
            except ApiError as exc:
                return Reply.error(400, f"Bad Request: {exc}")
            finally:
                self._changed.notify_all()

    def has_updates(self, offset: int) -> bool:
        with self._lock:
            return any(u["update_id"] >= offset for u in self._queue)

    def wait_for_updates(self, offset: int, timeout: float) -> None:
        """Blocks (in a server thread) until an update at or after `offset` is queued."""
        with self._changed:
            self._changed.wait_for(lambda: self.has_updates(offset), timeout)

    # --- queueing and waiting ------------------------------------------------------------------

    def push(self, update: Json) -> Json:
        """Queues an update for getUpdates, with a new update_id: as on Telegram, ids grow in
        the order updates are queued (an older id would fall below the bot's offset)."""
        with self._changed:
            update["update_id"] = self.next_update_id()
            self.pushed_at[update["update_id"]] = time.monotonic()
            self._queue.append(update)
            self._changed.notify_all()
        return update

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Blocks until `predicate()` holds after some call (use from a thread or a sync test)."""
        with self._changed:
            return self._changed.wait_for(predicate, timeout)

    def methods(self) -> list[str]:
        with self._lock:
            return [c.method for c in self.calls]

    def sent_to(self, chat_id: int) -> list[Sent]:
        with self._lock:
            return [s for s in self.sent if s.chat["id"] == chat_id]

    # --- methods -------------------------------------------------------------------------------

    def _m_getMe(self, params: Json) -> Json:
        return self.me

    def _m_getUpdates(self, params: Json) -> list[Json]:
        offset = int(params.get("offset", 0))
        self._queue = [u for u in self._queue if u["update_id"] >= offset]
        return self._queue[: int(params.get("limit", 100))]

    def _m_deleteWebhook(self, params: Json) -> bool:
        return True

    def _m_setWebhook(self, params: Json) -> bool:
        return True

    def _m_sendChatAction(self, params: Json) -> bool:
        self.chat(params["chat_id"])
        return True

    def _m_setMyCommands(self, params: Json) -> bool:
        scope = params.get("scope") or {"type": "default"}
        if scope["type"] == "chat":
            self.chat(scope["chat_id"])
        commands = params["commands"]
        for command in commands:
            if not (1 <= len(command["command"]) <= 32 and command["command"].islower()):
                raise ApiError("BOT_COMMAND_INVALID")
        self.commands[_scope_key(scope)] = commands
        return True

    def _m_sendMessage(self, params: Json) -> Json:
        chat = self.chat(params["chat_id"])
        html, text = _message_text(params)
        reply = params.get("reply_parameters") or {}
        reply_to = reply.get("message_id")
        if reply_to is not None and (chat["id"], reply_to) not in self.messages:
            if not reply.get("allow_sending_without_reply"):
                raise ApiError("message to be replied not found")
            reply_to = None
        thread = params.get("message_thread_id")
        sent = Sent(chat, self.new_message_id(chat["id"]), html, text, reply_to, thread)
        sent.markup = params.get("reply_markup")
        self.sent.append(sent)
        return self._store(sent)

    def _m_editMessageText(self, params: Json) -> Json:
        chat = self.chat(params["chat_id"])
        sent = next(
            (s for s in self.sent_to(chat["id"]) if s.message_id == params["message_id"]), None
        )
        if sent is None:
            raise ApiError("message to edit not found")
        html, text = _message_text(params)
        markup = params.get("reply_markup")
        if text == sent.text and html == sent.html and markup == sent.markup:
            raise ApiError(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        sent.html, sent.text, sent.markup = html, text, markup
        sent.edits += 1
        return self._store(sent)

    def _m_answerCallbackQuery(self, params: Json) -> bool:
        query_id = params["callback_query_id"]
        if query_id not in self.callback_queries or query_id in self.callback_answers:
            raise ApiError("query is too old and response timeout expired or query ID is invalid")
        self.callback_answers[query_id] = params
        return True

    def _m_answerInlineQuery(self, params: Json) -> bool:
        results = params["results"]
        ids = [r["id"] for r in results]
        if len(results) > 50 or len(set(ids)) != len(ids):
            raise ApiError("RESULTS_TOO_MUCH" if len(results) > 50 else "RESULT_ID_DUPLICATE")
        for result in results:
            _message_text(result["input_message_content"], key="message_text")
        self.inline_answers[params["inline_query_id"]] = params
        return True

    def _m_getFile(self, params: Json) -> Json:
        if params["file_id"] not in self.files:
            raise ApiError("invalid file_id")
        path, data = self.files[params["file_id"]]
        return {"file_id": params["file_id"], "file_unique_id": path, "file_size": len(data),
                "file_path": path}  # fmt: skip

    def _store(self, sent: Sent) -> Json:
        message: Json = {"message_id": sent.message_id, "date": int(time.time())}
        message |= {"chat": sent.chat, "from": self.me, "text": sent.text}
        if sent.reply_to is not None:
            message["reply_to_message"] = self.messages[(sent.chat["id"], sent.reply_to)]
        if sent.thread_id is not None:
            message |= {"message_thread_id": sent.thread_id, "is_topic_message": True}
        if sent.markup:
            message["reply_markup"] = sent.markup
        self.messages[(sent.chat["id"], sent.message_id)] = message
        return message


def _message_text(params: Json, key: str = "text") -> tuple[str, str]:
    raw = str(params.get(key, ""))
    text = raw
    if params.get("parse_mode") == "HTML":
        try:
            text = parse_html(raw)
        except TelegramHTMLError as exc:
            raise ApiError(f"can't parse entities: {exc}") from None
    if not text.strip():
        raise ApiError("message text is empty")
    if utf16_len(text) > 4096:
        raise ApiError("message is too long")
    return raw, text


def _scope_key(scope: Json) -> str:
    return f"chat:{scope['chat_id']}" if scope["type"] == "chat" else scope["type"]
