"""The A3 atlas of a review: the overview sheet, then one sheet per zone with its tables.

Page 1 is the plan's map sheet (:func:`spatial.publish.sheet.draw_sheet`); then
each zone of the checked plan, in the zones' order, gets a sheet framed on that
zone: its bounds in the sheets' CGCS2000 Gauss–Krüger zone, at the largest scale
of :data:`~spatial.publish.sheet.SCALE_SERIES` at which they fit the map frame.
Each zone sheet has the legend (land-use classes named, in code order), the
scale bar and ratio, the north arrow with the meridian convergence, the
coordinate system and that zone's tables, set in a column beside the map that
they cannot run out of (:class:`~spatial.publish.layout.Panel`). Every text is
set in Noto Sans SC, embedded in the PDF, so Chinese shows on any machine.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from spatial.checked.provenance import LayerProvenance, review_title
from spatial.checked.snapshot import PlanSnapshot
from spatial.crs import reproject
from spatial.io.atomic import atomic_path
from spatial.publish.figures import area_text, pct_text
from spatial.publish.fonts import in_noto
from spatial.publish.layout import Panel
from spatial.publish.sheet import (
    MAP_RECT,
    PANEL_RECT,
    blank_page,
    crs_note,
    draw_legend,
    draw_map,
    draw_overview,
    draw_sheet,
    ratio_text,
    sheet_crs,
)

__all__ = ["ZoneTables", "draw_zone_sheet", "target_line", "write_atlas", "zone_bounds", "zone_ids"]

#: The tables of each zone: zone id -> (title, table) pairs, drawn in that order.
ZoneTables = Mapping[str, Sequence[tuple[str, pd.DataFrame]]]
#: Smallest width or height (metres) a zone sheet is framed on (a point or a sliver zone).
MIN_FRAME_M = 100.0
_FOCUS_EDGE = "#111111"


def zone_ids(snapshot: PlanSnapshot) -> list[str]:
    """Return the ids of the snapshot's drawn zones, in the zones' order (none without zones)."""
    zones = snapshot.drawn.get("zones")
    if zones is None or not len(zones):
        return []
    return [str(z) for z in zones["id"]]


def _zone(snapshot: PlanSnapshot, zone_id: str) -> gpd.GeoDataFrame:
    """Return the zone's row in the sheets' Gauss–Krüger zone (metres)."""
    zones = snapshot.drawn["zones"]
    return reproject(zones[zones["id"].astype(str) == zone_id], sheet_crs(snapshot))


def zone_bounds(zone: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """Return the zone's bounds (west, south, east, north; metres), at least :data:`MIN_FRAME_M`.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> zone_bounds(gpd.GeoDataFrame(geometry=[box(0, 0, 2400, 10)], crs=4544))
    (0.0, -45.0, 2400.0, 55.0)
    """
    x0, y0, x1, y1 = (float(v) for v in zone.total_bounds)
    grow_x, grow_y = max(MIN_FRAME_M - (x1 - x0), 0.0) / 2, max(MIN_FRAME_M - (y1 - y0), 0.0) / 2
    return x0 - grow_x, y0 - grow_y, x1 + grow_x, y1 + grow_y


def _sheet_titles(zone: gpd.GeoDataFrame, zone_id: str) -> tuple[str, str]:
    """Return a zone sheet's Chinese and English titles: the zone's id, then its names.

    The id as the planner's layer holds it (``A``, the map's label), never a
    sequence number; a name the layer does not give is left out.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> zone = gpd.GeoDataFrame({"name_zh": ["示例单元A"]}, geometry=[box(0, 0, 1, 1)])
    >>> _sheet_titles(zone, "A")
    ('A 示例单元A · 分区图', 'Zone sheet A')
    """
    row = zone.iloc[0]
    zh, en = row.get("name_zh"), row.get("name_en")
    named_zh = f" {zh.strip()}" if isinstance(zh, str) and zh.strip() else ""
    named_en = f": {en.strip()}" if isinstance(en, str) and en.strip() else ""
    return f"{zone_id}{named_zh} · 分区图", f"Zone sheet {zone_id}{named_en}"


def target_line(snapshot: PlanSnapshot, zone_id: str) -> str | None:
    """Return the zone's area check as one line, in the plan's unit; None without a target.

    The target is shown as the plan gave it (``1,000 亩``), the measured area
    (ellipsoidal) in the same unit and the difference with its sign
    (:mod:`spatial.publish.figures`). The figures are the snapshot's
    (:attr:`PlanSnapshot.zone_checks`), as ``spatial check`` gives them.
    """
    checks = snapshot.zone_checks
    rows = checks[checks["id"].astype(str) == zone_id]
    if not len(rows):
        return None
    row = rows.iloc[0]
    unit = str(row.get("target_unit", "km2"))
    target = area_text(float(row["target_km2"]), unit, exact=True)
    measured = area_text(float(row["measured_km2"]), unit)
    diff = float(row["diff_pct"])
    change = "" if np.isnan(diff) else f" ({pct_text(diff)})"
    return f"面积目标 Area target {target}, 实测 measured {measured}{change}: {row['status']}"


def _outline_zone(ax: Axes, zone: gpd.GeoDataFrame) -> None:
    """Draw the sheet's zone with a dark outline over the plan (the others keep theirs)."""
    zone.boundary.plot(ax=ax, color=_FOCUS_EDGE, linewidth=1.8, linestyle="--", zorder=8)
    ax.set_xlabel("")  # geopandas labels a projected map's axes; the sheet states its CRS
    ax.set_ylabel("")


def draw_zone_sheet(
    snapshot: PlanSnapshot,
    zone_id: str,
    tables: Sequence[tuple[str, pd.DataFrame]],
    *,
    style_field: str | None = None,
    maker: str = "spatial review",
) -> Figure:
    """Return the A3 landscape sheet of one zone: its map, legend, notes and tables.

    Parameters
    ----------
    snapshot : PlanSnapshot
        The checked plan; ``zone_id`` must be one of its drawn zones.
    zone_id : str
        The zone the sheet is framed on.
    tables : sequence of (str, DataFrame)
        The zone's tables with their titles (headers carry their units).
    style_field : str, optional
        Field of the planner's layers to colour by (land-use codes named).
    maker : str
        The command that made the sheet, named in its footer.
    """
    zone = _zone(snapshot, zone_id)
    fig = blank_page(*_sheet_titles(zone, zone_id))
    ax = fig.add_axes(MAP_RECT)
    handles = draw_map(ax, snapshot, style_field, bounds=zone_bounds(zone))
    _outline_zone(ax, zone)
    draw_overview(fig, (0.025, 0.60, 0.11, 0.26), snapshot, ax)
    panel = Panel(fig, *PANEL_RECT)
    draw_legend(panel, handles)
    notes = [
        f"坐标系 Coordinate system: {crs_note(sheet_crs(snapshot))}",
        f"比例尺 Scale {ratio_text(fig, ax)} (A3) · 虚线框为本分区 dashed: this zone",
        f"制图日期 Date: {snapshot.made.isoformat()} · {maker}",
    ]
    target = target_line(snapshot, zone_id)
    panel.text([target] if target else [], 8)
    panel.text(notes, 7)
    for title, table in tables:
        panel.skip(7)
        panel.table(title, table)
    if not tables:
        panel.skip(7)
        panel.text(["本分区无表 no table for this zone"], 7)
    return fig


def write_atlas(
    path: str | os.PathLike[str],
    snapshot: PlanSnapshot,
    zone_tables: ZoneTables,
    *,
    style_field: str | None = None,
    maker: str = "spatial review",
    others: Sequence[LayerProvenance] = (),
    targets: pd.DataFrame | None = None,
) -> int:
    """Write the A3 atlas as one PDF (fonts embedded, atomically); return its page count.

    Parameters
    ----------
    path : str or path-like
        The PDF to write (replaced whole, or left untouched on error).
    snapshot : PlanSnapshot
        The checked plan.
    zone_tables : mapping of str to sequence of (str, DataFrame)
        Each zone's tables (title, table), by zone id; a zone with none gets a
        sheet saying so.
    style_field : str, optional
        Field of the planner's layers to colour by.
    maker : str
        The command that made the atlas, named in every page's footer and the PDF's Creator.
    others : sequence of LayerProvenance
        The layers read besides the plan's (the land use, previous versions),
        listed with the overview sheet's sources.
    targets : DataFrame, optional
        The overview sheet's area targets as the other pages name them (the
        planner's ``DYBH``, ``DYMC``; default :func:`~spatial.publish.sheet.targets_frame`).

    Returns
    -------
    int
        1 + the number of zones: the overview sheet, then one per zone.
    """
    title_zh, title_en = review_title(snapshot.title_zh, snapshot.title_en)
    review = replace(snapshot, title_zh=title_zh, title_en=title_en)  # a review, not a plan map
    builders: list[Callable[[], Figure]] = [
        partial(draw_sheet, review, style_field, maker=maker, others=others, targets=targets)
    ]
    for zone_id in zone_ids(snapshot):
        tables = zone_tables.get(zone_id, ())
        builders.append(
            partial(
                draw_zone_sheet, snapshot, zone_id, tables, style_field=style_field, maker=maker
            )
        )
    metadata = {"Title": f"{title_zh} {title_en}", "Creator": maker}
    with (
        matplotlib.rc_context({"pdf.fonttype": 42}),
        atomic_path(path) as tmp,
        PdfPages(tmp, metadata=metadata) as pdf,
    ):
        for build in builders:
            with in_noto(build) as fig:
                pdf.savefig(fig)
    return len(builders)
