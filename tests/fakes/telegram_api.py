"""A fake of the Telegram Bot API on loopback, for driving a real python-telegram-bot Application.

    api = FakeBotAPI()
    await api.start()              # binds 127.0.0.1, port 0
    ApplicationBuilder().token(api.token).base_url(api.base_url) ...
    api.feed(api.private_text("横浜市"))   # the next getUpdates returns it
    call = await api.wait_for("sendMessage")

It serves getMe, getUpdates (long polling over a queue the test feeds, honouring `offset` and
`timeout`), sendMessage, editMessageText, editMessageReplyMarkup, answerCallbackQuery,
setMyCommands, deleteWebhook, setWebhook and getWebhookInfo; records every call with its
parameters and the status it got; and can fail the next calls of a method with 429 (and
retry_after) or any 5xx or 4xx, the way Telegram words them. It logs nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz012345"
BOT_ID = 123456
BOT_USERNAME = "referral_test_bot"
WAIT_S = 10.0  # a safety net so a broken test fails instead of hanging; no test depends on timing


class ApiError(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int = 200
    result: Any = None  # what the fake answered (the Message for sendMessage)
    content_type: str = ""  # of the request body: application/json, a form, or "" for none
    raw: dict[str, Any] | None = None  # a JSON body as sent (nested objects still objects)

    def json(self, key: str) -> Any:
        """A parameter python-telegram-bot sent JSON-encoded (reply_markup, commands, ...)."""
        value = self.params.get(key)
        return json.loads(value) if isinstance(value, str) else value

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class Fault:
    status: int
    description: str
    retry_after: int | None = None


@dataclass
class FakeBotAPI:
    token: str = TOKEN
    username: str = BOT_USERNAME
    calls: list[Call] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        self._updates: list[dict[str, Any]] = []
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._changed = asyncio.Condition()
        self._message_ids = itertools.count(5001)
        self._update_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._closing = False

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> FakeBotAPI:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def close(self) -> None:
        self._closing = True  # release long polls still held open
        await self._notify()
        if self._runner:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """For ApplicationBuilder.base_url / TELEGRAM_BASE_URL: the token is appended."""
        return f"{self.url}/bot"

    # ------------------------------------------------------------------ what a test does
    def feed(self, *updates: dict[str, Any]) -> None:
        """Queue updates; the pending getUpdates returns them together."""
        self._updates.extend(updates)
        asyncio.get_running_loop().create_task(self._notify())

    def fail(self, method: str, status: int, *, times: int = 1, retry_after: int | None = None,
             description: str | None = None) -> None:  # fmt: skip
        """The next `times` calls of `method` get this error instead of an answer (status 0: the
        connection is closed without any answer, as in a network failure)."""
        if description is None:
            description = {
                400: "Bad Request: message text is empty",
                403: "Forbidden: bot was blocked by the user",
                429: f"Too Many Requests: retry after {retry_after}",
                500: "Internal Server Error",
                502: "Bad Gateway",
            }.get(status, f"Error {status}")
        for _ in range(times):
            self._faults[method].append(Fault(status, description, retry_after))

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def answered(self, method: str) -> list[Call]:
        """The calls of `method` that succeeded."""
        return [c for c in self.calls_to(method) if c.ok]

    async def wait_for(self, method: str, count: int = 1, *, ok: bool = True) -> list[Call]:
        """Wait until `count` calls of `method` (successful ones, unless ok=False) were made."""

        def calls() -> list[Call]:
            return self.answered(method) if ok else self.calls_to(method)

        await self.wait_until(lambda: len(calls()) >= count)
        return calls()

    async def wait_until(self, predicate: Callable[[], bool], *, timeout: float = WAIT_S) -> None:
        """Wait until `predicate()` holds; it is checked after every call the fake receives."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    # ------------------------------------------------------------------ updates a test builds
    def user(self, user_id: int = 7265019384, language_code: str | None = "ja") -> dict[str, Any]:
        u: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "Test"}
        if language_code:
            u["language_code"] = language_code
        return u

    def message(self, text: str | None, *, chat_id: int = 7265019384, chat_type: str = "private",
                user: dict[str, Any] | None = None, entities: list[dict[str, Any]] | None = None,
                **extra: Any) -> dict[str, Any]:  # fmt: skip
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type != "private":
            chat["title"] = "Ward 3"
        m: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": user or self.user(chat_id if chat_type == "private" else 7265019384),
            **extra,
        }
        if text is not None:
            m["text"] = text
        if entities:
            m["entities"] = entities
        return m

    def update(self, update_id: int | None = None, **body: Any) -> dict[str, Any]:
        return {"update_id": next(self._update_ids) if update_id is None else update_id, **body}

    def private_text(self, text: str | None, *, update_id: int | None = None, **kw: Any) -> dict[str, Any]:
        return self.update(update_id, message=self.message(text, **kw))

    def command(self, text: str, *, update_id: int | None = None, **kw: Any) -> dict[str, Any]:
        """A message that starts with a bot command ("/center 横浜", "/start@referral_test_bot")."""
        length = len(text.split(" ", 1)[0].encode("utf-16-le")) // 2
        entities = [{"type": "bot_command", "offset": 0, "length": length}]
        return self.update(update_id, message=self.message(text, entities=entities, **kw))

    def group_text(self, text: str, *, mention: bool = False, update_id: int | None = None,
                   chat_id: int = -1009876543210) -> dict[str, Any]:  # fmt: skip
        entities = None
        if mention:
            at = f"@{self.username}"
            offset = text.index(at)
            entities = [{"type": "mention", "offset": len(text[:offset].encode("utf-16-le")) // 2,
                         "length": len(at)}]  # fmt: skip
        return self.update(update_id, message=self.message(text, chat_id=chat_id, chat_type="supergroup",
                                                           entities=entities))  # fmt: skip

    def button(self, data: str, *, message: dict[str, Any] | None = None, update_id: int | None = None,
               user: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
        """A press of an inline button under `message` (a message the bot sent, see sent_message)."""
        return self.update(update_id, callback_query={
            "id": f"cbq-{next(self._message_ids)}",
            "from": user or self.user(),
            "chat_instance": "instance-1",
            "data": data,
            "message": message or self.message("(earlier answer)", user=self.bot_user()),
        })  # fmt: skip

    def bot_user(self) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Referral", "username": self.username}

    def sent_message(self, call: Call) -> dict[str, Any]:
        """The message object Telegram returned for a sendMessage call (to press its buttons)."""
        return call.result

    # ------------------------------------------------------------------ the server
    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        content_type = request.content_type if request.can_read_body else ""
        params, raw = await _params(request)
        call = Call(method, params, content_type=content_type, raw=raw)
        self.calls.append(call)
        try:
            fault = self._faults[method].popleft() if self._faults[method] else None
            if fault and fault.status == 0:  # a network error: the connection drops, no answer
                call.status = 0
                if request.transport is not None:
                    request.transport.close()
                return web.Response()
            if fault:
                call.status = fault.status
                return _error(fault.status, fault.description, fault.retry_after)
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                call.status = 404
                return _error(404, "Not Found: method not found")
            try:
                call.result = await handler(params)
            except ApiError as exc:
                call.status = exc.status
                return _error(exc.status, exc.description)
            return web.json_response({"ok": True, "result": call.result})
        finally:
            await self._notify()

    async def _api_getMe(self, p: dict[str, Any]) -> Any:
        return {**self.bot_user(), "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}  # fmt: skip

    async def _api_getUpdates(self, p: dict[str, Any]) -> Any:
        offset = int(p.get("offset") or 0)
        limit = int(p.get("limit") or 100)
        timeout = float(p.get("timeout") or 0)

        def pending() -> list[dict[str, Any]]:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            return self._updates[:limit]

        if not pending() and timeout > 0 and not self._closing:
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    ready = self._changed.wait_for(lambda: bool(pending()) or self._closing)
                    await asyncio.wait_for(ready, timeout)
        return [] if self._closing else pending()

    async def _api_sendMessage(self, p: dict[str, Any]) -> Any:
        if not p.get("text"):
            raise ApiError(400, "Bad Request: message text is empty")
        if len(p["text"].encode("utf-16-le")) // 2 > 4096 and p.get("parse_mode") != "HTML":
            raise ApiError(400, "Bad Request: message is too long")
        return self._bot_message(p)

    async def _api_editMessageText(self, p: dict[str, Any]) -> Any:
        if not p.get("text"):
            raise ApiError(400, "Bad Request: message text is empty")
        return self._bot_message(p, message_id=int(p["message_id"]))

    async def _api_editMessageReplyMarkup(self, p: dict[str, Any]) -> Any:
        return self._bot_message(p, message_id=int(p["message_id"]))

    async def _api_answerCallbackQuery(self, p: dict[str, Any]) -> Any:
        return True

    async def _api_setMyCommands(self, p: dict[str, Any]) -> Any:
        return True

    async def _api_deleteWebhook(self, p: dict[str, Any]) -> Any:
        return True

    async def _api_setWebhook(self, p: dict[str, Any]) -> Any:
        return True

    async def _api_getWebhookInfo(self, p: dict[str, Any]) -> Any:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}

    def _bot_message(self, p: dict[str, Any], message_id: int | None = None) -> dict[str, Any]:
        m: dict[str, Any] = {
            "message_id": message_id or next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": int(p["chat_id"]), "type": "private" if int(p["chat_id"]) > 0 else "supergroup"},
            "from": self.bot_user(),
            "text": p.get("text", ""),
        }
        if p.get("reply_markup"):
            m["reply_markup"] = json.loads(p["reply_markup"])
        return m


async def _params(request: web.Request) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Parameters as the Bot API takes them: a JSON body, a form (values JSON-encoded where not
    strings), or the query string; all given as a form would give them (strings), and the JSON body
    as sent. A JSON body that is not an object is a 400, as Telegram answers it."""
    params: dict[str, Any] = dict(request.query)
    raw = None
    if request.content_type == "application/json":
        try:
            raw = await request.json()
        except ValueError:
            raw = None
        if not isinstance(raw, dict):
            raise web.HTTPBadRequest(text='{"ok":false,"error_code":400,"description":"Bad Request: invalid JSON"}',
                                     content_type="application/json")  # fmt: skip
        params.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()})
    elif request.can_read_body:
        form = await request.post()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    return params, raw


def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status)
