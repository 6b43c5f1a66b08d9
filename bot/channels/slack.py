"""The Slack channel: `/referral`, mentions, direct messages, buttons and the App Home tab, on Bolt's
asyncio app (the only module that imports the Slack libraries).

One app (`build_app`) for Socket Mode (`referral-bot slack`: outbound WebSocket only, for hospital
networks) and HTTP mode (`--http`, or `SlackChannel` under `serve`: POST /slack/events served by
aiohttp, every request's signature checked by Bolt). Each listener acknowledges at once and answers
in a task (`settle` waits for them at SIGTERM); a redelivered event_id is answered once. Logs hold
no text, ids or tokens: Slack API errors by their code, bugs without their message.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
import secrets
import traceback
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.common import (
    RETRY_FIRST_S,  # noqa: F401  (re-exported: tests shorten it)
    RETRY_MAX_S,  # noqa: F401
    Counts,
    Unreachable,
    answer_message,
    compact_json,
    delivery_ids,
    follow_up,
    now,
    stop_on_signals,
    until_reached,
)
from bot.channels.health import PATH as HEALTH_PATH
from bot.channels.health import Health
from bot.engine import Engine
from bot.model import Reply
from bot.render.slack import STEP_PREFIX, URL_PREFIX, escape, render_blocks, render_home, render_text
from bot.settings import SLACK_PORT, SettingsError, SlackSettings

log = logging.getLogger(__name__)

CHANNEL = "slack"
EVENTS_PATH = "/slack/events"
SEEN_EVENTS = 10_000  # event ids remembered for de-duplication (Slack retries within minutes)
Payload = dict[str, Any]
QUIET = {"unfurl_links": False, "unfurl_media": False}  # no previews of the centers' websites
SHUTDOWN_TIMEOUT_S = 10.0  # at SIGTERM, the answers under way get this long to be sent
# apps.connections.open errors that no retry will mend: the app token is wrong or lacks the scope
REFUSED = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
                     "not_allowed_token_type", "missing_scope", "no_permission"})  # fmt: skip


def web_api_session() -> aiohttp.ClientSession:
    """The aiohttp session for the Web API client (made in the running loop; the caller closes it):
    kept-alive connections, and JSON bodies as UTF-8 rather than \\uXXXX escapes (BENCHMARKS.md)."""
    return aiohttp.ClientSession(json_serialize=compact_json)


def make_client(settings: SlackSettings, session: aiohttp.ClientSession | None = None) -> AsyncWebClient:
    """The Web API client; give it a `session` from web_api_session(). HTTPS_PROXY and the like
    are read by slack_sdk either way."""
    return AsyncWebClient(
        token=settings.bot_token,
        base_url=settings.api_url or AsyncWebClient.BASE_URL,
        session=session,
        logger=_held_logger("slack_sdk.web.referral_bot"),
    )


# ---------------------------------------------------------------------------- small helpers
_MENTION = re.compile(r"<[@#!][^<>]*>")  # <@U123>, <#C123|name>, <!here>: ids, never place names
_LABELLED = re.compile(r"<([^<>|]*)\|([^<>]*)>")
_BARE = re.compile(r"<([^<>]*)>")


def plain_text(text: object) -> str:
    """What the person typed, from Slack's encoded message text (mentions dropped, links unwrapped)."""
    if not isinstance(text, str):
        return ""
    text = _BARE.sub(r"\1", _LABELLED.sub(r"\2", _MENTION.sub(" ", text)))
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _held_logger(name: str) -> logging.Logger:
    """A Slack library logger with its own level, WARNING or above: Bolt would otherwise give it the
    root's level (LOG_LEVEL=DEBUG would log request bodies), and slack_sdk formats every body into a
    debug line whenever the logger's own level is unset."""
    logger = logging.getLogger(name)
    logger.setLevel(max(logging.WARNING, logging.getLogger().getEffectiveLevel()))
    return logger


def log_bug(where: str, exc: BaseException) -> None:
    """A traceback for a bug, without the exception's message (it could quote what was typed)."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error("bug while handling %s: %s (message withheld)\n%s", where, type(exc).__name__, frames.rstrip())


def _api_error(what: str, exc: Exception) -> None:
    if isinstance(exc, SlackApiError):
        code = exc.response.get("error") if exc.response is not None else None
        log.warning("Slack refused %s: %s", what, code or "no error code")
    else:
        log.warning("could not send %s: %s", what, type(exc).__name__)


# ---------------------------------------------------------------------------- the app
class Answers:
    """The answers being computed and sent, one asyncio task each. A listener acknowledges Slack's
    request, hands its work to `start()` and returns, so the task exists before Slack gets its
    acknowledgement: `settle()` then waits for every answer to an acknowledged request (graceful
    shutdown, and the tests' "nothing else was sent")."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self, timeout: float | None = None) -> bool:
        """Wait until every answer started so far (and any they start) is done; False on timeout."""
        deadline = None if timeout is None else asyncio.get_running_loop().time() + timeout
        while self._tasks:
            left = None if deadline is None else deadline - asyncio.get_running_loop().time()
            if left is not None and left <= 0:
                return False
            await asyncio.wait(set(self._tasks), timeout=left)
        return True


_answers: weakref.WeakKeyDictionary[AsyncApp, Answers] = weakref.WeakKeyDictionary()


async def settle(app: AsyncApp, timeout: float | None = None) -> bool:
    """Wait until the app has sent every answer to the requests it has acknowledged."""
    answers = _answers.get(app)
    return True if answers is None else await answers.settle(timeout)


def build_app(
    engine: Engine,
    counts: Counts | None,
    settings: SlackSettings,
    *,
    client: AsyncWebClient | None = None,
    clock: Callable[[], dt.datetime] = now,
) -> AsyncApp:
    """The Bolt app, for either mode; the client (a local fake's base_url in tests) and the clock come
    in. Each listener acknowledges, starts its answer as a task (Answers) and returns, so every answer
    is tracked before Slack hears back; answers are computed in the event loop and sent with the
    async Web API client."""
    app = AsyncApp(
        logger=_held_logger("slack_bolt.referral_bot"),
        client=client or make_client(settings),
        # Socket Mode has no inbound HTTP; a random secret makes any HTTP request fail closed.
        signing_secret=settings.signing_secret or secrets.token_hex(32),
        name="referral-bot",
        process_before_response=True,
    )
    _held_logger("slack_sdk.webhook.async_client")  # the logger of `respond` (Bolt makes its clients)
    answers = _answers[app] = Answers()
    seen = delivery_ids(SEEN_EVENTS, CHANNEL)

    def message(reply: Reply, region: str | None = None) -> Payload:
        g = engine.guidance(reply.case.lang)
        blocks = render_blocks(reply, g, engine.actions(reply.case, region=region))
        return {"text": render_text(reply, g), "blocks": blocks}

    def new_answer(text: object) -> Payload:
        at = clock()
        reply = answer_message(
            engine,
            counts,
            plain_text(text),
            channel=CHANNEL,
            at=at,
            default_prefecture=settings.default_prefecture,
        )
        return message(reply)

    def apology(lang: str = "ja") -> Payload:
        return {"text": escape(engine.ui(lang, "error_apology"))}

    def safely(where: str, send: Callable[[Payload], Awaitable[None]], make: Callable[[], Payload]) -> None:
        """Start the answer: make() it and send() it; on a bug, send the fixed apology instead."""

        async def work() -> None:
            try:
                payload = make()
            except Exception as e:
                log_bug(where, e)
                payload = apology()
            try:
                await send(payload)
                log.info("slack: answered %s", where)
            except Exception as e:  # the Web API or response_url refused or was unreachable
                _api_error(f"the answer to {where}", e)

        answers.start(work())

    def repeated(body: dict, request: AsyncBoltRequest) -> bool:
        """Has this event been delivered before (same event_id)? Slack redelivers one it thinks was
        not acknowledged: it is acknowledged again, and answered and counted once. Checked in the
        event listeners, after Bolt verified the signature (cheaper than a middleware)."""
        event_id = body.get("event_id")
        if not isinstance(event_id, str) or seen.first_time(event_id):
            return False
        retry = (request.headers.get("x-slack-retry-num") or ["-"])[0]
        log.info("slack: skipped a repeated event delivery (retry %s)", retry if retry.isdigit() else "-")
        return True

    # Listeners in the order Bolt tries them (the first that matches runs): direct messages, the most
    # frequent, first; each match tried costs a keyword-argument injection.

    # -- direct messages; every other message event is ignored
    @app.event("message")
    async def on_message(
        ack: Callable, event: dict, body: dict, request: AsyncBoltRequest, client: AsyncWebClient, context: dict
    ) -> None:
        await ack()
        if repeated(body, request):
            return
        if event.get("channel_type") != "im":  # channel messages without a mention are not for us
            return
        own = context.get("bot_user_id")
        if event.get("subtype") or event.get("bot_id") or event.get("user") in (None, own):
            log.debug("slack: ignored a message event (bot, edit or system message)")
            return

        async def send(payload: Payload) -> None:
            await client.chat_postMessage(
                channel=event["channel"], thread_ts=event.get("thread_ts"), **QUIET, **payload
            )

        safely("a direct message", send, lambda: new_answer(event.get("text")))

    # -- @bot ...: the answer in the message's thread
    @app.event("app_mention")
    async def on_mention(
        ack: Callable, event: dict, body: dict, request: AsyncBoltRequest, client: AsyncWebClient
    ) -> None:
        await ack()
        if repeated(body, request):
            return
        channel = event.get("channel") or ""
        if event.get("bot_id") or channel.startswith("D"):  # a DM is answered by on_message, once
            return
        thread = event.get("thread_ts") or event.get("ts")

        async def send(payload: Payload) -> None:
            await client.chat_postMessage(channel=channel, thread_ts=thread, **QUIET, **payload)

        safely("a mention", send, lambda: new_answer(event.get("text")))

    # -- App Home: how to use the bot and the national numbers
    @app.event("app_home_opened")
    async def on_home(
        ack: Callable, event: dict, body: dict, request: AsyncBoltRequest, client: AsyncWebClient
    ) -> None:
        await ack()
        if repeated(body, request):
            return
        if event.get("tab") != "home" or not event.get("user"):
            return

        async def publish() -> None:
            try:
                await client.views_publish(user_id=event["user"], view=home_view(engine, settings.command, clock()))
                log.info("slack: published the home tab")
            except Exception as e:
                _api_error("the home tab", e)

        answers.start(publish())

    # -- /referral TEXT: ephemeral, only the person who asked sees it
    @app.command(settings.command)
    async def on_command(ack: Callable, command: dict, respond: Callable, client: AsyncWebClient) -> None:
        await ack()

        async def send(payload: Payload) -> None:
            try:
                sent = await respond(response_type="ephemeral", **QUIET, **payload)
                if sent.status_code == 200:
                    return
                log.warning("slack: response_url gave HTTP %s; using chat.postEphemeral", sent.status_code)
            except Exception as e:
                log.warning("slack: response_url failed (%s); using chat.postEphemeral", type(e).__name__)
            await client.chat_postEphemeral(channel=command["channel_id"], user=command["user_id"], **payload)

        safely("a slash command", send, lambda: new_answer(command.get("text")))

    # -- a button: the refined answer replaces the message; never counted (same case)
    @app.action(re.compile("^" + re.escape(STEP_PREFIX)))
    async def on_step(ack: Callable, action: dict, body: dict, respond: Callable, client: AsyncWebClient) -> None:
        await ack()

        def make() -> Payload:
            result = follow_up(engine, action.get("value"), at=clock(), counts=counts, channel=CHANNEL)
            if result is None:  # not our data (forged, or from an old version): show the help
                return message(answer_message(engine, None, "", channel=CHANNEL, at=clock()))
            reply, region = result
            return message(reply, region)

        async def send(payload: Payload) -> None:
            if body.get("response_url"):
                try:
                    sent = await respond(replace_original=True, **QUIET, **payload)
                    if sent.status_code == 200:
                        return
                    log.warning("slack: response_url answered HTTP %s; using chat.update", sent.status_code)
                except Exception as e:
                    log.warning("slack: response_url failed (%s); using chat.update", type(e).__name__)
            where = body.get("container") or {}
            if not (where.get("channel_id") and where.get("message_ts")) or where.get("is_ephemeral"):
                raise LookupError("no message to update")
            await client.chat_update(channel=where["channel_id"], ts=where["message_ts"], **payload)

        safely("a button", send, make)

    # -- a link button opens its URL in the browser; Slack still expects the action acknowledged
    @app.action(re.compile("^" + re.escape(URL_PREFIX)))
    async def on_link(ack: Callable) -> None:
        await ack()

    @app.error
    async def on_error(error: Exception) -> None:  # only reached by a bug outside the handlers' own guards
        log_bug("a Slack request", error)

    return app


def home_view(engine: Engine, command: str, at: dt.datetime) -> Payload:
    """The App Home tab, in Japanese then English: what the bot does, how to ask, the numbers."""
    parts: list[tuple[str, str]] = []
    notes = []
    for lang in ("ja", "en"):
        usage = next((s for s in engine.reply("", at, lang=lang).sections), None)
        how = [engine.ui(lang, "start")]
        if usage is not None:
            how += ["", usage.title, *(f"・{line}" for line in usage.lines)]
        how.append(f"{command} …")
        parts.append(("", "\n".join(how)))
        title, *numbers = engine.numbers_reply(lang).splitlines()
        parts.append((title, "\n".join(numbers)))
        notes.append(engine.ui(lang, "privacy_short"))
    return render_home(parts, "\n".join(notes))


# ---------------------------------------------------------------------------- HTTP mode
def events_handler(bolt_app: AsyncApp) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The aiohttp handler for POST /slack/events: the request into Bolt, which checks its
    signature. Used by `http_app` and by `referral-bot serve`."""

    async def events(request: web.Request) -> web.Response:
        raw = await request.read()
        headers = {k.lower(): request.headers.getall(k) for k in request.headers}
        try:
            req = AsyncBoltRequest(body=raw.decode("utf-8"), query=request.query_string, headers=headers)
        except (ValueError, TypeError, KeyError) as e:  # not UTF-8, or a malformed payload
            log.warning("slack: rejected a malformed request (%s)", type(e).__name__)
            return web.Response(status=400, text="bad request")
        resp = await bolt_app.async_dispatch(req)
        out = {k: ", ".join(v) for k, v in resp.headers.items() if k.lower() != "content-length"}
        return web.Response(status=resp.status, body=(resp.body or "").encode("utf-8"), headers=out)

    return events


def http_app(bolt_app: AsyncApp, health: Health | None = None) -> web.Application:
    """The aiohttp application for HTTP mode: POST /slack/events into Bolt, GET /healthz (the
    handler `serve` uses, bot/channels/health.py)."""
    app = web.Application()
    app.router.add_post(EVENTS_PATH, events_handler(bolt_app))
    if health is not None:
        app.router.add_get(HEALTH_PATH, health.handler)
    return app


async def start_http(bolt_app: AsyncApp, *, host: str = "0.0.0.0", port: int = SLACK_PORT,
                     health: Health | None = None) -> web.AppRunner:  # fmt: skip
    """Serve `http_app(bolt_app, health)`; the bound port is `runner.addresses[0][1]` (port 0: any free one)."""
    runner = web.AppRunner(http_app(bolt_app, health), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


async def serve_http(bolt_app: AsyncApp, *, host: str, port: int, health: Health | None = None,
                     stop: asyncio.Event | None = None) -> None:  # fmt: skip
    """HTTP mode until SIGINT or SIGTERM; then the answers under way are sent before it returns."""
    stop = stop or stop_on_signals()
    runner = await start_http(bolt_app, host=host, port=port, health=health)
    log.info("slack: HTTP mode on port %d, %s", runner.addresses[0][1], EVENTS_PATH)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await settle(bolt_app, SHUTDOWN_TIMEOUT_S)


class _OneLine(logging.Filter):
    """The Socket Mode client logs each failed try with a traceback: keep its first line only."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage().splitlines()
        record.msg, record.args = (message[0] if message else ""), None
        record.exc_info = record.exc_text = record.stack_info = None
        return True


def socket_mode_handler(app: AsyncApp, app_token: str) -> AsyncSocketModeHandler:
    """Socket Mode: apps.connections.open (through the app's client, so SLACK_API_URL applies)
    then a WebSocket (aiohttp); `start_async()` runs until closed, `connect_async()` returns."""
    logger = _held_logger("slack_sdk.socket_mode.referral_bot")  # WARNING and above, first lines only
    if not any(isinstance(f, _OneLine) for f in logger.filters):
        logger.addFilter(_OneLine())
    return AsyncSocketModeHandler(app, app_token, logger=logger)


async def check_app_token(client: AsyncWebClient, app_token: str, stop: asyncio.Event) -> bool:
    """apps.connections.open until Slack answers: SettingsError when it refuses the app token; a
    network error or a 5xx is tried again after 1, 2, 4 ... 60 s, one log line per try
    (common.until_reached). False when SIGINT or SIGTERM came first."""

    async def attempt() -> None:
        try:
            await client.apps_connections_open(app_token=app_token)
            return
        except SlackApiError as e:
            error = str(e.response.get("error") or f"HTTP {e.response.status_code}")
            if error in REFUSED:
                raise SettingsError(f"Slack refused SLACK_APP_TOKEN ({error})") from None
            reason = error
        except (OSError, aiohttp.ClientError, TimeoutError) as e:
            reason = type(e).__name__
        except Exception as e:  # an answer slack_sdk cannot read (a proxy's page)
            reason = f"unreadable answer, {type(e).__name__}"
        raise Unreachable(f"cannot open a Socket Mode connection ({reason})")

    return await until_reached(attempt, stop, CHANNEL, logger=log)


async def serve_socket_mode(bolt_app: AsyncApp, app_token: str, stop: asyncio.Event | None = None) -> None:
    """Socket Mode until SIGINT or SIGTERM; then the answers under way are sent before it returns.
    A signal stops it at any point, even while it is still connecting."""
    stop = stop or stop_on_signals()
    if not await check_app_token(bolt_app.client, app_token, stop):
        return
    handler = socket_mode_handler(bolt_app, app_token)
    connect = asyncio.ensure_future(handler.connect_async())  # retries a WebSocket that fails, every 10 s
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({connect, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if connect.done():
            connect.result()
            log.info("slack: Socket Mode")
            await stopped
    finally:
        for task in (connect, stopped):
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(handler.close_async(), SHUTDOWN_TIMEOUT_S)
        await settle(bolt_app, SHUTDOWN_TIMEOUT_S)


async def check_token(client: AsyncWebClient) -> None:
    """auth.test: SettingsError if Slack refuses the bot token, Unreachable if it cannot be reached."""
    try:
        await client.auth_test()
    except SlackApiError as e:
        raise SettingsError(f"Slack refused SLACK_BOT_TOKEN ({e.response.get('error')})") from None
    except (OSError, aiohttp.ClientError, TimeoutError) as e:
        raise Unreachable(f"cannot reach the Slack Web API ({type(e).__name__})") from None
    except Exception as e:  # an answer slack_sdk cannot read (a proxy's page, a broken API)
        raise Unreachable(f"the Slack Web API gave an unreadable answer ({type(e).__name__})") from None


async def reach_web_api(client: AsyncWebClient, stop: asyncio.Event) -> bool:
    """auth.test until Slack answers (both modes): SettingsError for a refused bot token; out of
    reach, tried again after 1, 2, 4 ... 60 s, one log line a try. False when stopped first."""
    return await until_reached(lambda: check_token(client), stop, CHANNEL, logger=log)


async def run(engine: Engine, counts: Counts | None, settings: SlackSettings, *, http: bool,
              host: str, port: int, clock: Callable[[], dt.datetime] = now) -> None:  # fmt: skip
    """`referral-bot slack`: Socket Mode, or HTTP mode on host:port, until SIGINT or SIGTERM.
    A refused token is a SettingsError before anything listens; a Web API out of reach is waited for."""
    async with web_api_session() as session:
        client = make_client(settings, session)
        stop = stop_on_signals()
        if not await reach_web_api(client, stop):
            return
        app = build_app(engine, counts, settings, client=client, clock=clock)
        if http:
            health = Health(engine.kb, counts, [CHANNEL], clock=clock)
            await serve_http(app, host=host, port=port, health=health, stop=stop)
        else:
            await serve_socket_mode(app, settings.app_token or "", stop)


class SlackChannel:
    """Slack's HTTP mode under `serve` (bot/channels/base.py): POST /slack/events, token checked at
    start (Unreachable: `serve` tries start again); 503 on the path until then."""

    name = CHANNEL

    def __init__(self, engine: Engine, counts: Counts | None, settings: SlackSettings,
                 clock: Callable[[], dt.datetime] = now):  # fmt: skip
        self.engine, self.counts, self.settings, self.clock = engine, counts, settings, clock
        self.app: AsyncApp | None = None
        self._events: Callable[[web.Request], Awaitable[web.Response]] | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        if self._session is None:
            self._session = web_api_session()  # the Web API calls' kept-alive connections
        client = make_client(self.settings, self._session)
        await check_token(client)
        self.app = build_app(self.engine, self.counts, self.settings, client=client, clock=self.clock)
        self._events = events_handler(self.app)

    def routes(self, app: web.Application) -> None:
        app.router.add_post(EVENTS_PATH, self.events)

    async def events(self, request: web.Request) -> web.Response:
        if self._events is None:
            return web.Response(status=503, text="starting")
        return await self._events(request)

    async def stop(self) -> None:
        bolt, self.app, self._events = self.app, None, None
        if bolt is not None:
            await settle(bolt, SHUTDOWN_TIMEOUT_S)  # the answers already under way
        session, self._session = self._session, None
        if session is not None:
            await session.close()


webhook_channel = SlackChannel
