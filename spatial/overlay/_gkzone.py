"""Whether a layer's Gauss–Krüger zone is a given CRS, told from its boxes (no reprojection).

``gk_zone_crs_for`` moves every feature to lon/lat; in a Gauss–Krüger CRS the
boxes' corners bound the features' least and greatest longitude, and that
often settles the zone (used by :mod:`spatial.overlay.scan_ops` and
:mod:`spatial.overlay._nearest`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Transformer

from spatial.crs import WGS84, gk_zone_crs_for, transformer

__all__ = ["LON_SLACK_DEG", "LonRange", "lon_range", "lonlat_bounds", "to_lonlat", "zone_is"]

#: Degrees added to each side of the lon/lat range the boxes' corners give (PROJ's rounding).
LON_SLACK_DEG = 1e-7


@dataclass(frozen=True)
class LonRange:
    """Bounds on the least and the greatest vertex longitude of some features, degrees.

    ``west`` is (low, high) for the least longitude, ``east`` for the greatest.
    """

    west: tuple[float, float]
    east: tuple[float, float]


def to_lonlat(crs: CRS) -> Transformer:
    """Return the transform from ``crs`` to lon/lat that ``to_crs(WGS84)`` applies (x, y order).

    For a CRS on CGCS2000 the transform to CGCS2000's own lon/lat: PROJ's step
    from CGCS2000 to WGS84 is a zero offset ("ballpark"), so the floats are the
    same, and the transformer is built in under a millisecond instead of the
    0.2-0.3 s PROJ takes to search its database for the step to WGS84.
    """
    return transformer(crs, WGS84)


def lonlat_bounds(geoms: npt.NDArray[np.object_], crs: CRS) -> npt.NDArray[np.float64]:
    """Return ``GeoSeries(geoms, crs).to_crs(WGS84).total_bounds`` as a row (NaN for none).

    The same floats (see :func:`to_lonlat`): every vertex moved, the least and
    greatest lon and lat.
    """
    xy = shapely.get_coordinates(geoms)
    if not len(xy):
        return np.full((1, 4), np.nan)
    lon, lat = to_lonlat(crs).transform(xy[:, 0], xy[:, 1])
    return np.array([[np.min(lon), np.min(lat), np.max(lon), np.max(lat)]])


def lon_range(bounds: npt.NDArray[np.float64], crs: CRS) -> LonRange:
    """Bound the least and greatest vertex longitude of features from their boxes (projected CRS).

    In a Gauss–Krüger zone a point's longitude grows with its easting and,
    along a line of one easting, moves monotonically with the northing, so
    over a box it is least and greatest at corners. Every vertex lies in the
    box of all the boxes (``X0, Y0, X1, Y1``): the least longitude is at least
    that of its least corner, and at most the greater of the longitudes at
    ``(X0, Y0)`` and ``(X0, Y1)`` (a vertex lies on the line ``x = X0``); the
    greatest alike, on the east side.
    """
    x0, y0 = bounds[:, 0].min(), bounds[:, 1].min()
    x1, y1 = bounds[:, 2].max(), bounds[:, 3].max()
    lon, _ = to_lonlat(crs).transform(np.array([x0, x0, x1, x1]), np.array([y0, y1, y0, y1]))
    sw, nw, se, ne = (float(v) for v in lon)
    return LonRange((min(sw, nw, se, ne), max(sw, nw)), (min(se, ne), max(sw, nw, se, ne)))


def zone_is(crs: CRS, ranges: Sequence[LonRange], lines_lonlat: npt.NDArray[np.float64]) -> bool:
    """Whether ``gk_zone_crs_for(A, B)`` is ``crs`` for every A the ranges allow.

    ``lines_lonlat`` is B's total bounds in EPSG:4326 (a row; NaN for none).
    """
    slack = LON_SLACK_DEG
    west = [min(r.west[k] for r in ranges) for k in (0, 1)]
    east = [max(r.east[k] for r in ranges) for k in (0, 1)]
    ends = (
        np.array([[west[0] - slack, 0.0, east[0] - slack, 0.0]]),
        np.array([[west[1] + slack, 0.0, east[1] + slack, 0.0]]),
    )
    return all(gk_zone_crs_for(end, lines_lonlat).equals(crs) for end in ends)
