"""Interactive maps of the plan: Folium/Leaflet pages a planner can share, open offline, and trust.

``build_map`` returns a :class:`folium.Map` (shown inline in a notebook);
``render_map`` writes it as one self-contained HTML file. Layers are drawn in
WGS84 lon/lat; on AMap tiles they are shifted to GCJ-02 for display only.

The names below load on first use (``spatial map --help`` names the base maps
from :mod:`spatial.webmap.choices` without loading folium).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spatial._lazy import lazy_exports

if TYPE_CHECKING:
    from spatial.webmap.basemap import BasemapError
    from spatial.webmap.build import MapOptions, build_map, render_map
    from spatial.webmap.choices import BASEMAP_NAMES
    from spatial.webmap.layer import LayerOptions

_EXPORTS = {
    "BASEMAP_NAMES": "spatial.webmap.choices",
    "BasemapError": "spatial.webmap.basemap",
    "LayerOptions": "spatial.webmap.layer",
    "MapOptions": "spatial.webmap.build",
    "build_map": "spatial.webmap.build",
    "render_map": "spatial.webmap.build",
}

__all__ = ["BASEMAP_NAMES", "BasemapError", "LayerOptions", "MapOptions", "build_map", "render_map"]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
