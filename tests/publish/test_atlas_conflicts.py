"""The A3 sheets draw the 三区三线 conflict pieces red, as the web map's conflict style does.

A synthetic (示例数据) 永久基本农田 box across zones A and B1 of ``tests/survey.py``
(EPSG:4544); the red drawn on each sheet is held against the box clipped by the
zones in the survey's plane.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from matplotlib.collections import PatchCollection
from matplotlib.colors import to_hex

from spatial.checks.constraints import constraint_rule
from spatial.checks.snapshot import take_snapshot
from spatial.publish.atlas import draw_zone_sheet
from spatial.publish.fonts import in_noto
from spatial.publish.palette import CONFLICT_EDGE, CONFLICT_FILL
from spatial.publish.sheet import draw_sheet
from spatial.webmap.styles.conflicts import CONFLICTS

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from survey import GK, X0, Y0, survey_zones

FARMLAND = shapely.box(X0 + 1_000.0, Y0 + 100.0, X0 + 1_400.0, Y0 + 300.0)


def _snapshot():
    zones = survey_zones().rename(columns={"DYBH": "id", "DYMC": "name_zh"})
    farmland = gpd.GeoDataFrame(
        {"id": ["JBNT1"], "note": ["示例数据 synthetic"]}, geometry=[FARMLAND], crs=GK
    )
    rules = (constraint_rule("must_not_occupy", "永久基本农田", "zones", 1.0),)
    layers = {"zones": zones, "永久基本农田": farmland}
    sources = {"zones": "zones.gpkg", "永久基本农田": "farmland.gpkg"}
    return zones, take_snapshot(layers, sources, targets=(), rules=rules)


def _red_area_m2(fig) -> float:
    """Area (m², the axes' metres) of what the map draws in the conflict fill colour."""
    ax = fig.axes[0]
    found = [
        c
        for c in ax.collections
        if isinstance(c, PatchCollection)
        and len(c.get_facecolors())
        and to_hex(c.get_facecolors()[0]) == CONFLICT_FILL
    ]
    assert len(found) == 1
    polygons = [shapely.Polygon(p.vertices) for p in found[0].get_paths()]
    return float(sum(p.area for p in polygons))


def test_the_sheet_colours_are_the_web_maps():
    style = CONFLICTS.paths["conflict"]
    assert (style["color"], style["fillColor"]) == (CONFLICT_EDGE, CONFLICT_FILL)


@pytest.mark.parametrize("sheet", ["overview", "B1"])
def test_conflicts_are_drawn_red_with_a_legend_entry(sheet):
    zones, snapshot = _snapshot()
    expected = sum(g.intersection(FARMLAND).area for g in zones.geometry)
    if sheet != "overview":
        expected = zones.set_index("id").geometry[sheet].intersection(FARMLAND).area
    assert expected > 10_000  # across A and B1
    draw = (
        (lambda: draw_sheet(snapshot))
        if sheet == "overview"
        else (lambda: draw_zone_sheet(snapshot, sheet, []))
    )
    with in_noto(draw) as fig:
        drawn_m2 = _red_area_m2(fig)
        texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    if sheet == "overview":
        assert drawn_m2 == pytest.approx(expected, rel=1e-3)
    else:  # the whole layer is drawn; the zone's sheet shows at least its own conflict
        assert drawn_m2 >= expected * (1 - 1e-3)
    assert any("三区三线冲突 conflict with a protected line" in t for t in texts)
