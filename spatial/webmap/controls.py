"""Panels and tools on the map, each one small function adding one call to ``controls.js``.

Title and note (top left, above the zoom buttons), legend (bottom right), full screen and measure
(top left, under the zoom buttons), mouse coordinates and mini-map (bottom
left, above Leaflet's own scale bar), the layer control (top right). HTML handed
to a panel must already be escaped; every argument crosses into JavaScript
through the page's data block (:func:`~spatial.webmap.page.page_value`), never
as text in a template.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import folium
from folium.map import Layer
from folium.template import Template

from spatial.publish.escape import escape_text
from spatial.webmap.basemap import Basemap
from spatial.webmap.page import RawMacroElement, page_value

__all__ = [
    "MapScript",
    "add_fit_popups",
    "add_fullscreen",
    "add_keep_fitted",
    "add_layer_control",
    "add_layer_control_fold",
    "add_legend",
    "add_measure",
    "add_minimap",
    "add_mouse_position",
    "add_north",
    "add_offset",
    "add_ready_flag",
    "add_rules",
    "add_scale",
    "add_title",
]


class MapScript(RawMacroElement):
    """A line of our JavaScript, run in the map's script after the map and its layers exist.

    ``code`` must hold no outside text: values go in through :func:`page_value`.
    """

    _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, code: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca's MacroElement is unannotated
        self._name = "MapScript"
        self.code = code


def _call(m: folium.Map, function: str, *args: object) -> None:
    arguments = "".join(f", {page_value(m, a)}" for a in args)
    m.add_child(MapScript(f"SpatialControls.{function}({m.get_name()}{arguments});"))


def _layer_label(layer: Layer) -> str:
    return escape_text(getattr(layer, "label", layer.layer_name))


def add_layer_control(m: folium.Map) -> None:
    """Add the layer control (expanded, top right) listing every layer added to ``m`` so far.

    Layers name themselves with a plain-text ``label`` attribute (escaped here);
    base maps get radio buttons, overlays check boxes. Add it after the layers.
    """
    layers = [c for c in m._children.values() if isinstance(c, Layer) and c.control]
    base = [layer for layer in layers if not layer.overlay]
    overlays = [layer for layer in layers if layer.overlay]
    names = page_value(m, [[_layer_label(x) for x in group] for group in (base, overlays)])
    refs = [f"[{', '.join(x.get_name() for x in group)}]" for group in (base, overlays)]
    m.add_child(
        MapScript(f"SpatialControls.layers({m.get_name()}, {names}, {refs[0]}, {refs[1]});")
    )


def add_title(
    m: folium.Map,
    title_zh: str,
    title_en: str,
    notes: Sequence[str],
    warning: str | None = None,
) -> None:
    """Add the title, its notes and a highlighted warning (plain text, escaped here), top left."""
    classes = ["sp-note sp-indicative", *["sp-note"] * (len(notes) - 1)]  # first: what is 示意
    lines = "".join(
        f'<p class="{css}">{escape_text(n)}</p>' for css, n in zip(classes, notes, strict=False)
    )
    if warning:
        lines += f'<p class="sp-note sp-gcj">{escape_text(warning)}</p>'

    html = f"<h1>{escape_text(title_zh)}<br><span>{escape_text(title_en)}</span></h1>{lines}"
    _call(m, "panel", "topleft", html, "sp-title", True)


#: Title of the legend panel, on its show/hide button.
LEGEND_TITLE = "图例 Legend"
#: Map areas narrower or shorter than this (pixels) open with the legend collapsed
#: (a 1366×768 laptop leaves a map area of about 1366×650 under the browser bars).
LEGEND_COMPACT = {"width": 1100, "height": 640}


def add_legend(m: folium.Map, legend_html: str) -> None:
    """Add the legend (already escaped HTML) at the bottom right, with a show/hide button.

    It opens collapsed on a map smaller than :data:`LEGEND_COMPACT` and scrolls
    when taller than the window allows.
    """
    _call(m, "legend", LEGEND_TITLE, legend_html, LEGEND_COMPACT)


def add_fullscreen(m: folium.Map) -> None:
    """Add the full-screen button (browser Fullscreen API)."""
    _call(m, "fullscreen")


def add_scale(m: folium.Map) -> None:
    """Add a metric scale bar (bottom left)."""
    _call(m, "scale")


def add_measure(m: folium.Map) -> None:
    """Add the measure tool: path length and enclosed area, spherical approximation."""
    _call(m, "measure")


def add_mouse_position(m: folium.Map, frame: str) -> None:
    """Add the coordinates under the mouse, labelled with their frame (WGS84 or GCJ-02)."""
    _call(m, "mouse", frame)


def add_minimap(m: folium.Map, basemap: Basemap, outline_var: str | None) -> None:
    """Add the mini-map: the base map's tiles (if any), the district outline, the current view.

    ``outline_var`` is the JavaScript variable of the district layer, whose
    GeoJSON the mini-map redraws.
    """
    options = {"subdomains": basemap.subdomains, "maxZoom": basemap.max_zoom}
    outline = f"{outline_var}.toGeoJSON()" if outline_var else "null"
    spec = page_value(m, {"tiles": basemap.tiles, "tileOptions": options})
    m.add_child(MapScript(f"SpatialControls.minimap({m.get_name()}, {spec}, {outline});"))


def add_rules(m: folium.Map, data: dict[str, Any]) -> None:
    """Add the check's verdict under the title, its failed rows atop the legend (JSON, as text)."""
    _call(m, "rules", data)


def add_north(m: folium.Map) -> None:
    """Add a north arrow (top right; shown in print too)."""
    _call(m, "north")


def add_keep_fitted(m: folium.Map, bounds: list[list[float]]) -> None:
    """Fit ``bounds`` again whenever the map changes size, until the viewer moves the map.

    ``bounds`` are the opening view's ``[[south, west], [north, east]]`` (EPSG:4326
    degrees, lat/lon as folium takes them).
    """
    _call(m, "keepFitted", bounds)


def add_fit_popups(m: folium.Map) -> None:
    """Size popups to the map and keep them clear of the corner controls; add after the controls."""
    _call(m, "fitPopups")


def add_offset(m: folium.Map, layer: str, from_layer: str, min_px: int = 14) -> None:
    """Draw ``layer``'s points at least ``min_px`` screen pixels from ``from_layer``'s."""
    _call(m, "offsetFrom", layer, from_layer, min_px)


#: Maps narrower or shorter than this (pixels) open with the layer control folded.
LAYERS_COMPACT = {"width": 700, "height": 500}


def add_layer_control_fold(m: folium.Map) -> None:
    """Fold the layer control to its button on a narrow map (:data:`LAYERS_COMPACT`)."""
    _call(m, "layerControl", LAYERS_COMPACT)


def add_ready_flag(m: folium.Map) -> None:
    """Mark the page ready (``data-map-ready`` on ``<html>``) once the map is drawn; add last."""
    _call(m, "ready")
