"""A cheap exact test that polygons form a valid coverage: matched edges and the winding number.

``shapely.coverage_is_valid`` (GEOS's coverage validator) looks, for each
polygon, at every segment of every neighbour: most of a balance's time at a
million 图斑. Most layers a review reads are survey coverages whose shared
edges match vertex for vertex, and for those a test on the edges alone is enough:

1. Every edge of every ring (the polygons valid, exteriors counter-clockwise,
   holes clockwise: :func:`shapely.orient_polygons`) is keyed by its two
   endpoints, exactly as stored. An edge met once each way is *matched* (two
   polygons on its two sides); an edge met twice the same way, or more than
   twice, ends the test.
2. The *unmatched* edges meet only at shared endpoints (DE-9IM ``FF*F0****``
   for every pair whose boxes meet: no crossing, no vertex on another's
   interior, no collinear overlap).
3. The sum of the polygons' indicator functions is the winding number of all
   their edges; matched pairs cancel, so it is the winding number ``w`` of the
   unmatched edges alone. The faces those edges bound
   (:func:`shapely.polygonize_full`, all edges used) are each on one side of
   every edge of theirs, and every unmatched edge has exactly one face on its
   left: then ``w`` is 1 on the faces on the left and 0 elsewhere, so no two
   polygons share area.

Two guards come first: every ring is wound as stated (its shoelace sum beyond
its rounding error: a polygon wound the wrong way would cancel another's area
in step 3), and no polygon of several rings has a vertex inside one of its
own edges (a hole touching its shell mid-edge: valid, but its filler's vertex
then lies on that edge, which steps 1-3 do not see).

Then no two polygons overlap, no vertex lies on a neighbour's edge and every
shared edge is matched: the set is a valid coverage (``coverage_is_valid`` is
True). When a step fails the test says "not known" (False), never "invalid":
the caller then asks ``shapely.coverage_is_valid``. Coordinates are compared
exactly, as GEOS compares them; the CRS is the caller's (any planar frame).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import shapely

from spatial.cpus import usable_cpus

if TYPE_CHECKING:
    from spatial.measure.rings import RingLayout

__all__ = ["matched_coverage", "matched_coverage_edges"]

#: DE-9IM of two segments that meet at a shared endpoint only.
_ENDPOINT_ONLY = "FF*F0****"

_Edges = npt.NDArray[np.float64]
#: Odd 64-bit multipliers mixing an edge's coordinate bits into one hash.
_MIX = tuple(
    np.uint64(m)
    for m in (0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0xD6E8FEB86659FD93)
)


def _ring_edges(
    geoms: npt.NDArray[np.object_],
    rings: RingLayout | None = None,
) -> tuple[_Edges, npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.bool_]] | None:
    """Return every ring edge ``(x0, y0, x1, y1)`` as stored, the geometry and ring it belongs to.

    ``(edges, geometry of each edge, ring of each edge, whether each ring is an
    exterior)``; rings are numbered in storage order, each ring's edges
    contiguous. None when an edge has no length (a repeated vertex) or the
    geometries are not all polygonal. ``rings``: their rings as
    :func:`_rings_in_order` lays them out, given (not read from ``geoms``).
    """
    found = _rings_in_order(geoms) if rings is None else _in_order(rings)
    if found is None:
        return None  # points or lines: not rings
    coords, ring_size, ring_geom, exterior = found
    ring_offsets = np.concatenate([[0], np.cumsum(ring_size)])
    ring_of_coord = np.repeat(np.arange(len(ring_size)), ring_size)
    starts = np.ones(len(coords) - 1, dtype=bool) if len(coords) else np.zeros(0, dtype=bool)
    starts[ring_offsets[1:-1] - 1] = False  # a ring's last vertex starts no edge
    at = np.flatnonzero(starts)
    edges = np.column_stack([coords[at], coords[at + 1]])
    if ((edges[:, 0] == edges[:, 2]) & (edges[:, 1] == edges[:, 3])).any():
        return None
    ring = ring_of_coord[at]
    return edges, ring_geom[ring], ring, exterior


def _rings_in_order(
    geoms: npt.NDArray[np.object_],
) -> tuple[_Edges, npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_]] | None:
    """Every ring's coordinates ``(x, y)`` in storage order, sizes, geometries and shell flags.

    The rings of ``shapely.to_ragged_array(geoms, include_z=False)``, in its
    order (geometry by geometry, part by part, shell then holes), laid out by
    :func:`spatial.measure.rings.ring_layout` (a plain polygon read whole, no
    Python object per part or ring: about a quarter of ``to_ragged_array``'s
    time) and put back in that order. A missing geometry has no ring (as
    there). None when a geometry is neither missing nor a (Multi)Polygon, or
    every one is missing (``to_ragged_array`` refuses those).
    """
    from spatial.measure.rings import ring_layout  # noqa: PLC0415

    kind = shapely.get_type_id(geoms)
    polygonal = np.isin(kind, (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON))
    if not (polygonal | (kind == shapely.GeometryType.MISSING)).all() or not polygonal.any():
        return None
    return _in_order(ring_layout(geoms))


def _in_order(
    rings: RingLayout,
) -> tuple[_Edges, npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Return the rings of a :class:`~spatial.measure.rings.RingLayout` geometry by geometry."""
    order = np.argsort(rings.ring_geom, kind="stable")  # each geometry's rings kept in order
    size = rings.ring_size[order]
    first = (np.cumsum(rings.ring_size) - rings.ring_size)[order]
    at = np.repeat(first - (np.cumsum(size) - size), size) + np.arange(int(size.sum()))
    return rings.xy[at], size, rings.ring_geom[order], rings.ring_sign[order] > 0


def _wound_as_oriented(
    edges: _Edges, ring: npt.NDArray[np.intp], exterior: npt.NDArray[np.bool_]
) -> bool:
    """Whether every exterior is surely counter-clockwise and every hole clockwise.

    The shoelace sum of each ring, taken from the ring's first vertex, must
    exceed its own rounding error bound (``(n + 8)`` units in the last place
    of the sum of the products' magnitudes): a ring too thin to tell is "not
    known". Wound the wrong way, a polygon would cancel another's area in the
    winding number and hide an overlap.
    """
    count = np.bincount(ring, minlength=len(exterior))
    if (count < 3).any():
        return False
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    x0, y0 = np.repeat(edges[first, 0], count), np.repeat(edges[first, 1], count)
    a = (edges[:, 0] - x0) * (edges[:, 3] - y0)
    b = (edges[:, 2] - x0) * (edges[:, 1] - y0)
    twice_area = np.add.reduceat(a - b, first)
    bound = (count + 8) * 2.0**-52 * np.add.reduceat(np.abs(a) + np.abs(b), first)
    return bool(np.where(exterior, twice_area > bound, twice_area < -bound).all())


def _touches_itself(edges: _Edges, geom: npt.NDArray[np.intp], ring: npt.NDArray[np.intp]) -> bool:
    """Whether a vertex of a polygon of several rings lies inside one of its own edges.

    A hole touching its shell (or a part touching another) at a vertex of one
    ring and inside an edge of the other is valid, but GEOS's coverage
    validator then sees a neighbour's vertex on that edge (the neighbour filling
    the hole): matched edges and the winding number do not show it.
    """
    if not len(ring):
        return False
    rings = np.bincount(geom[np.r_[0, np.flatnonzero(np.diff(ring)) + 1]])
    several = np.flatnonzero(rings >= 2)
    if not len(several):
        return False
    keep = np.isin(geom, several)
    mine, own = edges[keep], geom[keep]
    points = np.asarray(shapely.points(mine[:, :2]), dtype=object)  # each vertex starts one edge
    lines = np.asarray(shapely.linestrings(mine.reshape(-1, 2, 2)), dtype=object)
    pi, li = shapely.STRtree(lines).query(points, predicate="intersects")
    same = own[pi] == own[li]
    return bool(shapely.relate_pattern(points[pi[same]], lines[li[same]], "0********").any())


def _canonical(edges: _Edges) -> tuple[_Edges, npt.NDArray[np.bool_]]:
    """Return each edge with its lesser endpoint first (x, then y), and whether it was so stored."""
    forward = (edges[:, 0] < edges[:, 2]) | (
        (edges[:, 0] == edges[:, 2]) & (edges[:, 1] < edges[:, 3])
    )
    key = np.where(forward[:, None], edges, edges[:, [2, 3, 0, 1]])
    return key, forward


def _hashed(key: _Edges) -> npt.NDArray[np.uint64]:
    """Return one 64-bit hash of each edge's four coordinates' bits (equal edges: equal hashes).

    Sorting by it brings equal edges together; two different edges of one hash
    may come between them, and are then not matched: the test only fails.
    """
    bits = np.ascontiguousarray(key).view(np.uint64)
    mixed = np.zeros(len(key), dtype=np.uint64)
    for column, odd in enumerate(_MIX):
        mixed = (mixed ^ bits[:, column]) * odd
        mixed ^= mixed >> np.uint64(29)
    return mixed


#: Fewest edges whose matching is split, by hash, over the usable CPUs.
_THREADED_MIN_EDGES = 500_000


def _unmatched(edges: _Edges) -> _Edges | None:
    """Return the edges not met the other way round; None when one is met twice the same way.

    Only neighbours in hash order with one hash are compared whole (no sorted
    copy of every edge: a layer's edges are tens of bytes each, millions of them).
    Above :data:`_THREADED_MIN_EDGES` edges the hashes are split by their top
    bits into one part per usable CPU, each part matched on a thread: equal
    edges share a hash, so a part holds every copy of its edges, in the order
    one stable sort of all would give them, and the pairs are the same.
    """
    key, forward = _canonical(edges)
    hashed = _hashed(key)
    parts = usable_cpus() if len(edges) >= _THREADED_MIN_EDGES else 1
    if parts == 1:
        found = _pairs_in(np.arange(len(edges)), hashed, key, forward)
    else:
        bits = np.uint64(64 - max(1, (parts - 1).bit_length()))
        part = (hashed >> bits).astype(np.intp) % parts
        members = [np.flatnonzero(part == k) for k in range(parts)]
        with ThreadPoolExecutor(max_workers=parts) as pool:  # numpy sorts without the GIL
            pieces = list(pool.map(lambda at: _pairs_in(at, hashed, key, forward), members))
        whole = [p for p in pieces if p is not None]
        found = np.concatenate(whole) if len(whole) == parts else None
    if found is None:
        return None
    paired = np.zeros(len(edges), dtype=bool)
    paired[found] = True
    return edges[~paired]


def _pairs_in(
    at: npt.NDArray[np.intp],
    hashed: npt.NDArray[np.uint64],
    key: _Edges,
    forward: npt.NDArray[np.bool_],
) -> npt.NDArray[np.intp] | None:
    """Return the edges among ``at`` met once each way; None when one is met twice the same way.

    ``at`` holds every edge of its hashes, in increasing order (positions in
    ``hashed``, ``key`` and ``forward``).
    """
    order = at[np.argsort(hashed[at], kind="stable")]
    near = np.flatnonzero(hashed[order[1:]] == hashed[order[:-1]])
    first, second = order[near], order[near + 1]
    equal = (key[first] == key[second]).all(axis=1)
    same = np.zeros(max(len(order) - 1, 0), dtype=bool)
    same[near[equal]] = True
    first, second = first[equal], second[equal]
    if (same[1:] & same[:-1]).any() or (forward[first] == forward[second]).any():
        return None
    return np.concatenate([first, second])


def _noded(lines: npt.NDArray[np.object_]) -> bool:
    """Whether the segments meet only at shared endpoints."""
    first, second = shapely.STRtree(lines).query(lines, predicate="intersects")
    keep = first < second
    return bool(
        shapely.relate_pattern(lines[first[keep]], lines[second[keep]], _ENDPOINT_ONLY).all()
    )


def _void(rows: _Edges) -> npt.NDArray[np.void]:
    """View rows of four float64 as one opaque value each (exact bytes: sortable, comparable)."""
    rows = np.ascontiguousarray(rows, dtype=np.float64)
    return rows.view(np.dtype((np.void, rows.dtype.itemsize * 4))).ravel()


def _winding_at_most_one(unmatched: _Edges, lines: npt.NDArray[np.object_]) -> bool:
    """Whether the faces of the unmatched edges are each wholly left or right of their edges."""
    faces, cuts, dangles, invalid = shapely.polygonize_full(lines)
    if not all(shapely.is_empty(g) for g in (cuts, dangles, invalid)):
        return False
    polygons = shapely.orient_polygons(np.asarray(shapely.get_parts(faces), dtype=object))
    found = _ring_edges(polygons)
    if found is None or not len(polygons):
        return False
    face_edges, face = found[:2]
    key, _ = _canonical(unmatched)
    face_key, _ = _canonical(face_edges)
    order = np.argsort(_void(key), kind="stable")
    keys = _void(key)[order]
    where = np.searchsorted(keys, _void(face_key))
    if (where >= len(keys)).any() or (keys[where] != _void(face_key)).any():
        return False
    which = order[where]
    left = (unmatched[which] == face_edges).all(axis=1)
    if not (left | (unmatched[which] == face_edges[:, [2, 3, 0, 1]]).all(axis=1)).all():
        return False
    first = np.searchsorted(face, np.arange(len(polygons)))
    all_left = np.logical_and.reduceat(left, first)
    any_left = np.logical_or.reduceat(left, first)
    if (all_left != any_left).any():
        return False
    left_of = np.bincount(which[left], minlength=len(unmatched))
    return bool((left_of == 1).all())


def matched_coverage(geoms: npt.NDArray[np.object_]) -> bool:
    """Whether valid, oriented polygons are shown by their edges alone to form a valid coverage.

    ``matched_coverage_edges(geoms) is not None`` (see :func:`matched_coverage_edges`).

    Parameters
    ----------
    geoms : numpy.ndarray of shapely Polygon or MultiPolygon
        Valid polygons, exteriors counter-clockwise and holes clockwise
        (:func:`shapely.orient_polygons`), in one planar frame (any CRS).

    Returns
    -------
    bool
        True: the polygons form a valid coverage (``shapely.coverage_is_valid``
        would say so): no two share area, shared edges match vertex for vertex.
        False: not known (T-junctions, overlaps, anything the test does not
        decide); ask ``shapely.coverage_is_valid``.
    """
    return matched_coverage_edges(geoms) is not None


def matched_coverage_edges(
    geoms: npt.NDArray[np.object_], rings: RingLayout | None = None
) -> _Edges | None:
    """Return the unmatched edges of polygons :func:`matched_coverage` shows a coverage, or None.

    Parameters
    ----------
    geoms : numpy.ndarray of shapely Polygon or MultiPolygon
        As for :func:`matched_coverage`.
    rings : RingLayout, optional
        Their rings (oriented as ``geoms``), laid out already: the coordinates
        of :func:`spatial.measure.rings.ring_layout` of ``geoms``, in any order
        of geometries but each geometry's rings in its order.

    Returns
    -------
    numpy.ndarray of shape (n, 4) or None
        ``x0, y0, x1, y1`` (the polygons' CRS) of every ring edge no other
        polygon shares, as stored: the boundary of the polygons' union (a
        shared edge has the union on both sides). None where
        :func:`matched_coverage` says False.
    """
    if not len(geoms):
        return None
    found = _ring_edges(np.asarray(geoms, dtype=object), rings)
    if found is None:
        return None
    edges, geom, ring, exterior = found
    if (
        not len(edges)
        or not _wound_as_oriented(edges, ring, exterior)
        or _touches_itself(edges, geom, ring)
    ):
        return None
    unmatched = _unmatched(edges)
    if unmatched is None or not len(unmatched):
        return None
    lines = np.asarray(shapely.linestrings(unmatched.reshape(-1, 2, 2)), dtype=object)
    return unmatched if _noded(lines) and _winding_at_most_one(unmatched, lines) else None


#: Public names of the edge helpers other packages use (the same functions): a layer's ring
#: edges as stored, each edge with its lesser endpoint first, and one 64-bit hash of each.
ring_edges = _ring_edges
canonical_edges = _canonical
edge_hashes = _hashed
__all__ += ["canonical_edges", "edge_hashes", "ring_edges"]
