"""Tiny geometries near Bishan whose areas and overlaps are known by hand.

Cells are lon/lat quadrangles bounded by meridians and parallels. Their edges are
densified (one vertex every 0.0005°, about 50 m) so that the geodesic edges
pyproj measures follow the parallels; their ellipsoidal area is then the closed
form of :func:`oracles.quadrangle_area_m2`.
"""

from __future__ import annotations

import geopandas as gpd
import shapely
from oracles import quadrangle_area_m2
from shapely.geometry import box

__all__ = [
    "DENSIFY_DEG",
    "GRS80_R2_M",
    "LAT0",
    "LON0",
    "cell",
    "layer",
    "quadrangle_area_m2",  # from oracles, where it is defined
    "square",
    "square_area_m2",
]

#: Radius of the sphere with the same surface as GRS80 (Moritz 1980: R2 = 6 371 007.1810 m).
GRS80_R2_M = 6_371_007.1810

DENSIFY_DEG = 0.0005
LON0, LAT0 = 106.20, 29.60  # inside 璧山区


def cell(lon1: float, lat1: float, lon2: float, lat2: float) -> shapely.Polygon:
    """A lon/lat quadrangle with parallel-following (densified) edges."""
    return shapely.segmentize(box(lon1, lat1, lon2, lat2), DENSIFY_DEG)


def layer(ids: list[str], geoms: list, crs: str | int | None = "EPSG:4326") -> gpd.GeoDataFrame:
    """A GeoDataFrame with an ``id`` column."""
    return gpd.GeoDataFrame({"id": ids}, geometry=geoms, crs=crs)


def square(i: int, j: int, size_deg: float = 0.01) -> shapely.Polygon:
    """Grid square (i, j) of ``size_deg`` degrees, south-west corner at (LON0, LAT0)."""
    lon, lat = LON0 + i * size_deg, LAT0 + j * size_deg
    return cell(lon, lat, lon + size_deg, lat + size_deg)


def square_area_m2(
    i: float, j: float, size_deg: float = 0.01, di: float = 1.0, dj: float = 1.0
) -> float:
    """Closed-form area of the part [i, i+di] x [j, j+dj] of the grid, in grid units."""
    lon, lat = LON0 + i * size_deg, LAT0 + j * size_deg
    return quadrangle_area_m2(lon, lat, lon + di * size_deg, lat + dj * size_deg)
