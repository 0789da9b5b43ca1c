"""Labels of a tiled layer on a machine without CJK fonts: drawn in the page's own Noto Sans SC.

protomaps-leaflet draws a tiled layer's labels (its style field's values) on the
tiles' canvases, in the fonts the page has loaded when it draws. The browser
fixture's Chromium sees DejaVu only (``clean_fontconfig`` in tests/conftest.py):
a label in a character the embedded subset lacks, or drawn before the font
loaded, comes out as boxes ("tofu"). The layer here is synthetic (示例数据): 48
parcels of 100 m over zone-cjrh in EPSG:4544, named by 30 land classes (地类名称
of the third national land survey, 《第三次全国国土调查工作分类》) so that six
classes share the style's "other" colour and appear in no legend line.

Every label on a tile is checked where it was drawn: the width the canvas gave
it is that of Noto Sans SC (its ideographs are one em wide, 12 px at the
labels' 12 px), not of DejaVu's boxes, and the page's font has its glyphs (the
subset's own .notdef box is one em wide too).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from conftest import ARTIFACTS
from map_fixtures import embedded_font_chars

from spatial.cli import main
from spatial.io.layers import bundled_layer_path, read_layer

pytestmark = pytest.mark.browser

#: 地类名称 of 《第三次全国国土调查工作分类》 (ideographs only, two to five).
CLASSES = [
    "水田", "水浇地", "旱地", "果园", "茶园", "橡胶园", "其他园地", "乔木林地", "竹林地",
    "红树林地", "森林沼泽", "灌木林地", "灌丛沼泽", "其他林地", "天然牧草地", "沼泽草地",
    "人工牧草地", "其他草地", "工业用地", "采矿用地", "农村宅基地", "广场用地", "特殊用地",
    "铁路用地", "公路用地", "河流水面", "湖泊水面", "水库水面", "坑塘水面", "沟渠",
]  # fmt: skip
COLUMNS, ROWS, SIDE_M = 8, 6, 100.0
LABEL_PX = 12  # tiles.js draws labels at 12 px
#: Every text drawn on a canvas is recorded on it with the width the canvas measured for it
#: then; a tile's record starts again where protomaps-leaflet clears the tile to draw it anew.
RECORD_LABELS_JS = """(() => {
    const P = CanvasRenderingContext2D.prototype;
    const clear = P.clearRect, fill = P.fillText;
    P.clearRect = function (x, y, w, h) {
        if (x === 0 && y === 0 && w >= 256 && h >= 256) this.canvas.spatialLabels = [];
        return clear.apply(this, arguments);
    };
    P.fillText = function (text) {
        (this.canvas.spatialLabels = this.canvas.spatialLabels || [])
            .push([String(text), this.measureText(String(text)).width]);
        return fill.apply(this, arguments);
    };
})();"""
DRAWN_LABELS_JS = """() => Array.from(document.querySelectorAll('canvas.leaflet-tile'))
    .filter(c => c.isConnected).flatMap(c => c.spatialLabels || [])"""


@pytest.fixture(scope="module")
def tiled_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple[float, float]]:
    """The one-file map of the synthetic parcels, and their centre (lon, lat)."""
    folder = tmp_path_factory.mktemp("tile-labels")
    zone = read_layer(bundled_layer_path("zones")).to_crs(4544).set_index("id")
    x0, y0 = zone.geometry["zone-cjrh"].centroid.coords[0]
    cells = [
        shapely.box(x0 + i * SIDE_M, y0 + j * SIDE_M, x0 + (i + 1) * SIDE_M, y0 + (j + 1) * SIDE_M)
        for j in range(ROWS)
        for i in range(COLUMNS)
    ]
    names = [CLASSES[k % len(CLASSES)] for k in range(len(cells))]
    ids = [f"p{k:02d}" for k in range(len(cells))]
    parcels = gpd.GeoDataFrame(
        {"id": ids, "DLMC": names, "note": "示例数据"}, geometry=cells, crs=4544
    )
    source = folder / "parcels.parquet"
    parcels.to_parquet(source)
    page = folder / "labels.html"
    arguments = ["--layer", f"parcels={source}", "--style-field", "DLMC", "--tiles-from", "10"]
    assert main(["map", "--offline", *arguments, "--out", str(page)]) == 0
    centre = gpd.GeoSeries([shapely.box(*parcels.total_bounds).centroid], crs=4544).to_crs(4326)
    return page, (centre.x.iloc[0], centre.y.iloc[0])


def test_tile_labels_are_drawn_in_the_embedded_font_on_a_machine_without_cjk_fonts(
    tiled_page: tuple[Path, tuple[float, float]], browser
) -> None:
    page_path, (lon, lat) = tiled_page
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(RECORD_LABELS_JS)
    context.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(("file:", "data:")) else route.abort()
        ),
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(page_path.resolve().as_uri())
    page.wait_for_selector("html[data-tiles-ready]", state="attached", timeout=60_000)
    page.evaluate(
        "([lon, lat]) => { const m = Object.values(window).find(v => v instanceof L.Map);"
        " for (const [k, l] of Object.entries(window.spatialLayers))"
        " if (k !== 'extra-0') m.removeLayer(l);"
        " m.setView([lat, lon], 17, {animate: false}); }",
        [lon, lat],
    )
    page.wait_for_function("!window.spatialLayers['extra-0'].isLoading()")
    page.wait_for_function("document.fonts.status === 'loaded'")
    page.wait_for_timeout(500)  # a redraw after the font, if any
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "tiles-labels-no-cjk-font.png"))
    drawn = [(text, width) for text, width in page.evaluate(DRAWN_LABELS_JS) if text in CLASSES]
    context.close()
    assert errors == []
    others = set(CLASSES[24:])  # beyond the style's 24 colours: in no legend line
    assert len({text for text, _ in drawn}) >= 20 and others & {text for text, _ in drawn}
    # Noto Sans SC's ideographs are one em wide; a fallback's boxes are not
    wrong = [(text, width) for text, width in drawn if abs(width - LABEL_PX * len(text)) > 0.5]
    assert wrong == [], wrong
    # and the font has every glyph drawn (its own .notdef box is one em wide too)
    drawn_chars = {c for text, _ in drawn for c in text}
    missing = drawn_chars - embedded_font_chars(page_path.read_text(encoding="utf-8"))
    assert missing == set(), sorted(missing)
