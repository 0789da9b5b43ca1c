"""Interactive maps of the plan: Folium/Leaflet pages a planner can share, open offline, and trust.

``build_map`` returns a :class:`folium.Map` (shown inline in a notebook);
``render_map`` writes it as one self-contained HTML file. Layers are drawn in
WGS84 lon/lat; on AMap tiles they are shifted to GCJ-02 for display only.
"""

from spatial.webmap.basemap import BASEMAP_NAMES, BasemapError
from spatial.webmap.build import MapOptions, build_map, render_map
from spatial.webmap.layer import LayerOptions

__all__ = ["BASEMAP_NAMES", "BasemapError", "LayerOptions", "MapOptions", "build_map", "render_map"]
