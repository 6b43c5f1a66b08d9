"""`referral-bot serve`: one aiohttp server for every webhook channel, tested over loopback.

The server is the real one (bot/serve.py) with the real channel adapters; each platform is a local
fake bound to 127.0.0.1 and a free port (Telegram: tests/fakes/telegram_api.py, Slack:
tests/fakes/slack_api.py, LINE: tests/fakes/line_api.py), reached through the same settings an
operator would use (TELEGRAM_BASE_URL, SLACK_API_URL, LINE_API_URL). Each request is signed or
carries its secret the way its platform does. No test contacts a platform or depends on timing:
waits are for recorded calls, with a safety timeout only.
"""

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
import pytest

from bot import cli, serve, settings, wiring
from bot.counts import CountsStore
from tests.fakes import line_api, slack_api
from tests.fakes.counts import Recorder
from tests.fakes.line_api import FakeLine
from tests.fakes.logs import assert_private
from tests.fakes.slack_api import FakeSlack
from tests.fakes.telegram_api import TOKEN, FakeBotAPI

ROOT = Path(__file__).resolve().parents[1]
TELEGRAM_SECRET = "serve-webhook-secret_0123456789"
YOKOHAMA = "横浜市の病院です。昨夜性被害にあったかもしれない患者さんが来ています"
KANAGAWA_CENTER = "かながわ性犯罪・性暴力被害者ワンストップ支援センター"
WAIT_S = 10.0


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]






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


def line_env(fake: FakeLine) -> dict[str, str]:
    return {"LINE_CHANNEL_ACCESS_TOKEN": line_api.ACCESS_TOKEN, "LINE_CHANNEL_SECRET": line_api.CHANNEL_SECRET,
            "LINE_API_URL": fake.url}  # fmt: skip


def slack_env(fake: FakeSlack) -> dict[str, str]:
    return {"SLACK_BOT_TOKEN": slack_api.BOT_TOKEN, "SLACK_SIGNING_SECRET": slack_api.SIGNING_SECRET,
            "SLACK_API_URL": fake.url}  # fmt: skip


def telegram_env(fake: FakeBotAPI) -> dict[str, str]:
    return {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
            "TELEGRAM_BASE_URL": fake.base_url}  # fmt: skip


@pytest.fixture
async def http():
    async with aiohttp.ClientSession(trust_env=False) as session:
        yield session


async def post(http: aiohttp.ClientSession, url: str, body: str, headers: dict[str, str]) -> int:
    async with http.post(url, data=body.encode("utf-8"), headers=headers) as r:
        await r.read()
        return r.status


async def start(env: dict[str, str], engine, counts) -> serve.Server:
    config = wiring.serve_settings(engine, port_flag=0, env=env | {"HOST": "127.0.0.1"})
    return await serve.Server(config, engine, counts).start()


def slack_dm(event_id: str) -> str:
    return json.dumps({
        "token": "unused", "team_id": slack_api.TEAM_ID, "api_app_id": "A0TESTAPP", "type": "event_callback",
        "event_id": event_id, "event_time": 1700000000,
        "event": {"type": "message", "channel": "D0DIRECT42", "channel_type": "im", "user": "U0NURSE042",
                  "text": YOKOHAMA, "ts": "1700000000.000100"},
        "authorizations": [{"team_id": slack_api.TEAM_ID, "user_id": slack_api.BOT_USER_ID, "is_bot": True}],
    })  # fmt: skip


# ---------------------------------------------------------------------------- all three at once
async def test_all_three_channels_each_on_its_own_path_with_its_own_auth(
    engine, http, line_fake, slack_fake, telegram_fake
):
    counts = Recorder()
    env = line_env(line_fake) | slack_env(slack_fake) | telegram_env(telegram_fake)
    env["TELEGRAM_WEBHOOK_URL"] = "http://bot.example.org/telegram/webhook"  # http: allowed with a base URL
    server = await start(env, engine, counts)
    try:
        base = server.url
        # -- Telegram: the secret token header, else 403
        update = telegram_fake.private_text(YOKOHAMA)
        tg_url = f"{base}{serve.TELEGRAM_PATH}"
        json_ct = {"Content-Type": "application/json"}
        assert await post(http, tg_url, json.dumps(update), json_ct) == 403
        wrong = json_ct | {serve.TELEGRAM_SECRET_HEADER: "not-the-secret"}
        assert await post(http, tg_url, json.dumps(update), wrong) == 403
        right = json_ct | {serve.TELEGRAM_SECRET_HEADER: TELEGRAM_SECRET}
        assert await post(http, tg_url, "{not json", right) == 400
        assert await post(http, tg_url, json.dumps(update), right) == 200
        assert await post(http, tg_url, json.dumps(update), right) == 200  # redelivered: answered once
        [sent] = await telegram_fake.wait_for("sendMessage")
        assert KANAGAWA_CENTER in sent.params["text"] and "#8891" in sent.params["text"]
        [hook] = telegram_fake.answered("setWebhook")
        assert (
            hook.params["url"] == env["TELEGRAM_WEBHOOK_URL"]
            and hook.params["secret_token"] == TELEGRAM_SECRET
        )
        assert telegram_fake.answered("setMyCommands")

        # -- Slack: Bolt checks the signature, else 401
        slack_url = f"{base}{serve.SLACK_PATH}"
        body = slack_dm("EvServe00001")
        forged = slack_api.signed_headers(body, secret="forged", content_type="application/json")
        assert await post(http, slack_url, body, forged) == 401
        assert (
            await post(http, slack_url, body, slack_api.signed_headers(body, content_type="application/json"))
            == 200
        )
        [dm] = await asyncio.to_thread(slack_fake.wait_for, "chat.postMessage")
        assert KANAGAWA_CENTER in dm.params["text"] and "#8891" in dm.params["text"]

        # -- LINE: X-Line-Signature, else 401
        line_url = f"{base}{serve.LINE_PATH}"
        body = line_api.webhook_body(line_fake.text_event(YOKOHAMA))
        assert await post(http, line_url, body, line_api.signed_headers(body, secret="f" * 32)) == 401
        assert await post(http, line_url, body, line_api.signed_headers(body)) == 200
        await server.channels["line"].drain()
        [reply] = line_fake.replies()
        assert KANAGAWA_CENTER in reply.text and "#8891" in reply.text

        # -- health
        async with http.get(f"{base}{serve.HEALTH_PATH}") as r:
            assert r.status == 200
            health = await r.json()
        assert health["status"] == "ok" and health["channels"] == ["line", "slack", "telegram", "web"]
        assert health["knowledge"]["checked_on"] == engine.kb.checked_on.isoformat()
        assert re.fullmatch(r"[0-9a-f]{12}", health["knowledge"]["hash"])
        assert health["counts"] == {"enabled": True, "ok": True, "dropped": 0}
        assert "secret" not in json.dumps(health)  # no path, no count, no id
    finally:
        await server.stop()  # lets Telegram finish the updates it holds (its count follows the send)
    assert sorted(counts.counted) == [("14", "line"), ("14", "slack"), ("14", "telegram")]
    assert [c.method for c in slack_fake.calls()].count("auth.test") >= 1  # the token was checked at start
    assert [c.endpoint for c in line_fake.calls()] == ["info", "reply"]  # the token was checked at start


# ---------------------------------------------------------------------------- one channel
async def test_only_line_configured_the_other_paths_are_404(engine, http, line_fake, tmp_path):
    store = CountsStore(tmp_path / "counts.db")
    server = await start(line_env(line_fake), engine, store)
    try:
        update = json.dumps({"update_id": 1})
        headers = {"Content-Type": "application/json", serve.TELEGRAM_SECRET_HEADER: TELEGRAM_SECRET}
        assert await post(http, f"{server.url}{serve.TELEGRAM_PATH}", update, headers) == 404
        body = slack_dm("EvServe00002")
        assert await post(http, f"{server.url}{serve.SLACK_PATH}", body,
                          slack_api.signed_headers(body, content_type="application/json")) == 404  # fmt: skip
        body = line_api.webhook_body(line_fake.text_event(YOKOHAMA))
        assert (
            await post(http, f"{server.url}{serve.LINE_PATH}", body, {"Content-Type": "application/json"})
            == 401
        )
        assert await post(http, f"{server.url}{serve.LINE_PATH}", body, line_api.signed_headers(body)) == 200
        await server.channels["line"].drain()
        assert KANAGAWA_CENTER in line_fake.replies()[0].text
        async with http.get(f"{server.url}{serve.HEALTH_PATH}") as r:
            health = await r.json()
        assert health["channels"] == ["line", "web"]
        assert health["counts"] == {"enabled": True, "ok": True, "dropped": 0}
        assert str(tmp_path) not in json.dumps(health)
    finally:
        await server.stop()
    assert [(r.prefecture, r.channel, r.n) for r in store.rows()] == [("14", "line", 1)]
    store.close()


async def test_only_telegram_configured(engine, http, telegram_fake):
    server = await start(telegram_env(telegram_fake), engine, None)
    try:
        body = line_api.webhook_body()
        assert await post(http, f"{server.url}{serve.LINE_PATH}", body, line_api.signed_headers(body)) == 404
        update = telegram_fake.private_text(YOKOHAMA)
        headers = {"Content-Type": "application/json", serve.TELEGRAM_SECRET_HEADER: TELEGRAM_SECRET}
        assert await post(http, f"{server.url}{serve.TELEGRAM_PATH}", json.dumps(update), headers) == 200
        await telegram_fake.wait_for("sendMessage")
        assert not telegram_fake.calls_to("setWebhook")  # no TELEGRAM_WEBHOOK_URL: left to the operator
        async with http.get(f"{server.url}{serve.HEALTH_PATH}") as r:
            health = await r.json()
        assert health["channels"] == ["telegram", "web"] and health["counts"]["enabled"] is False
    finally:
        await server.stop()


# ---------------------------------------------------------------------------- settings
def test_which_channels_the_environment_asks_for():
    assert settings.wanted({}) == ["web"]  # the web page needs no settings
    assert settings.wanted({"WEB_CHAT": "off"}) == []
    assert (
        settings.wanted({"TELEGRAM_BOT_TOKEN": "x", "SLACK_APP_TOKEN": "y", "SLACK_BOT_TOKEN": "z", "WEB_CHAT": "0"})
        == []
    )  # workers
    assert settings.wanted(
        {"LINE_CHANNEL_SECRET": "x", "SLACK_SIGNING_SECRET": " ", "TELEGRAM_WEBHOOK_SECRET": "s"}
    ) == ["line", "telegram", "web"]


@pytest.mark.parametrize(
    ("env", "argv", "says"),
    [
        ({"WEB_CHAT": "off"}, ["serve"], "no channel to serve"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "WEB_CHAT": "off"}, ["serve"], "no channel to serve"),  # polling is `telegram`
        ({"WEB_CHAT": "maybe"}, ["serve"], "WEB_CHAT must be on or off"),
        ({"TRUST_PROXY": "perhaps"}, ["serve"], "TRUST_PROXY must be on or off"),
        ({"WEB_FRAME_ANCESTORS": "https://intranet.example; script-src *"}, ["serve"], "WEB_FRAME_ANCESTORS"),
        ({"TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET}, ["serve"], "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_WEBHOOK_SECRET": "has space", "TELEGRAM_BOT_TOKEN": TOKEN}, ["serve"],
         "TELEGRAM_WEBHOOK_SECRET is malformed"),
        ({"TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET, "TELEGRAM_BOT_TOKEN": TOKEN,
          "TELEGRAM_WEBHOOK_URL": "http://x.example/telegram/webhook"}, ["serve"], "TELEGRAM_WEBHOOK_URL"),
        ({"SLACK_SIGNING_SECRET": "s"}, ["serve"], "SLACK_BOT_TOKEN"),
        ({"LINE_CHANNEL_SECRET": line_api.CHANNEL_SECRET}, ["serve"], "LINE_CHANNEL_ACCESS_TOKEN"),
        ({"LINE_CHANNEL_SECRET": line_api.CHANNEL_SECRET, "LINE_CHANNEL_ACCESS_TOKEN": line_api.ACCESS_TOKEN,
          "DEFAULT_PREFECTURE": "Atlantis"}, ["serve"], "DEFAULT_PREFECTURE"),
        ({"LINE_CHANNEL_SECRET": line_api.CHANNEL_SECRET, "PORT": "http"}, ["serve"], "PORT must be a number"),
        ({"LINE_CHANNEL_SECRET": line_api.CHANNEL_SECRET}, ["serve", "--port", "70000"], "port out of range"),
    ],
)  # fmt: skip
def test_settings_errors_are_one_line_and_exit_2(monkeypatch, capsys, env, argv, says):
    for name in ("PORT", "HOST"):
        monkeypatch.delenv(name, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("referral-bot serve: ") and says in err[0], err
    assert TOKEN not in err[0] and line_api.CHANNEL_SECRET not in err[0]


def test_a_refused_line_token_exits_2_before_listening(monkeypatch, capsys, line_fake):
    monkeypatch.setenv("LINE_CHANNEL_SECRET", line_api.CHANNEL_SECRET)
    monkeypatch.setenv("LINE_CHANNEL_ACCESS_TOKEN", "revoked-token-0000000000")
    monkeypatch.setenv("LINE_API_URL", line_fake.url)
    monkeypatch.setenv("HOST", "127.0.0.1")
    assert cli.main(["serve", "--port", "0", "--no-count"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "referral-bot serve: LINE refused LINE_CHANNEL_ACCESS_TOKEN (HTTP 401)"
    assert [(c.endpoint, c.status) for c in line_fake.calls()] == [("info", 401)]


def serve_process(env: dict[str, str], tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    """`python -m bot serve --port 0` with only `env`'s channels, logging at INFO into a file."""
    log_file = tmp_path / "stderr.txt"
    full = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_", "LINE_"))}
    full |= env | {"HOST": "127.0.0.1", "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1",
                   "REFERRAL_DB": str(tmp_path / "counts.db"), "PYTHONPATH": str(ROOT)}  # fmt: skip
    full.pop("PORT", None)
    with log_file.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", "0"], cwd=tmp_path, env=full,
                                stderr=err, stdout=subprocess.DEVNULL)  # fmt: skip
    return proc, log_file


def wait_for_line(proc: subprocess.Popen, log_file: Path, pattern: str, times: int = 1) -> re.Match:
    deadline = time.monotonic() + 6 * WAIT_S  # a safety net: the process loads the knowledge and the SDK
    while len(found := list(re.finditer(pattern, log_file.read_text()))) < times:
        assert proc.poll() is None, log_file.read_text()[-2000:]
        assert time.monotonic() < deadline, f"no {pattern!r} in time"
        time.sleep(0.05)
    return found[times - 1]


def sigterm(proc: subprocess.Popen) -> tuple[int, float]:
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(WAIT_S), time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()


def get(url: str) -> tuple[int, bytes]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=WAIT_S) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_line_out_of_reach_at_start_is_retried_while_serve_listens_degraded(tmp_path):
    """LINE's bot info on a port nobody listens on: serve listens anyway (the web page needs no
    platform), /healthz is degraded and names LINE as waiting, LINE's path answers 503, its start is
    tried again after 1, 2, 4 ... s, one line a try; SIGTERM exits 0 within seconds."""
    nowhere = f"http://127.0.0.1:{free_port()}"
    proc, log_file = serve_process({"LINE_CHANNEL_ACCESS_TOKEN": line_api.ACCESS_TOKEN,
                                    "LINE_CHANNEL_SECRET": line_api.CHANNEL_SECRET, "LINE_API_URL": nowhere},
                                   tmp_path)  # fmt: skip
    try:
        port = wait_for_line(proc, log_file, r"serve: listening on port (\d+) for line, web")[1]
        status, body = get(f"http://127.0.0.1:{port}/healthz")
        health = json.loads(body)
        assert status == 200 and health["status"] == "degraded" and health["waiting"] == ["line"]
        assert line_api.ACCESS_TOKEN not in body.decode() and line_api.CHANNEL_SECRET not in body.decode()
        payload = line_api.webhook_body()
        import urllib.request

        request = urllib.request.Request(f"http://127.0.0.1:{port}{serve.LINE_PATH}", data=payload.encode(),
                                         headers=line_api.signed_headers(payload))  # fmt: skip
        try:
            urllib.request.urlopen(request, timeout=WAIT_S)
            raise AssertionError("LINE's path answered while LINE was out of reach")
        except urllib.error.HTTPError as e:
            assert e.code == 503
        assert get(f"http://127.0.0.1:{port}/")[0] == 200  # the web page answers meanwhile
        wait_for_line(proc, log_file, "cannot reach the LINE Messaging API", times=2)
    finally:
        code, elapsed = sigterm(proc)
    output = log_file.read_text()
    assert code == 0 and elapsed < 5, output[-2000:]
    tries = [line for line in output.splitlines() if "cannot reach the LINE Messaging API" in line]
    assert "trying again in 1 s" in tries[0] and "trying again in 2 s" in tries[1]
    assert "Traceback" not in output and "serve: stopped" in output
    assert_private(output, FORBIDDEN)


def test_a_malformed_answer_at_start_up_is_tried_again_then_served(line_fake, tmp_path):
    """GET /v2/bot/info answers 200 with a body that is not JSON once (a proxy's page): one line,
    tried again after 1 s, then LINE is up and /healthz is ok."""
    line_fake.garble("info")
    proc, log_file = serve_process(line_env(line_fake), tmp_path)
    try:
        port = wait_for_line(proc, log_file, r"serve: listening on port (\d+) for line")[1]
        wait_for_line(proc, log_file, "serve: line is up")
        health = json.loads(get(f"http://127.0.0.1:{port}/healthz")[1])
        assert health["status"] == "ok" and health["waiting"] == []
    finally:
        code, elapsed = sigterm(proc)
    output = log_file.read_text()
    assert code == 0 and elapsed < 5, output[-2000:]
    [line] = [x for x in output.splitlines() if "unreadable answer" in x]
    assert "trying again in 1 s" in line and "Traceback" not in output
    assert [(c.endpoint, c.status) for c in line_fake.calls()] == [("info", 200), ("info", 200)]
    assert_private(output, FORBIDDEN)


def test_a_token_refused_after_a_wait_exits_2_in_one_line(line_fake, tmp_path):
    """Out of reach first (a garbled answer), then the token is revoked: the next try stops the
    process with exit 2, the refusal its last line."""
    line_fake.garble("info")
    proc, log_file = serve_process(line_env(line_fake), tmp_path)
    try:
        wait_for_line(proc, log_file, "unreadable answer")
        line_fake.access_token = "another-token-0000000000"  # the process's token is refused from now on
        code = proc.wait(6 * WAIT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
    output = log_file.read_text()
    assert code == 2, output[-2000:]
    assert output.splitlines()[-1] == "referral-bot serve: LINE refused LINE_CHANNEL_ACCESS_TOKEN (HTTP 401)"
    assert "Traceback" not in output


def test_a_refused_slack_token_exits_2(monkeypatch, capsys, slack_fake):
    monkeypatch.setenv("SLACK_SIGNING_SECRET", slack_api.SIGNING_SECRET)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-0000-revoked")
    monkeypatch.setenv("SLACK_API_URL", slack_fake.url)
    monkeypatch.setenv("HOST", "127.0.0.1")
    assert cli.main(["serve", "--port", "0", "--no-count"]) == 2
    assert (
        capsys.readouterr().err.strip() == "referral-bot serve: Slack refused SLACK_BOT_TOKEN (invalid_auth)"
    )


async def test_a_refused_telegram_token_exits_2_and_closes_its_connections(tmp_path):
    fake = await FakeBotAPI(token="999999:another-token-abcdefghijklmnopqrstuvw").start()  # refuses TOKEN
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_", "LINE_"))}
    env.update(telegram_env(fake), HOST="127.0.0.1", REFERRAL_DB=str(tmp_path / "c.db"), PYTHONPATH=str(ROOT))
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve", "--port", "0", "--no-count", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        await fake.close()
    text = err.decode()
    assert proc.returncode == 2
    assert text.strip().splitlines()[-1] == (
        "referral-bot serve: Telegram refused TELEGRAM_BOT_TOKEN (revoked, or from another bot?)"
    )
    assert "Unclosed" not in text and TOKEN not in text


# ---------------------------------------------------------------------------- a real process
FORBIDDEN = (
    "横浜",
    "ZEBRAQUAIL",
    line_api.USER_ID,
    line_api.ACCESS_TOKEN,
    line_api.CHANNEL_SECRET,
    "reply-token-",
)


def test_python_m_bot_serve_answers_and_stops_on_sigterm(line_fake, tmp_path):
    log_file = tmp_path / "stderr.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_", "LINE_"))}
    env |= line_env(line_fake) | {"HOST": "127.0.0.1", "LOG_LEVEL": "DEBUG", "PYTHONUNBUFFERED": "1",
                                  "REFERRAL_DB": str(tmp_path / "counts.db"), "PYTHONPATH": str(ROOT)}  # fmt: skip
    env.pop("PORT", None)
    with log_file.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", "0"], cwd=tmp_path, env=env,
                                stderr=err, stdout=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 6 * WAIT_S  # a safety net: the process loads the knowledge and the SDK
        while not (found := re.search(r"serve: listening on port (\d+) for line", log_file.read_text())):
            assert proc.poll() is None, log_file.read_text()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        base = f"http://127.0.0.1:{found[1]}"
        import urllib.request

        with urllib.request.urlopen(f"{base}/healthz", timeout=WAIT_S) as r:
            assert json.loads(r.read())["channels"] == ["line", "web"]
        body = line_api.webhook_body(line_fake.text_event(f"{YOKOHAMA} ZEBRAQUAIL"))
        request = urllib.request.Request(
            f"{base}/line/webhook", data=body.encode(), headers=line_api.signed_headers(body)
        )
        with urllib.request.urlopen(request, timeout=WAIT_S) as r:
            assert r.status == 200
        [reply] = [c for c in line_fake.wait_for("reply") if c.endpoint == "reply"]
        assert KANAGAWA_CENTER in reply.text
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(WAIT_S)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert code == 0
    output = log_file.read_text()
    assert "line: answered a message (1:1)" in output and "serve: stopped" in output
    assert_private(output, FORBIDDEN)
    rows = CountsStore(tmp_path / "counts.db").rows()
    assert [(r.prefecture, r.channel, r.n) for r in rows] == [("14", "line", 1)]


# ---------------------------------------------------------------------------- a channel with no platform
async def test_an_http_only_channel_is_one_module_and_one_line_in_each_registry(engine, http, monkeypatch):
    monkeypatch.setitem(serve.CHANNELS, "page", "tests.fakes.page_channel")
    monkeypatch.setitem(settings.SERVED, "page", (("PAGE_ON",), None))
    server = await start({"PAGE_ON": "1", "WEB_CHAT": "off"}, engine, None)  # GET / is the fake page's here
    try:
        async with http.get(f"{server.url}/", params={"q": YOKOHAMA}) as r:
            assert r.status == 200 and KANAGAWA_CENTER in await r.text()
        async with http.get(f"{server.url}{serve.HEALTH_PATH}") as r:
            assert (await r.json())["channels"] == ["page"]
        page = server.channels["page"]
        assert page.started
    finally:
        await server.stop()
    assert page.stopped
