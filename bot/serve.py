"""`referral-bot serve`: one aiohttp web server for every channel that needs a webhook.

A platform with one public HTTPS port (the Procfile's `web`) runs this one process:

    POST /telegram/webhook   Telegram updates; the X-Telegram-Bot-Api-Secret-Token header must equal
                             TELEGRAM_WEBHOOK_SECRET (else 403). Each update goes to the
                             python-telegram-bot Application of bot/channels/telegram.py, initialized
                             and started here without its own updater (no polling, no tornado).
    POST /slack/events       Slack events, commands and buttons, through slack.py's own aiohttp
                             handler into Bolt, which checks the signature (else 401).
    POST /line/webhook       LINE webhook events (bot/channels/line.py; X-Line-Signature, else 401).
    GET  /, POST /           the web page for clinicians (bot/channels/web.py): on unless WEB_CHAT=off.
    GET  /healthz            {"status", "version", "knowledge": {"checked_on", "hash"}, "channels",
                             "counts": {"enabled", "ok", "dropped"}}: never a count, never an id.

Which channels: the web page (unless WEB_CHAT=off), and those whose webhook settings are present. Telegram when TELEGRAM_WEBHOOK_SECRET is
set (TELEGRAM_BOT_TOKEN then required; a token alone is the long-polling `worker`, not served here),
Slack when SLACK_SIGNING_SECRET is set (SLACK_BOT_TOKEN then required; Socket Mode needs no web
server), LINE when LINE_CHANNEL_SECRET or LINE_CHANNEL_ACCESS_TOKEN is set (both then required). A
channel that is not configured answers 404 on its path. No channel at all, or a setting that is
missing or malformed: one line on stderr and exit 2, before anything listens. Tokens are checked
at start-up (Telegram getMe, Slack auth.test, LINE /v2/bot/info), so a revoked one is a clear error
rather than a silent bot. Only the configured channels' libraries are imported.

Optional: TELEGRAM_WEBHOOK_URL (the public URL of /telegram/webhook: registered with setWebhook at
start-up; without it, register the webhook yourself), TELEGRAM_BASE_URL, SLACK_API_URL,
SLACK_COMMAND, LINE_API_URL, DEFAULT_PREFECTURE (Slack and LINE), WEB_CHAT, WEB_FRAME_ANCESTORS and
TRUST_PROXY (the web page: bot/channels/web.py), HOST (default 0.0.0.0), PORT
(default 8080; --port wins), REFERRAL_DB, LOG_LEVEL.

SIGTERM or SIGINT: stop listening, let requests in progress finish, answer the events already
accepted (LINE's tasks, Telegram's update queue), close the clients, exit 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiohttp import web

from bot import __version__
from bot.channels.common import stop_on_signals
from bot.knowledge import Knowledge
from bot.logs import register_secret, setup_logging

if TYPE_CHECKING:
    from bot.channels import line as line_mod
    from bot.channels import slack as slack_mod
    from bot.channels import telegram as telegram_mod
    from bot.channels import web as web_mod
    from bot.channels.common import Counts
    from bot.engine import Engine

log = logging.getLogger(__name__)

DEFAULT_PORT = 8080
TELEGRAM_PATH = "/telegram/webhook"
SLACK_PATH = "/slack/events"  # slack.EVENTS_PATH
LINE_PATH = "/line/webhook"  # line.WEBHOOK_PATH
HEALTH_PATH = "/healthz"
TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_TELEGRAM_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what setWebhook accepts as secret_token
SHUTDOWN_TIMEOUT_S = 10.0  # for requests still in progress when the server stops
NO_CHANNEL = (
    "no channel to serve (WEB_CHAT=off): set LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN, "
    "SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN, or TELEGRAM_WEBHOOK_SECRET and TELEGRAM_BOT_TOKEN"
)


class SettingsError(ValueError):
    """A missing or malformed setting, or a token the platform refused: one line, exit code 2."""


# ---------------------------------------------------------------------------- settings
def wanted(env: Mapping[str, str]) -> list[str]:
    """The channels the environment asks for (cheap: imports nothing)."""
    has = {name for name, value in env.items() if value.strip()}
    out = []
    if "LINE_CHANNEL_SECRET" in has or "LINE_CHANNEL_ACCESS_TOKEN" in has:
        out.append("line")
    if "SLACK_SIGNING_SECRET" in has:
        out.append("slack")
    if "TELEGRAM_WEBHOOK_SECRET" in has:
        out.append("telegram")
    if env.get("WEB_CHAT", "").strip().lower() not in ("off", "0", "false", "no"):  # web.enabled
        out.append("web")
    return out


def port_from(flag: int | None, env: Mapping[str, str]) -> int:
    """--port, else $PORT, else DEFAULT_PORT (0: any free port)."""
    if flag is not None:
        port = flag
    else:
        value = env.get("PORT", "").strip()
        if value and not value.isdigit():
            raise SettingsError(f"PORT must be a number, not {value!r}")
        port = int(value) if value else DEFAULT_PORT
    if not 0 <= port < 65536:
        raise SettingsError(f"port out of range: {port}")
    return port


@dataclass(frozen=True)
class Config:
    telegram: telegram_mod.Settings | None = None
    slack: slack_mod.Settings | None = None
    line: line_mod.Settings | None = None
    web: web_mod.Settings | None = None
    host: str = "0.0.0.0"
    port: int = DEFAULT_PORT

    @property
    def channels(self) -> list[str]:
        return [n for n in ("line", "slack", "telegram", "web") if getattr(self, n) is not None]


def config_from_env(env: Mapping[str, str], engine: Engine, *, port: int | None = None) -> Config:
    """Every served channel's settings, validated; SettingsError names the first problem."""
    channels = wanted(env)
    if not channels:
        raise SettingsError(NO_CHANNEL)
    config = Config(host=env.get("HOST", "").strip() or "0.0.0.0", port=port_from(port, env))
    default = None
    if env.get("DEFAULT_PREFECTURE", "").strip() and ("slack" in channels or "line" in channels):
        from bot.channels.slack import SettingsError as SlackError
        from bot.channels.slack import resolve_prefecture

        try:
            default = resolve_prefecture(engine, env.get("DEFAULT_PREFECTURE"))
        except SlackError as e:
            raise SettingsError(str(e)) from None
    if "telegram" in channels:
        config = replace(config, telegram=_telegram_settings(env))
    if "slack" in channels:
        from bot.channels import slack

        try:
            settings = slack.settings_from_env(env, http=True)
        except slack.SettingsError as e:
            raise SettingsError(str(e)) from None
        config = replace(config, slack=replace(settings, default_prefecture=default))
    if "line" in channels:
        from bot.channels import line

        try:
            settings = line.settings_from_env(env)
        except line.SettingsError as e:
            raise SettingsError(str(e)) from None
        config = replace(config, line=replace(settings, default_prefecture=default))
    if "web" in channels:
        from bot.channels import web as web_channel  # (`web` here is aiohttp's)

        try:
            config = replace(config, web=web_channel.settings_from_env(env))
        except web_channel.SettingsError as e:
            raise SettingsError(str(e)) from None
    return config


def _telegram_settings(env: Mapping[str, str]) -> telegram_mod.Settings:
    from bot.channels import telegram

    try:
        settings = telegram.Settings.from_env(env)  # the token and TELEGRAM_BASE_URL
    except telegram.SettingsError as e:
        raise SettingsError(str(e)) from None
    secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip()
    if not _TELEGRAM_SECRET.match(secret):
        raise SettingsError("TELEGRAM_WEBHOOK_SECRET is malformed (1-256 of A-Z a-z 0-9 _ -)")
    url = env.get("TELEGRAM_WEBHOOK_URL", "").strip() or None
    if url is not None:
        parts = urlsplit(url)
        if not parts.hostname or not (
            parts.scheme == "https" or (parts.scheme == "http" and settings.base_url)
        ):
            raise SettingsError(f"TELEGRAM_WEBHOOK_URL must be the public https:// URL of {TELEGRAM_PATH}")
    return replace(settings, webhook_secret=secret, webhook_url=url)


def knowledge_version(kb: Knowledge) -> dict[str, str]:
    """The date the facts were checked, and a short hash of the knowledge files' names and bytes."""
    digest = hashlib.sha256()
    for path in sorted(p for p in kb.directory.iterdir() if p.is_file() and not p.name.startswith(".")):
        digest.update(path.name.encode("utf-8") + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return {"checked_on": kb.checked_on.isoformat(), "hash": digest.hexdigest()[:12]}


# ---------------------------------------------------------------------------- the server
class Server:
    """The web process: start() brings every configured channel up and listens; stop() ends it."""

    def __init__(self, config: Config, engine: Engine, counts: Counts | None):
        self.config = config
        self.engine = engine
        self.counts = counts
        self.knowledge = knowledge_version(engine.kb)
        self.telegram: Any = None  # telegram.ext.Application
        self.slack: Any = None  # slack_bolt.async_app.AsyncApp
        self._slack_session: Any = None  # aiohttp.ClientSession of its Web API client
        self.line: line_mod.LineBot | None = None
        self._runner: web.AppRunner | None = None

    @property
    def port(self) -> int:
        assert self._runner is not None
        return self._runner.addresses[0][1]

    @property
    def url(self) -> str:
        host = self.config.host if self.config.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
        return f"http://{host}:{self.port}"

    async def start(self) -> Server:
        app = web.Application()
        app.router.add_get(HEALTH_PATH, self.health)
        try:
            if self.config.telegram is not None:
                await self._start_telegram(app, self.config.telegram)
            if self.config.slack is not None:
                await self._start_slack(app, self.config.slack)
            if self.config.line is not None:
                await self._start_line(app, self.config.line)
            if self.config.web is not None:
                from bot.channels import web as web_channel

                web_channel.webhook_channel(self.engine, self.counts, self.config.web).routes(app)
            self._runner = web.AppRunner(
                app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_TIMEOUT_S
            )
            await self._runner.setup()
            await web.TCPSite(self._runner, self.config.host, self.config.port).start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def stop(self) -> None:
        """Stop listening (requests in progress finish), then answer what was accepted, then close."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        bot, self.line = self.line, None
        if bot is not None:
            await bot.close()
        app, self.telegram = self.telegram, None
        if app is not None:
            with contextlib.suppress(Exception):
                if app.running:
                    await app.stop()  # handles the updates already queued first
                await app.shutdown()
        bolt, self.slack = self.slack, None
        if bolt is not None:
            from bot.channels import slack

            await slack.settle(bolt, SHUTDOWN_TIMEOUT_S)  # the answers already under way
        session, self._slack_session = self._slack_session, None
        if session is not None:
            await session.close()

    # -------------------------------------------------------------- channels
    async def _start_telegram(self, web_app: web.Application, settings: telegram_mod.Settings) -> None:
        from telegram import Update
        from telegram.error import InvalidToken, TelegramError
        from telegram.ext import ExtBot

        from bot.channels import telegram

        application = telegram.build_application(self.engine, self.counts, settings)
        try:
            await application.initialize()  # getMe: checks the token
        except InvalidToken:
            await telegram.close_requests(application)
            raise SettingsError(
                "Telegram refused TELEGRAM_BOT_TOKEN (revoked, or from another bot?)"
            ) from None
        except TelegramError as e:
            await telegram.close_requests(application)
            raise SettingsError(f"cannot reach the Telegram Bot API ({type(e).__name__})") from None
        self.telegram = application
        if application.post_init:
            await application.post_init(application)  # setMyCommands, as run_webhook would
        if settings.webhook_url:
            kwargs = telegram.webhook_kwargs(settings)
            try:
                await application.bot.set_webhook(
                    url=settings.webhook_url,
                    secret_token=settings.webhook_secret,
                    allowed_updates=kwargs["allowed_updates"],
                    drop_pending_updates=False,
                )
            except TelegramError as e:
                raise SettingsError(f"Telegram refused TELEGRAM_WEBHOOK_URL ({type(e).__name__})") from None
        await application.start()  # the update queue's consumer; no updater: updates come from below
        secret = (settings.webhook_secret or "").encode("utf-8")

        async def webhook(request: web.Request) -> web.Response:
            given = request.headers.get(TELEGRAM_SECRET_HEADER, "").encode("utf-8", "replace")
            if not secret or not hmac.compare_digest(given, secret):
                log.warning("telegram: rejected a webhook request without the right secret token")
                return web.Response(status=403, text="forbidden")
            try:
                data = json.loads(await request.read())
                update = Update.de_json(data, application.bot) if isinstance(data, dict) else None
            except Exception as e:  # never log the data or the message: they quote the update
                log.warning("telegram: rejected an unreadable update (%s)", type(e).__name__)
                update = None
            if update is None:
                return web.Response(status=400, text="bad request")
            if isinstance(application.bot, ExtBot):
                application.bot.insert_callback_data(update)
            await application.update_queue.put(update)
            return web.Response(text="OK")

        web_app.router.add_post(TELEGRAM_PATH, webhook)

    async def _start_slack(self, web_app: web.Application, settings: slack_mod.Settings) -> None:
        from bot.channels import slack

        self._slack_session = slack.web_api_session()  # the Web API calls' kept-alive connections
        client = slack.make_client(settings, self._slack_session)
        try:
            await slack.check_token(client)
        except slack.SettingsError as e:
            raise SettingsError(str(e)) from None
        self.slack = slack.build_app(self.engine, self.counts, settings, client=client)
        web_app.router.add_post(SLACK_PATH, slack.events_handler(self.slack))

    async def _start_line(self, web_app: web.Application, settings: line_mod.Settings) -> None:
        from bot.channels import line

        bot = line.LineBot(self.engine, self.counts, settings)
        self.line = bot
        await bot.start()
        try:
            await bot.check_token()
        except line.SettingsError as e:
            raise SettingsError(str(e)) from None
        bot.add_routes(web_app)

    # -------------------------------------------------------------- health
    async def health(self, _: web.Request) -> web.Response:
        counts = await asyncio.to_thread(self._counts_health)
        body = {
            "status": "ok",
            "version": __version__,
            "knowledge": self.knowledge,
            "channels": self.config.channels,
            "counts": counts,
        }
        return web.json_response(body)

    def _counts_health(self) -> dict[str, Any]:
        if self.counts is None:
            return {"enabled": False, "ok": True, "dropped": 0}
        check = getattr(self.counts, "health", None)
        h = check() if callable(check) else {"ok": True, "dropped": getattr(self.counts, "dropped", 0)}
        return {"enabled": True, "ok": bool(h.get("ok")), "dropped": int(h.get("dropped") or 0)}


async def serve(config: Config, engine: Engine, counts: Counts | None) -> None:
    """Run until SIGTERM or SIGINT."""
    server = await Server(config, engine, counts).start()
    stop = stop_on_signals()
    log.info("serve: listening on port %d for %s", server.port, ", ".join(config.channels))
    try:
        await stop.wait()
        log.info("serve: stopping")
    finally:
        await server.stop()
    log.info("serve: stopped")


# ---------------------------------------------------------------------------- the command
def main(args: Any) -> int:
    """`referral-bot serve [--port N] [--no-count]`. Settings problems: CliError (exit 2)."""
    from bot.cli import CliError, _counts, _engine

    env = os.environ
    try:
        port = port_from(getattr(args, "port", None), env)
        if not wanted(env):
            raise SettingsError(NO_CHANNEL)
    except SettingsError as e:
        raise CliError(str(e)) from None
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET",
                 "SLACK_APP_TOKEN", "LINE_CHANNEL_ACCESS_TOKEN", "LINE_CHANNEL_SECRET"):  # fmt: skip
        register_secret(env.get(name, "").strip() or None)
    engine = _engine()
    try:
        config = config_from_env(env, engine, port=port)
    except SettingsError as e:
        raise CliError(str(e)) from None
    setup_logging()
    counts = _counts(args, background=True)
    try:
        asyncio.run(serve(config, engine, counts))
    except SettingsError as e:  # a token refused, an API unreachable: before anything listened
        raise CliError(str(e)) from None
    except OSError as e:  # the port is taken, or not ours to bind
        raise CliError(f"cannot listen on {config.host}:{config.port} ({type(e).__name__})") from None
    finally:
        close = getattr(counts, "close", None)
        if callable(close):
            close()  # after the server stopped: writes the counts still queued
    return 0
