"""An independent, plain-Python implementation of the strip rule, for tests only.

Written from the formula, not from spatial.measure.strip: for each edge straight
in lon/lat, the integral of Q(φ) dλ by Gauss–Legendre quadrature (20 nodes per
edge, in math, one edge at a time), with Q in its closed form
Q(φ) = (b²/2)·[sin φ / (1 − e² sin² φ) + atanh(e sin φ) / e] on GRS80.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import shapely

A = 6378137.0
F = 1 / 298.257222101
E2 = F * (2 - F)
E = math.sqrt(E2)
B2 = A * A * (1 - E2)
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(20)


def q_closed(lat_rad: float) -> float:
    """Area per radian of longitude from the equator to latitude φ, m²."""
    s = math.sin(lat_rad)
    return B2 / 2 * (s / (1 - E2 * s * s) + math.atanh(E * s) / E)


def ring_area_m2(coords) -> float:
    """|∮ (Q − Q₀) dλ| along a closed ring of (lon, lat) degrees."""
    q0 = q_closed(math.radians(coords[0][1]))
    total = 0.0
    for (lon0, lat0), (lon1, lat1) in itertools.pairwise(coords):
        mean = 0.0
        for x, w in zip(_NODES, _WEIGHTS, strict=True):
            t = (x + 1) / 2
            mean += w / 2 * (q_closed(math.radians(lat0 + (lat1 - lat0) * t)) - q0)
        total += math.radians(lon1 - lon0) * mean
    return abs(total)


def area_m2(geom) -> float:
    """Area of a (Multi)Polygon in lon/lat degrees, holes subtracted."""
    if geom is None or geom.is_empty:
        return 0.0
    total = 0.0
    for poly in shapely.get_parts(geom):
        total += ring_area_m2(list(poly.exterior.coords))
        total -= sum(ring_area_m2(list(r.coords)) for r in poly.interiors)
    return total
