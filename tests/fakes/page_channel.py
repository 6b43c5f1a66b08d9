"""A channel with no platform and no settings, served by `serve` at GET / (the shape of a browser
page channel): proves the registry and bot/channels/base.py fit an HTTP-only channel."""

from __future__ import annotations

from aiohttp import web

from bot.channels.common import answer_message


class PageChannel:
    name = "page"

    def __init__(self, engine, counts, settings, clock):
        assert settings is None  # nothing to configure
        self.engine, self.counts, self.clock = engine, counts, clock
        self.started = self.stopped = False

    async def start(self) -> None:
        self.started = True  # no token to check

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/", self.page)

    async def page(self, request: web.Request) -> web.Response:
        reply = answer_message(self.engine, None, request.query.get("q", ""), channel="other", at=self.clock())
        return web.Response(text=reply.text)

    async def stop(self) -> None:
        self.stopped = True


webhook_channel = PageChannel
