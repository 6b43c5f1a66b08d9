"""What a counts backend does, for the guard in front of it (bot/counts/guard.py).

A backend may raise: the guard catches everything, pauses after an error, and counts what it drops.
SQLite (bot/counts/sqlite.py) is the first; a second one is one module with these five members.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bot.counts.keys import CountRow, Key


class ReadError(Exception):
    """The counts exist but cannot be read (a report's problem, shown as one line)."""


class MaintenanceError(Exception):
    """A backup or a deletion that cannot be done (no such file, not a counts file, the target exists,
    the database refused): one line for the user."""


@dataclass(frozen=True)
class BackupResult:
    target: Path
    rows: int
    first_month: str | None
    last_month: str | None


class Backend(Protocol):
    where: object  # what health() and log lines name: a file path, never a password
    wait_s: float  # how long one synchronous write may wait for another

    def add(self, items: Sequence[tuple[Key, int]]) -> None:
        """Add each key's n to its row, all in one transaction: every increment or none. Raises."""

    def rows(self, *, month_from: str | None = None, month_to: str | None = None,
             prefecture: str | None = None) -> list[CountRow]:  # fmt: skip
        """Rows in the month range (inclusive), for reports; never creates the store.
        FileNotFoundError when there is none, ReadError when it cannot be read."""

    def check(self) -> None:
        """Open (create) the store, so a bad location is found at start-up. Raises."""

    def close(self) -> None:
        """Close connections; the next call reopens them."""

    def reason(self, exc: BaseException) -> str:
        """An error's class and code for a log line, never its message (which could quote data)."""
