"""A loopback aiohttp server on its own thread and event loop, for fakes of platform APIs that the
bot under test calls from its own threads or loop. Bound to 127.0.0.1 port 0 (the OS picks a free
port); `port` is known once `start()` returns."""

from __future__ import annotations

import asyncio
import threading
from typing import Self

from aiohttp import web

WAIT_S = 10.0  # a safety net for waits, never a measure of speed


class LoopbackServer:
    name = "fake"

    def __init__(self) -> None:
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()

    def routes(self, app: web.Application) -> None:
        """Add the fake's endpoints."""
        raise NotImplementedError

    async def before_stop(self) -> None:
        """Close what the server holds open (e.g. WebSockets) before the loop stops."""

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._serve, name=self.name, daemon=True)
        self._thread.start()
        if not self._started.wait(WAIT_S):
            raise RuntimeError(f"{self.name} did not start")
        return self

    def _serve(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        app = web.Application()
        self.routes(app)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        self.port = runner.addresses[0][1]
        self._started.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(runner.cleanup())
            loop.close()

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self.before_stop(), self._loop).result(WAIT_S)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(WAIT_S)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
