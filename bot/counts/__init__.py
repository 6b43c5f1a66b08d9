"""Anonymous referral counts: what callers use (record, health, close), and `open_counts`.

Layout: keys.py (what a row may hold), backend.py (what a backend does), guard.py (never raises,
pauses after an error, counts what it drops), sqlite.py (the SQLite backend and CountsStore),
queue.py (CountsQueue: a background writer for the long-running channels). A follow-up on the same
case (a button that refines an answer) is not a new referral: callers record only new messages.
Importing this package loads no database library; open_counts does.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from bot.counts.backend import BackupResult, MaintenanceError, ReadError
from bot.counts.keys import (
    ANSWER_KINDS,
    CHANNELS,
    KEY,
    CountRow,
    Key,
    answer_kind,
    case_kind,
    key_of,
    month_arg,
    month_of,
)
from bot.model import Case

if TYPE_CHECKING:
    from bot.counts.queue import CountsQueue
    from bot.counts.sqlite import CountsStore, migrate, migrations

__all__ = [
    "ANSWER_KINDS", "CHANNELS", "KEY", "BackupResult", "CountRow", "Counts", "CountsQueue", "CountsStore",
    "Key", "MaintenanceError", "NullCounts", "ReadError", "answer_kind", "backup", "case_kind", "default_path",
    "delete_before", "key_of", "migrate", "migrations", "month_arg", "month_of", "open_counts",
]  # fmt: skip


class Counts(Protocol):
    """What callers use: record one referral (never raises), report health, close at shutdown."""

    def record(self, case: Case, *, channel: str, at: dt.datetime) -> bool: ...

    def health(self) -> dict: ...

    def close(self) -> None: ...


def default_path() -> Path:
    """$REFERRAL_DB, else data/counts.db."""
    from bot.settings import paths

    return paths().referral_db


def open_counts(path: str | Path | None = None, *, background: bool = False) -> CountsStore | CountsQueue:
    """The counts file: written at once, or (background) queued for a writer thread. The one place
    that picks the backend."""
    from bot.counts.queue import CountsQueue
    from bot.counts.sqlite import CountsStore

    store = CountsStore(path)
    return CountsQueue(store) if background else store


def backup(source: str | Path, target: str | Path, *, force: bool = False) -> BackupResult:
    """A consistent copy of the counts at `source` to `target`, while the bot may write to it; an
    existing `target` only with `force` (a restore). MaintenanceError: one line for the user."""
    from bot.counts.sqlite import backup as sqlite_backup

    return sqlite_backup(Path(source), Path(target), force=force)


def delete_before(path: str | Path, month: str) -> int:
    """Delete every count of a month before `month` ("YYYY-MM") so that no trace of it is left in the
    store; safe while the bot runs. Returns the rows deleted. MaintenanceError: one line."""
    from bot.counts.sqlite import delete_before as sqlite_delete_before

    return sqlite_delete_before(Path(path), month)


class NullCounts:
    """Counts nothing, drops nothing, touches no file."""

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


_LAZY = {"CountsStore": "sqlite", "migrate": "sqlite", "migrations": "sqlite", "CountsQueue": "queue"}


def __getattr__(name: str) -> Any:  # the backend's names, loaded when first used
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"bot.counts.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'bot.counts' has no attribute {name!r}")
