"""The bar chart of area targets against measured areas, as static SVG (matplotlib).

Areas are km², ellipsoidal on CGCS2000/GRS80, as :func:`spatial.checks.run_checks`
measures them. The SVG draws its lettering as outlines, so it needs no font and
makes no request; a failed target's bar is red.
"""

from __future__ import annotations

import io

import matplotlib
import numpy as np
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.figure import Figure

from spatial.checked.snapshot import PlanSnapshot
from spatial.publish.figures import number_text
from spatial.publish.fonts import SVG_METADATA, in_noto
from spatial.publish.palette import FAIL_RED

__all__ = ["target_chart_figure", "target_chart_svg"]

TARGET_GREY = "#bdbdbd"
MEASURED_GREEN = "#1a9850"


def target_chart_figure(snapshot: PlanSnapshot) -> Figure:
    """Return a horizontal grouped bar chart: target and measured km² of every area target."""
    table = snapshot.report.targets
    labels = [
        n if isinstance(n, str) else i for n, i in zip(table["name_zh"], table["id"], strict=True)
    ]
    y = np.arange(len(table))
    fig = Figure(figsize=(8, 0.55 * max(len(table), 1) + 1.2))
    FigureCanvasBase(fig)  # draws only when saved (geopandas asks for a redraw per layer)
    ax = fig.add_subplot()
    measured = table["measured_km2"].fillna(0).to_numpy(float)
    colours = [FAIL_RED if s == "FAIL" else MEASURED_GREEN for s in table["status"]]
    ax.barh(
        y - 0.2,
        table["target_km2"].to_numpy(float),
        0.4,
        color=TARGET_GREY,
        label="规划目标 target",
    )
    ax.barh(y + 0.2, measured, 0.4, color=colours, label="实测 measured")
    for yi, value in zip(y, measured, strict=True):
        ax.text(value, yi + 0.2, f" {number_text(value, 4)}", va="center", fontsize=7)  # as check
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("面积 area (km², CGCS2000 椭球 ellipsoidal)", fontsize=8)
    ax.legend(fontsize=8, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def target_chart_svg(snapshot: PlanSnapshot) -> str:
    """Return :func:`target_chart_figure` as SVG text (lettering as outlines)."""
    buffer = io.StringIO()
    with (
        in_noto(lambda: target_chart_figure(snapshot)) as fig,
        matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "spatial"}),
    ):
        fig.savefig(buffer, format="svg", metadata=SVG_METADATA)
    text = buffer.getvalue()
    return text[text.find("<svg") :]
