"""Opening status in Asia/Tokyo: weekly hours, public holidays, yearly closures, 24h and unknown hours."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.facts import Hours, MonthDayRange, WeeklySlot, load_centers
from bot.hours import OpenStatus, status
from bot.schema import Problems, load_yaml

TOKYO = ZoneInfo("Asia/Tokyo")
KNOWLEDGE = Path(__file__).parents[1] / "knowledge"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
YEAR_END = MonthDayRange((12, 29), (1, 3))


def jst(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=TOKYO)


def hours(*slots: WeeklySlot, holidays: bool | None = True, closed=(YEAR_END,), always: bool | None = False):
    return Hours(always, slots, holidays, tuple(closed), "callcenter")


WEEKDAY_10_20 = hours(WeeklySlot(WEEKDAYS, "10:00", "20:00"))


# -- weekly hours --------------------------------------------------------------------------------
def test_open_inside_hours_until_closing_time():
    # Friday 2026-11-27, 12:00
    assert status(WEEKDAY_10_20, jst(2026, 11, 27, 12)) == OpenStatus(True, closes_at=jst(2026, 11, 27, 20))


def test_before_opening_opens_later_the_same_day():
    assert status(WEEKDAY_10_20, jst(2026, 11, 27, 9, 59)) == OpenStatus(
        False, opens_at=jst(2026, 11, 27, 10)
    )


def test_opening_and_closing_minutes_are_exact():
    assert status(WEEKDAY_10_20, jst(2026, 11, 27, 10)).open_now is True
    at_close = status(WEEKDAY_10_20, jst(2026, 11, 27, 20))
    assert at_close == OpenStatus(False, opens_at=jst(2026, 11, 30, 10))  # next Monday


def test_weekend_opens_on_monday():
    assert status(WEEKDAY_10_20, jst(2026, 11, 28, 15)) == OpenStatus(False, opens_at=jst(2026, 11, 30, 10))


def test_gap_between_two_slots_and_back_to_back_slots():
    split = hours(WeeklySlot(("mon",), "09:00", "12:00"), WeeklySlot(("mon",), "13:00", "17:00"))
    assert status(split, jst(2026, 11, 30, 12, 30)) == OpenStatus(False, opens_at=jst(2026, 11, 30, 13))
    joined = hours(WeeklySlot(("mon",), "10:00", "12:00"), WeeklySlot(("mon",), "12:00", "15:00"))
    assert status(joined, jst(2026, 11, 30, 11)) == OpenStatus(True, closes_at=jst(2026, 11, 30, 15))


def test_different_hours_on_different_days():
    aomori_like = hours(
        WeeklySlot(("mon", "wed"), "10:00", "21:00"), WeeklySlot(("tue", "thu", "fri"), "10:00", "17:00")
    )
    assert status(aomori_like, jst(2026, 12, 2, 20)) == OpenStatus(
        True, closes_at=jst(2026, 12, 2, 21)
    )  # Wed
    assert status(aomori_like, jst(2026, 12, 3, 18)) == OpenStatus(
        False, opens_at=jst(2026, 12, 4, 10)
    )  # Thu


# -- time zones ----------------------------------------------------------------------------------
def test_any_aware_datetime_is_read_in_tokyo_time():
    utc = dt.UTC
    # 00:30 UTC is 09:30 in Tokyo: not yet open
    assert status(WEEKDAY_10_20, dt.datetime(2026, 11, 27, 0, 30, tzinfo=utc)) == OpenStatus(
        False, opens_at=jst(2026, 11, 27, 10)
    )
    # Thursday 23:00 in New York is Friday 13:00 in Tokyo: open
    new_york = dt.datetime(2026, 11, 26, 23, 0, tzinfo=ZoneInfo("America/New_York"))
    assert status(WEEKDAY_10_20, new_york) == OpenStatus(True, closes_at=jst(2026, 11, 27, 20))
    assert status(WEEKDAY_10_20, new_york).closes_at.utcoffset() == dt.timedelta(hours=9)


def test_a_naive_datetime_is_tokyo_time():
    assert status(WEEKDAY_10_20, dt.datetime(2026, 11, 27, 19, 59)).open_now is True
    assert status(WEEKDAY_10_20, dt.datetime(2026, 11, 27, 20, 0)).open_now is False


# -- public holidays -----------------------------------------------------------------------------
def test_a_weekday_holiday_closes_a_center_closed_on_holidays():
    # Tuesday 2026-11-03 is 文化の日
    assert status(WEEKDAY_10_20, jst(2026, 11, 3, 12)) == OpenStatus(False, opens_at=jst(2026, 11, 4, 10))
    assert status(WEEKDAY_10_20, jst(2026, 11, 4, 12)).open_now is True


def test_a_holiday_is_unknown_when_holiday_hours_are_not_stated():
    unknown = hours(WeeklySlot(WEEKDAYS, "10:00", "20:00"), holidays=None)
    assert status(unknown, jst(2026, 11, 3, 12)) == OpenStatus(None)
    assert status(unknown, jst(2026, 11, 4, 12)).open_now is True  # the next day is an ordinary Wednesday


def test_a_center_open_on_holidays_keeps_its_weekly_hours():
    open_on_holidays = hours(WeeklySlot(WEEKDAYS, "10:00", "20:00"), holidays=False)
    assert status(open_on_holidays, jst(2026, 11, 3, 12)) == OpenStatus(True, closes_at=jst(2026, 11, 3, 20))


def test_next_opening_is_unknown_when_an_unknown_holiday_comes_first():
    # Friday 2026-11-20 after closing; Monday 11-23 is 勤労感謝の日 with holiday hours not stated
    unknown = hours(WeeklySlot(WEEKDAYS, "10:00", "20:00"), holidays=None)
    assert status(unknown, jst(2026, 11, 20, 21)) == OpenStatus(False, opens_at=None)
    # the same evening, a center closed on holidays opens on Tuesday
    assert status(WEEKDAY_10_20, jst(2026, 11, 20, 21)) == OpenStatus(False, opens_at=jst(2026, 11, 24, 10))


# -- yearly closures -----------------------------------------------------------------------------
def test_year_end_closure_wraps_into_the_new_year():
    assert status(WEEKDAY_10_20, jst(2026, 12, 28, 12)).open_now is True  # Monday before the closure
    for day in (dt.date(2026, 12, 29), dt.date(2026, 12, 31), dt.date(2027, 1, 1), dt.date(2027, 1, 3)):
        st = status(WEEKDAY_10_20, dt.datetime.combine(day, dt.time(12), tzinfo=TOKYO))
        assert st == OpenStatus(False, opens_at=jst(2027, 1, 4, 10)), day
    assert status(WEEKDAY_10_20, jst(2027, 1, 4, 12)).open_now is True


def test_a_known_closure_wins_over_an_unknown_holiday():
    unknown_holidays = hours(WeeklySlot(WEEKDAYS, "10:00", "20:00"), holidays=None)
    assert status(unknown_holidays, jst(2027, 1, 1, 12)) == OpenStatus(False, opens_at=jst(2027, 1, 4, 10))


def test_a_one_day_closure_inside_the_year():
    founding_day = hours(WeeklySlot(WEEKDAYS, "09:00", "17:30"), closed=(MonthDayRange((5, 30), (5, 30)),))
    assert status(founding_day, jst(2028, 5, 30, 12)) == OpenStatus(False, opens_at=jst(2028, 5, 31, 9))
    assert MonthDayRange((5, 30), (5, 30)).contains(dt.date(2028, 5, 31)) is False


def test_no_opening_within_14_days_gives_no_time():
    long_closure = hours(WeeklySlot(WEEKDAYS, "10:00", "20:00"), closed=(MonthDayRange((12, 1), (12, 20)),))
    assert status(long_closure, jst(2026, 12, 1, 12)) == OpenStatus(False, opens_at=None)
    short_closure = hours(WeeklySlot(WEEKDAYS, "10:00", "20:00"), closed=(MonthDayRange((12, 1), (12, 10)),))
    assert status(short_closure, jst(2026, 12, 1, 12)) == OpenStatus(False, opens_at=jst(2026, 12, 11, 10))


# -- 24h and unknown -----------------------------------------------------------------------------
def test_a_24h_center_is_always_open():
    always = hours(always=True, holidays=None, closed=())
    for at in (jst(2026, 11, 3, 3), jst(2027, 1, 1, 23, 59), jst(2026, 11, 28, 12)):
        assert status(always, at) == OpenStatus(True, closes_at=None, opens_at=None)


@pytest.mark.parametrize("always", [None, False])
def test_unknown_hours_give_an_unknown_status(always):
    assert status(hours(always=always), jst(2026, 11, 27, 12)) == OpenStatus(
        None, closes_at=None, opens_at=None
    )


# -- the shipped centers -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def centers():
    problems = Problems()
    node = load_yaml(KNOWLEDGE / "centers.yaml", problems)
    loaded = {c.id: c for c in load_centers(node)}
    assert list(problems) == []
    return loaded


def test_shipped_hours(centers):
    # 北海道: weekdays 10-20, closed on holidays and 12/29-1/3
    hokkaido = centers["hokkaido-sacrach"].hours
    assert status(hokkaido, jst(2026, 11, 27, 12)) == OpenStatus(True, closes_at=jst(2026, 11, 27, 20))
    assert status(hokkaido, jst(2026, 12, 30, 12)) == OpenStatus(False, opens_at=jst(2027, 1, 4, 10))
    # 青森: holiday handling not stated, so a holiday is unknown
    assert status(centers["aomori-ringonohana"].hours, jst(2026, 11, 3, 12)).open_now is None
    # 埼玉 and 徳島 (counselors by day, the call center by night) answer around the clock
    assert status(centers["saitama-iris"].hours, jst(2027, 1, 1, 3)).open_now is True
    assert status(centers["tokushima-yorisoi"].hours, jst(2026, 11, 28, 23)).open_now is True
    # 岩手: nothing known
    assert status(centers["iwate-onestop"].hours, jst(2026, 11, 27, 12)) == OpenStatus(None)
    # 島根 men/boys: Tue/Fri 10-16, closed 8/13-8/15
    men = centers["shimane-men"].hours
    assert status(men, jst(2027, 8, 13, 12)) == OpenStatus(False, opens_at=jst(2027, 8, 17, 10))


def test_jpholiday_is_imported_only_when_needed():
    code = (
        "import sys, bot.hours as h, bot.facts as f\n"
        "assert 'jpholiday' not in sys.modules\n"
        "h.status(f.Hours(True, (), None, (), 'unknown'), __import__('datetime').datetime(2026, 1, 1))\n"
        "assert 'jpholiday' not in sys.modules\n"
        "h.status(f.Hours(False, (f.WeeklySlot(('mon',), '10:00', '11:00'),), True, (), 'unknown'),\n"
        "         __import__('datetime').datetime(2026, 1, 1))\n"
        "assert 'jpholiday' in sys.modules\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=KNOWLEDGE.parent, capture_output=True, text=True,
                         check=False)  # fmt: skip
    assert run.returncode == 0, run.stderr


# -- closed on some days of a span, which ones not known ("年末年始" with no dates) ----------------
NEW_YEAR_UNKNOWN = Hours(False, (WeeklySlot(WEEKDAYS, "10:00", "20:00"),), True, (), "callcenter",
                         unknown_dates=(MonthDayRange((12, 28), (1, 4)),))  # fmt: skip


@pytest.mark.parametrize("day", [(2026, 12, 28), (2026, 12, 30), (2027, 1, 4)])
def test_a_day_in_unknown_dates_is_unknown_not_open(day):
    assert status(NEW_YEAR_UNKNOWN, jst(*day, 12)).open_now is None


def test_days_outside_unknown_dates_keep_their_hours():
    assert status(NEW_YEAR_UNKNOWN, jst(2026, 12, 25, 12)).open_now is True
    assert status(NEW_YEAR_UNKNOWN, jst(2027, 1, 5, 12)).open_now is True


def test_no_next_opening_is_promised_across_unknown_dates():
    # Friday 2026-12-25 after hours: the next days are a weekend, then unknown days
    assert status(NEW_YEAR_UNKNOWN, jst(2026, 12, 25, 21)) == OpenStatus(False, opens_at=None)


def test_the_shipped_centers_with_undated_new_year_closures_are_unknown_then():
    problems = Problems()
    centers = load_centers(load_yaml(KNOWLEDGE / "centers.yaml", problems))
    undated = [c for c in centers if c.hours.unknown_dates]
    assert len(undated) == 8 and not problems.errors
    for c in undated:
        assert status(c.hours, jst(2026, 12, 30, 12)).open_now is None, c.id
