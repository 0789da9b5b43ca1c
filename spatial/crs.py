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

from pyproj import CRS

from spatial.errors import CRSError

__all__ = [
    "CGCS2000",
    "GK_EPSG_FIRST",
    "GK_EPSG_LAST",
    "WGS84",
    "gk_zone_crs",
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
    """
    if not math.isfinite(lon_deg) or not 73.5 <= lon_deg < 136.5:
        raise CRSError(
            f"longitude {float(lon_deg):.6f} is outside the CGCS2000 3-degree Gauss-Kruger zones "
            "(73.5°E to 136.5°E); is the layer in degrees, longitude first?"
        )
    central_meridian = 3 * round(lon_deg / 3)
    return GK_EPSG_FIRST + (central_meridian - _FIRST_CM_DEG) // 3


def gk_zone_crs(lon_deg: float) -> CRS:
    """Return the CGCS2000 3-degree Gauss–Krüger CRS (metres) for a longitude in degrees.

    Examples
    --------
    >>> gk_zone_crs(106.22).name
    'CGCS2000 / 3-degree Gauss-Kruger CM 105E'
    """
    return CRS.from_epsg(gk_zone_epsg(lon_deg))
