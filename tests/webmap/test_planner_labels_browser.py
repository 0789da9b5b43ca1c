"""Every zone of a planner's map keeps its name label where the zones are legible (Chromium).

The planner's zones are :mod:`survey`'s (synthetic, 示例数据): A (1200 m x 1000 m),
B1 and B2 (1200 m x 500 m each, 0.6 km²) in EPSG:4544, written as a Shapefile
with ids in ``DYBH`` and names in ``DYMC``, and a project naming them. At the
view the map opens on, and zoomed out to where B1 and B2 are about 70 x 30 px,
each zone's label shows, lies inside its zone's box and overlaps no other label.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from survey import survey_zones

from spatial.cli import main

pytestmark = pytest.mark.browser

SIZES = [(1920, 1080), (1366, 768), (390, 844)]
NAMES = ["示例单元A", "示例单元B1", "示例单元B2"]

#: Each zone label shown, with its box and its zone's box (viewport pixels).
LABELS_JS = """() => {
    const map = window.spatialLayers.zones._map;
    const origin = map.getContainer().getBoundingClientRect();
    const shown = [];
    window.spatialLayers.zones.eachLayer(l => {
        const tip = l.getTooltip(), el = tip && tip.getElement();
        if (!el || !tip.options.permanent || getComputedStyle(el).visibility === "hidden") return;
        const r = el.getBoundingClientRect(), b = l.getBounds();
        const nw = map.latLngToContainerPoint(b.getNorthWest());
        const se = map.latLngToContainerPoint(b.getSouthEast());
        shown.push({name: l.feature.properties.l ? el.textContent : "",
            label: [r.left, r.top, r.right, r.bottom],
            zone: [origin.left + nw.x, origin.top + nw.y, origin.left + se.x, origin.top + se.y]});
    });
    return shown;
}"""


@pytest.fixture(scope="module")
def survey_map(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("survey")
    survey_zones().to_file(folder / "zones.shp", encoding="utf-8")
    project = folder / "spatial.toml"
    project.write_text(
        '[layers.zones]\npath = "zones.shp"\nid_field = "DYBH"\nname_field = "DYMC"\n',
        encoding="utf-8",
    )
    out = folder / "survey.html"
    assert main(["map", "--offline", "--project", str(project), "--out", str(out)]) == 0
    return out


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _inside(a, box, slack_px: float = 0.5) -> bool:
    return all(a[i] >= box[i] - slack_px for i in (0, 1)) and all(
        a[i] <= box[i] + slack_px for i in (2, 3)
    )


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_every_zone_keeps_its_label_inside_it(survey_map, open_map, width, height):
    visit = open_map(survey_map, viewport={"width": width, "height": height})
    for zoom in (None, 13):
        if zoom is not None:
            visit.page.evaluate(
                "(z) => window.spatialLayers.zones._map.setZoom(z, {animate: false})", zoom
            )
            visit.page.wait_for_timeout(200)
        shown = visit.page.evaluate(LABELS_JS)
        names = sorted(next(n for n in NAMES[::-1] if n in s["name"]) for s in shown)
        assert names == NAMES, (zoom, shown)
        assert all(_inside(s["label"], s["zone"]) for s in shown), (zoom, shown)
        boxes = [s["label"] for s in shown]
        assert not any(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    visit.screenshot(f"planner-labels-{width}x{height}-z13")
    assert visit.page_errors == [] and visit.console_errors == []
