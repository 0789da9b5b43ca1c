"""The area of record of geometries stored in any CRS: geodetic vertices, then strips.

One function, :func:`area_of_record_m2`, used for every area the toolkit
reports (checks, tabulation pieces, shares, coverage, differences, overlaps,
map popups). The edge model is stated in :mod:`spatial.measure.strip`: every
edge a straight line in geodetic longitude/latitude on the CGCS2000 (GRS80)
ellipsoid. Vertices stored in a projected CRS are first converted to geodetic
coordinates (:mod:`spatial.measure.frames`), which for a Gauss–Krüger layer is
the land-survey rule itself.

Vertices are converted on the process's CPUs; in layers of up to
:data:`DISTINCT_MAX_VERTICES` vertices each distinct vertex is converted once
(parcels of a coverage share their vertices about three ways), giving each
vertex the figures a conversion of every vertex gives it, bit for bit. The
strips are summed on threads in fixed blocks. The areas depend neither on the
number of threads nor on the path taken.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from pyproj import CRS

from spatial.cpus import usable_cpus
from spatial.measure.frames import (
    geodetic_lonlat_distinct,
    geodetic_lonlat_on_threads,
    is_lonlat,
)
from spatial.measure.rings import RingLayout, check_lonlat, polygonal_mask, ring_layout
from spatial.measure.strip import layout_area_m2

__all__ = ["DISTINCT_MAX_VERTICES", "area_of_record_m2", "layout_area_of_record_m2"]

#: Most vertices whose distinct pairs are found (by a hash) and converted once. Beyond, the
#: hash's tables leave the cache: at 7M vertices (1M parcels) finding them cost about what
#: converting the repeated ones did (0.3-0.5 s of 1 s, 2 cores under load 5-8), at 0.7M about
#: half of it; every vertex but each ring's closing one is converted instead.
DISTINCT_MAX_VERTICES = 1 << 21


def _default_threads() -> int:
    """Return the CPUs this process may run on from the main thread, one from a worker thread."""
    return usable_cpus() if threading.current_thread() is threading.main_thread() else 1


def area_of_record_m2(
    geoms: npt.ArrayLike,
    crs: CRS | None = None,
    what: str = "layer",
    threads: int | None = None,
    *,
    arrange: Callable[[RingLayout], RingLayout] | None = None,
) -> npt.NDArray[np.float64]:
    """Return the area of record (m², CGCS2000 ellipsoid) of each polygon.

    Parameters
    ----------
    geoms : array-like of shapely geometries
        (Multi)Polygons, missing or empty geometries (area 0).
    crs : pyproj.CRS, optional
        Their CRS; None means geodetic longitude/latitude degrees (EPSG:4326 or
        EPSG:4490), checked to be in range.
    what : str
        How to name the input in an error message.
    threads : int, optional
        Threads converting vertices and summing strips. When None: the CPUs
        this process may run on, called from the main thread; one, called from
        another (a caller's pool already uses the CPUs). The areas do not depend on it.
    arrange : callable, optional
        Applied to the rings as laid out, before they are measured: the rings
        reordered as :func:`~spatial.measure.oriented.oriented_area_of_record_m2`
        orients them, say (same rings, same vertices, same count).

    Raises
    ------
    LayerError
        A geometry is not polygonal.
    CRSError
        ``crs`` is None or geographic and a coordinate is outside lon/lat degrees.

    Examples
    --------
    The same square, stored in lon/lat and in EPSG:4544, has the same area of record:

    >>> import shapely
    >>> from pyproj import Transformer
    >>> sq = shapely.box(106.2, 29.6, 106.201, 29.601)
    >>> to_gk = Transformer.from_crs(4326, 4544, always_xy=True).transform
    >>> sq_gk = shapely.transform(sq, lambda xy: np.column_stack(to_gk(*xy.T)))
    >>> a, b = area_of_record_m2([sq])[0], area_of_record_m2([sq_gk], CRS.from_epsg(4544))[0]
    >>> round(float(a), 3), bool(abs(b / a - 1) < 1e-9)
    (10737.67, True)
    """
    geoms = np.asarray(geoms, dtype=object).ravel()
    threads = _default_threads() if threads is None else max(1, threads)
    polygonal_mask(geoms, what)
    rings = ring_layout(geoms, threads)
    if arrange is not None:
        rings = arrange(rings)
    return layout_area_of_record_m2(rings, len(geoms), crs, what, threads)


def layout_area_of_record_m2(
    rings: RingLayout, n: int, crs: CRS | None = None, what: str = "layer", threads: int = 1
) -> npt.NDArray[np.float64]:
    """Return the area of record (m²) of ``n`` polygons laid out as ``rings``.

    :func:`area_of_record_m2` once the rings are laid out (by
    :func:`~spatial.measure.rings.ring_layout`, or from a file's own
    coordinates in the same order): the same figures, bit for bit, for the
    same rings. ``crs``, ``what``, ``threads`` as there; geometries without a
    ring get 0.
    """
    if crs is None or is_lonlat(crs):
        if len(rings.xy):
            check_lonlat(rings.xy, rings.vertex_geom(), what)
        lon, lat = rings.xy[:, 0], rings.xy[:, 1]
    else:  # each ring's closing vertex takes its first vertex's figures
        starts = np.cumsum(rings.ring_size) - rings.ring_size
        last = starts + rings.ring_size - 1
        if len(rings.xy) <= DISTINCT_MAX_VERTICES:
            lon, lat = geodetic_lonlat_distinct(rings.xy, crs, threads)
        else:
            inner = np.ones(len(rings.xy), dtype=bool)
            inner[last] = False
            lon, lat = np.empty(len(rings.xy)), np.empty(len(rings.xy))
            lon[inner], lat[inner] = geodetic_lonlat_on_threads(rings.xy[inner], crs, threads)
        lon[last], lat[last] = lon[starts], lat[starts]
    return layout_area_m2(lon, lat, rings, n, threads)
