"""The area of record of plain polygon WKB, from its decoded vertices, without GEOS.

``overlay --op coverage`` measures every 图斑's own area, and cuts with GEOS
only the few whose box meets the buffer: building a shapely geometry of each
of the others (``shapely.from_wkb``) only to read its vertices back
(:func:`spatial.measure.rings.ring_layout`) took about a fifth of the command's
CPU. :func:`wkb_area_of_record_m2` lays the rings out from geoarrow's decoding
of the WKB (:func:`spatial.io.geoparquet.polygon_arrays`) exactly as
``ring_layout`` lays them out from the geometries — the single-ring Polygons
first, in order, then every ring of the others (MultiPolygons, Polygons with
holes: each part's shell, then its holes), the same coordinates, sizes, owners
and signs — and measures that layout
(:func:`spatial.measure.record.layout_area_of_record_m2`): the same areas, bit
for bit, as ``area_of_record_m2(shapely.from_wkb(wkb), crs)``.

Imports no geopandas or pandas: it runs on the scan's threads.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from pyproj import CRS

from spatial.io.geoparquet import PolygonArrays, polygon_arrays, wkb_type_codes
from spatial.measure.record import layout_area_of_record_m2
from spatial.measure.rings import RingLayout, concatenated_ranges

__all__ = ["wkb_area_of_record_m2", "wkb_ring_layout"]

#: The WKB type code of a MultiPolygon (plain WKB: 2-D, no SRID flag).
_MULTIPOLYGON = 6


def _multipolygons(wkb: pa.Array) -> npt.NDArray[np.bool_]:
    """Whether each WKB value is a MultiPolygon (its header's type, in its byte order).

    For WKB that :func:`~spatial.io.geoparquet.polygon_arrays` decoded: every
    value a 2-D Polygon or MultiPolygon (:func:`~spatial.io.geoparquet.wkb_type_codes`).
    """
    multi: npt.NDArray[np.bool_] = wkb_type_codes(wkb) == _MULTIPOLYGON
    return multi


def wkb_ring_layout(arrays: PolygonArrays, multi: npt.NDArray[np.bool_]) -> RingLayout:
    """Lay out the rings of decoded polygons as ``ring_layout`` does the geometries'.

    Parameters
    ----------
    arrays : PolygonArrays
        The features' vertices (:func:`~spatial.io.geoparquet.polygon_arrays`).
    multi : numpy.ndarray of bool
        Whether each feature is a MultiPolygon (else a Polygon).

    Returns
    -------
    RingLayout
        Equal, array for array, to ``ring_layout(shapely.from_wkb(wkb))``: a
        Polygon of one ring is plain (laid out first, in order); the rings of
        every other feature follow, in order, a part's first ring its shell.
    """
    first_ring = arrays.polygons[arrays.features]  # each feature's rings: first_ring[f]:[f + 1]
    ring_count = np.diff(first_ring)
    simple = ~multi & (ring_count == 1)
    simple_idx = np.flatnonzero(simple)
    other_idx = np.flatnonzero(~simple)
    other_rings = concatenated_ranges(first_ring[other_idx], ring_count[other_idx])
    rings = np.concatenate([first_ring[simple_idx], other_rings])
    shell = np.zeros(len(arrays.rings), dtype=bool)
    shell[arrays.polygons[:-1][np.diff(arrays.polygons) > 0]] = True
    ring_size = arrays.rings[rings + 1] - arrays.rings[rings]
    vertices = concatenated_ranges(arrays.rings[rings], ring_size)
    xy = np.empty((len(vertices), 2))
    xy[:, 0] = arrays.x[vertices]
    xy[:, 1] = arrays.y[vertices]
    ring_geom = np.concatenate([simple_idx, np.repeat(other_idx, ring_count[other_idx])]).astype(
        np.int64
    )
    ring_sign = np.concatenate([np.ones(len(simple_idx)), np.where(shell[other_rings], 1.0, -1.0)])
    return RingLayout(xy, ring_size.astype(np.int64), ring_geom, ring_sign)


def wkb_area_of_record_m2(
    wkb: pa.Array, crs: CRS | None, threads: int | None = None
) -> npt.NDArray[np.float64] | None:
    """Return ``area_of_record_m2(shapely.from_wkb(wkb), crs)``, bit for bit, without GEOS.

    Parameters
    ----------
    wkb : pyarrow.Array
        WKB values (binary, large binary or geoarrow.wkb), of a unit the scan
        found plain (:func:`~spatial.io.geoparquet.polygon_bounds`).
    crs : pyproj.CRS or None
        Their CRS, as for :func:`~spatial.measure.record.area_of_record_m2`.
    threads : int, optional
        As for :func:`~spatial.measure.record.area_of_record_m2`.

    Returns
    -------
    numpy.ndarray of float64 or None
        Each feature's area of record (m², CGCS2000 ellipsoid); None when the
        WKB is not plain polygons (the caller decodes it with GEOS then).
    """
    arrays = polygon_arrays(wkb)
    if arrays is None:
        return None
    rings = wkb_ring_layout(arrays, _multipolygons(wkb))
    return layout_area_of_record_m2(rings, len(wkb), crs, threads=threads)
