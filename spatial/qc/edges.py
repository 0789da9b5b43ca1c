"""The ring edges of a whole layer, matched by their endpoints: which two features hold exactly.

Where the features of a coverage meet, they share their edges vertex for
vertex; an edge no second feature holds exactly bounds the outline, a gap, an
overlap or a T-junction. :func:`layer_edges` keys every edge of every feature
by its two endpoints, exactly as stored (the CRS is the layer's own; nothing is
moved), and tells which are *matched*: held by exactly two features, neither
off the coverage. The coordinates are read once; of each edge only its start
(a position in them), its place in hash order, its 64-bit hash and whether it
is matched are kept, the keys made again where compared (a million 图斑 hold
about six million edges).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import shapely

from spatial.cpus import usable_cpus
from spatial.validate.coverage import canonical_edges, edge_hashes

__all__ = ["LayerEdges", "layer_edges", "segments_of_rings"]

#: Edges keyed at a time (each chunk's keys are made, hashed or compared, then dropped).
_CHUNK = 1 << 17


@dataclass(frozen=True)
class LayerEdges:
    """Every ring edge of a layer's features, in order of hash, and which are matched.

    Attributes
    ----------
    coords : numpy.ndarray of float64, shape (n, 2)
        Every vertex of every ring, ring after ring, in the layer's CRS.
    start : numpy.ndarray of intp
        Each edge runs from ``coords[start]`` to ``coords[start + 1]`` (none of zero length).
    order : numpy.ndarray of intp
        The edges in increasing order of hash.
    hashed : numpy.ndarray of uint64
        The hash of each edge's canonical endpoints, in that order (sorted).
    matched : numpy.ndarray of bool
        By edge: held by exactly two features, neither off the coverage.
    """

    coords: npt.NDArray[np.float64]
    start: npt.NDArray[np.intp]
    order: npt.NDArray[np.intp]
    hashed: npt.NDArray[np.uint64]
    matched: npt.NDArray[np.bool_]

    def keys(self, edges: npt.NDArray[np.intp]) -> npt.NDArray[np.float64]:
        """Return the canonical endpoints ``(x0, y0, x1, y1)`` of the edges at ``edges``."""
        at = self.start[edges]
        return canonical_edges(np.column_stack([self.coords[at], self.coords[at + 1]]))[0]

    def unmatched_lines(self) -> npt.NDArray[np.object_]:
        """Return each edge that is not matched as a two-point LineString."""
        at = self.start[~self.matched]
        ends = np.stack([self.coords[at], self.coords[at + 1]], axis=1)
        return np.asarray(shapely.linestrings(ends), dtype=object)

    def held(self, segments: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
        """Which segments ``(x0, y0, x1, y1)`` (either way round) are exactly a matched edge."""
        if not len(segments) or not len(self.order):
            return np.zeros(len(segments), dtype=bool)
        key, _ = canonical_edges(segments)
        hashed = edge_hashes(key)
        where = np.minimum(np.searchsorted(self.hashed, hashed), len(self.hashed) - 1)
        edge = self.order[where]  # the first edge of the hash: a matched pair's first
        candidate = (self.hashed[where] == hashed) & self.matched[edge]
        held = np.zeros(len(segments), dtype=bool)
        at = np.flatnonzero(candidate)
        held[at] = (self.keys(edge[at]) == key[at]).all(axis=1)
        return held


def _rings(
    geoms: npt.NDArray[np.object_], positions: npt.NDArray[np.intp]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.intp], npt.NDArray[np.intp]] | None:
    """Return every ring's vertices, the ring of each vertex and the position owning each ring.

    None when a geometry is not a Polygon or MultiPolygon.
    """
    kinds = shapely.get_type_id(geoms)
    if not np.isin(kinds, (3, 6)).all():
        return None
    multi = np.flatnonzero(kinds == 6)
    parts, part_of = shapely.get_parts(geoms[multi], return_index=True)
    single = np.flatnonzero(kinds == 3)
    polygons = np.concatenate([geoms[single], parts])
    owner = np.concatenate([positions[single], positions[multi][part_of]])
    holed = shapely.get_num_interior_rings(polygons) > 0  # one ring: the polygon's coordinates
    rings, ring_of_polygon = shapely.get_rings(polygons[holed], return_index=True)
    ring_geoms = np.concatenate([polygons[~holed], rings])
    ring_owner = np.concatenate([owner[~holed], owner[holed][ring_of_polygon]])
    coords, ring_of = shapely.get_coordinates(ring_geoms, return_index=True)
    return coords, ring_of, ring_owner


def _hashes(coords: npt.NDArray[np.float64], start: npt.NDArray[np.intp]) -> npt.NDArray[np.uint64]:
    """Return the hash of each edge's canonical endpoints, a chunk at a time on threads."""
    hashed = np.empty(len(start), dtype=np.uint64)

    def chunk(first: int) -> None:
        at = start[first : first + _CHUNK]
        key, _ = canonical_edges(np.column_stack([coords[at], coords[at + 1]]))
        hashed[first : first + _CHUNK] = edge_hashes(key)

    with ThreadPoolExecutor(max_workers=usable_cpus()) as pool:  # numpy releases the GIL
        list(pool.map(chunk, range(0, len(start), _CHUNK)))
    return hashed


def _argsort(hashed: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
    """Return the order of the hashes (one sort: no copies of the halves to hold)."""
    return np.argsort(hashed)


def _matched(
    edges: LayerEdges, owner: npt.NDArray[np.intp], off: npt.NDArray[np.bool_]
) -> npt.NDArray[np.bool_]:
    """Which edges are held, exactly, by two features and no more, neither off the coverage.

    ``owner`` is the layer position of each edge's feature.
    """
    hashed, order = edges.hashed, edges.order
    first = np.flatnonzero(np.r_[True, hashed[1:] != hashed[:-1]]) if len(order) else order[:0]
    pair = first[np.diff(np.r_[first, len(order)]) == 2]
    del first
    a, b = order[pair], order[pair + 1]
    del pair
    keep = ~off[owner[a]] & ~off[owner[b]] & (owner[a] != owner[b])
    a, b = a[keep], b[keep]
    vertex = edges.coords.view(np.complex128).ravel()  # x + iy: one exact comparison a vertex
    equal = np.zeros(len(a), dtype=bool)
    for at in range(0, len(a), _CHUNK):
        part = slice(at, at + _CHUNK)
        a0, b0 = vertex[edges.start[a[part]]], vertex[edges.start[b[part]]]
        a1, b1 = vertex[edges.start[a[part]] + 1], vertex[edges.start[b[part]] + 1]
        equal[part] = ((a0 == b1) & (a1 == b0)) | ((a0 == b0) & (a1 == b1))
    matched = np.zeros(len(order), dtype=bool)
    matched[a[equal]] = True
    matched[b[equal]] = True
    return matched


def layer_edges(
    geoms: npt.NDArray[np.object_], present: npt.NDArray[np.bool_], off: npt.NDArray[np.bool_]
) -> LayerEdges | None:
    """Return the ring edges of the layer's present features and which are matched.

    Parameters
    ----------
    geoms : numpy.ndarray of shapely geometries
        The layer's (repaired) geometries, in its own CRS.
    present : numpy.ndarray of bool
        Which geometries are neither missing nor empty; only these are read.
    off : numpy.ndarray of bool
        Which features are off the coverage: their edges are matched with none.

    Returns
    -------
    LayerEdges or None
        None when a present geometry is not polygonal. An edge of no length (a
        repeated vertex) bounds nothing and is left out.
    """
    positions = np.flatnonzero(present)
    found = _rings(geoms[positions], positions)
    if found is None:
        return None
    coords, ring_of, ring_owner = found
    start = np.flatnonzero((ring_of[1:] == ring_of[:-1]) & (coords[1:] != coords[:-1]).any(axis=1))
    owner = ring_owner[ring_of[start]]
    del ring_of, ring_owner
    hashed = _hashes(coords, start)
    order = _argsort(hashed)
    hashed = hashed[order]
    edges = LayerEdges(coords, start, order, hashed, np.zeros(0, dtype=bool))
    return replace(edges, matched=_matched(edges, owner, off))


def segments_of_rings(rings: npt.NDArray[np.object_]) -> tuple[np.ndarray, np.ndarray]:
    """Return the segments ``(x0, y0, x1, y1)`` of rings and the ring of each.

    Examples
    --------
    >>> ring = shapely.box(0, 0, 1, 1).exterior
    >>> segments, of = segments_of_rings(np.array([ring]))
    >>> len(segments), of.tolist()
    (4, [0, 0, 0, 0])
    """
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    return np.column_stack([coords[:-1], coords[1:]])[same], ring[1:][same]
