"""The Slack app as HTTP mode runs it (slack.start_http), on 127.0.0.1 and a free port, against the
local fake Web API (tests/fakes/slack_api.py). Its event loop runs in a thread of its own, so the tests
are plain functions."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bot.channels import slack
from bot.channels.health import Health
from bot.settings import SlackSettings
from tests.fakes.slack_api import BOT_USER_ID, TEAM_ID, WAIT_S, FakeSlack, signed_headers

CHANNEL = "C0WARD0042"
USER = "U0NURSE042"


class Loop:
    """An event loop in a thread of its own, for the app under test (the tests themselves are
    plain functions that post requests and read the fake)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(WAIT_S)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(WAIT_S)
        self.loop.close()


async def _session() -> aiohttp.ClientSession:
    return slack.web_api_session()


class SlackHarness:
    """The Slack app as HTTP mode runs it (slack.start_http), on 127.0.0.1 and a free port."""

    @classmethod
    def start(cls, fake: FakeSlack, engine: Any, counts: Any, settings: SlackSettings, *,
              clock: Callable[[], dt.datetime]) -> SlackHarness:  # fmt: skip
        return cls(fake, engine, counts, settings, clock)

    def __init__(self, fake: FakeSlack, engine, counts, settings: SlackSettings, clock):
        self.fake = fake
        self._loop = Loop()
        self.session = self._loop.run(_session())  # as `slack.run` and `serve` give the client one
        self.client = slack.make_client(replace(settings, api_url=fake.url), self.session)
        self.app = slack.build_app(engine, counts, settings, client=self.client, clock=clock)
        self.health = Health(engine.kb, counts, [slack.CHANNEL], clock=clock)  # as `slack.run` gives it
        self.runner = self._loop.run(slack.start_http(self.app, host="127.0.0.1", port=0, health=self.health))
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}{slack.EVENTS_PATH}"

    def stop(self) -> None:
        self._loop.run(self.runner.cleanup())
        assert self._loop.run(slack.settle(self.app, WAIT_S)), "an answer did not finish"
        self._loop.run(self.session.close())
        self._loop.close()

    def post(self, body: str, headers: dict[str, str]) -> tuple[int, str]:
        request = urllib.request.Request(self.url, data=body.encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=WAIT_S) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def send(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        timestamp: int | None = None,
        extra: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        headers = signed_headers(body, timestamp=timestamp, content_type=content_type) | (extra or {})
        return self.post(body, headers)

    def command(self, text: str, *, key: str = "cmd", **fields: str) -> tuple[int, str]:
        form = {
            "token": "unused",
            "team_id": TEAM_ID,
            "channel_id": CHANNEL,
            "user_id": USER,
            "command": "/referral",
            "text": text,
            "response_url": self.fake.response_url(key),
            "trigger_id": "1111.2222.trigger",
        } | fields
        return self.send(urlencode(form))

    def event(
        self, event: dict[str, Any], *, event_id: str = "Ev0000000001", retry: int | None = None
    ) -> tuple[int, str]:
        body = json.dumps(event_body(event, event_id))
        extra = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return self.send(body, content_type="application/json", extra=extra)

    def press(self, button: dict[str, Any], *, key: str = "act", ephemeral: bool = True) -> tuple[int, str]:
        payload = {
            "type": "block_actions",
            "user": {"id": USER, "team_id": TEAM_ID},
            "api_app_id": "A0TESTAPP",
            "team": {"id": TEAM_ID},
            "channel": {"id": CHANNEL},
            "container": {
                "type": "message",
                "message_ts": "1700000000.000001",
                "channel_id": CHANNEL,
                "is_ephemeral": ephemeral,
            },
            "trigger_id": "1111.2222.trigger",
            "response_url": self.fake.response_url(key),
            "actions": [{"type": "button", "block_id": "b1", "action_ts": "1700000001.0", **button}],
        }
        return self.send(urlencode({"payload": json.dumps(payload)}))

    def settle(self) -> None:
        assert self._loop.run(slack.settle(self.app, WAIT_S)), "an answer did not finish"



def event_body(event: dict[str, Any], event_id: str) -> dict[str, Any]:
    return {
        "token": "unused",
        "team_id": TEAM_ID,
        "api_app_id": "A0TESTAPP",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1700000000,
        "event": event,
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
    }
