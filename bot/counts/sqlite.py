"""The SQLite counts backend: one file of monthly counters (sqlite-utils), and `CountsStore`, the
guarded store on it.

The schema is bot/counts/schema.py's steps (shared with PostgreSQL) under sqlite-utils' migration
names. The table's CHECK constraints refuse anything but a count row (bot/counts/keys.py); the only
other table is sqlite-utils' migration bookkeeping, cut to the month by a trigger. The busy timeout
is short (0.2 s) so a synchronous caller is never held long, and a busy write is tried again a few
times with a jittered sleep; several processes may share one file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlite_utils import Database, Migrations

from bot.counts.backend import BackupResult, MaintenanceError, ReadError
from bot.counts.guard import Guarded
from bot.counts.keys import KEY, CountRow, Key
from bot.counts.schema import STEPS, Step

log = logging.getLogger("bot.counts")

BUSY_TIMEOUT_S = 0.2  # the constructor accepts at most MAX_BUSY_TIMEOUT_S
MAX_BUSY_TIMEOUT_S = 2.0
BUSY_ATTEMPTS = 3  # tries of a write that finds the database busy, each waiting up to the busy timeout
MAINTENANCE_TIMEOUT_S = 10.0  # how long a backup or a deletion waits for the bot's write to finish
BUSY_RETRY_SLEEP_S = (0.01, 0.05)  # a random sleep between two tries, so two waiting writers part ways
_UPSERT = (
    f"INSERT INTO counts ({', '.join(KEY)}, n) VALUES (?, ?, ?, ?, ?, ?) "
    f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET n = n + excluded.n"
)

# ------------------------------------------------------------------ schema
migrations = Migrations("referral-counts")


def _register(step: Step) -> None:
    def apply(db: Database) -> None:
        for sql in step.sqlite or ():
            db.execute(sql)

    migrations(name=step.name)(apply)


for _step in STEPS:  # the steps of bot/counts/schema.py that apply to SQLite, under their names
    if _step.sqlite is not None:
        _register(_step)


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


def migrate_file(path: Path) -> list[str]:
    """`referral-bot migrate` on a SQLite file (created owner-only if missing): the steps applied."""
    path = Path(path)
    before: set[str] = set()
    if path.is_file():
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
        try:
            before = {m.name for m in migrations.applied(Database(conn, execute_plugins=False))}
        finally:
            conn.close()
    backend = SqliteBackend(path)
    try:
        return [m.name for m in migrations.applied(backend._open()) if m.name not in before]
    finally:
        backend.close()


# ------------------------------------------------------------------ the backend
def _busy(exc: BaseException) -> bool:
    """SQLITE_BUSY (another connection holds the write lock) or SQLITE_LOCKED: worth another try."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    name = getattr(exc, "sqlite_errorname", None)
    if name:
        return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))
    return str(exc) == "database is locked"  # only compared, never logged


def _reason(exc: BaseException) -> str:
    """An error's class and code, never its message (which could one day quote data)."""
    code = getattr(exc, "sqlite_errorname", None) or (
        os.strerror(exc.errno) if isinstance(exc, OSError) and exc.errno else None
    )
    return f"{type(exc).__name__}({code})" if code else type(exc).__name__


def _write(db: Database, items: Sequence[tuple[Key, int]]) -> None:
    """One transaction: every increment or none."""
    db.execute("BEGIN IMMEDIATE")  # the write lock first: no busy upgrade half-way
    try:
        db.conn.executemany(_UPSERT, [(*key, n) for key, n in items])
        db.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(Exception):
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
        raise


_sleep = time.sleep  # the retry's sleep (tests replace it to act between two tries)
_abandoned: list[object] = []  # connections inherited over fork: closing one could delete the parent's WAL


class SqliteBackend:
    """One SQLite file, opened lazily, reopened when deleted, replaced or inherited over fork."""

    def __init__(self, path: Path, *, busy_timeout: float = BUSY_TIMEOUT_S,
                 on_connect: Callable[[sqlite3.Connection], None] | None = None):  # fmt: skip
        self.where = path
        self.wait_s = min(max(float(busy_timeout), 0.0), MAX_BUSY_TIMEOUT_S)
        self._on_connect = on_connect  # tests: inject PRAGMAs
        self._db: Database | None = None
        self._identity: tuple[int, int, int] | None = None  # (pid, st_dev, st_ino) of the open file

    reason = staticmethod(_reason)

    def add(self, items: Sequence[tuple[Key, int]]) -> None:
        try:
            for attempt in range(1, BUSY_ATTEMPTS + 1):
                try:
                    _write(self._open(), items)
                    return
                except sqlite3.OperationalError as exc:
                    if attempt >= BUSY_ATTEMPTS or not _busy(exc):
                        raise
                _sleep(random.uniform(*BUSY_RETRY_SLEEP_S))
        except sqlite3.DatabaseError as exc:
            if not isinstance(exc, sqlite3.IntegrityError):
                self.close()  # reopen next time: the file may have been fixed, moved or replaced
            raise

    def check(self) -> None:
        self._open()

    def _open(self) -> Database:
        """The connection, (re)opened when missing, inherited over fork, or when the file was deleted
        or replaced (writing on would go to a deleted inode and be lost)."""
        path = self.where
        if self._db is not None:
            try:
                st = os.stat(path)
                same = (os.getpid(), st.st_dev, st.st_ino) == self._identity
            except OSError:
                same = False
            if same:
                return self._db
            if self._identity and self._identity[0] != os.getpid():
                _abandoned.append(self._db)
                self._db = None
            else:
                log.warning("referral counts: %s was deleted or replaced; starting a new file", path)
                self.close()
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # owner-only; SQLite gives -wal and -shm the same mode
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        conn = sqlite3.connect(path, timeout=self.wait_s, isolation_level=None, check_same_thread=False)
        try:
            if self._on_connect:
                self._on_connect(conn)
            db = Database(conn, execute_plugins=False)
            db.execute("PRAGMA journal_mode = WAL")
            # NORMAL under WAL: no fsync per count; a power cut may lose the last few counts, never the file
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA secure_delete = ON")
            migrate(db)
            st = os.stat(path)
        except BaseException:
            conn.close()
            raise
        self._db, self._identity = db, (os.getpid(), st.st_dev, st.st_ino)
        return db

    def close(self) -> None:
        db, self._db, self._identity = self._db, None, None
        if db is not None:
            with contextlib.suppress(Exception):
                db.close()

    def rows(self, *, month_from: str | None = None, month_to: str | None = None,
             prefecture: str | None = None) -> list[CountRow]:  # fmt: skip
        """Reads the file read-only and never creates it."""
        if not self.where.is_file():
            raise FileNotFoundError(str(self.where))
        try:
            conn = sqlite3.connect(f"{self.where.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
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
                found = db.execute(sql + f" ORDER BY {', '.join(KEY)}", params).fetchall()
                return [CountRow(*r) for r in found]
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise ReadError(str(exc)) from None


class CountsStore(Guarded):
    """The counts file ($REFERRAL_DB, else data/counts.db) behind the guard: thread-safe, never raises
    on write; several processes may share one file. Opened lazily."""

    def __init__(self, path: str | Path | None = None, *, busy_timeout: float = BUSY_TIMEOUT_S,
                 on_connect: Callable[[sqlite3.Connection], None] | None = None):  # fmt: skip
        if path is None:
            from bot.settings import paths

            path = paths().referral_db
        super().__init__(SqliteBackend(Path(path), busy_timeout=busy_timeout, on_connect=on_connect))

    @property
    def busy_timeout(self) -> float:
        return self.backend.wait_s


# ------------------------------------------------------------------ maintenance (bot/maintenance.py)
def _open_existing(path: Path, *, readonly: bool) -> sqlite3.Connection:
    """A connection to an existing counts file; MaintenanceError if it is missing or not one."""
    if not path.is_file():
        raise MaintenanceError(f"no counts file at {path} (see REFERRAL_DB, --db)")
    uri = f"{path.resolve().as_uri()}?mode={'ro' if readonly else 'rw'}"
    conn = sqlite3.connect(uri, uri=True, timeout=MAINTENANCE_TIMEOUT_S, isolation_level=None)
    try:
        found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'counts'").fetchone()
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise MaintenanceError(f"{path} is not a counts file ({type(exc).__name__})") from None
    if not found:
        conn.close()
        raise MaintenanceError(f"{path} is not a counts file (no counts table)")
    return conn


def backup(source: Path, target: Path, *, force: bool = False) -> BackupResult:
    """SQLite's online backup API in one step: one read transaction, one consistent snapshot, while
    the bot may be writing. The copy is one self-contained file (journal mode DELETE), owner-only.
    An existing `target` is refused unless `force` (then written into through SQLite: a restore)."""
    try:
        return _backup(source, target, force=force)
    except sqlite3.Error as exc:
        raise MaintenanceError(f"the backup failed: {type(exc).__name__}: {exc}") from None


def _backup(source: Path, target: Path, *, force: bool) -> BackupResult:
    src = _open_existing(source, readonly=True)
    try:
        existed = target.exists()
        if existed and target.is_dir():
            raise MaintenanceError(f"{target} is a folder; give a file name")
        if existed and os.path.samefile(source, target):
            raise MaintenanceError(f"{target} is the counts file itself")
        if existed and not force:
            raise MaintenanceError(f"{target} exists; add --force to overwrite it")
        target.parent.mkdir(parents=True, exist_ok=True)
        if not existed:  # owner-only from the start
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        try:
            dst = sqlite3.connect(target, timeout=MAINTENANCE_TIMEOUT_S, isolation_level=None)
            try:
                src.backup(dst)  # pages=-1: one step, one read transaction, one consistent snapshot
                dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
                if dst.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                    raise MaintenanceError(f"the copy at {target} failed its integrity check")
                rows, first, last = dst.execute("SELECT count(*), min(month), max(month) FROM counts").fetchone()
            finally:
                dst.close()
        except BaseException:
            if not existed:
                for leftover in (target, Path(f"{target}-journal"), Path(f"{target}-wal"), Path(f"{target}-shm")):
                    with contextlib.suppress(OSError):
                        leftover.unlink()
            raise
    finally:
        src.close()
    return BackupResult(target, rows, first, last)


def delete_before(path: Path, month: str) -> int:
    """Delete the rows of months before `month` with secure delete, then VACUUM and a WAL checkpoint
    (TRUNCATE), so the old rows stay in no page and no -wal frame. Waits for the bot's write, and the
    bot waits for it. Returns the number of rows deleted."""
    try:
        return _delete_before(path, month)
    except sqlite3.Error as exc:
        raise MaintenanceError(f"cannot delete from {path}: {type(exc).__name__}: {exc}") from None


def _delete_before(path: Path, month: str) -> int:
    conn = _open_existing(path, readonly=False)
    try:
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("BEGIN IMMEDIATE")
        try:
            deleted = conn.execute("DELETE FROM counts WHERE month < ?", (month,)).rowcount
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        if deleted:
            conn.execute("VACUUM")
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode == "wal":
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return deleted
    finally:
        conn.close()
