"""A land-use layer's WKB for the balance table: GEOS builds only what it must see.

``spatial balance --zones`` cuts only the parcels whose box meets a zone's
(:func:`spatial.review._fast.box_candidates`: about a quarter of a million of
a city's million), yet the validator's mirror must look at every feature, and
``shapely.from_wkb`` of every feature was a third of the command's time.
:func:`scan_wkb` settles, from the WKB's coordinates alone
(:func:`spatial.validate.convex.simple_convex`), every single-ring polygon that
is exactly convex and simple (valid, not empty, finite: nothing the
validator's geometry check reports; its box the one ``shapely.bounds`` gives),
and has GEOS build every other feature, as the full read does. The features
cut are built afterwards (:meth:`WkbGeometries.geometries`), from the same
WKB by the same ``shapely.from_wkb``: the same geometries, bit for bit.

:func:`clean_under_validator_wkb` then answers the review's question (would
the validator find anything, is every geometry polygonal?) as
:func:`spatial.validate.vectorised.clean_under_validator` answers it on the
layer decoded whole, from the same checks; where any check flags a feature,
it answers False and the caller decodes the layer and asks the usual way, so
a refusal and its words are those of the full read.

The scan loads neither pandas nor geopandas: a command may run it on a thread
while it loads them.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import shapely

from spatial.io.geoparquet import PolygonArrays, polygon_arrays
from spatial.measure.rings import RingLayout, concatenated_ranges
from spatial.validate.convex import ORIENT_ERROR_BOUND, simple_convex

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["WkbGeometries", "clean_under_validator_wkb", "rings_of", "scan_wkb"]

#: Features settled or built at a time by one thread (their vertices stay in the core's cache).
_SLICE = 65_536


@dataclass(frozen=True)
class _Slice:
    """One slice's boxes, the features GEOS built (positions in the slice) and whether all pass."""

    bounds: npt.NDArray[np.float64]
    built: npt.NDArray[np.intp]
    geoms: npt.NDArray[np.object_]
    plain: bool
    ccw: npt.NDArray[np.bool_]


def _storage(values: pa.Array) -> pa.Array:
    return values.storage if isinstance(values.type, pa.ExtensionType) else values


def _decode(values: pa.Array) -> npt.NDArray[np.object_]:
    """``shapely.from_wkb`` of WKB values, as ``read_arrow_frame`` decodes them.

    Raises ShapelyError for a value GEOS cannot read (null: None).
    """
    with np.errstate(invalid="ignore"):
        decoded: npt.NDArray[np.object_] = shapely.from_wkb(
            _storage(values).to_numpy(zero_copy_only=False)
        )
    return decoded


def _positions(rows: npt.NDArray[np.intp]) -> pa.Array:
    return pa.array(np.asarray(rows, dtype=np.int64))


def _plain(geoms: npt.NDArray[np.object_]) -> bool:
    """Whether every geometry is a (Multi)Polygon the validator's geometry check passes.

    The test of :func:`spatial.validate.vectorised.clean_under_validator` (its
    type test and geometry flags: invalid, empty, a collection, non-finite).
    """
    kind = shapely.get_type_id(geoms)
    if not np.isin(kind, (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)).all():
        return False
    with np.errstate(invalid="ignore"):
        flags = ~shapely.is_valid(geoms) | shapely.is_empty(geoms)
        flags |= ~np.isfinite(shapely.length(geoms))
    return not flags.any()


def _counter_clockwise(
    arrays: PolygonArrays, settled: npt.NDArray[np.bool_]
) -> npt.NDArray[np.bool_]:
    """Which settled features' one ring turns counter-clockwise (``orient_polygons`` keeps it).

    A settled ring turns strictly one way at every vertex, each turn decided
    exactly (the convex test's orient2d and its error bound): the turn at its
    first vertex, decided the same way, is the ring's, and the one GEOS's
    ``isCCW`` finds at its highest vertex.
    """
    ccw = np.zeros(len(settled), dtype=bool)
    rows = np.flatnonzero(settled)
    if not len(rows):
        return ccw
    ring = arrays.polygons[arrays.features[rows]]
    start, end = arrays.rings[ring], arrays.rings[ring + 1]
    x, y = arrays.x, arrays.y
    a, b, c = end - 2, start, start + 1  # the last distinct vertex, the first, the second
    acx, bcx, acy, bcy = x[a] - x[c], x[b] - x[c], y[a] - y[c], y[b] - y[c]
    left, right = acx * bcy, acy * bcx
    ccw[rows] = (left - right) > (np.abs(left) + np.abs(right)) * ORIENT_ERROR_BOUND
    return ccw


def _scan_slice(values: pa.Array) -> _Slice:
    """Settle the slice's convex single rings from their WKB; have GEOS build the rest."""
    storage = _storage(values)
    bounds = np.full((len(storage), 4), np.nan)
    settled = np.zeros(len(storage), dtype=bool)
    ccw = settled
    arrays = polygon_arrays(storage)  # None for a null, a point, a malformed value ...
    if arrays is not None:
        decided, decided_bounds = simple_convex(arrays)
        bounds[decided] = decided_bounds[decided]
        settled = decided
        ccw = _counter_clockwise(arrays, settled)
    built = np.flatnonzero(~settled)
    rest = storage if len(built) == len(storage) else storage.take(_positions(built))
    geoms = _decode(rest)
    bounds[built] = shapely.bounds(geoms)
    return _Slice(bounds, built, geoms, _plain(geoms), ccw)


def rings_of(arrays: PolygonArrays, at: npt.NDArray[np.intp]) -> RingLayout | None:
    """Return the rings of the features at ``at`` of ``arrays``, or None.

    Laid out as :func:`spatial.measure.rings.ring_layout` lays out the
    geometries ``shapely.from_wkb`` builds of them (geometry ``k`` being
    ``at[k]``, its parts in order, each shell before its holes): the same
    coordinates. None where a ring is empty (GEOS lays those out otherwise).
    """
    a = arrays
    polygon = _spans(a.features, at)
    polygon_geom = np.repeat(np.arange(len(at)), np.diff(a.features)[at])
    ring = _spans(a.polygons, polygon)
    ring_polygon = np.repeat(np.arange(len(polygon)), np.diff(a.polygons)[polygon])
    shell = ring == a.polygons[polygon][ring_polygon]
    size = np.diff(a.rings)[ring]
    if (size == 0).any():
        return None
    coords = _spans(a.rings, ring)
    return RingLayout(
        np.column_stack([a.x[coords], a.y[coords]]),
        size.astype(np.int64),
        polygon_geom[ring_polygon].astype(np.int64),
        np.where(shell, 1.0, -1.0),
    )


def _spans(offsets: npt.NDArray[np.int64], at: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Positions ``offsets[k]:offsets[k + 1]`` of every k in ``at``, one after another."""
    at = np.asarray(at)
    return concatenated_ranges(offsets[at], offsets[at + 1] - offsets[at])


@dataclass(frozen=True)
class WkbGeometries:
    """A layer's features as WKB, their boxes, and the ones GEOS has built.

    Attributes
    ----------
    wkb : pyarrow.ChunkedArray
        One WKB value a feature, in the layer's order and CRS.
    bounds : numpy.ndarray, shape (n, 4)
        ``minx, miny, maxx, maxy`` of each feature in the layer's CRS (those of
        ``shapely.bounds``).
    built : numpy.ndarray of intp
        Positions of the features built by GEOS (in order): those the convex test
        did not settle.
    geoms : numpy.ndarray of shapely geometries
        The features at ``built``.
    plain : bool
        Every feature is a (Multi)Polygon the validator's geometry check passes.
    ccw : numpy.ndarray of bool, shape (n,)
        The feature is settled (not built) and its one ring turns counter-clockwise:
        ``shapely.orient_polygons`` gives it back with the same coordinates.
    """

    wkb: pa.ChunkedArray
    bounds: npt.NDArray[np.float64]
    built: npt.NDArray[np.intp]
    geoms: npt.NDArray[np.object_]
    plain: bool
    ccw: npt.NDArray[np.bool_]

    def arrays(self, at: npt.NDArray[np.intp]) -> PolygonArrays | None:
        """Return the vertices of the features at ``at``, in that order, as their WKB holds them.

        None where a value is not well-formed (Multi)Polygon WKB
        (:func:`spatial.io.geoparquet.polygon_arrays`).
        """
        return polygon_arrays(self.wkb.take(_positions(at)).combine_chunks())

    def oriented(
        self, at: npt.NDArray[np.intp], arrays: PolygonArrays | None, threads: int = 1
    ) -> npt.NDArray[np.object_]:
        """Return ``shapely.orient_polygons`` of the features at ``at`` (ascending), bit for bit.

        ``arrays``: their vertices (:meth:`arrays` of ``at``). A settled feature
        (one ring, strictly convex) is built from its coordinates, reversed where
        it turns clockwise (what GEOS's reversal of a closed ring gives: the
        same first vertex), without decoding it and orienting the copy; the
        others are built (or kept) by GEOS and oriented by it. Slices on
        ``threads`` threads.
        """
        from spatial.measure.oriented import oriented_layout  # noqa: PLC0415 - not for the scan

        where = np.searchsorted(self.built, at)
        built = where < len(self.built)
        built[built] = self.built[where[built]] == at[built]
        settled = np.flatnonzero(~built)
        rings = None if arrays is None or not len(settled) else rings_of(arrays, settled)
        if rings is None or len(rings.ring_size) != len(settled):
            return np.asarray(shapely.orient_polygons(self.geometries(at, threads)), dtype=object)
        rings = oriented_layout(rings, ~self.ccw[at[settled]])
        ring_offsets = np.concatenate([[0], np.cumsum(rings.ring_size)])

        def build(first: int) -> npt.NDArray[np.object_]:
            stop = min(first + _SLICE, len(settled))
            lo, hi = ring_offsets[first], ring_offsets[stop]
            offsets = (ring_offsets[first : stop + 1] - lo, np.arange(stop - first + 1))
            return np.asarray(
                shapely.from_ragged_array(shapely.GeometryType.POLYGON, rings.xy[lo:hi], offsets),
                dtype=object,
            )

        out = np.empty(len(at), dtype=object)
        starts = range(0, len(settled), _SLICE)
        if threads <= 1 or len(starts) <= 1:
            out[settled] = np.concatenate([build(first) for first in starts])
        else:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                out[settled] = np.concatenate(list(pool.map(build, starts)))
        rest = np.flatnonzero(built)
        if len(rest):
            out[rest] = shapely.orient_polygons(self.geoms[where[rest]])
        return out

    def geometries(self, at: npt.NDArray[np.intp], threads: int = 1) -> npt.NDArray[np.object_]:
        """Return the features at positions ``at`` (ascending): built ones kept, others decoded.

        ``shapely.from_wkb`` of the same WKB, in slices on ``threads`` threads:
        each geometry the one the layer decoded whole holds, bit for bit.
        """
        out = np.empty(len(at), dtype=object)
        where = np.searchsorted(self.built, at)
        known = where < len(self.built)
        known[known] = self.built[where[known]] == at[known]
        out[known] = self.geoms[where[known]]
        missing = np.flatnonzero(~known)
        if not len(missing):
            return out
        values = self.wkb.take(_positions(at[missing])).combine_chunks()
        parts = [values.slice(k, _SLICE) for k in range(0, len(values), _SLICE)]
        if threads <= 1 or len(parts) <= 1:
            out[missing] = np.concatenate([_decode(part) for part in parts])
        else:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                out[missing] = np.concatenate(list(pool.map(_decode, parts)))
        return out

    def every(self) -> npt.NDArray[np.object_]:
        """Return every feature's geometry, as ``shapely.from_wkb`` of the whole layer gives it."""
        return self.geometries(np.arange(len(self.bounds)))


def scan_wkb(wkb: pa.ChunkedArray, threads: int = 1) -> WkbGeometries:
    """Settle what the WKB's coordinates settle, have GEOS build the rest, on ``threads`` threads.

    Parameters
    ----------
    wkb : pyarrow.ChunkedArray
        One WKB value a feature (a ``geoarrow.wkb`` extension or binary), any CRS.
    threads : int
        Threads (numpy and GEOS release the GIL); the answer does not depend on it.

    Returns
    -------
    WkbGeometries

    Raises
    ------
    shapely.errors.ShapelyError
        A value GEOS cannot read (as decoding the whole layer would raise): a
        settled value is well-formed polygon WKB, which GEOS reads.
    """
    slices = [
        chunk.slice(at, _SLICE) for chunk in wkb.chunks for at in range(0, len(chunk), _SLICE)
    ]
    if threads <= 1 or len(slices) <= 1:
        done = [_scan_slice(values) for values in slices]
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            done = list(pool.map(_scan_slice, slices))
    starts = np.cumsum([0, *(len(values) for values in slices)])
    built = [part.built + start for part, start in zip(done, starts, strict=False)]
    return WkbGeometries(
        wkb,
        np.concatenate([part.bounds for part in done]) if done else np.empty((0, 4)),
        np.concatenate(built) if built else np.empty(0, dtype=np.intp),
        np.concatenate([part.geoms for part in done]) if done else np.empty(0, dtype=object),
        all(part.plain for part in done),
        np.concatenate([part.ccw for part in done]) if done else np.zeros(0, dtype=bool),
    )


def clean_under_validator_wkb(frame: gpd.GeoDataFrame, layer: WkbGeometries) -> bool:
    """Whether the validator would find nothing in the layer and every geometry is polygonal.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        The layer's properties and CRS as read (its geometry column is not looked at).
    layer : WkbGeometries
        Its geometries (:func:`scan_wkb`).

    Returns
    -------
    bool
        True only where :func:`spatial.validate.vectorised.clean_under_validator`
        of the layer decoded whole says True with no check flagging any
        feature; False (not known) where any check flags one: the caller then
        asks that function of the layer decoded whole.
    """
    from spatial.validate.vectorised import (  # noqa: PLC0415 - geopandas: not for the scan
        _coordinate_flags,
        _no_duplicate_ids,
        _property_flags,
        _text_flags,
        _Unreadable,
    )

    if frame.crs is None or not len(frame) or not layer.plain:
        return False
    with ThreadPoolExecutor(max_workers=1) as pool:  # the ids on another core meanwhile
        no_repeats = pool.submit(_no_duplicate_ids, frame)
        flags = _coordinate_flags(frame, layer.bounds)
        try:
            flags |= _property_flags(frame, ())
            for name in frame.columns:
                if name != frame.geometry.name:
                    flags |= _text_flags(frame[name], str(name))
        except _Unreadable:
            return False
        return not flags.any() and no_repeats.result()
