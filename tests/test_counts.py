"""The referral counts store: what it stores (and never stores), atomic increments, and failures that
must never block or break an answer."""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import re
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot import counts
from bot.counts import CountRow, CountsStore, NullCounts, answer_kind, case_kind, migrate, migrations
from bot.counts import guard as counts_guard
from bot.counts import sqlite as counts_sqlite
from bot.model import INTENT_HELP, INTENT_REFERRAL, INTENT_VICTIM, Case

AT = dt.datetime(2025, 3, 14, 15, 9, 26)
MARKER = "ZQX-患者メモ-7F3A9C"  # what a clinician's message would contain
# Ids a channel handles around a referral: Telegram chat/user ids, Slack team/channel/user ids.
CHAT_ID, USER_ID = 7_461_922_335_180_466_917, 3_141_592_653_589
SLACK_IDS = ("T0QZXW7K2", "C0QZXW7K3", "U0QZXW7K4")


def case(**kw) -> Case:
    return Case(**{"prefecture": "13", **kw})


def all_rows(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT * FROM counts ORDER BY 1, 2, 3, 4, 5").fetchall()
    finally:
        conn.close()


def total(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT coalesce(sum(n), 0) FROM counts").fetchone()[0]
    finally:
        conn.close()


# ------------------------------------------------------------------ the key
@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (set(), "adult"),
        ({"minor"}, "minor"),
        ({"acute"}, "adult+acute"),
        ({"partner", "danger", "acute"}, "adult+acute+danger+partner"),
        ({"minor", "partner", "acute"}, "minor+acute+partner"),
        ({"minor", "danger", "something-else"}, "minor+danger"),
    ],
)
def test_case_kind_is_stable_and_in_flags_order(flags, expected):
    assert case_kind(Case(flags=frozenset(flags))) == expected


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"intent": INTENT_REFERRAL, "prefecture": "13"}, "clinician"),
        ({"intent": INTENT_REFERRAL, "prefecture": None}, "clarify"),
        ({"intent": INTENT_REFERRAL, "prefecture": None, "candidates": ("13", "27")}, "clarify"),
        ({"intent": INTENT_VICTIM, "prefecture": None}, "victim"),
        ({"intent": INTENT_VICTIM, "prefecture": None, "candidates": ("13", "27")}, "clarify"),
        ({"intent": INTENT_HELP, "prefecture": None}, "help"),
    ],
)
def test_answer_kind(kw, expected):
    assert answer_kind(Case(**kw)) == expected


def test_month_is_japan_time_and_nothing_finer():
    assert counts.month_of(dt.datetime(2025, 3, 31, 16, 0, tzinfo=dt.UTC)) == "2025-04"  # 01:00 JST
    assert counts.month_of(dt.datetime(2025, 3, 31, 23, 59)) == "2025-03"  # naive: already Japan time


# ------------------------------------------------------------------ schema
def test_migrations_on_an_in_memory_database():
    db = Database(memory=True)
    assert [m.name for m in migrations.pending(db)] == ["m001_counts", "m002_web_channel"]
    migrate(db)
    migrate(db)  # idempotent
    assert migrations.pending(db) == []
    assert set(db.table_names()) == {"counts", "_sqlite_migrations"}
    assert [c.name for c in db["counts"].columns] == [*counts.KEY, "n"]
    for applied in db["_sqlite_migrations"].rows:
        assert re.fullmatch(r"\d{4}-\d{2}", applied["applied_at"])  # the month, not a timestamp


def test_the_table_accepts_every_channel_and_answer_kind_the_code_counts():
    db = Database(memory=True)
    migrate(db)
    for channel in counts.CHANNELS:  # the same as PostgreSQL's (tests/test_postgres.py): one schema.py
        for kind in counts.ANSWER_KINDS:
            db.execute("INSERT INTO counts VALUES ('2026-11', '14', ?, 'adult', ?, 1)", [channel, kind])
    assert db.execute("SELECT count(*) FROM counts").fetchone()[0] == len(counts.CHANNELS) * len(counts.ANSWER_KINDS)
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO counts VALUES ('2026-11', '14', 'webpage', 'adult', 'clinician', 1)")


def test_a_file_of_the_first_schema_keeps_its_counts_and_takes_the_web_channel(tmp_path):
    path = tmp_path / "counts.db"
    db = Database(path)
    db.execute("BEGIN IMMEDIATE")
    migrations.apply(db, stop_before="m002_web_channel")  # a file written before the web page existed
    db.execute("COMMIT")
    db.execute("INSERT INTO counts VALUES ('2025-03', '13', 'line', 'adult', 'clinician', 4)")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO counts VALUES ('2025-03', '13', 'web', 'adult', 'clinician', 1)")
    db.conn.commit()
    db.close()
    store = CountsStore(path)
    assert store.record(Case(prefecture="13"), channel="web", at=dt.datetime(2025, 3, 2, tzinfo=dt.UTC))
    assert sorted((r.channel, r.n) for r in store.rows()) == [("line", 4), ("web", 1)]
    store.close()


@pytest.mark.parametrize(
    "bad",
    [
        ("2025-03-14", "13", "telegram", "adult", "clinician"),
        ("2025-03", "48", "telegram", "adult", "clinician"),
        ("2025-03", "13", "123456789", "adult", "clinician"),
        ("2025-03", "13", "telegram", MARKER, "clinician"),
        ("2025-03", "13", "telegram", "adult with text", "clinician"),
        ("2025-03", "13", "telegram", "adult", "other"),
    ],
)
def test_the_schema_itself_refuses_anything_but_counts(bad):
    db = Database(memory=True)
    migrate(db)
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO counts VALUES (?, ?, ?, ?, ?, 1)", bad)


# ------------------------------------------------------------------ what the file holds
def scripted_run(store: CountsStore) -> int:
    """Many referrals as channels would record them, including careless callers who pass a message,
    an id or a precise time where they should not. Returns how many records succeeded."""
    ok = 0
    messages = [f"{MARKER} 20代女性、昨夜 東京都で被害、chat {CHAT_ID}", "hello", MARKER]
    for i in range(600):
        text = messages[i % len(messages)]
        c = Case(
            lang="ja",
            intent=(INTENT_REFERRAL, INTENT_VICTIM, INTENT_HELP)[i % 3],
            prefecture=("13", "27", "01", None, text, str(CHAT_ID))[i % 6],
            candidates=(("13", "14"), (), (str(USER_ID), text))[i % 3] if i % 5 == 0 else (),
            flags=frozenset(["acute", "minor", "danger", "partner", text, SLACK_IDS[0]][: i % 7]),
            hours_since=float(i % 100),
        )
        channel = ("telegram", "slack", "console", "line", text, str(CHAT_ID), SLACK_IDS[1])[i % 7]
        at = dt.datetime(2025, 1 + i % 12, 1 + i % 28, i % 24, i % 60, i % 60, 123456, tzinfo=dt.UTC)
        ok += store.record(c, channel=channel, at=at)
    return ok


def forbidden_patterns() -> list[bytes]:
    out = []
    for s in (MARKER, "患者メモ", "ZQX-", str(CHAT_ID), str(USER_ID), *SLACK_IDS):
        out += [s.encode("utf-8"), s.encode("utf-16-le"), s.encode("utf-16-be")]
    for n in (CHAT_ID, USER_ID):
        out.append(n.to_bytes(8, "big"))  # how SQLite stores a 64-bit integer
    return out


def file_bytes(path: Path) -> dict[str, bytes]:
    files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
    return {f.name: f.read_bytes() for f in files if f.exists()}


def assert_clean(path: Path) -> None:
    blobs = file_bytes(path)
    assert blobs
    for name, blob in blobs.items():
        for pattern in forbidden_patterns():
            assert pattern not in blob, f"{pattern!r} found in {name}"
        # no day, no time of day: not in a row, not in a timestamp, not in migration bookkeeping
        assert not re.search(rb"\d{4}-\d{2}-\d{2}", blob), name
        assert not re.search(rb"\d{2}:\d{2}", blob), name


def test_the_file_holds_only_counts_never_text_ids_or_times(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "counts.db"
    store = CountsStore(path)
    ok = scripted_run(store)
    assert ok == 600 and store.dropped == 0
    assert_clean(path)  # while open: the WAL holds the recent pages
    store.close()
    assert_clean(path)  # after the checkpoint on close

    conn = sqlite3.connect(path)
    objects = conn.execute("SELECT type, name FROM sqlite_master ORDER BY 1, 2").fetchall()
    conn.close()
    assert {n for t, n in objects if t == "table"} == {"counts", "_sqlite_migrations"}
    assert {t for t, _ in objects} <= {"table", "index", "trigger"}
    rows = all_rows(path)
    assert sum(r[5] for r in rows) == 600
    for month, pref, channel, kind, answer, _n in rows:
        assert re.fullmatch(r"2025-(0[1-9]|1[0-2])", month)
        assert pref in {"13", "27", "01", "unknown"}
        assert channel in counts.CHANNELS
        assert re.fullmatch(r"(adult|minor)(\+(acute|danger|partner))*", kind)
        assert answer in counts.ANSWER_KINDS
    assert ("other" in {r[2] for r in rows}) and ("unknown" in {r[1] for r in rows})
    for record in caplog.records:  # the log neither
        assert MARKER not in record.getMessage() and str(CHAT_ID) not in record.getMessage()
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_rows_filters_and_never_creates_the_file(tmp_path):
    path = tmp_path / "counts.db"
    with pytest.raises(FileNotFoundError):
        CountsStore(path).rows()
    assert not path.exists()
    store = CountsStore(path)
    for month in (1, 2, 3):
        for pref in ("13", "27"):
            store.record(case(prefecture=pref), channel="console", at=dt.datetime(2025, month, 5))
    got = store.rows(month_from="2025-02", month_to="2025-03", prefecture="27")
    assert got == [
        CountRow("2025-02", "27", "console", "adult", "clinician", 1),
        CountRow("2025-03", "27", "console", "adult", "clinician", 1),
    ]


def test_health_says_no_counts_and_no_ids(tmp_path):
    store = CountsStore(tmp_path / "counts.db")
    store.record(case(), channel="console", at=AT)
    h = store.health()
    assert h == {"path": str(tmp_path / "counts.db"), "ok": True, "dropped": 0, "error": None}


def test_path_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("REFERRAL_DB", str(tmp_path / "deep" / "er" / "c.db"))
    store = CountsStore()
    assert store.record(case(), channel="console", at=AT)
    assert (tmp_path / "deep" / "er" / "c.db").is_file()


def test_null_counts_records_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    null = NullCounts()
    assert null.record(case(), channel="console", at=AT) is False
    assert null.dropped == 0 and null.rows() == [] and null.health()["ok"]
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ concurrency
KEYS = [case(prefecture=p, flags=frozenset(f)) for p in ("13", "27") for f in ((), ("minor",))]


def _writer(path: str, threads: int, per_thread: int, start, results) -> None:
    store = CountsStore(path, busy_timeout=counts_sqlite.MAX_BUSY_TIMEOUT_S)
    ok = []
    start.wait()

    def run() -> None:
        n = 0
        for i in range(per_thread):
            n += store.record(KEYS[i % len(KEYS)], channel="telegram", at=AT)
        ok.append(n)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    results.put((sum(ok), store.dropped))


def test_two_processes_and_many_threads_lose_no_increment(tmp_path):
    path = tmp_path / "new" / "counts.db"  # both processes race to create it, too
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    threads, per_thread = 8, 252  # a multiple of len(KEYS)
    procs = [
        ctx.Process(target=_writer, args=(str(path), threads, per_thread, start, results)) for _ in range(2)
    ]
    for p in procs:
        p.start()
    time.sleep(0.5)
    start.set()
    got = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    expected = 2 * threads * per_thread
    assert sum(ok for ok, _ in got) == expected
    assert sum(dropped for _, dropped in got) == 0
    assert total(path) == expected
    assert {r[5] for r in all_rows(path)} == {expected // len(KEYS)}


def _forked_child(store: CountsStore, n: int) -> None:
    for _ in range(n):
        store.record(case(), channel="slack", at=AT)
    os._exit(0 if store.dropped == 0 else 1)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_store_opened_before_fork_reopens_in_the_child(tmp_path):
    path = tmp_path / "counts.db"
    store = CountsStore(path)
    assert store.record(case(), channel="slack", at=AT)
    child = multiprocessing.get_context("fork").Process(target=_forked_child, args=(store, 50))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    assert store.record(case(), channel="slack", at=AT)
    assert total(path) == 52


# ------------------------------------------------------------------ failures never block an answer
# A busy database: BUSY_ATTEMPTS tries, each waiting up to the busy timeout, a short sleep between.
WORST_BUSY_S = counts_sqlite.BUSY_ATTEMPTS * (counts_sqlite.BUSY_TIMEOUT_S + counts_sqlite.BUSY_RETRY_SLEEP_S[1])


@pytest.fixture
def short_pause(monkeypatch):
    monkeypatch.setattr(counts_guard, "PAUSE_FIRST_S", 0.05)


def timed_record(store: CountsStore, **kw) -> tuple[bool, float]:
    t = time.perf_counter()
    ok = store.record(kw.pop("c", case()), channel=kw.pop("channel", "telegram"), at=kw.pop("at", AT))
    return ok, time.perf_counter() - t


@pytest.mark.parametrize("opened_before", [False, True])
def test_locked_database_drops_quickly_then_recovers(tmp_path, caplog, short_pause, opened_before):
    path = tmp_path / "counts.db"
    store = CountsStore(path)
    CountsStore(path).record(case(), channel="console", at=AT)  # the file exists, in WAL mode
    if opened_before:
        assert store.record(case(), channel="console", at=AT)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # someone left a write transaction open
    try:
        ok, took = timed_record(store)
        assert ok is False and took < WORST_BUSY_S + 0.5
        ok, took = timed_record(store)  # paused: no wait at all
        assert ok is False and took < 0.05
        assert store.dropped == 2
        assert store.health()["ok"] is False
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert any(r.levelno == logging.WARNING and "dropped" in r.getMessage() for r in caplog.records)
    time.sleep(0.1)
    assert store.record(case(), channel="console", at=AT)
    assert store.health() == {"path": str(path), "ok": True, "dropped": 2, "error": None}


def test_exclusive_locking_mode_elsewhere_drops_quickly(tmp_path):
    path = tmp_path / "counts.db"
    first = CountsStore(path)
    first.record(case(), channel="console", at=AT)
    first.close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE counts SET n = n")
    holder.execute("COMMIT")  # keeps the exclusive lock
    try:
        ok, took = timed_record(CountsStore(path))
        assert ok is False and took < WORST_BUSY_S + 0.5
    finally:
        holder.close()


def test_read_only_database_query_only(tmp_path):
    path = tmp_path / "counts.db"
    CountsStore(path).record(case(), channel="console", at=AT)
    store = CountsStore(path, on_connect=lambda conn: conn.execute("PRAGMA query_only = 1"))
    ok, took = timed_record(store)
    assert ok is False and took < 0.5 and store.dropped == 1
    assert total(path) == 1


def _read_only_child(path: str, results) -> None:
    if os.geteuid() == 0:  # root writes through any mode bits: become a user who may only read
        os.setgid(65534)
        os.setuid(65534)
    readable, writable = os.access(path, os.R_OK), os.access(path, os.W_OK)
    store = CountsStore(path)
    t = time.perf_counter()
    ok = store.record(case(), channel="telegram", at=AT)
    results.put((readable, writable, ok, time.perf_counter() - t, store.dropped))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_read_only_file():
    with tempfile.TemporaryDirectory() as tmp:  # not under pytest's owner-only tmp_path
        directory = Path(tmp)
        directory.chmod(0o755)
        path = directory / "counts.db"
        store = CountsStore(path)
        store.record(case(), channel="console", at=AT)
        store.close()
        path.chmod(0o444)
        ctx = multiprocessing.get_context("fork")
        results = ctx.Queue()
        child = ctx.Process(target=_read_only_child, args=(str(path), results))
        child.start()
        readable, writable, ok, took, dropped = results.get(timeout=30)
        child.join(timeout=30)
        assert (readable, writable) == (True, False)
        assert (ok, dropped) == (False, 1) and took < 1.0
        assert total(path) == 1


def test_parent_directory_that_cannot_be_created(tmp_path):
    (tmp_path / "afile").write_text("not a directory")
    store = CountsStore(tmp_path / "afile" / "sub" / "counts.db")
    ok, took = timed_record(store)
    assert ok is False and took < 0.5 and store.dropped == 1
    assert store.health()["ok"] is False


def test_a_directory_where_the_file_should_be(tmp_path):
    (tmp_path / "counts.db").mkdir()
    store = CountsStore(tmp_path / "counts.db")
    ok, took = timed_record(store)
    assert ok is False and took < 0.5 and store.dropped == 1


@pytest.mark.parametrize("delete", [("",), ("", "-wal", "-shm")])
def test_deleted_database_is_recreated(tmp_path, caplog, delete):
    path = tmp_path / "counts.db"
    store = CountsStore(path)
    for _ in range(5):
        assert store.record(case(), channel="console", at=AT)
    for suffix in delete:
        Path(f"{path}{suffix}").unlink()
    ok, took = timed_record(store, channel="console")
    assert ok is True and took < 0.5
    assert total(path) == 1  # a fresh file: the deleted counts stay deleted
    assert any("deleted or replaced" in r.getMessage() for r in caplog.records)


def test_full_disk(tmp_path, short_pause):
    path = tmp_path / "counts.db"
    CountsStore(path).record(case(), channel="console", at=AT)

    def full(conn: sqlite3.Connection) -> None:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")

    store = CountsStore(path, on_connect=full)
    results = []
    for year in range(2000, 2100):  # distinct keys until no page is left
        results.append(timed_record(store, at=dt.datetime(year, 1, 1)))
        time.sleep(0.06 if not results[-1][0] else 0)
    assert any(not ok for ok, _ in results)
    assert all(took < 0.5 for _, took in results)
    assert store.dropped == sum(not ok for ok, _ in results)


@pytest.mark.parametrize(
    "kw",
    [
        {"c": None},
        {"at": "2025-03-14 15:09"},
        {"at": None},
    ],
)
def test_bad_arguments_drop_one_count_and_never_raise(tmp_path, kw):
    store = CountsStore(tmp_path / "counts.db")
    ok, _ = timed_record(store, **kw)
    assert ok is False and store.dropped == 1
    assert store.record(case(), channel="console", at=AT)  # no pause for a caller's mistake


def test_unknown_channel_is_counted_as_other(tmp_path):
    store = CountsStore(tmp_path / "counts.db")
    assert store.record(case(), channel=str(CHAT_ID), at=AT)
    assert store.rows()[0].channel == "other"


def test_throughput(tmp_path):
    """Not a benchmark: a guard that counting stays far below a reply's cost (measured ~10k/s)."""
    store = CountsStore(tmp_path / "counts.db")
    store.record(case(), channel="console", at=AT)
    t = time.perf_counter()
    for _ in range(500):
        store.record(case(), channel="console", at=AT)
    assert (time.perf_counter() - t) / 500 < 0.01
