"""The report as a bar chart (PNG, matplotlib), with a Japanese font found or bundled."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.report.render import channels_note, legend, period_note, source_note, title
from bot.report.table import DEFAULT_THRESHOLD, Cell, Table
from bot.settings import paths

if TYPE_CHECKING:
    from matplotlib.figure import Figure

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

    env = paths().chart_font or _bundled_font()
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


