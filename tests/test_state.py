"""A Case round-trips through a button's data, fits Telegram's 64 bytes, and forged data is refused."""

from __future__ import annotations

import itertools

import pytest

from bot.model import FLAGS, INTENTS, Case
from bot.state import MAX_BYTES, MAX_CANDIDATES, decode, encode


def test_round_trip_every_intent_and_flag_combination():
    for intent, lang in itertools.product(INTENTS, ("ja", "en")):
        for n in range(len(FLAGS) + 1):
            for flags in itertools.combinations(FLAGS, n):
                case = Case(lang=lang, intent=intent, prefecture="13", flags=frozenset(flags), hours_since=3.5)
                state = decode(encode(case))
                assert state is not None and state.case == case and state.region is None


def test_worst_case_fits_in_64_bytes():
    case = Case(
        lang="en",
        intent="referral",
        prefecture=None,
        candidates=tuple(f"{i:02d}" for i in range(1, MAX_CANDIDATES + 1)),
        flags=frozenset(FLAGS),
        hours_since=99999.0,
    )
    data = encode(case)
    assert len(data.encode()) <= MAX_BYTES
    assert decode(data).case == case
    with_region = encode(case, region="hokkaido-tohoku")  # the picker drops the candidates
    assert len(with_region.encode()) <= MAX_BYTES
    assert decode(with_region).case == case.with_(candidates=())


@pytest.mark.parametrize("region", ["*", "kanto", None])
def test_region_travels(region):
    state = decode(encode(Case(), region=region))
    assert state.region == region


def test_hours_are_kept_to_a_tenth():
    assert decode(encode(Case(hours_since=2.25))).case.hours_since == pytest.approx(2.2, abs=0.06)
    assert decode(encode(Case(hours_since=None))).case.hours_since is None


@pytest.mark.parametrize(
    "data",
    ["", "garbage", "1jr99" + "0~~", "1xr130~~", "1jr13z~~", "1jr130~4800~", "1jr130~~KANTO", None, 42,
     "1jr130~~" + "a" * 60, "2jr130~~"],
)  # fmt: skip
def test_malformed_or_forged_data_is_refused(data):
    assert decode(data) is None


def test_case_with_changes_only_the_fields_named():
    case = Case(lang="ja", intent="victim", prefecture="14", candidates=("13",), flags=frozenset({"minor"}),
                hours_since=2.0)  # fmt: skip
    changed = case.with_(lang="en", flags=frozenset({"danger"}))
    assert changed == Case(lang="en", intent="victim", prefecture="14", candidates=("13",),
                           flags=frozenset({"danger"}), hours_since=2.0)  # fmt: skip
    assert case.lang == "ja" and case.flags == {"minor"}  # the original is unchanged
    with pytest.raises(TypeError):
        case.with_(colour="red")


def test_buttons_of_the_first_format_still_work():
    """Format 1 carried four flags in one hex digit; buttons sent before format 2 still decode."""
    state = decode("1jr13b3~~")
    assert state is not None
    assert state.case.flags == frozenset({"acute", "minor", "partner"})
    assert state.case.hours_since == 3.0 and state.case.prefecture == "13"
