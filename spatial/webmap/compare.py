"""The compare map of ``spatial diff --map``: two versions of a layer under a swipe, offline.

The old version is drawn on the left of a draggable divider, the new one on the
right (the npm package ``leaflet-side-by-side``, vendored with the other
Leaflet plugins in ``static/vendor/`` and listed in its ``MANIFEST.json`` with
its licence, version and sha256, and inlined like Leaflet itself); the 调入/调出
pieces lie on top, unclipped. No tiles: the page makes no network request.
Layers marked ``synthetic`` put a 示例数据 warning in the title panel.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np

from spatial.crs import WGS84
from spatial.io.atomic import write_text_atomic
from spatial.publish.escape import escape_text, script_json
from spatial.synthetic import SYNTHETIC_NOTE, is_synthetic
from spatial.webmap import controls
from spatial.webmap.assets import add_assets, plugin
from spatial.webmap.font import with_embedded_font
from spatial.webmap.layer import styled_layer
from spatial.webmap.legend import legend_html
from spatial.webmap.page import RawElement, page_of
from spatial.webmap.styles.versions import DIFF_NEW, DIFF_OLD, DIFF_PIECES

__all__ = ["SIDE_BY_SIDE", "build_compare_map", "render_compare_map", "side_by_side_js"]

#: The npm package of the swipe control, as static/vendor/MANIFEST.json names it.
SIDE_BY_SIDE = "leaflet-side-by-side"
TITLE_ZH = "版本对比（左：旧版，右：新版）"
TITLE_EN = "Compare versions (left: old, right: new); drag the divider"


@cache
def side_by_side_js() -> str:
    """Return the plugin's CommonJS source wrapped to run on the page's global ``L``."""
    swipe = plugin(SIDE_BY_SIDE)
    # The package starts with `var L = require('leaflet')`, which shadows the global L
    # inside the wrapper: hand require() the global before that line runs.
    shim = (
        "var module = {exports: {}}, leaflet = window.L;"
        " var require = function (n) { return n === 'leaflet' ? leaflet : {}; };"
    )
    return f"{swipe.banner}\n(function () {{ {shim}\n{swipe.js()}\n}})();"


@cache
def side_by_side_css() -> str:
    """Return the plugin's CSS, its range icon inlined as a ``data:`` URI."""
    return plugin(SIDE_BY_SIDE).css()


def _fit(m: folium.Map, layers: Sequence[gpd.GeoDataFrame]) -> None:
    """Fit the view to every layer; folium takes (lat, lon) corners."""
    bounds = np.array([g.to_crs(WGS84).total_bounds for g in layers if len(g)])
    west, south = bounds[:, 0].min(), bounds[:, 1].min()
    east, north = bounds[:, 2].max(), bounds[:, 3].max()
    m.fit_bounds([[south, west], [north, east]])


def _swipe(m: folium.Map, left: str, right: str) -> str:
    panes = script_json([f"spatial-{DIFF_OLD.name}", f"spatial-{DIFF_NEW.name}"])
    return (
        f"(function () {{ var map = {m.get_name()}, panes = {panes};"
        f" {left}.getContainer = function () {{ return map.getPane(panes[0]); }};"
        f" {right}.getContainer = function () {{ return map.getPane(panes[1]); }};"
        f" window.spatialSwipe = L.control.sideBySide({left}, {right}).addTo(map); }})();"
    )


def build_compare_map(
    old: gpd.GeoDataFrame,
    new: gpd.GeoDataFrame,
    pieces: gpd.GeoDataFrame,
    names: tuple[str, str] = ("old", "new"),
) -> folium.Map:
    """Build the compare map of two versions of a layer and their 调入/调出 pieces.

    Parameters
    ----------
    old, new : geopandas.GeoDataFrame
        The two versions (any explicit CRS; drawn in WGS84 lon/lat).
    pieces : geopandas.GeoDataFrame
        :attr:`spatial.review.diff.LayerDiff.pieces`.
    names : (str, str)
        The versions' file names, shown in the layer control (escaped here).
    """
    m = folium.Map(location=None, tiles=None, control_scale=False, zoom_snap=0.25)
    page_of(m).title = escape_text(f"{TITLE_ZH} {TITLE_EN}")
    add_assets(m)
    header = page_of(m).header
    # written as they are, never compiled as templates (see spatial.webmap.page)
    header.add_child(RawElement(f"<style>{side_by_side_css()}</style>"), name="sbs_css")
    header.add_child(RawElement(f"<script>{side_by_side_js()}</script>"), name="sbs_js")
    drawn = []
    for gdf, style, label in (
        (old, DIFF_OLD, f"{DIFF_OLD.title_zh} {DIFF_OLD.title_en} ({Path(names[0]).name})"),
        (new, DIFF_NEW, f"{DIFF_NEW.title_zh} {DIFF_NEW.title_en} ({Path(names[1]).name})"),
        (pieces, DIFF_PIECES, None),
    ):
        layer = styled_layer(gdf, style, name=label)
        layer.add_to(m)
        drawn.append((style, layer))
    _fit(m, [old, new])
    controls.add_layer_control(m)
    m.add_child(controls.MapScript(_swipe(m, drawn[0][1].get_name(), drawn[1][1].get_name())))
    notes = ["面积按CGCS2000椭球计算 Areas are ellipsoidal (CGCS2000)."]
    warning = SYNTHETIC_NOTE if is_synthetic(old, new, pieces) else None
    controls.add_title(m, TITLE_ZH, TITLE_EN, notes, warning)
    controls.add_legend(m, legend_html([(style, layer.classes) for style, layer in drawn]))
    controls.add_scale(m)
    controls.add_ready_flag(m)
    return m


def render_compare_map(
    path: str | os.PathLike[str],
    old: gpd.GeoDataFrame,
    new: gpd.GeoDataFrame,
    pieces: gpd.GeoDataFrame,
    names: tuple[str, str] = ("old", "new"),
) -> Path:
    """Build the compare map and write it as one HTML file at ``path`` (atomically).

    The page embeds its font (:func:`~spatial.webmap.font.with_embedded_font`).
    """
    html = build_compare_map(old, new, pieces, names).get_root().render()
    return write_text_atomic(path, with_embedded_font(html))
