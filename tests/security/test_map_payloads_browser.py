"""Every payload, on every map text path, opened in Chromium: nothing runs, the text is shown.

One map is written by ``spatial map`` with: zones named with the template
payloads (``--zones``); one ``--layer`` whose features carry a payload each in
their id, names, a property key and its value; and one ``--layer`` per payload
whose NAME and file name are that payload. The page is opened with every
network request blocked; each feature's tooltip and popup are opened as a
mouse would, and their text compared with what the file holds.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from conftest import MapVisit
from payloads import ALL, BROWSER_LITERAL, PWNED_DIR, PWNED_FILE, TEMPLATE
from test_template_injection import write_geojson

from spatial.cli import main
from spatial.io.layers import bundled_layer_path, read_layer

pytestmark = pytest.mark.browser

#: Names GDAL opens as given (it drops CR/LF, a leading "<!", and cuts at ";").
LAYER_NAMES = [
    text
    for _, text in BROWSER_LITERAL
    if "=" not in text and "/" not in text and ";" not in text and not text.startswith("<!")
]
INJECTED = (
    ":is(.leaflet-popup-content, .leaflet-tooltip, .leaflet-control-layers-list, .sp-panel) "
    ":is(img, script, svg, iframe, object, embed)"
)
OPEN_ALL = """() => {
    const out = [];
    window.payloadLayer.eachLayer(l => {
        const at = l.getCenter();
        l.fire("mouseover", {latlng: at}, true);
        const tips = Array.from(document.querySelectorAll(".leaflet-tooltip:not(.sp-label)"));
        l.fire("mouseout", {latlng: at}, true);
        l.fire("click", {latlng: at}, true);
        const popup = document.querySelector(".leaflet-popup-content");
        out.push({id: l.feature.properties.t, tip: tips.map(e => e.textContent).join("|"),
                  popup: popup ? popup.textContent : null});
        l._map.closePopup();
    });
    return out;
}"""


def _payload_features() -> gpd.GeoDataFrame:
    rows, boxes = [], []
    for i, (_, text) in enumerate(ALL):
        rows.append({"id": f"{i}:{text}", "name_zh": text, "name_en": text, f"k{i} {text}": text})
        x, y = 106.15 + (i % 10) * 0.01, 29.55 + (i // 10) * 0.01
        boxes.append(shapely.box(x, y, x + 0.005, y + 0.005))
    return gpd.GeoDataFrame(rows, geometry=boxes, crs=4326)


def _one(text: str, i: int) -> gpd.GeoDataFrame:
    x = 106.30 + i * 0.002
    box = shapely.box(x, 29.50, x + 0.001, 29.501)
    return gpd.GeoDataFrame([{"id": f"L{i}", "name_zh": f"L{i}"}], geometry=[box], crs=4326)


@pytest.fixture(scope="module")
def hostile_map(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("payload-map")
    zones = read_layer(bundled_layer_path("zones")).to_crs(4326)
    names = [text for _, text in TEMPLATE][: len(zones)]
    zones["name_zh"] = names
    zones_path = write_geojson(zones, root / f"zones {names[0]}.geojson")
    args = ["map", "--offline", "--zones", str(zones_path), "--out", str(root / "map.html")]
    args += ["--layer", f"payloads={write_geojson(_payload_features(), root / 'p.geojson')}"]
    for i, text in enumerate(LAYER_NAMES):
        args += ["--layer", f"{text}={write_geojson(_one(text, i), root / f'{text}.geojson')}"]
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        assert main(args) == 0
    return root / "map.html", root


def _open(open_map, path: Path) -> MapVisit:
    """Open the map; ``window.payloadLayer`` is the layer holding one feature per payload."""
    visit = open_map(path)
    visit.page.evaluate(
        """(count) => { const m = Object.values(window).find(v => v instanceof L.Map);
        m.eachLayer(l => { if (l instanceof L.GeoJSON && l.getLayers().length === count) {
            window.payloadLayer = l; } }); }""",
        len(ALL),
    )
    return visit


def test_no_payload_runs_and_no_file_appears(hostile_map, open_map):
    path, root = hostile_map
    visit = _open(open_map, path)
    visit.js(f"window.payloadLayer.eachLayer(l => {{ {_HOVER} }})")
    visit.page.wait_for_timeout(200)  # give any injected handler the chance to fire
    visit.screenshot("security-payloads")
    assert visit.page_errors == [] and visit.dialogs == [] and visit.console_errors == []
    assert visit.js("typeof window.__pwned") == "undefined"
    assert visit.js(f"document.querySelectorAll('{INJECTED}').length") == 0
    assert visit.blocked == []
    assert not (root / PWNED_DIR).exists() and not (root / PWNED_FILE).exists()


_HOVER = (
    "const at = l.getCenter(); l.fire('mouseover', {latlng: at}, true);"
    " l.fire('click', {latlng: at}, true);"
)


def test_every_feature_payload_is_shown_as_typed(hostile_map, open_map):
    visit = _open(open_map, hostile_map[0])
    opened = visit.page.evaluate(OPEN_ALL)
    assert len(opened) == len(ALL)
    literal = dict(BROWSER_LITERAL)
    wrong = []
    for (label, text), seen in zip(ALL, sorted(opened, key=_position), strict=True):
        if label not in literal:
            continue
        if text not in seen["tip"]:
            wrong.append((label, "tooltip", seen["tip"]))
        for part in (f"{text}", f"k{ALL.index((label, text))} {text}"):
            if part not in (seen["popup"] or ""):
                wrong.append((label, "popup", seen["popup"]))
    assert wrong == []
    assert visit.page_errors == [] and visit.dialogs == []


def _position(seen: dict) -> int:
    return int(seen["popup"].split("编号 ID")[1].split(":")[0])


def test_layer_and_file_names_are_shown_as_typed(hostile_map, open_map):
    visit = _open(open_map, hostile_map[0])
    names = visit.js(
        "Array.from(document.querySelectorAll("
        "'.leaflet-control-layers-overlays label > span > span')).map(s => s.textContent)"
    )
    for text in LAYER_NAMES:  # Leaflet puts one space before each name
        assert f" {text} ({text}.geojson)" in names
    labels = visit.js(
        "Array.from(document.querySelectorAll('.sp-label-zones')).map(e => e.textContent)"
    )
    names = [text for _, text in TEMPLATE][:5]  # the zones' names, Chinese first in a label
    assert len(labels) >= 3
    assert all(any(label.startswith(f"{name} ") for name in names) for label in labels)
