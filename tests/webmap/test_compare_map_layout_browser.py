"""The compare map of ``spatial diff --map`` at a desktop's and a phone's size (issue 21).

Written from the synthetic (示例数据) land-use versions of
tools/build_review_examples.py and opened in Chromium with every request
blocked and no CJK system font (tests/conftest.py). At 1366×768 and 390×844: no
page error and no request, the title clear of every control (the layer control
folds to its button on a phone), Chinese drawn in the embedded font, the
features whose class changed highlighted with old → new in their popup (the
changed ids counted here from the two files), and where a removed piece and an
added one lie on the same ground, the removed outline drawn on top so both show.
Screenshots are kept in test-artifacts/.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from map_fixtures import rendered_fonts

from spatial.cli import main
from spatial.landuse import load_classes
from spatial.publish.fonts import FONT_FAMILY

pytestmark = pytest.mark.browser

SIZES = [(1366, 768), (390, 844)]
CONTROLS = (
    ".leaflet-control-layers",
    ".sp-legend",
    ".leaflet-control-zoom",
    ".leaflet-control-scale",
    ".leaflet-sbs-range",
)
BOX_JS = """(selector) => Array.from(document.querySelectorAll(selector))
    .filter(e => e.offsetParent !== null || getComputedStyle(e).position === "fixed")
    .map(e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })
    .filter(b => b[2] > b[0] && b[3] > b[1])"""
#: Is the title's every corner and its centre the title itself, not a control over it?
TITLE_ON_TOP_JS = """() => { const t = document.querySelector(".sp-title");
    const r = t.getBoundingClientRect(), i = 2;
    const spots = [[r.left + i, r.top + i], [r.right - i, r.top + i], [r.left + i, r.bottom - i],
                   [r.right - i, r.bottom - i], [(r.left + r.right) / 2, (r.top + r.bottom) / 2]];
    return spots.map(([x, y]) => t.contains(document.elementFromPoint(x, y))); }"""
#: The topmost element at the centre of each removed piece, and which layers' paths are under it.
REMOVED_SPOTS_JS = """() => {
    const pieces = window.spatialLayers.diff_pieces.getLayers();
    const map = window.spatialLayers.diff_pieces._map;
    return pieces.filter(l => l.options.dashArray).map(l => {
        const c = map.latLngToContainerPoint(l.getBounds().getCenter());
        const box = map.getContainer().getBoundingClientRect();
        const top = document.elementFromPoint(box.left + c.x, box.top + c.y);
        const added = pieces.filter(a => !a.options.dashArray
            && a.getBounds().contains(l.getBounds().getCenter())).length;
        return {top_is_removed: top === l._path, added_under: added,
                dash: l.options.dashArray, fill: l.options.fillOpacity};
    }); }"""


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _classes(path: Path) -> dict[str, str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {f["properties"]["id"]: f["properties"]["YDYHFLDM"] for f in data["features"]}


@pytest.fixture(scope="module")
def compare(examples, tmp_path_factory) -> Path:
    html = tmp_path_factory.mktemp("compare") / "compare.html"
    old, new = examples / "landuse_existing.geojson", examples / "landuse_planned.geojson"
    args = ["diff", str(old), str(new), "--no-checks", "--class-field", "YDYHFLDM"]
    assert main([*args, "--map", str(html), "--format", "json"]) == 0
    return html


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_compare_map_fits_the_window_offline_in_its_own_font(compare, open_map, width, height):
    visit = open_map(compare, viewport={"width": width, "height": height})
    assert visit.page_errors == [] and visit.console_errors == []
    assert visit.blocked == [] and visit.failed == []
    assert [u for u in visit.requests if not u.startswith(("file:", "data:"))] == []
    title = visit.js(f"({BOX_JS})('.sp-title')")
    assert len(title) == 1
    assert "示例数据" in visit.js("document.querySelector('.sp-title').innerText")  # shown
    for selector in CONTROLS:
        for box in visit.js(f"({BOX_JS})({json.dumps(selector)})"):
            assert not _overlap(title[0], box), (selector, title[0], box)
    assert all(visit.js(TITLE_ON_TOP_JS))
    right, bottom = title[0][2], title[0][3]
    assert right <= width and bottom <= height
    assert visit.js("document.fonts.check('12px \"Noto Sans SC\"', '版本对比旧版新版')")
    assert rendered_fonts(visit.page, ".sp-title h1").keys() == {f"{FONT_FAMILY} (embedded)"}
    assert rendered_fonts(visit.page).keys() == {f"{FONT_FAMILY} (embedded)"}  # every text
    visit.screenshot(f"compare-map-{width}x{height}")


def test_phone_folds_the_layer_control_to_its_button(compare, open_map):
    visit = open_map(compare, viewport={"width": 390, "height": 844})
    assert not visit.page.is_visible(".leaflet-control-layers-list")
    visit.page.click(".leaflet-control-layers-toggle")
    assert visit.page.is_visible(".leaflet-control-layers-list")


def test_class_changes_are_highlighted_with_old_and_new_class(compare, examples, open_map):
    old = _classes(examples / "landuse_existing.geojson")
    new = _classes(examples / "landuse_planned.geojson")
    changed = sorted(i for i in old.keys() & new.keys() if old[i] != new[i])
    assert changed, "the example versions reclassify some parcels"
    visit = open_map(compare, viewport={"width": 1366, "height": 768})
    popups = visit.js(
        "window.spatialLayers.diff_classes.getLayers()"
        ".map(l => [l.feature.properties.p, l.options.color])"
    )
    assert len(popups) == len(changed)
    names = load_classes()
    for feature_id in changed:
        text = f"{old[feature_id]} {names[old[feature_id]].name_zh} → "
        text += f"{new[feature_id]} {names[new[feature_id]].name_zh}"
        hits = [p for p, _ in popups if text in p and feature_id in p]
        assert len(hits) == 1, (feature_id, text)
    assert {colour for _, colour in popups} == {"#7b3294"}
    assert all("示例数据" in p for p, _ in popups)
    legend = visit.js("document.querySelector('.sp-legend').textContent")
    assert "地类变化" in legend


def test_removed_area_is_drawn_over_the_added_one(compare, open_map):
    visit = open_map(compare, viewport={"width": 1366, "height": 768})
    spots = visit.js(REMOVED_SPOTS_JS)
    assert spots, "the example versions remove some area"
    assert all(s["top_is_removed"] for s in spots), spots
    assert any(s["added_under"] for s in spots)  # lu-01's lost half is lu-02's gain
    assert all(s["dash"] and s["fill"] < 0.3 for s in spots)
