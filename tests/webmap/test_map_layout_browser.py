"""The map at three window sizes (1920×1080, 1366×768, 390×844), as a planner opens it.

One failing plan (a zone moved onto another) is written by ``spatial map`` and
opened in Chromium with every request blocked. At each size: no two labels
overlap (counted from their bounding boxes), the 示意 note is visible and not
covered, the failure is shown (verdict, rule panel, red pieces), a zone's popup
fits the window and opens clear of every control. Screenshots are kept in
test-artifacts/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from map_fixtures import write_layer
from report_fixtures import moved_zones

from spatial.cli import main

pytestmark = pytest.mark.browser

SIZES = [(1920, 1080), (1366, 768), (390, 844)]

BOXES_JS = """(selector) => Array.from(document.querySelectorAll(selector))
    .filter(e => getComputedStyle(e).visibility !== "hidden" && e.offsetParent !== null)
    .map(e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })
    .filter(b => b[2] > b[0] && b[3] > b[1])"""


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _overlap_count(boxes) -> int:
    return sum(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


@pytest.fixture(scope="module")
def failing_map(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("layout")
    zones = write_layer(moved_zones(), root / "moved.geojson")
    out = root / "moved.html"
    assert main(["map", "--offline", "--zones", str(zones), "--out", str(out)]) == 1
    return out


def _zoom(visit, zoom: float) -> None:
    visit.page.evaluate(
        """(zoom) => { const m = window.spatialLayers.zones._map;
            m.setView([29.60, 106.22], zoom, {animate: false}); }""",
        zoom,
    )
    visit.page.wait_for_timeout(150)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_labels_never_overlap(failing_map, open_map, width, height):
    visit = open_map(failing_map, viewport={"width": width, "height": height})
    counts = {}
    for zoom in (None, 12, 13):
        if zoom is not None:
            _zoom(visit, zoom)
        boxes = visit.page.evaluate(BOXES_JS, ".sp-label")
        counts[zoom] = (len(boxes), _overlap_count(boxes))
    visit.screenshot(f"layout-labels-{width}x{height}-z13")
    assert all(overlaps == 0 for _, overlaps in counts.values()), counts
    assert counts[12][0] >= 3  # labels are shown, not all hidden away
    assert visit.page_errors == [] and visit.console_errors == []


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_note_failure_and_popup_fit_the_window(failing_map, open_map, width, height):
    visit = open_map(failing_map, viewport={"width": width, "height": height})
    page = visit.page
    visit.screenshot(f"layout-open-{width}x{height}")
    note = page.locator(".sp-title .sp-indicative")
    assert note.is_visible() and "示意 indicative" in note.inner_text()
    box = note.bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= width
    covering = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('.sp-title') !== null",
        [box["x"] + 5, box["y"] + box["height"] / 2],
    )
    assert covering, "the 示意 note is covered"
    verdict = page.inner_text(".sp-title .sp-verdict")
    assert verdict.startswith("核查未通过") and "41/46 rule checks PASS" in verdict
    assert visit.js("window.spatialLayers.failures.getLayers().length") == 3
    red = visit.js("document.querySelectorAll('.leaflet-spatial-failures-pane path').length")
    assert red == 3
    if not page.is_visible(".sp-legend-body"):
        page.click(".sp-legend-toggle")
    rules = page.inner_text(".sp-rules")
    assert "zones-no-overlap zone-kcxz: overlaps zone-cjrh by 7.5909 km²" in rules
    assert "platforms-in-assigned platform-cqu-advanced-tech" in rules
    if width < 700:
        page.click(".sp-legend-toggle")  # fold it again on a phone
    page.evaluate(
        """() => window.spatialLayers.zones.eachLayer(l => {
            if (!l.feature.properties.t.includes("数字经济")) { return; }
            l.fire("click", {latlng: l.getCenter()}, true);
        })"""
    )
    page.wait_for_timeout(600)  # the auto-pan
    popup = page.evaluate(BOXES_JS, ".leaflet-popup-content-wrapper")
    assert len(popup) == 1
    left, top, right, bottom = popup[0]
    assert left >= 0 and top >= 0 and right <= width and bottom <= height, popup
    controls = page.evaluate(BOXES_JS, ".leaflet-control")
    under = [c for c in controls if _overlap(c, popup[0])]
    visit.screenshot(f"layout-popup-{width}x{height}")
    assert under == [], f"popup {popup[0]} opens under controls {under}"
    assert visit.page_errors == [] and visit.console_errors == []


#: The plugins' own boxes that a phone (and print) hides: the mini-map and the coordinates.
PHONE_HIDDEN = (".leaflet-control-minimap", ".leaflet-control-mouseposition")


def test_phone_folds_layer_control_and_legend_and_hides_the_minimap(failing_map, open_map):
    desktop = open_map(failing_map, viewport={"width": 1366, "height": 768}).page
    for selector in PHONE_HIDDEN:  # the selectors name real elements
        assert desktop.locator(selector).count() == 1 and desktop.is_visible(selector), selector
    visit = open_map(failing_map, viewport={"width": 390, "height": 844})
    page = visit.page
    assert not page.is_visible(".leaflet-control-layers-list")
    assert not page.is_visible(".sp-legend-body")
    for selector in PHONE_HIDDEN:
        assert page.locator(selector).count() == 1 and not page.is_visible(selector), selector
    page.click(".leaflet-control-layers-toggle")
    assert page.is_visible(".leaflet-control-layers-list")


def test_print_shows_the_whole_legend_and_the_north_arrow_without_buttons(failing_map, open_map):
    visit = open_map(failing_map, viewport={"width": 1366, "height": 768})
    page = visit.page
    page.emulate_media(media="print")
    hidden = (".leaflet-control-zoom", ".leaflet-control-layers", ".sp-measure", ".sp-fullscreen")
    for selector in (*hidden, *PHONE_HIDDEN):
        assert page.locator(selector).count() == 1 and not page.is_visible(selector), selector
    assert page.is_visible(".sp-legend-body") and page.is_visible(".sp-north")
    assert page.evaluate(
        "() => { const b = document.querySelector('.sp-legend-body');"
        " return b.scrollHeight <= b.clientHeight + 1; }"
    ), "the printed legend is cut"
    visit.screenshot("layout-print-1366x768")
