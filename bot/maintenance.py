"""Operating the counts: `referral-bot backup` (the SQLite file) and `referral-bot privacy
--delete-before` (the SQLite file, or PostgreSQL with DATABASE_URL).

Both go through the counts package (bot/counts: SQLite's own online backup API and a secure delete),
never around it. The bot writes in WAL mode, where recent commits may live only in the `-wal` file: a
plain file copy can miss them, or copy a half-written page. A backup reads one consistent snapshot
(every transaction committed before it started) while the bot goes on writing; the copy is a single
self-contained file (no -wal to carry along), owner-only (0600).

A restore is a backup the other way (`referral-bot backup --db BACKUP --force $REFERRAL_DB`, with
every bot process stopped): it writes through SQLite into the existing file, so a -wal left beside it
is taken care of instead of being replayed onto the wrong file.

With DATABASE_URL (and no file named), `backup` refuses in one line and points to pg_dump, and
`delete_before` deletes from PostgreSQL, then VACUUM FULL rewrites the table without the old rows.
"""

from __future__ import annotations

from pathlib import Path

from bot import counts
from bot.counts import BackupResult, MaintenanceError

__all__ = ["BackupResult", "MaintenanceError", "backup", "delete_before"]


def backup(source: str | Path | None, target: str | Path, *, force: bool = False) -> BackupResult:
    """Copy the counts file `source` (None: $REFERRAL_DB's; refused with DATABASE_URL) to `target`,
    consistently, while the bot may be writing to it. Refuses an existing `target` unless `force`
    (then writes into it: a restore)."""
    return counts.backup(source, target, force=force)


def delete_before(path: str | Path | None, month: str) -> int:
    """Delete every count of a month before `month` ("YYYY-MM"), overwriting the freed space, from the
    file `path` (None: the configured store, PostgreSQL with DATABASE_URL). Safe while the bot runs.
    Returns the number of rows deleted."""
    return counts.delete_before(path, month)
