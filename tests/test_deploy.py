"""The deployment files: a hardened systemd unit, and what a PaaS needs to build the app."""

from __future__ import annotations

import shlex
from pathlib import Path

from tests.conftest import ROOT

COMMANDS = {"telegram", "slack", "serve"}


def unit() -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in (ROOT / "deploy" / "referral-bot.service").read_text().splitlines():
        if line.strip() and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_the_systemd_unit_runs_a_long_running_command_unprivileged_and_hardened():
    u = unit()
    assert u["User"] != ["root"] and u["User"] == u["Group"]
    assert u["EnvironmentFile"] == ["/etc/referral-bot/env"]
    assert u["Restart"] == ["on-failure"] and u["RestartPreventExitStatus"] == ["2"]
    for key, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
                       "PrivateTmp": "yes", "UMask": "0077", "KillSignal": "SIGTERM"}.items():  # fmt: skip
        assert u[key] == [value], key
    argv = shlex.split(u["ExecStart"][0])
    assert argv[0].endswith("/referral-bot") and argv[1] in COMMANDS
    env = dict(e.split("=", 1) for e in u["Environment"])
    writable = u["ReadWritePaths"][0].split()
    assert str(Path(env["REFERRAL_DB"]).parent) in writable and env["REFERRAL_CACHE_DIR"] in writable
    assert u["WorkingDirectory"][0] == "/var/lib/referral-bot"


def test_the_example_environment_file_holds_no_secret_values():
    for line in (ROOT / "deploy" / "referral-bot.env.example").read_text().splitlines():
        if line and not line.startswith("#") and any(w in line for w in ("TOKEN", "SECRET")):
            assert line.endswith("="), line


def test_a_paas_finds_a_python_app():
    assert (ROOT / ".python-version").read_text().strip() == "3.11"
    lines = [x for x in (ROOT / "requirements.txt").read_text().splitlines() if x and not x.startswith("#")]
    assert lines == ["."]  # the project itself, with pyproject's dependency ranges
    procfile = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line)
    assert {cmd.split()[1] for cmd in procfile.values()} <= COMMANDS
