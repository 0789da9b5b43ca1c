"""Coordinate reference systems used by the toolkit.

Layers are stored and exchanged in WGS84 longitude/latitude (EPSG:4326,
x = longitude, y = latitude, as RFC 7946 requires). Areas of record are
ellipsoidal on the CGCS2000 ellipsoid (GRS80 parameters); planar distances and
buffers are computed in metres in the CGCS2000 3-degree Gauss–Krüger zone that
contains the data (EPSG:4534–4554, central meridians 75°E–135°E). Web Mercator
is never used for a measurement.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from pyproj import CRS

from spatial.errors import CRSError, CRSMismatchWarning

__all__ = [
    "CGCS2000",
    "GK_EPSG_FIRST",
    "GK_EPSG_LAST",
    "WGS84",
    "align_crs",
    "crs_label",
    "gk_zone_crs",
    "gk_zone_crs_for",
    "gk_zone_epsg",
]

#: WGS84 geographic, longitude/latitude in degrees (the storage CRS of every layer).
WGS84 = CRS.from_epsg(4326)
#: CGCS2000 geographic (China Geodetic Coordinate System 2000), degrees.
CGCS2000 = CRS.from_epsg(4490)

#: EPSG code of "CGCS2000 / 3-degree Gauss-Kruger CM 75E".
GK_EPSG_FIRST = 4534
#: EPSG code of "CGCS2000 / 3-degree Gauss-Kruger CM 135E".
GK_EPSG_LAST = 4554
_FIRST_CM_DEG = 75


def gk_zone_epsg(lon_deg: float) -> int:
    """Return the EPSG code of the CGCS2000 3-degree Gauss–Krüger zone for a longitude.

    Parameters
    ----------
    lon_deg : float
        Longitude in degrees east (WGS84/CGCS2000), for example the centre of a layer.

    Returns
    -------
    int
        EPSG code in 4534–4554 (the "CM" variants, without zone prefix in the easting).

    Raises
    ------
    CRSError
        When the longitude is not a finite number or lies outside 73.5°E–136.5°E,
        the range these zones cover.

    Examples
    --------
    >>> gk_zone_epsg(106.22)  # Bishan: central meridian 105°E
    4544
    >>> gk_zone_epsg(116.4)   # Beijing: central meridian 117°E
    4548

    A longitude on a zone boundary belongs to the zone east of it, on every
    boundary alike (Python's ``round`` would send 103.5 west and 106.5 east):

    >>> gk_zone_epsg(103.5), gk_zone_epsg(106.5)  # central meridians 105°E, 108°E
    (4544, 4545)
    """
    if not math.isfinite(lon_deg) or not 73.5 <= lon_deg < 136.5:
        raise CRSError(
            f"longitude {float(lon_deg):.6f} is outside the CGCS2000 3-degree Gauss-Kruger zones "
            "(73.5°E to 136.5°E); is the layer in degrees, longitude first?"
        )
    central_meridian = 3 * math.floor(lon_deg / 3 + 0.5)
    return GK_EPSG_FIRST + (central_meridian - _FIRST_CM_DEG) // 3


def gk_zone_crs(lon_deg: float) -> CRS:
    """Return the CGCS2000 3-degree Gauss–Krüger CRS (metres) for a longitude in degrees.

    Examples
    --------
    >>> gk_zone_crs(106.22).name
    'CGCS2000 / 3-degree Gauss-Kruger CM 105E'
    """
    return CRS.from_epsg(gk_zone_epsg(lon_deg))


def _lonlat_bounds(source: Any) -> np.ndarray:
    """Bounds rows (min lon, min lat, max lon, max lat) of a layer or of given bounds."""
    if not hasattr(source, "total_bounds"):
        return np.asarray(source, dtype=float).reshape(-1, 4)
    if source.crs is None:
        raise CRSError("a layer carries no CRS: cannot choose a Gauss-Kruger zone for it")
    if len(source) == 0:
        return np.empty((0, 4))
    lonlat = source if source.crs.equals(WGS84) else source.to_crs(WGS84)
    return np.asarray(lonlat.total_bounds, dtype=float).reshape(-1, 4)


def gk_zone_crs_for(*sources: Any) -> CRS:
    """Return the Gauss–Krüger zone (CRS, metres) of the centre of several layers together.

    The zone is the one of the centre longitude of the union of the bounds
    (EPSG:4544, central meridian 105°E, for Bishan).

    Parameters
    ----------
    *sources : GeoDataFrame, GeoSeries or bounds
        Layers with a CRS (reprojected to EPSG:4326 first when in another one),
        or bounds ``(min lon, min lat, max lon, max lat)`` in degrees (EPSG:4326).
        Empty layers and bounds holding NaN (missing or empty geometries) are ignored.

    Raises
    ------
    CRSError
        A layer carries no CRS, or nothing is left to choose a zone from.

    Examples
    --------
    >>> gk_zone_crs_for((106.0, 29.3, 106.4, 29.8)).to_epsg()
    4544
    >>> gk_zone_crs_for([float("nan")] * 4)
    Traceback (most recent call last):
    ...
    spatial.errors.CRSError: no features to choose a Gauss-Kruger zone from
    """
    bounds = np.concatenate([np.empty((0, 4)), *(_lonlat_bounds(s) for s in sources)])
    bounds = bounds[np.isfinite(bounds).all(axis=1)]
    if not len(bounds):
        raise CRSError("no features to choose a Gauss-Kruger zone from")
    return gk_zone_crs((float(bounds[:, 0].min()) + float(bounds[:, 2].max())) / 2.0)


def crs_label(crs: CRS) -> str:
    """Name a CRS in a message: ``EPSG:code`` when it has one, else its name.

    Examples
    --------
    >>> crs_label(CRS.from_epsg(4544))
    'EPSG:4544'
    """
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


def _horizontal(crs: CRS) -> CRS:
    """Return the 2D part of a CRS: EPSG:4979 (WGS84 with heights, from Z) gives EPSG:4326."""
    try:
        return crs.to_2d()
    except Exception:  # a CRS pyproj cannot reduce is compared as it is
        return crs


def align_crs(layers: Sequence[tuple[Any, str]], purpose: str, stacklevel: int = 3) -> list[Any]:
    """Bring layers to EPSG:4326, warning once when they arrived in different CRSs.

    Parameters
    ----------
    layers : sequence of (GeoDataFrame, name)
        Layers, each with a CRS (callers refuse naive layers first), and how to
        name them in the warning.
    purpose : str
        What the layers are brought together for, ending the warning
        ("combined", "checked").
    stacklevel : int
        Passed to :func:`warnings.warn`.

    Warns
    -----
    CRSMismatchWarning
        Naming each layer's CRS, e.g. ``zones in EPSG:4544; district, towns in EPSG:4326``.
    """
    crss = [_horizontal(gdf.crs) for gdf, _ in layers]
    if any(not crs.equals(crss[0]) for crs in crss[1:]):
        by_crs: dict[str, list[str]] = {}
        for gdf, name in layers:
            by_crs.setdefault(crs_label(gdf.crs), []).append(name)
        described = "; ".join(f"{', '.join(names)} in {label}" for label, names in by_crs.items())
        warnings.warn(
            f"inputs are in different CRSs ({described}); all reprojected to EPSG:4326 "
            f"(lon/lat) to be {purpose}",
            CRSMismatchWarning,
            stacklevel=stacklevel + 1,
        )
    return [gdf if gdf.crs.equals(WGS84) else gdf.to_crs(WGS84) for gdf, _ in layers]
