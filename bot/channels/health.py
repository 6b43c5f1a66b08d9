"""GET /healthz, one handler for every HTTP mode (`serve`, `slack --http`).

JSON: {"status": "ok" | "degraded" | "unavailable", "version", "knowledge": {"checked_on", "hash",
"stale"}, "channels", "counts": {"enabled", "ok", "dropped"}, "deliveries": {...}, "waiting": [channel names]}. Never a secret,
never a count of referrals, never a path or an error text. HTTP 200 while the process answers
(degraded: counts are not being written, the shared delivery ids are out of reach, the knowledge
was checked longer ago than facts.STALE_DAYS, or a channel is still "waiting" for its platform), 503 when it cannot answer at all (no channel).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot import __version__
from bot.channels.common import now
from bot.facts import STALE_DAYS, stale

if TYPE_CHECKING:
    from bot.counts import Counts
    from bot.counts.postgres import DeliveryClaims
    from bot.knowledge import Knowledge

PATH = "/healthz"


def knowledge_version(kb: Knowledge) -> dict[str, str]:
    """The date the facts were checked, and a short hash of the knowledge files' names and bytes."""
    digest = hashlib.sha256()
    for path in sorted(p for p in kb.directory.iterdir() if p.is_file() and not p.name.startswith(".")):
        digest.update(path.name.encode("utf-8") + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return {"checked_on": kb.checked_on.isoformat(), "hash": digest.hexdigest()[:12]}


class Health:
    """The process's health, from what it runs with; `handler` is the aiohttp GET handler."""

    def __init__(self, kb: Knowledge, counts: Counts | None, channels: list[str], *,
                 claims: DeliveryClaims | None = None, clock: Callable[[], dt.datetime] = now):  # fmt: skip
        self.checked_on = kb.checked_on
        self.knowledge = knowledge_version(kb)
        self.counts, self.channels, self.claims, self.clock = counts, list(channels), claims, clock
        self.waiting: Collection[str] = ()  # channels still waiting for their platform (serve)

    async def body(self) -> dict[str, Any]:
        counts = await asyncio.to_thread(self._counts)
        deliveries = self._deliveries()
        waiting = sorted(self.waiting)
        is_stale = stale(self.checked_on, self.clock().date(), STALE_DAYS) is not None
        if not self.channels:
            status = "unavailable"
        elif counts["ok"] and deliveries["ok"] and not is_stale and not waiting:
            status = "ok"
        else:
            status = "degraded"  # answers flow either way
        return {
            "status": status,
            "version": __version__,
            "knowledge": {**self.knowledge, "stale": is_stale},
            "channels": self.channels,
            "counts": counts,
            "deliveries": deliveries,
            "waiting": waiting,
        }

    async def handler(self, _: web.Request) -> web.Response:
        body = await self.body()
        return web.json_response(body, status=503 if body["status"] == "unavailable" else 200)

    def _deliveries(self) -> dict[str, Any]:
        if self.claims is None:
            return {"shared": False, "ok": True}
        h = self.claims.health()
        return {"shared": True, "ok": bool(h.get("ok")), "fallbacks": int(h.get("fallbacks") or 0)}

    def _counts(self) -> dict[str, Any]:
        if self.counts is None:
            return {"enabled": False, "ok": True, "dropped": 0}
        try:
            h = self.counts.health()
        except Exception:  # a health check must answer even when the store cannot
            return {"enabled": True, "ok": False, "dropped": 0}
        return {"enabled": True, "ok": bool(h.get("ok")), "dropped": int(h.get("dropped") or 0)}
