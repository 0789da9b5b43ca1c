"""The classify-first engine behind :func:`spatial.overlay.tabulate_intersection`.

Tabulating two polygon layers (a million land parcels against a plan's zones,
say) needs only the *area* of each intersecting pair, not the pieces. So,
instead of cutting every pair as :func:`geopandas.overlay` does:

1. candidate pairs come from comparing bounding boxes: plain numpy for a
   handful of features in the smaller layer, an STR tree for more;
2. a pair whose bounding box does not come near the smaller feature's
   boundary (a grid of boundary cells, or an STR tree of boundary boxes) lies
   wholly inside or wholly outside it: one point-in-polygon test decides, and
   a feature wholly inside counts with its full area, uncut;
3. the few pairs near a boundary are settled by ``contains_properly`` and
   ``intersects`` against *prepared* copies of the smaller layer, and only the
   pairs that really cross are intersected (one vectorised GEOS call; a zone
   drawn with many vertices is first cut into tiles of at most 256);
4. areas are the area of record (:func:`spatial.measure.record.area_of_record_m2`:
   CGCS2000 ellipsoid, edges straight in geodetic lon/lat, from every vertex's
   geodetic coordinates in one vectorised pass), for the pieces and the wholes alike.

Every feature that takes part is checked with ``shapely.is_valid`` first. The
larger layer can be split across threads; results do not depend on the split.

Topology is computed in the input coordinates (EPSG:4326 lon/lat, or the
layers' common projected CRS, a Gauss–Krüger zone say), as ``geopandas.overlay``
does, so the pieces are the same. Because the area of record sums strips edge
by edge, and a cut only adds vertices on edges, the pieces of a feature add up
to the whole to rounding (about 1e-12 relative), whatever the cuts and tiles.

Prepared GEOS geometries are not thread-safe (GEOS issue #825): the engine
prepares private copies of the smaller layer on every call and never prepares
the caller's geometries, so calls may run concurrently in threads.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS
from shapely.errors import GEOSException

from spatial.errors import LayerError
from spatial.measure.record import area_of_record_m2
from spatial.measure.rings import polygonal_mask, polygonal_parts
from spatial.units import M2_PER_KM2
from spatial.validate.inputs import Known

__all__ = [
    "TABULATION_COLUMNS",
    "InvalidFeatureError",
    "Known",
    "PairAreas",
    "Tuning",
    "in_plane",
    "intersection_areas",
    "tabulation_frame",
]

#: Columns of a tabulation: the two ids, the shared area (km², ellipsoidal) and the two shares.
TABULATION_COLUMNS = ["a_id", "b_id", "area_km2", "share_of_a", "share_of_b"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
_MAX_TILE_DEPTH = 16
#: How far a tile's box is grown on every side, as a share of its longer side: a crossing
#: feature up to about that size fits in some tile; a larger one meets the whole feature.
_TILE_GROWTH = 0.25


@dataclass(frozen=True)
class Tuning:
    """How the engine splits its work; results do not depend on it, except as noted.

    Attributes
    ----------
    min_chunk : int
        Fewest features of the larger layer worth a thread of their own.
    few_small : int
        Up to this many features in the smaller layer, candidates come from
        numpy box comparisons and boundary grids rather than STR trees.
    max_tile_vertices : int
        Features of the smaller layer with more vertices than this are cut into
        tiles of at most this many before crossing features are intersected
        with them. Tile cuts only add vertices on edges, so the areas are the
        same to rounding (see ``_crossing_areas``).
    """

    min_chunk: int = 20_000
    few_small: int = 32
    max_tile_vertices: int = 256


@dataclass(frozen=True)
class PairAreas:
    """Areas of every pair of features of two layers that overlap with positive area.

    All arrays are aligned, one entry per pair, sorted by ``a_index`` then ``b_index``.

    Attributes
    ----------
    a_index, b_index : numpy.ndarray of int64
        Positions (0-based, not labels) of the features in ``a`` and ``b``.
    area_m2 : numpy.ndarray of float
        Area of record of the pair's intersection, m².
    a_area_m2, b_area_m2 : numpy.ndarray of float
        Area of record of the whole ``a`` (``b``) feature of the pair, m².
    plane : numpy.ndarray of float, shape (n, 3), optional
        In a projected CRS only: the pair's piece in that plane, its area
        (``shapely.area``, square units of the CRS) and first moments (area
        times the x and y of its centroid; for a piece counted whole, of its
        bounding box's centre). Plane areas add up exactly where areas of
        record add up only to the lenses between the two edge models:
        :mod:`spatial.overlay._closure` finds a feature's uncovered remainder,
        and where it lies, with them. None in lon/lat.
    """

    a_index: IntArray
    b_index: IntArray
    area_m2: FloatArray
    a_area_m2: FloatArray
    b_area_m2: FloatArray
    plane: FloatArray | None = None

    def __len__(self) -> int:
        return len(self.a_index)


class InvalidFeatureError(LayerError):
    """A feature taking part in the tabulation is not a valid geometry.

    Attributes
    ----------
    layer : str
        ``"a"`` or ``"b"``.
    position : int
        0-based position of the feature in its layer.
    reason : str
        GEOS's reason, e.g. ``"Self-intersection[106.25 29.55]"``.
    """

    def __init__(self, layer: str, position: int, reason: str) -> None:
        self.layer, self.position, self.reason = layer, position, reason
        super().__init__(f"layer {layer}: feature #{position}: invalid geometry: {reason}")


def _first_invalid(geoms: npt.NDArray[np.object_], positions: IntArray) -> tuple[int, str] | None:
    """Return the first of ``geoms[positions]`` that is invalid and its reason, or None."""
    positions = np.unique(positions)
    valid = shapely.is_valid(geoms[positions])
    if valid.all():
        return None
    first = int(positions[np.argmin(valid)])
    return first, str(shapely.is_valid_reason(geoms[first]))


def _private_copies(geoms: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """Independent GEOS copies (through WKB), so preparing them touches no caller object."""
    return shapely.from_wkb(shapely.to_wkb(geoms))


def _geos_call(func: Callable[..., Any], what: str, *arrays: npt.NDArray[Any]) -> npt.NDArray[Any]:
    try:
        result: npt.NDArray[Any] = func(*arrays)
    except GEOSException as exc:
        raise LayerError(
            f"{what}: GEOS failed on an invalid geometry ({exc}); run the layer check "
            "(shapely.make_valid repairs most self-intersections)"
        ) from None
    return result


@dataclass(frozen=True)
class _Classified:
    """Candidate pairs (big, small): the big feature lies wholly inside, or crosses."""

    big: IntArray
    small: IntArray
    inside: npt.NDArray[np.bool_]
    crossing: npt.NDArray[np.bool_]


def _ring_coordinates(
    geoms: npt.NDArray[np.object_],
) -> tuple[npt.NDArray[np.float64], IntArray, IntArray]:
    """Coordinates of every ring of every polygon, each coordinate's ring, each ring's feature."""
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    xy = shapely.get_coordinates(rings)
    ring_of = np.repeat(np.arange(len(rings)), shapely.get_num_coordinates(rings))
    return xy, ring_of, part_of[ring_part].astype(np.int64)


def _boundary_boxes(
    small: npt.NDArray[np.object_], piece_deg: float
) -> tuple[npt.NDArray[np.object_], IntArray]:
    """Boxes covering every boundary (shell and hole) of ``small``, one per short piece of edge.

    Each edge is cut into pieces no longer than ``piece_deg`` so that a box hugs
    its piece; boxes are padded by 1e-9° (0.1 mm) so rounding never lets a
    boundary slip between them. Returns the boxes and the feature each belongs to.
    """
    xy, ring_of, ring_feature = _ring_coordinates(small)
    same = ring_of[1:] == ring_of[:-1]
    p, q = xy[:-1][same], xy[1:][same]
    owner = ring_feature[ring_of[:-1][same]]
    n = np.maximum(1, np.ceil(np.hypot(*(q - p).T) / piece_deg)).astype(np.int64)
    seg = np.repeat(np.arange(len(p)), n)
    step = np.arange(len(seg)) - np.repeat(np.cumsum(n) - n, n)
    t0, t1 = (step / n[seg])[:, None], ((step + 1) / n[seg])[:, None]
    a = p[seg] + (q[seg] - p[seg]) * t0
    b = p[seg] + (q[seg] - p[seg]) * t1
    lo, hi = np.minimum(a, b) - 1e-9, np.maximum(a, b) + 1e-9
    return shapely.box(lo[:, 0], lo[:, 1], hi[:, 0], hi[:, 1]), owner[seg]


def _piece_length_deg(big_bounds: npt.NDArray[np.float64], small_perimeter_deg: float) -> float:
    """Edge piece length for the boundary boxes: about a typical big feature's size.

    Bounded below so the boxes number at most about a million.
    """
    sizes = np.maximum(big_bounds[:, 2] - big_bounds[:, 0], big_bounds[:, 3] - big_bounds[:, 1])
    sizes = sizes[np.isfinite(sizes)]
    extent = float(np.median(sizes)) if len(sizes) else 0.0
    floor = small_perimeter_deg / 1e6
    return max(extent, floor, 1e-9)


@dataclass(frozen=True)
class _BoundaryGrid:
    """Cells (``cell_deg`` square, from ``origin``) that a feature's boundary passes near.

    ``sat`` is the summed-area table of the marked cells (one row and column of
    zeros in front), so whether a box of cells holds any boundary is four lookups.
    """

    origin: tuple[float, float]
    cell_deg: float
    sat: npt.NDArray[np.int32]

    @classmethod
    def of(cls, geom: shapely.Geometry, cell_deg: float) -> _BoundaryGrid:
        """Mark every cell within one cell of the boundary (shells and holes) of ``geom``."""
        x0, y0, x1, y1 = shapely.bounds(geom)
        # coarser cells for a feature that would need more than 4 million of them
        cell_deg = max(cell_deg, max(x1 - x0, y1 - y0) / 2000)
        nx, ny = int((x1 - x0) / cell_deg) + 3, int((y1 - y0) / cell_deg) + 3
        origin = (x0 - cell_deg, y0 - cell_deg)
        ring_xy = shapely.get_coordinates(shapely.segmentize(shapely.boundary(geom), cell_deg / 2))
        ix = np.clip(((ring_xy[:, 0] - origin[0]) / cell_deg).astype(np.int64), 0, nx - 1)
        iy = np.clip(((ring_xy[:, 1] - origin[1]) / cell_deg).astype(np.int64), 0, ny - 1)
        marked = np.zeros((ny + 2, nx + 2), dtype=bool)  # padded: dilate by one cell
        for dy in (0, 1, 2):
            for dx in (0, 1, 2):
                marked[iy + dy, ix + dx] = True
        marked = marked[1:-1, 1:-1]
        sat = np.zeros((ny + 1, nx + 1), dtype=np.int32)
        sat[1:, 1:] = marked.cumsum(axis=0, dtype=np.int32).cumsum(axis=1, dtype=np.int32)
        return cls(origin, cell_deg, sat)

    def near(self, bounds: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
        """Which boxes (rows of xmin, ymin, xmax, ymax) overlap a marked cell."""
        ny, nx = self.sat.shape[0] - 1, self.sat.shape[1] - 1

        def cell(v: npt.NDArray[np.float64], o: float, n: int) -> npt.NDArray[np.int64]:
            return np.clip(((v - o) / self.cell_deg).astype(np.int64), 0, n - 1)

        i0, i1 = cell(bounds[:, 0], self.origin[0], nx), cell(bounds[:, 2], self.origin[0], nx) + 1
        j0, j1 = cell(bounds[:, 1], self.origin[1], ny), cell(bounds[:, 3], self.origin[1], ny) + 1
        sat = self.sat
        near: npt.NDArray[np.bool_] = (sat[j1, i1] - sat[j0, i1] - sat[j1, i0] + sat[j0, i0]) > 0
        return near


def _candidates_few(
    big_bounds: npt.NDArray[np.float64], small: npt.NDArray[np.object_]
) -> tuple[IntArray, IntArray, npt.NDArray[np.bool_]]:
    """Candidate pairs and their nearness to a boundary, for a handful of small features.

    Plain comparisons of bounding boxes find the candidates; a boundary grid per
    small feature tells which may cross. Same pairs as the STR tree, by numpy.
    """
    piece = _piece_length_deg(big_bounds, float(shapely.length(small).sum()))
    bis, sis, nears = [], [], []
    for j, (x0, y0, x1, y1) in enumerate(shapely.bounds(small)):
        if np.isnan(x0):
            continue
        hit = (big_bounds[:, 0] <= x1) & (big_bounds[:, 2] >= x0)
        hit &= (big_bounds[:, 1] <= y1) & (big_bounds[:, 3] >= y0)
        idx = np.flatnonzero(hit)
        bis.append(idx)
        sis.append(np.full(len(idx), j, dtype=np.int64))
        nears.append(_BoundaryGrid.of(small[j], piece).near(big_bounds[idx]))
    if not bis:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, bool)
    bi, si, near = np.concatenate(bis), np.concatenate(sis), np.concatenate(nears)
    order = np.lexsort((si, bi))  # the tree's order: by big feature, then small
    return bi[order], si[order], near[order]


def _candidates_tree(
    big: npt.NDArray[np.object_],
    big_bounds: npt.NDArray[np.float64],
    small: npt.NDArray[np.object_],
) -> tuple[IntArray, IntArray, npt.NDArray[np.bool_]]:
    """Candidate pairs by STR tree; near a boundary if touching a box of its pieces."""
    bi, si = shapely.STRtree(small).query(big)
    bi, si = bi.astype(np.int64), si.astype(np.int64)
    if len(bi) == 0:
        return bi, si, np.zeros(0, dtype=bool)
    piece = _piece_length_deg(big_bounds[bi], float(shapely.length(small).sum()))
    boxes, owner = _boundary_boxes(small, piece)
    k, box = shapely.STRtree(boxes).query(big[bi])
    near = np.zeros(len(bi), dtype=bool)
    near[k[owner[box] == si[k]]] = True
    return bi, si, near


def _classify(
    big: npt.NDArray[np.object_],
    small: npt.NDArray[np.object_],
    roles: _Roles,
    big_bounds: npt.NDArray[np.float64] | None = None,
) -> _Classified:
    """Find candidate pairs and split them into 'big wholly inside small' and 'crossing'.

    A pair may cross only if the big feature's bounding box comes near the small
    feature's boundary (boundary grid cells for a few small features, boundary
    boxes in an STR tree for many); otherwise the whole bounding box lies on one
    side of that boundary, and one point-in-polygon test of its centre decides.
    The pairs near a boundary are settled by prepared ``contains_properly`` and
    ``intersects``, so "inside" always means ``contains_properly`` exactly,
    whatever the grid or boxes (results do not depend on how the data is split).
    """
    what = roles.what
    small_prep = _private_copies(small)
    big_bounds = shapely.bounds(big) if big_bounds is None else big_bounds
    if len(small) <= roles.tuning.few_small:
        bi, si, near = _candidates_few(big_bounds, small_prep)
    else:
        bi, si, near = _candidates_tree(big, big_bounds, small_prep)
    shapely.prepare(small_prep)
    far = np.flatnonzero(~near)
    cx = (big_bounds[bi[far], 0] + big_bounds[bi[far], 2]) / 2
    cy = (big_bounds[bi[far], 1] + big_bounds[bi[far], 3]) / 2
    inside = np.zeros(len(bi), dtype=bool)
    inside[far] = _geos_call(shapely.contains_xy, what, small_prep[si[far]], cx, cy)
    close = np.flatnonzero(near)
    inside[close] = _geos_call(
        shapely.contains_properly, what, small_prep[si[close]], big[bi[close]]
    )
    close = close[~inside[close]]
    crossing = np.zeros(len(bi), dtype=bool)
    crossing[close] = _geos_call(shapely.intersects, what, small_prep[si[close]], big[bi[close]])
    return _Classified(bi, si, inside, crossing)


def _unique_areas(
    geoms: npt.NDArray[np.object_], index: IntArray, what: str, crs: CRS | None
) -> FloatArray:
    """Area of record of ``geoms[index]``, each distinct feature measured once."""
    if len(index) and (np.diff(index) >= 0).all():  # sorted (tree query order): no hashing
        first = np.r_[True, index[1:] != index[:-1]]
        uniq, inverse = index[first], np.cumsum(first) - 1
    else:
        uniq, inverse = np.unique(index, return_inverse=True)
    areas_m2: FloatArray = area_of_record_m2(geoms[uniq], crs, what)[inverse]
    return areas_m2


@dataclass(frozen=True)
class _Roles:
    """Which input is the big layer (queried) and which the small one (tree, prepared)."""

    a_is_big: bool
    what: str
    what_big: str
    what_small: str
    crs: CRS | None
    check_valid: bool
    tuning: Tuning


def _leaf_boxes(geom: shapely.Geometry, max_vertices: int) -> list[tuple[float, ...]]:
    """Boxes halving ``geom``'s box until the part of ``geom`` in each has few enough vertices."""
    boxes: list[tuple[float, ...]] = []
    todo: list[tuple[shapely.Geometry, tuple[float, ...], int]] = [
        (geom, tuple(shapely.bounds(geom).tolist()), 0)
    ]
    while todo:
        part, (x0, y0, x1, y1), depth = todo.pop()
        if shapely.get_num_coordinates(part) <= max_vertices or depth >= _MAX_TILE_DEPTH:
            boxes.append((x0, y0, x1, y1))
            continue
        if x1 - x0 >= y1 - y0:
            halves = [(x0, y0, (x0 + x1) / 2, y1), ((x0 + x1) / 2, y0, x1, y1)]
        else:
            halves = [(x0, y0, x1, (y0 + y1) / 2), (x0, (y0 + y1) / 2, x1, y1)]
        for half in halves:
            cut = polygonal_parts(np.array([shapely.intersection(part, shapely.box(*half))]))[0]
            if not cut.is_empty:
                todo.append((cut, half, depth + 1))
    return boxes


def _tiles(
    small: npt.NDArray[np.object_], detailed: IntArray, max_vertices: int
) -> tuple[npt.NDArray[np.object_], IntArray, FloatArray]:
    """Overlapping tiles of the detailed small features: tiles, owners and their boxes.

    Each tile is the feature cut by a box of the halving grown by
    :data:`_TILE_GROWTH` of that box's longer side on every side; the returned
    boxes are the grown ones. A big feature whose bounding box lies inside a
    tile's box meets the feature there exactly as it meets the whole, and the
    tile's cut lines lie outside it. The tiles depend on the small feature
    alone, so every call (every unit or partition of a large layer) cuts a
    crossing feature with the same tile: results do not depend on the split.
    """
    tiles: list[shapely.Geometry] = []
    owner: list[int] = []
    boxes: list[tuple[float, ...]] = []
    for j in detailed:
        feature_tiles, feature_boxes = _feature_tiles(shapely.to_wkb(small[j]), max_vertices)
        tiles.extend(feature_tiles)
        boxes.extend(feature_boxes)
        owner.extend([int(j)] * len(feature_tiles))
    return (
        np.array(tiles, dtype=object),
        np.array(owner, dtype=np.int64),
        np.array(boxes, dtype=float).reshape(-1, 4),
    )


@lru_cache(maxsize=4096)  # a plan's detailed zones; more only costs the cutting again
def _feature_tiles(
    wkb: bytes, max_vertices: int
) -> tuple[tuple[shapely.Geometry, ...], tuple[tuple[float, ...], ...]]:
    """Cut one feature (given as WKB) into tiles; return them and their grown boxes.

    Cached: a large layer tabulated unit by unit meets the same zones in every
    unit. Tiles are never prepared, so threads may share them.
    """
    geom = shapely.from_wkb(wkb)
    tiles, boxes = [], []
    for x0, y0, x1, y1 in _leaf_boxes(geom, max_vertices):
        margin = _TILE_GROWTH * max(x1 - x0, y1 - y0)
        box = (x0 - margin, y0 - margin, x1 + margin, y1 + margin)
        tiles.append(shapely.intersection(geom, shapely.box(*box)))
        boxes.append(box)
    return tuple(polygonal_parts(np.array(tiles, dtype=object))), tuple(boxes)


def _crossing_areas(
    big: npt.NDArray[np.object_],
    small: npt.NDArray[np.object_],
    bi: IntArray,
    si: IntArray,
    roles: _Roles,
) -> tuple[FloatArray, FloatArray]:
    """Area of record of each crossing pair's intersection, m², and its plane area and moments.

    GEOS's cost grows with the vertices of both sides, so a feature of more than
    ``Tuning.max_tile_vertices`` (a zone drawn in detail) is first cut into
    overlapping tiles, and each crossing feature is intersected with one tile
    whose box holds its whole bounding box (or, if none does, with the whole
    feature). Tiles overlap by a quarter of their size on every side, and the
    tile's cut lines lie outside the crossing feature, so the piece is exactly
    the piece cut from the whole: no vertex is added on an edge of either
    layer (which, in a projected CRS, would move it off its lon/lat line).
    """
    area = np.zeros(len(bi), dtype=float)
    cut = np.full(len(bi), None, dtype=object)
    is_detailed = shapely.get_num_coordinates(small) > roles.tuning.max_tile_vertices
    plain = np.flatnonzero(~is_detailed[si])
    pieces = _geos_call(shapely.intersection, roles.what, big[bi[plain]], small[si[plain]])
    cut[plain] = polygonal_parts(pieces)
    area[plain] = area_of_record_m2(cut[plain], roles.crs, "intersection")
    tiled = np.flatnonzero(is_detailed[si])
    if tiled.size:
        tiles, owner, boxes = _tiles(
            small, np.flatnonzero(is_detailed), roles.tuning.max_tile_vertices
        )
        partner = np.full(len(tiled), -1, dtype=np.int64)
        k, t = shapely.STRtree(
            shapely.box(boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3])
        ).query(big[bi[tiled]], predicate="within")
        mine = owner[t] == si[tiled[k]]
        partner[k[mine]] = t[mine]  # any one tile whose box holds the feature
        with_tile = np.flatnonzero(partner >= 0)
        mates = small[si[tiled]].copy()
        mates[with_tile] = tiles[partner[with_tile]]
        pieces = _geos_call(shapely.intersection, roles.what, big[bi[tiled]], mates)
        cut[tiled] = polygonal_parts(pieces)
        area[tiled] = area_of_record_m2(cut[tiled], roles.crs, "intersection")
    plane = np.zeros((len(bi), 3))
    if in_plane(roles.crs):
        plane[:, 0] = shapely.area(cut)
        some = np.flatnonzero(plane[:, 0] > 0)  # an empty piece has no centroid
        centre = shapely.get_coordinates(shapely.centroid(cut[some]))
        plane[some, 1:] = centre * plane[some, :1]
    return area, plane


#: One chunk's pairs: big and small positions, shared area, big and small areas, plane moments.
_ChunkResult = tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray, FloatArray]


def in_plane(crs: CRS | None) -> bool:
    """Whether ``crs`` is projected: pieces cut there get plane areas, and are reconciled."""
    return crs is not None and not crs.is_geographic


def _chunk_pairs(
    big: npt.NDArray[np.object_],
    small: npt.NDArray[np.object_],
    roles: _Roles,
    offset: int,
    big_bounds: npt.NDArray[np.float64] | None = None,
) -> _ChunkResult:
    """Pairs of one chunk of the big layer: (big pos, small pos, area, big area, small area, plane).

    ``plane`` is :attr:`PairAreas.plane` (zeros in lon/lat).

    Before any cut, the big features that take part (wholly inside or crossing)
    are checked for validity, so that none is measured wrong in silence.
    """
    big_bounds = shapely.bounds(big) if big_bounds is None else big_bounds
    pairs = _classify(big, small, roles, big_bounds)
    if roles.check_valid:
        bad = _first_invalid(big, pairs.big[pairs.inside | pairs.crossing])
        if bad is not None:
            raise InvalidFeatureError("a" if roles.a_is_big else "b", bad[0] + offset, bad[1])
    cut = np.flatnonzero(pairs.crossing)
    area = np.zeros(len(pairs.big), dtype=float)
    plane = np.zeros((len(pairs.big), 3))
    area[cut], plane[cut] = _crossing_areas(big, small, pairs.big[cut], pairs.small[cut], roles)
    keep = np.flatnonzero(pairs.inside | (area > 0))
    big_i, small_i = pairs.big[keep], pairs.small[keep]
    big_area = _unique_areas(big, big_i, roles.what_big, roles.crs)
    small_area = _unique_areas(small, small_i, roles.what_small, roles.crs)
    area = area[keep]
    inside = pairs.inside[keep]
    area[inside] = big_area[inside]
    plane = plane[keep]
    if in_plane(roles.crs):
        box = big_bounds[big_i[inside]]
        plane[inside, 0] = shapely.area(big[big_i[inside]])
        plane[inside, 1] = (box[:, 0] + box[:, 2]) / 2 * plane[inside, 0]
        plane[inside, 2] = (box[:, 1] + box[:, 3]) / 2 * plane[inside, 0]
    return big_i, small_i, area, big_area, small_area, plane


def _run_chunks(
    big: npt.NDArray[np.object_],
    small: npt.NDArray[np.object_],
    roles: _Roles,
    threads: int,
    big_bounds: npt.NDArray[np.float64] | None = None,
) -> _ChunkResult:
    """Split the big layer into one chunk per thread; each thread prepares its own copies."""
    n_chunks = max(1, min(threads, len(big) // max(1, roles.tuning.min_chunk)))
    bounds = np.linspace(0, len(big), n_chunks + 1).astype(np.int64)

    def run(k: int) -> _ChunkResult:
        lo, hi = bounds[k], bounds[k + 1]
        chunk_bounds = None if big_bounds is None else big_bounds[lo:hi]
        bi, si, area, big_area, small_area, plane = _chunk_pairs(
            big[lo:hi], small, roles, int(lo), chunk_bounds
        )
        return bi + lo, si, area, big_area, small_area, plane

    if n_chunks == 1:
        return run(0)
    with ThreadPoolExecutor(max_workers=n_chunks) as pool:
        parts = list(pool.map(run, range(n_chunks)))
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))  # type: ignore[return-value]


def intersection_areas(  # noqa: PLR0913 - all but a, b, names are keyword-only, defaulted
    a: npt.ArrayLike,
    b: npt.ArrayLike,
    names: tuple[str, str] = ("a", "b"),
    *,
    crs: CRS | None = None,
    threads: int = 1,
    index: Literal["smaller", "a", "b"] = "smaller",
    check_valid: bool = True,
    tuning: Tuning = Tuning(),  # frozen: one shared default is safe
    known: tuple[Known | None, Known | None] = (None, None),
) -> PairAreas:
    """Areas of record of the intersections of every overlapping pair of polygons.

    Parameters
    ----------
    a, b : array-like of shapely (Multi)Polygons
        The two layers, both in ``crs``. Either may be the large one. Missing
        and empty geometries take part in no pair.
    names : (str, str)
        How to name the layers in error messages.
    crs : pyproj.CRS, optional
        The CRS of both layers, where the cuts are made; by default geodetic
        lon/lat (EPSG:4326, x = longitude). In a projected CRS (a Gauss–Krüger
        zone) every area is measured from the geodetic coordinates of the
        vertices (the land-survey rule). Results are bit-identical for any
        split of ``a``.
    threads : int
        Threads to split the larger layer across (GEOS releases the GIL); each
        thread prepares its own copies of the smaller layer.
    index : {"smaller", "a", "b"}
        Which layer goes into the STR tree and is prepared: by default the one
        with fewer features. Fix it (``"b"``) when tabulating partitions of ``a``
        against a whole ``b``, so every partition takes the same route and the
        results are bit-identical to one call on the whole of ``a``.
    check_valid : bool
        Check that every feature taking part in a pair is a valid geometry
        (``shapely.is_valid``) before measuring; features that overlap nothing
        are not checked.
    tuning : Tuning
        How to split the work (threads' chunks, candidate search, tiles of
        detailed features); the defaults suit this machine.
    known : (Known or None, Known or None)
        Type ids and bounds of ``a`` and of ``b`` that the caller already
        computed (its checks do): the engine then skips its own passes over
        them (0.03 s each a million features). Results are the same.

    Returns
    -------
    PairAreas
        One entry per pair whose intersection has positive area (pairs that only
        touch along an edge or at a point are left out).

    Raises
    ------
    InvalidFeatureError
        A feature taking part in a pair is not valid (with ``check_valid``).
    LayerError
        A geometry is not polygonal, or is so invalid that GEOS cannot intersect it.
    CRSError
        ``crs`` is lon/lat and coordinates are not lon/lat degrees.

    Examples
    --------
    Two 0.001° squares overlapping by half, at Bishan:

    >>> a = [shapely.box(106.200, 29.600, 106.201, 29.601)]
    >>> b = [shapely.box(106.2005, 29.600, 106.2015, 29.601), shapely.box(107, 29, 107.1, 29.1)]
    >>> pairs = intersection_areas(a, b)
    >>> pairs.b_index.tolist(), round(float(pairs.area_m2[0] / pairs.a_area_m2[0]), 6)
    ([0], 0.5)
    """
    a = np.asarray(a, dtype=object).ravel()
    b = np.asarray(b, dtype=object).ravel()
    what_a, what_b = names
    known_a, known_b = (k or Known() for k in known)
    a_idx = np.flatnonzero(polygonal_mask(a, what_a, _checked(known_a.type_id, a, "type ids")))
    b_idx = np.flatnonzero(polygonal_mask(b, what_b, _checked(known_b.type_id, b, "type ids")))
    if index not in ("smaller", "a", "b"):
        raise ValueError(f"index must be 'smaller', 'a' or 'b', not {index!r}")
    a_is_big = index == "b" or (index == "smaller" and len(a_idx) >= len(b_idx))
    big_idx, small_idx = (a_idx, b_idx) if a_is_big else (b_idx, a_idx)
    big_all, small_all = (a, b) if a_is_big else (b, a)
    roles = _Roles(
        a_is_big=a_is_big,
        what=f"{what_a} x {what_b}",
        what_big=what_a if a_is_big else what_b,
        what_small=what_b if a_is_big else what_a,
        crs=crs,
        check_valid=check_valid,
        tuning=tuning,
    )
    small = small_all[small_idx]
    if check_valid:
        bad = _first_invalid(small, np.arange(len(small)))
        if bad is not None:
            raise InvalidFeatureError("b" if a_is_big else "a", int(small_idx[bad[0]]), bad[1])
    whole = len(big_idx) == len(big_all)
    big = big_all if whole else big_all[big_idx]  # no copy if all polygons
    big_bounds = _checked((known_a if a_is_big else known_b).bounds, big_all, "bounds")
    if big_bounds is not None and not whole:
        big_bounds = big_bounds[big_idx]
    try:
        bi, si, area, big_area, small_area, plane = _run_chunks(
            big, small, roles, threads, big_bounds
        )
    except InvalidFeatureError as exc:  # the chunk knows positions among the big layer's polygons
        raise InvalidFeatureError(exc.layer, int(big_idx[exc.position]), exc.reason) from None
    big_pos, small_pos = big_idx[bi], small_idx[si]
    a_pos, b_pos = (big_pos, small_pos) if a_is_big else (small_pos, big_pos)
    a_area, b_area = (big_area, small_area) if a_is_big else (small_area, big_area)
    planes = plane if in_plane(crs) else None
    step_a, step_b = np.diff(a_pos), np.diff(b_pos)
    if ((step_a > 0) | ((step_a == 0) & (step_b > 0))).all():  # chunks come back in order
        return PairAreas(a_pos, b_pos, area, a_area, b_area, planes)
    order = np.lexsort((b_pos, a_pos))
    return PairAreas(
        a_pos[order],
        b_pos[order],
        area[order],
        a_area[order],
        b_area[order],
        None if planes is None else planes[order],
    )


def _checked(values: np.ndarray | None, geoms: np.ndarray, what: str) -> np.ndarray | None:
    if values is not None and len(values) != len(geoms):
        raise ValueError(f"known {what}: {len(values)} rows for {len(geoms)} features")
    return values


def tabulation_frame(pairs: PairAreas, a_ids: npt.ArrayLike, b_ids: npt.ArrayLike) -> pd.DataFrame:
    """Turn pair areas into the tabulation table, one row per pair in the order of ``a``, ``b``.

    Parameters
    ----------
    pairs : PairAreas
        From :func:`intersection_areas`.
    a_ids, b_ids : array-like
        The id of every feature of ``a`` and ``b``, by position.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TABULATION_COLUMNS`: ``a_id``, ``b_id``, ``area_km2``
        (area of record) and ``share_of_a``, ``share_of_b`` (shared area over
        each feature's own area of record; a share above 1 by rounding, at most
        about 1e-12, is clipped to 1).

    Examples
    --------
    >>> a = [shapely.box(106.200, 29.600, 106.201, 29.601)]
    >>> b = [shapely.box(106.2005, 29.600, 106.2015, 29.601)]
    >>> tabulation_frame(intersection_areas(a, b), ["p"], ["z"]).round(4)
      a_id b_id  area_km2  share_of_a  share_of_b
    0    p    z    0.0054         0.5         0.5
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        share_a = np.clip(pairs.area_m2 / pairs.a_area_m2, 0.0, 1.0)
        share_b = np.clip(pairs.area_m2 / pairs.b_area_m2, 0.0, 1.0)
    return pd.DataFrame(
        {
            "a_id": np.asarray(a_ids)[pairs.a_index],
            "b_id": np.asarray(b_ids)[pairs.b_index],
            "area_km2": pairs.area_m2 / M2_PER_KM2,
            "share_of_a": share_a,
            "share_of_b": share_b,
        }
    )
