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

Counting never blocks an answer. `record()` never raises: a locked, read-only, full, missing or
unopenable database makes it return False, counts the drop in `dropped`, and logs one WARNING line
naming only the error class (log lines carry exact timestamps, so a case is never logged). The SQLite
busy timeout is BUSY_TIMEOUT_S = 0.2 s, not the usual 5 s: the Telegram and Slack handlers run in
one asyncio loop, so a synchronous wait stalls every conversation, not just the one being counted.
A count normally takes about 0.1 ms; two bot processes contend for milliseconds (WAL, one-row
transactions, no fsync per commit), so 0.2 s drops nothing in normal use. A stuck lock (someone left
`sqlite3` open in a transaction) costs one 0.2 s wait, then a pause (1 s, doubling up to 60 s)
during which counts are dropped at once, then one more try. Worst case for one call: about 0.4 s
(another thread's wait, then its own). Call `record()` after the reply is sent, and from async code
preferably through `asyncio.to_thread` so that not even that reaches the event loop.

A follow-up on the same case (a button that refines an answer) is not a new referral: the caller
records only answers to a new message.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlite_utils import Database, Migrations

from bot.model import FLAGS, INTENT_HELP, INTENT_REFERRAL, INTENT_VICTIM, Case

log = logging.getLogger(__name__)

DEFAULT_PATH = Path("data") / "counts.db"
CHANNELS = ("console", "telegram", "slack", "line", "other")
ANSWER_KINDS = ("clinician", "victim", "clarify", "help")
BUSY_TIMEOUT_S = 0.2  # see the module docstring; the constructor accepts at most MAX_BUSY_TIMEOUT_S
MAX_BUSY_TIMEOUT_S = 2.0
PAUSE_FIRST_S, PAUSE_MAX_S = 1.0, 60.0
JST = ZoneInfo("Asia/Tokyo")
KEY = ("month", "prefecture", "channel", "case_kind", "answer_kind")
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


def key_of(case: Case, channel: str, at: dt.datetime) -> tuple[str, str, str, str, str]:
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


_abandoned: list[object] = []  # connections inherited over fork: closing one could delete the parent's WAL


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
            db = self._open()
            db.execute(
                f"INSERT INTO counts ({', '.join(KEY)}, n) VALUES (?, ?, ?, ?, ?, 1) "
                f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET n = n + 1",
                key,
            )
        except Exception as exc:
            self._pause = min(max(self._pause * 2, PAUSE_FIRST_S), PAUSE_MAX_S)
            self._paused_until = time.monotonic() + self._pause
            if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.IntegrityError):
                self._close()  # reopen next time: the file may have been fixed, moved or replaced
            return self._drop(_reason(exc))
        if self._error is not None:
            log.info("referral counts: writing again to %s (%d dropped so far)", self.path, self.dropped)
        self._error, self._pause = None, 0.0
        return True

    def _drop(self, reason: str, *, log_it: bool = True) -> bool:
        self.dropped += 1
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
