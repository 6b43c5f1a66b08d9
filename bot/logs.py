"""Logging that cannot leak: no message text, no ids, no tokens, at any level.

Our own code never passes message text or ids to a logger. Libraries do: python-telegram-bot logs
whole updates at DEBUG, httpx logs request URLs (which contain the bot token) at INFO, slack_sdk
logs request bodies at DEBUG. So:
- the chatty library loggers are held at WARNING whatever LOG_LEVEL says (LIBRARY_LOGGERS), and
- a filter on every handler replaces registered secrets (tokens, signing secrets) with "***"
  and drops any record from a library logger below WARNING that slipped through.

Each line starts with the time in ISO 8601 with the machine's UTC offset
(2026-12-05T14:03:00.123+09:00). LOG_FORMAT=json writes one JSON object a line instead
({"time", "level", "logger", "message"}, plus "exception" with a traceback), for container platforms.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys

from bot.settings import log_format, log_level

LIBRARY_LOGGERS = (
    "httpx",
    "httpcore",
    "telegram",
    "telegram.ext",
    "slack_sdk",
    "slack_bolt",
    "aiohttp",
    "aiohttp.access",
    "websockets",
    "asyncio",
    "urllib3",
    "tornado",
    "linebot",
)

_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Never let this value reach a log line (tokens, signing secrets)."""
    if value and len(value) >= 6:
        _secrets.add(value)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        name = record.name
        if record.levelno < logging.WARNING and any(name == n or name.startswith(n + ".") for n in LIBRARY_LOGGERS):
            return False
        if _secrets:
            msg = record.getMessage()
            redacted = _redact(msg)
            if redacted != msg:
                record.msg, record.args = redacted, None
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = _redact(record.exc_text)
        return True


def _redact(text: str) -> str:
    for s in _secrets:
        text = text.replace(s, "***")
    return text


def _iso_time(record: logging.LogRecord) -> str:
    """The record's time in ISO 8601 with the machine's offset, to the millisecond."""
    return dt.datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")


class TextFormatter(logging.Formatter):
    """`2026-12-05T14:03:00.123+09:00 INFO bot.counts: message`"""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return _iso_time(record)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message (and exception, when there is one)."""

    def format(self, record: logging.LogRecord) -> str:
        doc = {"time": _iso_time(record), "level": record.levelname, "logger": record.name,
               "message": record.getMessage()}  # fmt: skip
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            doc["exception"] = record.exc_text
        if record.stack_info:
            doc["stack"] = self.formatStack(record.stack_info)
        return json.dumps(doc, ensure_ascii=False)


def formatter(fmt: str | None = None) -> logging.Formatter:
    """LOG_FORMAT: "json" for JSON Lines, anything else (default "text") for text lines."""
    fmt = (fmt if fmt is not None else log_format()).strip().lower()
    return JsonFormatter() if fmt == "json" else TextFormatter()


def setup_logging(level: str | int | None = None, fmt: str | None = None) -> None:
    """Configure the root logger from LOG_LEVEL (default INFO) and LOG_FORMAT (text or json), with the
    privacy filter."""
    level = level or log_level()
    if isinstance(level, str):
        level = logging.getLevelName(level.upper())
        if not isinstance(level, int):
            level = logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(fmt))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, level))
