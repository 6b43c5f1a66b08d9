"""The background counts writer (CountsQueue) and the store's retry of a busy write: record() only
queues and never waits, the writer adds up identical keys and writes them in one transaction, nothing
is lost, every drop is counted, and a busy database is tried again before anything is dropped."""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import sqlite3
import threading
import weakref
from collections import Counter

import pytest

from bot.counts import CountRow, CountsQueue, CountsStore, key_of
from bot.counts import guard as counts_guard
from bot.counts import queue as counts_queue
from bot.counts import sqlite as counts_sqlite
from bot.model import INTENT_VICTIM, Case
from tests.test_counts import AT, CHAT_ID, MARKER, all_rows, assert_clean, case, scripted_run, total

KEYS = [case(prefecture=p, flags=frozenset(f)) for p in ("13", "27") for f in ((), ("minor",))]
WAIT_S = 30.0  # only ever reached when a test is about to fail


class GatedStore(CountsStore):
    """A real store whose add() first waits at a gate, so a test decides when the writer may write."""

    def __init__(self, path, **kw):
        super().__init__(path, **kw)
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.batches: list[Counter] = []

    def add(self, counts, **kw):
        self.batches.append(Counter(counts))
        self.entered.set()
        self.gate.wait(WAIT_S)
        return super().add(counts, **kw)


@pytest.fixture
def queues():
    """Makes queues, and closes each at the end (a queue left open keeps its thread)."""
    made: list[CountsQueue] = []

    def make(store: CountsStore, **kw) -> CountsQueue:
        q = CountsQueue(store, **kw)
        made.append(q)
        return q

    yield make
    for q in made:
        if isinstance(q.store, GatedStore):
            q.store.gate.set()
        q.close(timeout=WAIT_S)


def prepared(path) -> None:
    """The file and its table exist, as after a bot's first start."""
    store = CountsStore(path)
    assert store.health()["ok"]
    store.close()


# ------------------------------------------------------------------ the queue
def test_queued_counts_are_written_as_rows_after_flush(tmp_path, queues):
    path = tmp_path / "counts.db"
    q = queues(CountsStore(path))
    for _ in range(5):
        assert q.record(case(), channel="telegram", at=AT) is True
    for _ in range(3):
        assert q.record(case(prefecture="27", flags=frozenset({"minor"})), channel="slack", at=AT)
    assert q.record(Case(intent=INTENT_VICTIM), channel="line", at=AT)
    assert q.flush(timeout=WAIT_S)
    assert q.pending == 0 and q.dropped == 0
    assert all_rows(path) == [
        ("2025-03", "13", "telegram", "adult", "clinician", 5),
        ("2025-03", "27", "slack", "minor", "clinician", 3),
        ("2025-03", "unknown", "line", "adult", "victim", 1),
    ]
    assert q.rows(prefecture="27") == [CountRow("2025-03", "27", "slack", "minor", "clinician", 3)]
    assert q.health() == {
        "path": str(path),
        "ok": True,
        "dropped": 0,
        "error": None,
        "pending": 0,
    }


def test_what_waits_is_added_up_and_written_in_one_transaction(tmp_path, queues):
    path = tmp_path / "counts.db"
    prepared(path)
    statements: list[str] = []
    store = GatedStore(path, on_connect=lambda conn: conn.set_trace_callback(statements.append))
    q = queues(store)
    assert q.record(KEYS[0], channel="telegram", at=AT)
    assert store.entered.wait(WAIT_S)  # the writer holds the first count, and waits at the gate
    for i in range(100):
        assert q.record(KEYS[i % len(KEYS)], channel="telegram", at=AT)
    assert q.pending == 101
    store.gate.set()
    assert q.flush(timeout=WAIT_S)
    first, second = store.batches
    assert first == Counter({key_of(KEYS[0], "telegram", AT): 1})
    assert second == Counter({key_of(k, "telegram", AT): 25 for k in KEYS})  # 100 counts, 4 keys
    assert [s for s in statements if s in ("BEGIN IMMEDIATE", "COMMIT")] == ["BEGIN IMMEDIATE", "COMMIT"] * 2
    assert sorted(r[5] for r in all_rows(path)) == [25, 25, 25, 26]


def test_many_threads_recording_at_once_give_exact_totals(tmp_path, queues):
    path = tmp_path / "counts.db"
    q = queues(CountsStore(path))
    threads, per_thread = 8, 1000
    start = threading.Barrier(threads)
    ok = []

    def run() -> None:
        start.wait()
        ok.append(sum(q.record(KEYS[i % len(KEYS)], channel="slack", at=AT) for i in range(per_thread)))

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert q.flush(timeout=WAIT_S)
    assert sum(ok) == threads * per_thread and q.dropped == 0
    assert [r[5] for r in all_rows(path)] == [threads * per_thread // len(KEYS)] * len(KEYS)


def test_record_never_waits_for_a_locked_database(tmp_path, queues):
    path = tmp_path / "counts.db"
    prepared(path)
    q = queues(CountsStore(path))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process is writing, for as long as this test likes
    try:
        results = [q.record(KEYS[i % len(KEYS)], channel="line", at=AT) for i in range(1000)]
        # every count was accepted while no write could succeed: record() wrote nothing itself
        assert results == [True] * 1000
        assert holder.in_transaction and total(path) == 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert q.flush(timeout=WAIT_S)
    assert q.pending == 0
    assert total(path) + q.dropped == 1000  # normally all written: the writer's retries outlast the lock


def test_while_the_store_pauses_counts_wait_in_the_queue(tmp_path, queues, monkeypatch):
    monkeypatch.setattr(counts_guard, "PAUSE_FIRST_S", 30.0)  # a pause that outlasts the test
    monkeypatch.setattr(counts_sqlite, "_sleep", lambda _: None)
    path = tmp_path / "counts.db"
    prepared(path)
    q = queues(CountsStore(path))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        assert q.record(case(), channel="line", at=AT)
        assert q.flush(timeout=WAIT_S)  # tried: busy on every try, dropped, and the store pauses
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert q.dropped == 1 and q.store.paused_for() > 0
    for _ in range(50):
        assert q.record(case(), channel="line", at=AT)
    assert q.pending == 50 and q.dropped == 1  # held, not dropped, while the store pauses
    assert q.flush(timeout=WAIT_S)  # a flush writes even during the pause
    assert total(path) == 50 and q.dropped == 1 and q.health()["ok"]


def test_a_full_queue_drops_and_counts_the_excess(tmp_path, queues, caplog):
    caplog.set_level(logging.INFO, logger="bot.counts")
    path = tmp_path / "counts.db"
    store = GatedStore(path)
    q = queues(store, max_pending=10)
    assert q.record(case(), channel="slack", at=AT)
    assert store.entered.wait(WAIT_S)  # the writer took that one: the list is empty again
    results = [q.record(case(), channel="slack", at=AT) for _ in range(25)]
    assert results == [True] * 10 + [False] * 15
    assert q.dropped == 15 and q.pending == 11
    h = q.health()
    assert (h["ok"], h["error"], h["dropped"], h["pending"]) == (False, "queue full", 15, 11)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "dropping new ones" in warnings[0].getMessage()  # one per burst
    store.gate.set()
    assert q.flush(timeout=WAIT_S)
    assert q.record(case(), channel="slack", at=AT)  # room again: the burst is over
    assert any("room again (15 dropped" in r.getMessage() for r in caplog.records)
    assert q.flush(timeout=WAIT_S)
    assert total(path) == 12 and q.dropped == 15 and q.health()["ok"]


def test_the_writer_lingers_so_counts_that_trickle_in_share_one_transaction(tmp_path, queues):
    path = tmp_path / "counts.db"
    store = GatedStore(path)
    store.gate.set()
    q = queues(store, linger=10 * WAIT_S)  # longer than the test: only a flush or a full batch writes
    for i in range(3):
        assert q.record(KEYS[i], channel="telegram", at=AT)
    assert not store.entered.wait(0.2)  # one at a time, they wait for company
    assert q.flush(timeout=WAIT_S)
    assert len(store.batches) == 1 and sum(store.batches[0].values()) == 3
    assert total(path) == 3


def test_a_full_batch_is_written_without_lingering(tmp_path, queues):
    path = tmp_path / "counts.db"
    store = GatedStore(path)
    store.gate.set()
    q = queues(store, max_pending=10, linger=10 * WAIT_S)  # a batch is max_pending // 2 = 5 keys here
    assert q.write_at == 5
    for i in range(5):
        assert q.record(KEYS[i % len(KEYS)], channel="slack", at=AT)
    assert store.entered.wait(WAIT_S)  # written long before the linger is over
    assert sum(store.batches[0].values()) == 5


def test_the_default_linger_writes_within_seconds_without_a_flush(tmp_path, queues):
    store = GatedStore(tmp_path / "counts.db")
    store.gate.set()
    q = queues(store)
    assert q.linger == counts_queue.LINGER_S <= 5
    assert q.record(case(), channel="line", at=AT)
    assert store.entered.wait(WAIT_S)


def test_flush_gives_up_after_its_timeout(tmp_path, queues):
    store = GatedStore(tmp_path / "counts.db")
    q = queues(store)
    assert q.record(case(), channel="line", at=AT)
    assert store.entered.wait(WAIT_S)
    assert q.flush(timeout=0.05) is False  # the writer is held at the gate
    store.gate.set()
    assert q.flush(timeout=WAIT_S) is True


def test_close_writes_what_is_pending_and_later_counts_are_dropped(tmp_path):
    path = tmp_path / "counts.db"
    q = CountsQueue(CountsStore(path))
    for i in range(100):
        assert q.record(KEYS[i % len(KEYS)], channel="telegram", at=AT)
    thread = q._thread
    assert thread is not None and thread.name == "referral-counts" and thread.daemon
    q.close()
    assert not thread.is_alive()
    assert total(path) == 100 and q.dropped == 0
    assert q.record(case(), channel="telegram", at=AT) is False  # closed: counted as dropped
    assert q.dropped == 1 and total(path) == 100
    q.close()  # twice is harmless


def test_close_with_a_stuck_writer_returns_and_accounts_for_everything(tmp_path, caplog):
    path = tmp_path / "counts.db"
    store = GatedStore(path)
    q = CountsQueue(store)
    assert q.record(case(), channel="line", at=AT)
    assert store.entered.wait(WAIT_S)
    for _ in range(4):
        assert q.record(case(), channel="line", at=AT)
    thread = q._thread
    q.close(timeout=0.05)  # the writer is held at the gate: the 4 still queued are given up
    assert q.dropped == 4
    assert any("4 counts not written at shutdown" in r.getMessage() for r in caplog.records)
    store.gate.set()
    thread.join(WAIT_S)
    assert not thread.is_alive()
    assert total(path) + q.dropped == 5
    store.close()


def test_a_failing_store_never_raises_through_record(tmp_path, queues, caplog):
    (tmp_path / "afile").write_text("not a directory")
    q = queues(CountsStore(tmp_path / "afile" / "sub" / "counts.db"))
    for _ in range(5):
        assert q.record(case(prefecture=MARKER), channel="line", at=AT) is True  # queued
    assert q.flush(timeout=WAIT_S)
    assert q.dropped == 5 and q.pending == 0
    assert q.health()["ok"] is False
    assert q.record(None, channel="line", at=AT) is False  # a caller's bad argument: dropped, no raise
    assert q.record(case(), channel="line", at="2025-03-14") is False
    assert q.dropped == 7
    for r in caplog.records:
        assert MARKER not in r.getMessage()


def test_a_bug_in_the_store_does_not_stop_the_writer(tmp_path, queues, monkeypatch, caplog):
    path = tmp_path / "counts.db"
    store = CountsStore(path)
    q = queues(store)
    real = store.add
    calls = []

    def add(batch, **kw):
        calls.append(sum(batch.values()))
        if len(calls) == 1:
            raise RuntimeError(MARKER)
        return real(batch, **kw)

    monkeypatch.setattr(store, "add", add)
    assert q.record(case(), channel="slack", at=AT)
    assert q.flush(timeout=WAIT_S)
    assert q.dropped == 1
    assert q.record(case(), channel="slack", at=AT)
    assert q.flush(timeout=WAIT_S)
    assert total(path) == 1 and q.dropped == 1
    assert any("lost to a bug (RuntimeError)" in r.getMessage() for r in caplog.records)
    assert all(MARKER not in r.getMessage() for r in caplog.records)


def test_the_queue_keeps_the_key_never_the_case(tmp_path, queues):
    store = GatedStore(tmp_path / "counts.db")
    q = queues(store)
    assert q.record(case(), channel="line", at=AT)
    assert store.entered.wait(WAIT_S)
    c = Case(
        prefecture=MARKER, flags=frozenset({"minor", MARKER}), candidates=(str(CHAT_ID),), hours_since=3.0
    )
    ref = weakref.ref(c)
    assert q.record(c, channel=str(CHAT_ID), at=AT)
    del c
    gc.collect()
    assert ref() is None  # nothing holds the Case
    assert q._pending == [("2025-03", "unknown", "other", "minor", "clarify")]
    assert all(type(k) is tuple and all(type(p) is str for p in k) for k in q._pending)
    store.gate.set()
    assert q.flush(timeout=WAIT_S)


def test_the_file_and_the_logs_hold_only_counts(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "counts.db"
    q = CountsQueue(CountsStore(path))
    assert scripted_run(q) == 600
    assert q.flush(timeout=WAIT_S) and q.dropped == 0
    assert_clean(path)
    q.close()
    assert_clean(path)
    assert sum(r[5] for r in all_rows(path)) == 600
    failing = CountsQueue(CountsStore(tmp_path / "counts.db" / "x.db"), max_pending=100)
    scripted_run(failing)  # errors, a full queue: every log line they make
    failing.close(timeout=WAIT_S)
    assert failing.dropped == 600
    assert any(r.levelno == logging.WARNING for r in caplog.records)
    for record in caplog.records:
        message = record.getMessage()
        assert MARKER not in message and "患者" not in message and str(CHAT_ID) not in message


def _queue_writer(path: str, threads: int, per_thread: int, start, results) -> None:
    q = CountsQueue(CountsStore(path))
    ok = []
    start.wait()

    def run() -> None:
        ok.append(sum(q.record(KEYS[i % len(KEYS)], channel="telegram", at=AT) for i in range(per_thread)))

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    flushed = q.flush(timeout=60)
    results.put((sum(ok), q.dropped, flushed))
    q.close()


def test_two_processes_through_queues_lose_and_drop_nothing(tmp_path):
    path = tmp_path / "new" / "counts.db"  # both processes race to create it, too
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    threads, per_thread = 2, 2500  # 5,000 counts per process
    procs = [
        ctx.Process(target=_queue_writer, args=(str(path), threads, per_thread, start, results))
        for _ in range(2)
    ]
    for p in procs:
        p.start()
    start.set()
    got = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert [flushed for _, _, flushed in got] == [True, True]
    assert sum(ok for ok, _, _ in got) == 10_000
    assert sum(dropped for _, dropped, _ in got) == 0
    assert total(path) == 10_000
    assert {r[5] for r in all_rows(path)} == {10_000 // len(KEYS)}


def _forked_queue_child(q: CountsQueue, n: int) -> None:
    ok = sum(q.record(case(), channel="line", at=AT) for _ in range(n))
    flushed = q.flush(timeout=WAIT_S)
    os._exit(0 if ok == n and flushed and q.dropped == 0 else 1)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_queue_in_use_before_fork_works_in_the_child(tmp_path, queues):
    path = tmp_path / "counts.db"
    q = queues(CountsStore(path))
    assert q.record(case(), channel="line", at=AT) and q.flush(timeout=WAIT_S)
    child = multiprocessing.get_context("fork").Process(target=_forked_queue_child, args=(q, 50))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0  # the parent's thread is not in the child: it started its own
    assert q.record(case(), channel="line", at=AT) and q.flush(timeout=WAIT_S)
    assert total(path) == 52


# ------------------------------------------------------------------ CountsStore.add
def test_add_writes_every_key_in_one_go_and_refuses_malformed_items(tmp_path):
    path = tmp_path / "counts.db"
    store = CountsStore(path)
    k13, k27 = key_of(case(), "slack", AT), key_of(case(prefecture="27"), "slack", AT)
    assert store.add(Counter({k13: 3, k27: 2})) is True
    assert store.add({k13: 1, ("2025-03", MARKER): 1, k27: 0, ("a",) * 5: 1.5}) is False  # k13 written
    assert store.dropped == 3
    assert [(r[1], r[5]) for r in all_rows(path)] == [("13", 4), ("27", 2)]
    bad_month = ("2025-03-14", *k13[1:])  # the right shape, refused by the table: the whole batch
    assert store.add({k13: 1, bad_month: 1}) is False
    assert store.dropped == 5 and total(path) == 6
    assert store.add({}) is True
    store.close()


# ------------------------------------------------------------------ the store's retry of a busy write
@pytest.mark.parametrize("attempts", [1, None])
def test_a_busy_write_is_tried_again_before_it_is_dropped(tmp_path, monkeypatch, attempts):
    """Another process holds the write lock past the busy timeout and lets go between two tries:
    without the retry (attempts=1) the count is dropped, with it (the default) the count is written."""
    if attempts is None:
        assert counts_sqlite.BUSY_ATTEMPTS >= 2
    else:
        monkeypatch.setattr(counts_sqlite, "BUSY_ATTEMPTS", attempts)
    path = tmp_path / "counts.db"
    store = CountsStore(path)
    assert store.record(case(), channel="console", at=AT)
    locked, release, released = threading.Event(), threading.Event(), threading.Event()

    def hold() -> None:
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        locked.set()
        release.wait(WAIT_S)
        holder.execute("ROLLBACK")
        holder.close()
        released.set()

    sleeps: list[float] = []

    def sleep(seconds: float) -> None:  # between two tries: the other process lets go
        sleeps.append(seconds)
        release.set()
        released.wait(WAIT_S)

    monkeypatch.setattr(counts_sqlite, "_sleep", sleep)
    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(WAIT_S)
        ok = store.record(case(), channel="console", at=AT)
    finally:
        release.set()
        holder.join(WAIT_S)
    if attempts == 1:
        assert (ok, store.dropped, sleeps, total(path)) == (False, 1, [], 1)
    else:
        assert (ok, store.dropped, total(path)) == (True, 0, 2)
        lo, hi = counts_sqlite.BUSY_RETRY_SLEEP_S
        assert len(sleeps) == 1 and lo <= sleeps[0] <= hi
        assert store.health()["ok"]


def test_a_lock_that_outlasts_every_try_drops_the_count_and_pauses(tmp_path, monkeypatch):
    sleeps: list[float] = []
    monkeypatch.setattr(counts_sqlite, "_sleep", sleeps.append)
    path = tmp_path / "counts.db"
    store = CountsStore(path)
    assert store.record(case(), channel="console", at=AT)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        assert store.record(case(), channel="console", at=AT) is False
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert len(sleeps) == counts_sqlite.BUSY_ATTEMPTS - 1
    assert store.dropped == 1 and store.paused_for() > 0
    assert store.health()["error"] == "OperationalError(SQLITE_BUSY)"


def test_other_errors_are_not_tried_again(tmp_path, monkeypatch):
    sleeps: list[float] = []
    monkeypatch.setattr(counts_sqlite, "_sleep", sleeps.append)
    path = tmp_path / "counts.db"
    CountsStore(path).record(case(), channel="console", at=AT)
    store = CountsStore(path, on_connect=lambda conn: conn.execute("PRAGMA query_only = 1"))
    assert store.record(case(), channel="console", at=AT) is False
    assert sleeps == [] and store.dropped == 1


def test_busy_is_recognised_by_its_code():
    busy = sqlite3.OperationalError("database is locked")
    busy.sqlite_errorname = "SQLITE_BUSY"
    snapshot = sqlite3.OperationalError("database is locked")
    snapshot.sqlite_errorname = "SQLITE_BUSY_SNAPSHOT"
    readonly = sqlite3.OperationalError("attempt to write a readonly database")
    readonly.sqlite_errorname = "SQLITE_READONLY"
    assert counts_sqlite._busy(busy) and counts_sqlite._busy(snapshot)
    assert counts_sqlite._busy(sqlite3.OperationalError("database is locked"))  # no code: by its text
    assert not counts_sqlite._busy(readonly) and not counts_sqlite._busy(sqlite3.IntegrityError("database is locked"))
    assert not counts_sqlite._busy(OSError("database is locked"))
