"""A planner's many small parcels as vector tiles, readable at every zoom (a new planner's trial).

The layer is synthetic (示例数据): 8,100 square parcels of 20 m in EPSG:4544 near
Bishan, ids in ``BSM`` (no ``id`` column, no ``--id-field``) and eight 2023 用地用海
codes in turn, so every parcel's neighbours are of other classes, as in the planner's
trial. At the opening zoom the parcels are merged by class into 2-px cells: every
pixel of the layer is in a class's colour (no grey edge on the cells, no empty row of
cells); at zoom 16 (the 200 m scale) and 18 the codes are labelled only where a label
fits in its parcel and no two labels (with their white halo) overlap; a click shows the
parcel's BSM and class; ``--out DIR/`` names the archive after the layer and says how
to open the folder.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from spatial.cli import main
from spatial.landuse import load_classes
from spatial.publish.palette import category_colours

X0_M, Y0_M = 615_000.0, 3_276_000.0  # EPSG:4544, about 106.19°E 29.60°N
SIDE_M = 20.0
N_SIDE = 90
CODES = ["0101", "0103", "0701", "0702", "1001", "1207", "0301", "0601"]


@pytest.fixture(scope="module")
def survey(tmp_path_factory: pytest.TempPathFactory) -> gpd.GeoDataFrame:
    """8,100 synthetic 20 m parcels, BSM ids, eight codes in turn (each neighbour another class)."""
    i = np.arange(N_SIDE * N_SIDE)
    xs, ys = X0_M + (i % N_SIDE) * SIDE_M, Y0_M + (i // N_SIDE) * SIDE_M
    frame = {
        "BSM": [f"T{k:07d}" for k in i],
        "YDYHFLDM": [CODES[k % len(CODES)] for k in i],
        "note": "示例数据",
    }
    return gpd.GeoDataFrame(frame, geometry=shapely.box(xs, ys, xs + SIDE_M, ys + SIDE_M), crs=4544)


@pytest.fixture(scope="module")
def page(survey: gpd.GeoDataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one-file map of the parcels, tiled (``--tiles-from 1000``), coloured by YDYHFLDM."""
    folder = tmp_path_factory.mktemp("readable")
    source = folder / "parcels.parquet"
    survey.to_parquet(source)
    out = folder / "parcels.html"
    arguments = ["--layer", f"parcels={source}", "--style-field", "YDYHFLDM"]
    assert main(["map", "--offline", *arguments, "--tiles-from", "1000", "--out", str(out)]) == 0
    return out


def _lonlat(x_m: float, y_m: float) -> list[float]:
    point = gpd.GeoSeries([shapely.Point(x_m, y_m)], crs=4544).to_crs(4326).iloc[0]
    return [point.x, point.y]


_PARCELS_ALONE_AT = """([lon, lat, zoom]) => {
    const m = Object.values(window).find(v => v instanceof L.Map);
    m.closePopup();
    for (const [k, l] of Object.entries(window.spatialLayers))
        if (k !== 'extra-0') m.removeLayer(l);
    m.setView([lat, lon], zoom, {animate: false});
}"""

#: Pixels of the parcels' tiles inside a lon/lat box (inset by 3 px): their RGBA.
_PIXELS_JS = """([west, south, east, north]) => {
    const m = Object.values(window).find(v => v instanceof L.Map);
    const box = m.getContainer().getBoundingClientRect();
    const nw = m.latLngToContainerPoint([north, west]);
    const se = m.latLngToContainerPoint([south, east]);
    const left = box.left + nw.x + 3, right = box.left + se.x - 3;
    const top = box.top + nw.y + 3, bottom = box.top + se.y - 3;
    const found = [];
    for (const canvas of document.querySelectorAll('.leaflet-spatial-extra-0-pane canvas')) {
        const r = canvas.getBoundingClientRect();
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        for (let y = 0; y < canvas.height; y++) {
            const py = r.top + (y + 0.5) * r.height / canvas.height;
            if (py < top || py > bottom) continue;
            for (let x = 0; x < canvas.width; x++) {
                const px = r.left + (x + 0.5) * r.width / canvas.width;
                if (px < left || px > right) continue;
                const i = (y * canvas.width + x) * 4;
                found.push([data[i], data[i + 1], data[i + 2], data[i + 3]]);
            }
        }
    }
    return found;
}"""

#: Record each text a tile canvas draws (its box on the canvas and its halo), afresh at each
#: redraw of the canvas (protomaps-leaflet clears a tile before drawing it).
_RECORD_LABELS_JS = """() => {
    const proto = CanvasRenderingContext2D.prototype;
    const drawn = new WeakMap();
    window.spatialTestLabels = drawn;
    const clear = proto.clearRect;
    proto.clearRect = function (...args) {
        if (this.canvas.classList.contains('leaflet-tile')) drawn.set(this.canvas, []);
        return clear.apply(this, args);
    };
    const fill = proto.fillText;
    proto.fillText = function (text, x, y, ...rest) {
        if (this.canvas.classList.contains('leaflet-tile')) {
            const m = this.getTransform(), size = this.measureText(text);
            const a = m.transformPoint(new DOMPoint(x, y - size.actualBoundingBoxAscent));
            const b = m.transformPoint(
                new DOMPoint(x + size.width, y + size.actualBoundingBoxDescent));
            if (!drawn.has(this.canvas)) drawn.set(this.canvas, []);
            drawn.get(this.canvas).push({text: String(text), box: [a.x, a.y, b.x, b.y],
                halo: this.lineWidth / 2 * m.a});
        }
        return fill.call(this, text, x, y, ...rest);
    };
}"""

#: The labels drawn now on the parcels' tiles, in page px, once each, with their corners' lon/lat.
_LABELS_JS = """() => {
    const m = Object.values(window).find(v => v instanceof L.Map);
    const box = m.getContainer().getBoundingClientRect();
    const seen = new Map();
    for (const canvas of document.querySelectorAll('.leaflet-spatial-extra-0-pane canvas')) {
        const r = canvas.getBoundingClientRect(), scale = r.width / canvas.width;
        for (const d of window.spatialTestLabels.get(canvas) || []) {
            const x0 = r.left + d.box[0] * scale, y0 = r.top + d.box[1] * scale;
            const x1 = r.left + d.box[2] * scale, y1 = r.top + d.box[3] * scale;
            const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
            if (cx < box.left || cx > box.right || cy < box.top || cy > box.bottom) continue;
            const key = d.text + '@' + Math.round(x0) + ',' + Math.round(y0);
            const sw = m.containerPointToLatLng([x0 - box.left, y1 - box.top]);
            const ne = m.containerPointToLatLng([x1 - box.left, y0 - box.top]);
            seen.set(key, {text: d.text, box: [x0, y0, x1, y1], halo: d.halo * scale,
                lonlat: [sw.lng, sw.lat, ne.lng, ne.lat]});
        }
    }
    return Array.from(seen.values());
}"""


def _open_parcels_at(open_map, page: Path, zoom: int) -> object:
    visit = open_map(page, viewport={"width": 1280, "height": 800})
    visit.page.wait_for_selector("html[data-tiles-ready]", state="attached", timeout=60_000)
    middle = X0_M + SIDE_M * N_SIDE / 2 + SIDE_M / 2, Y0_M + SIDE_M * N_SIDE / 2 + SIDE_M / 2
    visit.page.evaluate(_PARCELS_ALONE_AT, [*_lonlat(*middle), zoom])
    visit.page.wait_for_function("!window.spatialLayers['extra-0'].isLoading()")
    visit.page.wait_for_timeout(500)  # the tiles drawn after loading
    return visit


@pytest.mark.browser
def test_at_the_opening_zoom_every_pixel_of_the_parcels_is_a_class_colour(
    page: Path, survey: gpd.GeoDataFrame, open_map
) -> None:
    # display zoom 14 draws zoom 13's tiles: 2-px cells merged by class (parcel zoom 14)
    visit = _open_parcels_at(open_map, page, 14)
    west, south, east, north = survey.to_crs(4326).total_bounds
    pixels = np.array(visit.page.evaluate(_PIXELS_JS, [west, south, east, north]))
    visit.screenshot("tiles-small-parcels-opening-zoom")
    assert len(pixels) > 40_000  # the grid: 1.8 km, about 215 px a side at zoom 14 (8.3 m a px)
    colours = np.array(
        [
            [int(c[i : i + 2], 16) for i in (1, 3, 5)]
            for c in category_colours(survey["YDYHFLDM"]).values()
        ]
    )
    # each pixel: the nearest class colour, at the fill's opacity 0.55 (canvas rounding: 3)
    distance = np.abs(pixels[:, None, :3] - colours[None, :, :]).max(axis=2).min(axis=1)
    in_a_class = (distance <= 3) & (np.abs(pixels[:, 3] - 0.55 * 255) <= 3)
    # before: 0.6 px grey edges on every cell and an empty row of cells every sixth
    assert in_a_class.mean() > 0.99
    assert (pixels[:, 3] < 100).mean() == 0  # no gap between cells
    shown = {
        tuple(c) for c in colours[np.argmin(np.abs(pixels[:, None, :3] - colours).max(axis=2), 1)]
    }
    assert len(shown) == len(CODES)  # every class shows
    assert visit.page_errors == [] and visit.console_errors == []


def _overlapping_pairs(labels: list[dict]) -> int:
    """Count pairs of labels whose boxes, grown by their white halo, overlap (page px)."""
    if len(labels) < 2:
        return 0
    boxes = np.array([label["box"] for label in labels])
    halo = np.array([label["halo"] for label in labels])[:, None]
    grown = boxes + np.hstack([-halo, -halo, halo, halo])
    apart = (
        (grown[:, None, 0] >= grown[None, :, 2])
        | (grown[None, :, 0] >= grown[:, None, 2])
        | (grown[:, None, 1] >= grown[None, :, 3])
        | (grown[None, :, 1] >= grown[:, None, 3])
    )
    return int((~apart)[np.triu_indices(len(labels), 1)].sum())


def _parcel_under(survey: gpd.GeoDataFrame, lonlat: list[float]) -> tuple[int, shapely.Polygon]:
    """The parcel (row, square) holding the middle of a label's lon/lat box."""
    corners = gpd.GeoSeries(
        [shapely.Point(lonlat[0], lonlat[1]), shapely.Point(lonlat[2], lonlat[3])], crs=4326
    ).to_crs(4544)
    x_m, y_m = (corners.x.mean(), corners.y.mean())
    col, row = int((x_m - X0_M) // SIDE_M), int((y_m - Y0_M) // SIDE_M)
    index = row * N_SIDE + col
    return index, survey.geometry.iloc[index]


@pytest.mark.browser
def test_labels_fit_in_their_parcel_and_never_overlap(
    page: Path, survey: gpd.GeoDataFrame, open_map
) -> None:
    visit = _open_parcels_at(open_map, page, 15)
    visit.page.evaluate(_RECORD_LABELS_JS)
    # zoom 16, the 200 m scale: 20 m parcels are 10 px, lower than a line of text
    visit.js("Object.values(window).find(v => v instanceof L.Map).setZoom(16, {animate: false})")
    visit.page.wait_for_function("!window.spatialLayers['extra-0'].isLoading()")
    visit.page.wait_for_timeout(800)
    at_16 = visit.page.evaluate(_LABELS_JS)
    visit.screenshot("tiles-small-parcels-zoom-16")
    assert _overlapping_pairs(at_16) == 0  # before: thousands of codes, halo on halo
    # zoom 18: 38 px parcels, each with its code inside it
    visit.js("Object.values(window).find(v => v instanceof L.Map).setZoom(18, {animate: false})")
    visit.page.wait_for_function("!window.spatialLayers['extra-0'].isLoading()")
    visit.page.wait_for_timeout(800)
    at_18 = visit.page.evaluate(_LABELS_JS)
    visit.screenshot("tiles-small-parcels-zoom-18")
    assert len(at_18) > 400  # 1280 x 800 px over 38 px parcels: about 700 in view
    assert _overlapping_pairs(at_18) == 0
    for label in at_18 + at_16:
        index, square = _parcel_under(survey, label["lonlat"])
        assert label["text"] == survey["YDYHFLDM"].iloc[index]
        west, south, east, north = label["lonlat"]
        box = gpd.GeoSeries([shapely.box(west, south, east, north)], crs=4326).to_crs(4544)
        assert square.buffer(0.5).covers(box.iloc[0])  # the label lies inside its parcel
    assert visit.page_errors == [] and visit.console_errors == []


_POINT_JS = """([lon, lat]) => {
    const map = Object.values(window).find(v => v instanceof L.Map);
    const point = map.latLngToContainerPoint([lat, lon]);
    const box = map.getContainer().getBoundingClientRect();
    return [box.left + point.x, box.top + point.y];
}"""


@pytest.mark.browser
def test_a_click_shows_the_parcels_bsm_and_its_class(
    page: Path, survey: gpd.GeoDataFrame, open_map
) -> None:
    visit = _open_parcels_at(open_map, page, 18)
    index = (N_SIDE // 2) * N_SIDE + N_SIDE // 2 + 3
    centre = survey.geometry.iloc[index].centroid
    visit.page.mouse.click(*visit.page.evaluate(_POINT_JS, _lonlat(centre.x, centre.y)))
    visit.page.wait_for_selector(".leaflet-popup-content", timeout=10_000)
    lines = visit.js("document.querySelector('.leaflet-popup-content').innerText").splitlines()
    code = survey["YDYHFLDM"].iloc[index]
    assert lines[1:] == [
        f"BSM: {survey['BSM'].iloc[index]}",  # no --id-field: the survey's 标识码, by its name
        f"YDYHFLDM = {code} {load_classes()[code].name_zh}",
    ]
    assert visit.page_errors == []


def test_a_map_folder_names_its_archive_after_the_layer_and_says_how_to_open_it(
    survey: gpd.GeoDataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "parcels.parquet"
    survey.to_parquet(source)
    folder = tmp_path / "big map"
    folder.mkdir()
    (folder / "extra-1.pmtiles").write_bytes(b"PMTiles: an earlier map's")
    arguments = ["--layer", f"parcels={source}", "--style-field", "YDYHFLDM"]
    status = main(["map", "--offline", *arguments, "--tiles-from", "1000", "--out", f"{folder}/"])
    assert status == 0
    assert sorted(p.name for p in folder.iterdir()) == [
        "extra-1.pmtiles",
        "index.html",
        "parcels.pmtiles",
    ]
    out = capsys.readouterr().out.splitlines()
    size_mb = (folder / "parcels.pmtiles").stat().st_size / 1e6
    assert out[0].startswith(f"wrote {folder / 'index.html'} (")
    assert out[1] == (
        f"wrote {folder / 'parcels.pmtiles'} ({size_mb:.2f} MB): the parcels layer's vector tiles"
    )
    assert out[2].startswith(f"spatial map: note: {folder / 'extra-1.pmtiles'} is not read")
    assert out[3] == (
        f"spatial map: open it with `spatial serve '{folder}'` (a browser reads no tiles from "
        "file://)"
    )
