"""Measuring and reporting: figures with their baselines, statistics over runs, the table, the JSON.

A `Figure` is one line of the table: a statistic of the thing measured ("subject") and the same
statistic of its baseline, each given as the median over several runs with the min and max, and
the ratio of the two medians. Subject and baseline are always measured in the same run,
interleaved, so the machine's load at the time weighs on both alike.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Stat:
    """One statistic over runs: the median, and the min and max, of the per-run values."""

    median: float
    min: float
    max: float
    runs: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Stat:
        if not values:
            return cls(float("nan"), float("nan"), float("nan"), 0)
        return cls(statistics.median(values), min(values), max(values), len(values))


@dataclass
class Figure:
    section: str
    name: str
    unit: str
    value: Stat
    baseline: Stat | None = None
    baseline_name: str = ""
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or not self.baseline.median:
            return None
        return self.value.median / self.baseline.median

    def to_json(self) -> dict:
        d = asdict(self)
        d["ratio"] = self.ratio
        return d


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100) of already sorted values, nearest rank."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, math.ceil(p / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


# ---------------------------------------------------------------- the machine
def machine(quick: bool, runs: int) -> dict:
    try:
        affinity = sorted(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        affinity = []
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "cpus": os.cpu_count(),
        "affinity": affinity,
        "platform": platform.platform(),
        "processor": _cpu_model(),
        "load_before": list(os.getloadavg()),
        "git": _git(),
        "quick": quick,
        "runs": runs,
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _git() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip()  # fmt: skip
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()  # fmt: skip
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


# ---------------------------------------------------------------- output
def fmt(x: float | None, unit: str) -> str:
    if x is None or x != x:  # None or NaN
        return "-"
    if unit in ("ms", "µs", "s"):
        return f"{x:.3f}" if abs(x) < 10 else f"{x:.1f}" if abs(x) < 1000 else f"{x:,.0f}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 10 or x == int(x):
        return f"{x:.0f}" if x == int(x) or abs(x) >= 100 else f"{x:.1f}"
    return f"{x:.2f}"


def _cell(s: Stat | None, unit: str) -> str:
    if s is None:
        return ""
    if s.runs <= 1 or s.min == s.max:
        return fmt(s.median, unit)
    return f"{fmt(s.median, unit)} [{fmt(s.min, unit)}–{fmt(s.max, unit)}]"


def table(info: dict, figures: list[Figure], notes: list[str]) -> str:
    head = (
        f"referral-bot benchmarks — {info['date']} — Python {info['python']} ({info['implementation']}) — "
        f"{info['cpus']} CPUs ({info['processor']}) — {info['platform']}\n"
        f"git {info['git']} — {'quick' if info['quick'] else 'full'} run, {info['runs']} runs per figure — "
        f"load average before {', '.join(f'{x:.2f}' for x in info['load_before'])}"
        + (f", after {', '.join(f'{x:.2f}' for x in info['load_after'])}" if "load_after" in info else "")
        + "\nEach cell: median [min–max] over runs. ratio = figure median / baseline median."
    )
    rows = [("figure", "unit", "value", "baseline", "", "ratio")]
    section = None
    out_rows: list[tuple[str, ...] | str] = []
    for f in figures:
        if f.section != section:
            section = f.section
            out_rows.append(f"== {section}")
        ratio = f"{f.ratio:.2f}x" if f.ratio is not None else ""
        out_rows.append((f.name, f.unit, _cell(f.value, f.unit), _cell(f.baseline, f.unit), f.baseline_name, ratio))
    widths = [max(len(r[i]) for r in rows + [r for r in out_rows if isinstance(r, tuple)]) for i in range(6)]
    widths[4] = min(widths[4], 44)
    lines = [head, ""]

    def line(r: tuple[str, ...]) -> str:
        cells = [r[0].ljust(widths[0]), r[1].ljust(widths[1]), r[2].rjust(widths[2]), r[3].rjust(widths[3]),
                 r[4][:widths[4]].ljust(widths[4]), r[5].rjust(widths[5])]  # fmt: skip
        return "  ".join(cells).rstrip()

    lines.append(line(rows[0]))
    for r in out_rows:
        lines.append(r if isinstance(r, str) else line(r))
    if notes:
        lines.append("")
        lines += [f"note: {n}" for n in notes]
    return "\n".join(lines)


def write_json(info: dict, figures: list[Figure], notes: list[str], extra: dict, path: Path | None) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = path or RESULTS / f"bench-{stamp}{'-quick' if info['quick'] else ''}.json"
    doc = {"machine": info, "figures": [f.to_json() for f in figures], "notes": notes, **extra}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    latest = RESULTS / ("latest-quick.json" if info["quick"] else "latest.json")
    if path != latest:
        latest.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return path
