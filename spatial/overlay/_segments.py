"""The distance from many points to a few polygons' rings, in numpy, as GEOS measures it.

GEOS measures the distance from a point outside a polygon as the least, over
the straight segments of the polygon's rings, of ``Distance::pointToSegment``
(the point's projection on the segment's line, clamped to its ends: the
distance to an end, or ``|s| * sqrt(len2)``). :func:`nearest_segments` takes
the same floating-point steps in numpy, so each distance is GEOS's own float,
bit for bit (a caller checks a sample against GEOS, see
:func:`spatial.overlay._nearest.nearest_polygons`), without one GEOS call and
one shapely point for each point.

Not every segment is measured for every point: the points are put in the
cells of a quadtree over their box, and a cell keeps only the segments that
can be the nearest for some point in it. With ``c`` its centre and ``r`` its
half-diagonal, a segment farther than ``min_t d(c, t) + 2 r`` from ``c`` is
farther from every point of the cell than some other segment (the triangle
inequality), so it is left out. A cell with many points and several segments
left is split in four, down to :data:`MAX_DEPTH`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

__all__ = ["MAX_SEGMENTS", "Segments", "nearest_segments", "point_to_segment"]

#: Most segments measured this way (the quadtree's first cell measures them all).
MAX_SEGMENTS = 1 << 16
#: Deepest cell of the quadtree (its side: the points' box over 2**MAX_DEPTH).
MAX_DEPTH = 24
#: A cell of more points than this, with more than one segment left, is split in four.
SPLIT_POINTS = 32
#: Point-segment pairs measured in one block (numpy arrays that stay in the cache).
BLOCK_PAIRS = 1 << 16
#: Rounding slack of a cell's bound, in units of the largest coordinate's epsilon.
_SLACK_EPS = 1024.0

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Segments:
    """The segments of some polygons' rings (one CRS), each ``A -> B``, and their owners.

    ``dx, dy`` are ``B - A``, ``len2`` is ``dx * dx + dy * dy`` and ``length``
    its square root, as GEOS computes them for every point; ``owner`` is the
    position of the polygon a segment belongs to.
    """

    ax: Floats
    ay: Floats
    bx: Floats
    by: Floats
    dx: Floats
    dy: Floats
    len2: Floats
    length: Floats
    degenerate: npt.NDArray[np.bool_]  # A == B: GEOS measures to A
    owner: Ints
    scale: float  # the largest coordinate's magnitude

    @classmethod
    def of(cls, polygons: npt.NDArray[np.object_]) -> Segments | None:
        """Return the segments of every ring of ``polygons``; None where GEOS's steps differ.

        None when there are none, more than :data:`MAX_SEGMENTS`, a coordinate
        that is not finite, or a segment whose ``len2`` under- or overflows (GEOS
        would divide by zero or infinity there).
        """
        lines = shapely.get_parts(shapely.boundary(polygons), return_index=True)
        coords, line = shapely.get_coordinates(lines[0], return_index=True)
        same = line[1:] == line[:-1]  # consecutive vertices of one ring
        if not same.any() or int(same.sum()) > MAX_SEGMENTS or not np.isfinite(coords).all():
            return None
        a, b = coords[:-1][same], coords[1:][same]
        dx, dy = b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]
        len2 = dx * dx + dy * dy
        degenerate = (a[:, 0] == b[:, 0]) & (a[:, 1] == b[:, 1])
        if not (np.isfinite(len2).all() and ((len2 > 0) | degenerate).all()):
            return None
        owner = lines[1][line[:-1][same]].astype(np.intp)
        scale = float(np.abs(coords).max())
        ax, ay, bx, by = a[:, 0], a[:, 1], b[:, 0], b[:, 1]
        return cls(ax, ay, bx, by, dx, dy, len2, np.sqrt(len2), degenerate, owner, scale)

    def __len__(self) -> int:
        return len(self.ax)


def point_to_segment(px: Floats, py: Floats, seg: Segments, which: Ints) -> Floats:
    """Distance from each point to segment ``which`` of ``seg``: GEOS's ``pointToSegment``.

    The same operations in the same order (``A == B``: the distance to ``A``;
    ``r <= 0``: to ``A``; ``r >= 1``: to ``B``; else ``|s| * sqrt(len2)``), so
    the same float; units of the CRS (metres in a Gauss–Krüger zone).

    Examples
    --------
    >>> seg = Segments.of(np.array([shapely.box(0, 0, 10, 10)]))
    >>> point_to_segment(np.array([13.0]), np.array([14.0]), seg, np.array([0])).tolist()
    [5.0]
    """
    dx, dy, len2 = seg.dx[which], seg.dy[which], seg.len2[which]
    xa, ya = px - seg.ax[which], py - seg.ay[which]
    r = xa * dx
    r += ya * dy
    # s = ((A.y - p.y) * dx - (A.x - p.x) * dy) / len2: negating a difference is exact
    s = ya * dx
    s -= xa * dy
    with np.errstate(invalid="ignore", divide="ignore"):  # 0 / 0 where A == B: not used
        r /= len2
        s /= len2
    np.abs(s, out=s)
    s *= seg.length[which]
    xa *= xa
    ya *= ya
    xa += ya
    np.sqrt(xa, out=xa)  # the distance to A
    to_a = r <= 0.0
    to_a |= seg.degenerate[which]
    np.copyto(s, xa, where=to_a)
    to_b = np.flatnonzero((r >= 1.0) & ~to_a)
    if len(to_b):
        xb = px[to_b] - seg.bx[which[to_b]]
        yb = py[to_b] - seg.by[which[to_b]]
        s[to_b] = np.sqrt(xb * xb + yb * yb)
    return s


@dataclass(frozen=True)
class _Cells:
    """Cells of the quadtree: centres, half sides, and each cell's segments (flat, by cell)."""

    cx: Floats
    cy: Floats
    half: Floats
    count: Ints  # segments a cell keeps
    flat: Ints  # their positions, cell after cell

    def starts(self) -> Ints:
        return _starts(self.count)


def _starts(count: Ints) -> Ints:
    """Return where each run of ``count`` begins in the flat array."""
    out = np.zeros(len(count), dtype=np.intp)
    np.cumsum(count[:-1], out=out[1:])
    return out


def _runs(starts: Ints, count: Ints) -> Ints:
    """Return the positions ``starts[i] .. starts[i] + count[i] - 1``, run after run."""
    total = int(count.sum())
    offsets = np.repeat(starts - _starts(count), count)
    return offsets + np.arange(total, dtype=np.intp)


def _pruned(cells: _Cells, seg: Segments, slack: float) -> _Cells:
    """Return the cells keeping the segments within ``min + 2 r`` of their centre."""
    cell = np.repeat(np.arange(len(cells.cx)), cells.count)
    d = point_to_segment(cells.cx[cell], cells.cy[cell], seg, cells.flat)
    least = np.minimum.reduceat(d, cells.starts())
    reach = least + 2.0 * np.sqrt(2.0) * cells.half * (1 + 1e-9) + slack
    keep = d <= reach[cell]
    count = np.bincount(cell[keep], minlength=len(cells.cx)).astype(np.intp)
    return _Cells(cells.cx, cells.cy, cells.half, count, cells.flat[keep])


def _children(cells: _Cells, split: Ints) -> _Cells:
    """Return the four children (SW, SE, NW, NE) of each cell at ``split``, with its segments."""
    quarter = np.repeat(cells.half[split] / 2, 4)
    sign_x = np.tile(np.array([-1.0, 1.0, -1.0, 1.0]), len(split))
    sign_y = np.tile(np.array([-1.0, -1.0, 1.0, 1.0]), len(split))
    count = np.repeat(cells.count[split], 4)
    starts = np.repeat(cells.starts()[split], 4)
    return _Cells(
        np.repeat(cells.cx[split], 4) + sign_x * quarter,
        np.repeat(cells.cy[split], 4) + sign_y * quarter,
        quarter,
        count,
        cells.flat[_runs(starts, count)],
    )


def _leaves(x: Floats, y: Floats, seg: Segments) -> tuple[Ints, Ints, Ints]:
    """Return each point's leaf cell, and each leaf's segments (count, flat positions).

    Every point lies in its leaf, and its nearest segment (every segment as
    near as the nearest) is among the leaf's.
    """
    largest = max(seg.scale, float(np.abs(x).max()), float(np.abs(y).max()))
    slack = _SLACK_EPS * np.finfo(np.float64).eps * largest
    x0, y0 = float(x.min()), float(y.min())
    half = max(float(x.max()) - x0, float(y.max()) - y0) / 2 * (1 + 1e-9) + slack
    cells = _Cells(
        np.array([x0 + half]),
        np.array([y0 + half]),
        np.array([half]),
        np.array([len(seg)], dtype=np.intp),
        np.arange(len(seg), dtype=np.intp),
    )
    active = np.arange(len(x), dtype=np.intp)  # the points not yet in a leaf
    in_cell = np.zeros(len(x), dtype=np.intp)  # the cell of each active point
    leaf = np.empty(len(x), dtype=np.intp)
    counts: list[Ints] = []
    flats: list[Ints] = []
    done = 0
    for depth in range(MAX_DEPTH + 1):
        cells = _pruned(cells, seg, slack)
        points = np.bincount(in_cell, minlength=len(cells.cx))
        split = (points > SPLIT_POINTS) & (cells.count > 1) & (depth < MAX_DEPTH)
        final = np.flatnonzero(~split)
        number = np.full(len(cells.cx), -1, dtype=np.intp)
        number[final] = done + np.arange(len(final))
        settled = ~split[in_cell]
        leaf[active[settled]] = number[in_cell[settled]]
        counts.append(cells.count[final])
        flats.append(cells.flat[np.repeat(~split, cells.count)])
        done += len(final)
        if not split.any():
            break
        active, parent = active[~settled], in_cell[~settled]
        rank = np.full(len(cells.cx), -1, dtype=np.intp)
        split_at = np.flatnonzero(split)
        rank[split_at] = np.arange(len(split_at))
        east = x[active] >= cells.cx[parent]
        north = y[active] >= cells.cy[parent]
        in_cell = 4 * rank[parent] + east + 2 * north
        cells = _children(cells, split_at)
    return leaf, np.concatenate(counts), np.concatenate(flats)


def nearest_segments(
    x: Floats, y: Floats, seg: Segments
) -> tuple[Ints, Floats, npt.NDArray[np.bool_]]:
    """Return the nearest owner (polygon) of each point, the distance to it, and ties.

    Parameters
    ----------
    x, y : numpy.ndarray
        Points outside every polygon (finite), in the polygons' CRS.
    seg : Segments
        The polygons' ring segments.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, numpy.ndarray)
        The owner of the least distance (the lowest position where several
        are), the least distance (GEOS's float: the least, over the owner's
        segments, of :func:`point_to_segment`), and whether two owners are
        exactly as near (a tie the caller settles).
    """
    n = len(x)
    if not n:
        return np.zeros(0, dtype=np.intp), np.zeros(0), np.zeros(0, dtype=bool)
    leaf, count, flat = _leaves(x, y, seg)
    per_point = count[leaf]
    first = _starts(count)[leaf]
    owner, least = np.empty(n, dtype=np.intp), np.empty(n)
    tie = np.empty(n, dtype=bool)
    pairs = np.cumsum(per_point)
    cuts = np.searchsorted(pairs, np.arange(BLOCK_PAIRS, int(pairs[-1]), BLOCK_PAIRS))
    for lo, hi in zip([0, *(cuts + 1)], [*(cuts + 1), n], strict=True):
        if lo >= hi:
            continue
        k = per_point[lo:hi]
        point = np.repeat(np.arange(lo, hi), k)
        which = flat[_runs(first[lo:hi], k)]
        d = point_to_segment(x[point], y[point], seg, which)
        starts = _starts(k)
        low = np.minimum.reduceat(d, starts)
        at = d == low[point - lo]
        mine = seg.owner[which]
        owner[lo:hi] = np.minimum.reduceat(np.where(at, mine, np.iinfo(np.intp).max), starts)
        tie[lo:hi] = np.maximum.reduceat(np.where(at, mine, -1), starts) != owner[lo:hi]
        least[lo:hi] = low
    return owner, least, tie
