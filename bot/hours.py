"""Is a center open at a given moment? Asia/Tokyo time, Japanese public holidays, yearly closures.

The answer is three-valued: True, False, or None when the knowledge does not say (no weekly hours,
a public holiday at a center whose holiday hours are not stated, or a day in `unknown_dates`, such
as a New Year closure whose dates the source does not give). An unknown is never guessed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.facts import DAYS, Hours

TOKYO = ZoneInfo("Asia/Tokyo")
SEARCH_DAYS = 14  # how far ahead to look for the next opening

_UNKNOWN = "unknown"  # a day whose hours the knowledge does not give


@dataclass(frozen=True)
class OpenStatus:
    open_now: bool | None  # None: unknown
    closes_at: dt.datetime | None = None  # when open: the end of the current opening (Asia/Tokyo)
    opens_at: dt.datetime | None = None  # when closed: the next known opening within SEARCH_DAYS


def status(center_hours: Hours, at: dt.datetime) -> OpenStatus:
    """Whether a center with `center_hours` is open at `at` (aware, any zone; naive = Asia/Tokyo)."""
    now = at.replace(tzinfo=TOKYO) if at.tzinfo is None else at.astimezone(TOKYO)
    if center_hours.always_open:
        return OpenStatus(True)
    if not center_hours.weekly:
        return OpenStatus(None)
    today = now.date()
    spans = _spans(center_hours, today)
    if spans == _UNKNOWN:
        return OpenStatus(None)
    t = now.time()  # naive wall-clock time in Tokyo
    for opens, closes in spans:
        if opens <= t < closes:
            return OpenStatus(True, closes_at=_at(today, closes))
        if t < opens:
            return OpenStatus(False, opens_at=_at(today, opens))
    return OpenStatus(False, opens_at=_next_opening(center_hours, today))


def is_holiday(day: dt.date) -> bool:
    """A Japanese public holiday (including substitute and citizens' holidays), per `jpholiday`."""
    import jpholiday  # lazily: only a center with weekly hours needs the calendar

    return bool(jpholiday.is_holiday(day))


def _spans(hours: Hours, day: dt.date) -> list[tuple[dt.time, dt.time]] | str:
    """The opening spans on `day`, merged and sorted; [] when closed all day; _UNKNOWN when not known."""
    if any(r.contains(day) for r in hours.closed_dates):
        return []
    if any(r.contains(day) for r in hours.unknown_dates):
        return _UNKNOWN
    if is_holiday(day):
        if hours.closed_on_holidays is None:
            return _UNKNOWN
        if hours.closed_on_holidays:
            return []
    name = DAYS[day.weekday()]
    merged: list[tuple[dt.time, dt.time]] = []
    for opens, closes in sorted(s.times() for s in hours.weekly if name in s.days):
        if merged and opens <= merged[-1][1]:  # back-to-back slots are one opening
            merged[-1] = (merged[-1][0], max(merged[-1][1], closes))
        else:
            merged.append((opens, closes))
    return merged


def _next_opening(hours: Hours, today: dt.date) -> dt.datetime | None:
    """The first opening after `today`; None if none within SEARCH_DAYS or an unknown day comes first
    (the center might open that day, so a later time would be a guess)."""
    for offset in range(1, SEARCH_DAYS + 1):
        day = today + dt.timedelta(days=offset)
        spans = _spans(hours, day)
        if spans == _UNKNOWN:
            return None
        if spans:
            return _at(day, spans[0][0])
    return None


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=TOKYO)
