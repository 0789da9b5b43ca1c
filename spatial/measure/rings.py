"""Polygon rings as flat coordinate arrays, and the polygonal part of cut pieces.

Every area in the toolkit is summed ring by ring over all vertices of all
polygons at once; this module lays the rings out for it (one call to
:func:`shapely.get_coordinates`, no Python loop per polygon) and refuses
geometries that have no area. It knows nothing of CRSs or edge models.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from spatial.errors import CRSError, LayerError

__all__ = [
    "RingLayout",
    "check_lonlat",
    "concatenated_ranges",
    "polygonal",
    "polygonal_mask",
    "polygonal_parts",
    "ring_layout",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def concatenated_ranges(starts: IntArray, sizes: IntArray) -> IntArray:
    """Return the positions ``starts[k]:starts[k] + sizes[k]`` of every k, one after another.

    The offsets of a ragged layout (GeoArrow's features → polygons → rings →
    vertices) taken for some of its items, as one array of positions.

    Examples
    --------
    >>> concatenated_ranges(np.array([5, 0]), np.array([2, 3])).tolist()
    [5, 6, 0, 1, 2]
    """
    total = int(sizes.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    within = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return np.repeat(starts, sizes) + within


#: Fewest geometries worth a thread of their own when laying out rings.
MIN_THREAD_GEOMS = 50_000


def polygonal_mask(
    geoms: npt.ArrayLike, what: str = "layer", type_id: npt.NDArray[np.integer] | None = None
) -> npt.NDArray[np.bool_]:
    """Return which geometries are (Multi)Polygons, possibly empty; refuse any other type.

    Parameters
    ----------
    geoms : array-like of shapely geometries
        Any CRS. Missing (None) and empty geometries are allowed and masked out.
    what : str
        How to name the layer in an error message.
    type_id : numpy.ndarray of int, optional
        ``shapely.get_type_id(geoms)``, if the caller already has it.

    Raises
    ------
    LayerError
        When a geometry is a point, line or collection: it has no area to tabulate.

    Examples
    --------
    >>> polygonal_mask([shapely.box(0, 0, 1, 1), None, shapely.Polygon()]).tolist()
    [True, False, True]
    """
    geoms = np.asarray(geoms, dtype=object)
    type_id = shapely.get_type_id(geoms) if type_id is None else type_id
    polygonal: npt.NDArray[np.bool_] = (type_id == 3) | (type_id == 6)
    other = np.flatnonzero(~polygonal & (type_id >= 0))
    bad = other[~shapely.is_empty(geoms[other])]
    if bad.size:
        raise LayerError(
            f"{what}: feature at position {bad[0]} is a {geoms[bad[0]].geom_type}; "
            "only Polygon and MultiPolygon features have an area"
        )
    return polygonal


def polygonal(geoms: np.ndarray) -> np.ndarray:
    """Return each geometry's polygonal part (an empty polygon when it has none).

    The polygons of a collection are gathered into a MultiPolygon as they are
    (no union: :func:`polygonal_parts` unions them), in one pass over all.
    """
    out = np.asarray(geoms, dtype=object).copy()
    mixed = np.flatnonzero(~np.isin(shapely.get_type_id(out), (3, 6)))
    if not len(mixed):
        return out
    parts, owner = shapely.get_parts(out[mixed], return_index=True)
    parts, inner = shapely.get_parts(parts, return_index=True)  # a collection's multipolygons
    owner = owner[inner]
    polys = shapely.get_type_id(parts) == 3
    found = np.full(len(mixed), shapely.Polygon(), dtype=object)
    if polys.any():
        held, dense = np.unique(owner[polys], return_inverse=True)  # indices must run 0..k-1
        found[held] = shapely.multipolygons(parts[polys], indices=dense)
    out[mixed] = found
    return out


def polygonal_parts(pieces: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Keep only the polygonal part of each piece (a cut may also yield edges and points).

    Lines and points become empty polygons (area 0); a GeometryCollection keeps
    its polygons.

    Examples
    --------
    >>> mixed = shapely.GeometryCollection([shapely.box(0, 0, 1, 1), shapely.Point(5, 5)])
    >>> [g.geom_type for g in polygonal_parts([mixed, shapely.LineString([(0, 0), (1, 1)])])]
    ['Polygon', 'Polygon']
    """
    pieces = np.asarray(pieces, dtype=object)
    mixed = np.flatnonzero(shapely.get_type_id(pieces) == 7)  # GeometryCollection
    if mixed.size:
        pieces = pieces.copy()
        for i in mixed:  # rare: only cuts along a shared edge give collections
            polys = [g for g in shapely.get_parts(pieces[i]) if shapely.get_type_id(g) in (3, 6)]
            pieces[i] = shapely.union_all(polys) if polys else shapely.Polygon()
    other = shapely.get_type_id(pieces)
    lines_or_points = ~np.isin(other, (3, 6)) & (other >= 0)
    if lines_or_points.any():
        pieces = pieces.copy()
        pieces[lines_or_points] = shapely.Polygon()
    return pieces


def check_lonlat(xy: FloatArray, geom_of: IntArray, what: str) -> None:
    """Refuse coordinates outside longitude/latitude degrees (a projected layer passed as lon/lat).

    Raises
    ------
    CRSError
        Naming the first feature (by position) whose coordinates are out of range.
    """
    bad = (np.abs(xy[:, 0]) > 180.0) | (np.abs(xy[:, 1]) > 90.0)
    if bad.any():
        first = int(np.argmax(bad))
        raise CRSError(
            f"{what}: feature at position {geom_of[first]} has coordinates outside lon/lat "
            f"degrees ({xy[first, 0]:.3f}, {xy[first, 1]:.3f}); reproject to EPSG:4326 first"
        )


@dataclass(frozen=True)
class RingLayout:
    """Every ring of every polygon, stored one after another.

    Attributes
    ----------
    xy : numpy.ndarray, shape (n, 2)
        Coordinates of all rings, each ring closed (its last vertex repeats its first).
    ring_size : numpy.ndarray of int64
        Number of coordinates of each ring.
    ring_geom : numpy.ndarray of int64
        Position of the geometry each ring belongs to.
    ring_sign : numpy.ndarray of float
        +1 for a shell, -1 for a hole.
    """

    xy: FloatArray
    ring_size: IntArray
    ring_geom: IntArray
    ring_sign: FloatArray

    def vertex_geom(self) -> IntArray:
        """Position of the geometry each coordinate belongs to."""
        return np.repeat(self.ring_geom, self.ring_size)


def _simple_rings(geoms: npt.NDArray[np.object_]) -> tuple[IntArray, FloatArray, IntArray]:
    """Positions, coordinates and sizes of the plain polygons (one ring, not empty) of ``geoms``."""
    type_id = shapely.get_type_id(geoms)
    simple = (type_id == 3) & (shapely.get_num_interior_rings(geoms) == 0)
    simple &= ~shapely.is_empty(geoms)
    simple_idx = np.flatnonzero(simple)
    simple_geoms = geoms[simple_idx]
    xy = shapely.get_coordinates(simple_geoms)
    ring_size = shapely.get_num_coordinates(simple_geoms).astype(np.int64)
    return simple_idx.astype(np.int64), xy, ring_size


def _simple_rings_on_threads(
    geoms: npt.NDArray[np.object_], threads: int
) -> tuple[IntArray, FloatArray, IntArray]:
    """:func:`_simple_rings` of contiguous runs of ``geoms`` on threads (GEOS releases the GIL).

    The runs' results, joined in order, are those of the whole.
    """
    runs = max(1, min(threads, len(geoms) // MIN_THREAD_GEOMS))
    if runs == 1:
        return _simple_rings(geoms)
    cuts = np.linspace(0, len(geoms), runs + 1).astype(np.int64)
    with ThreadPoolExecutor(max_workers=runs) as pool:
        parts = list(pool.map(lambda k: _simple_rings(geoms[cuts[k] : cuts[k + 1]]), range(runs)))
    return (
        np.concatenate([idx + cuts[k] for k, (idx, _, _) in enumerate(parts)]),
        np.concatenate([xy for _, xy, _ in parts]),
        np.concatenate([size for _, _, size in parts]),
    )


def ring_layout(geoms: npt.NDArray[np.object_], threads: int = 1) -> RingLayout:
    """Lay out the rings of (Multi)Polygons, shells and holes, without a loop per polygon.

    A plain Polygon without holes (the usual parcel) is its own single ring,
    read without building any intermediate geometry (on ``threads`` threads for
    large layers: the layout does not depend on it); MultiPolygons and polygons
    with holes are split into rings, after all the plain ones. Missing and
    empty geometries have no ring.

    Examples
    --------
    >>> holed = shapely.box(0, 0, 4, 4).difference(shapely.box(1, 1, 2, 2))
    >>> rings = ring_layout(np.array([shapely.box(0, 0, 1, 1), None, holed]))
    >>> rings.ring_size.tolist(), rings.ring_geom.tolist(), rings.ring_sign.tolist()
    ([5, 5, 5], [0, 2, 2], [1.0, 1.0, -1.0])
    """
    geoms = np.asarray(geoms, dtype=object)
    type_id = shapely.get_type_id(geoms)
    ring_geom, xy, ring_size = _simple_rings_on_threads(geoms, threads)
    simple = np.zeros(len(geoms), dtype=bool)
    simple[ring_geom] = True
    other_idx = np.flatnonzero(~simple & ((type_id == 3) | (type_id == 6)))
    ring_sign = np.ones(len(ring_geom))
    if other_idx.size:
        parts, part_of = shapely.get_parts(geoms[other_idx], return_index=True)
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        shell = np.r_[True, ring_part[1:] != ring_part[:-1]] if len(rings) else np.zeros(0, bool)
        xy = np.concatenate([xy, shapely.get_coordinates(rings)])
        ring_size = np.concatenate([ring_size, shapely.get_num_coordinates(rings)])
        ring_geom = np.concatenate([ring_geom, other_idx[part_of[ring_part]]])
        ring_sign = np.concatenate([ring_sign, np.where(shell, 1.0, -1.0)])
    return RingLayout(xy, ring_size.astype(np.int64), ring_geom.astype(np.int64), ring_sign)
