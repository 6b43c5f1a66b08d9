"""`referral-bot report`: referral counts as a table a prefecture can publish.

A report is a two-way table with totals: categories (prefectures in JIS order, case kinds, answer
kinds or channels) by month, or months alone with `--by month`. Every cell, total included, is
published only if it is 0 or at least the threshold (10 by default, the rule for Japan's national
health-claims data):

- 1..threshold-1 is shown as "<10" (primary suppression);
- "x" hides a cell of threshold or more that would otherwise let a hidden one be worked out from a
  row or column total (secondary suppression; "x" is what Japanese official statistics print for a
  cell kept secret);
- 0 is shown as 0. A zero counts nobody, so it cannot point at a patient or a clinician, and "no
  referral at all in this prefecture this month" is exactly what a prefecture needs to see. A zero
  is never used to hide another cell: a reader could tell that it must be 0 from the totals.

Secondary suppression: the table with its totals is a grid where each row and column adds up to its
total; any row or column with exactly one hidden entry gives that entry away, so the smallest
non-zero published cell in it is hidden too (a total only when no inner cell is left), repeated
until no row or column has exactly one. This stops exact recovery from one table; it does not
audit differences between several tables published for overlapping selections.

`--raw` prints exact counts with a notice: only for someone who can read the database file anyway.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import sqlite3
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from bot import __version__
from bot.counts import ANSWER_KINDS, CHANNELS, CountRow, CountsStore

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PREFECTURES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県",
    "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県",
    "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県",
    "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県", "福岡県",
    "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
)  # fmt: skip  # JIS X 0401 order: code "01" is PREFECTURES[0]
UNKNOWN_LABEL = "不明"
TOTAL = "計"
HIDDEN = "x"
BY = ("prefecture", "kind", "answer", "channel", "month")
BY_JA = {
    "prefecture": "都道府県別",
    "kind": "事案の区分別",
    "answer": "回答の種類別",
    "channel": "経路別",
    "month": "月別",
}
FORMATS = ("table", "csv", "json")
DEFAULT_THRESHOLD = 10
KIND_JA = {
    "adult": "成人・不明",
    "minor": "未成年",
    "acute": "急性期",
    "danger": "危険",
    "partner": "パートナー",
}
ANSWER_JA = {
    "clinician": "医療者向け案内",
    "victim": "被害者向け案内",
    "clarify": "都道府県の確認",
    "help": "使い方",
}
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
    --channel telegram,slack,line.
    使い方の案内は数えません。コンソールのデモは経路 console で数えるので、公表には
    --channel telegram,slack,line で除いてください。
  - Counts of 1-9 show as <10; x hides a cell that could otherwise be worked out from the totals;
    0 means none. 1〜9件は <10、合計から逆算できる欄は x、0 は該当なし。
"""
Cell = int | str


@dataclass(frozen=True)
class Table:
    by: str
    row_keys: tuple[str, ...]
    row_labels: tuple[str, ...]
    col_keys: tuple[str, ...]
    col_labels: tuple[str, ...]
    grid: tuple[tuple[int, ...], ...]  # (rows + 1) x (cols + 1): the last row and column are totals
    months: tuple[str, ...] = ()
    prefecture: str | None = None
    channels: tuple[str, ...] = ()  # the channels counted; () = all


# ------------------------------------------------------------------ names
def _knowledge_dir() -> Path:
    """As bot.knowledge.default_dir: $REFERRAL_KNOWLEDGE_DIR, the installed copy, or the checkout's."""
    if os.environ.get("REFERRAL_KNOWLEDGE_DIR"):
        return Path(os.environ["REFERRAL_KNOWLEDGE_DIR"])
    here = Path(__file__).resolve().parent
    return here / "knowledge" if (here / "knowledge").is_dir() else here.parent / "knowledge"


def prefecture_names() -> dict[str, str]:
    """code -> Japanese name, from knowledge/prefectures.yaml (fields code, name) when it holds all 47,
    otherwise from PREFECTURES."""
    names = {f"{i:02d}": n for i, n in enumerate(PREFECTURES, 1)}
    try:
        import yaml

        data = yaml.safe_load((_knowledge_dir() / "prefectures.yaml").read_text(encoding="utf-8"))
        items = data.get("prefectures", data) if isinstance(data, dict) else data
        found = {}
        for item in items:
            name = item["name"]
            found[f"{int(item['code']):02d}"] = name["ja"] if isinstance(name, dict) else name
        if set(found) == set(names) and all(isinstance(v, str) and v for v in found.values()):
            return found
    except Exception:  # missing or another shape: the constant is authoritative enough
        pass
    return names


def prefecture_code(value: str, names: dict[str, str] | None = None) -> str:
    """ "13", "1", "東京都", "東京" or "unknown" -> "13" / "01" / "unknown"; ValueError otherwise."""
    v = unicodedata.normalize("NFKC", value).strip()
    if v.lower() in ("unknown", UNKNOWN_LABEL):
        return "unknown"
    if v.isdigit() and 1 <= int(v) <= 47:
        return f"{int(v):02d}"
    for code, name in (names or prefecture_names()).items():
        if v in (name, name[:-1] if name[-1] in "都府県" else name):
            return code
    raise ValueError(f"not a prefecture code (01..47), name or 'unknown': {value!r}")


def kind_label(kind: str) -> str:
    return "+".join(KIND_JA.get(part, part) for part in kind.split("+"))


# ------------------------------------------------------------------ building
def month_range(first: str, last: str) -> tuple[str, ...]:
    y, m = int(first[:4]), int(first[5:])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return tuple(out)


def build_report(
    rows: Iterable[CountRow],
    by: str,
    *,
    month_from: str | None = None,
    month_to: str | None = None,
    prefecture: str | None = None,
    include_help: bool = False,
    names: dict[str, str] | None = None,
    channels: Sequence[str] = (),
) -> Table:
    """Exact counts as a table with totals (nothing suppressed yet: see suppress). `channels`: count
    only these (e.g. leave the console demo out); () counts every channel."""
    if by not in BY:
        raise ValueError(f"--by must be one of {', '.join(BY)}")
    channels = tuple(c for c in CHANNELS if c in set(channels))
    names = names or prefecture_names()
    rows = [
        r for r in (CountRow(*r) for r in rows)
        if (month_from is None or r.month >= month_from) and (month_to is None or r.month <= month_to)
        and (prefecture is None or r.prefecture == prefecture) and (include_help or r.answer_kind != "help")
        and (not channels or r.channel in channels)
    ]  # fmt: skip
    seen = sorted({r.month for r in rows})
    first, last = month_from or (seen[0] if seen else None), month_to or (seen[-1] if seen else None)
    months = month_range(first, last) if first and last else ()

    field = {"prefecture": "prefecture", "kind": "case_kind", "answer": "answer_kind", "channel": "channel"}
    if by == "month":
        keys, labels = months, months
    elif by == "prefecture":
        keys = (prefecture,) if prefecture else (*names, "unknown")
        labels = tuple(names.get(k, UNKNOWN_LABEL) for k in keys)
    elif by == "kind":
        keys = tuple(sorted({r.case_kind for r in rows}))
        labels = tuple(kind_label(k) for k in keys)
    else:
        pool = ANSWER_KINDS if by == "answer" else channels or CHANNELS
        keys = tuple(k for k in pool if include_help or k != "help")
        labels = tuple(ANSWER_JA.get(k, k) for k in keys) if by == "answer" else keys
    cols = ("n",) if by == "month" else months
    col_labels = ("件数",) if by == "month" else months

    counts: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        key = r.month if by == "month" else getattr(r, field[by])
        counts[key, "n" if by == "month" else r.month] += r.n
    body = [[counts[k, c] for c in cols] for k in keys]
    grid = [[*line, sum(line)] for line in body]
    grid.append([sum(col) for col in zip(*grid, strict=True)] if grid else [0] * (len(cols) + 1))
    return Table(by, tuple(keys), tuple(labels), tuple(cols), tuple(col_labels),
                 tuple(tuple(r) for r in grid), months, prefecture, channels)  # fmt: skip


def suppress(table: Table, threshold: int = DEFAULT_THRESHOLD) -> tuple[tuple[Cell, ...], ...]:
    """The grid as published: see the module docstring for the rules."""
    g = table.grid
    n_rows, n_cols = len(g), len(g[0])
    primary = {(i, j) for i in range(n_rows) for j in range(n_cols) if 0 < g[i][j] < threshold}
    hidden = set(primary)
    lines = [[(i, j) for j in range(n_cols)] for i in range(n_rows)]
    lines += [[(i, j) for i in range(n_rows)] for j in range(n_cols)]

    def hide_partner(line: list[tuple[int, int]]) -> bool:
        free = [c for c in line if c not in hidden and g[c[0]][c[1]] > 0]
        inner = [c for c in free if c != line[-1]]  # line[-1] is the line's total
        if free:
            hidden.add(min(inner or free, key=lambda c: (g[c[0]][c[1]], c)))
        return bool(free)

    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(c in hidden for c in line) == 1:
                changed |= hide_partner(line)
        if not changed:  # no line gives a cell away; can several lines together? (a "bridge" cell)
            for i, j in sorted(recoverable(g, hidden)):
                changed |= hide_partner(lines[i]) or hide_partner(lines[n_rows + j])
    small = f"<{threshold}"
    return tuple(
        tuple(
            (small if (i, j) in primary else HIDDEN) if (i, j) in hidden else g[i][j] for j in range(n_cols)
        )
        for i in range(n_rows)
    )


def recoverable(grid: Sequence[Sequence[int]], hidden: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Hidden cells whose exact value follows from the published cells and the row and column sums:
    x is recoverable iff its unit vector lies in the row space of the sum equations restricted to the
    hidden cells, i.e. iff the reduced row echelon form has a row that is exactly that unit vector."""
    n_rows, n_cols = len(grid), len(grid[0])
    cells = sorted(hidden)
    var = {c: k for k, c in enumerate(cells)}
    equations = [
        {var[i, j]: -1 if j == n_cols - 1 else 1 for j in range(n_cols) if (i, j) in var}
        for i in range(n_rows)
    ]
    equations += [
        {var[i, j]: -1 if i == n_rows - 1 else 1 for i in range(n_rows) if (i, j) in var}
        for j in range(n_cols)
    ]
    pivots: dict[int, dict[int, Fraction]] = {}
    for eq in equations:
        row = {k: Fraction(v) for k, v in eq.items()}
        for p in [p for p in pivots if p in row]:
            f = row[p]
            for k, v in pivots[p].items():
                row[k] = row.get(k, 0) - f * v
        row = {k: v for k, v in row.items() if v}
        if not row:
            continue
        p = min(row)
        row = {k: v / row[p] for k, v in row.items()}
        for other in pivots.values():
            if p in other:
                f = other[p]
                for k, v in row.items():
                    other[k] = other.get(k, 0) - f * v
                for k in [k for k, v in other.items() if not v]:
                    del other[k]
        pivots[p] = row
    return {cells[p] for p, row in pivots.items() if len(row) == 1}


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


# ------------------------------------------------------------------ chart
class ChartError(Exception):
    pass


CJK_FAMILIES = ("Noto Sans CJK JP", "Noto Sans JP", "IPAexGothic", "IPAGothic", "IPAPGothic",
                "Source Han Sans JP", "TakaoGothic", "VL Gothic", "Hiragino Sans", "Yu Gothic")  # fmt: skip
FONT_HINT = (
    "apt-get install -y fonts-noto-cjk (or fonts-ipafont), "
    "or set REFERRAL_CHART_FONT to a .ttf/.otf/.ttc file"
)
CHART_WIDTH_IN, CHART_DPI = 8.0, 100
FOOTER_IN = 0.9  # the legend, the period and the source line under the chart
BAR_COLOR = "#3b6ea8"


def chart_size(n_bars: int) -> tuple[int, int]:
    """The PNG's size in pixels for n bars: 800 wide, 28 px a bar plus room for title and axis."""
    return round(CHART_WIDTH_IN * CHART_DPI), round(_chart_height(n_bars) * CHART_DPI)


def _chart_height(n_bars: int) -> float:
    return 1.6 + 0.28 * max(n_bars, 1) + FOOTER_IN


def _bundled_font() -> str | None:
    """IPAexGothic, installed with the project as a dependency (the japanize-matplotlib package
    ships the font file; we only use the file, never import that package, whose code needs
    distutils). So charts work on a fresh machine with only Python."""
    import importlib.util

    spec = importlib.util.find_spec("japanize_matplotlib")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        font = Path(folder) / "fonts" / "ipaexg.ttf"
        if font.is_file():
            return str(font)
    return None


def find_cjk_font(families: Sequence[str] = CJK_FAMILIES) -> str | None:
    """A font family that draws Japanese, registered with matplotlib; None if there is none."""
    from matplotlib import font_manager

    env = os.environ.get("REFERRAL_CHART_FONT") or _bundled_font()
    if env and Path(env).is_file():
        font_manager.fontManager.addfont(env)
        return font_manager.FontProperties(fname=env).get_name()
    known = {f.name for f in font_manager.fontManager.ttflist}
    found = next((f for f in families if f in known), None)
    if found is None:  # installed after matplotlib cached its font list
        dirs = ("/usr/share/fonts", "/usr/local/share/fonts", Path.home() / ".local/share/fonts")
        for pattern in ("NotoSansCJK-Regular.ttc", "NotoSansCJKjp-Regular.otf", "ipaexg.ttf", "ipag.ttf"):
            for file in (f for d in dirs if Path(d).is_dir() for f in Path(d).rglob(pattern)):
                font_manager.fontManager.addfont(str(file))
        known = {f.name for f in font_manager.fontManager.ttflist}
        found = next((f for f in families if f in known), None)
    return found


def draw_chart(
    table: Table,
    cells: Sequence[Sequence[Cell]],
    path: str | Path,
    *,
    font: str | None = None,
    threshold: int | None = DEFAULT_THRESHOLD,
) -> Figure:
    """Horizontal bars, one per row of the table (its total over the months shown), in table order.
    A suppressed total gets a "<10" or "x" label and no bar, so its size cannot be read off the chart.
    Titled with the period; under it a legend (bar, <10, x), the channels counted and a source line.
    When every total is hidden the chart says so in its middle instead of being blank."""
    font = font or find_cjk_font()
    if font is None:
        raise ChartError(f"no Japanese font found for the chart: {FONT_HINT}")
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    labels, totals = list(table.row_labels), [row[-1] for row in cells[:-1]]
    height = _chart_height(len(labels))
    fig = Figure(figsize=(CHART_WIDTH_IN, height), dpi=CHART_DPI, layout="constrained")
    fig.get_layout_engine().set(rect=(0, FOOTER_IN / height, 1, 1 - FOOTER_IN / height))
    ax = fig.add_subplot()
    ys = list(range(len(labels)))
    values = [v if isinstance(v, int) else 0 for v in totals]
    ax.barh(ys, values, color=BAR_COLOR)
    top = max(values, default=0) or 10
    for y, v in zip(ys, totals, strict=True):
        ax.text(
            (v if isinstance(v, int) else 0) + top * 0.01, y, str(v), va="center", fontsize=8, family=font
        )
    ax.set_yticks(ys, labels, family=font, fontsize=8)
    ax.set_ylim(len(labels) - 0.4, -0.6)  # first row on top, no empty band
    ax.set_xlim(0, top * 1.12)
    ax.set_xlabel("件数 (回答の数) / count (answers)", family=font)
    ax.set_title(f"{title(table)}\n{channels_note(table)}", family=font, fontsize=10)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    shown = [v for v in totals if isinstance(v, int) and v > 0]
    if not shown and any(isinstance(v, str) for v in totals):
        small = f"<{threshold}" if threshold else "<10"
        ax.text(0.5, 0.5, f"すべての欄を秘匿 ({small})\nall cells suppressed ({small})", transform=ax.transAxes,
                ha="center", va="center", fontsize=14, family=font, color="#444444",
                bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "#999999"})  # fmt: skip
    elif not shown:
        ax.text(0.5, 0.5, "該当なし (0) / no referrals counted", transform=ax.transAxes, ha="center",
                va="center", fontsize=14, family=font, color="#444444")  # fmt: skip
    keys = legend(threshold)
    handles = [Patch(color=BAR_COLOR, label="件数 / count")]
    handles += [Patch(facecolor="none", edgecolor="none", label=k) for k in keys[: 1 if threshold is None else 2]]
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.01, 0.30 / height), fontsize=7,
               frameon=False, prop={"family": font, "size": 7}, handlelength=1.2, borderaxespad=0)  # fmt: skip
    fig.text(0.01, 0.08 / height, f"{period_note(table)}    {source_note()}", fontsize=7, family=font,
             color="#444444")  # fmt: skip
    fig.savefig(path, format="png")
    return fig


# ------------------------------------------------------------------ command
def _month(value: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise argparse.ArgumentTypeError(f"expected YYYY-MM, got {value!r}")
    return value


def _threshold(value: str) -> int:
    n = int(value)
    if n < 2:
        raise argparse.ArgumentTypeError("the threshold must be at least 2 (use --raw for exact counts)")
    return n


def _prefecture(value: str) -> str:
    try:
        return prefecture_code(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _channels(value: str) -> list[str]:
    names = [v.strip() for v in value.split(",") if v.strip()]
    wrong = [n for n in names if n not in CHANNELS]
    if wrong or not names:
        bad = ", ".join(wrong) or repr(value)
        raise argparse.ArgumentTypeError(f"not a channel: {bad} (one of {', '.join(CHANNELS)})")
    return names


def add_arguments(parser: argparse.ArgumentParser) -> None:
    import textwrap

    parser.formatter_class = argparse.RawDescriptionHelpFormatter  # keeps the epilog's lines
    parser.description = textwrap.fill(parser.description or "", 78) or None
    parser.epilog = HOW_TO_READ
    parser.add_argument(
        "--from",
        dest="month_from",
        type=_month,
        metavar="YYYY-MM",
        help="first month (default: first counted)",
    )
    parser.add_argument(
        "--to", dest="month_to", type=_month, metavar="YYYY-MM", help="last month (default: last counted)"
    )
    parser.add_argument(
        "--by", choices=BY, help="rows of the table (default: prefecture; month with --prefecture)"
    )
    parser.add_argument("--format", choices=FORMATS, default="table",
                        help="table (for the terminal, default), csv (UTF-8 with BOM for Excel; the legend under "
                        "the table after an empty row) or json")  # fmt: skip
    parser.add_argument("--channel", dest="channels", type=_channels, action="append", metavar="NAME[,NAME]",
                        help=f"count only these channels ({', '.join(CHANNELS)}); repeat or separate with commas. "
                        "For publication leave the console demo out: --channel telegram,slack,line")  # fmt: skip
    parser.add_argument("--chart", metavar="FILE.png", type=Path,
                        help="also draw a bar chart of the rows' totals, with title, period, legend and source "
                        "(a Japanese font ships with the project)")  # fmt: skip
    parser.add_argument("--threshold", type=_threshold, default=DEFAULT_THRESHOLD, metavar="N",
                        help="publish counts of 1..N-1 as '<N' (default %(default)s)")  # fmt: skip
    parser.add_argument(
        "--raw", action="store_true", help="exact counts, for someone who can read the file anyway"
    )
    parser.add_argument(
        "--prefecture", type=_prefecture, metavar="CODE", help="one prefecture: 01..47, name or unknown"
    )
    parser.add_argument(
        "--include-help", action="store_true", help="also count answers that were only usage help"
    )
    parser.add_argument("--db", type=Path, metavar="FILE", help="the counts file (default: $REFERRAL_DB or data/counts.db)")


def main(args: argparse.Namespace) -> int:
    month_from, month_to = getattr(args, "month_from", None), getattr(args, "month_to", None)
    if month_from and month_to and month_from > month_to:
        print("referral-bot report: --from is after --to", file=sys.stderr)
        return 2
    prefecture = getattr(args, "prefecture", None)
    by = getattr(args, "by", None) or ("month" if prefecture else "prefecture")
    raw = bool(getattr(args, "raw", False))
    threshold = None if raw else getattr(args, "threshold", DEFAULT_THRESHOLD)
    store = CountsStore(getattr(args, "db", None))
    try:
        rows = store.rows(month_from=month_from, month_to=month_to, prefecture=prefecture)
    except FileNotFoundError:
        print(f"referral-bot report: no counts file at {store.path} (see REFERRAL_DB, --db)", file=sys.stderr)
        return 1
    except sqlite3.Error as exc:
        print(f"referral-bot report: cannot read {store.path}: {exc}", file=sys.stderr)
        return 1
    names = prefecture_names()
    channels = [c for group in getattr(args, "channels", None) or () for c in group]
    table = build_report(rows, by, month_from=month_from, month_to=month_to, prefecture=prefecture,
                         include_help=bool(getattr(args, "include_help", False)), names=names,
                         channels=channels)  # fmt: skip
    cells = table.grid if threshold is None else suppress(table, threshold)
    if raw:
        sys.stderr.write(RAW_NOTICE)
    chart = getattr(args, "chart", None)
    if chart:
        try:
            draw_chart(table, cells, chart, threshold=threshold)
        except (ChartError, OSError) as exc:
            print(f"referral-bot report: {exc}", file=sys.stderr)
            return 1
    fmt = getattr(args, "format", "table")
    text = RENDER[fmt](table, cells, threshold)
    if fmt == "csv":  # UTF-8 with a BOM: Excel on Japanese Windows reads it as UTF-8, not Shift_JIS
        sys.stdout.flush()
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is not None:
            buffer.write(("\ufeff" + text).encode("utf-8"))
            buffer.flush()
            return 0
        text = "\ufeff" + text
    sys.stdout.write(text)
    return 0
