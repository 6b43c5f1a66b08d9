"""`referral-bot serve`: one aiohttp web server for the web page and every configured webhook
channel, plus /healthz.

Which channels: the web page at GET and POST / (bot/channels/web.py) unless WEB_CHAT=off, and those
whose settings are present (bot/settings.py, `wanted`); each is a module of bot/channels named in
CHANNELS and imported only when configured, so a LINE-only process never loads the Slack or
Telegram libraries. A channel that is not configured answers 404 on its path.
Settings problems and refused tokens: one line on stderr and exit 2 (before anything listens, when
the platform answers at once). A platform out of reach at start does not stop the others: serve
listens, /healthz says "degraded" and names the channel "waiting", its path answers 503, and its
start is tried again after 1, 2, 4 ... 60 s, one line a try (common.until_reached).
SIGTERM or SIGINT: stop listening, answer what was accepted, close the clients, exit 0.
With DATABASE_URL, several instances share the counts and the delivery ids (a redelivery reaching
another instance is answered once); /healthz says "degraded" while the database cannot be reached.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from typing import TYPE_CHECKING

from aiohttp import web

from bot import settings as settings_mod
from bot import wiring
from bot.channels.common import Unreachable, share_delivery_ids, stop_on_signals, until_reached
from bot.channels.health import Health, knowledge_version  # noqa: F401  (knowledge_version: re-exported)
from bot.logs import register_secret, setup_logging
from bot.settings import ServeSettings, SettingsError

if TYPE_CHECKING:
    from bot.channels.base import Channel
    from bot.counts import Counts
    from bot.counts.postgres import DeliveryClaims
    from bot.engine import Engine

log = logging.getLogger(__name__)

# The registry: channel name -> its module, which offers webhook_channel(engine, counts, settings, clock).
# Adding a channel is one module and one line here (and its settings in bot/settings.py, if any).
CHANNELS = {
    "line": "bot.channels.line",
    "slack": "bot.channels.slack",
    "telegram": "bot.channels.telegram",
    "web": "bot.channels.web",
}
TELEGRAM_PATH = "/telegram/webhook"  # telegram.WEBHOOK_PATH
SLACK_PATH = "/slack/events"  # slack.EVENTS_PATH
LINE_PATH = "/line/webhook"  # line.WEBHOOK_PATH
HEALTH_PATH = "/healthz"
TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SHUTDOWN_TIMEOUT_S = 10.0  # for requests still in progress when the server stops

class Server:
    """The web process: start() brings every configured channel up and listens; stop() ends it."""

    def __init__(self, config: ServeSettings, engine: Engine, counts: Counts | None, clock=wiring.clock,
                 *, claims: DeliveryClaims | None = None):  # fmt: skip
        self.config = config
        self.engine = engine
        self.counts = counts
        self.claims = claims  # the delivery ids shared by every instance (DATABASE_URL), or None
        self.clock = clock
        self._health = Health(engine.kb, counts, config.channels, claims=claims, clock=clock)
        self.knowledge = self._health.knowledge
        self.channels: dict[str, Channel] = {}
        self._runner: web.AppRunner | None = None
        self.waiting: dict[str, asyncio.Task[None]] = {}  # channels whose platform is out of reach
        self._paths: dict[object, str] = {}  # a channel's route resources -> its name
        self.failed: SettingsError | None = None  # a token refused after a wait: exit 2
        self._stop = asyncio.Event()
        self._health.waiting = self.waiting

    @property
    def port(self) -> int:
        assert self._runner is not None
        return self._runner.addresses[0][1]

    @property
    def url(self) -> str:
        host = self.config.host if self.config.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
        return f"http://{host}:{self.port}"

    async def start(self, stop: asyncio.Event | None = None) -> Server:
        """Start every channel once: a refused token raises SettingsError; a platform out of reach
        is tried again in the background (until `stop`) while the others are served."""
        self._stop = stop or self._stop
        app = web.Application(middlewares=[self._gate])
        app.router.add_get(HEALTH_PATH, self.health)
        try:
            for name, channel_settings in self.config.served.items():
                module = importlib.import_module(CHANNELS[name])  # only the configured ones
                channel = module.webhook_channel(self.engine, self.counts, channel_settings, self.clock)
                self.channels[name] = channel
                try:
                    await channel.start()
                except Unreachable as e:
                    self.waiting[name] = asyncio.create_task(self._reach(name, channel, e))
                before = set(app.router.resources())
                channel.routes(app)
                self._paths.update(dict.fromkeys(set(app.router.resources()) - before, name))
            self._runner = web.AppRunner(
                app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_TIMEOUT_S
            )
            await self._runner.setup()
            await web.TCPSite(self._runner, self.config.host, self.config.port).start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def _reach(self, name: str, channel: Channel, failed: Unreachable) -> None:
        """A channel's start, tried again until its platform answers or the process stops; a token
        refused meanwhile stops the process (exit 2)."""
        try:
            if await until_reached(channel.start, self._stop, name, failed=failed, logger=log):
                log.info("serve: %s is up", name)
        except SettingsError as e:
            self.failed = e
            self._stop.set()
        finally:
            self.waiting.pop(name, None)

    @web.middleware
    async def _gate(self, request: web.Request, handler):
        """503 on the path of a channel still waiting for its platform."""
        name = self._paths.get(request.match_info.route.resource)
        if name is not None and name in self.waiting:
            return web.Response(status=503, text="starting")
        return await handler(request)

    async def stop(self) -> None:
        """Stop listening (requests in progress finish), then answer what was accepted, then close."""
        waiting, self.waiting = list(self.waiting.values()), {}
        self._health.waiting = self.waiting
        for task in waiting:
            task.cancel()
        for task in waiting:
            with contextlib.suppress(BaseException):
                await task
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        channels, self.channels = self.channels, {}
        for channel in channels.values():
            await channel.stop()

    async def health(self, request: web.Request) -> web.Response:
        return await self._health.handler(request)


async def serve(config: ServeSettings, engine: Engine, counts: Counts | None,
                claims: DeliveryClaims | None = None) -> None:  # fmt: skip
    """Run until SIGTERM or SIGINT (or a token refused after a wait: SettingsError once stopped)."""
    stop = stop_on_signals()
    server = await Server(config, engine, counts, claims=claims).start(stop)
    log.info("serve: listening on port %d for %s", server.port, ", ".join(config.channels))
    try:
        await stop.wait()
        log.info("serve: stopping")
    finally:
        await server.stop()
    log.info("serve: stopped")
    if server.failed is not None:
        raise server.failed


def main(*, port: int | None = None, count: bool = True) -> None:
    """`referral-bot serve [--port N] [--no-count]`; SettingsError (exit 2) before anything listens."""
    settings_mod.listen_port(port, default=settings_mod.SERVE_PORT, allow_any=True)
    if not settings_mod.wanted():
        raise SettingsError(settings_mod.NO_CHANNEL)
    for value in settings_mod.secrets():
        register_secret(value)
    engine = wiring.engine()
    config = wiring.serve_settings(engine, port_flag=port)
    setup_logging(settings_mod.log_level())
    counts = wiring.counts(enabled=count, background=True)
    claims = wiring.delivery_claims()
    share_delivery_ids(claims)  # the channels made from now on claim their delivery ids there
    try:
        asyncio.run(serve(config, engine, counts, claims))
    except OSError as e:  # the port is taken, or not ours to bind
        raise SettingsError(f"cannot listen on {config.host}:{config.port} ({type(e).__name__})") from None
    finally:
        if counts is not None:
            counts.close()  # after the server stopped: writes the counts still queued
        if claims is not None:
            claims.close()
