"""What `serve` needs of a channel it hosts: a name, its HTTP routes, start and stop.

A channel module offers `webhook_channel(engine, counts, settings, clock) -> Channel`; bot/serve.py
lists the modules by name and imports only the configured ones. An HTTP-only channel with no
platform (no token to check) has `settings=None` and a `start` that does nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from aiohttp import web

    from bot.counts import Counts
    from bot.engine import Engine

Clock = Callable[[], dt.datetime]


class Channel(Protocol):
    name: str  # as counted and listed in /healthz: "line", "slack", "telegram"

    async def start(self) -> None:
        """Open clients and check tokens; SettingsError (one line, exit 2) if the platform refuses,
        common.Unreachable if it cannot be reached (serve calls start again, with backoff)."""

    def routes(self, app: web.Application) -> None:
        """Add the channel's HTTP routes (its webhook path) to the server's application."""

    async def stop(self) -> None:
        """Answer what was accepted, then close the clients. Safe after a failed start."""


class ChannelFactory(Protocol):
    def __call__(self, engine: Engine, counts: Counts | None, settings: Any, clock: Clock) -> Channel: ...
