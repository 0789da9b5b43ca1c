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

import numpy as np
import numpy.typing as npt

from spatial.io.geoparquet import PolygonArrays

__all__ = ["ORIENT_ERROR_BOUND", "simple_convex"]

#: Relative error bound trusted for the sign of a floating-point orient2d: three times
#: Shewchuk's ``ccwerrboundA = (3 + 16 eps) eps`` (eps = 2**-53), about 3.3e-16.
ORIENT_ERROR_BOUND = 1e-15
#: Fewest points of a closed ring around an area (a triangle and its closing vertex).
_MIN_RING_POINTS = 4


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


def _convex_rings(arrays: PolygonArrays) -> npt.NDArray[np.bool_]:
    """Which rings are closed, finite, strictly convex and wind once (see the module)."""
    x, y, offsets = arrays.x, arrays.y, arrays.rings
    start, end = offsets[:-1], offsets[1:]
    points = end - start
    candidate = points >= _MIN_RING_POINTS
    last = np.maximum(end - 1, 0)
    if len(x):
        candidate &= (x[np.minimum(start, len(x) - 1)] == x[last]) & (
            y[np.minimum(start, len(x) - 1)] == y[last]
        )
    every = np.arange(len(x), dtype=np.int64)
    before = every - 1
    after = np.minimum(every + 1, max(len(x) - 1, 0))
    starts = start[candidate]
    before[starts] = end[candidate] - 2  # the ring's last distinct vertex precedes its first
    inner = np.ones(len(x), dtype=bool)  # every vertex but each ring's closing one
    inner[last[points > 0]] = False
    ax, ay, bx, by, cx, cy = x[before], y[before], x, y, x[after], y[after]
    with np.errstate(invalid="ignore", over="ignore"):
        left = (ax - cx) * (by - cy)
        right = (ay - cy) * (bx - cx)
        det = left - right
        bound = ORIENT_ERROR_BOUND * (np.abs(left) + np.abs(right))
        ccw = inner & (det > bound)
        cw = inner & (det < -bound)
    # each edge's direction in the upper half-turn [0, 180°) or the lower one, exactly
    up_in = (by > ay) | ((by == ay) & (bx > ax))
    up_out = (cy > by) | ((cy == by) & (cx > bx))
    wraps = inner & ~up_in & up_out  # the direction passes +x between these two edges

    def per_ring(flags: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
        total = np.concatenate([[0], np.cumsum(flags, dtype=np.int64)])
        counts: npt.NDArray[np.int64] = total[end] - total[start]
        return counts

    turns = points - 1
    one_way = (per_ring(ccw) == turns) | (per_ring(cw) == turns)
    finite = per_ring(~np.isfinite(x) | ~np.isfinite(y)) == 0
    convex: npt.NDArray[np.bool_] = candidate & finite & one_way & (per_ring(wraps) == 1)
    return convex


def _ring_bounds(arrays: PolygonArrays, rings: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """``minx, miny, maxx, maxy`` of each ring in ``rings`` (closed, of 4 points or more)."""
    if not len(rings):
        return np.empty((0, 4))
    start, end = arrays.rings[rings], arrays.rings[rings + 1] - 1  # the closing vertex repeats
    cuts = np.column_stack([start, end]).ravel()
    x, y = arrays.x, arrays.y
    return np.column_stack(
        [
            np.minimum.reduceat(x, cuts)[::2],
            np.minimum.reduceat(y, cuts)[::2],
            np.maximum.reduceat(x, cuts)[::2],
            np.maximum.reduceat(y, cuts)[::2],
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
    single, ring = _single_rings(arrays)
    convex = _convex_rings(arrays)
    decided = single & convex[ring] if len(convex) else np.zeros(len(single), dtype=bool)
    bounds = np.full((len(decided), 4), np.nan)
    rows = np.flatnonzero(decided)
    bounds[rows] = _ring_bounds(arrays, ring[rows])
    return decided, bounds
