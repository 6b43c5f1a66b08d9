"""Log lines: ISO 8601 time with offset, LOG_FORMAT=json, and secrets never written."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging

import pytest

from bot.logs import register_secret
from tests.fakes.logs import production_logging

SECRET = "xoxb-not-a-real-token-Qk27"


@pytest.fixture
def captured():
    """captured(fmt) -> a function returning what the production logging wrote (tests/fakes/logs.py)."""
    with contextlib.ExitStack() as stack:
        yield lambda fmt=None: stack.enter_context(production_logging(fmt=fmt))


def test_text_lines_start_with_an_iso_time_and_offset(captured):
    out = captured("text")
    logging.getLogger("bot.test").info("started on port %d", 8080)
    line = out().strip()
    stamp, level, rest = line.split(" ", 2)
    moment = dt.datetime.fromisoformat(stamp)
    assert moment.utcoffset() is not None and stamp[-6] in "+-" and stamp[-3] == ":"
    assert abs(moment - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    assert (level, rest) == ("INFO", "bot.test: started on port 8080")


def test_json_lines_hold_time_level_logger_message(captured, monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    out = captured()
    register_secret(SECRET)
    log = logging.getLogger("bot.test")
    log.warning("token %s refused", SECRET)
    try:
        raise RuntimeError(f"bad {SECRET}")
    except RuntimeError:
        log.exception("failed")
    lines = out().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert set(first) == {"time", "level", "logger", "message"}
    assert dt.datetime.fromisoformat(first["time"]).utcoffset() is not None
    assert (first["level"], first["logger"], first["message"]) == ("WARNING", "bot.test", "token *** refused")
    assert second["message"] == "failed" and "RuntimeError: bad ***" in second["exception"]
    assert SECRET not in out()


def test_library_debug_lines_stay_out_in_json_too(captured):
    out = captured("json")
    httpx = logging.getLogger("httpx")
    level = httpx.level
    httpx.setLevel(logging.DEBUG)  # as someone debugging might: the filter holds anyway
    try:
        httpx.debug("GET https://api.telegram.org/bot123:abc/getMe")
    finally:
        httpx.setLevel(level)
    assert out() == ""
