"""`referral-bot backup` (consistent while the bot writes) and `privacy --delete-before`."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from bot.cli import main
from bot.counts import CountsStore
from bot.maintenance import MaintenanceError, backup, delete_before
from bot.model import Case


def rows(path: Path) -> dict[tuple, int]:
    conn = sqlite3.connect(path)
    try:
        return {tuple(r[:5]): r[5] for r in conn.execute("SELECT * FROM counts")}
    finally:
        conn.close()


def key(i: int) -> tuple[str, str, str, str, str]:
    return (f"20{10 + i // 600:02d}-{i // 47 % 12 + 1:02d}", f"{i % 47 + 1:02d}", "telegram", "adult", "clinician")


@pytest.fixture
def store(tmp_path):
    s = CountsStore(tmp_path / "counts.db")
    yield s
    s.close()


def test_a_backup_while_the_bot_writes_has_every_count_committed_before_it(store, tmp_path):
    for i in range(2000):  # a file of some size, all of it still in the -wal
        assert store.add({key(i): 1})
    assert Path(f"{store.path}-wal").stat().st_size > 0
    stop, running, written = threading.Event(), threading.Event(), []

    def writer() -> None:
        i = 0
        while not stop.is_set():
            store.add({key(i % 3000): 1})
            written.append(i)
            i += 1
            if i == 50:
                running.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert running.wait(10)  # the writer is well under way
        before = rows(store.path)  # everything committed before the backup starts
        result = backup(store.path, tmp_path / "copy.db")
        during = len(written)
    finally:
        stop.set()
        thread.join()
    assert during > 50
    copy = tmp_path / "copy.db"
    got = rows(copy)
    assert all(got.get(k, 0) >= n for k, n in before.items())
    assert result.rows == len(got) >= len(before) > 1000 and result.first_month == min(k[0] for k in got)
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert not Path(f"{copy}-wal").exists()
    conn = sqlite3.connect(copy)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def test_backup_refuses_to_overwrite_and_restores_with_force(store, tmp_path, capsys):
    store.record(Case(prefecture="13"), channel="line", at=dt.datetime(2025, 3, 1))
    copy = tmp_path / "copy.db"
    copy.write_text("precious")
    assert main(["backup", "--db", str(store.path), str(copy)]) == 2
    assert "exists; add --force" in capsys.readouterr().err and copy.read_text() == "precious"
    copy.unlink()
    assert main(["backup", "--db", str(store.path), str(copy)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"backed up 1 rows, 2025-03..2025-03 to {copy}"]

    # the live file moves on, then is restored from the copy (the bot stopped: its store closed)
    store.record(Case(prefecture="14"), channel="line", at=dt.datetime(2025, 4, 1))
    store.close()
    assert main(["backup", "--db", str(copy), "--force", str(store.path)]) == 0
    assert rows(store.path) == {("2025-03", "13", "line", "adult", "clinician"): 1}
    assert store.record(Case(prefecture="14"), channel="line", at=dt.datetime(2025, 4, 1))  # counts go on
    assert len(rows(store.path)) == 2
    store.close()
    assert main(["backup", "--db", str(store.path), str(tmp_path / "stopped.db")]) == 0  # the bot stopped
    assert len(rows(tmp_path / "stopped.db")) == 2


def test_backup_errors_are_one_line(tmp_path, capsys):
    assert main(["backup", "--db", str(tmp_path / "none.db"), str(tmp_path / "x.db")]) == 2
    assert "no counts file" in capsys.readouterr().err
    (tmp_path / "other.db").write_bytes(b"not a database at all" * 100)
    with pytest.raises(MaintenanceError, match="not a counts file"):
        backup(tmp_path / "other.db", tmp_path / "x.db")
    assert not (tmp_path / "x.db").exists()


def test_delete_before_removes_old_months_only_and_leaves_no_trace(store, tmp_path, capsys):
    marker_month = "2024-11"
    for month, pref in ((marker_month, "07"), ("2025-03", "13"), ("2025-04", "14")):
        store.record(Case(prefecture=pref), channel="slack", at=dt.datetime.fromisoformat(f"{month}-15T12:00"))
    assert main(["privacy", "--db", str(store.path), "--delete-before", "2025-04"]) == 0
    assert capsys.readouterr().out.strip() == f"deleted 2 rows of the months before 2025-04 from {store.path}"
    assert list(rows(store.path)) == [("2025-04", "14", "slack", "adult", "clinician")]
    store.close()
    for suffix in ("", "-wal"):
        file = Path(f"{store.path}{suffix}")
        if file.exists():
            assert marker_month.encode() not in file.read_bytes()
    with pytest.raises(SystemExit) as bad:  # argparse: not a month
        main(["privacy", "--db", str(store.path), "--delete-before", "2025-13"])
    assert bad.value.code == 2
    assert main(["privacy", "--db", str(tmp_path / "none.db"), "--delete-before", "2025-01"]) == 1


def test_delete_before_while_another_connection_writes(store):
    store.record(Case(prefecture="13"), channel="line", at=dt.datetime(2025, 1, 2))
    assert delete_before(store.path, "2025-02") == 1
    assert store.record(Case(prefecture="13"), channel="line", at=dt.datetime(2025, 3, 2))
    assert rows(store.path) == {("2025-03", "13", "line", "adult", "clinician"): 1}
    assert os.path.getsize(store.path) > 0
