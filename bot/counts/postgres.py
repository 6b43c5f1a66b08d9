"""The PostgreSQL counts backend (DATABASE_URL), for several instances on one database, and the
delivery ids they claim there so that a redelivered event is answered once across instances.

psycopg 3 is imported only here, so only when DATABASE_URL is set. The schema is bot/counts/schema.py's
(the same CHECKs as SQLite's), applied under an advisory lock so instances starting at once against
an empty database do not race. A connection that fails is dropped and made again at the next try;
the guard's pause (bot/counts/guard.py) is the backoff between tries. Log lines and health name the
database as `where` (user, host, port, database: never the password) and an error by its class and
SQLSTATE, never its message.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import threading
import time
from collections.abc import Hashable, Sequence
from urllib.parse import urlsplit

import psycopg

from bot.counts.backend import MaintenanceError, ReadError
from bot.counts.guard import PAUSE_FIRST_S, PAUSE_MAX_S, Guarded
from bot.counts.keys import KEY, CountRow, Key
from bot.counts.schema import PG_BOOKKEEPING, PG_LOCK_KEY, STEPS

log = logging.getLogger("bot.counts")

CONNECT_TIMEOUT_S = 2  # libpq's minimum that means anything; a refused connection fails at once
STATEMENT_TIMEOUT_MS = 5_000  # a write (a batch of the queue) waits no longer than this
CLAIM_TIMEOUT_MS = 1_000  # a delivery id's claim holds up an answer no longer than this
CLAIM_LOCK_WAIT_S = 1.0  # a thread waiting for another's claim: then it answers from memory
PRUNE_EVERY_S = 600.0  # expired delivery ids are deleted at most this often, by whoever claims
_UPSERT = (
    f"INSERT INTO counts ({', '.join(KEY)}, n) VALUES (%s, %s, %s, %s, %s, %s) "
    f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET n = counts.n + excluded.n"
)
_CLAIM = (
    "INSERT INTO delivery_ids (id, expires) "
    "VALUES (%s, date_trunc('hour', now() AT TIME ZONE 'UTC') + interval '25 hours') "
    "ON CONFLICT (id) DO NOTHING"
)
_PRUNE = "DELETE FROM delivery_ids WHERE expires < now() AT TIME ZONE 'UTC'"


def redact(url: str) -> str:
    """postgresql://USER@HOST:PORT/DB: what logs, health and messages may name (no password, no query)."""
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"postgresql://{user}{host}{port}{parts.path}"


def reason(exc: BaseException) -> str:
    """An error's class and SQLSTATE, never its message (which could quote a value)."""
    code = getattr(exc, "sqlstate", None)
    return f"{type(exc).__name__}({code})" if code else type(exc).__name__


def connect(url: str, *, statement_timeout_ms: int = STATEMENT_TIMEOUT_MS, durable: bool = True) -> psycopg.Connection:
    """An autocommit connection (transactions are explicit), with short timeouts. durable=False (the
    delivery ids' claims, on an answer's path): a commit does not wait for its fsync, so a server
    crash may forget the last fraction of a second of claims (a redelivery then answered twice),
    never corrupt them. Counts stay durable: the queue's batches make their fsync cheap."""
    timeout = int(statement_timeout_ms)
    options = f"-c statement_timeout={timeout} -c lock_timeout={timeout}"
    if not durable:
        options += " -c synchronous_commit=off"
    return psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S, application_name="referral-bot",
                           options=options)  # fmt: skip


def migrate(conn: psycopg.Connection) -> list[str]:
    """Apply the pending steps in one transaction, under an advisory lock: an instance starting at the
    same time waits, then finds them applied. Returns the names applied."""
    done: list[str] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [PG_LOCK_KEY])
        conn.execute(PG_BOOKKEEPING)
        applied = {v for (v,) in conn.execute("SELECT version FROM referral_migrations")}
        for step in STEPS:
            if step.postgres is None or step.version in applied:
                continue
            for sql in step.postgres:
                conn.execute(sql)
            conn.execute(
                "INSERT INTO referral_migrations (version, name, applied_month) "
                "VALUES (%s, %s, to_char(now() AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM'))",
                [step.version, step.name],
            )
            done.append(step.name)
    return done


def migrate_url(url: str) -> list[str]:
    """`referral-bot migrate` on DATABASE_URL: the steps applied (empty: already up to date)."""
    with connect(url, statement_timeout_ms=0) as conn:
        return migrate(conn)


def delete_before(url: str, month: str) -> int:
    """Delete the counts of months before `month` ("YYYY-MM"), then VACUUM FULL, which rewrites the
    table without them (backups and WAL archives keep them until they expire). Safe while the bot
    runs: its writes wait for the rewrite of a small table. Returns the rows deleted. MaintenanceError
    (one line: the database without its password, the error's class and SQLSTATE) when it cannot."""
    if not re.fullmatch(r"[12][0-9]{3}-(0[1-9]|1[0-2])", month):
        raise ValueError("expected YYYY-MM")
    try:
        return _delete_before(url, month)
    except psycopg.Error as exc:
        raise MaintenanceError(f"cannot delete from {redact(url)}: {reason(exc)}") from None


def _delete_before(url: str, month: str) -> int:
    with connect(url, statement_timeout_ms=0) as conn:
        if conn.execute("SELECT to_regclass('counts')").fetchone()[0] is None:
            return 0
        with conn.transaction():
            deleted = conn.execute("DELETE FROM counts WHERE month < %s", [month]).rowcount
        if deleted:
            conn.execute("VACUUM FULL counts")
        return deleted


class _Connection:
    """One connection, made (and the schema migrated) on first use, dropped after an error, made again
    at the next use; a child process after fork makes its own (the parent's socket is not ours)."""

    def __init__(self, url: str, statement_timeout_ms: int, *, durable: bool = True):
        self.url = url
        self.timeout_ms = statement_timeout_ms
        self.durable = durable
        self._conn: psycopg.Connection | None = None
        self._pid = 0

    def get(self) -> psycopg.Connection:
        conn = self._conn
        if conn is not None and not conn.closed and self._pid == os.getpid():
            return conn
        self._conn = None  # a closed one, or the parent's: left alone
        conn = connect(self.url, statement_timeout_ms=self.timeout_ms, durable=self.durable)
        try:
            migrate(conn)
        except BaseException:
            conn.close()
            raise
        self._conn, self._pid = conn, os.getpid()
        return conn

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and self._pid == os.getpid():
            with contextlib.suppress(Exception):
                conn.close()


class PostgresBackend:
    """The counts table in PostgreSQL: one connection, one transaction per add()."""

    def __init__(self, url: str):
        self.where = redact(url)
        self.wait_s = 2.0
        self._url = url
        self._conn = _Connection(url, STATEMENT_TIMEOUT_MS)

    reason = staticmethod(reason)

    def add(self, items: Sequence[tuple[Key, int]]) -> None:
        try:
            conn = self._conn.get()
            with conn.transaction(), conn.cursor() as cur:  # in key order: two writers lock rows alike, no deadlock
                cur.executemany(_UPSERT, sorted((*key, n) for key, n in items))
        except psycopg.Error as exc:
            if not isinstance(exc, psycopg.errors.IntegrityError):
                self._conn.close()  # made again at the next try: the server may be back
            raise

    def check(self) -> None:
        self._conn.get().execute("SELECT 1")

    def close(self) -> None:
        self._conn.close()

    def rows(self, *, month_from: str | None = None, month_to: str | None = None,
             prefecture: str | None = None) -> list[CountRow]:  # fmt: skip
        """Reads on a connection of its own; creates nothing (no table yet: no rows)."""
        where, params = [], []
        for clause, value in (("month >= %s", month_from), ("month <= %s", month_to), ("prefecture = %s", prefecture)):
            if value is not None:
                where.append(clause)
                params.append(value)
        sql = f"SELECT {', '.join(KEY)}, n FROM counts"
        sql += f" WHERE {' AND '.join(where)}" if where else ""
        try:
            with connect(self._url) as conn:
                conn.read_only = True
                if conn.execute("SELECT to_regclass('counts')").fetchone()[0] is None:
                    return []
                found = conn.execute(sql + f" ORDER BY {', '.join(KEY)}", params).fetchall()
        except psycopg.Error as exc:
            raise ReadError(reason(exc)) from None
        return [CountRow(*r) for r in found]


class PostgresStore(Guarded):
    """The counts in PostgreSQL behind the guard: thread-safe, never raises on write. Opened lazily."""

    def __init__(self, url: str):
        super().__init__(PostgresBackend(url))


def delivery_digest(channel: str, delivery_id: Hashable) -> bytes:
    """What the table holds for a delivery id: 16 bytes of SHA-256 of "channel:id"."""
    return hashlib.sha256(f"{channel}:{delivery_id}".encode()).digest()[:16]


class DeliveryClaims:
    """Delivery ids claimed in the shared database, for every instance: the first claim answers.
    claim() never raises: None when the database cannot say (the caller answers from its memory).
    Thread-safe; after a failure it waits (1 s doubling to 60 s) before trying the database again."""

    def __init__(self, url: str):
        self.where = redact(url)
        self.fallbacks = 0  # claims answered from memory because the database could not say
        self._conn = _Connection(url, CLAIM_TIMEOUT_MS, durable=False)
        self._lock = threading.Lock()
        self._error: str | None = None
        self._pause = 0.0
        self._paused_until = 0.0
        self._pruned_at = 0.0

    def claim(self, channel: str, delivery_id: Hashable) -> bool | None:
        """True: first claim anywhere; False: claimed before; None: the database could not say."""
        if time.monotonic() < self._paused_until or not self._lock.acquire(timeout=CLAIM_LOCK_WAIT_S):
            return self._fallback()
        try:
            conn = self._conn.get()
            with conn.transaction():
                claimed = conn.execute(_CLAIM, [delivery_digest(channel, delivery_id)]).rowcount == 1
            if time.monotonic() - self._pruned_at > PRUNE_EVERY_S:
                self._pruned_at = time.monotonic()
                conn.execute(_PRUNE)
        except Exception as exc:
            self._conn.close()
            self._pause = min(max(self._pause * 2, PAUSE_FIRST_S), PAUSE_MAX_S)
            self._paused_until = time.monotonic() + self._pause
            if self._error is None:
                log.warning("delivery ids: %s at %s; answering from this instance's memory", reason(exc), self.where)
            self._error = reason(exc)
            return self._fallback()
        finally:
            self._lock.release()
        if self._error is not None:
            log.info("delivery ids: claiming in %s again (%d answered from memory)", self.where, self.fallbacks)
        self._error, self._pause, self._paused_until = None, 0.0, 0.0
        return claimed

    def _fallback(self) -> None:
        self.fallbacks += 1
        return None

    def health(self) -> dict:
        return {"shared": True, "ok": self._error is None, "error": self._error, "fallbacks": self.fallbacks}

    def close(self) -> None:
        with self._lock:
            self._conn.close()
