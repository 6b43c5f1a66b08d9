"""Shared fixtures. Tests are hermetic: no real tokens, no network beyond loopback, temporary databases."""

from __future__ import annotations

import datetime as dt
import os
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"
TOKYO = dt.timezone(dt.timedelta(hours=9))

# A weekday afternoon and a Sunday night, for answers that depend on opening hours.
WEEKDAY_NOON = dt.datetime(2026, 11, 27, 13, 0, tzinfo=TOKYO)  # Friday
SUNDAY_NIGHT = dt.datetime(2026, 11, 29, 23, 0, tzinfo=TOKYO)


@pytest.fixture(scope="session", autouse=True)
def _private_knowledge_cache(tmp_path_factory):
    """Tests (and the processes they start) cache the knowledge in a directory of their own, never
    in the user's ~/.cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REFERRAL_CACHE_DIR", str(tmp_path_factory.mktemp("knowledge-cache")))
        yield


@pytest.fixture(autouse=True)
def _hermetic(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "SLACK_", "LINE_", "WEB_")) or name in (
            "REFERRAL_DB", "DEFAULT_PREFECTURE", "REFERRAL_KNOWLEDGE_DIR", "TRUST_PROXY", "LOG_FORMAT", "DATABASE_URL"
        ):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REFERRAL_DB", str(tmp_path / "counts.db"))


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    """Any connection beyond loopback fails the test at once: no test may contact Telegram, Slack,
    LINE or anything else. (Unix sockets are local by nature.)"""
    real = socket.socket.connect

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"a test tried to reach {address[0]!r}")
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture(autouse=True)
def _logging_restored():
    """A test that runs a command in-process (cli.main) sets up production logging, whose handler
    writes to that test's captured stderr; it is put back afterwards, or a later test's answer is
    logged to a closed file ("--- Logging error ---")."""
    from tests.fakes.logs import restored_logging

    with restored_logging():
        yield


@pytest.fixture(scope="session")
def kb():
    from bot import knowledge

    return knowledge.load(KNOWLEDGE)


@pytest.fixture(scope="session")
def engine(kb):
    from bot.engine import Engine

    return Engine(kb)


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL server for the session (tests/fakes/pg_server.py), stopped at the end. Without
    its binaries: skipped, or failed when CI=true (CI installs them)."""
    from tests.fakes.pg_server import PostgresServer, Unavailable

    try:
        server = PostgresServer.start()
    except Unavailable as e:
        if os.environ.get("CI") == "true":
            pytest.fail(str(e))
        pytest.skip(str(e))
    yield server
    server.destroy()


@pytest.fixture
def pg_url(pg_server, request):
    """A new, empty database on the session's server: its URL (with the password)."""
    import re

    name = "t_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:40] + f"_{os.getpid()}_{id(request)}"
    return pg_server.create_database(name[:63])
