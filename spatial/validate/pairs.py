"""The pairs of features of one layer that intersect, found within a bound on their number.

An overlap matrix and the no-overlap rule cut every intersecting pair of a
layer, so their cost and output grow with the pairs: with n copies of one
square, n(n-1)/2 of them (3,000 copies: 4.5 million, a MemoryError). Real
layers meet their neighbours only (a parcel touches a handful), so the pairs
grow with the features. :func:`intersecting_pairs` finds the pairs in chunks
and refuses a layer with more than :data:`MAX_PAIRS`, in one line that gives
the count, before any geometry is cut.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import shapely

from spatial.cpus import usable_cpus
from spatial.errors import LayerError

__all__ = ["MAX_PAIRS", "inside_by_cells", "intersecting_pairs", "overlapping_pairs"]

#: The most pairs of intersecting features (each pair once) a layer may hold for an overlap
#: matrix or the no-overlap rule: 1,000,000 (a layer of 100,000 parcels meets ~300,000).
MAX_PAIRS = 1_000_000
#: Features queried at a time, at least: few enough that a chunk's pairs stay near the bound.
_MIN_CHUNK = 256


def intersecting_pairs(
    geoms: np.ndarray, name: str, max_pairs: int = MAX_PAIRS
) -> tuple[np.ndarray, np.ndarray]:
    """Return positions ``(i, j)``, ``i < j``, of every pair whose geometries intersect.

    Candidates come from an STR tree (``intersects``, any CRS: the test is
    topological). The tree is queried a chunk of features at a time, so the
    memory held stays near ``max_pairs`` pairs whatever the layer holds.

    Raises
    ------
    LayerError
        More than ``max_pairs`` pairs intersect (``name``: the layer, as messages name it).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> intersecting_pairs(np.array([box(0, 0, 2, 2), box(1, 1, 3, 3), box(5, 5, 6, 6)]), "z")
    (array([0]), array([1]))
    >>> intersecting_pairs(np.array([box(0, 0, 1, 1)] * 4), "dup.geojson", max_pairs=5)
    Traceback (most recent call last):
    ...
    spatial.errors.LayerError: dup.geojson: its 4 features intersect in at least 6 pairs; ...
    """
    count = len(geoms)
    tree = shapely.STRtree(geoms)
    step = max(_MIN_CHUNK, max_pairs // max(count, 1))
    lefts, rights, found = [np.zeros(0, np.intp)], [np.zeros(0, np.intp)], 0
    for start in range(0, count, step):
        left, right = tree.query(geoms[start : start + step], predicate="intersects")
        left = left + start
        once = left < right
        found += int(once.sum())
        if found > max_pairs:
            raise _too_many(name, count, found, max_pairs, "intersect")
        lefts.append(left[once])
        rights.append(right[once])
    return np.concatenate(lefts), np.concatenate(rights)


def _too_many(name: str, count: int, found: int, max_pairs: int, verb: str) -> LayerError:
    return LayerError(
        f"{name}: its {count:,} features {verb} in at least {found:,} pairs; at most "
        f"{max_pairs:,} are cut (the work grows with the pairs): duplicated or stacked "
        "features? remove them or split the layer"
    )


#: DE-9IM: the interiors of the two geometries meet (they can share area).
_INTERIORS_MEET = "T********"


def overlapping_pairs(
    geoms: np.ndarray, name: str, max_pairs: int = MAX_PAIRS, threads: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return positions ``(i, j)``, ``i < j``, of every pair whose interiors meet.

    :func:`intersecting_pairs` less the pairs that only touch (share an edge or
    a point, no area): the pairs whose intersection can have an area. The
    boxes that meet come from an STR tree, a chunk of features at a time, and
    each chunk's pairs are tested at once with DE-9IM (``relate_pattern``
    ``T********``), chunks on ``threads`` threads (default: the usable CPUs;
    GEOS releases the GIL). At most ``max_pairs`` pairs (a coverage of a
    million parcels has none), counted in chunk order as they are found.

    Raises
    ------
    LayerError
        More than ``max_pairs`` pairs overlap (``name``: the layer, as messages name it).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> overlapping_pairs(np.array([box(0, 0, 2, 2), box(2, 0, 3, 2), box(1, 1, 3, 3)]), "z")
    (array([0, 1]), array([2, 2]))
    """
    count = len(geoms)
    tree = shapely.STRtree(geoms)
    step = max(_MIN_CHUNK, max_pairs // max(count, 1))

    def chunk(start: int) -> tuple[np.ndarray, np.ndarray]:
        left, right = tree.query(geoms[start : start + step])
        left = left + start
        once = left < right
        left, right = left[once], right[once]
        meet = shapely.relate_pattern(geoms[left], geoms[right], _INTERIORS_MEET)
        return left[meet], right[meet]

    lefts, rights, found = [np.zeros(0, np.intp)], [np.zeros(0, np.intp)], 0
    for left, right in _in_order(chunk, range(0, count, step), threads or usable_cpus()):
        found += len(left)
        if found > max_pairs:
            raise _too_many(name, count, found, max_pairs, "overlap")
        lefts.append(left)
        rights.append(right)
    return np.concatenate(lefts), np.concatenate(rights)


def _in_order(
    work: Callable[[int], tuple[np.ndarray, np.ndarray]], starts: range, threads: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``work(start)`` for each start, in order, a few chunks ahead on ``threads`` threads."""
    if threads <= 1 or len(starts) <= 1:
        yield from (work(start) for start in starts)
        return
    with ThreadPoolExecutor(max_workers=threads) as pool:
        pending: deque[Future[tuple[np.ndarray, np.ndarray]]] = deque()
        for start in starts:
            pending.append(pool.submit(work, start))
            if len(pending) > 2 * threads:  # bounded: a few chunks' pairs in memory
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def inside_by_cells(polygon: shapely.Geometry, boxes: np.ndarray, cells: int) -> np.ndarray:
    """Which boxes lie, closed, in the interior of ``polygon``, told by a grid over it.

    The polygon's box is cut into ``cells`` × ``cells`` cells; those the polygon
    contains properly are its interior cells. A box is inside when every cell
    it reaches, widened by one cell on each side (for rounding), is interior:
    then so is the box, and any geometry within the box lies in the polygon's
    interior (``covers`` and ``contains_properly`` are true). False says "not
    known". ``boxes`` are rows of ``minx, miny, maxx, maxy`` in the polygon's
    CRS (NaN rows, empty geometries, are not known); ``polygon`` may be
    prepared by the caller. Used by balance (:mod:`spatial.review._pieces`) and the
    checks' ``within_district``.
    """
    x0, y0, x1, y1 = shapely.bounds(polygon)
    cx, cy = (x1 - x0) / cells, (y1 - y0) / cells
    out = np.zeros(len(boxes), dtype=bool)
    if not len(boxes) or not (cx > 0 and cy > 0):
        return out
    ii, jj = np.meshgrid(np.arange(cells), np.arange(cells))
    grid = shapely.box(x0 + ii * cx, y0 + jj * cy, x0 + (ii + 1) * cx, y0 + (jj + 1) * cy)
    interior = shapely.contains_properly(polygon, grid)  # rows: y, columns: x
    table = np.zeros((cells + 1, cells + 1), dtype=np.int64)
    table[1:, 1:] = interior.cumsum(axis=0).cumsum(axis=1)
    with np.errstate(invalid="ignore"):
        i0 = np.floor((boxes[:, 0] - x0) / cx) - 1
        j0 = np.floor((boxes[:, 1] - y0) / cy) - 1
        i1 = np.floor((boxes[:, 2] - x0) / cx) + 1
        j1 = np.floor((boxes[:, 3] - y0) / cy) + 1
        within = (i0 >= 0) & (j0 >= 0) & (i1 < cells) & (j1 < cells)
    i0, j0, i1, j1 = (
        np.clip(np.nan_to_num(v), 0, cells - 1).astype(np.int64) for v in (i0, j0, i1, j1)
    )
    count = table[j1 + 1, i1 + 1] - table[j0, i1 + 1] - table[j1 + 1, i0] + table[j0, i0]
    return np.asarray(within & (count == (i1 - i0 + 1) * (j1 - j0 + 1)), dtype=bool)
