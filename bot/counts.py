"""Anonymous referral counts: one SQLite file of monthly counters, nothing else.

What a row holds, and all it can ever hold (the table's CHECK constraints enforce it):

    month        "YYYY-MM", in Japan time. Nothing finer is stored anywhere, not even a created_at.
    prefecture   JIS X 0401 code "01".."47", or "unknown"
    channel      one of CHANNELS (any other value is counted as "other")
    case_kind    "adult" or "minor", then "+acute", "+danger", "+partner" in FLAGS order (see case_kind)
    answer_kind  one of ANSWER_KINDS (see answer_kind)
    n            how many referrals had exactly this key

Never message text, never a user, chat, team or channel id, never a time finer than the month. The
only other table is sqlite-utils' migration bookkeeping, whose `applied_at` a trigger cuts to the
month as well.

Counting never blocks an answer, and never breaks one. Two ways to count:

- `CountsQueue(CountsStore())`, for the long-running channels (Telegram, Slack, LINE, `serve`):
  `record()` computes the row key at once (so no Case is kept), appends it to an in-memory list and
  returns: O(1), no I/O, no wait, never raises. One daemon thread ("referral-counts") takes
  everything pending, adds up identical keys and writes them in ONE transaction (`CountsStore.add`),
  at most once every LINGER_S seconds (sooner once WRITE_AT keys wait): a transaction per message
  cost the bot ~1 ms of CPU a message in the pipeline benchmarks, for counts read by the month.
  At most MAX_PENDING keys wait; beyond that a count is dropped (counted, one WARNING per burst).
  During the store's pause after an error the thread waits (the counts stay queued) rather than
  dropping them. `flush()` writes what is pending now; `close()` flushes, then stops the thread and
  closes the store: every command that makes one closes it at shutdown.
- `CountsStore.record()`, synchronous (the console `chat` command): one row, one transaction.

Either way nothing raises: a locked, read-only, full, missing or unopenable database makes the write
fail, counts every increment it drops in `dropped`, and logs one WARNING line naming only the error
class (log lines carry exact timestamps, so a case is never logged). The SQLite busy timeout is
BUSY_TIMEOUT_S = 0.2 s, not the usual 5 s, so that a synchronous caller is never held long. A busy
database (SQLITE_BUSY: another process is writing) is tried again, BUSY_ATTEMPTS tries in all with a
short jittered sleep between them, before the write is given up: two processes writing one file at
full speed otherwise occasionally wait past 0.2 s (SQLite's busy handler polls, and can lose the
race several times in a row). Any other error, or a write still busy after the last try, starts a
pause (1 s, doubling up to 60 s) during which `record()` drops at once, then one more try. Worst
case for one synchronous `record()`: about 1 s (another thread's turn, at most 0.2 s, then its own
three tries). A count normally takes about 0.1 ms.

A follow-up on the same case (a button that refines an answer) is not a new referral: the caller
records only answers to a new message.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import logging
import os
import random
import re
import sqlite3
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlite_utils import Database, Migrations

from bot.model import FLAGS, INTENT_HELP, INTENT_REFERRAL, INTENT_VICTIM, Case

log = logging.getLogger(__name__)

DEFAULT_PATH = Path("data") / "counts.db"
CHANNELS = ("console", "telegram", "slack", "line", "web", "other")
ANSWER_KINDS = ("clinician", "victim", "clarify", "help")
BUSY_TIMEOUT_S = 0.2  # see the module docstring; the constructor accepts at most MAX_BUSY_TIMEOUT_S
MAX_BUSY_TIMEOUT_S = 2.0
PAUSE_FIRST_S, PAUSE_MAX_S = 1.0, 60.0
BUSY_ATTEMPTS = 3  # tries of a write that finds the database busy, each waiting up to the busy timeout
BUSY_RETRY_SLEEP_S = (0.01, 0.05)  # a random sleep between two tries, so two waiting writers part ways
MAX_PENDING = 10_000  # keys a CountsQueue holds while its thread writes; more are dropped (and counted)
LINGER_S = 1.0  # a CountsQueue writes at most this often: the first key waits this long for others
WRITE_AT = 1_000  # ... unless this many keys wait (at most half of max_pending): then at once
ADD_LOCK_WAIT_S = 5.0  # CountsStore.add (a background thread) waits this long for another thread's write
CLOSE_TIMEOUT_S = 5.0
JST = ZoneInfo("Asia/Tokyo")
KEY = ("month", "prefecture", "channel", "case_kind", "answer_kind")
Key = tuple[str, str, str, str, str]
_UPSERT = (
    f"INSERT INTO counts ({', '.join(KEY)}, n) VALUES (?, ?, ?, ?, ?, ?) "
    f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET n = n + excluded.n"
)
_PREFECTURE = re.compile(r"(0[1-9]|[1-3][0-9]|4[0-7])")


class CountRow(NamedTuple):
    month: str
    prefecture: str
    channel: str
    case_kind: str
    answer_kind: str
    n: int


def case_kind(case: Case) -> str:
    """ "adult" (minor not indicated) or "minor", then "+acute", "+danger", "+partner" in FLAGS order.

    E.g. "adult", "minor+acute", "adult+acute+danger+partner". These strings are stable: reports
    and published tables use them, so add new kinds, never rename one."""
    base = "minor" if "minor" in case.flags else "adult"
    return base + "".join(f"+{f}" for f in FLAGS if f != "minor" and f in case.flags)


def answer_kind(case: Case) -> str:
    """What the engine answered: "help" (nothing to act on), "clarify" (it asked which prefecture:
    several matched, or a clinician's message named none), "victim" (victim-facing answer, which
    needs no prefecture) or "clinician" (clinician guidance for a known prefecture)."""
    if case.intent == INTENT_HELP:
        return "help"
    if case.candidates or (case.intent == INTENT_REFERRAL and not case.prefecture):
        return "clarify"
    return "victim" if case.intent == INTENT_VICTIM else "clinician"


def month_of(at: dt.datetime) -> str:
    """ "YYYY-MM" in Japan time; a naive datetime is taken to be Japan time already."""
    if at.tzinfo is not None:
        at = at.astimezone(JST)
    return f"{at.year:04d}-{at.month:02d}"


def key_of(case: Case, channel: str, at: dt.datetime) -> Key:
    """The row key for one referral. Anything unexpected becomes "unknown"/"other", never stored as is."""
    pref = (
        case.prefecture
        if isinstance(case.prefecture, str) and _PREFECTURE.fullmatch(case.prefecture)
        else None
    )
    if channel not in CHANNELS:
        log.warning("referral count: unknown channel counted as 'other'")  # the value itself may be an id
        channel = "other"
    return (month_of(at), pref or "unknown", channel, case_kind(case), answer_kind(case))


# ------------------------------------------------------------------ schema
migrations = Migrations("referral-counts")


@migrations()
def m001_counts(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE counts (
            month TEXT NOT NULL CHECK (month GLOB '[12][0-9][0-9][0-9]-[01][0-9]'),
            prefecture TEXT NOT NULL CHECK (prefecture = 'unknown' OR (length(prefecture) = 2
                AND prefecture GLOB '[0-4][0-9]' AND prefecture BETWEEN '01' AND '47')),
            channel TEXT NOT NULL CHECK (channel IN ('console', 'telegram', 'slack', 'line', 'other')),
            case_kind TEXT NOT NULL CHECK (length(case_kind) BETWEEN 5 AND 40
                AND case_kind NOT GLOB '*[^a-z+]*'),
            answer_kind TEXT NOT NULL CHECK (answer_kind IN ('clinician', 'victim', 'clarify', 'help')),
            n INTEGER NOT NULL CHECK (typeof(n) = 'integer' AND n > 0),
            PRIMARY KEY (month, prefecture, channel, case_kind, answer_kind)
        ) WITHOUT ROWID
        """
    )
    # WITHOUT ROWID: rows are kept in key order, so the file does not even record which key was
    # seen first. The trigger keeps sqlite-utils' bookkeeping to the month, like everything else
    # (it fires for this migration's own record, which is inserted in the same transaction).
    db.execute(
        """
        CREATE TRIGGER migrations_month_only AFTER INSERT ON _sqlite_migrations
        BEGIN
            UPDATE _sqlite_migrations SET applied_at = substr(NEW.applied_at, 1, 7) WHERE id = NEW.id;
        END
        """
    )


@migrations()
def m002_web_channel(db: Database) -> None:
    """Channel "web" (the web page, bot/channels/web.py). SQLite cannot change a CHECK constraint in
    place: the table is made again with the new one and the rows copied over."""
    db.execute(
        """
        CREATE TABLE counts_new (
            month TEXT NOT NULL CHECK (month GLOB '[12][0-9][0-9][0-9]-[01][0-9]'),
            prefecture TEXT NOT NULL CHECK (prefecture = 'unknown' OR (length(prefecture) = 2
                AND prefecture GLOB '[0-4][0-9]' AND prefecture BETWEEN '01' AND '47')),
            channel TEXT NOT NULL CHECK (channel IN ('console', 'telegram', 'slack', 'line', 'web', 'other')),
            case_kind TEXT NOT NULL CHECK (length(case_kind) BETWEEN 5 AND 40
                AND case_kind NOT GLOB '*[^a-z+]*'),
            answer_kind TEXT NOT NULL CHECK (answer_kind IN ('clinician', 'victim', 'clarify', 'help')),
            n INTEGER NOT NULL CHECK (typeof(n) = 'integer' AND n > 0),
            PRIMARY KEY (month, prefecture, channel, case_kind, answer_kind)
        ) WITHOUT ROWID
        """
    )
    db.execute(f"INSERT INTO counts_new ({', '.join(KEY)}, n) SELECT {', '.join(KEY)}, n FROM counts")
    db.execute("DROP TABLE counts")
    db.execute("ALTER TABLE counts_new RENAME TO counts")


def migrate(db: Database) -> None:
    """Apply pending migrations in one IMMEDIATE transaction, so two processes opening a new file at
    once cannot both apply the same migration. Works on an in-memory database too."""
    if not migrations.pending(db):
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        migrations.apply(db)  # its own transactions become savepoints inside ours
        db.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise


# ------------------------------------------------------------------ store
def default_path() -> Path:
    return Path(os.environ.get("REFERRAL_DB") or DEFAULT_PATH)


def _reason(exc: BaseException) -> str:
    """An error's class and code, never its message (which could one day quote data)."""
    code = getattr(exc, "sqlite_errorname", None) or (
        os.strerror(exc.errno) if isinstance(exc, OSError) and exc.errno else None
    )
    return f"{type(exc).__name__}({code})" if code else type(exc).__name__


def _busy(exc: BaseException) -> bool:
    """SQLITE_BUSY (another connection holds the write lock) or SQLITE_LOCKED: worth another try."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    name = getattr(exc, "sqlite_errorname", None)
    if name:
        return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))
    return str(exc) == "database is locked"  # only compared, never logged


def _valid(key: object, n: object) -> bool:
    return (
        isinstance(key, tuple)
        and len(key) == len(KEY)
        and all(isinstance(part, str) for part in key)
        and type(n) is int
        and n > 0
    )


_sleep = time.sleep  # the retry's sleep (tests replace it to act between two tries)
_abandoned: list[object] = []  # connections inherited over fork: closing one could delete the parent's WAL
_forkable: weakref.WeakSet = weakref.WeakSet()  # stores and queues, given fresh locks in a forked child


def _after_fork_in_child() -> None:
    for obj in list(_forkable):
        obj._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class CountsStore:
    """The counts file. Thread-safe; several processes may share one file. Opened lazily."""

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        busy_timeout: float = BUSY_TIMEOUT_S,
        on_connect: Callable[[sqlite3.Connection], None] | None = None,  # tests: inject PRAGMAs
    ):
        self.path = Path(path) if path is not None else default_path()
        self.busy_timeout = min(max(float(busy_timeout), 0.0), MAX_BUSY_TIMEOUT_S)
        self.dropped = 0
        self._on_connect = on_connect
        self._lock = threading.Lock()
        self._db: Database | None = None
        self._identity: tuple[int, int, int] | None = None  # (pid, st_dev, st_ino) of the open file
        self._error: str | None = None
        self._pause = 0.0
        self._paused_until = 0.0
        _forkable.add(self)

    def _after_fork(self) -> None:
        """In a forked child: a thread of the parent may have held the lock, and is not here to release
        it. (The connection is left to `_open`, which sees the new pid.)"""
        self._lock = threading.Lock()

    # -- writing
    def record(self, case: Case, *, channel: str, at: dt.datetime) -> bool:
        """Count one referral. Returns True if counted, False if dropped. Never raises."""
        try:
            if not self._lock.acquire(timeout=self.busy_timeout):
                return self._drop("thread lock timeout", log_it=False)
            try:
                return self._record(case, channel, at)
            finally:
                self._lock.release()
        except Exception as exc:  # never let counting break an answer
            return self._drop(_reason(exc))

    def _record(self, case: Case, channel: str, at: dt.datetime) -> bool:
        key = key_of(case, channel, at)  # a bad argument drops this count only: no pause
        if time.monotonic() < self._paused_until:
            return self._drop("paused after an error", log_it=False)
        try:
            self._write(lambda db: db.execute(_UPSERT, (*key, 1)))
        except Exception as exc:
            return self._failed(exc, 1)
        self._recovered()
        return True

    def add(self, counts: Mapping[Key, int], *, force: bool = False) -> bool:
        """Add each key's n to its row, all in ONE transaction: every increment or none. Keys as made
        by `key_of`; a malformed item is dropped alone (counted). For a background writer
        (CountsQueue): it waits up to ADD_LOCK_WAIT_S for another thread's write. `force`: try even
        during the pause after an error (a flush). True if written; False if dropped, with every
        increment counted in `dropped`. Never raises."""
        try:
            items = [(key, n) for key, n in counts.items() if _valid(key, n)]
            total = sum(n for _, n in items)
            bad = len(counts) - len(items)
        except Exception as exc:  # not a mapping of keys to counts: a caller's bug
            return self._drop(_reason(exc))
        if bad:
            self._drop("malformed key or count", n=bad)
        if not items:
            return not bad
        try:
            if not self._lock.acquire(timeout=ADD_LOCK_WAIT_S):
                return self._drop("thread lock timeout", n=total)
            try:
                return self._add(items, total, force) and not bad
            finally:
                self._lock.release()
        except Exception as exc:
            return self._drop(_reason(exc), n=total)

    def _add(self, items: list[tuple[Key, int]], total: int, force: bool) -> bool:
        if not force and time.monotonic() < self._paused_until:
            return self._drop("paused after an error", n=total, log_it=False)

        def transaction(db: Database) -> None:
            db.execute("BEGIN IMMEDIATE")  # the write lock first: no busy upgrade half-way
            try:
                db.conn.executemany(_UPSERT, [(*key, n) for key, n in items])
                db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(Exception):
                    if db.conn.in_transaction:
                        db.conn.execute("ROLLBACK")
                raise

        try:
            self._write(transaction)
        except Exception as exc:
            return self._failed(exc, total)
        self._recovered()
        return True

    def _write(self, write: Callable[[Database], object]) -> None:
        """Run `write` on the open database. A busy database is tried again, BUSY_ATTEMPTS tries in
        all with a short random sleep between them; any other error, or the last try's, is raised."""
        for attempt in range(1, BUSY_ATTEMPTS + 1):
            try:
                write(self._open())
                return
            except sqlite3.OperationalError as exc:
                if attempt >= BUSY_ATTEMPTS or not _busy(exc):
                    raise
            _sleep(random.uniform(*BUSY_RETRY_SLEEP_S))

    def paused_for(self) -> float:
        """Seconds left of the pause after an error; 0.0 when writes are tried."""
        return max(0.0, self._paused_until - time.monotonic())

    def _failed(self, exc: Exception, n: int) -> bool:
        self._pause = min(max(self._pause * 2, PAUSE_FIRST_S), PAUSE_MAX_S)
        self._paused_until = time.monotonic() + self._pause
        if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.IntegrityError):
            self._close()  # reopen next time: the file may have been fixed, moved or replaced
        return self._drop(_reason(exc), n=n)

    def _recovered(self) -> None:
        if self._error is not None:
            log.info("referral counts: writing again to %s (%d dropped so far)", self.path, self.dropped)
        self._error, self._pause, self._paused_until = None, 0.0, 0.0

    def _drop(self, reason: str, *, n: int = 1, log_it: bool = True) -> bool:
        self.dropped += n
        if log_it:
            self._error = reason
            log.warning(
                "referral count dropped: %s at %s (%d dropped so far)", reason, self.path, self.dropped
            )
        return False

    def _open(self) -> Database:
        """The connection, (re)opened when missing, inherited over fork, or when the file was deleted
        or replaced (writing on would go to a deleted inode and be lost)."""
        if self._db is not None:
            try:
                st = os.stat(self.path)
                same = (os.getpid(), st.st_dev, st.st_ino) == self._identity
            except OSError:
                same = False
            if same:
                return self._db
            if self._identity and self._identity[0] != os.getpid():
                _abandoned.append(self._db)
                self._db = None
            else:
                log.warning("referral counts: %s was deleted or replaced; starting a new file", self.path)
                self._close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # owner-only; SQLite gives -wal and -shm the same mode
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        conn = sqlite3.connect(
            self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
        )
        try:
            if self._on_connect:
                self._on_connect(conn)
            db = Database(conn, execute_plugins=False)
            db.execute("PRAGMA journal_mode = WAL")
            # NORMAL under WAL: no fsync per count; a power cut may lose the last few counts, never the file
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA secure_delete = ON")
            migrate(db)
            st = os.stat(self.path)
        except BaseException:
            conn.close()
            raise
        self._db, self._identity = db, (os.getpid(), st.st_dev, st.st_ino)
        return db

    def _close(self) -> None:
        db, self._db, self._identity = self._db, None, None
        if db is not None:
            with contextlib.suppress(Exception):
                db.close()

    def close(self) -> None:
        with self._lock:
            self._close()

    # -- reading
    def health(self) -> dict:
        """{"path", "ok", "dropped", "error"}: never a count, never an id. Opens (creates) the file if
        needed, so a deployment check finds a bad path at start-up, not at the first referral."""
        with self._lock:
            if self._error is None:
                try:
                    self._open()
                except Exception as exc:
                    self._error = _reason(exc)
            return {
                "path": str(self.path),
                "ok": self._error is None,
                "dropped": self.dropped,
                "error": self._error,
            }

    def rows(
        self, *, month_from: str | None = None, month_to: str | None = None, prefecture: str | None = None
    ) -> list[CountRow]:
        """All rows in the month range (inclusive), for reports. Reads the file read-only and never
        creates it: raises FileNotFoundError if it does not exist, sqlite3.Error if unreadable."""
        if not self.path.is_file():
            raise FileNotFoundError(str(self.path))
        conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
        try:
            db = Database(conn, execute_plugins=False)
            if not db["counts"].exists():
                return []
            where, params = [], []
            for clause, value in (
                ("month >= ?", month_from),
                ("month <= ?", month_to),
                ("prefecture = ?", prefecture),
            ):
                if value is not None:
                    where.append(clause)
                    params.append(value)
            sql = f"SELECT {', '.join(KEY)}, n FROM counts"
            sql += f" WHERE {' AND '.join(where)}" if where else ""
            return [CountRow(*r) for r in db.execute(sql + f" ORDER BY {', '.join(KEY)}", params).fetchall()]
        finally:
            conn.close()


class CountsQueue:
    """Counting for the long-running channels: `record()` queues the row key and returns at once; one
    daemon thread writes what is queued in batches, through `store` (CountsStore.add).

    `record()` is O(1): no I/O, no wait beyond a lock held for a few list operations, never raises.
    It keeps the key tuple only (`key_of`), never the Case. The thread ("referral-counts") starts at
    the first count, takes everything pending, adds up identical keys and writes them in one
    transaction. While the store pauses after an error, the counts wait in memory; at most
    `max_pending` keys wait, beyond that a count is dropped (counted in `dropped`, one WARNING per
    burst). Thread-safe (Slack counts from worker threads); a forked child starts afresh (the
    parent writes what it had queued). `close()` at shutdown: it writes what is pending first.
    """

    def __init__(self, store: CountsStore | None = None, *, max_pending: int = MAX_PENDING,
                 linger: float = LINGER_S):  # fmt: skip
        self.store = store if store is not None else CountsStore()
        self.path = self.store.path
        self.max_pending = max(1, int(max_pending))
        self.linger = max(0.0, float(linger))
        self.write_at = max(1, min(WRITE_AT, self.max_pending // 2))
        self._dropped = 0  # the queue's own drops: full, closed, bad arguments
        self._closed = False
        self._reset()
        _forkable.add(self)
        _open_queues.add(self)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)  # the writer waits here for keys
        self._written = threading.Condition(self._lock)  # flush() waits here for the writer
        self._pending: list[Key] = []
        self._since = 0.0  # time.monotonic() when the first of the pending keys came
        self._queued = 0  # keys accepted so far
        self._done = 0  # keys the writer has finished with (written or dropped)
        self._flush_to = 0  # write up to this many even while the store pauses
        self._full = 0  # drops in the current burst of a full queue (0: not full)
        self._stopping = False
        self._thread: threading.Thread | None = None

    def _after_fork(self) -> None:
        self._reset()  # the parent's thread is not here, and the parent writes its own pending keys

    # -- recording
    def record(self, case: Case, *, channel: str, at: dt.datetime) -> bool:
        """Queue one referral. True if queued, False if dropped (counted). Never raises, never waits."""
        try:
            key = key_of(case, channel, at)
        except Exception as exc:  # a caller's bad argument: this count only
            return self._drop(_reason(exc))
        try:
            with self._lock:
                if self._closed:
                    self._dropped += 1
                    return False
                if len(self._pending) >= self.max_pending:
                    self._dropped += 1
                    self._full += 1
                    first = self._full == 1
                else:
                    if self._thread is None:
                        self._start()
                    self._pending.append(key)
                    self._queued += 1
                    waiting = len(self._pending)
                    if waiting == 1:  # the writer may be idle: it lingers, then writes
                        self._since = time.monotonic()
                        self._work.notify()
                    elif waiting == self.write_at:  # enough for a batch: no need to linger
                        self._work.notify()
                    burst, self._full = self._full, 0
                    first = None
        except Exception as exc:  # e.g. no thread could be started
            return self._drop(_reason(exc))
        if first is None:
            if burst:
                log.info("referral counts: queue has room again (%d dropped while it was full)", burst)
            return True
        if first:
            log.warning(
                "referral counts: %d counts waiting to be written; dropping new ones until the writer "
                "catches up (%d dropped so far)", self.max_pending, self.dropped,
            )  # fmt: skip
        return False

    def _drop(self, reason: str) -> bool:
        with self._lock:
            self._dropped += 1
        log.warning("referral count dropped: %s (%d dropped so far)", reason, self.dropped)
        return False

    def _start(self) -> None:
        thread = threading.Thread(target=self._run, name="referral-counts", daemon=True)
        thread.start()
        self._thread = thread

    # -- the writer thread
    def _run(self) -> None:
        while True:
            with self._lock:
                while True:
                    force = self._stopping or self._flush_to > self._done
                    if self._pending:
                        wait = 0.0 if force else self.store.paused_for()
                        if wait <= 0.0 and not force and len(self._pending) < self.write_at:
                            wait = self._since + self.linger - time.monotonic()  # let a batch gather
                        if wait <= 0.0:
                            break
                    elif self._stopping:
                        self._thread = None
                        return
                    else:
                        wait = None
                    self._work.wait(wait)
                batch, self._pending = self._pending, []
            try:
                self.store.add(Counter(batch), force=force)  # never raises; counts what it drops
            except Exception as exc:  # a bug: the batch is lost, the writer goes on
                log.error("referral counts: %d counts lost to a bug (%s)", len(batch), type(exc).__name__)
                with self._lock:
                    self._dropped += len(batch)
            with self._lock:
                self._done += len(batch)
                self._written.notify_all()

    # -- flushing and closing
    def flush(self, timeout: float = CLOSE_TIMEOUT_S) -> bool:
        """Write what is queued now (even during the store's pause after an error) and wait until it
        is written or dropped. False if that took longer than `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            target = self._queued
            if self._done >= target:
                return True
            self._flush_to = max(self._flush_to, target)
            self._work.notify()
            while self._done < target:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._written.wait(left)
        return True

    def close(self, timeout: float = CLOSE_TIMEOUT_S) -> None:
        """Write what is pending (best effort within `timeout`), stop the thread, close the store.
        Counts recorded afterwards are dropped (counted)."""
        with self._lock:
            self._closed = self._stopping = True
            self._work.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():  # the database did not answer in time: what is still queued is lost
                with self._lock:
                    lost, self._pending = len(self._pending), []
                    self._dropped += lost
                    self._done += lost
                    self._written.notify_all()
                log.warning("referral counts: %d counts not written at shutdown (timeout)", lost)
        self.store.close()
        _open_queues.discard(self)

    # -- reading
    @property
    def dropped(self) -> int:
        """Increments dropped: by the queue (full, closed, bad arguments) and by the store."""
        return self._dropped + self.store.dropped

    @property
    def pending(self) -> int:
        """Counts queued and not yet written (or dropped)."""
        with self._lock:
            return self._queued - self._done

    def health(self) -> dict:
        """The store's health plus "pending"; "dropped" includes the queue's own drops."""
        h = dict(self.store.health())
        with self._lock:
            full, pending = self._full, self._queued - self._done
        if full and h.get("ok"):
            h["ok"], h["error"] = False, "queue full"
        h["dropped"], h["pending"] = self.dropped, pending
        return h

    def rows(self, **filters: str | None) -> list[CountRow]:
        """The store's rows, after writing what is queued."""
        self.flush()
        return self.store.rows(**filters)


_open_queues: weakref.WeakSet[CountsQueue] = weakref.WeakSet()


@atexit.register
def _flush_at_exit() -> None:
    """A queue someone forgot to close: write what it holds before the daemon thread dies."""
    for queue in list(_open_queues):
        with contextlib.suppress(Exception):
            queue.flush(timeout=1.0)


class NullCounts:
    """The store for `--no-count`: counts nothing, drops nothing, touches no file."""

    path = None
    dropped = 0

    def record(self, case: Case, *, channel: str, at: dt.datetime) -> bool:
        return False

    def health(self) -> dict:
        return {"path": None, "ok": True, "dropped": 0, "error": None, "disabled": True}

    def rows(self, **_: object) -> list[CountRow]:
        return []

    def close(self) -> None:
        pass
