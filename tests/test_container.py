"""The container files, without Docker: compose.yaml parses and runs two `serve` instances on
postgres:16 with a healthcheck; the Dockerfile is the simple one the README describes, and its
HEALTHCHECK command, run as written, passes against a real `serve` and fails without one."""

from __future__ import annotations

import asyncio
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

from bot import serve, settings, wiring
from tests.fakes.pg_server import free_port

ROOT = Path(__file__).resolve().parents[1]


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def instructions() -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n\s*", " ", dockerfile())
    lines = [ln.strip() for ln in joined.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    return [(ln.split(None, 1)[0].upper(), ln.split(None, 1)[1] if " " in ln else "") for ln in lines]


def test_compose_runs_two_instances_on_one_postgres():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "migrate", "bot1", "bot2"}
    db = services["db"]
    assert db["image"] == "postgres:16"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert services["migrate"]["command"] == ["referral-bot", "migrate"]
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    ports = set()
    for name in ("bot1", "bot2"):
        bot = services[name]
        assert bot["build"] == "." and "command" not in bot  # the image's CMD: referral-bot serve
        assert bot["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
        url = bot["environment"]["DATABASE_URL"]
        assert url.startswith("postgresql://referral:") and url.endswith("@db:5432/referral")
        assert db["environment"]["POSTGRES_PASSWORD"] in url  # the same variable, never a password in the file
        host, container = bot["ports"][0].split(":")
        assert container == "8080"
        ports.add(host)
        assert set(settings.SECRET_NAMES) - {"SLACK_APP_TOKEN"} <= set(bot["environment"])
    assert len(ports) == 2


def test_dockerfile_is_slim_non_root_and_caches_the_knowledge():
    steps = instructions()
    assert steps[0] == ("FROM", "python:3.11-slim")
    kinds = [k for k, _ in steps]
    assert kinds[-1] == "CMD" and steps[-1][1] == '["referral-bot", "serve"]'
    user_at = kinds.index("USER")
    assert steps[user_at][1] not in ("root", "0")
    runs = [v for k, v in steps if k == "RUN"]
    assert any("pip install ." in r for r in runs)
    assert "curl" not in " ".join(v for _, v in steps)
    # the knowledge cache is made after USER (it must be the runtime user's own file) in REFERRAL_CACHE_DIR
    env = " ".join(v for k, v in steps if k == "ENV")
    assert "REFERRAL_CACHE_DIR=/home/bot/cache" in env
    assert any("referral-bot check-knowledge" in v for k, v in steps[user_at:] if k == "RUN")
    assert (ROOT / ".dockerignore").is_file() and ".venv" in (ROOT / ".dockerignore").read_text()


def healthcheck_command(port: int) -> list[str]:
    (check,) = [v for k, v in instructions() if k == "HEALTHCHECK"]
    command = shlex.split(check.split(" CMD ", 1)[1])
    assert command[0] == "python" and "urllib.request" in command[2]
    return [sys.executable, *command[1:]]


async def test_the_healthcheck_passes_against_serve_and_fails_without(engine, monkeypatch):
    monkeypatch.setitem(serve.CHANNELS, "page", "tests.fakes.page_channel")
    monkeypatch.setitem(settings.SERVED, "page", (("PAGE_ON",), None))
    config = wiring.serve_settings(engine, port_flag=0, env={"PAGE_ON": "1", "HOST": "127.0.0.1"})
    server = await serve.Server(config, engine, None).start()
    try:
        run = await asyncio.to_thread(subprocess.run, healthcheck_command(0), capture_output=True, timeout=30,
                                      env={"PORT": str(server.port), "PATH": "/usr/bin:/bin"})  # fmt: skip
        assert run.returncode == 0, run.stderr
    finally:
        await server.stop()
    run = subprocess.run(healthcheck_command(0), capture_output=True, timeout=30,
                         env={"PORT": str(free_port()), "PATH": "/usr/bin:/bin"})  # fmt: skip
    assert run.returncode != 0


def test_check_knowledge_writes_the_cache_serve_reads(tmp_path):
    """The image's build step: `referral-bot check-knowledge` with REFERRAL_CACHE_DIR leaves the cache."""
    import os

    env = {**os.environ, "REFERRAL_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "bot", "check-knowledge"], env=env, capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert len(list((tmp_path / "cache").glob("knowledge-*.pickle"))) == 1
