"""The review's report.html lists the land use it read and its map draws it.

``spatial review --landuse`` read the land use for the 用地平衡表 but left it out of
the page's "Layers: accuracy and sources" and of its embedded map. Now both show
it: the layer row names the file and counts its features (counted here from the
file), and the map (the ``<iframe srcdoc>`` page, opened in Chromium with every
request blocked) has a layer of that many features, coloured by the class field.
A land use larger than the map draws (``MAP_LANDUSE_MAX``) is listed and said to be
left out. Layers: the synthetic (示例数据) review examples of
tools/build_review_examples.py.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import geopandas as gpd
import pytest

from spatial.cli import main
from spatial.commands import _review_page

LANDUSE_ROW = "用地 Land use (--landuse)"


def _review(examples: Path, out: Path) -> str:
    args = ["review", "--zones", str(examples / "zones.geojson")]
    args += ["--plan", str(examples / "plan.toml"), "--rules", str(examples / "rules.toml")]
    args += ["--landuse", str(examples / "landuse_planned.geojson"), "--out", str(out)]
    assert main(args) in (0, 1)
    return (out / "report.html").read_text(encoding="utf-8")


def _layer_rows(page: str) -> list[list[str]]:
    """The rows of "Layers: accuracy and sources", as texts."""
    table = page[page.index("Layers: accuracy and sources") :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    return [[html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows]


@pytest.fixture(scope="module")
def page(examples, tmp_path_factory) -> str:
    return _review(examples, tmp_path_factory.mktemp("review") / "out")


def test_the_layers_table_lists_the_land_use(page, examples) -> None:
    features = len(gpd.read_file(examples / "landuse_planned.geojson"))
    rows = {row[0]: row for row in _layer_rows(page) if row}
    assert LANDUSE_ROW in rows, list(rows)
    row = rows[LANDUSE_ROW]
    assert row[1] == "landuse_planned.geojson" and row[2] == f"{features:,}"
    assert "规划分区 Planned zones" in rows  # the plan's layers are still there


@pytest.mark.browser
def test_the_map_draws_the_land_use(page, examples, open_map, tmp_path) -> None:
    landuse = gpd.read_file(examples / "landuse_planned.geojson")
    srcdoc = re.search(r'<iframe title="map" srcdoc="([^"]*)"', page)
    assert srcdoc is not None
    map_page = tmp_path / "map.html"
    map_page.write_text(html.unescape(srcdoc.group(1)), encoding="utf-8")
    visit = open_map(map_page)
    counts = visit.js(
        "Object.fromEntries(Object.entries(window.spatialLayers)"
        ".map(([k, l]) => [k, l.getLayers ? l.getLayers().length : -1]))"
    )
    labels = visit.js(
        "Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
        ".map(l => l.innerText)"
    )
    visit.screenshot("review-map-landuse")
    assert any("landuse_planned.geojson" in label for label in labels), labels
    assert len(landuse) in counts.values(), counts  # every parcel of the land use
    legend = visit.js("document.querySelector('.sp-legend').textContent")
    codes = sorted(set(landuse["YDYHFLDM"]))
    assert all(f"YDYHFLDM = {code}" in legend for code in codes)  # coloured by class
    assert visit.page_errors == [] and visit.blocked == []


def test_a_land_use_too_large_for_the_map_is_listed_and_said_to_be_left_out(
    examples, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(_review_page, "MAP_LANDUSE_MAX", 5)  # the examples hold 8 parcels
    page = _review(examples, tmp_path / "out")
    assert LANDUSE_ROW in {row[0] for row in _layer_rows(page) if row}
    assert "not drawn: 8 features, more than 5; draw it with spatial map" in html.unescape(page)
    srcdoc = html.unescape(re.search(r'srcdoc="([^"]*)"', page).group(1))
    assert "landuse_planned.geojson" not in srcdoc
