"""The static map sheet: the plan drawn with matplotlib on an A3 landscape page.

The map is drawn in the CGCS2000 3-degree Gauss–Krüger zone of the data
(EPSG:4544, central meridian 105°E, for Bishan), in metres, so the scale bar
and the ratio scale are true on the grid; the north arrow points to grid north
and the sheet states the meridian convergence. Beside the map: the legend
(named after each layer), a key of the zones by their ids (as the map labels them)
with their measured and target areas, the failed rules with the features involved, the layers'
accuracy and sources, the coordinate system and the date. Every text is set in
Noto Sans SC (:mod:`spatial.publish.fonts`), embedded in the PDF.
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.text import OffsetFrom
from matplotlib.transforms import Bbox
from pyproj import CRS, Proj

from spatial.checked.provenance import LayerProvenance
from spatial.checked.snapshot import PlanSnapshot
from spatial.crs import WGS84, gk_zone_crs_for, reproject
from spatial.io.atomic import atomic_path
from spatial.landuse.classes import load_classes
from spatial.publish.figures import area_text, pct_text
from spatial.publish.fonts import SVG_METADATA, in_noto
from spatial.publish.layout import (
    MapLabel,
    Panel,
    declutter,
    measuring_renderer,
    text_width_pt,
    wrap_to,
)
from spatial.publish.palette import (
    CONFLICT_EDGE,
    CONFLICT_FILL,
    FAIL_RED,
    category_colours,
    layer_colour,
    zone_colours,
)

__all__ = [
    "A3_LANDSCAPE_MM",
    "MAP_RECT",
    "PANEL_RECT",
    "SCALE_SERIES",
    "TARGETS_TITLE",
    "blank_page",
    "class_label",
    "class_order",
    "crs_note",
    "draw_legend",
    "draw_map",
    "draw_overview",
    "draw_sheet",
    "layer_title",
    "map_svg",
    "ratio_text",
    "read_layers",
    "sheet_crs",
    "sheet_scale",
    "target_headers",
    "targets_frame",
    "write_sheet_pdf",
]

#: Paper size of the sheet, width x height in millimetres (ISO 216 A3, landscape).
A3_LANDSCAPE_MM = (420.0, 297.0)
MM_PER_INCH = 25.4
PLAN_ORDER = ("district", "corridor", "clusters", "zones", "functional_areas", "platforms", "towns")
LAYER_TITLES = {
    "district": "璧山区界 District boundary",
    "corridor": "黛山大道与科创走廊 Daishan Avenue and corridor",
    "clusters": "四组团 Four clusters",
    "zones": "规划分区 Planned zones",
    "functional_areas": "科技创新小镇功能区 Functional areas",
    "platforms": "创新平台 Innovation platforms",
    "towns": "镇街驻地 Town seats",
}
#: Role prefix of a previous version the review compared (``previous_landuse``).
PREVIOUS = "previous_"


def layer_title(name: str) -> str:
    """Return a layer's title as the sources name it: the plan's, the land use, a previous version.

    Examples
    --------
    >>> layer_title("previous_landuse")
    '上一版本 Previous version: 用地 Land use (--landuse)'
    >>> layer_title("永久基本农田")
    '永久基本农田'
    """
    if name.startswith(PREVIOUS):
        return f"上一版本 Previous version: {layer_title(name.removeprefix(PREVIOUS))}"
    return {**LAYER_TITLES, "landuse": "用地 Land use (--landuse)"}.get(name, name)


def crs_note(crs: CRS) -> str:
    """Return the short name of a CGCS2000 3-degree Gauss–Krüger CRS, as the sheet prints it.

    Examples
    --------
    >>> crs_note(CRS.from_epsg(4544))
    'CGCS2000 / 3° GK CM 105°E (EPSG:4544)'
    """
    operation = crs.coordinate_operation
    params = {p.name: p.value for p in operation.params} if operation else {}
    central = params.get("Longitude of natural origin")
    epsg = crs.to_epsg()
    code = f" (EPSG:{epsg})" if epsg else ""
    if central is None:
        return f"{crs.name}{code}"
    return f"CGCS2000 / 3° GK CM {float(central):g}°E{code}"


def sheet_crs(snapshot: PlanSnapshot) -> CRS:
    """Return the CGCS2000 3-degree Gauss–Krüger zone the sheets draw ``snapshot`` in."""
    return gk_zone_crs_for(*[g for g in snapshot.drawn.values() if len(g)])


def _kind(gdf: gpd.GeoDataFrame) -> str:
    types = set(gdf.geometry.geom_type.dropna())
    if types <= {"Point", "MultiPoint"}:
        return "point"
    if types <= {"LineString", "MultiLineString", "LinearRing"}:
        return "line"
    return "polygon"


def _draw_extra(
    ax: Axes,
    name: str,
    gdf: gpd.GeoDataFrame,
    style_field: str | None,
    handles: list[Artist],
    position: int = 0,
) -> None:
    """Draw the planner's ``position``-th layer in the web map's colour for it (or by field)."""
    kind = _kind(gdf)
    if style_field and style_field in gdf.columns:
        values = class_order(str(v) for v in gdf[style_field])
        colours = category_colours(values)
        for value in values:
            part = gdf[gdf[style_field].astype(str) == value]
            _draw_kind(ax, part, kind, colours[value])
            label = f"{name}: {class_label(style_field, value)}"
            handles.append(_handle(kind, colours[value], label))
        return
    colour = layer_colour(kind, position)  # as the web map's legend (webmap/styles/planner.py)
    _draw_kind(ax, gdf, kind, colour)
    handles.append(_handle(kind, colour, name))


def class_order(values: Iterable[str]) -> list[str]:
    """Return the distinct ``values``: land-use codes first, in code order, then the rest sorted.

    Codes are those of the 2023 用地用海分类 (:func:`spatial.landuse.load_classes`);
    their text order is the classification's (a class, then its subclasses, then the next).

    Examples
    --------
    >>> class_order(["0702", "R2", "0101", "070102", "0101"])
    ['0101', '070102', '0702', 'R2']
    """
    classes = load_classes()
    unique = set(values)
    return sorted(unique, key=lambda v: (v not in classes, v))


def class_label(field: str, value: str) -> str:
    """Return a legend label for ``value`` of ``field``: a land-use code with its class name.

    Examples
    --------
    >>> class_label("YDYHFLDM", "0101")
    '0101 水田'
    >>> class_label("用地性质", "R2")
    '用地性质 = R2'
    """
    classes = load_classes()
    if value in classes:
        return f"{value} {classes[value].name_zh}"
    return f"{field} = {value}"


def _draw_kind(ax: Axes, gdf: gpd.GeoDataFrame, kind: str, colour: str) -> None:
    if kind == "point":
        gdf.plot(ax=ax, color=colour, markersize=6, zorder=1)
    elif kind == "line":
        gdf.plot(ax=ax, color=colour, linewidth=0.8, zorder=1)
    else:
        gdf.plot(ax=ax, facecolor=colour, edgecolor=colour, alpha=0.35, linewidth=0.3, zorder=1)


def _handle(kind: str, colour: str, label: str) -> Artist:
    if kind == "point":
        return Line2D([], [], marker="o", color=colour, linestyle="", label=label)
    if kind == "line":
        return Line2D([], [], color=colour, linewidth=1.5, label=label)
    return Patch(facecolor=colour, edgecolor=colour, alpha=0.5, label=label)


def _failed_targets(snapshot: PlanSnapshot) -> set[str]:
    table = snapshot.report.targets
    return set(table.loc[table["status"] == "FAIL", "id"])


@dataclass
class _Marks:
    """The labels a map places once its frame is set, and the point symbols they must not hide."""

    labels: list[MapLabel] = field(default_factory=list)
    points: list[tuple[float, float, float]] = field(default_factory=list)  # x, y (m), size (pt)


def _draw_zones(
    ax: Axes,
    zones: gpd.GeoDataFrame,
    snapshot: PlanSnapshot,
    handles: list[Artist],
    marks: _Marks,
) -> None:
    colours = zone_colours(str(i) for i in zones["id"])
    failed = _failed_targets(snapshot)
    for number, (zid, geom) in enumerate(zip(zones["id"], zones.geometry, strict=True), 1):
        colour = colours[str(zid)]
        bad = str(zid) in failed
        gpd.GeoSeries([geom], crs=zones.crs).plot(
            ax=ax,
            facecolor=colour,
            alpha=0.45,
            edgecolor=FAIL_RED if bad else colour,
            linewidth=2.0 if bad else 1.0,
            zorder=4,
        )
        point = geom.representative_point()
        style = {
            "fontsize": 9,
            "color": "white",
            "zorder": 9,
            "bbox": {"boxstyle": "round,pad=0.25", "fc": colour, "ec": "white", "lw": 0.8},
        }
        gid = f"zone-marker-{number}"  # the label reads the zone's own id (DYBH's A, B1)
        marks.labels.append(MapLabel(str(zid), (point.x, point.y), style, gid))
    label = LAYER_TITLES["zones"] + " (标注其编号 labelled with their ids)"
    handles.append(Patch(facecolor="#1b9e77", alpha=0.45, label=label))
    if failed:
        handles.append(
            Patch(
                facecolor="none",
                edgecolor=FAIL_RED,
                linewidth=2,
                label="面积未达标 area target failed",
            )
        )


_TOWN_PT, _STAR_PT = 4.5, 9.0  # diameters of the town and platform symbols, points


def _draw_points(
    ax: Axes, gdf: gpd.GeoDataFrame, name: str, handles: list[Artist], marks: _Marks
) -> None:
    xs, ys = list(gdf.geometry.x), list(gdf.geometry.y)
    if name == "towns":
        gdf.plot(ax=ax, color="white", edgecolor="#252525", markersize=16, zorder=7)
        names = gdf["name_zh"] if "name_zh" in gdf.columns else gdf["id"]
        texts = [str(n) for n in names]
        colour, size, prefix = "#252525", _TOWN_PT, "town-label"
        handles.append(
            Line2D([], [], marker="o", mfc="white", mec="#252525", ls="", label=LAYER_TITLES[name])
        )
    else:
        gdf.plot(ax=ax, color="#54278f", marker="*", markersize=70, zorder=7)
        texts = [f"P{number}" for number in range(1, len(gdf) + 1)]
        colour, size, prefix = "#54278f", _STAR_PT, "platform-label"
        handles.append(
            Line2D(
                [],
                [],
                marker="*",
                color="#54278f",
                ms=10,
                ls="",
                label=LAYER_TITLES[name] + " (P1…)",
            )
        )
    style = {"fontsize": 7, "color": colour, "zorder": 8}
    for k, (text, x, y) in enumerate(zip(texts, xs, ys, strict=True), 1):
        marks.points.append((x, y, size))
        marks.labels.append(MapLabel(text, (x, y), style, f"{prefix}-{k}", colour, size))


def _draw_plan_layer(
    ax: Axes,
    name: str,
    gdf: gpd.GeoDataFrame,
    snapshot: PlanSnapshot,
    handles: list[Artist],
    marks: _Marks,
) -> None:
    if name == "district":
        gdf.boundary.plot(ax=ax, color="#252525", linewidth=1.2, zorder=3)
        handles.append(Line2D([], [], color="#252525", linewidth=1.2, label=LAYER_TITLES[name]))
    elif name == "corridor":
        polys = gdf[gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
        lines = gdf[~gdf.index.isin(polys.index)]
        polys.plot(ax=ax, facecolor="#fdd49e", alpha=0.45, edgecolor="none", zorder=2)
        lines.plot(ax=ax, color="#8c2d04", linewidth=2.2, zorder=6)
        handles.append(Line2D([], [], color="#8c2d04", linewidth=2.2, label=LAYER_TITLES[name]))
    elif name == "clusters":
        gdf.boundary.plot(ax=ax, color="#636363", linewidth=1.0, linestyle="--", zorder=5)
        handles.append(Line2D([], [], color="#636363", linestyle="--", label=LAYER_TITLES[name]))
    elif name == "zones":
        _draw_zones(ax, gdf, snapshot, handles, marks)
    elif name == "functional_areas":
        gdf.boundary.plot(ax=ax, color="#737373", linewidth=0.5, zorder=5)
        handles.append(Line2D([], [], color="#737373", linewidth=0.5, label=LAYER_TITLES[name]))
    else:
        _draw_points(ax, gdf, name, handles, marks)


def _place_marks(ax: Axes, marks: _Marks) -> None:
    """Place the labels of ``marks`` (the frame set) so that none hides another or a symbol."""
    px_per_pt = ax.get_figure(root=True).dpi / 72  # type: ignore[union-attr]
    obstacles = []
    for x, y, size_pt in marks.points:
        cx, cy = ax.transData.transform((x, y))
        half = size_pt / 2 * px_per_pt
        obstacles.append(Bbox.from_extents(cx - half, cy - half, cx + half, cy + half))
    declutter(ax, marks.labels, obstacles)


def _draw_pieces(ax: Axes, snapshot: PlanSnapshot, gk: CRS, handles: list[Artist]) -> None:
    if not len(snapshot.pieces):
        return
    reproject(snapshot.pieces, gk).plot(
        ax=ax,
        facecolor=FAIL_RED,
        edgecolor=FAIL_RED,
        hatch="////",
        linewidth=1,
        zorder=6,
    )
    handles.append(
        Patch(
            facecolor=FAIL_RED,
            alpha=0.75,
            hatch="////",
            label="规则不符：重叠/界外 rule failed: overlap or outside",
        )
    )


def _draw_conflicts(ax: Axes, snapshot: PlanSnapshot, gk: CRS, handles: list[Artist]) -> None:
    """Draw the 三区三线 conflict pieces in the web map's red (its conflict style), on top."""
    conflicts = snapshot.report.conflicts
    if conflicts is None or not len(conflicts):
        return
    reproject(conflicts, gk).plot(
        ax=ax, facecolor=CONFLICT_FILL, edgecolor=CONFLICT_EDGE, alpha=0.6, linewidth=1, zorder=7
    )
    label = "三区三线冲突 conflict with a protected line"
    handles.append(Patch(facecolor=CONFLICT_FILL, edgecolor=CONFLICT_EDGE, alpha=0.6, label=label))


#: Scale-bar divisions, metres: 1, 2, 2.5, 5 times a power of ten.
_BAR_STEPS_M = tuple(f * 10**e for e in range(6) for f in (1, 2, 2.5, 5))


def _scale_bar(ax: Axes) -> None:
    """Draw a 4-division scale bar about a fifth of the map wide, in m below 1 km, else km."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width_m = x1 - x0
    step_m = next(s for s in _BAR_STEPS_M if s * 4 >= width_m / 5)
    unit, per_unit = ("m", 1.0) if step_m * 4 < 1000 else ("km", 1000.0)
    left, base = x0 + 0.04 * width_m, y0 + 0.04 * (y1 - y0)
    height = 0.008 * (y1 - y0)
    for i in range(4):
        ax.add_patch(
            Rectangle(
                (left + i * step_m, base),
                step_m,
                height,
                facecolor="#252525" if i % 2 == 0 else "white",
                edgecolor="#252525",
                linewidth=0.6,
                zorder=10,
            )
        )
    for i in (0, 2, 4):
        ax.text(
            left + i * step_m,
            base + 1.8 * height,
            f"{i * step_m / per_unit:g}",
            ha="center",
            fontsize=7,
            zorder=10,
        )
    ax.text(left + 4 * step_m + step_m * 0.15, base, unit, fontsize=7, va="bottom", zorder=10)


def _north_arrow(ax: Axes, convergence_deg: float) -> None:
    """Draw the north arrow and the convergence note in the map's top right corner.

    Both sit on a white box inside the frame, 6 pt from its corner, so no map line
    runs through them and nothing is clipped at the frame. Distances in points.
    """
    size, spacing, pad = 6.0, 1.3, 0.35
    note = f"坐标北 grid north\n收敛角 convergence {convergence_deg:.2f}°"
    width = max(text_width_pt(line, size) for line in note.splitlines())
    corner = OffsetFrom(ax, (1.0, 1.0), unit="points")
    ax.annotate(
        "N\n\n\n\n" + note,
        xy=(-6.0, -6.0),
        xycoords=corner,
        ha="right",
        va="top",
        fontsize=size,
        linespacing=spacing,
        multialignment="center",
        zorder=11,
        bbox={"boxstyle": f"round,pad={pad}", "fc": "white", "ec": "#bdbdbd", "lw": 0.5},
        gid="north-note",
    )
    centre_x = -6.0 - pad * size - width / 2
    top = -6.0 - pad * size - size * spacing  # below the "N"
    ax.annotate(
        "",
        xy=(centre_x, top - 1.0),
        xycoords=corner,
        xytext=(centre_x, top - 3 * size * spacing + 1.0),
        textcoords=corner,
        arrowprops={
            "arrowstyle": "-|>,head_width=0.3,head_length=0.6",
            "color": "#252525",
            "lw": 1.2,
        },
        zorder=12,
        gid="north-arrow",
    )


def _figure_inches(ax: Axes) -> tuple[float, float]:
    """Return the width and height (inches) of the figure that holds ``ax``."""
    figure = ax.figure
    root = figure if isinstance(figure, Figure) else figure.figure  # a SubFigure's root
    width_in, height_in = root.get_size_inches()
    return float(width_in), float(height_in)


def _fit_extent(ax: Axes, bounds: tuple[float, float, float, float], pad: float = 0.04) -> None:
    """Show ``bounds`` (metres) at one scale on both axes, widened to the axes' own shape."""
    x0, y0, x1, y1 = bounds
    box = ax.get_position()
    fig_w, fig_h = _figure_inches(ax)
    box_ratio = (box.height * fig_h) / (box.width * fig_w)
    width, height = (x1 - x0) * (1 + 2 * pad), (y1 - y0) * (1 + 2 * pad)
    width, height = max(width, height / box_ratio), max(height, width * box_ratio)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    ax.set_xlim(cx - width / 2, cx + width / 2)
    ax.set_ylim(cy - height / 2, cy + height / 2)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])


#: Layers the sheet's main map is framed on (the plan itself); the district shows in the inset.
FOCUS_LAYERS = ("zones", "corridor", "clusters", "functional_areas", "platforms")

#: The scales a sheet is drawn at (denominators): 1, 2, 2.5 and 5 times a power of ten from
#: 1:500 to 1:1,000,000, the round figures cartographers use (China's basic series 1:500,
#: 1:1,000, 1:2,000, 1:5,000, 1:10,000, 1:25,000, 1:50,000, 1:100,000... among them).
SCALE_SERIES: tuple[int, ...] = (
    500, 1_000, 2_000, 2_500, 5_000, 10_000, 20_000, 25_000, 50_000,
    100_000, 200_000, 250_000, 500_000, 1_000_000,
)  # fmt: skip


def sheet_scale(bounds: tuple[float, float, float, float], frame_mm: tuple[float, float]) -> int:
    """Return the largest scale of :data:`SCALE_SERIES` at which ``bounds`` fit the map frame.

    Parameters
    ----------
    bounds : tuple of float
        West, south, east, north in metres (a Gauss–Krüger grid).
    frame_mm : tuple of float
        The map frame's width and height on paper, millimetres.

    Returns
    -------
    int
        The scale's denominator (``5000`` for 1:5,000); the bounds, with 4 % margins,
        fit the frame at it. Beyond 1:1,000,000, the denominator rounded up to a
        whole hundred thousand.

    Examples
    --------
    >>> sheet_scale((0.0, 0.0, 2400.0, 1000.0), (235.2, 255.4))  # 2.4 km over 235 mm
    20000
    >>> sheet_scale((0.0, 0.0, 100.0, 100.0), (235.2, 255.4))
    500
    """
    x0, y0, x1, y1 = bounds
    needed = max((x1 - x0) / frame_mm[0], (y1 - y0) / frame_mm[1]) * 1000 * (1 + 2 * _PAD)
    fits = [s for s in SCALE_SERIES if s >= needed]
    return fits[0] if fits else int(-(-needed // 100_000) * 100_000)


_PAD = 0.04


def _frame_mm(ax: Axes) -> tuple[float, float]:
    """Return the axes' frame on paper, mm, as laid out (an equal-aspect plot may shrink it)."""
    box = ax.get_position(original=True)
    fig_w, fig_h = _figure_inches(ax)
    return box.width * fig_w * MM_PER_INCH, box.height * fig_h * MM_PER_INCH


def _fit_scale(ax: Axes, bounds: tuple[float, float, float, float]) -> int:
    """Centre ``bounds`` (metres) in the axes at the :func:`sheet_scale` they fit; return it."""
    denominator = sheet_scale(bounds, _frame_mm(ax))
    width_mm, height_mm = _frame_mm(ax)
    half_w, half_h = width_mm * denominator / 2000, height_mm * denominator / 2000
    cx, cy = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    ax.set_xlim(cx - half_w, cx + half_w)
    ax.set_ylim(cy - half_h, cy + half_h)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    return denominator


def focus_bounds(snapshot: PlanSnapshot, gk: CRS) -> tuple[float, float, float, float]:
    """Return the bounds (metres, ``gk``) the map is framed on.

    The planner's own layers (those they gave, :attr:`PlanSnapshot.files`) when
    they gave any; else the plan layers; with the failure pieces. The district's
    when no plan layer is drawn.
    """
    theirs = [n for n in snapshot.drawn if n in snapshot.files]
    frames = [snapshot.drawn[n] for n in (theirs or FOCUS_LAYERS) if n in snapshot.drawn]
    frames += [snapshot.pieces] if len(snapshot.pieces) else []
    frames = [g for g in frames if len(g)]
    if not frames:
        frames = [g for g in snapshot.drawn.values() if len(g)]
    bounds = np.array([reproject(g, gk).total_bounds for g in frames])
    x0, y0 = bounds[:, :2].min(axis=0)
    x1, y1 = bounds[:, 2:].max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)


def draw_overview(
    fig: Figure, rect: tuple[float, float, float, float], snapshot: PlanSnapshot, main_ax: Axes
) -> None:
    """Add an inset of the whole district with the main map's frame on it."""
    district = snapshot.drawn.get("district")
    if district is None or not len(district):
        return
    gk = sheet_crs(snapshot)
    ax = fig.add_axes(rect)
    outline = reproject(district, gk)
    outline.plot(ax=ax, facecolor="#f0f0f0", edgecolor="#252525", linewidth=0.6)
    x0, x1 = main_ax.get_xlim()
    y0, y1 = main_ax.get_ylim()
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor=FAIL_RED, lw=1))
    west, south, east, north = (float(v) for v in outline.total_bounds)
    _fit_extent(ax, (west, south, east, north), pad=0.03)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title("区位 Location in the district", fontsize=6)


def draw_map(
    ax: Axes,
    snapshot: PlanSnapshot,
    style_field: str | None = None,
    *,
    bounds: tuple[float, float, float, float] | None = None,
) -> list[Artist]:
    """Draw the snapshot's layers on ``ax`` in their Gauss–Krüger zone (metres); return handles.

    Planner layers (names that are not plan layers) are drawn first, beneath the
    plan; failure pieces and 三区三线 conflict pieces on top of the zones, in red (the
    conflicts as the web map draws them). The map is framed on
    ``bounds`` (west, south, east, north in metres of that zone; default
    :func:`focus_bounds`) at a scale of :data:`SCALE_SERIES`; then the zones'
    markers and the points' names are placed so that none hides another.
    """
    gk = sheet_crs(snapshot)
    handles: list[Artist] = []
    marks = _Marks()
    extra = [n for n in snapshot.drawn if n not in PLAN_ORDER]
    for position, name in enumerate(extra):
        gdf = snapshot.drawn[name]
        if len(gdf):
            _draw_extra(ax, name, reproject(gdf, gk), style_field, handles, position)
    for name in PLAN_ORDER:
        plan_layer = snapshot.drawn.get(name)
        if plan_layer is not None and len(plan_layer):
            _draw_plan_layer(ax, name, reproject(plan_layer, gk), snapshot, handles, marks)
    _draw_pieces(ax, snapshot, gk, handles)
    _draw_conflicts(ax, snapshot, gk, handles)
    x0, y0, x1, y1 = bounds if bounds is not None else focus_bounds(snapshot, gk)
    _fit_scale(ax, (x0, y0, x1, y1))
    ax.set_xlabel("")
    ax.set_ylabel("")
    _place_marks(ax, marks)
    _scale_bar(ax)
    middle = gpd.GeoSeries(gpd.points_from_xy([(x0 + x1) / 2], [(y0 + y1) / 2]), crs=gk)
    centre = reproject(middle, WGS84)
    _north_arrow(ax, Proj(gk).get_factors(centre.x[0], centre.y[0]).meridian_convergence)
    return handles


def _target_rows(snapshot: PlanSnapshot, zone_id: str | None = None) -> list[list[str]]:
    rows = []
    for row in snapshot.report.targets.to_dict("records"):
        if zone_id is not None and str(row["id"]) != zone_id:
            continue
        unit = snapshot.target_unit(row["id"])  # a zone target in the plan's own unit
        measured = area_text(float(row["measured_km2"]), unit)
        diff = pct_text(float(row["diff_pct"]))
        name = row["name_zh"] if isinstance(row["name_zh"], str) else "-"
        target = area_text(float(row["target_km2"]), unit, exact=True)
        rows.append([str(row["id"]), name, measured, target, diff, str(row["status"])])
    return rows


#: Headers of the targets' id and name columns when no planner's field names them.
TARGET_ID, TARGET_NAME = "编号 ID", "名称 Name"


def target_headers(snapshot: PlanSnapshot) -> tuple[str, str]:
    """Return the headers of the targets' id and name columns: the planner's fields, if named.

    ``("DYBH", "DYMC")`` when the checked plan names the targets' ids and names
    by the fields they were read from (``CheckReport.table_ids``, as ``spatial
    check`` heads them); else :data:`TARGET_ID`, :data:`TARGET_NAME`.
    """
    named = snapshot.report.table_ids.get("targets", {})
    return named.get("id", TARGET_ID), named.get("name_zh", TARGET_NAME)


def targets_frame(
    snapshot: PlanSnapshot,
    zone_id: str | None = None,
    *,
    id_header: str | None = None,
    name_header: str | None = None,
) -> pd.DataFrame:
    """Return the area targets as the pages print them, each in the plan's unit (``1,000 亩``).

    One row per target (only ``zone_id``'s when given): its id as the planner's
    layer holds it (the zone's label on the map: ``A``, ``B1``), its name, the
    measured (ellipsoidal) area in the plan's unit, the target as the plan gave
    it, the signed difference and the check: measured first, as ``spatial
    check`` prints it. ``id_header`` and ``name_header`` name the first two
    columns (default :func:`target_headers`: the planner's fields, ``DYBH`` and
    ``DYMC``, where the checked plan names them).
    """
    ids, names = target_headers(snapshot)
    header = [id_header or ids, name_header or names, "实测 Measured", "目标 Target", "差异 Diff"]
    header.append("核查 Check")
    return pd.DataFrame(_target_rows(snapshot, zone_id), columns=header)


def _rule_lines(snapshot: PlanSnapshot) -> list[str]:
    rules = snapshot.report.rules
    failed = rules[rules["status"] == "FAIL"]
    lines = [f"规则核查 Rule checks: {int((rules['status'] == 'PASS').sum())}/{len(rules)} PASS"]
    for row in failed.itertuples():
        lines.append(f"× {row.rule}: {row.id} — {row.reason}")
    if len(failed) == 0:
        lines.append("全部规则符合 every rule passes")
    return lines


def read_layers(
    snapshot: PlanSnapshot, others: Sequence[LayerProvenance] = ()
) -> list[LayerProvenance]:
    """Return every layer read, each once: the plan's, then ``others`` (land use, previous ones).

    A layer of ``others`` the plan already lists (by name) is not listed again.
    """
    listed = {p.layer for p in snapshot.provenance}
    return [*snapshot.provenance, *(p for p in others if p.layer not in listed)]


def _source_lines(snapshot: PlanSnapshot, others: Sequence[LayerProvenance] = ()) -> list[str]:
    lines = []
    for p in read_layers(snapshot, others):
        title = layer_title(p.layer)
        where = "" if p.file == "bundled" else f" [{p.file}]"
        lines.append(f"{title}{where}: {p.accuracy_text}")
        for source in p.sources[:1]:
            lines.append(f"   来源 source: {source}")
        if len(p.sources) > 1:
            lines.append(f"   … +{len(p.sources) - 1} more (see the report)")
        if not p.sources:
            lines.append("   来源未注明 source not stated")
    return lines


def draw_legend(panel: Panel, handles: list[Artist], size_pt: float = 7.0) -> None:
    """Draw the legend at the top of ``panel``, in two columns when long, set smaller to fit.

    The legend takes at most half the panel's height; the panel continues below
    it. Labels wrap to their column.
    """
    fig = panel.fig
    height = min(panel.top - panel.bottom, 0.5)
    ax = fig.add_axes((panel.x, panel.top - height, panel.width, height))
    ax.axis("off")
    renderer = measuring_renderer(fig)
    frame = ax.get_window_extent(renderer)
    labels = [str(h.get_label()) for h in handles]
    ncols = 1 if len(handles) <= 12 else 2
    size = size_pt
    while True:
        # a label wraps to its column: the column less the swatch and the gaps (about 5 em)
        width_pt = panel.width_pt / ncols - 5 * size
        for handle, label in zip(handles, labels, strict=True):
            handle.set_label("\n".join(wrap_to(label, width_pt, size)))
        legend = ax.legend(
            handles=handles,
            loc="upper left",
            fontsize=size,
            title="图例 Legend",
            title_fontsize=size + 2,
            frameon=False,
            ncols=ncols,
            borderaxespad=0.0,
            alignment="left",
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # measuring: the drawing warns
            box = legend.get_window_extent(renderer)
        fits = box.x1 <= frame.x1 + 0.5 and box.y0 >= frame.y0 - 0.5
        if fits or size <= 5.0:
            break
        size -= 0.5
    panel.y = fig.transFigure.inverted().transform((0, box.y0))[1] - 0.015


def draw_sheet(
    snapshot: PlanSnapshot,
    style_field: str | None = None,
    *,
    maker: str = "spatial report",
    others: Sequence[LayerProvenance] = (),
    targets: pd.DataFrame | None = None,
) -> Figure:
    """Return the A3 landscape map sheet of ``snapshot`` as a matplotlib Figure.

    ``maker`` is the command that made it (``spatial review`` for the atlas),
    named in the footer; ``others`` are the layers read besides the plan's (the
    land use, previous versions), listed with its sources (:func:`read_layers`);
    ``targets`` the area targets as the caller's pages name them (default
    :func:`targets_frame`: ``编号 ID``, ``名称 Name``).

    Right of the map, one column filled from the top (:class:`~spatial.publish.layout.Panel`):
    the legend, the area targets, the rule checks, the coordinate system and the
    sources; what does not fit is set smaller, then cut with a line saying so.
    """
    fig = blank_page(snapshot.title_zh, snapshot.title_en)
    verdict = (
        "核查通过 all checks pass"
        if snapshot.passed
        else "核查未通过 CHECK " + snapshot.report.summary()
    )
    fig.text(
        0.02,
        0.924,
        verdict,
        fontsize=10,
        va="top",
        color="#1a9850" if snapshot.passed else FAIL_RED,
    )
    ax = fig.add_axes(MAP_RECT)
    handles = draw_map(ax, snapshot, style_field)
    draw_overview(fig, (0.025, 0.60, 0.11, 0.26), snapshot, ax)
    panel = Panel(fig, *PANEL_RECT)
    draw_legend(panel, handles)
    targets = targets_frame(snapshot) if targets is None else targets
    if len(targets):
        panel.table(TARGETS_TITLE, targets)
    else:
        panel.text([f"{TARGETS_TITLE}: 无 none"], 7)
    panel.skip(7)
    panel.text(_rule_lines(snapshot), 7)
    panel.skip(7)
    notes = [
        f"坐标系 Coordinate system: {crs_note(sheet_crs(snapshot))}; "
        f"比例尺 scale {ratio_text(fig, ax)} (A3)",
        f"制图日期 Date: {snapshot.made.isoformat()} · {maker}",
        *snapshot.notes,
    ]
    panel.text(notes, 7)
    panel.skip(6)
    sources = ["数据来源与精度 Sources and accuracy", *_source_lines(snapshot, others)]
    panel.text(sources, 6, "#333333")
    return fig


#: Title of the sheet's table of area targets.
TARGETS_TITLE = "面积目标 Area targets (椭球面积 ellipsoidal CGCS2000)"
#: The map's frame on the page (left, bottom, width, height; figure fractions).
MAP_RECT = (0.02, 0.04, 0.56, 0.86)
#: The column beside the map (left, top, width, bottom; figure fractions).
PANEL_RECT = (0.60, 0.93, 0.38, 0.02)


def blank_page(title_zh: str, title_en: str) -> Figure:
    """Return an empty A3 landscape page with its two-language title (set smaller if too long)."""
    w_mm, h_mm = A3_LANDSCAPE_MM
    fig = Figure(figsize=(w_mm / MM_PER_INCH, h_mm / MM_PER_INCH))
    FigureCanvasBase(fig)  # draws only when saved (geopandas asks for a redraw per layer)
    width_pt = 0.96 * fig.get_figwidth() * 72
    for text, y, size, colour in (
        (title_zh, 0.985, 20.0, "#000000"),
        (title_en, 0.948, 11.0, "#444444"),
    ):
        fitted = min(size, size * width_pt / max(text_width_pt(text, size), 1.0))
        fig.text(0.02, y, text, fontsize=fitted, va="top", color=colour)
    return fig


def ratio_text(fig: Figure, ax: Axes) -> str:
    """Return the map's ratio scale as printed (``'1:20,000'``), from its frame on the paper."""
    x0, x1 = ax.get_xlim()
    width_mm = _frame_mm(ax)[0]
    denominator = (x1 - x0) * 1000 / width_mm  # a scale of the series, to rounding
    return f"1:{round(denominator):,}"


def write_sheet_pdf(
    path: str | os.PathLike[str], snapshot: PlanSnapshot, style_field: str | None = None
) -> Path:
    """Write the A3 landscape sheet as a PDF, fonts embedded (TrueType subsets), atomically."""
    with (
        in_noto(lambda: draw_sheet(snapshot, style_field)) as fig,
        matplotlib.rc_context({"pdf.fonttype": 42}),
        atomic_path(path) as tmp,
    ):
        fig.savefig(
            tmp, format="pdf", metadata={"Title": snapshot.title_zh, "Creator": "spatial report"}
        )
    return Path(path)


def _map_figure(snapshot: PlanSnapshot, style_field: str | None) -> Figure:
    fig = Figure(figsize=(9, 8))
    FigureCanvasBase(fig)  # draws only when saved (geopandas asks for a redraw per layer)
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.98))
    handles = draw_map(ax, snapshot, style_field)
    ax.legend(handles=handles, loc="lower right", fontsize=7, framealpha=0.9)
    return fig


def map_svg(snapshot: PlanSnapshot, style_field: str | None = None) -> str:
    """Return the map alone as SVG text, its lettering drawn as outlines (no font needed)."""
    buffer = io.StringIO()
    with (
        in_noto(lambda: _map_figure(snapshot, style_field)) as fig,
        matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "spatial"}),
    ):
        fig.savefig(buffer, format="svg", metadata=SVG_METADATA)
    return _strip_svg_prolog(buffer.getvalue())


def _strip_svg_prolog(svg: str) -> str:
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg
