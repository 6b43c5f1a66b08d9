"""The web page: the bot in any browser, no app and no account (for hospital PCs that cannot open
Telegram, Slack or LINE). Served by `referral-bot serve` on `GET /` and `POST /`.

`WebChat(engine, counts, settings, clock=...)` (or `webhook_channel(...)`) is the whole channel:
`name`, `routes(app)` (adds its routes to an aiohttp application), `start()`, `stop()`:

    GET  /                  the page: a text box, a send button; Japanese, or English from
                            Accept-Language or ?lang=en (only the language ever goes in a URL)
    POST /                  a form post (application/x-www-form-urlencoded, UTF-8): `text` is a new
                            message (answered and counted once, as channel "web"), `case` a
                            refinement button's value (bot/state.py: the whole case; answered, never
                            counted, like the chat channels' buttons). The response is the page with
                            the answer (no redirect, no session, no cookie).
    GET  /static/<file>     the stylesheet and the small optional script, shipped in bot/web/

Works with JavaScript off: the page is server-rendered HTML and plain form posts; the script only
stops a double send and lets Ctrl+Enter send. Nothing is loaded from another host, and the headers
say so (Content-Security-Policy). The message travels only in a POST body and is never logged;
neither is a client's address. A body over MAX_BODY gets 413, an unreadable one 400 or 415, a client
over its rate 429: each a page that still shows #8891, none counted. A post a browser marks as sent
from another site's page (Sec-Fetch-Site: cross-site) is answered but not counted.

Rate limit: a token bucket per client (RATE_BURST posts, then RATE_PER_S a second), in memory, keyed
by a keyed hash of the client's address (the peer address, or with TRUST_PROXY the last
X-Forwarded-For entry, which the operator's proxy appends), so a script cannot flood the counts.

Settings (`bot.settings.web`, WebSettings): WEB_CHAT (on by default; off: no page, `serve` as
before), WEB_FRAME_ANCESTORS (who may frame the page: CSP frame-ancestors sources, default 'none'),
TRUST_PROXY (believe X-Forwarded-For: only behind a proxy that sets it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from aiohttp import web

from bot.channels.common import Counts, count_referral, follow_up, now
from bot.model import INTENT_HELP, LANGS, Case, Reply
from bot.settings import WebSettings

if TYPE_CHECKING:
    from bot.engine import Engine

log = logging.getLogger(__name__)

CHANNEL = "web"
PATH = "/"
STATIC_PATH = "/static"
ASSETS = Path(__file__).resolve().parent.parent / "web"  # bot/web: the template, stylesheet, script
STATIC_FILES = {"style.css": "text/css; charset=utf-8", "app.js": "text/javascript; charset=utf-8"}
MAX_TEXT = 8192  # characters the engine reads (bot/text.py cuts there); the text box's maxlength
MAX_BODY = 96 * 1024  # bytes of a form post: MAX_TEXT Japanese characters percent-encoded are ~74 KB
MAX_FIELDS = 8
RATE_BURST = 20  # posts a client may make at once ...
RATE_PER_S = 0.5  # ... then one every 2 s
MAX_CLIENTS = 10_000  # buckets kept; the least recently seen is forgotten first (a full bucket anyway)
FORM_TYPE = "application/x-www-form-urlencoded"
_ANSWER_THE_QUESTION = ("prefecture", "regions")  # action kinds that answer "which prefecture?"

UI = {
    "ja": {
        "title": "性被害が疑われる患者さん：対応と紹介先",
        "intro": "医療従事者のための案内です。患者さんの状況と病院の場所（都道府県・市区町村）を書くと、"
        "いま行うことと地域のワンストップ支援センターをお伝えします。",
        "label": "状況を書いてください",
        "hint": "例：当院は横浜市です。患者さんが昨夜性被害にあったかもしれません。"
        "患者さんの氏名など、個人が分かることは書かないでください。",
        "send": "送信",
        "refine": "答えを絞り込む",
        "other_lang": "English",
        "urgent": "全国共通",
        "too_large": "メッセージが長すぎます（{limit}文字まで）。短くして送ってください。",
        "rate_limited": "送信が続いたため、少し待ってから送ってください。急ぐときは下の番号へ電話してください。",
        "bad_request": "メッセージを読めませんでした。もう一度送ってください。",
        "error": "申し訳ありません、うまく処理できませんでした。下の番号へ電話してください。",
        "not_found": "ページが見つかりません。",
    },
    "en": {
        "title": "A patient who may be a victim of sexual violence: what to do, where to refer",
        "intro": "For medical staff. Write the patient's situation and where your hospital is "
        "(prefecture or city): the answer tells what to do now and the local one-stop support center.",
        "label": "Describe the situation",
        "hint": "E.g. Our hospital is in Yokohama. A patient may have been sexually assaulted last night. "
        "Do not write the patient's name or anything that identifies them.",
        "send": "Send",
        "refine": "Refine the answer",
        "other_lang": "日本語",
        "urgent": "Nationwide",
        "too_large": "The message is too long (at most {limit} characters). Please shorten it.",
        "rate_limited": "Too many messages in a row: please wait a moment. If it is urgent, call a number below.",
        "bad_request": "The message could not be read. Please send it again.",
        "error": "Sorry, something went wrong. Please call a number below.",
        "not_found": "Page not found.",
    },
}


class RateLimiter:
    """A token bucket per client, in memory. Clients are keyed by a hash with a per-process random
    key, so not even memory holds an address; the least recently seen are forgotten beyond
    `max_clients` (a bucket not seen for burst/rate seconds is full anyway)."""

    def __init__(self, burst: float = RATE_BURST, per_s: float = RATE_PER_S, *,
                 max_clients: int = MAX_CLIENTS, clock: Callable[[], float] = time.monotonic):  # fmt: skip
        self.burst, self.per_s, self.max_clients, self.clock = float(burst), float(per_s), max_clients, clock
        self._key = os.urandom(16)
        self._buckets: OrderedDict[bytes, tuple[float, float]] = OrderedDict()

    def allow(self, client: str) -> tuple[bool, int]:
        """(allowed, seconds to wait before the next post is allowed: 0 when allowed)."""
        key = hashlib.blake2b(client.encode("utf-8", "replace"), key=self._key, digest_size=16).digest()
        moment = self.clock()
        tokens, last = self._buckets.pop(key, (self.burst, moment))
        tokens = min(self.burst, tokens + max(0.0, moment - last) * self.per_s)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        self._buckets[key] = (tokens, moment)
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        wait = 0 if allowed else max(1, int((1.0 - tokens) / self.per_s + 0.999))
        return allowed, wait


class _Problem(Exception):
    """A post the page cannot answer: its status and the UI key of what to tell the user."""

    def __init__(self, status: int, key: str):
        super().__init__(key)
        self.status, self.key = status, key


def pick_lang(request: web.Request) -> str:
    """?lang=, else the first of ja/en in Accept-Language (by q), else Japanese."""
    asked = request.query.get("lang", "")
    if asked in LANGS:
        return asked
    best, best_q = "ja", 0.0
    for part in request.headers.get("Accept-Language", "").split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if primary in LANGS and q > best_q:
            best, best_q = primary, q
    return best


class WebChat:
    """The web page channel (see the module docstring)."""

    name = CHANNEL

    def __init__(self, engine: Engine, counts: Counts | None, settings: WebSettings | None = None, *,
                 clock: Callable[[], dt.datetime] = now, limiter: RateLimiter | None = None):  # fmt: skip
        from jinja2 import Environment, FileSystemLoader

        self.engine = engine
        self.counts = counts
        self.settings = settings or WebSettings()
        self.clock = clock
        self.limiter = limiter or RateLimiter()
        self._jinja = Environment(loader=FileSystemLoader(ASSETS), autoescape=True, trim_blocks=True,
                                  lstrip_blocks=True)  # fmt: skip
        self._page = self._jinja.get_template("page.html")
        self._static = {name: (ASSETS / name).read_bytes() for name in STATIC_FILES}
        self._version = {n: hashlib.sha256(b).hexdigest()[:10] for n, b in self._static.items()}
        self.headers = {
            "Content-Security-Policy": (
                "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
                f"form-action 'self'; base-uri 'none'; frame-ancestors {self.settings.frame_ancestors}"
            ),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
            "Cross-Origin-Opener-Policy": "same-origin",
            "Cross-Origin-Resource-Policy": "same-origin",
            "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        }
        if self.settings.frame_ancestors == "'none'":
            self.headers["X-Frame-Options"] = "DENY"  # for browsers without CSP frame-ancestors

    # -------------------------------------------------------------- the channel interface
    def routes(self, app: web.Application) -> None:
        app.router.add_get(PATH, self.get)
        app.router.add_post(PATH, self.post)
        app.router.add_get(f"{STATIC_PATH}/{{name}}", self.static)
        app.router.add_get("/favicon.ico", self.no_icon)

    async def start(self) -> None:
        """Nothing to start: the page needs no platform."""

    async def stop(self) -> None:
        """Nothing to stop: a request in progress is finished by the server."""

    # -------------------------------------------------------------- handlers
    async def get(self, request: web.Request) -> web.Response:
        return self._respond(pick_lang(request))

    async def post(self, request: web.Request) -> web.StreamResponse:
        page_lang = pick_lang(request)
        allowed, wait = self.limiter.allow(self._client(request))
        if not allowed:  # not read, not answered, not counted: the page with the numbers
            log.debug("web: a client over its rate was asked to wait")
            response = self._respond(page_lang, problem="rate_limited", status=429)
            response.headers["Retry-After"] = str(wait)
            return response
        try:
            fields = await self._form(request)
        except _Problem as p:
            log.info("web: refused a post (%d)", p.status)
            return self._respond(page_lang, problem=p.key, status=p.status)
        if fields.get("lang") in LANGS:
            page_lang = fields["lang"]
        try:
            at = self.clock()
            if "case" in fields:  # a refinement: the same case, counted only as a chosen place
                cross_site = request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site"
                result = follow_up(self.engine, fields["case"], at=at,
                                   counts=None if cross_site else self.counts, channel=CHANNEL)  # fmt: skip
                if result is None:
                    log.info("web: refused a button that is not ours")
                    return self._respond(page_lang, problem="bad_request", status=400)
                reply, region = result
                log.info("web: answered a button")
                return self._respond(reply.case.lang, reply=reply, region=region)
            reply = self.engine.reply(fields.get("text", ""), at)
            if reply.case.intent == INTENT_HELP and reply.case.lang != page_lang:  # nothing to read: the page's language
                reply = self.engine.answer(reply.case.with_(lang=page_lang), at)
            response = self._respond(reply.case.lang, reply=reply)
        except Exception:  # a bug: the apology with the numbers, never the traceback's data
            log.exception("web: failed to answer (apology sent)")
            return self._respond(page_lang, problem="error", status=500)
        try:  # the answer goes out first; then it is counted
            await response.prepare(request)
            await response.write_eof()
        except ConnectionError:
            log.info("web: the client left before the answer was sent (not counted)")
            return response
        if request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
            log.info("web: answered a post from another site's page (not counted)")
            return response  # another site's form must not be able to make counts through its visitors
        count_referral(self.counts, reply, channel=CHANNEL, at=at)
        log.info("web: answered a message")
        return response

    async def static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in self._static:
            return self._respond(pick_lang(request), problem="not_found", status=404)
        headers = dict(self.headers, **{"Cache-Control": "public, max-age=86400"})
        return web.Response(body=self._static[name], headers=headers | {"Content-Type": STATIC_FILES[name]})

    async def no_icon(self, _: web.Request) -> web.Response:
        return web.Response(status=204, headers=self.headers)

    # -------------------------------------------------------------- pieces
    def _client(self, request: web.Request) -> str:
        if self.settings.trust_proxy:
            hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
            if hops:
                return hops[-1]  # the one the operator's proxy appended; earlier ones the client wrote
        return request.remote or ""

    async def _form(self, request: web.Request) -> dict[str, str]:
        if request.content_type != FORM_TYPE:
            raise _Problem(415, "bad_request")
        charset = (request.charset or "utf-8").lower()
        if charset not in ("utf-8", "utf8", "us-ascii", "ascii"):
            raise _Problem(415, "bad_request")
        if request.content_length is not None and request.content_length > MAX_BODY:
            raise _Problem(413, "too_large")
        body = bytearray()
        while len(body) <= MAX_BODY:
            chunk = await request.content.read(MAX_BODY + 1 - len(body))
            if not chunk:
                break
            body += chunk
        if len(body) > MAX_BODY:
            raise _Problem(413, "too_large")
        try:
            parsed = parse_qs(body.decode("ascii"), keep_blank_values=True, strict_parsing=False,
                              encoding="utf-8", errors="strict", max_num_fields=MAX_FIELDS)  # fmt: skip
        except (UnicodeDecodeError, ValueError):
            raise _Problem(400, "bad_request") from None
        return {k: v[0] for k, v in parsed.items() if k in ("text", "case", "lang")}

    @cached_property
    def _urgent(self) -> dict[str, tuple[Any, ...]]:
        """#8891 and 110 (the help answer's contacts), for the top of every page, by language."""
        return {
            lang: self.engine.answer(Case(lang=lang, intent=INTENT_HELP), now()).contacts for lang in LANGS
        }

    def _respond(self, lang: str, *, reply: Reply | None = None, region: str | None = None,
                 problem: str | None = None, status: int = 200) -> web.Response:  # fmt: skip
        from bot.render.html import render_actions, render_html, tel

        lang = lang if lang in LANGS else "ja"
        ui = UI[lang]
        g = self.engine.guidance(lang)
        answer = actions = None
        if reply is not None:
            steps = self.engine.actions(reply.case, region=region)
            choices = None
            if region:  # the prefecture picker: its buttons, and the way back
                back_to = None if region == "*" else "*"
                steps = [*steps, _back(g.t("action_back"), reply.case, back_to)]
            elif reply.question:  # which prefecture? the buttons that answer it go right under the question
                choices = render_actions([a for a in steps if a.kind in _ANSWER_THE_QUESTION], form="refine")
                steps = [a for a in steps if a.kind not in _ANSWER_THE_QUESTION]
            answer = render_html(reply, g, choices=choices)
            actions = render_actions(steps)
        text = self._page.render(
            lang=lang, other="en" if lang == "ja" else "ja", ui=ui, answer=answer, actions=actions,
            problem=ui[problem].format(limit=MAX_TEXT) if problem else "", urgent=self._urgent[lang],
            privacy=g.t("privacy_short"), tel=tel, max_text=MAX_TEXT, version=self._version,
        )  # fmt: skip
        headers = dict(self.headers)
        headers["Content-Language"] = lang
        headers["Vary"] = "Accept-Language"
        return web.Response(text=text, status=status, content_type="text/html", charset="utf-8", headers=headers)


def webhook_channel(engine: Engine, counts: Counts | None, settings: WebSettings | None,
                    clock: Callable[[], dt.datetime] = now) -> WebChat:  # fmt: skip
    """The channel as serve's registry makes one (name, routes, start, stop)."""
    return WebChat(engine, counts, settings, clock=clock)


def _back(label: str, case: Case, region: str | None) -> Any:
    from bot.engine import Action

    return Action("back", label, case, region=region)
