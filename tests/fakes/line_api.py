"""A local fake of the LINE Messaging API, and the webhook events LINE sends, for the LINE tests.

    with FakeLine() as fake:                     # 127.0.0.1, a port the OS picks, its own thread
        settings = Settings(access_token=ACCESS_TOKEN, channel_secret=CHANNEL_SECRET, api_url=fake.url)
        body = webhook_body(fake.text_event("横浜市 ..."))
        headers = signed_headers(body)           # X-Line-Signature, as LINE computes it
        ...
        [call] = fake.calls("reply")

It serves POST /v2/bot/message/reply, POST /v2/bot/message/push and GET /v2/bot/info; checks the
bearer token (401 otherwise, as LINE does); checks a reply the way LINE does (a known, unused reply
token: each works once; 1-5 messages; text of 1-5000 UTF-16 units; at most 13 quick-reply items,
labels of at most 20 characters, postback data of at most 300, displayText required) and answers
400 with LINE's error shape when it fails; records every call with its JSON body and the status it
got; and can fail the next calls of an endpoint with any status (`fail`). It logs nothing.

`signed_headers` computes X-Line-Signature from the documented algorithm (base64 of HMAC-SHA256 of
the body with the channel secret), written out here rather than borrowed from the code under test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes.server import WAIT_S, LoopbackServer

# Made-up credentials and ids: none of them is, or looks enough like, a real one to be used.
ACCESS_TOKEN = "test-line-access-token-not-real-0123456789"
CHANNEL_SECRET = "0123456789abcdef0fedcba987654321"
USER_ID = "U0000000000000000000000000test01"
OTHER_USER_ID = "U0000000000000000000000000test02"
GROUP_ID = "C0000000000000000000000000group1"
BOT_USER_ID = "U0000000000000000000000000bot001"

MAX_TEXT = 5000
MAX_ITEMS = 13
MAX_LABEL = 20


def signed_headers(body: str | bytes, *, secret: str = CHANNEL_SECRET) -> dict[str, str]:
    raw = body.encode("utf-8") if isinstance(body, str) else body
    digest = hmac.new(secret.encode("utf-8"), raw, hashlib.sha256).digest()
    return {"Content-Type": "application/json", "X-Line-Signature": base64.b64encode(digest).decode("ascii")}


def webhook_body(*events: dict[str, Any], destination: str = BOT_USER_ID) -> str:
    return json.dumps({"destination": destination, "events": list(events)}, ensure_ascii=False)


@dataclass(frozen=True)
class Call:
    endpoint: str  # "reply", "push", "info"
    body: dict[str, Any]
    token: str | None
    status: int
    delivered: bool = False  # what the user saw: accepted by the fake (even if it then answered an error)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", [])

    @property
    def text(self) -> str:
        return "\n".join(m.get("text", "") for m in self.messages)

    @property
    def items(self) -> list[dict[str, Any]]:
        """The quick-reply items of the last message (the only one LINE shows them for)."""
        if not self.messages:
            return []
        return (self.messages[-1].get("quickReply") or {}).get("items", [])


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class FakeLine(LoopbackServer):
    name = "fake-line"

    def __init__(self, *, access_token: str = ACCESS_TOKEN):
        super().__init__()
        self.access_token = access_token
        self._calls: list[Call] = []
        self._cond = threading.Condition()
        self._faults: dict[str, deque[tuple[int, bool]]] = defaultdict(deque)
        self._garbled: dict[str, int] = defaultdict(int)
        self._issued: set[str] = set()
        self._used: set[str] = set()
        self._ids = itertools.count(1)

    @property
    def url(self) -> str:
        """The Messaging API base URL (LINE_API_URL)."""
        return f"http://127.0.0.1:{self.port}"

    # ------------------------------------------------------------------ what the bot sent
    def calls(self, endpoint: str | None = None, *, ok: bool | None = None) -> list[Call]:
        with self._cond:
            return [
                c
                for c in self._calls
                if (endpoint is None or c.endpoint == endpoint) and (ok is None or (c.status == 200) == ok)
            ]

    def replies(self) -> list[Call]:
        """The replies that reached the user."""
        return [c for c in self.calls("reply") if c.delivered]

    def wait_for(self, endpoint: str, count: int = 1, timeout: float = WAIT_S) -> list[Call]:
        """Block until `count` calls of `endpoint` were made (any status). For a test that is not
        running the bot in its own thread's event loop."""
        with self._cond:
            self._cond.wait_for(
                lambda: len([c for c in self._calls if c.endpoint == endpoint]) >= count, timeout
            )
        found = self.calls(endpoint)
        if len(found) < count:
            raise AssertionError(
                f"expected {count} {endpoint} call(s), got {[c.endpoint for c in self.calls()]}"
            )
        return found

    def fail(self, endpoint: str, status: int, *, times: int = 1, delivered: bool = False) -> None:
        """The next `times` calls of `endpoint` get `status` (with LINE's error body). With
        delivered=True the call is carried out first (the message reaches the user, the reply token
        is used up) and only the answer is lost, as when a response times out on the way back."""
        with self._cond:
            self._faults[endpoint].extend([(status, delivered)] * times)

    def garble(self, endpoint: str, *, times: int = 1) -> None:
        """The next `times` calls of `endpoint` get 200 with a body that is not JSON (a proxy's page)."""
        with self._cond:
            self._garbled[endpoint] += times

    # ------------------------------------------------------------------ events a test builds
    def _base(self, kind: str, *, source: dict[str, Any] | None, event_id: str | None, redelivery: bool,
              reply: bool = True) -> dict[str, Any]:  # fmt: skip
        n = next(self._ids)
        event: dict[str, Any] = {
            "type": kind,
            "mode": "active",
            "timestamp": int(time.time() * 1000),
            "source": source or {"type": "user", "userId": USER_ID},
            "webhookEventId": event_id or f"01TESTEVENT{n:015d}",
            "deliveryContext": {"isRedelivery": redelivery},
        }
        if reply:
            token = f"reply-token-{n:08d}"
            with self._cond:
                self._issued.add(token)
            event["replyToken"] = token
        return event

    @staticmethod
    def group(user_id: str = OTHER_USER_ID) -> dict[str, Any]:
        return {"type": "group", "groupId": GROUP_ID, "userId": user_id}

    def text_event(self, text: str, *, source: dict[str, Any] | None = None, event_id: str | None = None,
                   redelivery: bool = False, mention: list[dict[str, Any]] | None = None) -> dict[str, Any]:  # fmt: skip
        event = self._base("message", source=source, event_id=event_id, redelivery=redelivery)
        content: dict[str, Any] = {"type": "text", "id": f"4{next(self._ids):017d}", "text": text,
                                   "quoteToken": f"quote-{next(self._ids)}"}  # fmt: skip
        if mention:
            content["mention"] = {"mentionees": mention}
        event["message"] = content
        return event

    def sticker_event(self, **kw: Any) -> dict[str, Any]:
        event = self._base("message", source=kw.get("source"), event_id=None, redelivery=False)
        event["message"] = {"type": "sticker", "id": f"4{next(self._ids):017d}", "packageId": "446",
                            "stickerId": "1988", "stickerResourceType": "STATIC",
                            "quoteToken": f"quote-{next(self._ids)}"}  # fmt: skip
        return event

    def image_event(self) -> dict[str, Any]:
        event = self._base("message", source=None, event_id=None, redelivery=False)
        event["message"] = {"type": "image", "id": f"4{next(self._ids):017d}",
                            "contentProvider": {"type": "line"}, "quoteToken": f"quote-{next(self._ids)}"}  # fmt: skip
        return event

    def postback_event(self, data: str, *, source: dict[str, Any] | None = None) -> dict[str, Any]:
        event = self._base("postback", source=source, event_id=None, redelivery=False)
        event["postback"] = {"data": data}
        return event

    def follow_event(self) -> dict[str, Any]:
        event = self._base("follow", source=None, event_id=None, redelivery=False)
        event["follow"] = {"isUnblocked": False}
        return event

    def join_event(self) -> dict[str, Any]:
        return self._base(
            "join", source={"type": "group", "groupId": GROUP_ID}, event_id=None, redelivery=False
        )

    def unfollow_event(self) -> dict[str, Any]:
        return self._base("unfollow", source=None, event_id=None, redelivery=False, reply=False)

    # ------------------------------------------------------------------ the server
    def _record(self, call: Call) -> None:
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()

    def _fault(self, endpoint: str) -> tuple[int, bool] | None:
        with self._cond:
            return self._faults[endpoint].popleft() if self._faults[endpoint] else None

    def _token(self, request: web.Request) -> str | None:
        auth = request.headers.get("Authorization", "")
        return auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None

    async def _endpoint(self, request: web.Request, endpoint: str) -> web.Response:
        token = self._token(request)
        body: dict[str, Any] = {}
        if request.method == "POST":
            try:
                body = json.loads(await request.read())
            except ValueError:
                self._record(Call(endpoint, {}, token, 400))
                return _error(400, "The request body has 1 error(s)")
        if token != self.access_token:
            self._record(Call(endpoint, body, token, 401))
            return _error(401, "Authentication failed due to the following reason: invalid token.")
        with self._cond:
            garbled = self._garbled[endpoint] > 0
            self._garbled[endpoint] -= garbled
        if garbled:
            self._record(Call(endpoint, body, token, 200))
            return web.Response(text="<html>proxy error</html>", content_type="application/json")
        fault = self._fault(endpoint)
        if fault is not None and not fault[1]:
            self._record(Call(endpoint, body, token, fault[0]))
            return _error(fault[0], "Internal Server Error" if fault[0] >= 500 else "error")
        problems = self._check(endpoint, body)
        if problems:
            self._record(Call(endpoint, body, token, 400))
            return _error(400, problems[0], details=problems)
        if fault is not None:  # carried out, but the answer is lost
            self._record(Call(endpoint, body, token, fault[0], delivered=True))
            return _error(fault[0], "Internal Server Error" if fault[0] >= 500 else "error")
        self._record(Call(endpoint, body, token, 200, delivered=True))
        if endpoint == "info":
            return web.json_response({"userId": BOT_USER_ID, "basicId": "@000test", "displayName": "Referral",
                                      "chatMode": "bot", "markAsReadMode": "auto"})  # fmt: skip
        sent = [{"id": str(next(self._ids)), "quoteToken": f"q{next(self._ids)}"} for _ in body["messages"]]
        return web.json_response({"sentMessages": sent})

    def _check(self, endpoint: str, body: dict[str, Any]) -> list[str]:
        if endpoint == "info":
            return []
        problems: list[str] = []
        if endpoint == "reply":
            token = body.get("replyToken")
            with self._cond:
                if token not in self._issued or token in self._used:
                    return ["Invalid reply token"]
                self._used.add(token)
        messages = body.get("messages")
        if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
            return ["messages: must contain 1 to 5 messages"]
        for i, m in enumerate(messages):
            if m.get("type") != "text":
                problems.append(f"messages[{i}].type: only text is expected from this bot")
                continue
            text = m.get("text")
            if not isinstance(text, str) or not text or _utf16(text) > MAX_TEXT:
                problems.append(f"messages[{i}].text: length must be between 1 and {MAX_TEXT}")
            items = (m.get("quickReply") or {}).get("items", [])
            if len(items) > MAX_ITEMS:
                problems.append(f"messages[{i}].quickReply.items: size must be at most {MAX_ITEMS}")
            for j, item in enumerate(items):
                action = item.get("action") or {}
                where = f"messages[{i}].quickReply.items[{j}].action"
                if item.get("type") != "action" or action.get("type") != "postback":
                    problems.append(f"{where}.type: postback expected")
                    continue
                if not action.get("label") or len(action["label"]) > MAX_LABEL:
                    problems.append(f"{where}.label: length must be between 1 and {MAX_LABEL}")
                if not action.get("data") or len(action["data"]) > 300:
                    problems.append(f"{where}.data: length must be between 1 and 300")
                if not action.get("displayText") or len(action["displayText"]) > 300:
                    problems.append(f"{where}.displayText: required for quick reply, at most 300")
        return problems

    async def _reply(self, request: web.Request) -> web.Response:
        return await self._endpoint(request, "reply")

    async def _push(self, request: web.Request) -> web.Response:
        return await self._endpoint(request, "push")

    async def _info(self, request: web.Request) -> web.Response:
        return await self._endpoint(request, "info")

    # ------------------------------------------------------------------ lifecycle
    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v2/bot/message/reply", self._reply)
        app.router.add_post("/v2/bot/message/push", self._push)
        app.router.add_get("/v2/bot/info", self._info)


def _error(status: int, message: str, details: list[str] | None = None) -> web.Response:
    body: dict[str, Any] = {"message": message}
    if details:
        body["details"] = [{"message": d, "property": d.split(":", 1)[0]} for d in details]
    return web.json_response(body, status=status)
