"""The guard in front of a counts backend: it never raises, pauses after an error, counts what it drops.

Counting must never block or break an answer. A failed write starts a pause (1 s, doubling up to
60 s) during which record() drops at once; each drop is counted in `dropped` and logged by the
error's class only (log lines carry exact times, so a case is never logged).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
import weakref
from collections.abc import Mapping

from bot.counts.backend import Backend
from bot.counts.keys import CountRow, Key, key_of, valid
from bot.model import Case

log = logging.getLogger("bot.counts")

PAUSE_FIRST_S, PAUSE_MAX_S = 1.0, 60.0
ADD_LOCK_WAIT_S = 5.0  # add() (a background writer) waits this long for another thread's write

_forkable: weakref.WeakSet = weakref.WeakSet()  # guards and queues, given fresh locks in a forked child


def _after_fork_in_child() -> None:
    for obj in list(_forkable):
        obj._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def fork_safe(obj: object) -> None:
    """Call obj._after_fork() in a forked child: a parent's thread may have held its lock."""
    _forkable.add(obj)


class Guarded:
    """A backend behind a lock and a pause. Thread-safe; record(), add() and health() never raise."""

    def __init__(self, backend: Backend):
        self.backend = backend
        self.dropped = 0
        self._lock = threading.Lock()
        self._error: str | None = None
        self._pause = 0.0
        self._paused_until = 0.0
        fork_safe(self)

    @property
    def path(self) -> object:
        return self.backend.where

    def _after_fork(self) -> None:
        self._lock = threading.Lock()

    # -- writing
    def record(self, case: Case, *, channel: str, at: dt.datetime) -> bool:
        """Count one referral. Returns True if counted, False if dropped. Never raises."""
        try:
            if not self._lock.acquire(timeout=self.backend.wait_s):
                return self._drop("thread lock timeout", log_it=False)
            try:
                key = key_of(case, channel, at)  # a bad argument drops this count only: no pause
                if time.monotonic() < self._paused_until:
                    return self._drop("paused after an error", log_it=False)
                return self._write([(key, 1)], 1)
            finally:
                self._lock.release()
        except Exception as exc:  # never let counting break an answer
            return self._drop(self.backend.reason(exc))

    def add(self, counts: Mapping[Key, int], *, force: bool = False) -> bool:
        """Add each key's n to its row in ONE transaction: every increment or none. A malformed item is
        dropped alone (counted). `force`: try even during the pause (a flush). True if written."""
        try:
            items = [(key, n) for key, n in counts.items() if valid(key, n)]
            total = sum(n for _, n in items)
            bad = len(counts) - len(items)
        except Exception as exc:  # not a mapping of keys to counts: a caller's bug
            return self._drop(self.backend.reason(exc))
        if bad:
            self._drop("malformed key or count", n=bad)
        if not items:
            return not bad
        try:
            if not self._lock.acquire(timeout=ADD_LOCK_WAIT_S):
                return self._drop("thread lock timeout", n=total)
            try:
                if not force and time.monotonic() < self._paused_until:
                    return self._drop("paused after an error", n=total, log_it=False)
                return self._write(items, total) and not bad
            finally:
                self._lock.release()
        except Exception as exc:
            return self._drop(self.backend.reason(exc), n=total)

    def _write(self, items: list[tuple[Key, int]], total: int) -> bool:
        try:
            self.backend.add(items)
        except Exception as exc:
            self._pause = min(max(self._pause * 2, PAUSE_FIRST_S), PAUSE_MAX_S)
            self._paused_until = time.monotonic() + self._pause
            return self._drop(self.backend.reason(exc), n=total)
        if self._error is not None:
            log.info("referral counts: writing again to %s (%d dropped so far)", self.path, self.dropped)
        self._error, self._pause, self._paused_until = None, 0.0, 0.0
        return True

    def paused_for(self) -> float:
        """Seconds left of the pause after an error; 0.0 when writes are tried."""
        return max(0.0, self._paused_until - time.monotonic())

    def _drop(self, reason: str, *, n: int = 1, log_it: bool = True) -> bool:
        self.dropped += n
        if log_it:
            self._error = reason
            log.warning("referral count dropped: %s at %s (%d dropped so far)", reason, self.path, self.dropped)
        return False

    # -- the rest
    def health(self) -> dict:
        """{"path", "ok", "dropped", "error"}: never a count, never an id. Opens (creates) the store if
        needed, so a deployment check finds a bad location at start-up, not at the first referral."""
        with self._lock:
            if self._error is None:
                try:
                    self.backend.check()
                except Exception as exc:
                    self._error = self.backend.reason(exc)
            return {"path": str(self.path), "ok": self._error is None, "dropped": self.dropped,
                    "error": self._error}  # fmt: skip

    def rows(self, *, month_from: str | None = None, month_to: str | None = None,
             prefecture: str | None = None) -> list[CountRow]:  # fmt: skip
        """For reports: FileNotFoundError when nothing was ever counted, ReadError when unreadable."""
        return self.backend.rows(month_from=month_from, month_to=month_to, prefecture=prefecture)

    def close(self) -> None:
        with self._lock:
            self.backend.close()
