"""Counting for the long-running channels: record() queues the row key and returns at once; one
daemon thread writes what is queued in batches, one transaction each, through a guarded store.

One transaction per batch, not per message (BENCHMARKS.md); counts are read by the month. At most
MAX_PENDING keys wait; beyond that a count is dropped (counted, one WARNING per burst). During the
store's pause after an error the counts wait in memory. close() at shutdown writes what is queued.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import logging
import threading
import time
import weakref
from collections import Counter

from bot.counts.guard import Guarded, fork_safe
from bot.counts.keys import CountRow, Key, key_of
from bot.model import Case

log = logging.getLogger("bot.counts")

MAX_PENDING = 10_000  # keys a CountsQueue holds while its thread writes; more are dropped (and counted)
LINGER_S = 1.0  # a CountsQueue writes at most this often: the first key waits this long for others
WRITE_AT = 1_000  # ... unless this many keys wait (at most half of max_pending): then at once
CLOSE_TIMEOUT_S = 5.0


class CountsQueue:
    """Counting for the long-running channels: `record()` queues the row key and returns at once; one
    daemon thread writes what is queued in batches, through `store` (Guarded.add).

    `record()` is O(1): no I/O, no wait beyond a lock held for a few list operations, never raises.
    It keeps the key tuple only (`key_of`), never the Case. The thread ("referral-counts") starts at
    the first count, takes everything pending, adds up identical keys and writes them in one
    transaction. While the store pauses after an error, the counts wait in memory; at most
    `max_pending` keys wait, beyond that a count is dropped (counted in `dropped`, one WARNING per
    burst). Thread-safe (Slack counts from worker threads); a forked child starts afresh (the
    parent writes what it had queued). `close()` at shutdown: it writes what is pending first.
    """

    def __init__(self, store: Guarded, *, max_pending: int = MAX_PENDING, linger: float = LINGER_S):
        self.store = store
        self.path = self.store.path
        self.max_pending = max(1, int(max_pending))
        self.linger = max(0.0, float(linger))
        self.write_at = max(1, min(WRITE_AT, self.max_pending // 2))
        self._dropped = 0  # the queue's own drops: full, closed, bad arguments
        self._closed = False
        self._reset()
        fork_safe(self)
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
            return self._drop(type(exc).__name__)
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
            return self._drop(type(exc).__name__)
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

