"""Independent answers the tests hold the toolkit's figures against, written once.

- :func:`geod_area_m2`: pyproj's ``Geod`` (GRS80, the CGCS2000 ellipsoid), which
  integrates the geodesic polygon itself (Karney 2013), on rings oriented first
  (outer rings counter-clockwise, holes clockwise: ``Geod`` signs each ring by
  its orientation, so a hole only subtracts when it runs the other way).
- :func:`quadrangle_area_m2`: the closed form of a lon/lat quadrangle's
  ellipsoidal area, for cells whose edges follow the parallels (see
  ``tiny_geoms.cell``).

Neither goes through ``spatial``'s own area code.
"""

from __future__ import annotations

import math

import shapely
from pyproj import Geod

__all__ = [
    "GEOD",
    "GRS80_A_M",
    "GRS80_F",
    "geod_area_km2",
    "geod_area_m2",
    "quadrangle_area_m2",
]

# GRS80 (the CGCS2000 ellipsoid), Moritz (1980), Geodetic Reference System 1980.
GRS80_A_M = 6_378_137.0
GRS80_F = 1 / 298.257222101
GEOD = Geod(ellps="GRS80")


def geod_area_m2(geom: shapely.Geometry) -> float:
    """Ellipsoidal area of a lon/lat (multi)polygon in m², holes subtracted, by pyproj.Geod."""
    oriented = shapely.orient_polygons(geom, exterior_cw=False)
    return GEOD.geometry_area_perimeter(oriented)[0]


def geod_area_km2(geom: shapely.Geometry) -> float:
    """:func:`geod_area_m2` in km²."""
    return geod_area_m2(geom) / 1e6


def _q(lat_deg: float, e: float) -> float:
    s = math.sin(math.radians(lat_deg))
    return s / (1 - e * e * s * s) + math.log((1 + e * s) / (1 - e * s)) / (2 * e)


def quadrangle_area_m2(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Closed-form area of the ellipsoidal quadrangle between two meridians and two parallels.

    A = (b² Δλ / 2) [q(φ2) − q(φ1)], with
    q(φ) = sinφ / (1 − e² sin²φ) + (1 / 2e) ln((1 + e sinφ) / (1 − e sinφ))
    (the q of the authalic latitude, Snyder 1987, Map Projections — A Working Manual).
    """
    e = math.sqrt(GRS80_F * (2 - GRS80_F))
    b = GRS80_A_M * (1 - GRS80_F)
    return b * b * math.radians(lon2 - lon1) / 2 * (_q(lat2, e) - _q(lat1, e))
