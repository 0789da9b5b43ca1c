"""The area of record of polygons as if their rings were oriented, without orienting them.

The review orients every ring (``shapely.orient_polygons``: shells
counter-clockwise, holes clockwise) before it measures, so that an area is
summed over the vertices in one order whatever order a file stored them in.
Building the oriented copy of a million parcels costs a GEOS geometry each;
measuring needs only their coordinates. :func:`oriented_area_of_record_m2`
is :func:`~spatial.measure.record.area_of_record_m2` itself (its checks, its
refusals, its conversion of vertices), told to reverse in its layout each ring
``orient_polygons`` would reverse before it sums the strips: the areas of the
oriented geometries, bit for bit. ``ellipsoidal_area_m2(..., oriented=True)``
measures them as :func:`~spatial.measure.area.ellipsoidal_area_m2` measures the
oriented geometries (lines and points 0, a layer without CRS refused).

Which rings GEOS reverses: a shell that is not counter-clockwise and a hole
that is (``Orientation::isCCW``, for a simple ring the sign of its area). The
sign is taken from the ring's shoelace sum, each vertex taken relative to the
ring's first, and trusted only beyond a bound on its rounding error; a ring
too close to call is asked of GEOS itself (``shapely.is_ccw`` of the same
coordinates). Meant for valid polygons (the validator's clean features): for a
ring that crosses itself the answer may differ from GEOS's.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS

from spatial.measure.record import area_of_record_m2
from spatial.measure.rings import RingLayout

__all__ = ["oriented_area_of_record_m2", "oriented_layout", "oriented_rings", "rings_to_reverse"]

#: Rounding of one shoelace term or sum, relative: machine epsilon (2**-53) with room to spare.
_EPS = 2.0**-52


def rings_to_reverse(rings: RingLayout) -> npt.NDArray[np.bool_]:
    """Which rings of ``rings`` ``shapely.orient_polygons`` reverses (shells CCW, holes CW).

    Parameters
    ----------
    rings : RingLayout
        Closed rings (any CRS: planar coordinates of any unit); ``ring_sign``
        +1 for a shell, -1 for a hole.

    Returns
    -------
    numpy.ndarray of bool
        One per ring: a shell turning clockwise, or a hole counter-clockwise.

    Examples
    --------
    >>> from spatial.measure.rings import ring_layout
    >>> cw = shapely.Polygon([(0, 0), (0, 1), (1, 1), (1, 0)])
    >>> rings_to_reverse(ring_layout(np.array([cw, shapely.box(0, 0, 1, 1)]))).tolist()
    [True, False]
    """
    size = rings.ring_size
    if not len(size):
        return np.zeros(0, dtype=bool)
    start = np.cumsum(size) - size
    first = np.repeat(start, size)
    x = rings.xy[:, 0] - rings.xy[first, 0]  # relative to each ring's first vertex
    y = rings.xy[:, 1] - rings.xy[first, 1]
    a, b = x[:-1] * y[1:], x[1:] * y[:-1]
    terms = np.append(a - b, 0.0)
    scale = np.append(np.abs(a) + np.abs(b), 0.0)
    last = start + size - 1
    terms[last], scale[last] = 0.0, 0.0  # a ring's last vertex does not pair with the next ring
    twice_area = np.add.reduceat(terms, start)
    bound = np.add.reduceat(scale, start) * (4.0 * (size + 4) * _EPS)
    ccw = twice_area > 0
    unsure = np.flatnonzero(~(np.abs(twice_area) > bound))  # NaN too
    if len(unsure):
        ccw[unsure] = _ccw_by_geos(rings, start, unsure)
    shell = rings.ring_sign > 0
    flip: npt.NDArray[np.bool_] = ccw != shell
    return flip


def _ccw_by_geos(
    rings: RingLayout, start: npt.NDArray[np.int64], which: npt.NDArray[np.intp]
) -> npt.NDArray[np.bool_]:
    """``shapely.is_ccw`` of the rings ``which``, built from their own coordinates."""
    size = rings.ring_size[which]
    at = np.repeat(start[which] - np.cumsum(size) + size, size) + np.arange(int(size.sum()))
    owner = np.repeat(np.arange(len(which)), size)
    lines = shapely.linestrings(rings.xy[at], indices=owner)  # is_ccw reads the sequence as is
    ccw: npt.NDArray[np.bool_] = np.asarray(shapely.is_ccw(lines), dtype=bool)
    return ccw


def oriented_layout(rings: RingLayout, flip: npt.NDArray[np.bool_]) -> RingLayout:
    """Return ``rings`` with the coordinates of each ring ``flip`` in reverse order.

    A closed ring reversed starts and ends at the same vertex: what GEOS's
    reversal of its coordinate sequence gives.
    """
    if not flip.any():
        return rings
    size = rings.ring_size
    start = np.cumsum(size) - size
    turned = np.repeat(flip, size)
    place = np.arange(len(rings.xy))
    ring_start, ring_end = np.repeat(start, size), np.repeat(start + size - 1, size)
    source = np.where(turned, ring_start + ring_end - place, place)
    return RingLayout(rings.xy[source], size, rings.ring_geom, rings.ring_sign)


def oriented_area_of_record_m2(
    geoms: npt.ArrayLike,
    crs: CRS | None = None,
    what: str = "layer",
    threads: int | None = None,
) -> npt.NDArray[np.float64]:
    """Return ``area_of_record_m2(shapely.orient_polygons(geoms), crs)``, bit for bit (m²).

    Parameters
    ----------
    geoms : array-like of shapely geometries
        Valid (Multi)Polygons, missing or empty geometries (area 0), rings
        turning either way.
    crs : pyproj.CRS, optional
        Their CRS; None means geodetic longitude/latitude degrees.
    what : str
        How to name the input in an error message.
    threads : int, optional
        As for :func:`~spatial.measure.record.area_of_record_m2`; the areas do not depend on it.

    Returns
    -------
    numpy.ndarray of float
        The area of record of each geometry with its rings oriented, m²
        (CGCS2000 ellipsoid), no oriented geometry built.

    Raises
    ------
    LayerError
        A geometry is not polygonal.
    CRSError
        ``crs`` is None or geographic and a coordinate is outside lon/lat degrees.

    Examples
    --------
    >>> from spatial.measure.record import area_of_record_m2
    >>> cw = shapely.Polygon([(106.2, 29.6), (106.2, 29.61), (106.21, 29.61), (106.21, 29.6)])
    >>> a = oriented_area_of_record_m2([cw])
    >>> bool(a[0] == area_of_record_m2(shapely.orient_polygons([cw]))[0])
    True
    """
    return area_of_record_m2(geoms, crs, what, threads, arrange=oriented_rings)


def oriented_rings(rings: RingLayout) -> RingLayout:
    """Return ``rings`` with each ring ``shapely.orient_polygons`` would reverse reversed."""
    return oriented_layout(rings, rings_to_reverse(rings))
