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
from pyproj import CRS, Transformer

from spatial.crs import WGS84, gk_zone_crs_for

__all__ = ["LON_SLACK_DEG", "LonRange", "lon_range", "zone_is"]

#: Degrees added to each side of the lon/lat range the boxes' corners give (PROJ's rounding).
LON_SLACK_DEG = 1e-7


@dataclass(frozen=True)
class LonRange:
    """Bounds on the least and the greatest vertex longitude of some features, degrees.

    ``west`` is (low, high) for the least longitude, ``east`` for the greatest.
    """

    west: tuple[float, float]
    east: tuple[float, float]


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
    to_lonlat = Transformer.from_crs(crs, WGS84, always_xy=True)
    x0, y0 = bounds[:, 0].min(), bounds[:, 1].min()
    x1, y1 = bounds[:, 2].max(), bounds[:, 3].max()
    lon, _ = to_lonlat.transform(np.array([x0, x0, x1, x1]), np.array([y0, y1, y0, y1]))
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
