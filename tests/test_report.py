"""`referral-bot report`: tables, small-cell suppression (primary and secondary), formats, --raw and
the chart."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import struct
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from bot import report
from bot.counts import CountRow, CountsStore
from bot.model import Case
from bot.report import HIDDEN, PREFECTURES, Table, build_report, recoverable, suppress


def table_of(body: list[list[int]]) -> Table:
    grid = [[*r, sum(r)] for r in body]
    grid.append([sum(c) for c in zip(*grid, strict=True)])
    rows = tuple(f"r{i}" for i in range(len(body)))
    cols = tuple(f"2025-{j + 1:02d}" for j in range(len(body[0])))
    return Table("kind", rows, rows, cols, cols, tuple(map(tuple, grid)), cols)


def exactly_recoverable(grid, published) -> set[tuple[int, int]]:
    """Independent check with numpy: hidden cells whose value follows from the row and column sums."""
    n_rows, n_cols = len(grid), len(grid[0])
    hidden = [(i, j) for i in range(n_rows) for j in range(n_cols) if isinstance(published[i][j], str)]
    if not hidden:
        return set()
    idx = {c: k for k, c in enumerate(hidden)}
    a = []
    for i in range(n_rows):
        a.append([0.0] * len(hidden))
        for j in range(n_cols):
            if (i, j) in idx:
                a[-1][idx[i, j]] = -1.0 if j == n_cols - 1 else 1.0
    for j in range(n_cols):
        a.append([0.0] * len(hidden))
        for i in range(n_rows):
            if (i, j) in idx:
                a[-1][idx[i, j]] = -1.0 if i == n_rows - 1 else 1.0
    a = np.array(a)
    rank = np.linalg.matrix_rank(a)
    return {
        c for c, k in idx.items() if np.linalg.matrix_rank(np.vstack([a, np.eye(len(hidden))[k]])) == rank
    }


def assert_safe(table: Table, published, threshold: int = 10) -> None:
    g = table.grid
    for i, row in enumerate(published):
        for j, v in enumerate(row):
            if 0 < g[i][j] < threshold:
                assert v == f"<{threshold}"
            elif v == HIDDEN:
                assert g[i][j] >= threshold  # a secondary cell: never a zero, never a small one
            else:
                assert v == g[i][j]
    lines = [list(r) for r in published] + [list(c) for c in zip(*published, strict=True)]
    assert all(sum(isinstance(v, str) for v in line) != 1 for line in lines)
    assert exactly_recoverable(g, published) == set()


# ------------------------------------------------------------------ suppression
def test_nothing_small_nothing_hidden_and_zero_is_published():
    t = table_of([[10, 0, 30], [40, 50, 0]])
    assert suppress(t) == t.grid


def test_secondary_suppression_when_a_row_has_exactly_one_small_cell():
    t = table_of([[20, 5, 30], [40, 50, 60], [15, 25, 35]])
    published = suppress(t)
    assert published == (
        ("x", "<10", 30, 55),  # 20 hidden: else 55 - 20 - 30 gives the 5 away
        (40, 50, 60, 150),
        ("x", "x", 35, 75),  # the smallest cells of the two columns, so the columns are safe too
        (75, 80, 125, 280),
    )
    assert_safe(t, published)


def test_small_totals_are_suppressed_too():
    t = table_of([[3, 0, 2], [40, 50, 60]])
    published = suppress(t)
    assert published[0] == ("<10", 0, "<10", "<10")
    assert published[1][1] == 50  # the zero column is untouched
    assert_safe(t, published)


def test_a_cell_hidden_only_because_of_a_bridge_between_two_blocks():
    """Every row and column has two hidden cells, yet (1, 2) follows from four sums together."""
    big = 50
    body = [[2, 3, big, big, big], [4, 5, 6, big, big], [big, big, 7, 8, big], [big, big, 2, 3, big]]
    t = table_of(body)
    naive = {(i, j) for i, row in enumerate(t.grid) for j, v in enumerate(row) if 0 < v < 10}
    assert recoverable(t.grid, naive) == {(1, 2)}
    assert_safe(t, suppress(t))


def test_threshold_is_a_setting():
    t = table_of([[5, 20], [30, 40]])
    assert suppress(t, threshold=5) == t.grid
    assert suppress(t, threshold=25)[0][0] == "<25"


@pytest.mark.parametrize("seed", range(30))
def test_random_tables_are_safe(seed):
    rng = np.random.default_rng(seed)
    body = rng.choice([0, 0, 1, 3, 8, 12, 25, 60, 200], size=(rng.integers(1, 8), rng.integers(1, 8)))
    t = table_of(body.tolist())
    assert_safe(t, suppress(t))


# ------------------------------------------------------------------ building
ROWS = [
    CountRow("2025-01", "13", "telegram", "adult", "clinician", 40),
    CountRow("2025-01", "13", "slack", "minor+acute", "clinician", 3),
    CountRow("2025-01", "27", "telegram", "adult", "clinician", 12),
    CountRow("2025-03", "27", "telegram", "adult", "victim", 25),
    CountRow("2025-03", "47", "line", "adult+danger", "clinician", 2),
    CountRow("2025-03", "unknown", "telegram", "adult", "clarify", 30),
    CountRow("2025-03", "unknown", "console", "adult", "help", 99),
    CountRow("2025-05", "01", "telegram", "adult", "clinician", 11),
]


def test_prefectures_in_jis_order_with_every_month_in_range():
    t = build_report(ROWS, "prefecture", month_from="2025-01", month_to="2025-04")
    assert t.row_labels == (*PREFECTURES, "不明")
    assert t.row_keys[0] == "01" and t.row_keys[46] == "47"
    assert t.col_keys == ("2025-01", "2025-02", "2025-03", "2025-04")  # 02 and 04 are empty: zeros
    assert t.grid[12] == (43, 0, 0, 0, 43)  # 東京都
    assert t.grid[-2] == (0, 0, 30, 0, 30)  # 不明: the help answer is left out
    assert t.grid[-1] == (55, 0, 57, 0, 112)


def test_month_range_and_help():
    t = build_report(ROWS, "month", include_help=True)
    assert t.row_keys == ("2025-01", "2025-02", "2025-03", "2025-04", "2025-05")
    assert [r[0] for r in t.grid] == [55, 0, 156, 0, 11, 222]
    t = build_report(ROWS, "month", month_from="2025-03")
    assert t.row_keys == ("2025-03", "2025-04", "2025-05") and t.grid[-1][0] == 68


def test_by_kind_answer_channel_and_one_prefecture():
    assert build_report(ROWS, "kind").row_keys == ("adult", "adult+danger", "minor+acute")
    assert build_report(ROWS, "answer").row_keys == ("clinician", "victim", "clarify")
    assert build_report(ROWS, "channel").row_keys == ("console", "telegram", "slack", "line", "web", "other")
    t = build_report(ROWS, "month", prefecture="27")
    assert t.prefecture == "27" and t.grid[-1][0] == 37


def test_prefecture_codes_and_names():
    assert report.prefecture_code("13") == "13"
    assert report.prefecture_code("1") == "01"
    assert report.prefecture_code("東京都") == report.prefecture_code("東京") == "13"
    assert report.prefecture_code("京都") == "26" and report.prefecture_code("北海道") == "01"
    with pytest.raises(ValueError):
        report.prefecture_code("48")


def test_prefecture_names_from_knowledge_when_complete(tmp_path, monkeypatch):
    monkeypatch.setenv("REFERRAL_KNOWLEDGE_DIR", str(tmp_path))
    lines = [f"- code: '{i:02d}'\n  name: {{ja: 県{i}, en: P{i}}}\n" for i in range(1, 48)]
    (tmp_path / "prefectures.yaml").write_text("".join(lines), encoding="utf-8")
    assert report.prefecture_names()["47"] == "県47"
    (tmp_path / "prefectures.yaml").write_text("".join(lines[:10]), encoding="utf-8")  # incomplete
    assert report.prefecture_names()["47"] == "沖縄県"


# ------------------------------------------------------------------ the command
@pytest.fixture
def db(tmp_path) -> Path:
    """A counts file from real records: 東京都 busy, 大阪府 with one small month, 沖縄県 tiny."""
    path = tmp_path / "counts.db"
    store = CountsStore(path)
    plan = {
        ("13", 1): 40,
        ("13", 2): 35,
        ("13", 3): 50,
        ("27", 1): 20,
        ("27", 2): 4,
        ("27", 3): 30,
        ("47", 3): 2,
    }
    for (pref, month), n in plan.items():
        for i in range(n):
            c = Case(prefecture=pref, flags=frozenset(["acute"] if i % 2 else []))
            assert store.record(c, channel="telegram", at=dt.datetime(2025, month, 1 + i % 28))
    store.close()
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    report.add_arguments(parser)
    code = report.main(parser.parse_args(list(argv)))
    out, err = capsys.readouterr()
    return code, out, err


def test_table_format(db, capsys):
    code, out, err = run(capsys, "--db", str(db))
    assert code == 0 and err == ""
    assert "紹介件数 都道府県別 2025-01〜2025-03" in out
    lines = out.splitlines()
    cells = {line.split()[0]: line.split()[1:] for line in lines if line and line[0] in "東大沖計"}
    # 大阪府's 4 in February hides 東京都's 35 (the only other referral that month), and so on
    assert cells["東京都"] == ["x", "x", "50", "125"]
    assert cells["大阪府"] == ["x", "<10", "x", "x"]
    assert cells["沖縄県"] == ["0", "0", "<10", "<10"]
    assert cells["計"] == ["60", "39", "82", "181"]
    t = build_report(CountsStore(db).rows(), "prefecture")
    assert_safe(t, suppress(t))
    assert out.index("北海道") < out.index("東京都") < out.index("大阪府") < out.index("沖縄県")
    assert "<10: 1〜9件" in out and "NOTICE" not in out


def csv_rows(out: str) -> list[list[str]]:
    """The table's rows: the BOM off, up to the empty row before the legend."""
    assert out.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(out[1:])))
    return rows[: rows.index([])]


def test_csv_format(db, capsys):
    _, out, _ = run(capsys, "--db", str(db), "--format", "csv")
    rows = csv_rows(out)
    assert rows[0] == ["key", "label", "2025-01", "2025-02", "2025-03", "計"]
    assert len(rows) == 1 + 47 + 1 + 1  # header, prefectures, unknown, total
    assert rows[27] == ["27", "大阪府", "x", "<10", "x", "x"]
    assert rows[-1][0] == "total"


def test_csv_is_for_excel_utf8_with_bom_and_a_legend_under_the_table(db, capsysbinary):
    parser = argparse.ArgumentParser()
    report.add_arguments(parser)
    assert report.main(parser.parse_args(["--db", str(db), "--format", "csv"])) == 0
    data = capsysbinary.readouterr().out
    assert data.startswith(b"\xef\xbb\xbf" + b"key,label,") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    legend = {r[0]: r[1] for r in rows[rows.index([]) + 1 :]}
    assert legend["<10"].startswith("1〜9件") and "逆算" in legend["x"] and legend["0"].startswith("該当なし")
    assert legend["凡例 / legend"] == "紹介件数 都道府県別 2025-01〜2025-03"
    assert legend["期間 / period"].startswith("2025-01〜2025-03")
    assert "console demo included" in legend["経路 / channels"]
    assert legend["出典 / source"].startswith("referral-bot ")
    assert "not one patient" in legend["読み方 / reading"]


def test_channels_are_chosen_and_said(tmp_path, capsys):
    path = tmp_path / "counts.db"
    store = CountsStore(path)
    for channel, n in (("console", 30), ("telegram", 12), ("line", 20), ("slack", 1)):
        for _ in range(n):
            store.record(Case(prefecture="13"), channel=channel, at=dt.datetime(2025, 5, 1))
    store.close()
    _, out, _ = run(capsys, "--db", str(path), "--format", "json", "--by", "channel")
    doc = json.loads(out)
    assert [r["key"] for r in doc["rows"]] == list(report.CHANNELS) and doc["total"] == [63]
    _, out, _ = run(capsys, "--db", str(path), "--format", "json", "--channel", "telegram,slack", "--channel", "line")
    doc = json.loads(out)
    assert doc["channels"] == ["telegram", "slack", "line"]
    assert doc["total"] == [33] and "経路 / channels: telegram, slack, line" in doc["notes"]
    _, out, _ = run(capsys, "--db", str(path), "--by", "channel", "--channel", "line,slack")
    assert "console" not in out.split("経路")[0] and "<10" in out
    with pytest.raises(SystemExit):
        run(capsys, "--db", str(path), "--channel", "console,fax")
    assert "not a channel: fax" in capsys.readouterr().err


def test_report_help_says_how_to_read_the_numbers(capsys):
    from bot.cli import main

    with pytest.raises(SystemExit):
        main(["report", "--help"])
    out = capsys.readouterr().out
    for said in ("not a patient", "患者の人数", "--channel telegram,slack,line", "府中市", "<10", "console"):
        assert said in out, said


def test_json_format(db, capsys):
    _, out, _ = run(capsys, "--db", str(db), "--format", "json", "--by", "month")
    doc = json.loads(out)
    assert doc["by"] == "month" and doc["raw"] is False and doc["threshold"] == 10
    assert doc["columns"] == ["件数"]
    assert [r["key"] for r in doc["rows"]] == ["2025-01", "2025-02", "2025-03"]
    assert doc["total"] == [181]


def test_raw_shows_exact_numbers_and_says_so(db, capsys):
    code, out, err = run(capsys, "--db", str(db), "--raw", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    osaka = next(r for r in doc["rows"] if r["key"] == "27")
    assert osaka["values"] == [20, 4, 30, 54]
    assert doc["raw"] is True and "NOTICE" in doc["notice"]
    assert "read the database file" in err
    _, out, err = run(capsys, "--db", str(db), "--raw")
    assert out.startswith("注意") and "NOTICE" in out


def test_month_filters_and_one_prefecture(db, capsys):
    _, out, _ = run(
        capsys, "--db", str(db), "--from", "2025-02", "--to", "2025-03", "--format", "csv", "--raw"
    )
    rows = csv_rows(out)
    assert rows[0][2:] == ["2025-02", "2025-03", "計"]
    assert rows[13] == ["13", "東京都", "35", "50", "85"]
    assert rows[27] == ["27", "大阪府", "4", "30", "34"]
    assert rows[-1] == ["total", "計", "39", "82", "121"]
    _, out, _ = run(capsys, "--db", str(db), "--from", "2025-03", "--format", "csv")
    rows = csv_rows(out)
    assert rows[0][2:] == ["2025-03"] and rows[13] == ["13", "東京都", "50"]
    _, out, _ = run(capsys, "--db", str(db), "--prefecture", "東京都", "--format", "json")
    doc = json.loads(out)
    assert doc["prefecture"] == "13" and doc["by"] == "month"
    assert [r["values"] for r in doc["rows"]] == [[40], [35], [50]] and doc["total"] == [125]


def test_bad_usage(db, capsys, tmp_path):
    code, _, err = run(capsys, "--db", str(db), "--from", "2025-04", "--to", "2025-01")
    assert code == 2 and "--from" in err
    code, _, err = run(capsys, "--db", str(tmp_path / "none.db"))
    assert code == 1 and "no counts file" in err and not (tmp_path / "none.db").exists()
    with pytest.raises(SystemExit):
        run(capsys, "--from", "2025-13")
    with pytest.raises(SystemExit):
        run(capsys, "--threshold", "1")


# ------------------------------------------------------------------ the chart
def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_chart_by_prefecture(db, capsys, tmp_path):
    png = tmp_path / "chart.png"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph is a warning from matplotlib: fail on it
        code, _, err = run(capsys, "--db", str(db), "--chart", str(png))
    assert code == 0, err
    assert png.stat().st_size > 20_000
    assert png_size(png) == report.chart_size(48) == (800, 1594)


def test_chart_draws_labels_not_bars_for_suppressed_cells(db, tmp_path):
    rows = CountsStore(db).rows()
    t = build_report(rows, "prefecture")
    published = suppress(t)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = report.draw_chart(t, published, tmp_path / "c.png")
    ax = fig.axes[0]
    widths = [bar.get_width() for bar in ax.patches]
    assert widths[12] == 125 and widths[46] == 0  # 東京都; 沖縄県 (2) has no bar
    texts = [t.get_text() for t in ax.texts]
    assert texts[12] == "125" and texts[46] == "<10"
    assert widths[26] == 0 and texts[26] == "x"  # 大阪府's total is hidden as well
    assert [t.get_text() for t in ax.get_yticklabels()][:2] == ["北海道", "青森県"]
    assert png_size(tmp_path / "c.png") == report.chart_size(48)


def test_chart_has_a_legend_period_source_and_says_when_everything_is_hidden(tmp_path):
    rows = [CountRow("2025-02", p, "line", "adult", "clinician", 3) for p in ("01", "13", "14")]
    t = build_report(rows, "channel", channels=["line", "slack"])
    published = suppress(t)
    assert [r[-1] for r in published[:-1]] == [0, "<10"]  # slack, line
    fig = report.draw_chart(t, published, tmp_path / "small.png")
    texts = [x.get_text() for x in fig.axes[0].texts] + [x.get_text() for x in fig.texts]
    assert any("all cells suppressed (<10)" in x for x in texts)
    assert any("period: 2025-02" in x and "source: referral-bot" in x for x in texts)
    assert "channels: slack, line" in fig.axes[0].get_title()
    legend = [x.get_text() for x in fig.legends[0].get_texts()]
    assert legend[0] == "件数 / count" and legend[1].startswith("<10: ") and legend[2].startswith("x: ")


def test_chart_for_one_prefecture_by_month(db, capsys, tmp_path):
    png = tmp_path / "tokyo.png"
    code, _, err = run(capsys, "--db", str(db), "--prefecture", "13", "--chart", str(png))
    assert code == 0, err
    assert png_size(png) == report.chart_size(3)


def test_chart_without_a_japanese_font_fails_clearly(db, capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(report.chart, "find_cjk_font", lambda: None)
    code, out, err = run(capsys, "--db", str(db), "--chart", str(tmp_path / "c.png"))
    assert code == 1 and "fonts-noto-cjk" in err and out == ""
    assert not (tmp_path / "c.png").exists()


def test_matplotlib_is_imported_only_for_a_chart():
    code = "import sys, bot.report, bot.counts, bot.privacy; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_privacy_statement(capsys, monkeypatch):
    from bot import privacy

    monkeypatch.setenv("REFERRAL_DB", "/srv/bot/counts.db")
    assert privacy.main(argparse.Namespace()) == 0
    out = capsys.readouterr().out
    assert "保存しないもの" in out and "What is not stored" in out
    assert "rm -f /srv/bot/counts.db /srv/bot/counts.db-wal /srv/bot/counts.db-shm" in out
