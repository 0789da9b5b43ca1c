"""Moving a layer into another layer's CRS without changing its edge model.

Every area of record treats an edge as a straight line in geodetic lon/lat
(:mod:`spatial.measure.strip`). A lon/lat layer moved into a projected CRS (a
Gauss–Krüger zone) therefore has its edges densified first, so that the chords
in the plane follow the lon/lat lines: cuts made there put their vertices where
the lon/lat model has the edge. A layer moved into lon/lat only has its
vertices converted (its model is already straight in lon/lat between them).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from spatial.crs import CGCS2000, WGS84

__all__ = ["DENSIFY_DEG", "move_into"]

#: Longest edge (degrees of lon/lat, about 10 m) of a layer moved into a projected CRS.
#: A lon/lat-straight edge then bends from its chords by under 1e-7 m (measured at
#: Bishan, 1.2° from the central meridian), so a cut moves a piece's area by under 1e-9.
DENSIFY_DEG = 1e-4


def move_into(gdf: gpd.GeoDataFrame, crs: CRS) -> gpd.GeoDataFrame:
    """Move a layer into ``crs`` keeping its edge model (straight in lon/lat)."""
    lonlat = gdf if gdf.crs.is_geographic else gdf.to_crs(WGS84)
    if crs.is_geographic:
        return lonlat.to_crs(crs) if not lonlat.crs.equals(crs) else lonlat
    dense = lonlat.set_geometry(shapely.segmentize(np.asarray(lonlat.geometry.array), DENSIFY_DEG))
    if (
        dense.crs.equals(WGS84)
        and crs.geodetic_crs is not None
        and crs.geodetic_crs.equals(CGCS2000)
    ):
        # WGS84 and CGCS2000 coordinates agree to centimetres (PROJ's own step between
        # them is a zero "ballpark" offset, found by a 0.3 s database search): skip it
        dense = dense.set_crs(CGCS2000, allow_override=True)
    return dense.to_crs(crs)
