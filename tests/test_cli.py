"""The command line: every command has help, reply/--json/--jsonl, check-knowledge, chat, errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from bot.cli import build_parser, main
from tests.conftest import KNOWLEDGE, ROOT

COMMANDS = ["chat", "reply", "check-knowledge", "evaluate", "card", "report", "privacy", "backup", "migrate",
            "telegram", "slack", "serve"]  # fmt: skip


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_and_explains_every_command(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert sorted(sub.choices) == sorted(COMMANDS)
    for name, parser in sub.choices.items():
        assert parser.format_help().strip(), name
        assert any(a.dest == name or a.help for a in sub._choices_actions if a.dest == name), name


def test_every_command_and_argument_has_help():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name, parser in sub.choices.items():
        assert parser.description, name
        for action in parser._actions:
            assert action.help, (name, action.option_strings or action.dest)


def test_no_command_prints_help_and_exits_2(capsys):
    code, out, _ = run(capsys)
    assert code == 2 and "reply" in out


def test_reply_text(capsys):
    code, out, _ = run(capsys, "reply", "--at", "2026-11-27T13:00+09:00", "当院は横浜市です。患者さんが性被害")
    assert code == 0
    assert "#8891" in out and "045-322-7379" in out and "神奈川県" in out


def test_reply_json_contract(capsys):
    code, out, _ = run(capsys, "reply", "--json", "--lang", "en", "--at", "2026-11-29T23:00", "青森 性被害 昨夜")
    assert code == 0
    data = json.loads(out)
    assert data["lang"] == "en" and data["prefecture"] == "02" and data["flags"] == ["acute"]
    assert data["centers"][0]["open_now"] is False  # Sunday 23:00 in Tokyo time (naive --at is Tokyo)
    assert "#8891" in data["text"]


def test_reply_bad_at_is_a_one_line_error(capsys):
    code, out, err = run(capsys, "reply", "--at", "yesterday", "x")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "--at" in err and "Traceback" not in err


def test_reply_jsonl_keeps_order_and_reports_bad_lines(capsys, monkeypatch):
    import io

    lines = [
        {"text": "横浜市 性被害"},
        {"text": "I was raped", "lang": "ja"},
        "not json",
        {"text": "青森", "at": "2026-11-29T23:00+09:00"},
        {"text": "青森", "at": "not a time"},
    ]
    stdin = "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines) + "\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code, out, _ = run(capsys, "reply", "--jsonl", "--at", "2026-11-27T13:00+09:00")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 5
    assert rows[0]["prefecture"] == "14" and rows[0]["centers"][0]["open_now"] is True
    assert rows[1]["lang"] == "ja" and rows[1]["intent"] == "victim"
    assert "error" in rows[2] and "line 3" in rows[2]["error"]
    assert rows[3]["centers"][0]["open_now"] is False
    assert "error" in rows[4]


def test_check_knowledge_passes_on_the_shipped_files(capsys):
    code, out, _ = run(capsys, "check-knowledge")
    assert code == 0
    assert "knowledge ok: 51 centers" in out and "0 warning(s)" in out


def test_check_knowledge_warns_of_stale_facts(capsys):
    code, out, _ = run(capsys, "check-knowledge", "--today", "2027-12-01")
    assert code == 0
    assert "warning: centers.yaml: centers[aomori-ringonohana].checked_on" in out
    assert "more than 180 days ago" in out


def test_check_knowledge_names_file_and_key_of_a_broken_file(capsys, tmp_path):
    broken = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, broken)
    text = (broken / "rules.yaml").read_text(encoding="utf-8")
    (broken / "rules.yaml").write_text(text.replace("set: danger", "set: dangr", 1), encoding="utf-8")
    code, out, _ = run(capsys, "check-knowledge", "--dir", str(broken))
    assert code == 1
    assert "error: rules.yaml: flags[0].set: unknown flag 'dangr'" in out
    assert "1 error(s)" in out


def test_reply_with_broken_knowledge_is_a_one_line_error(capsys, tmp_path, monkeypatch):
    broken = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, broken)
    (broken / "national.yaml").unlink()
    monkeypatch.setenv("REFERRAL_KNOWLEDGE_DIR", str(broken))
    code, out, err = run(capsys, "reply", "x")
    assert code == 2 and out == "" and "check-knowledge" in err and err.count("\n") == 1


def test_privacy_prints_the_statement(capsys):
    code, out, _ = run(capsys, "privacy", "--lang", "en")
    assert code == 0 and "message" in out.lower()


def _env():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_"))}
    env["PYTHONPATH"] = str(ROOT)
    return env


def test_chat_console_conversation_counts_and_follows_choices(tmp_path):
    db = tmp_path / "counts.db"
    env = _env() | {"REFERRAL_DB": str(db)}
    # a message, then choice 1 (Tokyo among the candidates for 府中市), then quit
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        input="府中市の病院です。患者さんが性被害\n1\n:q\n",
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "「東京都」「広島県」" in proc.stdout  # the question lists the candidates
    assert "[1] 東京都" in proc.stdout
    assert "【東京都のセンター】" in proc.stdout  # the choice refined the answer
    from bot.counts import CountsStore

    rows = CountsStore(db).rows()
    assert sum(r.n for r in rows) == 1  # the choice is a follow-up, not a second referral
    assert rows[0].channel == "console"


def test_chat_no_count_writes_nothing(tmp_path):
    db = tmp_path / "counts.db"
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--no-count"],
        input="横浜市 患者さんが性被害\n", capture_output=True, text=True,
        env=_env() | {"REFERRAL_DB": str(db)}, cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0 and "#8891" in proc.stdout
    assert not db.exists()


def test_long_running_commands_count_through_a_background_queue():
    from bot import wiring
    from bot.counts import CountsQueue, CountsStore

    assert wiring.counts(enabled=False, background=True) is None
    assert type(wiring.counts(enabled=True)) is CountsStore  # chat: writes each count at once
    queue = wiring.counts(enabled=True, background=True)
    try:
        assert isinstance(queue, CountsQueue) and type(queue.store) is CountsStore
        assert str(queue.path) == os.environ["REFERRAL_DB"]
    finally:
        queue.close()


def test_reply_imports_no_channel_library():
    code = (
        "import sys, runpy; sys.argv=['referral-bot','reply','横浜市 性被害'];\n"
        "from bot.cli import main; main(sys.argv[1:]);\n"
        "heavy=[m for m in ('telegram','slack_bolt','slack_sdk','aiohttp','matplotlib','sqlite_utils','numpy')"
        " if m in sys.modules]; print('HEAVY', heavy)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stdout


def test_the_configuration_reference_names_every_environment_variable_in_both_languages():
    import re

    readers = [p for p in (ROOT / "bot").rglob("*.py") if re.search(r"\bos\.environ\b|\bgetenv\(", p.read_text())]
    assert readers == [ROOT / "bot" / "settings.py"]  # the one reader of the environment
    source = readers[0].read_text()
    names = set(re.findall(r'(?:\.get\(|\b_get\([^"\n]*|\bswitch\([^"\n]*|\[)"([A-Z][A-Z0-9_]+)"', source))
    names |= {"REFERRAL_CARD_FONT", "HTTPS_PROXY", "NO_PROXY"}  # read through a constant / urllib
    assert len(names) > 20 and {"WEB_CHAT", "WEB_FRAME_ANCESTORS", "TRUST_PROXY", "LOG_FORMAT", "PORT"} <= names
    doc = (ROOT / "docs" / "configuration.md").read_text()
    english, japanese = doc.split("## 日本語")
    for name in names:
        assert f"`{name}`" in english.split("## English")[1] and f"`{name}`" in japanese, name
    assert "docs/configuration.md" in (ROOT / "README.md").read_text()
