"""The fake Bot API over real HTTP on 127.0.0.1, for a bot running in another process.

    with FakeBotServer(api) as server:
        env["TELEGRAM_API_BASE_URL"] = server.base_url          # http://127.0.0.1:PORT/bot
        env["TELEGRAM_API_BASE_FILE_URL"] = server.base_file_url

Routes: POST/GET /bot<token>/<method> and GET /file/bot<token>/<file_path>. Parameters arrive as
python-telegram-bot sends them (form fields, non-string values JSON-encoded) and are decoded back.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar
from urllib.parse import parse_qsl, unquote, urlsplit

from bot.bench.fakeapi.api import Delay, Drop, DropAfter, FakeBotApi, Refuse, Reply

# Parameters that are plain strings even when they look like JSON (or a number).
_STRING_KEYS = frozenset(
    {"text", "caption", "query", "inline_query_id", "callback_query_id", "file_id", "url",
     "secret_token", "parse_mode", "message_text", "title", "description", "switch_pm_text"}
)  # fmt: skip
_MAX_POLL = 30.0


class FakeBotServer:
    """Serves a `FakeBotApi` on an ephemeral port (or `port`) in a background thread.

    An outage: `stop()` the server (connections are refused), then serve the same api on the
    same port again with `FakeBotServer(api, port=server.port).start()`.
    """

    def __init__(self, api: FakeBotApi, host: str = "127.0.0.1", port: int = 0) -> None:
        self.api = api
        handler = type("Handler", (_Handler,), {"api": api})
        self._httpd = _Server((host, port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        address, self.port = self._httpd.server_address[:2]
        self.url = f"http://{address!s}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    def start(self) -> FakeBotServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops listening and cuts every open connection, as a crashed server would."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.cut_connections()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeBotServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    """Remembers its open connections so that `stop` can cut them (keep-alive outlives
    `shutdown`)."""

    request_queue_size = 1024  # the default 5 resets connections under load, as Telegram won't

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def cut_connections(self) -> None:
        with self._connections_lock:
            connections, self.connections = self.connections, set()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # a cut connection is the point of the exercise, not news


class _Handler(BaseHTTPRequestHandler):
    api: ClassVar[FakeBotApi]
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        return None  # quiet: the api records every call

    def _serve(self) -> None:
        path = unquote(urlsplit(self.path).path)
        kind, _, rest = path.lstrip("/").partition("/")
        if path.startswith("/file/bot"):
            token, _, file_path = path.removeprefix("/file/bot").partition("/")
            data = self.api.file_bytes(file_path) if token == self.api.token else None
            self._send(200, data) if data is not None else self._send(404, b'{"ok":false}')
            return
        if not kind.startswith("bot"):
            self._send(404, b'{"ok":false,"error_code":404,"description":"Not Found"}')
            return
        token, method = kind.removeprefix("bot"), rest
        params = self._params()
        outcome = self.api.serve_prepare(token, method, params)
        if isinstance(outcome, Delay):
            time.sleep(outcome.seconds)
        elif isinstance(outcome, Drop | Refuse):  # a refusal cannot be emulated once connected
            self.close_connection = True
            return
        elif isinstance(outcome, Reply):
            self._send(outcome.status, outcome.encode())
            return
        if method == "getUpdates":
            timeout = min(float(params.get("timeout", 0) or 0), _MAX_POLL)
            self.api.wait_for_updates(int(params.get("offset", 0) or 0), timeout)
        reply = self.api.handle(method, params)
        if isinstance(outcome, DropAfter):
            self.close_connection = True
            return
        self._send(reply.status, reply.encode())

    def _params(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        kind = self.headers.get("Content-Type", "")
        query = urlsplit(self.path).query
        if kind.startswith("multipart/form-data"):
            head = f"Content-Type: {kind}\r\n\r\n".encode()
            message = BytesParser(policy=HTTP).parsebytes(head + body)
            fields = {
                part.get_param("name", header="content-disposition"): part.get_content()
                for part in message.iter_parts()
            }
        else:
            fields = dict(parse_qsl(body.decode() or query, keep_blank_values=True))
        return {str(key): _decode(str(key), value) for key, value in fields.items()}

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _decode(key: str, value: object) -> object:
    if not isinstance(value, str) or key in _STRING_KEYS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value
