"""The map and the compare map hold the planner's layers in view at a phone's size, in Chromium.

Opened at 390×844 each page fits its layers (Leaflet's ``fitBounds`` at that
size). Opened at 1366×768 and then narrowed to 390×844 (a window made narrow, a
phone turned), Leaflet keeps the zoom and centre: the layers were cut off. The
pages now fit them again when the map changes size, until the viewer moves the
map (then their view is kept). Layers: ``tests/survey.py``'s zones (2.4 km x 1
km, EPSG:4544) and the land-use versions of tools/build_review_examples.py, all
synthetic (示例数据).
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from spatial.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from survey import survey_zones

pytestmark = pytest.mark.browser

VIEW_JS = """() => { const m = Object.values(window).find(v => v instanceof L.Map);
    const b = m.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"""
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def pages(tmp_path_factory, examples) -> dict[str, tuple[Path, tuple[float, ...]]]:
    """The planner's map of the survey zones and the compare map: page and layers' box (lon/lat)."""
    folder = tmp_path_factory.mktemp("fit")
    zones_path = folder / "zones_gk.shp"
    survey_zones().to_file(zones_path, encoding="utf-8")
    plan_map = folder / "map.html"
    call = ["map", "--offline", "--zones", str(zones_path), "--id-field", "zones=DYBH"]
    assert main([*call, "--out", str(plan_map)]) in (0, 1)
    old, new = examples / "landuse_existing.geojson", examples / "landuse_planned.geojson"
    compare = folder / "compare.html"
    args = ["diff", str(old), str(new), "--no-checks", "--class-field", "YDYHFLDM"]
    assert main([*args, "--map", str(compare), "--format", "json"]) == 0
    both = pd.concat([gpd.read_file(old), gpd.read_file(new)]).to_crs(4326)
    return {
        "map": (plan_map, tuple(survey_zones().to_crs(4326).total_bounds)),
        "compare": (compare, tuple(both.total_bounds)),
    }


def _holds(view: list[float], box: tuple[float, ...]) -> bool:
    west, south, east, north = box
    return view[0] <= west and view[1] <= south and view[2] >= east and view[3] >= north


def _span_ratio(view: list[float], box: tuple[float, ...]) -> float:
    """The view's span over the box's, on the side that binds (the box fills one side)."""
    return min((view[2] - view[0]) / (box[2] - box[0]), (view[3] - view[1]) / (box[3] - box[1]))


@pytest.mark.parametrize("name", ["map", "compare"])
def test_opened_on_a_phone_the_layers_are_in_view(pages, open_map, name, capsys) -> None:
    page, box = pages[name]
    visit = open_map(page, viewport=PHONE)
    view = visit.js(f"({VIEW_JS})()")
    assert _holds(view, box), (view, box)
    assert visit.page_errors == []


@pytest.mark.parametrize("name", ["map", "compare"])
def test_narrowed_to_a_phone_the_layers_are_fitted_again(pages, open_map, name) -> None:
    page, box = pages[name]
    visit = open_map(page, viewport={"width": 1366, "height": 768})
    opening = visit.js(f"({VIEW_JS})()")
    assert _holds(opening, box)
    visit.page.set_viewport_size(PHONE)
    visit.page.wait_for_function("window.innerWidth === 390")
    visit.page.wait_for_timeout(300)  # Leaflet's resize handler is debounced
    view = visit.js(f"({VIEW_JS})()")
    visit.screenshot(f"fit-narrowed-{name}")
    assert _holds(view, box), (view, box)
    assert _span_ratio(view, box) < 1.5  # fitted: the box fills one side of the view
    # once the viewer has zoomed (the keyboard's +), a new size keeps their view
    visit.page.focus(".leaflet-container")
    visit.page.keyboard.press("NumpadAdd")
    visit.page.wait_for_timeout(800)
    zoomed = visit.js(f"({VIEW_JS})()")
    assert zoomed[2] - zoomed[0] < 0.8 * (view[2] - view[0])  # zoomed in
    visit.page.set_viewport_size({"width": 1366, "height": 768})
    visit.page.wait_for_function("window.innerWidth === 1366")
    visit.page.wait_for_timeout(300)
    wide = visit.js(f"({VIEW_JS})()")
    centre = ((zoomed[0] + zoomed[2]) / 2, (zoomed[1] + zoomed[3]) / 2)
    assert abs((wide[0] + wide[2]) / 2 - centre[0]) < 1e-6
    # the same zoom in a window 1366/390 as wide (not fitted again: that was the opening view)
    assert (wide[2] - wide[0]) / (zoomed[2] - zoomed[0]) == pytest.approx(1366 / 390, rel=0.01)
    assert abs((wide[2] - wide[0]) / (opening[2] - opening[0]) - 1) > 0.1
    assert visit.page_errors == []
