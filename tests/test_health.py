"""One /healthz for every HTTP mode (bot/channels/health.py): `serve` and `slack --http` answer it
with the same handler. JSON with status ok, degraded (counts not written, knowledge stale) or
unavailable (503: no channel can answer); never a secret or a count."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.channels.health import Health
from bot.facts import STALE_DAYS
from tests.fakes import slack_api
from tests.fakes.slack_api import FakeSlack
from tests.fakes.telegram_api import TOKEN, FakeBotAPI

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unusable_db(tmp_path: Path) -> str:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the counts' directory should be")
    return str(blocker / "counts.db")


def health_of(args: list[str], env: dict[str, str], port: int, tmp_path: Path) -> tuple[int, dict]:
    """Start `python -m bot ARGS`, read /healthz once it answers, stop it with SIGTERM (exit 0)."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_", "LINE_"))}
    full |= {"HOST": "127.0.0.1", "PORT": str(port), "PYTHONPATH": str(ROOT)} | env
    log_file = tmp_path / "stderr.txt"
    with log_file.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=ROOT, env=full, stderr=err,
                                stdout=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log_file.read_text()[-2000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    status, body = r.status, json.loads(r.read())
                    break
            except urllib.error.HTTPError as e:
                status, body = e.code, json.loads(e.read())
                break
            except urllib.error.URLError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert code == 0, log_file.read_text()[-2000:]
    return status, body


def test_serve_with_an_unusable_referral_db_is_degraded(tmp_path):
    status, body = health_of(["serve"], {"REFERRAL_DB": unusable_db(tmp_path)}, free_port(), tmp_path)
    assert status == 200 and body["status"] == "degraded" and body["channels"] == ["web"]
    assert body["counts"]["enabled"] is True and body["counts"]["ok"] is False
    assert "not-a-directory" not in json.dumps(body)  # no path, no error text


def test_slack_http_mode_answers_the_same_health(tmp_path):
    with FakeSlack() as fake:
        env = {"SLACK_BOT_TOKEN": slack_api.BOT_TOKEN, "SLACK_SIGNING_SECRET": slack_api.SIGNING_SECRET,
               "SLACK_API_URL": fake.url, "REFERRAL_DB": str(tmp_path / "counts.db")}  # fmt: skip
        status, ok = health_of(["slack", "--http"], env, free_port(), tmp_path)
        env["REFERRAL_DB"] = unusable_db(tmp_path)
        _, degraded = health_of(["slack", "--http"], env, free_port(), tmp_path)
    assert status == 200 and ok["status"] == "ok" and ok["channels"] == ["slack"]
    assert set(ok) == {"status", "version", "knowledge", "channels", "counts", "deliveries", "waiting"}
    assert ok["waiting"] == []  # no channel waiting for its platform
    assert degraded["status"] == "degraded" and degraded["counts"]["ok"] is False
    text = json.dumps(ok) + json.dumps(degraded)
    assert slack_api.SIGNING_SECRET not in text and slack_api.BOT_TOKEN not in text


async def _telegram_webhook_health(tmp_path, db: str) -> tuple[int, dict, list]:
    import asyncio

    fake = await FakeBotAPI().start()
    try:
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": fake.base_url, "TELEGRAM_WEBHOOK_SECRET": "s3cret",
               "REFERRAL_DB": db}  # fmt: skip
        port = free_port()
        args = ["telegram", "--webhook-url", "http://bot.example.org/tg/hook", "--port", str(port)]
        status, body = await asyncio.to_thread(health_of, args, env, port, tmp_path)
        hooks = fake.answered("setWebhook")
    finally:
        await fake.close()
    return status, body, hooks


async def test_telegram_webhook_mode_answers_the_same_health(tmp_path):
    status, ok, hooks = await _telegram_webhook_health(tmp_path, str(tmp_path / "counts.db"))
    assert status == 200 and ok["status"] == "ok" and ok["channels"] == ["telegram"]
    assert [h.params["url"] for h in hooks] == ["http://bot.example.org/tg/hook"]
    assert TOKEN not in json.dumps(ok) and "s3cret" not in json.dumps(ok)
    _, degraded, _ = await _telegram_webhook_health(tmp_path, unusable_db(tmp_path))
    assert degraded["status"] == "degraded" and degraded["counts"]["ok"] is False


async def _get(health: Health) -> tuple[int, dict]:
    app = web.Application()
    app.router.add_get("/healthz", health.handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/healthz"
        async with aiohttp.ClientSession(trust_env=False) as http, http.get(url) as r:
            return r.status, await r.json()
    finally:
        await runner.cleanup()


async def test_knowledge_older_than_its_freshness_limit_is_degraded(kb):
    def at(days: int):
        return lambda: dt.datetime.combine(kb.checked_on + dt.timedelta(days=days), dt.time(12), dt.UTC)

    status, fresh = await _get(Health(kb, None, ["web"], clock=at(STALE_DAYS)))
    assert status == 200 and fresh["status"] == "ok" and fresh["knowledge"]["stale"] is False
    status, old = await _get(Health(kb, None, ["web"], clock=at(STALE_DAYS + 1)))
    assert status == 200 and old["status"] == "degraded" and old["knowledge"]["stale"] is True


async def test_no_channel_that_can_answer_is_503(kb):
    status, body = await _get(Health(kb, None, []))
    assert status == 503 and body["status"] == "unavailable"
