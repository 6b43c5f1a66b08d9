"""The platform side of the pipeline benchmarks, in a process of its own: the fakes of the Bot API
and of Slack's Web API, and (for Slack) the senders of the signed events. In production these are
Telegram's and Slack's servers, not the bot: run in the bot's process, their work for a larger
answer (parsing it, building the message they return) was charged to the bot, and they shared its
one GIL. Here the bot's process holds only the bot, and the figures are what that process sustains.

    python -m benchmarks.platform_side telegram NAME [NAME ...]
    python -m benchmarks.platform_side slack NAME [NAME ...]

One fake per NAME, each on its own 127.0.0.1 port. A JSON line on stdout gives their addresses;
then each JSON line on stdin is one round, answered by one line on stdout:

    {"bot": NAME, "texts": [...]}  ->  {"seconds": S, "cpu_seconds": C}                   (telegram)
    {"bot": NAME, "texts": [...], "url": EVENTS_URL}
                                   ->  {"seconds": S, "cpu_seconds": C, "acks_ms": [...]}  (slack)

A Telegram round feeds the texts as private messages to the fake's getUpdates and ends when the fake
has answered as many sendMessage calls; a Slack round posts them as signed direct-message events to
the bot's URL from SENDERS concurrent senders and ends when the fake has as many chat.postMessage
calls. `seconds` runs from the first update or event offered to the last answer received;
`cpu_seconds` is this process's CPU time over it (near 100% of `seconds` would mean the fakes, not
the bot, limit the rate). An empty line or the end of stdin stops it. Only loopback is reached
(the same guard as the pipelines).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time

from benchmarks.pipelines import loopback_only

SENDERS = 8  # concurrent Slack senders, as Slack delivers events to an app in parallel
ROUND_LIMIT_S = 120.0  # a safety net: a round that takes longer fails the benchmark


def _say(obj: object) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def _stdin_lines():  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line.strip():
            return
        yield json.loads(line)


# ---------------------------------------------------------------- Telegram
async def telegram(names: list[str]) -> None:
    from tests.fakes.telegram_api import FakeBotAPI

    fakes = {name: await FakeBotAPI().start() for name in names}
    _say({name: fake.base_url for name, fake in fakes.items()})
    try:
        async for cmd in _stdin_lines():
            fake = fakes[cmd["bot"]]
            texts = cmd["texts"]
            seen = {"i": len(fake.calls), "n": 0}

            def answered(fake: FakeBotAPI = fake, seen: dict = seen, want: int = len(texts)) -> bool:
                calls = fake.calls
                while seen["i"] < len(calls):  # count the new calls only: each notify looks at a few
                    call = calls[seen["i"]]
                    seen["n"] += call.method == "sendMessage" and call.ok
                    seen["i"] += 1
                return seen["n"] >= want

            t0, cpu = time.perf_counter(), time.process_time()
            fake.feed(*[fake.private_text(t) for t in texts])
            await fake.wait_until(answered, timeout=ROUND_LIMIT_S)
            _say({"seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - cpu})
    finally:
        for fake in fakes.values():
            await fake.close()


# ---------------------------------------------------------------- Slack
def _event(text: str, event_id: str) -> bytes:
    from tests.fakes.slack_api import BOT_USER_ID, TEAM_ID

    return json.dumps({
        "token": "unused", "team_id": TEAM_ID, "api_app_id": "A0TESTAPP", "type": "event_callback",
        "event_id": event_id, "event_time": int(time.time()),
        "event": {"type": "message", "channel": "D0TESTDM", "channel_type": "im", "user": "U0TESTUSER",
                  "text": text, "ts": f"1700000000.{event_id[-6:]}"},
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
    }).encode()  # fmt: skip


async def slack(names: list[str]) -> None:
    import aiohttp

    from tests.fakes.slack_api import FakeSlack, signed_headers

    fakes = {name: FakeSlack().start() for name in names}
    _say({name: fake.url for name, fake in fakes.items()})
    rounds = itertools.count(1)
    try:
        async with aiohttp.ClientSession() as session:
            async for cmd in _stdin_lines():
                fake, url, texts = fakes[cmd["bot"]], cmd["url"], cmd["texts"]
                k = next(rounds)
                queue = [_event(t, f"Ev{k:04d}{i:06d}") for i, t in enumerate(texts)][::-1]
                acks: list[float] = []

                async def sender(queue: list[bytes] = queue, acks: list[float] = acks, url: str = url) -> None:
                    while queue:
                        body = queue.pop()
                        headers = signed_headers(body, content_type="application/json")
                        t = time.perf_counter()
                        async with session.post(url, data=body, headers=headers) as r:
                            await r.read()
                            if r.status != 200:
                                raise RuntimeError(f"slack: HTTP {r.status}")
                        acks.append((time.perf_counter() - t) * 1000)

                before = len(fake.calls("chat.postMessage"))
                t0, cpu = time.perf_counter(), time.process_time()
                await asyncio.gather(*(sender() for _ in range(SENDERS)))
                await asyncio.to_thread(fake.wait_for, "chat.postMessage", before + len(texts), ROUND_LIMIT_S)
                _say({"seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - cpu, "acks_ms": acks})
    finally:
        for fake in fakes.values():
            fake.stop()


def main(argv: list[str]) -> int:
    channel, names = argv[0], argv[1:]
    with loopback_only():
        asyncio.run(telegram(names) if channel == "telegram" else slack(names))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
