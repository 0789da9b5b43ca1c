"""Layers for map tests (a hostile copy of the zones, an enlarged zone, a tiny tile folder), and
what fonts a page open in Chromium is drawn in."""

from __future__ import annotations

import base64
import io
import math
import re
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from fontTools.ttLib import TTFont

from spatial.crs import gk_zone_crs
from spatial.io.layers import bundled_layer_path, read_layer

HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_EN = "`${alert(2)}` <script>alert(3)</script>"
HOSTILE_FIELD = '<img src=y onerror="window.__pwned=1">'
HOSTILE_VALUE = "</script><script>window.__pwned=2</script>"
HOSTILE_SOURCE = '" onmouseover="alert(4)'
HOSTILE_FILE = "<img src=x onerror=alert(5)>.geojson"
# A 1x1 transparent PNG, the smallest valid tile.
PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def hostile_zones() -> gpd.GeoDataFrame:
    """The bundled zones with hostile text in zone-kcxz's names, source and an extra field."""
    zones = read_layer(bundled_layer_path("zones"))
    first = zones["id"] == "zone-kcxz"
    zones.loc[first, "name_zh"] = HOSTILE_NAME
    zones.loc[first, "name_en"] = HOSTILE_EN
    zones.loc[first, "source"] = HOSTILE_SOURCE
    zones[HOSTILE_FIELD] = None
    zones.loc[first, HOSTILE_FIELD] = HOSTILE_VALUE
    return zones


def enlarged_zones(zone_id: str = "zone-szjj", factor: float = 1.10) -> gpd.GeoDataFrame:
    """The bundled zones with one zone scaled about its centroid to ``factor`` times its area."""
    zones = read_layer(bundled_layer_path("zones"))
    gk = gk_zone_crs(106.2)
    local = zones.to_crs(gk)
    pick = local["id"] == zone_id
    geom = local.loc[pick].geometry.iloc[0]
    scale = factor**0.5
    scaled = shapely.affinity.scale(geom, scale, scale, origin=geom.centroid)
    local.loc[pick, "geometry"] = scaled
    return local.to_crs(zones.crs)


def write_layer(gdf: gpd.GeoDataFrame, path: Path) -> Path:
    """Write a layer as GeoJSON (WGS84) and return the path."""
    gdf.to_crs(4326).to_file(path, driver="GeoJSON")
    return path


def _tile_xy(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    """Web Mercator tile column and row of a WGS84 point (the slippy-map scheme)."""
    n = 2**zoom
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)


def tile_folder(root: Path, zooms: range = range(4, 12)) -> Path:
    """Write a {z}/{x}/{y}.png tile folder around Bishan (104.5-108E, 28.5-31N) and return it."""
    folder = root / "tiles"
    for zoom in zooms:
        (x0, y0), (x1, y1) = _tile_xy(104.5, 31.0, zoom), _tile_xy(108.0, 28.5, zoom)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                tile = folder / str(zoom) / str(x) / f"{y}.png"
                tile.parent.mkdir(parents=True, exist_ok=True)
                tile.write_bytes(PNG_1PX)
    return folder


def grid_parcels(count: int, side_deg: float = 0.0006) -> gpd.GeoDataFrame:
    """``count`` square parcels (~60 m) on a grid centred on Bishan, WGS84."""
    per_row = math.ceil(math.sqrt(count))
    step = side_deg * 1.2
    rows, cols = divmod(np.arange(count), per_row)
    x0 = 106.22 + (cols - per_row / 2) * step
    y0 = 29.59 + (rows - per_row / 2) * step
    geoms = shapely.box(x0, y0, x0 + side_deg, y0 + side_deg)
    names = [f"地块 {i}" for i in range(count)]
    return gpd.GeoDataFrame({"name_zh": names}, geometry=geoms, crs=4326)


# ---------------------------------------------------------------- the fonts a page is drawn in

#: Elements whose text is never drawn.
_UNDRAWN = {"script", "style", "title", "head", "html"}
#: Every string of the page's data block (spatial.webmap.page): the text of tooltips and popups.
DATA_STRINGS_JS = """() => { const out = [];
    const walk = v => { if (typeof v === "string") { out.push(v); }
        else if (v && typeof v === "object") { Object.values(v).forEach(walk); } };
    const block = document.getElementById("spatial-data");
    if (block) { walk(JSON.parse(block.textContent)); }
    return out; }"""
#: The text of every element that is drawn (hidden ones too: a folded legend, a closed panel).
DOM_TEXT_JS = """() => Array.from(document.body.querySelectorAll("*"))
    .filter(e => !["SCRIPT", "STYLE", "TEMPLATE"].includes(e.tagName))
    .flatMap(e => Array.from(e.childNodes).filter(n => n.nodeType === 3).map(n => n.nodeValue))"""
_FONT_FACE_DATA = re.compile(r"url\(data:font/otf;base64,([A-Za-z0-9+/=]+)\)")


def _text_elements(node: dict) -> Iterator[dict]:
    """Elements (CDP DOM nodes) with a non-blank text child, in document order."""
    children = node.get("children", [])
    if node.get("localName") not in _UNDRAWN and any(
        c.get("nodeType") == 3 and c.get("nodeValue", "").strip() for c in children
    ):
        yield node
    for child in children:
        yield from _text_elements(child)


def _font_name(font: dict) -> str:
    return f"{font['familyName']} ({'embedded' if font['isCustomFont'] else 'system'})"


def rendered_fonts(page, selector: str | None = None) -> dict[str, str]:
    """Return ``{font: a text drawn in it}`` for every font Chromium draws the page's text in.

    Asked of Chromium itself (DevTools ``CSS.getPlatformFontsForNode``); a font is
    named ``"family (embedded)"`` for a web font of the page, ``"family (system)"``
    for one of the machine. Elements not displayed are drawn in no font. With
    ``selector``, only the text of the first element it matches.
    """
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]
    if selector is None:
        nodes = [(n["nodeId"], n["children"]) for n in _text_elements(root)]
    else:
        found = cdp.send("DOM.querySelector", {"nodeId": root["nodeId"], "selector": selector})
        nodes = [(found["nodeId"], [])]
    fonts: dict[str, str] = {}
    for node_id, children in nodes:
        text = "".join(c.get("nodeValue", "") for c in children if c.get("nodeType") == 3)
        for font in _platform_fonts(cdp, node_id):
            fonts.setdefault(_font_name(font), text.strip()[:40])
    cdp.detach()
    assert fonts, "no text element was left to ask about"
    return fonts


def _platform_fonts(cdp, node_id: int) -> list[dict]:
    """The fonts Chromium draws a node's text in; none for a node the page has since removed.

    The map keeps working while it is asked (labels hidden and shown, tooltips
    made and dropped), so a node of the snapshot may be gone: it draws nothing.
    """
    try:
        return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node_id})["fonts"]
    except Exception as exc:
        if "Could not find node" in str(exc):
            return []
        raise


def embedded_font_chars(html: str) -> set[str]:
    """Return the characters the page's embedded font (its ``@font-face`` data URI) has."""
    found = _FONT_FACE_DATA.findall(html)
    assert len(found) == 1, f"{len(found)} embedded fonts"
    font = TTFont(io.BytesIO(base64.b64decode(found[0])))
    return {chr(code) for code in font.getBestCmap()}


def shown_chars(page) -> set[str]:
    """Return every character the open page shows or can show (its text and its data block)."""
    texts = page.evaluate(DOM_TEXT_JS) + page.evaluate(DATA_STRINGS_JS)
    return {c for text in texts for c in text if c.isprintable() and not c.isspace()}
