"""A local fake of Slack for the channel tests: the Web API methods the bot calls, response_url
endpoints, and the Socket Mode WebSocket that `apps.connections.open` points to. It listens on
127.0.0.1 on a port the OS picks, in a thread of its own, and records every call it receives.

    with FakeSlack() as fake:
        client = WebClient(token=BOT_TOKEN, base_url=fake.url)   # a real client, loopback only
        ...
        [call] = fake.wait_for("chat.postMessage")

Like Slack, a Web API method answers HTTP 200 with {"ok": false, "error": ...} for a bad token or
an unknown method; `fail(method)` makes the next call of a method fail the same way (a
response_url then answers 404 "expired_url", as Slack does once a URL has expired).

`signed_headers` is the one signing helper for requests *to* the bot (Slack's v0 scheme, written
out here from the documented algorithm rather than borrowed from the library under test).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from tests.fakes.server import WAIT_S, LoopbackServer

# Made-up credentials and ids: none of them is, or looks enough like, a real one to be used.
BOT_TOKEN = "xoxb-0000-test-not-a-real-token"
APP_TOKEN = "xapp-0-test-not-a-real-token"
SIGNING_SECRET = "3f2a9c00d1e5b7a4c6f8e0a2b4d6f8e1"  # 32 hex digits, as Slack gives it
TEAM_ID = "T0TESTTEAM"
BOT_USER_ID = "U0TESTBOT"
BOT_ID = "B0TESTBOT"

APP_LEVEL_METHODS = frozenset({"apps.connections.open"})


def signed_headers(body: str | bytes, *, secret: str = SIGNING_SECRET, timestamp: int | None = None,
                   content_type: str = "application/x-www-form-urlencoded") -> dict[str, str]:  # fmt: skip
    """Headers Slack would send with `body`: X-Slack-Request-Timestamp and X-Slack-Signature."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    raw = body.encode() if isinstance(body, str) else body
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256).hexdigest()
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
    }


@dataclass(frozen=True)
class Call:
    """One request the fake received. `method` is the Web API method, "response_url", or
    "socket_mode.ack" for a message the client sent over the WebSocket."""

    method: str
    params: dict[str, Any]
    token: str | None = None
    key: str = ""  # the response_url's key
    content_type: str = ""  # the request's Content-Type header, as sent
    raw: bytes = b""  # the request body, as sent


class FakeSlack(LoopbackServer):
    name = "fake-slack"

    def __init__(self, *, bot_token: str = BOT_TOKEN, app_token: str | None = None, ws_url: str | None = None):
        super().__init__()
        self._ws_url = ws_url  # what apps.connections.open hands out, when not this fake's own WebSocket
        self.bot_token = bot_token
        self.app_token = app_token  # None: any xapp- token opens a connection
        self._calls: list[Call] = []
        self._cond = threading.Condition()
        self._failing: dict[str, str] = {}
        self._sockets: set[web.WebSocketResponse] = set()
        self._ts = itertools.count(1)

    # ------------------------------------------------------------------ addresses
    @property
    def url(self) -> str:
        """The Web API base URL (what WebClient(base_url=...) takes)."""
        return f"http://127.0.0.1:{self.port}/api/"

    @property
    def ws_url(self) -> str:
        if self._ws_url:
            return self._ws_url
        return f"ws://127.0.0.1:{self.port}/link/?ticket=fake"

    def response_url(self, key: str = "r") -> str:
        return f"http://127.0.0.1:{self.port}/response/{key}"

    # ------------------------------------------------------------------ what the bot sent
    def calls(self, method: str | None = None) -> list[Call]:
        with self._cond:
            return [c for c in self._calls if method is None or c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = WAIT_S) -> list[Call]:
        """The first `count` calls of `method`, waiting for them if need be."""
        with self._cond:
            self._cond.wait_for(lambda: len([c for c in self._calls if c.method == method]) >= count, timeout)
            found = [c for c in self._calls if c.method == method]
        if len(found) < count:
            raise AssertionError(f"expected {count} {method} call(s), got {[c.method for c in self.calls()]}")
        return found[:count]

    def fail(self, method: str, error: str = "internal_error") -> None:
        """Make the next call of `method` fail."""
        with self._cond:
            self._failing[method] = error

    def _record(self, call: Call) -> str | None:
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()
            return self._failing.pop(call.method, None)

    # ------------------------------------------------------------------ Socket Mode
    def wait_connected(self, timeout: float = WAIT_S) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: bool(self._sockets), timeout):
                raise AssertionError("no Socket Mode client connected")

    def push(self, envelope: dict[str, Any]) -> None:
        """Send one envelope (events_api, slash_commands, interactive) to every connected client."""
        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(self._send_all(envelope), self._loop).result(WAIT_S)

    async def _send_all(self, message: dict[str, Any]) -> None:
        for ws in list(self._sockets):
            await ws.send_str(json.dumps(message))

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1,
                                      "connection_info": {"app_id": "A0TESTAPP"}}))  # fmt: skip
        with self._cond:
            self._sockets.add(ws)
            self._cond.notify_all()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self._record(Call("socket_mode.ack", json.loads(msg.data)))
        finally:
            with self._cond:
                self._sockets.discard(ws)
        return ws

    # ------------------------------------------------------------------ HTTP endpoints
    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        raw = await request.read()
        if raw:
            if request.content_type == "application/json":
                params.update(json.loads(raw))
            else:
                params.update(parse_qsl(raw.decode()))
        for key in ("blocks", "view", "attachments"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.pop("token", None)
        error = self._record(Call(method, params, token, content_type=request.headers.get("Content-Type", ""), raw=raw))
        if method in APP_LEVEL_METHODS:
            valid = bool(token) and token.startswith("xapp-") and self.app_token in (None, token)
        else:
            valid = token == self.bot_token
        if not valid:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if error:
            return web.json_response({"ok": False, "error": error})
        body = self._answer(method, params)
        return web.json_response(body if body is not None else {"ok": False, "error": "unknown_method"})

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any] | None:
        ts = f"1700000000.{next(self._ts):06d}"
        if method == "auth.test":
            return {"ok": True, "url": "https://fake.invalid/", "team": "Fake", "user": "referral",
                    "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID}  # fmt: skip
        if method == "chat.postMessage":
            return {"ok": True, "channel": params.get("channel"), "ts": ts, "message": {"ts": ts}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method == "chat.update":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method == "views.publish":
            return {"ok": True, "view": {"id": "V0TESTVIEW", **(params.get("view") or {})}}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.ws_url}
        return None

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        error = self._record(Call("response_url", body, key=request.match_info["key"]))
        if error:
            return web.Response(status=404, text="expired_url")
        return web.Response(text="ok")

    # ------------------------------------------------------------------ lifecycle
    def routes(self, app: web.Application) -> None:
        app.router.add_post("/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_get("/link/", self._link)

    async def before_stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
