"""The Telegram application as `referral-bot telegram` runs it (long polling), against the local fake
Bot API (tests/fakes/telegram_api.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.channels.telegram import build_application, polling_kwargs
from bot.settings import TelegramSettings
from tests.fakes.telegram_api import Call, FakeBotAPI


@dataclass
class TelegramHarness:
    app: Any
    api: FakeBotAPI
    counts: Any

    @classmethod
    async def start(cls, api: FakeBotAPI, engine: Any, counts: Any, settings: TelegramSettings) -> TelegramHarness:
        app = build_application(engine, counts, settings)
        await app.initialize()
        await app.post_init(app)  # what run_polling does first: setMyCommands
        await app.updater.start_polling(**polling_kwargs())
        await app.start()
        return cls(app, api, counts)

    async def stop(self) -> None:
        """Stop fetching, then let python-telegram-bot finish every update it already has: after
        this, the fake's record of calls is complete (for "nothing else was sent")."""
        if self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()

    async def send(self, update: dict[str, Any], method: str = "sendMessage") -> Call:
        before = len(self.api.answered(method))
        self.api.feed(update)
        return (await self.api.wait_for(method, before + 1))[-1]
