"""The report's table as text, CSV or JSON, with its title and legend."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Sequence

from bot.report.table import BY_JA, HIDDEN, TOTAL, UNKNOWN_LABEL, Cell, Table, prefecture_names

FORMATS = ("table", "csv", "json")
RAW_NOTICE = (
    "注意: --raw は秘匿処理をしていない実数です。"
    "集計ファイルを直接読める人だけが使い、公表しないでください。\n"
    "NOTICE: --raw shows exact, unsuppressed counts. Only for someone who can read the database file "
    "anyway; do not publish them.\n"
)


# ------------------------------------------------------------------ rendering
def title(table: Table, names: dict[str, str] | None = None) -> str:
    """E.g. "紹介件数 東京都 月別 2025-01〜2025-06"."""
    m = table.months
    span = "(データなし)" if not m else m[0] if len(m) == 1 else f"{m[0]}〜{m[-1]}"
    where = (
        (names or prefecture_names()).get(table.prefecture, UNKNOWN_LABEL) + " " if table.prefecture else ""
    )
    return f"紹介件数 {where}{BY_JA[table.by]} {span}"


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
    return "\n".join(out) + "\n"


def render_csv(table: Table, cells: Sequence[Sequence[Cell]], threshold: int | None) -> str:
    header, body = _layout(table, cells)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["key", "label", *header])
    for key, lab, vals in body:
        w.writerow([key, lab, *vals])
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
        "raw": threshold is None,
        "threshold": threshold,
        "columns": header,
        "rows": [{"key": k, "label": lab, "values": vals} for k, lab, vals in body[:-1]],
        "total": body[-1][2],
        "legend": legend(threshold),
    }
    if threshold is None:
        doc["notice"] = RAW_NOTICE.strip()
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


RENDER = {"table": render_table, "csv": render_csv, "json": render_json}


