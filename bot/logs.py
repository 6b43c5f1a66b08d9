"""Logging that cannot leak: no message text, no ids, no tokens, at any level.

Our own code never passes message text or ids to a logger. Libraries do: python-telegram-bot logs
whole updates at DEBUG, httpx logs request URLs (which contain the bot token) at INFO, slack_sdk
logs request bodies at DEBUG. So:
- the chatty library loggers are held at WARNING whatever LOG_LEVEL says (LIBRARY_LOGGERS), and
- a filter on every handler replaces registered secrets (tokens, signing secrets) with "***"
  and drops any record from a library logger below WARNING that slipped through.
"""

from __future__ import annotations

import logging
import sys

from bot.settings import log_level

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


def setup_logging(level: str | int | None = None) -> None:
    """Configure the root logger from LOG_LEVEL (default INFO), with the privacy filter."""
    level = level or log_level()
    if isinstance(level, str):
        level = logging.getLevelName(level.upper())
        if not isinstance(level, int):
            level = logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, level))
