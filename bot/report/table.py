"""The report's table: counts rows -> a two-way table with totals (`build_report`), and the cells a
prefecture may publish (`suppress`: primary and secondary suppression, see bot/report/__init__.py)."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from bot.counts import ANSWER_KINDS, CHANNELS, CountRow
from bot.prefecture import PrefectureError, resolve
from bot.settings import paths

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
    chosen = paths().knowledge_dir
    if chosen:
        return chosen
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
    try:
        return resolve(v, names=names or prefecture_names())
    except PrefectureError:
        pass
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


