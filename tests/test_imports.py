"""The import graph of bot/ is a tree of layers ([tool.importlinter] in pyproject.toml), checked with
import-linter as CI's `lint-imports` does, so the README's test command checks it too."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contracts_are_kept():
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    run = subprocess.run([command, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout


def test_a_line_only_serve_loads_no_slack_or_telegram_library():
    code = (
        "import sys; from bot import serve, settings; "
        "s = settings.serve({'LINE_CHANNEL_SECRET': 'f' * 32, 'LINE_CHANNEL_ACCESS_TOKEN': 'y' * 32}); "
        "import importlib; [importlib.import_module(serve.CHANNELS[n]) for n in s.served]; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('slack_bolt', 'slack_sdk', 'telegram')]; "
        "assert not bad, bad"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
