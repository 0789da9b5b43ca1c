"""A planner's large layer drawn as vector tiles (issue 22), and ``spatial serve``.

The layer is synthetic (示例数据): 3,025 square parcels over zone-cjrh in EPSG:4544,
each with a 用地用海 code, drawn as tiles by lowering the threshold
(``--tiles-from 1000``). The archive is read back with GDAL to check that every
parcel is in the tiles at the first and last zoom, exact at the last; the page is
opened in Chromium with the network blocked: drawn at the opening zoom in its
class's colour, and a click after zooming in shows the parcel's id and class.
"""

from __future__ import annotations

import base64
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from conftest import grid_parcels_gk

from spatial.cli import main
from spatial.cli.serve import serve
from spatial.publish.palette import category_colours
from spatial.webmap.tiles import MAX_ZOOM, MIN_ZOOM

CODES = ["070101", "0801", "1001"]
RESIDENTIAL = "YDYHFLDM = 070101 一类城镇住宅用地"  # 2023 用地用海分类, code 070101
HOSTILE_ID = "<img src=x onerror=alert(1)>"
HOSTILE_AT = 55 * 20 + 20  # a parcel inside the grid, away from the middle one
PARCELS_FROM = 12  # the zoom from which the parcels are in the tiles one by one


@pytest.fixture(scope="module")
def parcels() -> gpd.GeoDataFrame:
    """3,025 synthetic parcels (55 x 55, about 70 m squares), codes in turn; one hostile id."""
    gdf = grid_parcels_gk(55)
    gdf["YDYHFLDM"] = [CODES[i % 3] for i in range(len(gdf))]
    gdf.loc[HOSTILE_AT, "id"] = HOSTILE_ID
    return gdf


@pytest.fixture(scope="module")
def written(parcels: gpd.GeoDataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder holding the parcels file, the one-file map and the map folder."""
    folder = tmp_path_factory.mktemp("tiles")
    source = folder / "parcels.parquet"
    parcels.to_parquet(source)
    for out in (folder / "tiled.html", f"{folder / 'served'}/"):
        arguments = ["--layer", f"parcels={source}", "--style-field", "YDYHFLDM"]
        status = main(["map", "--offline", *arguments, "--tiles-from", "1000", "--out", str(out)])
        assert status == 0
    return folder


def _embedded_archive(page: Path) -> bytes:
    html = page.read_text(encoding="utf-8")
    found = re.search(r'<script type="application/octet-stream" id="[^"]+">([^<]+)</script>', html)
    assert found is not None
    return base64.b64decode(found.group(1))


def test_one_file_map_embeds_every_parcel_exact_at_the_last_zoom(
    written: Path, parcels: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    archive = tmp_path / "embedded.pmtiles"
    archive.write_bytes(_embedded_archive(written / "tiled.html"))
    assert archive.read_bytes()[:7] == b"PMTiles"
    assert "parcels=" not in (written / "tiled.html").read_text(encoding="utf-8")[-5000:]
    # about 125 m squares: about 144 m in Web Mercator at 29.6°N; four screen pixels of a
    # 512-px tile are 153 m at zoom 11 and 76 m at zoom 12: parcels one by one from zoom 12
    for zoom in range(PARCELS_FROM, MAX_ZOOM + 1):
        tiles = pyogrio.read_dataframe(archive, ZOOM_LEVEL=zoom)
        assert sorted(tiles["id"].unique()) == sorted(parcels["id"])  # every parcel, every zoom
    for zoom in range(MIN_ZOOM, PARCELS_FROM):  # below: merged by class, every parcel's centre
        tiles = pyogrio.read_dataframe(archive, ZOOM_LEVEL=zoom)
        assert tiles["id"].isna().all() and (tiles["merged"] == "1").all()
        assert len(tiles) <= 3 * 4  # three classes, a few tiles
        centres = parcels.geometry.centroid.to_crs(3857)
        assert tiles.geometry.union_all().buffer(1.0).covers(centres).all()
    pieces = pyogrio.read_dataframe(archive, ZOOM_LEVEL=MAX_ZOOM).to_crs(4544)
    truth = parcels.set_index("id").geometry
    counts = pieces["id"].value_counts()
    whole = pieces[pieces["id"].map(counts) == 1].set_index("id").geometry
    assert len(whole) > 0.8 * len(parcels)  # most parcels lie in one tile
    # 4096 units over a zoom-14 tile: about 0.52 m on the ground here; half a unit at most
    error_m = shapely.hausdorff_distance(whole.values, truth.loc[whole.index].values)
    assert error_m.max() < 0.5
    # a parcel cut by a tile's edge: its pieces (clipped where each tile ends) hold its area
    cut = pieces[pieces["id"].map(counts) > 1]
    area_m2 = cut.geometry.area.groupby(cut["id"]).sum()
    assert np.allclose(area_m2, truth.loc[area_m2.index].area, rtol=0.01)
    classes = pieces.drop_duplicates("id").set_index("id")["YDYHFLDM"]  # every piece its class
    assert classes.sort_index().to_dict() == parcels.set_index("id")["YDYHFLDM"].to_dict()
    assert pieces.groupby("id")["YDYHFLDM"].nunique().max() == 1


def test_map_folder_holds_the_page_and_its_archive(written: Path) -> None:
    served = written / "served"
    assert sorted(p.name for p in served.iterdir()) == ["index.html", "parcels.pmtiles"]
    html = (served / "index.html").read_text(encoding="utf-8")
    assert not re.search(r'<script type="application/octet-stream" id=', html)
    assert (served / "parcels.pmtiles").read_bytes()[:7] == b"PMTiles"


def _centre_lonlat(parcels: gpd.GeoDataFrame, parcel_id: str) -> tuple[float, float]:
    """A parcel's centroid in lon/lat (EPSG:4326), computed in its own frame."""
    centre = parcels.set_index("id").geometry[[parcel_id]].centroid.to_crs(4326).iloc[0]
    return centre.x, centre.y


_PIXEL_JS = """([lon, lat]) => {
    const map = Object.values(window).find(v => v instanceof L.Map);
    const point = map.latLngToContainerPoint([lat, lon]);
    const box = map.getContainer().getBoundingClientRect();
    const x = box.left + point.x, y = box.top + point.y;
    for (const canvas of document.querySelectorAll('.leaflet-pane canvas.leaflet-tile')) {
        const r = canvas.getBoundingClientRect();
        if (x < r.left || x >= r.right || y < r.top || y >= r.bottom) continue;
        const cx = Math.floor((x - r.left) * canvas.width / r.width);
        const cy = Math.floor((y - r.top) * canvas.height / r.height);
        return Array.from(canvas.getContext('2d').getImageData(cx, cy, 1, 1).data);
    }
    return null;
}"""


#: The page point (CSS px) of a lon/lat, where the map draws it now.
_POINT_JS = """([lon, lat]) => {
    const map = Object.values(window).find(v => v instanceof L.Map);
    const point = map.latLngToContainerPoint([lat, lon]);
    const box = map.getContainer().getBoundingClientRect();
    return [box.left + point.x, box.top + point.y];
}"""


def _rgb(hex_colour: str) -> list[int]:
    return [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]


@pytest.mark.browser
def test_tiled_map_draws_parcels_offline_and_a_click_shows_id_and_class(
    written: Path, parcels: gpd.GeoDataFrame, open_map
) -> None:
    page = written / "tiled.html"
    visit = open_map(page)
    visit.page.wait_for_selector("html[data-tiles-ready]", state="attached", timeout=60_000)
    assert visit.requests == [page.resolve().as_uri()]  # the page itself, nothing else
    assert visit.blocked == [] and visit.page_errors == [] and visit.console_errors == []
    middle = parcels["id"].iloc[55 * 27 + 27]  # a parcel in the middle of the grid
    code = parcels.set_index("id")["YDYHFLDM"][middle]
    colour = category_colours(parcels["YDYHFLDM"])[code]  # Set3, in order of first appearance
    lonlat = _centre_lonlat(parcels, middle)
    # at the opening zoom: the parcel's pixel in its class colour, at the fill's opacity 0.55
    pixel = visit.page.evaluate(_PIXEL_JS, list(lonlat))
    assert pixel is not None
    assert np.abs(np.array(pixel[:3]) - _rgb(colour)).max() <= 2
    assert abs(pixel[3] - 0.55 * 255) <= 2
    visit.screenshot("tiles-opening-zoom")
    # the tiles draw beneath every plan and verdict layer, which stay vector above them
    panes = visit.js(
        "Array.from(document.querySelectorAll('.leaflet-pane[class*=spatial-]'))"
        ".map(p => [p.className.match(/leaflet-(spatial-[\\w-]+)-pane/)[1], +p.style.zIndex])"
    )
    z_index = dict(panes)
    assert z_index["spatial-extra-0"] == min(z_index.values()) and len(z_index) > 5
    visit.js(
        f"(() => {{ const m = Object.values(window).find(v => v instanceof L.Map);"
        f" m.setView([{lonlat[1]}, {lonlat[0]}], 17, {{animate: false}}); }})()"
    )
    visit.page.wait_for_function("!window.spatialLayers['extra-0'].isLoading()")
    expected = RESIDENTIAL if code == "070101" else f"YDYHFLDM = {code}"
    # inside zone-cjrh: the zone's popup (the plan answers first), the parcel's fields under it
    visit.page.mouse.click(*visit.page.evaluate(_POINT_JS, list(lonlat)))
    visit.page.wait_for_selector(".leaflet-popup-content", timeout=10_000)
    text = visit.js("document.querySelector('.leaflet-popup-content').innerText")
    assert "zone-cjrh" in text and f"id: {middle}" in text and expected in text
    assert text.index("zone-cjrh") < text.index(f"id: {middle}")
    visit.screenshot("tiles-clicked-in-zone")
    # the parcels alone (the plan's layers unticked in the layer control): their popup
    visit.js(
        "(() => { const m = Object.values(window).find(v => v instanceof L.Map); m.closePopup();"
        " for (const [k, l] of Object.entries(window.spatialLayers))"
        " if (k !== 'extra-0') m.removeLayer(l); })()"
    )
    visit.page.wait_for_function("!document.querySelector('.leaflet-popup')")  # faded out
    visit.page.mouse.click(*visit.page.evaluate(_POINT_JS, list(lonlat)))  # panned: here now
    visit.page.wait_for_selector(".leaflet-popup-content", timeout=10_000)
    text = visit.js("document.querySelector('.leaflet-popup-content').innerText")
    assert text.splitlines() == ["地块 Parcels (parcels.parquet)", f"id: {middle}", expected]
    visit.screenshot("tiles-clicked")
    # a hostile id shows as typed and runs nothing
    hostile = _centre_lonlat(parcels, HOSTILE_ID)
    visit.js(
        f"(() => {{ const m = Object.values(window).find(v => v instanceof L.Map); m.closePopup();"
        f" m.setView([{hostile[1]}, {hostile[0]}], 17, {{animate: false}}); }})()"
    )
    visit.page.wait_for_function("!window.spatialLayers['extra-0'].isLoading()")
    visit.page.wait_for_function("!document.querySelector('.leaflet-popup')")
    visit.page.mouse.click(*visit.page.evaluate(_POINT_JS, list(hostile)))
    visit.page.wait_for_selector(".leaflet-popup-content", timeout=10_000)
    text = visit.js("document.querySelector('.leaflet-popup-content').innerText")
    assert f"id: {HOSTILE_ID}" in text.splitlines()
    assert visit.js("document.querySelectorAll('.leaflet-popup-content img').length") == 0
    assert visit.dialogs == [] and visit.page_errors == []


@pytest.mark.browser
def test_below_the_parcel_zoom_the_cells_are_drawn_in_class_colours_and_not_clicked(
    written: Path, parcels: gpd.GeoDataFrame, open_map
) -> None:
    visit = open_map(written / "tiled.html")
    visit.page.wait_for_selector("html[data-tiles-ready]", state="attached", timeout=60_000)
    middle = parcels["id"].iloc[55 * 27 + 27]
    lonlat = _centre_lonlat(parcels, middle)
    # display zoom 11 draws the tiles of zoom 10: the cells merged by class (PARCELS_FROM 12)
    visit.js(
        "(() => { const m = Object.values(window).find(v => v instanceof L.Map);"
        " for (const [k, l] of Object.entries(window.spatialLayers))"
        " if (k !== 'extra-0') m.removeLayer(l);"
        f" m.setView([{lonlat[1]}, {lonlat[0]}], 11, {{animate: false}}); }})()"
    )
    visit.page.wait_for_function("!window.spatialLayers['extra-0'].isLoading()")
    visit.page.wait_for_timeout(300)  # the tiles drawn after loading
    pixel = visit.page.evaluate(_PIXEL_JS, list(lonlat))
    colours = [_rgb(c) for c in category_colours(parcels["YDYHFLDM"]).values()]
    assert pixel is not None and abs(pixel[3] - 0.55 * 255) <= 2  # drawn, at the fill's opacity
    assert min(np.abs(np.array(pixel[:3]) - c).max() for c in colours) <= 2  # a class's colour
    visit.screenshot("tiles-merged-cells")
    visit.page.mouse.click(*visit.page.evaluate(_POINT_JS, list(lonlat)))
    visit.page.wait_for_timeout(500)
    assert visit.js("document.querySelectorAll('.leaflet-popup').length") == 0  # a cell: no parcel
    assert visit.page_errors == [] and visit.console_errors == []


@pytest.mark.parametrize("count", ["0", "-5", "lots"])
def test_map_refuses_a_tiling_threshold_that_is_no_count(
    count: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "map.html"
    try:
        status = main(["map", "--offline", "--tiles-from", count, "--out", str(out)])
    except SystemExit as exc:  # argparse's own refusal of a non-integer: exit 2 as well
        status = exc.code
    assert status == 2
    assert not out.exists()
    err = capsys.readouterr().err
    assert err.startswith("spatial map: ") and "--tiles-from" in err and err.count("\n") == 1


def test_a_large_layer_without_a_style_field_is_tiled_in_its_own_style(
    written: Path, tmp_path: Path
) -> None:
    out = tmp_path / "plain.html"
    source = written / "parcels.parquet"
    arguments = ["--layer", f"parcels={source}", "--tiles-from", "1000", "--out", str(out)]
    assert main(["map", "--offline", *arguments]) == 0
    archive = tmp_path / "plain.pmtiles"
    archive.write_bytes(_embedded_archive(out))
    tiles = pyogrio.read_dataframe(archive, ZOOM_LEVEL=MAX_ZOOM)
    # no class field to carry; `merged` marks the low zooms' class cells, listed archive-wide
    assert set(tiles.columns) == {"mvt_id", "s", "id", "merged", "geometry"}
    assert tiles["merged"].isna().all()
    assert set(tiles["s"]) == {"parcel"}  # the parcels style's one class
    assert tiles["id"].nunique() == 3025


@pytest.fixture
def served(written: Path) -> Iterator[str]:
    """The map folder served on loopback (any free port); its address."""
    server = serve(written / "served", "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_serve_answers_a_range_request_with_206(served: str, written: Path) -> None:
    archive = (written / "served" / "parcels.pmtiles").read_bytes()
    request = urllib.request.Request(served + "parcels.pmtiles", headers={"Range": "bytes=0-126"})
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 206
        assert answer.headers["Content-Range"] == f"bytes 0-126/{len(archive)}"
        assert answer.read() == archive[:127]  # the PMTiles header, 127 bytes
    request = urllib.request.Request(served + "parcels.pmtiles", headers={"Range": "bytes=-10"})
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 206 and answer.read() == archive[-10:]
    with urllib.request.urlopen(served + "index.html") as answer:
        assert answer.status == 200 and answer.headers["Accept-Ranges"] == "bytes"
    past = urllib.request.Request(
        served + "parcels.pmtiles", headers={"Range": f"bytes={len(archive)}-"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(past)
    assert refused.value.code == 416
    refused.value.close()


@pytest.mark.browser
def test_served_folder_draws_its_tiles_through_range_requests(served: str, browser) -> None:
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
    page.wait_for_selector("html[data-tiles-ready]", state="attached", timeout=60_000)
    context.close()
    assert errors == []
    assert all(url.startswith(served) for url, _ in answers)  # nothing but the folder's server
    ranges = [status for url, status in answers if url.endswith("parcels.pmtiles")]
    assert ranges and set(ranges) == {206}  # the archive read in pieces, never whole


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.org"])
def test_serve_refuses_to_listen_beyond_this_machine(
    host: str, written: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", str(written / "served"), "--host", host]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"spatial serve: --host {host}: spatial serve listens on this machine only "
        "(127.0.0.1 or ::1)\n"
    )


def test_serve_stops_on_ctrl_c_with_130_and_no_traceback(written: Path) -> None:
    command = [sys.executable, "-c", "from spatial.cli import console; console()"]
    server = subprocess.Popen(
        [*command, "serve", str(written / "served"), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    assert re.fullmatch(
        r"spatial serve: .* at http://127\.0\.0\.1:\d+/index\.html \(Ctrl-C stops\)\n", line
    )
    time.sleep(0.2)
    server.send_signal(signal.SIGINT)
    _, err = server.communicate(timeout=30)
    assert server.returncode == 130
    assert err == "spatial serve: interrupted\n"


def _status(url: str, **headers: str) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        refused.close()
        return int(refused.code)


def test_serve_answers_this_machine_and_its_folder_only(
    served: str, written: Path, tmp_path: Path
) -> None:
    """No listing, no other Host (a DNS-rebinding page's), no link out of the folder."""
    assert _status(served + "index.html") == 200
    assert _status(served + "index.html", Host="attacker.example") == 403
    assert _status(served) == 200  # the folder's page, index.html
    sub = written / "served" / "sub"
    sub.mkdir()
    try:
        assert _status(served + "sub/") == 404  # a folder without a page is not listed
    finally:
        sub.rmdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("not the map's", encoding="utf-8")
    link = written / "served" / "link.txt"
    link.symlink_to(secret)
    try:
        assert _status(served + "link.txt") == 404
        assert _status(served + "link.txt", Range="bytes=0-3") == 404
    finally:
        link.unlink()
