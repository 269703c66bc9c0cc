"""python-telegram-bot's request seam, answered in-process by a `FakeBotApi` (no sockets).

Faults surface as `HTTPXRequest` raises them, with the same httpx exception as the cause, so the
bot cannot tell this transport from the real one: a refused connection is a `NetworkError` from
`httpx.ConnectError`, a dropped one from `httpx.RemoteProtocolError`, a late answer a `TimedOut`
from `httpx.ReadTimeout`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from urllib.parse import unquote

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.bench.fakeapi.api import Delay, Drop, DropAfter, FakeBotApi, Refuse, Reply

BASE_URL = "https://fake.invalid/bot"
BASE_FILE_URL = "https://fake.invalid/file/bot"
_ROUTE = re.compile(r"^https://fake\.invalid/(?P<kind>bot|file/bot)(?P<token>[^/]+)/(?P<rest>.+)$")
_POLL = 0.01


class FakeTransport(BaseRequest):
    """A `BaseRequest` whose requests go to `api`; build the bot with `BASE_URL`/`BASE_FILE_URL`.

    getUpdates long-polls (up to its `timeout`) by sleeping on the event loop, never a thread.
    """

    def __init__(self, api: FakeBotApi, *, read_timeout: float = 5.0) -> None:
        self.api = api
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        route = _ROUTE.match(unquote(url))  # file URLs arrive percent-encoded
        if route is None:
            raise NetworkError(f"the fake transport has no route to {url}")
        if route["kind"] == "file/bot":
            data = self.api.file_bytes(route["rest"]) if route["token"] == self.api.token else None
            return (200, data) if data is not None else (404, b'{"ok":false}')
        api_method = route["rest"]
        params = request_data.parameters if request_data else {}
        timeout = read_timeout if isinstance(read_timeout, int | float) else self._read_timeout
        outcome = self.api.serve_prepare(route["token"], api_method, dict(params))
        if isinstance(outcome, Delay):
            if outcome.seconds >= timeout:
                await asyncio.sleep(timeout)
                raise TimedOut from httpx.ReadTimeout("fake read timeout")
            await asyncio.sleep(outcome.seconds)
        elif isinstance(outcome, Refuse):
            error: httpx.HTTPError = httpx.ConnectError("[Errno 111] Connection refused")
            raise NetworkError(f"httpx.ConnectError: {error}") from error
        elif isinstance(outcome, Drop):
            raise _dropped()
        elif isinstance(outcome, Reply):
            return outcome.status, outcome.encode()
        if api_method == "getUpdates":
            await self._long_poll(params)
        reply = self.api.handle(api_method, dict(params))
        if isinstance(outcome, DropAfter):
            raise _dropped()
        return reply.status, reply.encode()

    async def _long_poll(self, params: Mapping[str, object]) -> None:
        offset = int(str(params.get("offset", 0)))
        deadline = asyncio.get_running_loop().time() + float(str(params.get("timeout", 0)))
        # The api's state is guarded by a threading lock (the HTTP server shares it), so poll it.
        while not self.api.has_updates(offset) and asyncio.get_running_loop().time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(_POLL)


def _dropped() -> NetworkError:
    error = httpx.RemoteProtocolError("Server disconnected without sending a response.")
    dropped = NetworkError(f"httpx.RemoteProtocolError: {error}")
    dropped.__cause__ = error
    return dropped
