"""Base maps: OpenStreetMap, AMap (GCJ-02), Tianditu (天地图, needs a key), local tiles, none.

The list of base maps is data (``basemaps.json`` beside this module). AMap
tiles are drawn in GCJ-02, so a map on AMap shifts its overlays into GCJ-02
*for display only* (:func:`display_shift`); every analysis stays in
WGS84/CGCS2000. Tianditu's key is an explicit argument; the command line reads
it from the ``TIANDITU_KEY`` environment variable. Tile URLs (which carry the
key, or a local folder's path) and attributions reach the page through its data
block (:func:`~spatial.webmap.page.page_value`), never through a template.
"""

from __future__ import annotations

import os
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import folium
from folium.map import Layer
from folium.template import Template

from spatial.errors import SpatialError
from spatial.measure.gcj02 import Geoms, wgs84_to_gcj02_geometry
from spatial.publish.escape import escape_text
from spatial.webmap.choices import BASEMAP_NAMES, basemap_catalogue
from spatial.webmap.page import RawMacroElement, page_value

__all__ = [
    "BASEMAP_NAMES",
    "GCJ02_NOTE",
    "Basemap",
    "BasemapError",
    "GeometryShift",
    "TileLayer",
    "add_basemap",
    "display_shift",
    "resolve_basemap",
]

#: What the map says when its overlays were shifted to line up with AMap tiles.
GCJ02_NOTE = (
    "叠加图层已转换为GCJ-02以对齐高德底图 / overlays shifted to GCJ-02 to line up with AMap tiles"
)
_TILE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")


class BasemapError(SpatialError, ValueError):
    """A base map cannot be used as asked (unknown name, missing key, empty tile folder)."""


@dataclass(frozen=True)
class Basemap:
    """A resolved base map: tile URL template(s) ready for Leaflet, and the frame they are in."""

    name: str
    label: str
    tiles: str | None
    labels: str | None
    subdomains: str
    attribution: str
    max_zoom: int
    frame: str

    @property
    def coordinate_frame(self) -> str:
        """Frame of the coordinates a reader sees on this map (e.g. under the mouse)."""
        return "GCJ-02" if self.frame == "GCJ-02" else "WGS84"


def _local_tiles(tiles_dir: Path, relative_to: Path | None) -> str:
    """Return the ``{z}/{x}/{y}`` URL template of a local tile folder."""
    if not tiles_dir.is_dir():
        raise BasemapError(f"{tiles_dir}: tile folder not found")
    found = next((p for p in sorted(tiles_dir.glob("*/*/*")) if p.suffix in _TILE_SUFFIXES), None)
    if found is None:
        raise BasemapError(
            f"{tiles_dir}: no tiles laid out as {{z}}/{{x}}/{{y}}.png in this folder"
        )
    base = tiles_dir.resolve()
    if relative_to is not None:
        base = Path(os.path.relpath(base, relative_to.resolve()))
        return f"{base.as_posix()}/{{z}}/{{x}}/{{y}}{found.suffix}"
    return f"{base.as_uri()}/{{z}}/{{x}}/{{y}}{found.suffix}"


def _with_key(url: str | None, name: str, key: str | None, env: str | None) -> str | None:
    if url is None or "@KEY@" not in url:
        return url
    if not key:
        raise BasemapError(
            f"base map {name!r} needs a key: set the {env} environment variable "
            "(a 天地图 browser key from console.tianditu.gov.cn)"
        )
    return url.replace("@KEY@", urllib.parse.quote(key, safe=""))


def _local_entry(tiles_dir: Path) -> dict[str, str]:
    """Label and attribution of a tile folder given without a provider (``--tiles`` alone)."""
    name = escape_text(tiles_dir.name or str(tiles_dir))
    return {
        "label_zh": "本地瓦片",
        "label_en": f"local tiles ({name})",
        "attribution": f"本地瓦片 local tiles: {name} (source not stated)",
    }


def resolve_basemap(
    name: str,
    *,
    key: str | None = None,
    tiles_dir: str | os.PathLike[str] | None = None,
    html_dir: str | os.PathLike[str] | None = None,
) -> Basemap:
    """Return the base map ``name``, with its key filled in or its tiles taken from a folder.

    Parameters
    ----------
    name : str
        One of :data:`BASEMAP_NAMES`.
    key : str, optional
        The provider's key (Tianditu).
    tiles_dir : path-like, optional
        A local ``{z}/{x}/{y}`` tile folder that replaces the provider's servers
        (for offline maps); the provider still sets the frame and attribution.
    html_dir : path-like, optional
        Folder the map file will be written to; local tiles are then referenced
        relative to it, so map and tiles can be moved together.

    Raises
    ------
    BasemapError
        Unknown name, a missing key, or a tile folder without tiles.

    Examples
    --------
    >>> resolve_basemap("amap").frame
    'GCJ-02'
    >>> resolve_basemap("tianditu")
    Traceback (most recent call last):
    ...
    spatial.webmap.basemap.BasemapError: base map 'tianditu' needs a key: set the TIANDITU_KEY ...
    """
    entry = basemap_catalogue().get(name)
    if entry is None:
        raise BasemapError(f"unknown base map {name!r}; choose one of {', '.join(BASEMAP_NAMES)}")
    if tiles_dir is not None:
        tiles: str | None = _local_tiles(Path(tiles_dir), Path(html_dir) if html_dir else None)
        labels = None
        if entry["tiles"] is None:  # a tile folder and no provider: the folder is the base map
            entry = {**entry, **_local_entry(Path(tiles_dir))}
    else:
        tiles = _with_key(entry["tiles"], name, key, entry.get("key_env"))
        labels = _with_key(entry.get("labels"), name, key, entry.get("key_env"))
    return Basemap(
        name=name,
        label=f"{entry['label_zh']} {entry['label_en']}",
        tiles=tiles,
        labels=labels,
        subdomains=entry.get("subdomains", "abc"),
        attribution=entry["attribution"],
        max_zoom=int(entry["max_zoom"]),
        frame=entry["frame"],
    )


class GeometryShift(Protocol):
    """A display-only shift of lon/lat coordinates: one geometry, or an array of them."""

    def __call__(self, geometry: Geoms, /) -> Geoms:
        """Return ``geometry`` with its coordinates shifted."""
        ...


class TileLayer(Layer, RawMacroElement):
    """A Leaflet tile layer whose URL and options reach the page as data, not template text.

    ``label`` is the plain-text name the layer control shows.
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
    var {{ this.get_name() }} = L.tileLayer({{ this.url_ref }}, {{ this.options_ref }});
{% endmacro %}
"""
    )

    def __init__(self, url: str, options: dict[str, Any], label: str, *, overlay: bool) -> None:
        super().__init__(overlay=overlay, control=True, show=True)
        self._name = "SpatialTiles"
        self.url = url
        self.options = options
        self.label = label
        self.url_ref = self.options_ref = "null"

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # see RawMacroElement
        """Put the URL and options into the page's data block, then render the script."""
        self.url_ref = page_value(self, self.url, key=f"{self.get_name()}.url")
        self.options_ref = page_value(self, self.options, key=f"{self.get_name()}.options")
        super().render(**kwargs)  # type: ignore[no-untyped-call]  # folium's Layer.render is unannotated


def add_basemap(m: folium.Map, basemap: Basemap) -> None:
    """Add the base map's tile layer (and Tianditu's label layer) to ``m``; nothing for ``none``."""
    if basemap.tiles is None:
        return
    options = {
        "subdomains": basemap.subdomains,
        "maxZoom": basemap.max_zoom,
        "maxNativeZoom": basemap.max_zoom,
        "attribution": basemap.attribution,
    }
    TileLayer(basemap.tiles, options, basemap.label, overlay=False).add_to(m)
    if basemap.labels:
        TileLayer(basemap.labels, options, "天地图注记 Tianditu labels", overlay=True).add_to(m)


def display_shift(basemap: Basemap) -> GeometryShift | None:
    """Return the display-only geometry shift the base map needs (GCJ-02 for AMap), else None."""
    return wgs84_to_gcj02_geometry if basemap.frame == "GCJ-02" else None
