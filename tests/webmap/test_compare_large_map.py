"""The compare map of a large diff (``spatial diff --map``): unchanged as tiles, changes above.

Two synthetic (示例数据) versions of 60,025 survey parcels (tests/webmap/compare_large_data.py:
ids ``BSM``, class ``YDYHFLDM``) with 21 known changes. From ``spatial map``'s threshold
(50,000 features, :data:`spatial.webmap.choices.TILES_FROM`), the page draws the unchanged
features as vector tiles (a valid PMTiles archive holding exactly them) and the changed
ones as GeoJSON, a colour a kind, counted in the legend, opening on them. The served
folder is opened in Chromium (requests to the server only, range requests for the
tiles); a small diff keeps its swipe page without tiles.
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from compare_large_data import EXPECTED, RECLASSIFIED, REMOVED, RENAMED, RESHAPED, grid_versions
from pyproj import Geod

from spatial.cli import main
from spatial.cli.serve import serve
from spatial.review.diff import diff_layers
from spatial.webmap.compare import render_compare_map
from spatial.webmap.tiles import MAX_ZOOM

N_SIDE = 245  # 60,025 parcels of 20 m, over the 50,000 of TILES_FROM
#: The colours the docs name for each kind of change (docs/maps.md), stroke and fill.
COLOURS = {
    "added": "#1a9850",
    "removed": "#d73027",
    "geometry_changed": "#c51b7d",
    "class_changed": "#7b3294",
    "attributes_changed": "#8c510a",
}
LEGEND = {
    "added": "新增",
    "removed": "删除",
    "geometry_changed": "图形变化",
    "class_changed": "地类变化",
    "attributes_changed": "属性变化",
}


@pytest.fixture(scope="module")
def versions() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    return grid_versions(N_SIDE)


@pytest.fixture(scope="module")
def written(
    versions: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The versions' files, the one-file compare map and the map folder."""
    folder = tmp_path_factory.mktemp("compare-large")
    old, new = versions
    old.to_parquet(folder / "old.parquet")
    new.to_parquet(folder / "new.parquet")
    for out in (str(folder / "cmp.html"), f"{folder / 'served'}/"):
        arguments = [str(folder / "old.parquet"), str(folder / "new.parquet"), "--no-checks"]
        fields = ["--id-field", "BSM", "--class-field", "YDYHFLDM"]
        table = ["--format", "csv", "--out", str(folder / "features.csv")]
        assert main(["diff", *arguments, *fields, *table, "--map", out]) == 0
    return folder


def _unchanged_ids(old: gpd.GeoDataFrame) -> list[str]:
    """The ids no change touched, from the data's own list of changes (not from the diff)."""
    touched = {*RECLASSIFIED, *RESHAPED, *REMOVED, *RENAMED}
    return sorted(old["BSM"][[i for i in range(len(old)) if i not in touched]])


def test_the_folder_holds_the_page_and_a_valid_archive_of_exactly_the_unchanged(
    written: Path, versions: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]
) -> None:
    served = written / "served"
    assert sorted(p.name for p in served.iterdir()) == ["index.html", "unchanged.pmtiles"]
    archive = served / "unchanged.pmtiles"
    assert archive.read_bytes()[:8] == b"PMTiles\x03"  # PMTiles v3
    tiles = pyogrio.read_dataframe(archive, ZOOM_LEVEL=MAX_ZOOM)  # GDAL reads it back
    assert sorted(tiles["id"].unique()) == _unchanged_ids(versions[0])
    assert len(tiles["id"].unique()) == N_SIDE * N_SIDE - 18  # 60,007 unchanged
    html = (served / "index.html").read_text(encoding="utf-8")
    assert '"source":{"url":"unchanged.pmtiles"}' in html
    assert 'type="application/octet-stream" id=' not in html  # nothing embedded
    assert "BSM" in html  # the click names the id by the planner's field


def test_one_file_embeds_the_tiles(written: Path) -> None:
    html = (written / "cmp.html").read_text(encoding="utf-8")
    found = re.search(r'<script type="application/octet-stream" id="[^"]+">([^<]+)</script>', html)
    assert found is not None
    assert base64.b64decode(found.group(1))[:7] == b"PMTiles"
    assert not (written / "unchanged.pmtiles").exists()
    # a 98 MB page of GeoJSON before; the changes' 21 features and the tiles now
    assert len(html.encode()) < 5_000_000


def test_the_page_states_crs_synthetic_and_counts(written: Path) -> None:
    html = (written / "cmp.html").read_text(encoding="utf-8")
    assert "EPSG:4544" in html and "示例数据" in html  # the versions mark themselves synthetic
    assert "旧版 Old: old.parquet; 新版 New: new.parquet" in html
    for kind, label in LEGEND.items():
        assert f"{label} {EXPECTED[kind]:,}" in html


def test_no_synthetic_warning_where_the_inputs_mark_none(
    versions: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame], tmp_path: Path
) -> None:
    old, new = (v.drop(columns=["synthetic", "note"]).head(400) for v in versions)
    diff = diff_layers(old, new, id_field="BSM", class_field="YDYHFLDM")
    page = render_compare_map(
        tmp_path / "cmp.html",
        *diff.versions,
        diff.pieces,
        features=diff.features,
        id_field="BSM",
        class_field="YDYHFLDM",
        tiles_from=100,
    )
    html = page.read_text(encoding="utf-8")
    assert "application/octet-stream" in html  # 400 features over a threshold of 100: tiles
    assert "示例数据" not in html and "synthetic" not in html
    assert "EPSG:4544" in html


def _small_large_page(old: gpd.GeoDataFrame, new: gpd.GeoDataFrame, path: Path, **kw) -> str:
    """The large page of a small diff (a threshold of 100 features), its text."""
    diff = diff_layers(old, new, id_field="BSM", class_field=kw.get("class_field"))
    return render_compare_map(
        path,
        *diff.versions,
        diff.pieces,
        features=diff.features,
        id_field="BSM",
        tiles_from=100,
        **kw,
    ).read_text(encoding="utf-8")


def test_every_feature_changed_draws_no_tiles(
    versions: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame], tmp_path: Path
) -> None:
    old = versions[0].head(400)
    new = old.assign(YDYHFLDM="1207")  # every parcel reclassified (no 1207 before): none unchanged
    html = _small_large_page(old, new, tmp_path / "cmp.html", class_field="YDYHFLDM")
    assert "SpatialTiles.layer(" not in html and "diff_changes" in html
    assert "地类变化 400" in html and "未变化要素 Unchanged" not in html


def test_without_a_class_field_the_popups_name_no_class(
    versions: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame], tmp_path: Path
) -> None:
    old, new = (v.head(400) for v in versions)
    html = _small_large_page(old, new, tmp_path / "cmp.html")
    assert "SpatialTiles.layer(" in html
    assert (
        "地类 YDYHFLDM" not in html and "地类变化 0" in html
    )  # a class change is only an attribute
    assert f"属性变化 {sum(i < 400 for i in (*RECLASSIFIED, *RENAMED))}" in html


def test_a_small_diff_keeps_its_swipe_page(
    versions: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame], tmp_path: Path, capsys
) -> None:
    old, new = (v.head(400) for v in versions)
    old.to_parquet(tmp_path / "old.parquet")
    new.to_parquet(tmp_path / "new.parquet")
    arguments = [str(tmp_path / "old.parquet"), str(tmp_path / "new.parquet"), "--no-checks"]
    status = main(["diff", *arguments, "--id-field", "BSM", "--map", f"{tmp_path / 'small'}/"])
    assert status == 0
    assert [p.name for p in (tmp_path / "small").iterdir()] == ["index.html"]
    html = (tmp_path / "small" / "index.html").read_text(encoding="utf-8")
    assert "版本对比（左：旧版，右：新版）" in html and "sideBySide" in html
    assert "SpatialTiles" not in html and "diff_changes" not in html
    assert "spatial serve" not in capsys.readouterr().err


def test_map_refuses_an_output_neither_page_nor_folder(tmp_path: Path, capsys) -> None:
    status = main(["diff", "a.parquet", "b.parquet", "--map", str(tmp_path / "cmp.png")])
    assert status == 2
    assert "--map writes an HTML page (.html) or a folder (DIR/)" in capsys.readouterr().err


@pytest.fixture
def served(written: Path) -> Iterator[str]:
    """The map folder served on loopback as ``spatial serve`` does (any free port)."""
    server = serve(written / "served", "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


#: Each drawn changed feature's colours, its bounds (lon/lat) and the map's view.
_CHANGES_JS = """() => {
    const layer = window.spatialLayers.diff_changes, map = layer._map;
    const drawn = layer.getLayers().map(l => [l.options.color, l.options.fillColor,
        l.options.dashArray || null]);
    const b = layer.getBounds(), v = map.getBounds();
    return {drawn: drawn, inView: v.contains(b), zoom: map.getZoom()};
}"""

#: The page point (CSS px) of a lon/lat, where the map draws it now.
_POINT_JS = """([lon, lat]) => {
    const map = Object.values(window).find(v => v instanceof L.Map);
    const point = map.latLngToContainerPoint([lat, lon]);
    const box = map.getContainer().getBoundingClientRect();
    return [box.left + point.x, box.top + point.y];
}"""


@pytest.mark.browser
def test_served_map_draws_the_changes_over_the_tiles(
    served: str, browser, versions: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    answers: list[tuple[str, int]] = []
    errors: list[str] = []
    page.on("response", lambda r: answers.append((r.url, r.status)))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    context.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith(served) else route.abort(),
    )
    page.goto(served + "index.html")
    page.wait_for_selector("html[data-map-ready]", state="attached", timeout=60_000)
    page.wait_for_selector("html[data-tiles-ready]", state="attached", timeout=60_000)
    assert errors == []
    assert all(url.startswith(served) for url, _ in answers)  # nothing but the folder's server
    ranges = [status for url, status in answers if url.endswith("unchanged.pmtiles")]
    assert ranges and set(ranges) == {206}  # the tiles read in pieces
    found = page.evaluate(_CHANGES_JS)
    assert found["inView"]  # the map opens on the changes
    expected = sorted(
        [COLOURS[k], COLOURS[k], "6 4" if k == "removed" else None]
        for k, n in EXPECTED.items()
        for _ in range(n)
    )
    assert sorted(found["drawn"], key=str) == sorted(expected, key=str)  # 21, by kind
    legend = page.evaluate("document.querySelector('.sp-legend').innerText")
    for kind, label in LEGEND.items():
        assert f"{label} {EXPECTED[kind]}" in legend
    # a reclassified parcel's popup: its BSM, old -> new class, old and new area
    old = versions[0]
    at = RECLASSIFIED[2]
    centre = old.geometry.iloc[[at]].centroid.to_crs(4326).iloc[0]
    page.evaluate(
        f"(() => {{ const m = Object.values(window).find(v => v instanceof L.Map);"
        f" m.setView([{centre.y}, {centre.x}], 19, {{animate: false}}); }})()"
    )
    page.mouse.click(*page.evaluate(_POINT_JS, [centre.x, centre.y]))
    page.wait_for_selector(".leaflet-popup-content", timeout=10_000)
    text = page.evaluate("document.querySelector('.leaflet-popup-content').innerText")
    before = old["YDYHFLDM"].iloc[at]
    after = versions[1].set_index("BSM")["YDYHFLDM"][old["BSM"].iloc[at]]
    assert f"编号 BSM\t{old['BSM'].iloc[at]}" in text
    assert f"地类 YDYHFLDM\t{before} → {after}" in text
    lonlat = old.geometry.iloc[[at]].to_crs(4326).iloc[0]
    area_m2 = abs(Geod(ellps="GRS80").geometry_area_perimeter(lonlat)[0])  # CGCS2000's ellipsoid
    assert f"旧面积 Old area\t{area_m2:,.1f} m²" in text  # unchanged outline: the same area
    assert f"新面积 New area\t{area_m2:,.1f} m²" in text
    assert "示例数据" in text
    assert "\n<hr" not in text and text.count("编号 BSM") == 1  # no unchanged tile under it
    # an unchanged parcel beside it: the tiles' popup, its id by the planner's field, its class
    page.evaluate("Object.values(window).find(v => v instanceof L.Map).closePopup()")
    page.wait_for_function("!document.querySelector('.leaflet-popup')")
    page.wait_for_function("!window.spatialLayers['diff_unchanged'].isLoading()")
    beside = old.geometry.iloc[[at + 1]].centroid.to_crs(4326).iloc[0]
    page.mouse.click(*page.evaluate(_POINT_JS, [beside.x, beside.y]))
    page.wait_for_selector(".leaflet-popup-content", timeout=10_000)
    text = page.evaluate("document.querySelector('.leaflet-popup-content').innerText")
    assert f"BSM: {old['BSM'].iloc[at + 1]}" in text.splitlines()
    assert text.splitlines()[0] == "未变化要素 Unchanged features (new.parquet)"
    assert f"YDYHFLDM: {old['YDYHFLDM'].iloc[at + 1]}" in text.splitlines()  # its class, as it is
    page.screenshot(path=str(Path("test-artifacts").resolve() / "compare-large-popup.png"))
    context.close()
