"""The report's table as text, CSV or JSON, with its title and legend."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Sequence

from bot import __version__
from bot.counts import CHANNELS
from bot.report.table import BY_JA, HIDDEN, TOTAL, UNKNOWN_LABEL, Cell, Table, prefecture_names

FORMATS = ("table", "csv", "json")
RAW_NOTICE = (
    "注意: --raw は秘匿処理をしていない実数です。"
    "集計ファイルを直接読める人だけが使い、公表しないでください。\n"
    "NOTICE: --raw shows exact, unsuppressed counts. Only for someone who can read the database file "
    "anyway; do not publish them.\n"
)

HOW_TO_READ = """\
How to read these numbers / 数字の読み方
  - One count is one answer to a new message about a possible victim: not a patient, not a case.
    A patient asked about twice counts twice; a patient nobody asked about counts nowhere.
    1件は、新しいメッセージへの回答1回です。患者の人数でも事案の数でもありません。
  - A button that refines an answer (child, partner, danger, the other language) is the same
    referral, not counted again; a place the bot had to ask (府中市: Tokyo or Hiroshima?) is counted
    once, under the prefecture chosen.
    回答を絞り込むボタン (子ども・パートナー・危険・言語) は数え直しません。聞き返した地名
    (府中市など) は、選ばれた都道府県で1回数えます。
  - The prefecture is the place the message named (the hospital's), not where the patient lives;
    不明 (unknown) when the message named none (one picked afterwards from the prefecture list
    does not move it). Months are Japan time.
    都道府県はメッセージが示した場所 (病院の所在地) で、患者の住所ではありません。地名がなければ
    不明 (後から一覧で選ばれても不明のまま)。
  - Usage-help answers are left out (--include-help adds them). The console demo (`referral-bot
    chat`) counts under channel "console": leave it out of anything published, with
    --channel telegram,slack,line,web.
    使い方の案内は数えません。コンソールのデモは経路 console で数えるので、公表には
    --channel telegram,slack,line,web で除いてください。
  - Counts of 1-9 show as <10; x hides a cell that could otherwise be worked out from the totals;
    0 means none. 1〜9件は <10、合計から逆算できる欄は x、0 は該当なし。
"""


# ------------------------------------------------------------------ rendering
def title(table: Table, names: dict[str, str] | None = None) -> str:
    """E.g. "紹介件数 東京都 月別 2025-01〜2025-06"."""
    m = table.months
    span = "(データなし)" if not m else m[0] if len(m) == 1 else f"{m[0]}〜{m[-1]}"
    where = (
        (names or prefecture_names()).get(table.prefecture, UNKNOWN_LABEL) + " " if table.prefecture else ""
    )
    return f"紹介件数 {where}{BY_JA[table.by]} {span}"


def channels_note(table: Table) -> str:
    if table.channels and set(table.channels) != set(CHANNELS):
        return f"経路 / channels: {', '.join(table.channels)}"
    return "経路 / channels: すべて (コンソールのデモを含む) / all, the console demo included"


def period_note(table: Table) -> str:
    m = table.months
    span = "データなし / no data" if not m else m[0] if len(m) == 1 else f"{m[0]}〜{m[-1]}"
    return f"期間 / period: {span} (日本時間 / Japan time)"


def source_note() -> str:
    import datetime as dt
    from zoneinfo import ZoneInfo

    today = dt.datetime.now(ZoneInfo("Asia/Tokyo")).date().isoformat()
    return f"出典 / source: referral-bot {__version__} 匿名の紹介件数 (anonymous referral counts), {today}"


def notes(table: Table) -> list[str]:
    """What a published table says beside its legend: channels, period, what a count is, source."""
    return [
        channels_note(table),
        period_note(table),
        "読み方 / reading: 1件 = 新しいメッセージへの回答1回 (患者数ではない) / one count = one answer, not one patient",
        source_note(),
    ]


def legend(threshold: int | None) -> list[str]:
    if threshold is None:
        return ["RAW: 実数 (秘匿処理なし) / exact counts, not suppressed"]
    return [
        f"<{threshold}: 1〜{threshold - 1}件 (少数のため非表示 / fewer than {threshold}, hidden)",
        f"{HIDDEN}: 他の非表示セルを合計から逆算されないよう非表示 (hidden so that another cell cannot be "
        "worked out from the totals)",
        "0: 該当なし (none)",
    ]


def _layout(
    table: Table, cells: Sequence[Sequence[Cell]]
) -> tuple[list[str], list[tuple[str, str, list[Cell]]]]:
    """Header and (key, label, values) rows; the total column is left out when it repeats a single column."""
    keep = len(table.col_keys) + (1 if len(table.col_keys) > 1 else 0)
    header = [*table.col_labels, TOTAL][:keep]
    body = [
        (k, lab, list(cells[i][:keep]))
        for i, (k, lab) in enumerate(zip(table.row_keys, table.row_labels, strict=True))
    ]
    body.append(("total", TOTAL, list(cells[-1][:keep])))
    return header, body


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def render_table(table: Table, cells: Sequence[Sequence[Cell]], threshold: int | None) -> str:
    header, body = _layout(table, cells)
    lines = [["", *header]] + [[lab] + [str(v) for v in vals] for _, lab, vals in body]
    widths = [max(_width(line[i]) for line in lines) for i in range(len(lines[0]))]
    out = [title(table), *legend(threshold), ""]
    if threshold is None:
        out.insert(0, RAW_NOTICE.rstrip("\n"))
    for n, line in enumerate(lines):
        first = line[0] + " " * (widths[0] - _width(line[0]))
        rest = [" " * (w - _width(v)) + v for v, w in zip(line[1:], widths[1:], strict=True)]
        out.append("  ".join([first, *rest]).rstrip())
        if n == 0 or n == len(lines) - 2:
            out.append("-" * (sum(widths) + 2 * (len(widths) - 1)))
    out += ["", *notes(table)]
    return "\n".join(out) + "\n"


def render_csv(table: Table, cells: Sequence[Sequence[Cell]], threshold: int | None) -> str:
    """The table, then one empty row, then the legend and notes as two-column rows (a marker or
    heading in the first column, its meaning in the second), which Excel shows as a readable block
    under the table; a program reads up to the first empty row. `main` writes it as UTF-8 with a
    BOM, so Excel on Japanese Windows opens it as UTF-8."""
    header, body = _layout(table, cells)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["key", "label", *header])
    for key, lab, vals in body:
        w.writerow([key, lab, *vals])
    w.writerow([])
    w.writerow(["凡例 / legend", title(table)])
    for line in legend(threshold):
        marker, _, meaning = line.partition(": ")
        w.writerow([marker, meaning])
    for line in notes(table):
        heading, _, text = line.partition(": ")
        w.writerow([heading, text])
    return buf.getvalue()


def render_json(table: Table, cells: Sequence[Sequence[Cell]], threshold: int | None) -> str:
    """Cells are numbers, or the strings "<10" and "x" when suppressed."""
    header, body = _layout(table, cells)
    doc = {
        "title": title(table),
        "by": table.by,
        "from": table.months[0] if table.months else None,
        "to": table.months[-1] if table.months else None,
        "prefecture": table.prefecture,
        "channels": list(table.channels) or list(CHANNELS),
        "raw": threshold is None,
        "threshold": threshold,
        "columns": header,
        "rows": [{"key": k, "label": lab, "values": vals} for k, lab, vals in body[:-1]],
        "total": body[-1][2],
        "legend": legend(threshold),
        "notes": notes(table),
    }
    if threshold is None:
        doc["notice"] = RAW_NOTICE.strip()
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


RENDER = {"table": render_table, "csv": render_csv, "json": render_json}


