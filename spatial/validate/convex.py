"""Features GEOS need not see: single-ring polygons that are exactly convex and simple.

``spatial validate`` spends most of its time building a GEOS geometry of each
feature (``shapely.from_wkb``) and asking ``shapely.is_valid``. A polygon of
one ring whose vertices are finite and turn the same way at every vertex, by
a sign that floating point cannot have got wrong, and whose direction goes
round exactly once, is convex and simple: valid, not empty, finite, nothing
the validator's geometry check reports. :func:`simple_convex` finds those
features from the flat coordinate arrays of their WKB
(:func:`spatial.io.geoparquet.polygon_arrays`), with numpy, and gives their
bounding boxes (the same numbers as ``shapely.bounds``); every other feature
(holes, several parts, a concave, collinear or repeated vertex, an open or
short ring, a NaN or infinite number) is left to GEOS and the validator.

The turn at each vertex is Shewchuk's ``orient2d`` in floating point, trusted
only beyond its error bound (J. R. Shewchuk, "Adaptive Precision
Floating-Point Arithmetic and Fast Robust Geometric Predicates", Discrete &
Computational Geometry 18, 1997: ``ccwerrboundA = (3 + 16 eps) eps``, here
:data:`ORIENT_ERROR_BOUND`, three times that): a turn too close to call sends
the feature to GEOS. With every turn strictly one way (each between 0 and
180°), the ring's direction turns through 360° times its winding number; it
crosses the +x direction once per turn, counted exactly from the signs of the
edges' coordinate differences (a floating-point difference has the sign of
the exact one). A winding number of one with every turn one way is a convex,
simple ring.

Real survey parcels are often concave (a bend of a road, an L-shaped field):
those go to GEOS as before; boxes, triangles and the like do not.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt
import shapely

from spatial.io.geoparquet import PolygonArrays

__all__ = ["ORIENT_ERROR_BOUND", "settled_geometries", "simple_convex"]

#: Relative error bound trusted for the sign of a floating-point orient2d: three times
#: Shewchuk's ``ccwerrboundA = (3 + 16 eps) eps`` (eps = 2**-53), about 3.3e-16.
ORIENT_ERROR_BOUND = 1e-15
#: Fewest points of a closed ring around an area (a triangle and its closing vertex).
_MIN_RING_POINTS = 4
#: Bits of each count in the one running sum of :func:`_convex_rings` (3 counts in an int64).
_FIELD_BITS = 21
#: Rings of this many points or more are left to GEOS (their counts would not fit the bits).
_MAX_RING_POINTS = 1 << _FIELD_BITS
#: Features tested at a time: their vertices' arrays (about 60,000 points of parcels, 0.5 MB
#: each) stay in the core's cache through the test's thirty-odd passes, and freed memory is
#: reused instead of faulted in afresh. A million parcels in batches of 100,000, one core:
#: 0.25 s of CPU in parts of 8,192 features, 0.58 s a whole batch at once (the same answers).
_PART_FEATURES = 8192
#: Geometries laid out as flat coordinates at a time by :func:`settled_geometries`.
_GEOMETRY_SLICE = 65_536
#: Of the first slice, the share :func:`settled_geometries` must settle to go on: below it
#: (a concave survey, say) the rest is left to GEOS, which then costs little more than before.
_WORTH_IT = 0.5


def _single_rings(arrays: PolygonArrays) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
    """Which features are one polygon of one ring, and that ring's index (0 elsewhere)."""
    single = np.diff(arrays.features) == 1
    rows = np.flatnonzero(single)
    polygon = arrays.features[rows]  # the feature's one polygon
    one_ring = np.diff(arrays.polygons)[polygon] == 1
    single[rows[~one_ring]] = False
    ring = np.zeros(len(single), dtype=np.int64)
    ring[rows] = arrays.polygons[polygon]
    return single, ring


def _shifted(values: npt.NDArray[np.float64], by: int) -> npt.NDArray[np.float64]:
    """``values`` moved ``by`` places later (earlier if negative), the vacated end NaN."""
    out = np.empty_like(values)
    if by > 0:
        out[by:], out[:by] = values[:-by], np.nan
    else:
        out[:by], out[by:] = values[-by:], np.nan
    return out


def _convex_rings(arrays: PolygonArrays) -> npt.NDArray[np.bool_]:
    """Which rings are closed, finite, strictly convex and wind once (see the module).

    A NaN or infinite number (or an overflowing product) makes a turn's sign or
    its bound not finite, so the turn is not strict and its ring is left out.
    """
    x, y, offsets = arrays.x, arrays.y, arrays.rings
    start, end = offsets[:-1], offsets[1:]
    points = end - start
    candidate = (points >= _MIN_RING_POINTS) & (points < _MAX_RING_POINTS)
    if not len(x) or not candidate.any():
        return candidate
    first, last = start[candidate], end[candidate] - 1
    closed = (x[first] == x[last]) & (y[first] == y[last])
    candidate[np.flatnonzero(candidate)[~closed]] = False
    ax, ay = _shifted(x, 1), _shifted(y, 1)  # each vertex's predecessor...
    firsts, lasts = start[candidate], end[candidate] - 2
    ax[firsts], ay[firsts] = x[lasts], y[lasts]  # ...the last distinct one for a ring's first
    cx, cy = _shifted(x, -1), _shifted(y, -1)  # and successor (a ring's closing vertex's: any)
    with np.errstate(invalid="ignore", over="ignore"):
        acx, bcx, acy, bcy = ax - cx, x - cx, ay - cy, y - cy  # Shewchuk's orient2d, a-b-c
        left, right = acx * bcy, acy * bcx
        det = left - right
        bound = np.abs(left)
        bound += np.abs(right)
        bound *= ORIENT_ERROR_BOUND
        ccw = det > bound
        cw = det < -bound
    # each edge's direction in the upper half-turn [0, 180°) or the lower one, exactly
    up_in = (y > ay) | ((y == ay) & (x > ax))
    up_out = (cy > y) | ((cy == y) & (cx > x))
    wraps = up_out & ~up_in  # the direction passes +x between these two edges
    # one running count for the three (each below 2**21 a ring); each ring's closing vertex
    # (whose turn would be counted twice) taken out
    code = ccw.astype(np.int64)
    code += cw.astype(np.int64) << _FIELD_BITS
    code += wraps.astype(np.int64) << (2 * _FIELD_BITS)
    code[end[points > 0] - 1] = 0
    total = np.concatenate([[0], np.cumsum(code)])
    counts = total[end] - total[start]
    mask = (1 << _FIELD_BITS) - 1
    turns = points - 1
    ccw_n, cw_n = counts & mask, (counts >> _FIELD_BITS) & mask
    one_way = (ccw_n == turns) | (cw_n == turns)
    convex: npt.NDArray[np.bool_] = candidate & one_way & ((counts >> (2 * _FIELD_BITS)) == 1)
    return convex


def _ring_bounds(arrays: PolygonArrays) -> npt.NDArray[np.float64]:
    """``minx, miny, maxx, maxy`` of every ring (rings lie one after another in ``x``, ``y``).

    Meaningful for rings of one point or more (an empty ring's row is any vertex's).
    """
    x, y = arrays.x, arrays.y
    if not len(x):
        return np.full((len(arrays.rings) - 1, 4), np.nan)
    starts = np.minimum(arrays.rings[:-1], len(x) - 1)
    return np.column_stack(
        [
            np.minimum.reduceat(x, starts),
            np.minimum.reduceat(y, starts),
            np.maximum.reduceat(x, starts),
            np.maximum.reduceat(y, starts),
        ]
    )


def simple_convex(
    arrays: PolygonArrays,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
    """Which features are single convex simple rings, and their boxes.

    Parameters
    ----------
    arrays : PolygonArrays
        The features' vertices (any CRS; the test is unit-free).

    Returns
    -------
    decided : numpy.ndarray of bool, shape (n,)
        True for a feature the validator's geometry check surely passes
        (``shapely.is_valid`` True, not empty, finite): one polygon of one
        closed ring, every vertex turning strictly the same way, winding once.
    bounds : numpy.ndarray, shape (n, 4)
        ``minx, miny, maxx, maxy`` of each decided feature, as ``shapely.bounds``
        gives them; NaN for the others.

    Examples
    --------
    >>> import pyarrow as pa, shapely
    >>> from spatial.io.geoparquet import polygon_arrays
    >>> bowtie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    >>> wkb = pa.array([shapely.to_wkb(g) for g in (shapely.box(0, 0, 2, 1), bowtie)])
    >>> decided, bounds = simple_convex(polygon_arrays(wkb))
    >>> decided.tolist(), bounds[0].tolist()
    ([True, False], [0.0, 0.0, 2.0, 1.0])
    """
    features = len(arrays.features) - 1
    if features <= _PART_FEATURES:
        return _simple_convex(arrays)
    parts = [
        _simple_convex(_feature_part(arrays, start, min(features, start + _PART_FEATURES)))
        for start in range(0, features, _PART_FEATURES)
    ]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _feature_part(arrays: PolygonArrays, first: int, stop: int) -> PolygonArrays:
    """Return the features ``first:stop`` of ``arrays``: views of their vertices, offsets from 0."""
    p0, p1 = arrays.features[first], arrays.features[stop]
    r0, r1 = arrays.polygons[p0], arrays.polygons[p1]
    c0, c1 = arrays.rings[r0], arrays.rings[r1]
    return PolygonArrays(
        arrays.x[c0:c1],
        arrays.y[c0:c1],
        arrays.rings[r0 : r1 + 1] - c0,
        arrays.polygons[p0 : p1 + 1] - r0,
        arrays.features[first : stop + 1] - p0,
    )


def _simple_convex(
    arrays: PolygonArrays,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
    """:func:`simple_convex` of one part of a batch."""
    single, ring = _single_rings(arrays)
    convex = _convex_rings(arrays)
    decided = single & convex[ring] if len(convex) else np.zeros(len(single), dtype=bool)
    bounds = np.full((len(decided), 4), np.nan)
    rows = np.flatnonzero(decided)
    if len(rows):
        bounds[rows] = _ring_bounds(arrays)[ring[rows]]
    return decided, bounds


def settled_geometries(geoms: npt.NDArray[np.object_], threads: int = 1) -> npt.NDArray[np.bool_]:
    """Which shapely geometries are single convex simple rings: valid, not empty, finite.

    The test of :func:`simple_convex` on geometries already built (a layer in
    memory): each Polygon without holes is laid out as flat coordinates
    (``shapely.get_coordinates``, a slice of :data:`_GEOMETRY_SLICE` at a
    time) and tested with numpy, so that ``shapely.is_valid`` need only see the
    others. Any CRS (the test is unit-free); the z of a 3-D polygon is left out,
    as GEOS's validity does.

    Where the first slice's polygons are mostly not settled (below
    :data:`_WORTH_IT`: a survey of concave 图斑), the rest of the layer is not
    tested (False): GEOS decides it, as it would have.

    Parameters
    ----------
    geoms : numpy.ndarray of shapely geometries or None
    threads : int
        Threads testing the slices after the first (numpy and GEOS release the
        GIL); the answer does not depend on it.

    Returns
    -------
    numpy.ndarray of bool
        True for a geometry ``shapely.is_valid`` surely finds valid, not empty,
        with finite coordinates; False: not known.

    Examples
    --------
    >>> bowtie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    >>> settled_geometries(np.array([shapely.box(0, 0, 2, 1), bowtie, None])).tolist()
    [True, False, False]
    """
    settled = np.zeros(len(geoms), dtype=bool)
    with np.errstate(invalid="ignore"):
        single = shapely.get_type_id(geoms) == shapely.GeometryType.POLYGON
        single &= shapely.get_num_interior_rings(geoms) == 0
    rows = np.flatnonzero(single)
    slices = [rows[at : at + _GEOMETRY_SLICE] for at in range(0, len(rows), _GEOMETRY_SLICE)]
    if not slices:
        return settled
    settled[slices[0]] = first = _settled_slice(geoms[slices[0]])
    if first.mean() < _WORTH_IT:
        return settled
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        for at, decided in zip(
            slices[1:], pool.map(lambda at: _settled_slice(geoms[at]), slices[1:]), strict=True
        ):
            settled[at] = decided
    return settled


def _settled_slice(part: npt.NDArray[np.object_]) -> npt.NDArray[np.bool_]:
    """:func:`simple_convex` of polygons without holes, from their coordinates."""
    counts = shapely.get_num_coordinates(part).astype(np.int64)
    xy = shapely.get_coordinates(part)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    each = np.arange(len(part) + 1, dtype=np.int64)
    arrays = PolygonArrays(
        np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1]), offsets, each, each
    )
    decided, _ = simple_convex(arrays)
    return decided
