"""The LINE adapter's webhook on 127.0.0.1 and a free port, as `referral-bot serve` mounts it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web

from bot.channels import line
from bot.settings import LineSettings
from tests.fakes.line_api import Call, FakeLine, signed_headers, webhook_body


class LineHarness:
    """The adapter's webhook on 127.0.0.1 and a free port, as `referral-bot serve` mounts it."""

    @classmethod
    async def start(cls, fake: FakeLine, engine: Any, counts: Any, settings: LineSettings, *,
                    clock: Callable[[], dt.datetime]) -> LineHarness:  # fmt: skip
        adapter = await line.LineBot(engine, counts, settings, clock=clock).start()
        app = web.Application()
        adapter.add_routes(app)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        return cls(fake, adapter, runner, aiohttp.ClientSession(trust_env=False))

    async def stop(self) -> None:
        await self.runner.cleanup()
        await self.adapter.close()
        await self.session.close()

    def __init__(
        self, fake: FakeLine, adapter: line.LineBot, runner: web.AppRunner, session: aiohttp.ClientSession
    ):
        self.fake = fake
        self.adapter = adapter
        self.runner = runner
        self.session = session
        self.url = f"http://127.0.0.1:{runner.addresses[0][1]}{line.WEBHOOK_PATH}"

    async def post(self, body: str | bytes, headers: dict[str, str]) -> tuple[int, str]:
        data = body.encode("utf-8") if isinstance(body, str) else body
        async with self.session.post(self.url, data=data, headers=headers) as r:
            return r.status, await r.text()

    async def send(self, *events: dict[str, Any]) -> int:
        """POST the events signed as LINE does, then wait until they are answered and counted."""
        body = webhook_body(*events)
        status, _ = await self.post(body, signed_headers(body))
        await self.adapter.drain()
        return status

    async def answer(self, event: dict[str, Any]) -> Call:
        """Send one event; the one reply it got."""
        before = len(self.fake.replies())
        assert await self.send(event) == 200
        replies = self.fake.replies()
        assert len(replies) == before + 1, [c.status for c in self.fake.calls()]
        return replies[-1]
