"""What a count row is, and all it can ever be: month, prefecture, channel, case kind, answer kind, n.

Never message text, never a user, chat, team or channel id, never a time finer than the month.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import re
from typing import NamedTuple
from zoneinfo import ZoneInfo

from bot.model import FLAGS, INTENT_HELP, INTENT_REFERRAL, INTENT_VICTIM, Case

log = logging.getLogger("bot.counts")

CHANNELS = ("console", "telegram", "slack", "line", "web", "other")
ANSWER_KINDS = ("clinician", "victim", "clarify", "help")
JST = ZoneInfo("Asia/Tokyo")
KEY = ("month", "prefecture", "channel", "case_kind", "answer_kind")
Key = tuple[str, str, str, str, str]
_PREFECTURE = re.compile(r"(0[1-9]|[1-3][0-9]|4[0-7])")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


class CountRow(NamedTuple):
    month: str
    prefecture: str
    channel: str
    case_kind: str
    answer_kind: str
    n: int


def case_kind(case: Case) -> str:
    """ "adult" (minor not indicated) or "minor", then "+acute", "+danger", "+partner" in FLAGS order.

    E.g. "adult", "minor+acute", "adult+acute+danger+partner". These strings are stable: reports
    and published tables use them, so add new kinds, never rename one."""
    base = "minor" if "minor" in case.flags else "adult"
    return base + "".join(f"+{f}" for f in FLAGS if f != "minor" and f in case.flags)


def answer_kind(case: Case) -> str:
    """What the engine answered: "help" (nothing to act on), "clarify" (it asked which prefecture:
    several matched, or a clinician's message named none), "victim" (victim-facing answer, which
    needs no prefecture) or "clinician" (clinician guidance for a known prefecture)."""
    if case.intent == INTENT_HELP:
        return "help"
    if case.candidates or (case.intent == INTENT_REFERRAL and not case.prefecture):
        return "clarify"
    return "victim" if case.intent == INTENT_VICTIM else "clinician"


def month_of(at: dt.datetime) -> str:
    """ "YYYY-MM" in Japan time; a naive datetime is taken to be Japan time already."""
    if at.tzinfo is not None:
        at = at.astimezone(JST)
    return f"{at.year:04d}-{at.month:02d}"


def month_arg(value: str) -> str:
    """A month on the command line (report --from/--to, privacy --delete-before): "YYYY-MM"."""
    if not _MONTH.fullmatch(value):
        raise argparse.ArgumentTypeError(f"expected YYYY-MM, got {value!r}")
    return value


def key_of(case: Case, channel: str, at: dt.datetime) -> Key:
    """The row key for one referral. Anything unexpected becomes "unknown"/"other", never stored as is."""
    pref = (
        case.prefecture
        if isinstance(case.prefecture, str) and _PREFECTURE.fullmatch(case.prefecture)
        else None
    )
    if channel not in CHANNELS:
        log.warning("referral count: unknown channel counted as 'other'")  # the value itself may be an id
        channel = "other"
    return (month_of(at), pref or "unknown", channel, case_kind(case), answer_kind(case))


def valid(key: object, n: object) -> bool:
    """A key as key_of makes it and a positive int: the only thing a backend is handed."""
    return (
        isinstance(key, tuple)
        and len(key) == len(KEY)
        and all(isinstance(part, str) for part in key)
        and type(n) is int
        and n > 0
    )
