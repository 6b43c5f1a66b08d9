"""What every channel does with a message, in one place: answer it, count it, never fail.

Channels stay thin: parse their platform's input, call `answer_message` or `follow_up`, render the
Reply, send it. Counting is best effort and never delays or blocks the answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import signal
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Protocol

from bot.counts import Counts
from bot.engine import TOKYO, Engine
from bot.model import INTENT_HELP, Case, Reply
from bot.settings import SettingsError
from bot.state import decode

log = logging.getLogger(__name__)


def now() -> dt.datetime:
    return dt.datetime.now(TOKYO)


def compact_json(value: object) -> str:
    """JSON as the platforms' APIs take it: UTF-8 text, no spaces. A Japanese answer escaped as
    \\uXXXX (json.dumps' default) is twice the bytes."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM, for a process that runs until it is stopped."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows / not the main thread
            loop.add_signal_handler(sig, stop.set)
    return stop


RETRY_FIRST_S, RETRY_MAX_S = 1.0, 60.0  # start-up: waits before asking a platform again, doubling, capped


class Unreachable(SettingsError):
    """A platform did not answer at start-up (no connection, a timeout, a 5xx, an answer not its own):
    tried again by `until_reached`; where nothing retries it, one line and exit 2 like a SettingsError."""


async def wait_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def until_reached(attempt: Callable[[], Awaitable[object]], stop: asyncio.Event, channel: str,
                        *, failed: Unreachable | None = None, logger: logging.Logger = log) -> bool:  # fmt: skip
    """`attempt()` until it returns: an Unreachable is logged in one line and tried again after
    1, 2, 4 ... 60 s (RETRY_FIRST_S, RETRY_MAX_S); a SettingsError (a refused token) goes up. False
    when `stop` (SIGINT, SIGTERM) came first, even during a try. `failed`: the first try's outcome."""
    delay = RETRY_FIRST_S
    while not stop.is_set():
        if failed is None:
            task = asyncio.ensure_future(attempt())
            stopped = asyncio.ensure_future(stop.wait())
            try:
                await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stopped.cancel()
            if not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
                return False
            try:
                task.result()
                return True
            except Unreachable as e:
                failed = e
        logger.warning("%s: %s; trying again in %.0f s", channel, failed, delay)
        failed = None
        await wait_or_stop(stop, delay)
        delay = min(delay * 2, RETRY_MAX_S)
    return False


def answer_message(engine: Engine, counts: Counts | None, text: object, *, channel: str,
                   at: dt.datetime | None = None, lang: str | None = None,
                   default_prefecture: str | None = None) -> Reply:  # fmt: skip
    """The reply to a new message, counted once as a referral (help answers are not referrals).
    An async channel passes counts=None and calls `count_referral` itself after sending; its counts
    is a CountsQueue (bot/counts/queue.py), whose record() only queues, so a busy database never holds up
    the event loop."""
    at = at or now()
    reply = engine.reply(text, at, lang=lang, default_prefecture=default_prefecture)
    count_referral(counts, reply, channel=channel, at=at)
    return reply


def count_referral(counts: Counts | None, reply: Reply, *, channel: str, at: dt.datetime) -> None:
    """Count one answered referral. Never raises: counting must not stop an answer. An answer that
    asks which of several prefectures is not counted: the referral is counted when one is chosen
    (`follow_up`), under that prefecture."""
    case = reply.case
    if counts is None or case.intent == INTENT_HELP or (case.candidates and not case.prefecture):
        return
    try:
        counts.record(reply.case, channel=channel, at=at)
    except Exception:  # the store promises not to raise; a bug there must still not block the answer
        log.exception("counting failed (answer sent anyway)")


def follow_up(
    engine: Engine, data: object, *, at: dt.datetime | None = None, counts: Counts | None = None,
    channel: str = "other",
) -> tuple[Reply, str | None] | None:
    """The refined answer for a button press: the same case, not a new referral, so not counted,
    except the choice of a place the bot asked about (see `refine`). Returns (reply, region) or None
    when the button data is not ours or is malformed."""
    state = decode(data)
    if state is None:
        return None
    return refine(engine, state.case, at=at or now(), counts=counts, channel=channel), state.region


def place_chosen(case: Case) -> bool:
    """A button answering "which prefecture?": it carries the prefecture chosen and the candidates
    it was chosen from (engine.actions)."""
    return case.prefecture is not None and case.prefecture in case.candidates


def refine(engine: Engine, case: Case, *, at: dt.datetime, counts: Counts | None = None,
           channel: str = "other") -> Reply:  # fmt: skip
    """The answer to a button's case. A place chosen among candidates completes the referral whose
    count the question held back (`count_referral`): counted now, once, under that prefecture."""
    chosen = place_chosen(case)
    if chosen:
        case = case.with_(candidates=())
    reply = engine.answer(case, at)
    if chosen:
        count_referral(counts, reply, channel=channel, at=at)
    return reply


def greeting(engine: Engine, lang: str, *, group: bool = False, numbers: bool = True) -> list[str]:
    """The paragraphs that greet someone new (a LINE friend, a group, Telegram's /start): what the
    bot is, how to ask in a group, the national numbers, what is stored. Channels join and escape them."""
    parts = [engine.ui(lang, "start")]
    if group:
        parts.append(engine.ui(lang, "group_note"))
    if numbers:
        parts.append(engine.numbers_reply(lang))
    parts.append(engine.ui(lang, "privacy_short"))
    return parts


class RecentIds:
    """The last `size` delivery ids a channel has seen (Telegram update ids, Slack event ids, LINE
    webhook event ids: nothing about anyone), to answer and count a redelivery once. Thread-safe:
    Slack answers in worker threads."""

    def __init__(self, size: int):
        self.size = max(1, size)
        self._ids: OrderedDict[Hashable, None] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, key: Hashable) -> bool:
        with self._lock:
            if key in self._ids:
                self._ids.move_to_end(key)
                return False
            self._ids[key] = None
            if len(self._ids) > self.size:
                self._ids.popitem(last=False)
            return True


class DeliveryIds(Protocol):
    """What a channel asks of its delivery ids: is this the first time this delivery is seen?"""

    def first_time(self, key: Hashable) -> bool: ...


class Claims(Protocol):
    """Delivery ids claimed in a store shared by every instance (bot.counts.postgres.DeliveryClaims):
    True on the first claim anywhere, False after, None when the store cannot say."""

    def claim(self, channel: str, delivery_id: Hashable) -> bool | None: ...


class SharedIds:
    """Delivery ids shared by every instance: this instance's memory first (a redelivery here costs
    no round trip), then a claim in the shared store. When the store cannot say, the memory decides:
    answering a redelivery twice is better than dropping a first delivery."""

    def __init__(self, claims: Claims, channel: str, size: int):
        self.claims = claims
        self.channel = channel
        self.memory = RecentIds(size)

    def first_time(self, key: Hashable) -> bool:
        if not self.memory.first_time(key):
            return False
        return self.claims.claim(self.channel, key) is not False


_shared: Claims | None = None


def share_delivery_ids(claims: Claims | None) -> None:
    """From now on, channels made claim their delivery ids in `claims` (None: memory only)."""
    global _shared
    _shared = claims


def delivery_ids(size: int, channel: str) -> DeliveryIds:
    """A channel's delivery ids: shared across instances when `serve` was given a shared store
    (DATABASE_URL), else this process's memory of the last `size`."""
    return RecentIds(size) if _shared is None else SharedIds(_shared, channel, size)
