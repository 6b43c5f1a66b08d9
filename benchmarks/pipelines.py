"""Items 3 and 4: the chat pipelines, end to end on loopback, against minimal bots on the same fakes.

Telegram: the real python-telegram-bot Application from bot.channels.telegram.build_application
(long polling) answers private messages fed to the fake Bot API of tests/fakes/telegram_api.py;
the figure is messages answered (sendMessage received by the fake) per second. Baselines, each on
its own fake instance, in the same run: python-telegram-bot's minimal echo bot (examples/echobot.py:
a MessageHandler that replies with the text, default settings, so one update at a time), the
same echo bot with the concurrency our bot uses (Settings.concurrent_updates), and a bot with our
settings (BotAPIRequest on aiohttp, our concurrency) replying with our answer to a typical message, rendered
once (HTML and keyboard of median size): everything of ours but the engine and the rendering.

Slack: the real Bolt app from bot.channels.slack.build_app, served by slack.start_http (aiohttp) on
127.0.0.1, receives signed direct-message events over HTTP from 8 concurrent senders; the fake Web
API of tests/fakes/slack_api.py receives its chat.postMessage. Figures: events answered per second,
and the acknowledgement latency (HTTP round trip of the event) p50/p99. Baseline: a minimal Bolt app
whose message listener answers a fixed text with say(), behind the same HTTP front, same fake; and
the same app saying our answer to a typical message, rendered once (blocks and text of median size).
The minimal bots with our answer split the gap in two: the size of the answer (what the library
and the fake do with it) and the work of computing it (engine, rendering, counting).

The fakes (and Slack's senders) run in a second process, benchmarks/platform_side.py: they are
the platform, whose work for a larger answer is not the bot's, and on one GIL they slowed every bot
alike. This process holds only the bots. Figures: the rate each bot sustains, and the CPU time this
process spends per message (all its threads: the bot's own cost, steadier than a rate on a shared
machine). Counts go through a CountsQueue (as `main` and `serve` count) to a real counts file in a
temporary directory. A guard refuses any connection beyond loopback while these run, in both processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import corpus
from benchmarks.harness import ROOT, Figure, Stat, percentile

SECTION_TG = "telegram pipeline (python-telegram-bot, long polling, fake Bot API on loopback)"
SECTION_SLACK = "slack pipeline (Bolt over HTTP on loopback, fake Web API)"


@contextlib.contextmanager
def loopback_only():
    real = socket.socket.connect

    def connect(self, address):  # type: ignore[no-untyped-def]
        host = address[0] if isinstance(address, tuple) else address
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise RuntimeError(f"benchmark refused a connection to {host!r}: loopback only")
        return real(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.socket.connect = real  # type: ignore[method-assign]


def run(channel: str, runs: int, quick: bool, notes: list[str]) -> tuple[list[Figure], dict]:
    try:
        if channel == "telegram":
            from bot.channels.telegram import build_application  # noqa: F401
            from tests.fakes.telegram_api import FakeBotAPI  # noqa: F401
        else:
            from bot.channels.slack import build_app  # noqa: F401
            from tests.fakes.slack_api import FakeSlack  # noqa: F401
    except ImportError as exc:
        notes.append(f"{channel} pipeline: not measured ({exc})")
        return [], {}
    with loopback_only(), tempfile.TemporaryDirectory(prefix=f"referral-{channel}-bench-") as d:
        if channel == "telegram":
            return asyncio.run(_telegram(runs, quick, Path(d)))
        return _slack(runs, quick, Path(d), notes)


class Platform:
    """The platform side (benchmarks/platform_side.py) in a child process: one fake per bot.
    `addresses[name]` is a fake's base URL; `round(...)` runs one round and returns its answer line."""

    def __init__(self, channel: str, names: tuple[str, ...]):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.platform_side", channel, *names],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8",
        )  # fmt: skip
        self.addresses: dict[str, str] = self._read()

    def _read(self) -> dict:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the platform process ended (exit code {self.proc.wait()})")
        return json.loads(line)

    def round(self, **command: object) -> dict:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command, ensure_ascii=False) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            assert self.proc.stdin is not None
            self.proc.stdin.write("\n")
            self.proc.stdin.close()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _cpu_ms_per_message(cpu_s: float, n: int) -> float:
    return cpu_s / n * 1000


# ---------------------------------------------------------------- Telegram
async def _telegram(runs: int, quick: bool, tmp: Path) -> tuple[list[Figure], dict]:
    from telegram import Update
    from telegram.ext import Application, MessageHandler, filters

    from bot.channels.telegram import build_application, polling_kwargs
    from bot.counts import CountsQueue, CountsStore
    from bot.engine import Engine
    from bot.settings import TelegramSettings as Settings
    from tests.fakes.telegram_api import TOKEN

    our_concurrency = Settings(token=TOKEN).concurrent_updates
    n = 60 if quick else 300
    texts = corpus.messages(300, n, seed=3)
    engine = Engine.load()
    counts = CountsQueue(CountsStore(tmp / "counts.db"))  # as `main` and `serve` count

    async def echo(update: Update, context: object) -> None:
        await update.message.reply_text(update.message.text)

    # the answer our bot gives to a typical message, rendered once, sent by a bot with our settings
    # (JSON requests, our concurrency) that computes nothing: what sending an answer of our size and
    # shape costs, apart from computing it
    from bot.channels.telegram import NO_PREVIEW, _Handlers
    from bot.channels.telegram_request import BotAPIRequest

    shaper = _Handlers(engine, None, Settings(token=TOKEN))
    answers = sorted(((shaper.html(r), r.case) for r in (engine.reply(t, dt.datetime.now(dt.UTC)) for t in texts)),
                     key=lambda a: len(a[0]))  # fmt: skip
    fixed_html, median_case = answers[len(answers) // 2]  # the answer of median length
    fixed_markup = shaper.buttons(median_case)

    async def fixed_answer(update: Update, context: object) -> None:
        await update.message.reply_text(fixed_html, parse_mode="HTML", reply_markup=fixed_markup,
                                        link_preview_options=NO_PREVIEW)  # fmt: skip

    def echo_bot(base_url: str, concurrent: int) -> Application:
        app = Application.builder().token(TOKEN).base_url(base_url).concurrent_updates(concurrent).build()
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
        return app

    def fixed_bot(base_url: str) -> Application:
        request = BotAPIRequest(pool_size=our_concurrency + 8)  # as build_application makes them
        app = (Application.builder().token(TOKEN).base_url(base_url).request(request)
               .get_updates_request(BotAPIRequest(pool_size=1, attempts=1))
               .concurrent_updates(our_concurrency).build())  # fmt: skip
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, fixed_answer))
        return app

    names = ("ours", "echo", "echo_same", "fixed")
    platform = Platform("telegram", names)
    bots: dict[str, Application] = {}
    try:
        for name in names:
            base_url = platform.addresses[name]
            if name == "ours":
                app = build_application(engine, counts, Settings(token=TOKEN, base_url=base_url, backoff=0.0))
                kwargs = polling_kwargs()
            elif name == "fixed":
                app = fixed_bot(base_url)
                kwargs = {"allowed_updates": Update.ALL_TYPES}
            else:
                app = echo_bot(base_url, 1 if name == "echo" else our_concurrency)
                kwargs = {"allowed_updates": Update.ALL_TYPES}
            await app.initialize()
            await app.updater.start_polling(**kwargs)
            await app.start()
            bots[name] = app

        async def round_(name: str, batch: list[str]) -> tuple[float, float, float, float]:
            cpu = time.process_time()
            answer = await asyncio.to_thread(platform.round, bot=name, texts=batch)  # the thread only waits
            cpu = time.process_time() - cpu
            seconds = answer["seconds"]
            return (len(batch) / seconds, _cpu_ms_per_message(cpu, len(batch)), 100 * cpu / seconds,
                    100 * answer["cpu_seconds"] / seconds)  # fmt: skip

        rates: dict[str, list[float]] = {k: [] for k in bots}
        cpus: dict[str, list[float]] = {k: [] for k in bots}
        busy: dict[str, list[float]] = {k: [] for k in bots}
        platform_busy: dict[str, list[float]] = {k: [] for k in bots}
        for name in bots:  # warm up: connections, lazy imports, caches
            await round_(name, texts[:10])
        for _ in range(runs):
            for name in bots:
                rate, cpu, b, pb = await round_(name, texts)
                rates[name].append(rate)
                cpus[name].append(cpu)
                busy[name].append(b)
                platform_busy[name].append(pb)
    finally:
        for app in bots.values():
            with contextlib.suppress(Exception):
                await app.updater.stop()
                await app.stop()
                await app.shutdown()
        platform.close()
        counts.close()
    s = {k: Stat.of(v) for k, v in rates.items()}
    c = {k: Stat.of(v) for k, v in cpus.items()}
    figures = [
        Figure(SECTION_TG, "messages answered per second", "1/s", s["ours"], s["echo"],
               "PTB echo bot (defaults: 1 update at a time)", note=f"{n} messages of 300 chars per run"),
        Figure(SECTION_TG, "messages answered per second, same", "1/s", s["ours"], s["echo_same"],
               f"PTB echo bot, concurrent_updates={our_concurrency} (as ours)"),
        Figure(SECTION_TG, "messages answered per second, same", "1/s", s["ours"], s["fixed"],
               "our settings, our answer pre-rendered (no engine)",
               note=f"{len(fixed_html)} chars of HTML and {sum(map(len, fixed_markup.inline_keyboard))} buttons"),
        Figure(SECTION_TG, "pre-rendered answer, our settings, per second", "1/s", s["fixed"], s["echo"],
               "PTB echo bot (sending our answer, not computing it)"),
        Figure(SECTION_TG, "bot process CPU per message", "ms", c["ours"], c["echo"],
               "PTB echo bot (defaults: 1 update at a time)", note="all threads of the bot's process"),
        Figure(SECTION_TG, "bot process CPU per message, same", "ms", c["ours"], c["fixed"],
               "our settings, our answer pre-rendered (no engine)"),
        Figure(SECTION_TG, "bot process busy (CPU / wall time)", "%", Stat.of(busy["ours"]), Stat.of(busy["echo"]),
               "PTB echo bot (defaults: 1 update at a time)", note="100% = one core, all the time"),
        Figure(SECTION_TG, "platform process busy, same rounds", "%", Stat.of(platform_busy["ours"]),
               Stat.of(platform_busy["echo"]), "during the PTB echo bot's rounds",
               note="the fake Bot API's process: near 100% would mean the fake limits the rate"),
    ]  # fmt: skip
    return figures, {"rates": rates, "cpu_ms_per_message": cpus, "busy_percent": busy,
                     "platform_busy_percent": platform_busy, "messages": n}  # fmt: skip


# ---------------------------------------------------------------- Slack
def _sync_front(bolt_app: object):  # type: ignore[no-untyped-def]
    """For Bolt's sync App: the same aiohttp front as slack.http_app, with each request dispatched
    in a worker thread (how our adapter ran the sync app before it moved to AsyncApp)."""
    from aiohttp import web
    from slack_bolt import BoltRequest

    from bot.channels import slack

    async def events(request: web.Request) -> web.Response:
        raw = await request.read()
        headers = {k.lower(): request.headers.getall(k) for k in request.headers}
        req = BoltRequest(body=raw.decode("utf-8"), query=request.query_string, headers=headers)
        resp = await asyncio.get_running_loop().run_in_executor(None, bolt_app.dispatch, req)  # type: ignore[attr-defined]
        out = {k: ", ".join(v) for k, v in resp.headers.items() if k.lower() != "content-length"}
        return web.Response(status=resp.status, body=(resp.body or "").encode("utf-8"), headers=out)

    app = web.Application()
    app.router.add_post(slack.EVENTS_PATH, events)
    return app


class _Server:
    """An aiohttp server for a Bolt app in a thread with its own event loop: slack.start_http for an
    AsyncApp, the same front dispatching in a worker thread for a sync App. `make_app` runs in that
    loop, so an app's client can be given an aiohttp session there (as `main` and `serve` do)."""

    def __init__(self, make_app: Callable[[], object]):
        from aiohttp import web
        from slack_bolt.async_app import AsyncApp

        from bot.channels import slack

        async def start() -> web.AppRunner:
            self.app = bolt_app = make_app()
            if isinstance(bolt_app, AsyncApp):
                return await slack.start_http(bolt_app, host="127.0.0.1", port=0)
            runner = web.AppRunner(_sync_front(bolt_app), access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            return runner

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="bench-slack-http", daemon=True)
        self.thread.start()
        self.runner = asyncio.run_coroutine_threadsafe(start(), self.loop).result(30)
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}{slack.EVENTS_PATH}"

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(30)
        session = getattr(getattr(self.app, "client", None), "session", None)
        if session is not None:
            asyncio.run_coroutine_threadsafe(session.close(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)
        self.loop.close()


def _slack(runs: int, quick: bool, tmp: Path, notes: list[str]) -> tuple[list[Figure], dict]:
    from slack_bolt import App
    from slack_bolt.async_app import AsyncApp
    from slack_sdk import WebClient
    from slack_sdk.web.async_client import AsyncWebClient

    from benchmarks.platform_side import SENDERS
    from bot.channels import slack
    from bot.counts import CountsQueue, CountsStore
    from bot.engine import Engine
    from bot.settings import SlackSettings
    from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET

    n = 60 if quick else 300
    texts = corpus.messages(300, n, seed=4)
    engine = Engine.load()
    counts = CountsQueue(CountsStore(tmp / "counts.db"))  # as `main` and `serve` count
    names = ("ours", "minimal", "fixed", "minimal_async")
    platform = Platform("slack", names)
    api = platform.addresses

    noon = dt.datetime(2026, 11, 27, 13, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))

    def ours() -> AsyncApp:  # as `main` runs it: its client with a session of kept-alive connections
        settings = SlackSettings(bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=api["ours"])
        client = slack.make_client(settings, slack.web_api_session())
        return slack.build_app(engine, counts, settings, client=client, clock=lambda: noon)

    minimal = App(signing_secret=SIGNING_SECRET, client=WebClient(token=BOT_TOKEN, base_url=api["minimal"]))

    @minimal.event("message")
    def answer_fixed(event: dict, say: object) -> None:
        say("#8891")  # type: ignore[operator]

    # the same minimal app on Bolt's asyncio side (AsyncApp, the async Web API client), as ours runs
    minimal_async = AsyncApp(signing_secret=SIGNING_SECRET,
                             client=AsyncWebClient(token=BOT_TOKEN, base_url=api["minimal_async"]))  # fmt: skip

    @minimal_async.event("message")
    async def answer_fixed_async(event: dict, say: object) -> None:
        await say("#8891")  # type: ignore[operator]

    # the answer our bot gives to a typical message (of median size), rendered once: what a bot that
    # computes nothing pays to send an answer of our size and shape (blocks and their text)
    from bot.render.slack import render_blocks, render_text

    def payload(reply):  # type: ignore[no-untyped-def]
        g = engine.guidance(reply.case.lang)
        return {"text": render_text(reply, g), "blocks": render_blocks(reply, g, engine.actions(reply.case))}

    sized = sorted((payload(engine.reply(t, noon)) for t in texts), key=lambda p: len(json.dumps(p)))
    fixed_payload = sized[len(sized) // 2]
    def fixed_app() -> AsyncApp:  # our client settings (a session), our answer rendered once
        client = AsyncWebClient(token=BOT_TOKEN, base_url=api["fixed"], session=slack.web_api_session())
        app = AsyncApp(signing_secret=SIGNING_SECRET, client=client)

        @app.event("message")
        async def answer_ours_fixed(event: dict, say: object) -> None:
            await say(**fixed_payload)  # type: ignore[operator]

        return app

    servers: dict[str, _Server] = {}
    stats: dict[str, dict[str, list[float]]] = {
        k: {"rate": [], "p50": [], "p99": [], "cpu": [], "busy": [], "platform_busy": []} for k in names
    }
    try:
        servers.update(ours=_Server(ours), minimal=_Server(lambda: minimal), fixed=_Server(fixed_app),
                       minimal_async=_Server(lambda: minimal_async))  # fmt: skip

        def round_(name: str, batch: list[str]) -> tuple[float, list[float], float, float, float]:
            cpu = time.process_time()
            answer = platform.round(bot=name, url=servers[name].url, texts=batch)
            cpu = time.process_time() - cpu
            seconds = answer["seconds"]
            return (len(batch) / seconds, sorted(answer["acks_ms"]), _cpu_ms_per_message(cpu, len(batch)),
                    100 * cpu / seconds, 100 * answer["cpu_seconds"] / seconds)  # fmt: skip

        for name in names:
            round_(name, texts[:10])
        for _ in range(runs):
            for name in names:
                rate, acks, cpu, b, pb = round_(name, texts)
                stats[name]["busy"].append(b)
                stats[name]["platform_busy"].append(pb)
                stats[name]["rate"].append(rate)
                stats[name]["p50"].append(percentile(acks, 50))
                stats[name]["p99"].append(percentile(acks, 99))
                stats[name]["cpu"].append(cpu)
    finally:
        for server in servers.values():
            server.close()
        platform.close()
        counts.close()
    o, m, ma = stats["ours"], stats["minimal"], stats["minimal_async"]
    base = "minimal Bolt app: say(fixed text)"
    base_async = "minimal AsyncApp: await say(fixed text)"
    figures = [
        Figure(SECTION_SLACK, "events answered per second", "1/s", Stat.of(o["rate"]), Stat.of(m["rate"]), base,
               note=f"{n} direct messages of 300 chars per run, {SENDERS} concurrent senders"),
        Figure(SECTION_SLACK, "ack latency p50", "ms", Stat.of(o["p50"]), Stat.of(m["p50"]), base),
        Figure(SECTION_SLACK, "ack latency p99", "ms", Stat.of(o["p99"]), Stat.of(m["p99"]), base),
        Figure(SECTION_SLACK, "events answered per second, same", "1/s", Stat.of(o["rate"]), Stat.of(ma["rate"]),
               base_async, note="Bolt's asyncio side, as ours runs"),
        Figure(SECTION_SLACK, "ack latency p99, same", "ms", Stat.of(o["p99"]), Stat.of(ma["p99"]), base_async),
        Figure(SECTION_SLACK, "events answered per second, same", "1/s", Stat.of(o["rate"]),
               Stat.of(stats["fixed"]["rate"]), "minimal AsyncApp sending our answer (rendered once)",
               note=f"{len(json.dumps(fixed_payload))} bytes of JSON"),
        Figure(SECTION_SLACK, "minimal AsyncApp sending our answer, per second", "1/s",
               Stat.of(stats["fixed"]["rate"]), Stat.of(ma["rate"]),
               "minimal AsyncApp: await say(fixed text) (the size of the answer alone)"),
        Figure(SECTION_SLACK, "bot process CPU per event", "ms", Stat.of(o["cpu"]), Stat.of(m["cpu"]), base,
               note="all threads of the bot's process"),
        Figure(SECTION_SLACK, "bot process CPU per event, same", "ms", Stat.of(o["cpu"]), Stat.of(ma["cpu"]),
               base_async),
        Figure(SECTION_SLACK, "bot process CPU per event, same", "ms", Stat.of(o["cpu"]),
               Stat.of(stats["fixed"]["cpu"]), "minimal AsyncApp sending our answer (rendered once)"),
        Figure(SECTION_SLACK, "bot process busy (CPU / wall time)", "%", Stat.of(o["busy"]), Stat.of(m["busy"]),
               base, note="100% = one core, all the time"),
        Figure(SECTION_SLACK, "platform process busy, same rounds", "%", Stat.of(o["platform_busy"]),
               Stat.of(m["platform_busy"]), "during the minimal app's rounds",
               note="fake Web API and senders: near 100% would mean they limit the rate"),
    ]  # fmt: skip
    return figures, {"stats": stats, "events": n, "senders": SENDERS}
