"""Several instances on one PostgreSQL database (DATABASE_URL), beside SQLite on one machine.

1. Increments per second from two processes at once (counts_bench's writers): PostgresStore.record
   and CountsQueue on PostgreSQL, against the same two on one SQLite file. Lost (recorded but not
   stored) and dropped must be 0.
2. Answered events per second: LINE text events, each delivered twice (the second marked as a
   redelivery), through real `referral-bot serve` processes and the local fake of the Messaging API
   (tests/fakes/line_api.py): two instances on PostgreSQL, each event to one and its redelivery to
   the other, against one instance on SQLite getting both. The clock runs from the first POST to
   the n-th reply; then each instance is stopped (SIGTERM: it writes what is queued) and the
   replies and counts are checked: every event answered once (0 lost, 0 answered twice), counted once.

PostgreSQL is the system's server started for the run (tests/fakes/pg_server.py, fsync on, loopback
only); without its binaries this section is skipped with a note.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import counts_bench
from benchmarks.harness import ROOT, Figure, Stat
from benchmarks.pipelines import loopback_only

SECTION = "several instances (PostgreSQL)"
SENDERS = 16  # concurrent webhook deliveries, as a platform sends them
TEXTS = [
    "横浜市の病院です。昨夜性被害にあったかもしれない患者さんが来ています",
    "札幌の病院です。15歳の患者さんが3時間前に性被害にあいました",
    "Our hospital is in Osaka. A patient was assaulted last night",
    "福岡市のクリニックです。パートナーからの性暴力の相談です",
    "Patient in Aomori, raped last night",
    "名古屋の病院です。性被害にあった患者さんへの対応を教えてください",
]


# ------------------------------------------------------------------ 1. increments
def _pg_total(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT COALESCE(SUM(n), 0)::bigint FROM counts").fetchone()[0]


def _increments(kind: str, target: str, n: int, total) -> dict:
    start_at = time.time() + 1.5
    procs = [counts_bench._spawn(kind, target, n, start_at) for _ in range(2)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        if p.returncode != 0:
            raise RuntimeError(f"counts writer failed: {err[-800:]}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    ok = sum(r["ok"] for r in results)
    dropped = sum(r["dropped"] for r in results)
    stored = total()
    wall = max(r["t0"] + r["elapsed"] for r in results) - min(r["t0"] for r in results)
    # lost: neither stored nor counted as dropped (a queued increment whose batch failed is dropped)
    return {"rate": ok / wall, "ok": ok, "dropped": dropped, "lost": 2 * n - dropped - stored}


# ------------------------------------------------------------------ 2. answered events
def _serve(env: dict[str, str], logs: list[Path]) -> list[tuple[subprocess.Popen, str]]:
    """Start the instances together; each one's webhook URL once it listens."""
    procs = []
    for log in logs:
        with log.open("w") as err:
            procs.append(subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", "0"], cwd=ROOT, env=env,
                                          stderr=err, stdout=subprocess.DEVNULL))  # fmt: skip
    started = []
    deadline = time.monotonic() + 60
    for proc, log in zip(procs, logs, strict=True):
        while not (found := re.search(r"serve: listening on port (\d+)", log.read_text())):
            if proc.poll() is not None or time.monotonic() > deadline:
                for p in procs:
                    p.kill()
                raise RuntimeError(f"serve did not start: {log.read_text()[-800:]}")
            time.sleep(0.05)
        started.append((proc, f"http://127.0.0.1:{found[1]}/line/webhook"))
    return started


async def _deliver(urls: list[str], bodies: list[tuple[int, str, str]]) -> None:
    import aiohttp

    from tests.fakes.line_api import signed_headers

    queue: asyncio.Queue = asyncio.Queue()
    for item in bodies:
        queue.put_nowait(item)

    async def sender(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            i, first, again = queue.get_nowait()
            for k, body in ((i, first), (i + 1, again)):  # the delivery, then its redelivery elsewhere
                async with session.post(urls[k % len(urls)], data=body.encode(), headers=signed_headers(body)) as r:
                    await r.read()
                    if r.status != 200:
                        raise RuntimeError(f"webhook answered {r.status}")

    async with aiohttp.ClientSession(trust_env=False) as session:
        await asyncio.gather(*(sender(session) for _ in range(SENDERS)))


def _events(instances: int, n: int, env: dict[str, str], tmp: Path, total) -> dict:
    from tests.fakes.line_api import ACCESS_TOKEN, CHANNEL_SECRET, FakeLine, webhook_body

    with FakeLine() as fake:
        env = env | {"LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN, "LINE_CHANNEL_SECRET": CHANNEL_SECRET,
                     "LINE_API_URL": fake.url}  # fmt: skip
        started = _serve(env, [tmp / f"serve-{i}.log" for i in range(instances)])
        try:
            bodies = []
            for i in range(n):
                event = fake.text_event(TEXTS[i % len(TEXTS)])
                again = event | {"deliveryContext": {"isRedelivery": True}}
                bodies.append((i, webhook_body(event), webhook_body(again)))
            t0 = time.perf_counter()
            with loopback_only():
                asyncio.run(_deliver([url for _, url in started], bodies))
            fake.wait_for("reply", n, timeout=600)
            elapsed = time.perf_counter() - t0
            time.sleep(1.0)  # time for a second answer to show, if any
        finally:
            for proc, _ in started:
                proc.send_signal(signal.SIGTERM)
            codes = [proc.wait(60) for proc, _ in started]
        calls = fake.calls("reply")
        answered = len({c.body.get("replyToken") for c in fake.replies()})
    if codes != [0] * instances:
        raise RuntimeError(f"serve exited {codes}")
    stored = total()
    return {"rate": n / elapsed, "n": n, "lost": n - answered, "twice": len(calls) - answered,
            "counted_lost": n - stored}  # fmt: skip


def run(runs: int, quick: bool, notes: list[str]) -> tuple[list[Figure], dict]:
    from tests.fakes.pg_server import PostgresServer, Unavailable

    try:
        server = PostgresServer.start(fsync=True)
    except Unavailable as e:
        notes.append(f"{SECTION}: skipped ({e})")
        return [], {}
    n_inc = 500 if quick else 5000
    n_events = 100 if quick else 1000
    extra: dict = {"increments": {k: [] for k in ("pgstore", "pgqueue", "store", "queue")},
                   "events": {"postgres": [], "sqlite": []}}  # fmt: skip
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_", "LINE_"))}
    base_env = {k: v for k, v in base_env.items() if k not in ("PORT", "DATABASE_URL", "REFERRAL_DB")}
    base_env |= {"HOST": "127.0.0.1", "LOG_LEVEL": "INFO", "PYTHONPATH": str(ROOT)}
    try:
        with tempfile.TemporaryDirectory(prefix="referral-instances-bench-") as d:
            tmp = Path(d)
            for r in range(runs):
                for kind in ("pgstore", "store", "pgqueue", "queue"):  # interleaved
                    if kind.startswith("pg"):
                        url = server.create_database(f"inc_{kind}_{r}")
                        result = _increments(kind, url, n_inc, lambda url=url: _pg_total(url))
                    else:
                        path = tmp / f"{kind}-{r}.db"
                        counts_bench._prepare(path)
                        result = _increments(kind, str(path), n_inc, lambda path=path: counts_bench._total(path))
                    extra["increments"][kind].append(result)
                url = server.create_database(f"events_{r}")
                extra["events"]["postgres"].append(
                    _events(2, n_events, base_env | {"DATABASE_URL": url}, tmp, lambda url=url: _pg_total(url)))
                path = tmp / f"events-{r}.db"
                extra["events"]["sqlite"].append(
                    _events(1, n_events, base_env | {"REFERRAL_DB": str(path)}, tmp,
                            lambda path=path: counts_bench._total(path)))  # fmt: skip
    finally:
        server.destroy()

    inc, ev = extra["increments"], extra["events"]

    def stat(rows: list[dict], key: str) -> Stat:
        return Stat.of([x[key] for x in rows])

    figures = [
        Figure(SECTION, "increments per second, 2 processes, PostgresStore.record", "1/s", stat(inc["pgstore"], "rate"),
               stat(inc["store"], "rate"), "CountsStore.record, 2 processes, one SQLite file",
               note=f"{n_inc:,} increments per process per run; one transaction each"),
        Figure(SECTION, "CountsQueue increments per second, 2 processes, PostgreSQL", "1/s",
               stat(inc["pgqueue"], "rate"), stat(inc["queue"], "rate"), "CountsQueue, 2 processes, one SQLite file",
               note="until flush() has written them all"),
        Figure(SECTION, "increments lost + dropped, PostgreSQL", "count",
               Stat.of([x["lost"] + x["dropped"] for k in ("pgstore", "pgqueue") for x in inc[k]]),
               Stat.of([x["lost"] + x["dropped"] for k in ("store", "queue") for x in inc[k]]), "SQLite",
               note="must be 0"),
        Figure(SECTION, "answered LINE events per second, 2 serve instances on PostgreSQL", "1/s",
               stat(ev["postgres"], "rate"), stat(ev["sqlite"], "rate"), "1 serve instance on SQLite",
               note=f"{n_events:,} events per run, each delivered twice (to both instances), {SENDERS} senders"),
        Figure(SECTION, "events lost + answered twice + counts lost, 2 instances", "count",
               Stat.of([x["lost"] + x["twice"] + x["counted_lost"] for x in ev["postgres"]]),
               Stat.of([x["lost"] + x["twice"] + x["counted_lost"] for x in ev["sqlite"]]), "1 instance on SQLite",
               note="must be 0"),
    ]  # fmt: skip
    bad = sum(x["lost"] + x["twice"] + x["counted_lost"] for k in ev for x in ev[k])
    bad += sum(x["lost"] for k in inc for x in inc[k])
    notes.append(f"instances: {bad} events or increments lost or answered twice in all runs" + (" (must be 0!)" if bad else ""))
    return figures, extra
