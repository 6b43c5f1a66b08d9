"""Anonymous referral counts: what callers use (record, health, close), and `open_counts`.

Layout: keys.py (what a row may hold), backend.py (what a backend does), guard.py (never raises,
pauses after an error, counts what it drops), schema.py (the schema of both stores, as versioned
steps), sqlite.py (the SQLite backend and CountsStore), postgres.py (DATABASE_URL: the PostgreSQL
backend, and the delivery ids several instances share),
queue.py (CountsQueue: a background writer for the long-running channels). `backup` (the SQLite
file) and `delete_before` (either store) serve bot/maintenance.py. A follow-up on the same
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
    from bot.counts.guard import Guarded
    from bot.counts.postgres import DeliveryClaims
    from bot.counts.queue import CountsQueue
    from bot.counts.sqlite import CountsStore, migrate, migrations

__all__ = [
    "ANSWER_KINDS", "CHANNELS", "KEY", "BackupResult", "CountRow", "Counts", "CountsQueue", "CountsStore",
    "Key", "MaintenanceError", "NullCounts", "ReadError", "answer_kind", "backup", "case_kind", "database_url",
    "default_path", "delete_before", "delivery_claims", "key_of", "migrate", "migrate_store", "migrations",
    "month_arg", "month_of", "open_counts", "where",
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


def database_url() -> str | None:
    """$DATABASE_URL (PostgreSQL), which wins over $REFERRAL_DB; None when unset."""
    from bot.settings import database_url as read

    return read()


def where() -> str:
    """Where the counts are: the PostgreSQL database (no password) or the SQLite file."""
    url = database_url()
    if url is None:
        return str(default_path())
    from bot.counts.postgres import redact

    return redact(url)


def open_counts(path: str | Path | None = None, *, background: bool = False) -> Guarded | CountsQueue:
    """The counts: written at once, or (background) queued for a writer thread. The one place that
    picks the backend: an explicit `path` is a SQLite file; else $DATABASE_URL (PostgreSQL), else
    $REFERRAL_DB (SQLite)."""
    from bot.counts.queue import CountsQueue

    url = database_url() if path is None else None
    if url is not None:
        from bot.counts.postgres import PostgresStore

        store: Guarded = PostgresStore(url)
    else:
        from bot.counts.sqlite import CountsStore

        store = CountsStore(path)
    return CountsQueue(store) if background else store


def migrate_store() -> tuple[str, list[str]]:
    """`referral-bot migrate`: apply the schema's pending steps to the configured store now.
    Returns (where, names of the steps applied)."""
    url = database_url()
    if url is not None:
        from bot.counts.postgres import migrate_url, redact

        return redact(url), migrate_url(url)
    from bot.counts.sqlite import migrate_file

    path = default_path()
    return str(path), migrate_file(path)


def delivery_claims() -> DeliveryClaims | None:
    """The delivery ids shared by every instance (in PostgreSQL), or None without DATABASE_URL."""
    url = database_url()
    if url is None:
        return None
    from bot.counts.postgres import DeliveryClaims

    return DeliveryClaims(url)


PG_DUMP_HINT = 'the counts are in PostgreSQL (DATABASE_URL): back them up with pg_dump "$DATABASE_URL"'


def backup(source: str | Path | None, target: str | Path, *, force: bool = False) -> BackupResult:
    """A consistent copy of the counts file `source` (None: the configured store) to `target`, while
    the bot may write to it; an existing `target` only with `force` (a restore). The SQLite file only:
    with DATABASE_URL and no `source`, MaintenanceError pointing to pg_dump. MaintenanceError: one
    line for the user."""
    if source is None:
        if database_url() is not None:
            raise MaintenanceError(PG_DUMP_HINT)
        source = default_path()
    from bot.counts.sqlite import backup as sqlite_backup

    return sqlite_backup(Path(source), Path(target), force=force)


def delete_before(path: str | Path | None, month: str) -> int:
    """Delete every count of a month before `month` ("YYYY-MM") so that no trace of it is left in the
    store; safe while the bot runs. `path` None: the configured store (DATABASE_URL's PostgreSQL, else
    the SQLite file); a path: that SQLite file. Returns the rows deleted. MaintenanceError: one line."""
    if path is None:
        url = database_url()
        if url is not None:
            from bot.counts.postgres import delete_before as pg_delete_before

            return pg_delete_before(url, month)
        path = default_path()
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
