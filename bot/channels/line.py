"""The LINE channel: a thin line-bot-sdk (v3) adapter over the engine (the only module that imports
line-bot-sdk), served by `referral-bot serve` on POST /line/webhook.

Every request's X-Line-Signature is checked before the body is read (401 otherwise); events are
answered in tasks of their own through the reply token (never push messages), as plain text with
quick-reply buttons that carry the whole case (bot/state.py, never counted). A redelivered
webhookEventId is answered once. In groups only mentions and /相談 or /referral are answered. A
reply that fails with 429, 5xx or a network error is retried (a reply token works once, so never
twice). Logs hold no text, ids, tokens or secrets: API failures by their HTTP status only.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import traceback
import unicodedata
from collections.abc import Callable, Coroutine
from typing import Any

import aiohttp
from aiohttp import web
from linebot.v3.messaging import (
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.messaging.exceptions import ApiException
from linebot.v3.webhooks import (
    Event,
    EventMode,
    FollowEvent,
    GroupSource,
    JoinEvent,
    MessageEvent,
    PostbackEvent,
    RoomSource,
    TextMessageContent,
)

from bot.channels.common import (
    Counts,
    Unreachable,
    answer_message,
    count_referral,
    delivery_ids,
    follow_up,
    greeting,
    now,
)
from bot.engine import Action, Engine
from bot.logs import register_secret
from bot.model import INTENT_HELP, Case, Reply
from bot.render.line import message, quick_reply, render_text
from bot.render.plain import contact_line
from bot.settings import LineSettings, SettingsError

log = logging.getLogger(__name__)

CHANNEL = "line"
WEBHOOK_PATH = "/line/webhook"
DEFAULT_API_URL = "https://api.line.me"
GROUP_KEYWORDS = ("/相談", "/referral")  # compared after NFKC, so "／相談" works too

Message = dict[str, Any]
Plan = Callable[[dt.datetime], tuple[Message, Reply | None]]  # the message to send, and what to count


def signature_ok(secret: str, body: bytes, signature: str | None) -> bool:
    """X-Line-Signature: base64 of HMAC-SHA256(channel secret, raw body), compared in constant time."""
    if not signature:
        return False
    expected = base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, signature.strip().encode("utf-8", "replace"))


def log_bug(where: str, exc: BaseException) -> None:
    """A traceback for a bug, without the exception's message (it could quote what was typed)."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error(
        "line: bug while handling %s: %s (message withheld)\n%s", where, type(exc).__name__, frames.rstrip()
    )


# ---------------------------------------------------------------------------- groups
def _without_mentions(text: str, mentionees: list[Any]) -> str:
    """The text with every @mention cut out (a display name must not be read as a place). LINE gives
    each mention's index and length; they are tried as UTF-16 units, then as characters, and a span
    is cut only if it starts with "@"."""
    spans = sorted(
        ((m.index, m.length) for m in mentionees if isinstance(m.index, int) and isinstance(m.length, int)),
        reverse=True,
    )
    for index, length in spans:
        if index < 0 or length <= 0:
            continue
        units = text.encode("utf-16-le", "surrogatepass")
        cut = units[2 * index : 2 * (index + length)].decode("utf-16-le", "ignore")
        if cut.startswith("@"):
            head = units[: 2 * index].decode("utf-16-le", "ignore")
            tail = units[2 * (index + length) :].decode("utf-16-le", "ignore")
            text = f"{head} {tail}"
        elif text[index : index + length].startswith("@"):
            text = f"{text[:index]} {text[index + length :]}"
    return text


def addressed_text(content: TextMessageContent) -> str | None:
    """In a group: the text to answer if the message is for the bot (mentions it, or starts with a
    keyword), else None."""
    mentionees = list(content.mention.mentionees) if content.mention and content.mention.mentionees else []
    text = _without_mentions(content.text, mentionees) if mentionees else content.text
    if any(getattr(m, "is_self", None) is True for m in mentionees):
        return text
    head = unicodedata.normalize("NFKC", text).lstrip()
    for keyword in GROUP_KEYWORDS:
        if head.casefold().startswith(keyword.casefold()):
            rest = head[len(keyword) :]
            if not rest or not (rest[0].isascii() and rest[0].isalnum()):
                return rest
    return None


# ---------------------------------------------------------------------------- the bot
class LineBot:
    def __init__(self, engine: Engine, counts: Counts | None, settings: LineSettings,
                 *, clock: Callable[[], dt.datetime] = now):  # fmt: skip
        register_secret(settings.access_token)
        register_secret(settings.channel_secret)
        self.engine = engine
        self.counts = counts
        self.settings = settings
        self.clock = clock
        self._seen = delivery_ids(settings.dedup_window, CHANNEL)
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: AsyncApiClient | None = None
        self._api: AsyncMessagingApi | None = None

    # -------------------------------------------------------------- lifecycle
    async def start(self) -> LineBot:
        """Open the Messaging API client (an aiohttp session: needs the running loop)."""
        if self._client is None:
            config = Configuration(
                host=self.settings.api_url or DEFAULT_API_URL, access_token=self.settings.access_token
            )
            self._client = AsyncApiClient(config)
            self._api = AsyncMessagingApi(self._client)
        return self

    async def close(self) -> None:
        """Finish the events in hand, then close the client."""
        await self.drain()
        client, self._client, self._api = self._client, None, None
        if client is not None:
            await client.close()

    async def drain(self) -> None:
        """Wait until every event accepted so far has been handled (answered, counted)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def check_token(self) -> None:
        """GET /v2/bot/info: a refused token (401, 403) is a SettingsError at start-up; an API out of
        reach, another status or an answer that is not LINE's is Unreachable (tried again)."""
        api = await self._ensure()
        try:
            await api.get_bot_info(_request_timeout=self.settings.request_timeout)
        except ApiException as e:
            if e.status in (401, 403):
                raise SettingsError(f"LINE refused LINE_CHANNEL_ACCESS_TOKEN (HTTP {e.status})") from None
            raise Unreachable(f"the LINE Messaging API answered HTTP {e.status}") from None
        except (aiohttp.ClientError, OSError, TimeoutError) as e:
            raise Unreachable(f"cannot reach the LINE Messaging API ({type(e).__name__})") from None
        except Exception as e:  # a 200 whose body the SDK cannot read (a proxy's page, a broken API)
            raise Unreachable(f"the LINE Messaging API gave an unreadable answer ({type(e).__name__})") from None

    async def _ensure(self) -> AsyncMessagingApi:
        if self._api is None:
            await self.start()
        assert self._api is not None
        return self._api

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(WEBHOOK_PATH, self.webhook)

    # -------------------------------------------------------------- the webhook
    async def webhook(self, request: web.Request) -> web.Response:
        raw = await request.read()
        if not signature_ok(self.settings.channel_secret, raw, request.headers.get("X-Line-Signature")):
            log.warning("line: rejected a request without a valid signature")
            return web.Response(status=401, text="invalid signature")
        try:
            payload = json.loads(raw)
        except ValueError:  # not JSON, or not UTF-8
            payload = None
        events = payload.get("events") if isinstance(payload, dict) else None
        if not isinstance(events, list):
            log.warning("line: rejected a signed request that is not a webhook payload")
            return web.Response(status=400, text="bad request")
        for item in events:
            event = _read_event(item)
            if event is None:
                log.info("line: ignored an event it could not read")
                continue
            if not self._seen.first_time(event.webhook_event_id):
                again = " (marked as a redelivery)" if event.delivery_context.is_redelivery else ""
                log.info("line: skipped a repeated event delivery%s", again)
                continue
            self._spawn(self._handle(event))
        return web.Response(text="OK")

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -------------------------------------------------------------- events
    async def _handle(self, event: Event) -> None:
        try:
            await self._answer_event(event)
        except Exception as e:  # never let a task end with an exception asyncio would log with its message
            log_bug("an event", e)

    async def _answer_event(self, event: Event) -> None:
        token = getattr(event, "reply_token", None)
        if event.mode == EventMode.STANDBY or not token:
            log.debug("line: ignored an event without a reply token (standby mode, or nothing to answer)")
            return
        planned = self._plan(event)
        if planned is None:
            return
        what, plan = planned
        at = self.clock()
        try:
            msg, counted = plan(at)
        except Exception as e:  # a bug: the fixed apology (#8891) instead
            log_bug(what, e)
            msg, counted = message(self.engine.ui("ja", "error_apology")), None
        if not await self._send(token, msg, what):
            return
        log.info("line: answered %s", what)
        if counted is not None:  # after the answer is out; with a CountsQueue, only queued (O(1))
            count_referral(self.counts, counted, channel=CHANNEL, at=at)

    def _plan(self, event: Event) -> tuple[str, Plan] | None:
        """What to answer: (a description for the log, a function making the message), or None."""
        in_group = isinstance(event.source, (GroupSource, RoomSource))
        if isinstance(event, MessageEvent):
            content = event.message
            if isinstance(content, TextMessageContent):
                text = addressed_text(content) if in_group else content.text
                if text is None:
                    log.debug("line: ignored a group message not addressed to the bot")
                    return None
                quote = content.quote_token if in_group else None
                where = "a message (group)" if in_group else "a message (1:1)"
                return where, lambda at: self._answer(text, at, quote)
            if in_group:
                log.debug("line: ignored a non-text group message")
                return None
            return "a non-text message", lambda at: (self._help("ja", at), None)
        if isinstance(event, PostbackEvent):
            return "a button", lambda at: (self._button(event.postback.data, at), None)
        if isinstance(event, FollowEvent):
            return "a new friend", lambda at: (self._greeting(group=False), None)
        if isinstance(event, JoinEvent):
            return "a group join", lambda at: (self._greeting(group=True), None)
        log.debug("line: ignored a %s event", type(event).__name__)
        return None

    # -------------------------------------------------------------- messages
    def _full(self, reply: Reply, quote: str | None = None) -> Message:
        text = render_text(reply, self.engine.guidance(reply.case.lang))
        return message(text, quick_reply(self.engine.actions(reply.case)), quote_token=quote)

    def _answer(self, text: str, at: dt.datetime, quote: str | None) -> tuple[Message, Reply]:
        reply = answer_message(
            self.engine,
            None,
            text,
            channel=CHANNEL,
            at=at,
            default_prefecture=self.settings.default_prefecture,
        )
        return self._full(reply, quote), reply

    def _help(self, lang: str, at: dt.datetime) -> Message:
        return self._full(self.engine.answer(Case(lang=lang, intent=INTENT_HELP), at))

    def _button(self, data: object, at: dt.datetime) -> Message:
        result = follow_up(self.engine, data, at=at, counts=self.counts, channel=CHANNEL)
        if result is None:  # not our data (forged, or from an old version): the help answer
            log.debug("line: a button that is not ours got the help answer")
            return self._help("ja", at)
        reply, region = result
        if not region:
            return self._full(reply)
        case, lang = reply.case, reply.case.lang
        back = Action(
            "back", self.engine.ui(lang, "action_back"), case, region=None if region == "*" else "*"
        )
        title = self.engine.ui(lang, "action_choose_prefecture")
        if region != "*":
            name = next((a.label for a in self.engine.actions(case, region="*") if a.region == region), "")
            title = f"{title}：{name}" if lang == "ja" else f"{title}: {name}"
        lines = [title, "", *(contact_line(k) for k in reply.contacts)]
        return message("\n".join(lines), quick_reply([*self.engine.actions(case, region=region), back]))

    def _greeting(self, *, group: bool, lang: str = "ja") -> Message:
        parts = greeting(self.engine, lang, group=group)
        return message(
            "\n\n".join(parts), quick_reply(self.engine.actions(Case(lang=lang, intent=INTENT_HELP)))
        )

    # -------------------------------------------------------------- sending
    async def _send(self, token: str, msg: Message, what: str) -> bool:
        """Reply with `msg`; retries 429, 5xx and network errors. True if LINE accepted it."""
        api = await self._ensure()
        request = ReplyMessageRequest(reply_token=token, messages=[TextMessage.from_dict(msg)])
        attempts = max(1, self.settings.attempts)
        for attempt in range(1, attempts + 1):
            try:
                await api.reply_message(request, _request_timeout=self.settings.request_timeout)
                return True
            except ApiException as e:  # never log str(e): it quotes the response body and headers
                status = e.status or 0
                retry, why = status == 429 or status >= 500, f"HTTP {status}"
            except (aiohttp.ClientError, TimeoutError) as e:
                retry, why = True, type(e).__name__
            if not retry or attempt == attempts:
                log.warning("line: could not send the answer to %s (%s, %d attempt(s))", what, why, attempt)
                return False
            delay = max(0.0, self.settings.backoff) * 2 ** (attempt - 1)
            log.info("line: reply failed (%s); try %d of %d in %.1fs", why, attempt + 1, attempts, delay)
            await asyncio.sleep(delay)
        return False  # pragma: no cover


def _read_event(item: object) -> Event | None:
    """One webhook event as the SDK's model, or None (unknown type, or malformed)."""
    if not isinstance(item, dict):
        return None
    try:
        event = Event.from_dict(item)
    except Exception:  # the SDK raises ValueError (and pydantic errors) quoting the event: never logged
        return None
    return event if isinstance(event, Event) and isinstance(event.webhook_event_id, str) else None


class LineChannel:
    """LINE under `serve` (bot/channels/base.py): POST /line/webhook; the token is checked at start
    (Unreachable: `serve` tries start again, and answers 503 on the path until then)."""

    name = CHANNEL

    def __init__(self, engine: Engine, counts: Counts | None, settings: LineSettings,
                 clock: Callable[[], dt.datetime] = now):  # fmt: skip
        self.bot = LineBot(engine, counts, settings, clock=clock)

    async def start(self) -> None:
        await self.bot.start()
        await self.bot.check_token()  # GET /v2/bot/info

    def routes(self, app: web.Application) -> None:
        self.bot.add_routes(app)

    async def stop(self) -> None:
        await self.bot.close()  # answers the events in hand first

    async def drain(self) -> None:
        await self.bot.drain()


webhook_channel = LineChannel
