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
import sys
from pathlib import Path

from bot.counts import CHANNELS, ReadError, month_arg, open_counts
from bot.report.chart import ChartError, chart_size, draw_chart, find_cjk_font
from bot.report.render import (
    FORMATS,
    HOW_TO_READ,
    RAW_NOTICE,
    RENDER,
    channels_note,
    legend,
    notes,
    period_note,
    render_csv,
    render_json,
    render_table,
    source_note,
    title,
)
from bot.report.table import (
    BY,
    DEFAULT_THRESHOLD,
    HIDDEN,
    PREFECTURES,
    Table,
    build_report,
    kind_label,
    month_range,
    prefecture_code,
    prefecture_names,
    recoverable,
    suppress,
)

__all__ = [
    "BY", "DEFAULT_THRESHOLD", "FORMATS", "HIDDEN", "HOW_TO_READ", "PREFECTURES", "RAW_NOTICE", "RENDER", "ChartError", "Table",
    "add_arguments", "build_report", "channels_note", "chart_size", "draw_chart", "find_cjk_font", "kind_label", "legend", "main",
    "month_range", "notes", "period_note", "prefecture_code", "prefecture_names", "recoverable", "render_csv", "render_json",
    "render_table", "source_note", "suppress", "title",
]  # fmt: skip


# ------------------------------------------------------------------ command
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
        type=month_arg,
        metavar="YYYY-MM",
        help="first month (default: first counted)",
    )
    parser.add_argument(
        "--to", dest="month_to", type=month_arg, metavar="YYYY-MM", help="last month (default: last counted)"
    )
    parser.add_argument(
        "--by", choices=BY, help="rows of the table (default: prefecture; month with --prefecture)"
    )
    parser.add_argument("--format", choices=FORMATS, default="table",
                        help="table (for the terminal, default), csv (UTF-8 with BOM for Excel; the legend under "
                        "the table after an empty row) or json")  # fmt: skip
    parser.add_argument("--channel", dest="channels", type=_channels, action="append", metavar="NAME[,NAME]",
                        help=f"count only these channels ({', '.join(CHANNELS)}); repeat or separate with commas. "
                        "For publication leave the console demo out: --channel telegram,slack,line,web")  # fmt: skip
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
    parser.add_argument("--db", type=Path, metavar="FILE",
                        help="the counts file (default: $REFERRAL_DB or data/counts.db)")  # fmt: skip


def main(args: argparse.Namespace) -> int:
    month_from, month_to = getattr(args, "month_from", None), getattr(args, "month_to", None)
    if month_from and month_to and month_from > month_to:
        print("referral-bot report: --from is after --to", file=sys.stderr)
        return 2
    prefecture = getattr(args, "prefecture", None)
    by = getattr(args, "by", None) or ("month" if prefecture else "prefecture")
    raw = bool(getattr(args, "raw", False))
    threshold = None if raw else getattr(args, "threshold", DEFAULT_THRESHOLD)
    store = open_counts(getattr(args, "db", None))
    try:
        rows = store.rows(month_from=month_from, month_to=month_to, prefecture=prefecture)
    except FileNotFoundError:
        print(f"referral-bot report: no counts file at {store.path} (see REFERRAL_DB, --db)", file=sys.stderr)
        return 1
    except ReadError as exc:
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
