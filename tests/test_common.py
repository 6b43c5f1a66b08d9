"""Counting across a conversation: a referral whose place the bot asked about is counted once, when
the place is chosen, under the prefecture chosen; refining buttons are never counted."""

from __future__ import annotations

import io
import sqlite3

from bot.channels import console
from bot.channels.common import answer_message, follow_up
from bot.counts import CountsStore
from bot.state import encode
from tests.conftest import WEEKDAY_NOON

FUCHU = "府中市の病院、性被害の患者さん"


def rows(path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT prefecture, channel, case_kind, answer_kind, n FROM counts").fetchall()
    finally:
        conn.close()


def test_an_asked_place_is_counted_once_under_the_prefecture_chosen(engine, tmp_path):
    store = CountsStore(tmp_path / "c.db")
    asked = answer_message(engine, store, FUCHU, channel="line", at=WEEKDAY_NOON)
    assert asked.case.candidates == ("13", "34") and asked.question
    assert not (tmp_path / "c.db").exists() or rows(tmp_path / "c.db") == []  # held back: asked, not yet a referral

    actions = engine.actions(asked.case)
    minor = next(a for a in actions if a.kind == "flag" and "minor" in a.case.flags)
    refined, _ = follow_up(engine, encode(minor.case), at=WEEKDAY_NOON, counts=store, channel="line")
    assert refined.question and not (tmp_path / "c.db").exists()  # still asking: not counted

    hiroshima = next(a for a in engine.actions(refined.case) if a.kind == "prefecture" and a.case.prefecture == "34")
    chosen, region = follow_up(engine, encode(hiroshima.case), at=WEEKDAY_NOON, counts=store, channel="line")
    assert region is None and chosen.case.prefecture == "34" and chosen.case.candidates == ()
    assert chosen.to_json()["candidates"] == [] and not chosen.question
    assert rows(store.path) == [("34", "line", "minor", "clinician", 1)]

    for action in engine.actions(chosen.case):  # every refinement of the chosen answer: not counted
        if action.kind in ("flag", "lang"):
            follow_up(engine, encode(action.case), at=WEEKDAY_NOON, counts=store, channel="line")
    assert rows(store.path) == [("34", "line", "minor", "clinician", 1)]
    store.close()


def test_the_console_counts_the_chosen_place_too(engine, tmp_path):
    store = CountsStore(tmp_path / "c.db")
    out = io.StringIO()
    pick = next(i for i, a in enumerate(engine.actions(engine.understand(FUCHU)), 1) if a.case.prefecture == "13")
    console.run(engine, store, stdin=io.StringIO(f"{FUCHU}\n{pick}\n"), stdout=out, clock=lambda: WEEKDAY_NOON)
    assert "東京都" in out.getvalue()
    assert rows(store.path) == [("13", "console", "adult", "clinician", 1)]
    store.close()


def test_a_place_named_at_once_is_counted_at_once(engine, tmp_path):
    store = CountsStore(tmp_path / "c.db")
    reply = answer_message(engine, store, "東京都府中市の病院、性被害の患者さん", channel="slack", at=WEEKDAY_NOON)
    assert reply.case.prefecture == "13" and reply.case.candidates == ()
    for action in engine.actions(reply.case):
        if action.kind in ("flag", "lang"):
            follow_up(engine, encode(action.case), at=WEEKDAY_NOON, counts=store, channel="slack")
    assert rows(store.path) == [("13", "slack", "adult", "clinician", 1)]
    store.close()
