"""Golden conversations: each case in tests/conversations/*.yaml compared field by field with the
engine's whole structured answer (not a loose substring)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).parent / "conversations"


def _cases():
    for path in sorted(HERE.glob("*.yaml")):
        default_lang = path.stem
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            yield pytest.param(case, default_lang, id=f"{path.stem}-{case['name']}")


@pytest.mark.parametrize(("case", "default_lang"), list(_cases()))
def test_conversation(engine, case, default_lang):
    at = dt.datetime.fromisoformat(str(case["at"]))
    reply = engine.reply(case["text"], at)
    got = {
        "lang": reply.case.lang,
        "intent": reply.case.intent,
        "prefecture": reply.case.prefecture,
        "candidates": list(reply.case.candidates),
        "flags": reply.case.sorted_flags,
        "hours_since": reply.case.hours_since,
        "question": bool(reply.question),
        "centers": [c.id for c in reply.centers],
        "open_now": [c.open_now for c in reply.centers],
        "contacts": [k.id for k in reply.contacts],
        "sections": [s.id for s in reply.sections],
    }
    want = {
        "lang": case.get("lang", default_lang),
        "intent": case["intent"],
        "prefecture": case.get("prefecture"),
        "candidates": case.get("candidates", []),
        "flags": case.get("flags", []),
        "hours_since": case.get("hours_since"),
        "question": case.get("question", False),
        "centers": case.get("centers", []),
        "open_now": case.get("open_now", []),
        "contacts": case["contacts"],
        "sections": case["sections"],
    }
    assert got == want
    assert "#8891" in reply.text
