"""Items 3 and 4: the chat pipelines, end to end on loopback, against minimal bots on the same fakes.

Telegram: the real python-telegram-bot Application from bot.channels.telegram.build_application
(long polling) answers private messages fed to the fake Bot API of tests/fakes/telegram_api.py;
the figure is messages answered (sendMessage received by the fake) per second. Baselines, each on
its own fake instance, in the same run: python-telegram-bot's minimal echo bot (examples/echobot.py:
a MessageHandler that replies with the text, default settings, so one update at a time), the
same echo bot with the concurrency our bot uses (Settings.concurrent_updates), and a bot with our
settings (BotAPIRequest, our concurrency) replying with our answer to a typical message, rendered
once (HTML and keyboard of median size): everything of ours but the engine and the rendering.

Slack: the real Bolt app from bot.channels.slack.build_app, served by slack.start_http (aiohttp) on
127.0.0.1, receives signed direct-message events over HTTP from 8 concurrent senders; the fake Web
API of tests/fakes/slack_api.py receives its chat.postMessage. Figures: events answered per second,
and the acknowledgement latency (HTTP round trip of the event) p50/p99. Baseline: a minimal Bolt app
whose message listener answers a fixed text with say(), behind the same HTTP front, same fake; and
the same app saying our answer to a typical message, rendered once (blocks and text of median size).
The minimal bots with our answer split the gap in two: the size of the answer (what the library
and the fake do with it) and the work of computing it (engine, rendering, counting).

Everything runs in this one process (fakes, senders, bots): the rates are what one process on this
machine sustains, the ratio is what our bot costs over the minimal one. Counts go through a
CountsQueue (as `main` and `serve` count) to a real counts file in a temporary directory. A guard refuses any connection beyond loopback while these run.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import socket
import tempfile
import threading
import time
from pathlib import Path

from benchmarks import corpus
from benchmarks.harness import Figure, Stat, percentile

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


# ---------------------------------------------------------------- Telegram
async def _telegram(runs: int, quick: bool, tmp: Path) -> tuple[list[Figure], dict]:
    from telegram import Update
    from telegram.ext import Application, MessageHandler, filters

    from bot.channels.telegram import Settings, build_application, polling_kwargs
    from bot.counts import CountsQueue, CountsStore
    from bot.engine import Engine
    from tests.fakes.telegram_api import TOKEN, FakeBotAPI

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
        request = BotAPIRequest(pool_size=our_concurrency + 8)  # as build_application makes it
        app = (Application.builder().token(TOKEN).base_url(base_url).request(request)
               .concurrent_updates(our_concurrency).build())  # fmt: skip
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, fixed_answer))
        return app

    bots: dict[str, tuple[Application, FakeBotAPI, dict]] = {}
    for name in ("ours", "echo", "echo_same", "fixed"):
        fake = await FakeBotAPI().start()
        if name == "ours":
            app = build_application(engine, counts, Settings(token=TOKEN, base_url=fake.base_url, backoff=0.0))
            kwargs = polling_kwargs()
        elif name == "fixed":
            app = fixed_bot(fake.base_url)
            kwargs = {"allowed_updates": Update.ALL_TYPES}
        else:
            app = echo_bot(fake.base_url, 1 if name == "echo" else our_concurrency)
            kwargs = {"allowed_updates": Update.ALL_TYPES}
        await app.initialize()
        await app.updater.start_polling(**kwargs)
        await app.start()
        bots[name] = (app, fake, kwargs)

    async def round_(name: str, batch: list[str]) -> float:
        fake = bots[name][1]
        start = len(fake.calls)
        t0 = time.perf_counter()
        fake.feed(*[fake.private_text(t) for t in batch])
        seen, i = 0, start
        deadline = t0 + 120
        while seen < len(batch):
            calls = fake.calls
            while i < len(calls):
                if calls[i].method == "sendMessage" and calls[i].ok:
                    seen += 1
                i += 1
            if time.perf_counter() > deadline:
                raise RuntimeError(f"telegram {name}: only {seen} of {len(batch)} answered in 120 s")
            await asyncio.sleep(0.002)
        return len(batch) / (time.perf_counter() - t0)

    rates: dict[str, list[float]] = {k: [] for k in bots}
    try:
        for name in bots:  # warm up: connections, lazy imports, caches
            await round_(name, texts[:10])
        for _ in range(runs):
            for name in bots:
                rates[name].append(await round_(name, texts))
    finally:
        for app, fake, _ in bots.values():
            with contextlib.suppress(Exception):
                await app.updater.stop()
                await app.stop()
                await app.shutdown()
            await fake.close()
        counts.close()
    s = {k: Stat.of(v) for k, v in rates.items()}
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
    ]  # fmt: skip
    return figures, {"rates": rates, "messages": n}


# ---------------------------------------------------------------- Slack
class _Server:
    """An aiohttp server for a Bolt app (slack.start_http) in a thread with its own event loop."""

    def __init__(self, bolt_app: object):
        from bot.channels import slack

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="bench-slack-http", daemon=True)
        self.thread.start()
        fut = asyncio.run_coroutine_threadsafe(slack.start_http(bolt_app, host="127.0.0.1", port=0), self.loop)
        self.runner = fut.result(30)
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}{slack.EVENTS_PATH}"

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)
        self.loop.close()


def _slack(runs: int, quick: bool, tmp: Path, notes: list[str]) -> tuple[list[Figure], dict]:
    import aiohttp
    from slack_bolt import App
    from slack_sdk import WebClient

    from bot.channels import slack
    from bot.counts import CountsQueue, CountsStore
    from bot.engine import Engine
    from tests.fakes.slack_api import (
        BOT_TOKEN,
        BOT_USER_ID,
        SIGNING_SECRET,
        TEAM_ID,
        FakeSlack,
        signed_headers,
    )

    n = 60 if quick else 300
    senders = 8
    texts = corpus.messages(300, n, seed=4)
    engine = Engine.load()
    counts = CountsQueue(CountsStore(tmp / "counts.db"))  # as `main` and `serve` count
    fakes = {"ours": FakeSlack().start(), "minimal": FakeSlack().start(), "fixed": FakeSlack().start()}

    noon = dt.datetime(2026, 11, 27, 13, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    ours = slack.build_app(engine, counts, slack.Settings(bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET,
                                                          api_url=fakes["ours"].url),
                           client=WebClient(token=BOT_TOKEN, base_url=fakes["ours"].url),
                           clock=lambda: noon)  # fmt: skip
    minimal = App(signing_secret=SIGNING_SECRET, client=WebClient(token=BOT_TOKEN, base_url=fakes["minimal"].url))

    @minimal.event("message")
    def answer_fixed(event: dict, say: object) -> None:
        say("#8891")  # type: ignore[operator]

    # the answer our bot gives to a typical message (of median size), rendered once: what a bot that
    # computes nothing pays to send an answer of our size and shape (blocks and their text)
    from bot.render.slack import render_blocks, render_text

    def payload(reply):  # type: ignore[no-untyped-def]
        g = engine.guidance(reply.case.lang)
        return {"text": render_text(reply, g), "blocks": render_blocks(reply, g, engine.actions(reply.case))}

    sized = sorted((payload(engine.reply(t, noon)) for t in texts), key=lambda p: len(json.dumps(p)))
    fixed_payload = sized[len(sized) // 2]
    fixed_app = App(signing_secret=SIGNING_SECRET, client=WebClient(token=BOT_TOKEN, base_url=fakes["fixed"].url))

    @fixed_app.event("message")
    def answer_ours_fixed(event: dict, say: object) -> None:
        say(**fixed_payload)  # type: ignore[operator]

    servers = {"ours": _Server(ours), "minimal": _Server(minimal), "fixed": _Server(fixed_app)}

    def body(text: str, event_id: str) -> str:
        return json.dumps({
            "token": "unused", "team_id": TEAM_ID, "api_app_id": "A0TESTAPP", "type": "event_callback",
            "event_id": event_id, "event_time": int(time.time()),
            "event": {"type": "message", "channel": "D0TESTDM", "channel_type": "im", "user": "U0TESTUSER",
                      "text": text, "ts": f"1700000000.{event_id[-6:]}"},
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        })  # fmt: skip

    async def send_all(url: str, bodies: list[str]) -> list[float]:
        acks: list[float] = []
        queue = list(reversed(bodies))
        async with aiohttp.ClientSession() as session:

            async def sender() -> None:
                while queue:
                    b = queue.pop()
                    headers = signed_headers(b, content_type="application/json")
                    t0 = time.perf_counter()
                    async with session.post(url, data=b.encode(), headers=headers) as r:
                        await r.read()
                        if r.status != 200:
                            raise RuntimeError(f"slack: HTTP {r.status}")
                    acks.append((time.perf_counter() - t0) * 1000)

            await asyncio.gather(*(sender() for _ in range(senders)))
        return acks

    counter = {"round": 0}

    def round_(name: str, batch: list[str]) -> tuple[float, list[float]]:
        fake, server = fakes[name], servers[name]
        counter["round"] += 1
        bodies = [body(t, f"Ev{counter['round']:04d}{i:06d}") for i, t in enumerate(batch)]
        before = len(fake.calls("chat.postMessage"))
        t0 = time.perf_counter()
        acks = asyncio.run(send_all(server.url, bodies))
        fake.wait_for("chat.postMessage", before + len(batch), timeout=120)
        rate = len(batch) / (time.perf_counter() - t0)
        return rate, acks

    stats: dict[str, dict[str, list[float]]] = {k: {"rate": [], "p50": [], "p99": []} for k in fakes}
    try:
        for name in fakes:
            round_(name, texts[:10])
        for _ in range(runs):
            for name in fakes:
                rate, acks = round_(name, texts)
                acks.sort()
                stats[name]["rate"].append(rate)
                stats[name]["p50"].append(percentile(acks, 50))
                stats[name]["p99"].append(percentile(acks, 99))
    finally:
        for server in servers.values():
            server.close()
        for fake in fakes.values():
            fake.stop()
        counts.close()
    o, m = stats["ours"], stats["minimal"]
    base = "minimal Bolt app: say(fixed text)"
    figures = [
        Figure(SECTION_SLACK, "events answered per second", "1/s", Stat.of(o["rate"]), Stat.of(m["rate"]), base,
               note=f"{n} direct messages of 300 chars per run, {senders} concurrent senders"),
        Figure(SECTION_SLACK, "ack latency p50", "ms", Stat.of(o["p50"]), Stat.of(m["p50"]), base),
        Figure(SECTION_SLACK, "ack latency p99", "ms", Stat.of(o["p99"]), Stat.of(m["p99"]), base),
        Figure(SECTION_SLACK, "events answered per second, same", "1/s", Stat.of(o["rate"]),
               Stat.of(stats["fixed"]["rate"]), "minimal Bolt app sending our answer (rendered once)",
               note=f"{len(json.dumps(fixed_payload))} bytes of JSON"),
        Figure(SECTION_SLACK, "minimal app sending our answer, per second", "1/s", Stat.of(stats["fixed"]["rate"]),
               Stat.of(m["rate"]), "minimal Bolt app: say(fixed text) (the size of the answer alone)"),
    ]  # fmt: skip
    return figures, {"stats": stats, "events": n, "senders": senders}
