"""A planner's review page at 390 px and 1366 px: ids, names, headers and figures whole;
its map's popups name the planner's fields (编号 DYBH, 名称 DYMC), not 编号 ID.

A new planner's project (DYBH/DYMC zones, a YDYHFLDM land use, a 永久基本农田 layer;
示例数据: tests/survey.py's EPSG:4544 coverage) gave a report.html whose rule id
``zones-must-not-occupy-永久基本农田`` ran over 6 lines split at its hyphens,
``示例单元B1`` over 3, the header ``编号 No.`` one character a line, and
``1,800 亩`` and ``--construction`` across lines. Each page is opened in headless
Chromium (every request blocked) and each such text is asked how many lines it is
drawn on (a DOM Range's client rects): one, in every cell. The page itself never
scrolls sideways; a wide table scrolls in its own box.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from survey import GK, survey_parcels, survey_zones

from spatial.cli import main
from spatial.publish.palette import layer_colour

pytestmark = pytest.mark.browser

PLAN = """
[[targets]]
id = "A"
layer = "zones"
name_zh = "示例单元A"
value = 1800
unit = "mu"

[[targets]]
id = "B1"
layer = "zones"
name_zh = "示例单元B1"
value = 60
unit = "ha"
"""
PROJECT = """
[project]
title = "示例单元规划"
plan = "plan.toml"

[layers.zones]
path = "zones.gpkg"
id_field = "DYBH"
name_field = "DYMC"
crs = "EPSG:4544"

[landuse]
path = "landuse.gpkg"
class_field = "YDYHFLDM"
id_field = "BSM"
crs = "EPSG:4544"

[constraints."永久基本农田"]
path = "farmland.gpkg"
id_field = "BSM"
crs = "EPSG:4544"
"""
#: Texts each drawn on how many lines: one entry per occurrence found in a table or note.
LINES_OF_JS = r"""(needles) => {
    const found = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const needle of needles) {
            const text = node.data;
            for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + needle.length);
                const lines = new Set(Array.from(range.getClientRects())
                    .filter(r => r.width > 0).map(r => Math.round(r.top)));
                found.push([needle, lines.size]);
            }
        }
    }
    return found; }"""
#: Every header cell and every id/figure cell, drawn on how many lines (text is whole there).
CELL_LINES_JS = r"""() => Array.from(document.querySelectorAll("th, td.id, td.num"))
    .filter(c => c.textContent.trim())
    .map(c => {
        const range = document.createRange();
        range.selectNodeContents(c);
        const lines = new Set(Array.from(range.getClientRects())
            .filter(r => r.width > 0).map(r => Math.round(r.top)));
        return [c.textContent.trim(), lines.size];
    })"""
NEEDLES = ["zones-must-not-occupy-永久基本农田", "示例单元B1", "DYBH", "1,800 亩"]
NEEDLES += ["--construction"]
SIZES = [(390, 844), (1366, 768)]


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cells-whole")
    zones = survey_zones()
    zones.to_file(folder / "zones.gpkg")
    survey_parcels().to_file(folder / "landuse.gpkg")
    x0, y0 = zones.geometry[0].bounds[:2]
    farmland = gpd.GeoDataFrame(
        {"BSM": ["JBNT1"], "note": ["示例数据 synthetic"]},
        geometry=[shapely.box(x0 + 100, y0 + 100, x0 + 400, y0 + 300)],
        crs=GK,
    )
    farmland.to_file(folder / "farmland.gpkg")
    (folder / "plan.toml").write_text(PLAN, encoding="utf-8")
    (folder / "spatial.toml").write_text(PROJECT, encoding="utf-8")
    out = folder / "review"
    cwd = Path.cwd()
    try:
        os.chdir(folder)
        assert main(["review", "--out", str(out)]) in (0, 1)
    finally:
        os.chdir(cwd)
    text = (out / "report.html").read_text(encoding="utf-8")
    for needle in NEEDLES:  # each is on the page to be measured
        assert needle.replace("<", "&lt;") in text, needle
    flagged = folder / "flagged.html"  # open_map waits for a map's ready flag
    flagged.write_text(text.replace("<html ", '<html data-map-ready="1" ', 1), encoding="utf-8")
    (srcdoc,) = re.findall(r'<iframe title="map" srcdoc="([^"]*)"></iframe>', text)
    (folder / "map.html").write_text(html.unescape(srcdoc), encoding="utf-8")  # the map alone
    return flagged


def test_the_review_maps_zone_popup_names_the_planners_fields(page, open_map) -> None:
    visit = open_map(page.parent / "map.html", viewport={"width": 1366, "height": 768})
    visit.page.evaluate(
        """(text) => { window.spatialLayers.zones.eachLayer(l => {
            if (!l.feature.properties.t.includes(text)) { return; }
            const at = l.getCenter();
            l.fire("mouseover", {latlng: at}, true);
            l.fire("click", {latlng: at}, true);
        }); }""",
        "示例单元B1",
    )
    popup = visit.page.inner_text(".leaflet-popup-content")
    assert "编号 DYBH\tB1" in popup and "名称 DYMC\t示例单元B1" in popup, popup
    assert "编号 ID" not in popup
    assert visit.page_errors == []


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_ids_names_headers_and_figures_stay_whole(page, open_map, width, height) -> None:
    visit = open_map(page, viewport={"width": width, "height": height})
    visit.screenshot(f"review-cells-whole-{width}")
    found = visit.js(f"({LINES_OF_JS})({NEEDLES!r})")
    seen = {needle for needle, _ in found}
    assert seen == set(NEEDLES), seen  # each measured at least once
    split = [(needle, lines) for needle, lines in found if lines != 1]
    assert split == [], split
    cells = visit.js(f"({CELL_LINES_JS})()")
    assert len(cells) > 40  # the tables are there
    broken = [(text, lines) for text, lines in cells if lines != 1]
    assert broken == [], broken[:20]
    scroll = visit.js(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll[0] <= scroll[1], scroll


def test_the_review_maps_farmland_swatch_is_the_atlas_colour(page) -> None:
    """With a land use drawn too, 永久基本农田 keeps the colour the atlas gives it (first layer)."""
    text = html.unescape((page.parent / "map.html").read_text(encoding="utf-8"))
    text = text.replace("\\u003c", "<").replace("\\u003e", ">").replace('\\"', '"')
    found = re.findall(r"<h3>永久基本农田 </h3><ul><li><span [^>]*background:(#[0-9a-f]{6})", text)
    assert found and set(found) == {layer_colour("polygon", 0)}, found
