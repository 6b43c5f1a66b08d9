"""Operating the counts file: `referral-bot backup` and `referral-bot privacy --delete-before`.

Both go through SQLite, never around it. The bot writes in WAL mode, where recent commits may live
only in the `-wal` file: a plain file copy can miss them, or copy a half-written page. A backup uses
SQLite's online backup API (sqlite3.Connection.backup) in one step, which reads one consistent
snapshot (every transaction committed before it started) while the bot goes on writing. The copy is a
single self-contained file (journal mode DELETE, no -wal to carry along), owner-only (0600).

A restore is a backup the other way (`referral-bot backup --db BACKUP --force $REFERRAL_DB`, with
every bot process stopped): it writes through SQLite into the existing file, so a -wal left beside it
is taken care of instead of being replayed onto the wrong file.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

MAINTENANCE_TIMEOUT_S = 10.0  # how long a backup or a deletion waits for the bot's write to finish


class MaintenanceError(Exception):
    """An expected problem (no such file, not a counts file, target exists): one line for the user."""


@dataclass(frozen=True)
class BackupResult:
    target: Path
    rows: int
    first_month: str | None
    last_month: str | None


def _open_counts(path: Path, *, readonly: bool) -> sqlite3.Connection:
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


def backup(source: str | Path, target: str | Path, *, force: bool = False) -> BackupResult:
    """Copy the counts file `source` to `target`, consistently, while the bot may be writing to it.
    Refuses an existing `target` unless `force` (then writes into it through SQLite: a restore)."""
    source, target = Path(source), Path(target)
    src = _open_counts(source, readonly=True)
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


def delete_before(path: str | Path, month: str) -> int:
    """Delete every count of a month before `month` ("YYYY-MM"), overwriting the freed space (secure
    delete, then VACUUM and a WAL checkpoint, so the old rows stay in no page and no -wal frame).
    Safe while the bot runs: it waits for the bot's write, and the bot waits for it. Returns the
    number of rows deleted."""
    conn = _open_counts(Path(path), readonly=False)
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
