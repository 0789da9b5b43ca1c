"""The nearest of a few polygons to each of many points, on threads, as the STRtree answers it.

:func:`nearest_polygons` gives, for each point, the polygon and the distance
that ``STRtree(polygons).query_nearest(points, all_matches=False)`` followed by
``shapely.distance`` give (what :func:`spatial.overlay.operations.assign_points`
did for every point outside the zones), bit for bit, but without the tree's
one-point-at-a-time search, which holds the GIL (about 5 µs a point):

* the distance from each point's box to each polygon's box (a lower bound of
  their distance) is taken with numpy;
* the exact distance (``shapely.distance``, GEOS's, as the tree measures it)
  to the polygon of the nearest box; then to every other polygon whose box is
  no farther than that, with a small slack for rounding;
* the least of these is the nearest polygon; a point where two polygons are
  exactly as near (a tie: the tree returns the first it meets, in its own
  order) or whose box is not finite is asked of the tree itself.

The work is cut into chunks of points and spread over threads (GEOS and numpy
release the GIL); the answer does not depend on the number of threads.

With a few polygons of not too many vertices, the distances are not asked of
GEOS at all: :func:`spatial.overlay._segments.nearest_segments` takes GEOS's
own steps (the least distance to a segment of the rings) in numpy, for the
segments a quadtree over the points leaves near each one. A sample of points
of every call is measured by GEOS too; if any distance differs in a bit (a
GEOS built to fuse multiplications and additions would), the call is answered
by GEOS as above. :func:`nearest_xy` takes the points' coordinates and builds
shapely points only for the few it asks the tree or GEOS about.
:func:`gk_zone_of` chooses the Gauss–Krüger zone of points and polygons
without moving every point to lon/lat when the polygons' CRS is that zone.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS

from spatial.errors import CRSError
from spatial.overlay._gkzone import lon_range, zone_is
from spatial.overlay._segments import Segments, nearest_segments

__all__ = ["CHUNK_POINTS", "MAX_POLYGONS", "nearest_polygons", "nearest_xy"]

#: Points measured together in one task (numpy arrays of this many rows × polygons).
CHUNK_POINTS = 65_536
#: More polygons than this: the tree's search is used (the box matrix grows with them).
MAX_POLYGONS = 256
#: Relative slack on a box distance against an exact one (rounding of both).
_SLACK = 1e-9
#: Points of each call measured by GEOS as well, to confirm numpy's distances bit for bit.
SAMPLE_POINTS = 64

Ties = Callable[[npt.NDArray[np.intp]], npt.NDArray[np.intp]]
Points = Callable[[npt.NDArray[np.intp]], npt.NDArray[np.object_]]


def _box_distance(
    points: npt.NDArray[np.float64], polygons: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Distance (CRS units) from each box of ``points`` (n × 4) to each of ``polygons`` (m × 4)."""
    dx = np.maximum(
        np.maximum(
            polygons[None, :, 0] - points[:, None, 2], points[:, None, 0] - polygons[None, :, 2]
        ),
        0.0,
    )
    dy = np.maximum(
        np.maximum(
            polygons[None, :, 1] - points[:, None, 3], points[:, None, 1] - polygons[None, :, 3]
        ),
        0.0,
    )
    return np.hypot(dx, dy)


def _chunk_nearest(
    points: npt.NDArray[np.object_],
    polygons: npt.NDArray[np.object_],
    polygon_boxes: npt.NDArray[np.float64],
    scale: float,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Return each point's nearest polygon and distance, and which points the tree must answer."""
    boxes = shapely.bounds(points)
    finite = np.isfinite(boxes).all(axis=1)
    boxes[~finite] = 0.0
    box_d = _box_distance(boxes, polygon_boxes)
    first = np.argmin(box_d, axis=1)
    rows = np.arange(len(points))
    first_d = shapely.distance(points, polygons[first])
    bound = first_d + _SLACK * (first_d + scale)
    near = box_d <= bound[:, None]
    near[rows, first] = False
    pi, qi = np.nonzero(near)
    exact = np.full(box_d.shape, np.inf)
    exact[rows, first] = first_d
    if len(pi):
        exact[pi, qi] = shapely.distance(points[pi], polygons[qi])
    best = np.argmin(exact, axis=1)
    best_d = exact[rows, best]
    ties = (exact == best_d[:, None]).sum(axis=1) > 1
    ask = ~finite | ties | ~np.isfinite(best_d)
    return best.astype(np.intp), best_d, ask


def nearest_polygons(
    points: npt.NDArray[np.object_],
    polygons: npt.NDArray[np.object_],
    ties: Ties,
    threads: int = 1,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """Return the nearest polygon (position) of each point and its distance, in the CRS's units.

    Parameters
    ----------
    points, polygons : numpy.ndarray of shapely geometries
        In one CRS (a projected one: the distance is in its units, metres in a
        Gauss–Krüger zone).
    ties : callable
        Given positions in ``points``, return the positions in ``polygons``
        the STRtree of the polygons answers for them (``query_nearest`` with
        ``all_matches=False``): used for ties and boxes that are not finite.
    threads : int
        Threads to measure on; the result does not depend on it.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The position of the nearest polygon and ``shapely.distance`` to it;
        -1 and NaN where the tree finds none (an empty point).
    """
    if not len(points):
        return np.empty(0, dtype=np.intp), np.empty(0)
    boxes = shapely.bounds(points)  # a point's box is its x, y twice; NaN for an empty point
    x, y = boxes[:, 0], boxes[:, 1]

    def points_at(positions: npt.NDArray[np.intp]) -> npt.NDArray[np.object_]:
        return points[positions]

    found = None
    if np.isfinite(x).all() and np.isfinite(y).all() and not _any_met(x, y, polygons):
        found = _by_segments(x, y, polygons, ties, points_at, threads)
    if found is not None:
        return found
    return _by_geos(points, polygons, ties, threads)


def _any_met(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], polygons: npt.NDArray[np.object_]
) -> bool:
    """Whether a polygon covers a point (GEOS measures 0 there, not to the rings)."""
    if len(polygons) > MAX_POLYGONS:
        return True  # not asked: the tree answers anyway
    boxes = shapely.bounds(polygons)
    prepared = shapely.from_wkb(shapely.to_wkb(polygons))  # copies: the caller's stay as they are
    shapely.prepare(prepared)
    for polygon, box in zip(prepared, boxes, strict=True):
        near = np.flatnonzero((x >= box[0]) & (x <= box[2]) & (y >= box[1]) & (y <= box[3]))
        if len(near) and shapely.intersects_xy(polygon, x[near], y[near]).any():
            return True
    return False


def nearest_xy(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    polygons: npt.NDArray[np.object_],
    ties: Ties,
    threads: int = 1,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """:func:`nearest_polygons` of the points ``(x, y)``: finite, outside every polygon.

    The same answer as ``nearest_polygons(shapely.points(x, y), ...)``, with
    shapely points built only for the points ``ties`` is asked about (its
    positions are into ``x``) or when GEOS measures them all.
    """
    if not len(x):
        return np.empty(0, dtype=np.intp), np.empty(0)

    def points_at(positions: npt.NDArray[np.intp]) -> npt.NDArray[np.object_]:
        return np.asarray(shapely.points(x[positions], y[positions]), dtype=object)

    found = _by_segments(x, y, polygons, ties, points_at, threads)
    if found is not None:
        return found
    return _by_geos(points_at(np.arange(len(x), dtype=np.intp)), polygons, ties, threads)


def _by_segments(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    polygons: npt.NDArray[np.object_],
    ties: Ties,
    points_at: Points,
    threads: int,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]] | None:
    """Return the answer from the rings' segments in numpy; None where GEOS must give it.

    The points must be finite and outside every polygon. None with many
    polygons, a vertex that is not finite, or a sampled distance that is not
    GEOS's float.
    """
    if len(polygons) > MAX_POLYGONS:
        return None
    segments = Segments.of(polygons)
    if segments is None:
        return None
    starts = range(0, len(x), CHUNK_POINTS)

    def chunk(
        start: int,
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        end = start + CHUNK_POINTS
        return nearest_segments(x[start:end], y[start:end], segments)

    with ThreadPoolExecutor(max(1, threads)) as pool:
        parts = list(pool.map(chunk, starts))
    nearest = np.concatenate([p[0] for p in parts])
    distance = np.concatenate([p[1] for p in parts])
    ask = np.flatnonzero(np.concatenate([p[2] for p in parts]))
    if not _geos_agrees(nearest, distance, polygons, points_at):
        return None
    if len(ask):  # two polygons exactly as near: the tree's answer
        nearest[ask] = ties(ask)
        distance[ask] = np.nan
        some = ask[nearest[ask] >= 0]
        distance[some] = shapely.distance(points_at(some), polygons[nearest[some]])
    return nearest, distance


def _geos_agrees(
    nearest: npt.NDArray[np.intp],
    distance: npt.NDArray[np.float64],
    polygons: npt.NDArray[np.object_],
    points_at: Points,
) -> bool:
    """Whether GEOS measures the same floats as numpy for a sample of the points."""
    sample = np.unique(np.linspace(0, len(nearest) - 1, SAMPLE_POINTS).astype(np.intp))
    geos = shapely.distance(points_at(sample), polygons[nearest[sample]])
    return bool(np.array_equal(geos.view(np.int64), distance[sample].view(np.int64)))


def _by_geos(
    points: npt.NDArray[np.object_],
    polygons: npt.NDArray[np.object_],
    ties: Ties,
    threads: int,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """Return the answer from the polygons' boxes and GEOS's distance to the nearest ones."""
    polygon_boxes = shapely.bounds(polygons)
    if len(polygons) > MAX_POLYGONS or not np.isfinite(polygon_boxes).all():
        return _asked(points, polygons, ties, np.arange(len(points), dtype=np.intp))
    scale = float(np.abs(polygon_boxes).max())
    starts = range(0, len(points), CHUNK_POINTS)

    def chunk(
        start: int,
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        return _chunk_nearest(points[start : start + CHUNK_POINTS], polygons, polygon_boxes, scale)

    with ThreadPoolExecutor(max(1, threads)) as pool:
        parts = list(pool.map(chunk, starts))
    nearest = np.concatenate([p[0] for p in parts])
    distance = np.concatenate([p[1] for p in parts])
    ask = np.flatnonzero(np.concatenate([p[2] for p in parts]))
    if len(ask):
        nearest[ask], distance[ask] = _asked(points, polygons, ties, ask)
    return nearest, distance


def _asked(
    points: npt.NDArray[np.object_],
    polygons: npt.NDArray[np.object_],
    ties: Ties,
    positions: npt.NDArray[np.intp],
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """Return the tree's nearest polygon of the points at ``positions`` (-1: none), its distance."""
    found = ties(positions)
    distance = np.full(len(positions), np.nan)
    some = found >= 0
    distance[some] = shapely.distance(points[positions[some]], polygons[found[some]])
    return found, distance


def gk_zone_of(
    point_bounds: npt.NDArray[np.float64], crs: CRS, polygons_lonlat: npt.NDArray[np.float64]
) -> bool:
    """Whether ``gk_zone_crs_for(points, polygons)`` is ``crs``, told from the points' boxes.

    ``crs`` must be a Gauss–Krüger zone (the check bounds the points' least and
    greatest longitude by the corners of their boxes' box); False when that
    does not settle it (near a zone's edge, a corner outside every zone) or
    no point has a finite box.
    """
    finite = point_bounds[np.isfinite(point_bounds).all(axis=1)]
    if not len(finite):
        return False
    try:
        corners = lon_range(finite, crs)
        if not np.isfinite([*corners.west, *corners.east]).all():
            return False  # a corner PROJ cannot place (a huge coordinate): the full rule decides
        return zone_is(crs, [corners], polygons_lonlat)
    except CRSError:  # a corner outside every zone
        return False
