"""Several `referral-bot serve` processes on one PostgreSQL database (DATABASE_URL), as a deployment
behind a load balancer runs them: real processes, a real server the suite starts
(tests/fakes/pg_server.py), the local fakes of LINE, Slack and Telegram. A redelivery that reaches
the other instance is answered and counted once; a database outage never stops an answer."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import psycopg
import pytest

from bot import serve
from bot.counts.postgres import redact
from tests.fakes import line_api, slack_api
from tests.fakes.line_api import FakeLine
from tests.fakes.logs import assert_private
from tests.fakes.slack_api import FakeSlack
from tests.fakes.telegram_api import TOKEN, FakeBotAPI

ROOT = Path(__file__).resolve().parents[1]
YOKOHAMA = "横浜市の病院です。昨夜性被害にあったかもしれない患者さんが来ています"
TELEGRAM_SECRET = "instances-webhook-secret_0123456789"
WAIT_S = 30.0


@pytest.fixture
def line_fake():
    with FakeLine() as f:
        yield f


@pytest.fixture
def slack_fake():
    with FakeSlack() as f:
        yield f


@pytest.fixture
async def telegram_fake():
    fake = await FakeBotAPI().start()
    yield fake
    await fake.close()


@pytest.fixture
async def http():
    async with aiohttp.ClientSession(trust_env=False) as session:
        yield session


class Instance:
    """One `python -m bot serve --port 0` process, its log in a file."""

    def __init__(self, env: dict[str, str], log: Path):
        self.log = log
        with log.open("w") as err:
            self.proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", "0"], cwd=ROOT, env=env,
                                         stderr=err, stdout=subprocess.DEVNULL)  # fmt: skip
        self.base = ""

    async def listening(self) -> Instance:
        deadline = time.monotonic() + WAIT_S
        while not (found := re.search(r"serve: listening on port (\d+)", self.log.read_text())):
            assert self.proc.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, "the server did not start"
            await asyncio.sleep(0.05)
        self.base = f"http://127.0.0.1:{found[1]}"
        return self

    async def logged(self, text: str, count: int = 1) -> None:
        deadline = time.monotonic() + WAIT_S
        while self.log.read_text().count(text) < count:
            assert time.monotonic() < deadline, f"not logged: {text!r}\n{self.log.read_text()}"
            await asyncio.sleep(0.05)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(WAIT_S)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


def environment(pg_url: str, *fakes_env: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_", "LINE_"))}
    env.pop("PORT", None)
    env.pop("REFERRAL_DB", None)
    env |= {"HOST": "127.0.0.1", "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT),
            "DATABASE_URL": pg_url}  # fmt: skip
    for e in fakes_env:
        env |= e
    return env


def line_env(fake: FakeLine) -> dict[str, str]:
    return {"LINE_CHANNEL_ACCESS_TOKEN": line_api.ACCESS_TOKEN, "LINE_CHANNEL_SECRET": line_api.CHANNEL_SECRET,
            "LINE_API_URL": fake.url}  # fmt: skip


def slack_dm(event_id: str) -> str:
    return json.dumps({
        "token": "unused", "team_id": slack_api.TEAM_ID, "api_app_id": "A0TESTAPP", "type": "event_callback",
        "event_id": event_id, "event_time": 1700000000,
        "event": {"type": "message", "channel": "D0DIRECT42", "channel_type": "im", "user": "U0NURSE042",
                  "text": YOKOHAMA, "ts": f"1700000000.{event_id[-6:]}"},
        "authorizations": [{"team_id": slack_api.TEAM_ID, "user_id": slack_api.BOT_USER_ID, "is_bot": True}],
    })  # fmt: skip


async def post(http: aiohttp.ClientSession, url: str, body: str, headers: dict[str, str]) -> int:
    async with http.post(url, data=body.encode("utf-8"), headers=headers) as r:
        await r.read()
        return r.status


async def health(http: aiohttp.ClientSession, instance: Instance) -> dict:
    async with http.get(f"{instance.base}{serve.HEALTH_PATH}") as r:
        assert r.status == 200 and r.content_type == "application/json"
        return await r.json()


def stored(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return dict(conn.execute("SELECT channel, sum(n)::int FROM counts GROUP BY channel").fetchall())


async def skipped_in(instances: tuple[Instance, ...], text: str, count: int) -> bool:
    return sum(i.log.read_text().count(text) for i in instances) >= count


async def wait_until(predicate, what: str, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.1)


# ---------------------------------------------------------------------------- redeliveries across instances
async def test_a_redelivery_reaching_the_other_instance_is_answered_once(
    pg_url, line_fake, slack_fake, telegram_fake, http, tmp_path
):
    env = environment(pg_url, line_env(line_fake), {
        "SLACK_BOT_TOKEN": slack_api.BOT_TOKEN, "SLACK_SIGNING_SECRET": slack_api.SIGNING_SECRET,
        "SLACK_API_URL": slack_fake.url, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "TELEGRAM_BASE_URL": telegram_fake.base_url})  # fmt: skip
    a, b = Instance(env, tmp_path / "a.log"), Instance(env, tmp_path / "b.log")
    try:
        await a.listening()
        await b.listening()
        for rounds, (first, then) in enumerate(((a, b), (b, a)), 1):  # each way round
            # LINE: the same webhook event id, redelivered to the other instance
            event = line_fake.text_event(YOKOHAMA)
            body = line_api.webhook_body(event)
            assert await post(http, f"{first.base}{serve.LINE_PATH}", body, line_api.signed_headers(body)) == 200
            again = line_api.webhook_body(event | {"deliveryContext": {"isRedelivery": True}})
            assert await post(http, f"{then.base}{serve.LINE_PATH}", again, line_api.signed_headers(again)) == 200
            await then.logged("line: skipped a repeated event delivery (marked as a redelivery)")
            # Slack: the same event_id, retried to the other instance
            dm = slack_dm(f"Ev0INSTANCE{len(slack_fake.calls('chat.postMessage')):06d}")
            assert await post(http, f"{first.base}{serve.SLACK_PATH}", dm, slack_api.signed_headers(dm)) == 200
            retry = slack_api.signed_headers(dm) | {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
            assert await post(http, f"{then.base}{serve.SLACK_PATH}", dm, retry) == 200
            await then.logged("slack: skipped a repeated event delivery (retry 1)")
            # Telegram: the same update_id, posted to the other instance
            update = json.dumps(telegram_fake.private_text(YOKOHAMA))
            headers = {"Content-Type": "application/json", serve.TELEGRAM_SECRET_HEADER: TELEGRAM_SECRET}
            assert await post(http, f"{first.base}{serve.TELEGRAM_PATH}", update, headers) == 200
            assert await post(http, f"{then.base}{serve.TELEGRAM_PATH}", update, headers) == 200
            # (Telegram queues an update before handling it: either instance may be the one to skip)
            await wait_until(lambda n=rounds: skipped_in((a, b), "telegram: skipped an update delivered twice", n),
                             "no instance skipped the repeated update")  # fmt: skip
        line_fake.wait_for("reply", 2)
        slack_fake.wait_for("chat.postMessage", 2)
        await telegram_fake.wait_for("sendMessage", 2)
        assert (await health(http, a))["deliveries"] == {"shared": True, "ok": True, "fallbacks": 0}
    finally:
        codes = [a.stop(), b.stop()]
    assert codes == [0, 0]
    assert len(line_fake.replies()) == 2  # two events, each answered once, though each came twice
    assert len(slack_fake.calls("chat.postMessage")) == 2
    assert len(telegram_fake.answered("sendMessage")) == 2
    assert stored(pg_url) == {"line": 2, "slack": 2, "telegram": 2}  # counted once each
    for instance in (a, b):
        text = instance.log.read_text()
        assert f"counts: PostgreSQL at {redact(pg_url)}" in text
        assert_private(text, [YOKOHAMA, "横浜", pg_url.split(":")[2].split("@")[0], line_api.USER_ID, "U0NURSE042"])


# ---------------------------------------------------------------------------- an outage
@pytest.fixture
def own_pg_server():
    """A server of this test's own: it is stopped and started again mid-test."""
    from tests.fakes.pg_server import PostgresServer, Unavailable

    try:
        server = PostgresServer.start()
    except Unavailable as e:
        if os.environ.get("CI") == "true":
            pytest.fail(str(e))
        pytest.skip(str(e))
    yield server
    server.destroy()


async def test_a_database_outage_never_stops_an_answer_and_counting_resumes(own_pg_server, line_fake, http, tmp_path):
    pg_url = own_pg_server.create_database("outage")
    instance = Instance(environment(pg_url, line_env(line_fake)), tmp_path / "serve.log")
    answered = 0

    async def send_line(n: int) -> None:
        nonlocal answered
        for _ in range(n):
            body = line_api.webhook_body(line_fake.text_event(YOKOHAMA))
            assert await post(http, f"{instance.base}{serve.LINE_PATH}", body, line_api.signed_headers(body)) == 200
            answered += 1
            line_fake.wait_for("reply", answered)  # answered, whatever the database does

    async def counted(n: int) -> bool:
        return await asyncio.to_thread(stored, pg_url) == {"line": n}

    try:
        await instance.listening()
        await send_line(3)
        await wait_until(lambda: counted(3), "the first three were not counted")
        assert (await health(http, instance))["status"] == "ok"

        own_pg_server.stop()  # the outage
        await send_line(2)  # answered all the same
        event = line_fake.text_event(YOKOHAMA)  # and a redelivery to this instance is still skipped (memory)
        for body in (line_api.webhook_body(event),
                     line_api.webhook_body(event | {"deliveryContext": {"isRedelivery": True}})):  # fmt: skip
            assert await post(http, f"{instance.base}{serve.LINE_PATH}", body, line_api.signed_headers(body)) == 200
        answered += 1
        line_fake.wait_for("reply", answered)
        await instance.logged("line: skipped a repeated event delivery (marked as a redelivery)")

        async def degraded() -> bool:
            h = await health(http, instance)
            return h["status"] == "degraded" and h["counts"]["dropped"] == 3

        await wait_until(degraded, "the health did not show the outage")
        h = await health(http, instance)
        assert h["counts"] == {"enabled": True, "ok": False, "dropped": 3}
        assert h["deliveries"]["shared"] is True and h["deliveries"]["ok"] is False
        assert h["deliveries"]["fallbacks"] >= 1  # the delivery ids were claimed in memory meanwhile

        own_pg_server.start_again()  # the database is back: counting resumes by itself
        after = 0
        deadline = time.monotonic() + 120
        while (await health(http, instance))["status"] != "ok":
            assert time.monotonic() < deadline, (await health(http, instance), instance.log.read_text())
            await send_line(1)
            after += 1
            await asyncio.sleep(0.5)
        await wait_until(lambda: counted(3 + after), "counting did not resume", timeout=120)
        assert (await health(http, instance))["counts"]["dropped"] == 3
    finally:
        code = instance.stop()
    assert code == 0
    assert len(line_fake.replies()) == answered == 6 + after  # every message answered, once
    assert stored(pg_url) == {"line": 3 + after}  # stored + dropped == answered: nothing lost unnoticed
    text = instance.log.read_text()
    assert "referral count dropped: OperationalError" in text and "writing again to" in text
    assert "delivery ids: claiming in" in text
    assert_private(text, [YOKOHAMA, "横浜", own_pg_server.password, line_api.USER_ID])
