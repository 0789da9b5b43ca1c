"""Geodetic coordinates of vertices stored in any CRS, for the area of record.

The area of record (:mod:`spatial.measure.strip`) is computed from each
vertex's geodetic longitude and latitude on CGCS2000. Layers stored in
longitude/latitude (EPSG:4326, EPSG:4490) give them directly. Layers stored in
a projected CRS, a CGCS2000 Gauss–Krüger zone say (EPSG:4534–4554, 4513–4533,
4491–4512), have their vertices converted to EPSG:4490 by PROJ (for the
Gauss–Krüger zones: the inverse transverse Mercator, Poder/Engsager's exact
series, nanometre accuracy; no datum shift), in one vectorised call.

This is the land-survey rule for data in a Gauss–Krüger frame (国土调查办发
〔2008〕32号): the vertices' geodetic coordinates, strips between meridians.
Nothing is reprojected as geometry, no vertex is added or moved.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt
from pyproj import CRS, Transformer

__all__ = ["geodetic_lonlat", "is_lonlat"]

FloatArray = npt.NDArray[np.float64]


def is_lonlat(crs: CRS) -> bool:
    """Whether ``crs`` stores geodetic longitude/latitude degrees (EPSG:4326, EPSG:4490…).

    Examples
    --------
    >>> is_lonlat(CRS.from_epsg(4490)), is_lonlat(CRS.from_epsg(4544))
    (True, False)
    """
    return bool(crs.is_geographic)


@cache
def _to_cgcs2000(wkt: str) -> Transformer:
    return Transformer.from_crs(CRS.from_wkt(wkt), CRS.from_epsg(4490), always_xy=True)


def geodetic_lonlat(xy: FloatArray, crs: CRS) -> tuple[FloatArray, FloatArray]:
    """Return the geodetic longitude and latitude (degrees) of coordinates stored in ``crs``.

    Parameters
    ----------
    xy : numpy.ndarray, shape (n, 2)
        Coordinates in ``crs``, x = longitude or easting (the GIS order, as
        shapely and geopandas store them, whatever the CRS's axis order).
    crs : pyproj.CRS
        Their CRS.

    Examples
    --------
    >>> lon, lat = geodetic_lonlat(np.array([[620_000.0, 3_280_000.0]]), CRS.from_epsg(4544))
    >>> round(float(lon[0]), 6), round(float(lat[0]), 6)
    (106.239108, 29.632339)
    """
    x, y = np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])
    if is_lonlat(crs):
        return x, y
    lon, lat = _to_cgcs2000(crs.to_wkt()).transform(x, y)
    return np.asarray(lon), np.asarray(lat)
