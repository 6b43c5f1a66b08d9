"""Item 5: the counts store. Increments per second from one process, and from two processes writing
the same file at once, with the increments lost (must be 0) and dropped (record() returned False:
logged and counted, never silent).

Baseline: the same upsert through a bare sqlite3 connection with the store's settings (WAL,
synchronous=NORMAL, autocommit), no locking, checks or reopening: the floor for one SQLite write.
The baseline's busy timeout is 5 s (so it never drops); the store's is BUSY_TIMEOUT_S (0.2 s).
The queue rows: the same increments through CountsQueue (record() queues, its thread writes batches);
the clock stops when flush() has written everything, so the rate is of increments in the file.

Each writer is a separate process (`python -m benchmarks.counts_bench WRITER PATH N`); the two of a
pair start together on a shared start time and report their own rate and drops.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import ROOT, Figure, Stat

SECTION = "counts store (SQLite file)"
AT = dt.datetime(2026, 11, 27, 13, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
UPSERT = ("INSERT INTO counts (month, prefecture, channel, case_kind, answer_kind, n) VALUES (?, ?, ?, ?, ?, 1) "
          "ON CONFLICT (month, prefecture, channel, case_kind, answer_kind) DO UPDATE SET n = n + 1")  # fmt: skip


def _cases():
    from bot.model import Case

    out = []
    for i in range(60):  # a spread of keys, as real traffic has
        pref = f"{i % 47 + 1:02d}" if i % 7 else None
        flags = frozenset(f for j, f in enumerate(("acute", "minor", "danger", "partner")) if (i >> j) & 1)
        out.append(Case(lang="ja", intent="referral", prefecture=pref, flags=flags))
    return out


def writer(kind: str, path: str, n: int, start_at: float) -> dict:
    """One writer process: n increments. Returns its own timing and drops."""
    from bot.counts import CountsQueue, CountsStore, key_of

    cases = _cases()
    if kind in ("store", "queue", "pgstore", "pgqueue"):  # pg*: `path` is a DATABASE_URL
        if kind.startswith("pg"):
            from bot.counts.postgres import PostgresStore

            store = PostgresStore(path)
        else:
            store = CountsStore(path)
        store.health()  # open and migrate before the clock starts
        if kind.endswith("queue"):
            store = CountsQueue(store)
        record = store.record
    else:
        store = None
        conn = sqlite3.connect(path, timeout=5.0, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        keys = [key_of(c, "console", AT) for c in cases]
    while time.time() < start_at:
        time.sleep(0.001)
    ok = 0
    t0 = time.perf_counter()
    if store is not None:
        for i in range(n):
            ok += record(cases[i % len(cases)], channel="console", at=AT)
        if isinstance(store, CountsQueue):
            store.flush(timeout=600)
    else:
        for i in range(n):
            conn.execute(UPSERT, keys[i % len(keys)])
            ok += 1
    elapsed = time.perf_counter() - t0
    dropped = store.dropped if store is not None else n - ok
    if store is not None:
        store.close()
    return {"ok": ok, "dropped": dropped, "elapsed": elapsed, "t0": t0, "n": n}


def _prepare(path: Path) -> None:
    from bot.counts import CountsStore

    s = CountsStore(path)
    s.health()  # creates the file and its table (migrations), as the bot does at start
    s.close()


def _total(path: Path) -> int:
    conn = sqlite3.connect(path, timeout=5.0)
    try:
        return conn.execute("SELECT COALESCE(SUM(n), 0) FROM counts").fetchone()[0]
    finally:
        conn.close()


def _spawn(kind: str, path: Path | str, n: int, start_at: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "benchmarks.counts_bench", kind, str(path), str(n), repr(start_at)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def _round(kind: str, processes: int, n: int, tmp: Path, tag: str) -> dict:
    path = tmp / f"{kind}-{processes}-{tag}.db"
    _prepare(path)
    start_at = time.time() + 1.5  # both processes import and open first, then start together
    procs = [_spawn(kind, path, n, start_at) for _ in range(processes)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        if p.returncode != 0:
            raise RuntimeError(f"counts writer failed: {err[-800:]}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    ok = sum(r["ok"] for r in results)
    stored = _total(path)
    # wall time of the pair: from the first start to the last end (both use the same clock source)
    wall = max(r["t0"] + r["elapsed"] for r in results) - min(r["t0"] for r in results)
    return {
        "rate": ok / wall,
        "ok": ok,
        "dropped": sum(r["dropped"] for r in results),
        "lost": ok - stored,
        "stored": stored,
        "wall": wall,
    }


def run(runs: int, quick: bool, notes: list[str]) -> tuple[list[Figure], dict]:
    n = 500 if quick else 5000
    figures: list[Figure] = []
    extra: dict = {}
    with tempfile.TemporaryDirectory(prefix="referral-counts-bench-") as d:
        tmp = Path(d)
        for processes in (1, 2):
            rounds = {"store": [], "queue": [], "sqlite": []}
            for r in range(runs):
                for kind in ("store", "queue", "sqlite"):  # interleaved
                    rounds[kind].append(_round(kind, processes, n, tmp, str(r)))
            extra[f"{processes}_process"] = rounds
            st, base = rounds["store"], rounds["sqlite"]
            label = "1 process" if processes == 1 else "2 processes, same file"
            figures.append(Figure(SECTION, f"increments per second, {label}", "1/s", Stat.of([x["rate"] for x in st]),
                                  Stat.of([x["rate"] for x in base]), "bare sqlite3 upsert, same settings",
                                  note=f"{n:,} increments per process per run"))  # fmt: skip
            figures.append(Figure(SECTION, f"lost increments, {label}", "count", Stat.of([x["lost"] for x in st]),
                                  Stat.of([x["lost"] for x in base]), "bare sqlite3",
                                  note="counted (record() returned True) but not in the file: must be 0"))  # fmt: skip
            figures.append(Figure(SECTION, f"dropped increments, {label}", "count",
                                  Stat.of([x["dropped"] for x in st]), Stat.of([x["dropped"] for x in base]),
                                  "bare sqlite3 (5 s busy timeout)",
                                  note="record() returned False: busy past 0.2 s; logged and counted"))  # fmt: skip
            qu = rounds["queue"]
            figures.append(Figure(SECTION, f"CountsQueue increments per second, {label}", "1/s",
                                  Stat.of([x["rate"] for x in qu]), Stat.of([x["rate"] for x in st]),
                                  "CountsStore.record", note="until flush() has written them all"))  # fmt: skip
            figures.append(Figure(SECTION, f"CountsQueue lost and dropped, {label}", "count",
                                  Stat.of([x["lost"] + x["dropped"] for x in qu]), None, "",
                                  note="lost (must be 0) plus dropped (full queue or failed batch)"))  # fmt: skip
    lost = sum(x["lost"] for k in extra.values() for kind in ("store", "queue") for x in k[kind])
    notes.append(f"counts: {lost} increments lost in all runs" + (" (must be 0!)" if lost else ""))
    return figures, extra


if __name__ == "__main__":  # a writer process
    kind, path, n, start_at = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    print(json.dumps(writer(kind, path, n, start_at)))
