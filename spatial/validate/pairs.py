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

import numpy as np
import shapely

from spatial.errors import LayerError

__all__ = ["MAX_PAIRS", "intersecting_pairs", "overlapping_pairs"]

#: The most pairs of intersecting features (each pair once) a layer may hold for an overlap
#: matrix or the no-overlap rule: 1,000,000 (a layer of 100,000 parcels meets ~300,000).
MAX_PAIRS = 1_000_000
#: Features queried at a time, at least: few enough that a chunk's pairs stay near the bound.
_MIN_CHUNK = 256


def intersecting_pairs(
    geoms: np.ndarray, name: str, max_pairs: int = MAX_PAIRS, *, interiors: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Return positions ``(i, j)``, ``i < j``, of every pair whose geometries intersect.

    Candidates come from an STR tree (``intersects``, any CRS: the test is
    topological). The tree is queried a chunk of features at a time, so the
    memory held stays near ``max_pairs`` pairs whatever the layer holds.
    With ``interiors``, only pairs whose interiors meet are kept and counted
    (DE-9IM: intersecting and not ``touches``, one vectorised call a chunk):
    the pairs that can share area, not a coverage's neighbours along an edge.

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
        if interiors:
            once[once] = ~shapely.touches(geoms[left[once]], geoms[right[once]])
        found += int(once.sum())
        if found > max_pairs:
            raise LayerError(
                f"{name}: its {count:,} features {'overlap' if interiors else 'intersect'} in at "
                f"least {found:,} pairs; at most "
                f"{max_pairs:,} are cut (the work grows with the pairs): duplicated or stacked "
                "features? remove them or split the layer"
            )
        lefts.append(left[once])
        rights.append(right[once])
    return np.concatenate(lefts), np.concatenate(rights)


def overlapping_pairs(
    geoms: np.ndarray, name: str, max_pairs: int = MAX_PAIRS
) -> tuple[np.ndarray, np.ndarray]:
    """Return positions ``(i, j)``, ``i < j``, of every pair whose interiors meet.

    :func:`intersecting_pairs` less the pairs that only touch (share an edge or
    a point, no area): the pairs whose intersection can have an area. At most
    ``max_pairs`` of them (a coverage of a million parcels has none).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> overlapping_pairs(np.array([box(0, 0, 2, 2), box(2, 0, 3, 2), box(1, 1, 3, 3)]), "z")
    (array([0, 1]), array([2, 2]))
    """
    return intersecting_pairs(geoms, name, max_pairs, interiors=True)
