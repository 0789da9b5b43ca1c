"""The part of each feature within a zone, GEOS's ``intersection`` only where it cuts.

:func:`parts_within` gives what ``shapely.intersection(geoms, zone)`` gives,
geometry for geometry (the same coordinates in the same order), with fewer
GEOS overlays. Against a buffer zone most features that reach its box lie
either wholly outside it or wholly inside it:

* a valid (Multi)Polygon of two dimensions the zone does not meet (a
  prepared ``intersects``): GEOS's answer is ``POLYGON EMPTY``, given without
  an overlay;
* a valid polygon of one ring (two dimensions, no vertex repeated in a row)
  in the zone's interior (a prepared ``contains_properly``): GEOS's overlay
  gives back its ring, turned clockwise and started at its second vertex
  (``OverlayEdge::addCoordinates`` leaves out the first point of the first
  edge and ``closeRing`` repeats the new first one), built here with shapely;
  a sample of these of every call is cut by GEOS as well and compared
  coordinate for coordinate (``equals_identical``): if one differs (another
  GEOS), GEOS cuts them all;
* every other feature (crossing the zone's edge, with holes, of several
  parts, invalid, far from the zone's box) is cut by GEOS.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely

from spatial.overlay._engine import InvalidFeatureError

__all__ = ["SAMPLE_FEATURES", "as_overlay_rings", "parts_within"]

#: Features rebuilt from their ring in each call that GEOS also cuts, to confirm the rule.
SAMPLE_FEATURES = 4
_POLYGON = 3
_MULTIPOLYGON = 6


def _near(geoms: npt.NDArray[np.object_], zone: shapely.Geometry) -> npt.NDArray[np.intp]:
    """Return the features whose box meets the zone's (the others: GEOS's quick empty)."""
    boxes = shapely.bounds(geoms)
    x0, y0, x1, y1 = shapely.bounds(zone)
    with np.errstate(invalid="ignore"):
        across = (boxes[:, 0] <= x1) & (boxes[:, 2] >= x0)
        meets = across & (boxes[:, 1] <= y1) & (boxes[:, 3] >= y0)
    return np.flatnonzero(meets)


def _flat_polygonal(geoms: npt.NDArray[np.object_]) -> npt.NDArray[np.bool_]:
    """Return which geometries are (Multi)Polygons of two dimensions."""
    kind = shapely.get_type_id(geoms)
    flat: npt.NDArray[np.bool_] = ((kind == _POLYGON) | (kind == _MULTIPOLYGON)) & ~shapely.has_z(
        geoms
    )
    return flat


def _refuse_invalid(
    geoms: npt.NDArray[np.object_], near: npt.NDArray[np.intp], zone: shapely.Geometry
) -> npt.NDArray[np.bool_]:
    """Refuse the first invalid feature the zone meets; return which ``near`` ones are valid.

    As :func:`spatial.overlay.operations.require_valid_at` of the features
    ``shapely.intersects(geoms, zone)`` finds (a feature whose box misses the
    zone's does not meet it).
    """
    valid: npt.NDArray[np.bool_] = shapely.is_valid(geoms[near])
    invalid = near[~valid]
    if len(invalid):
        meets = invalid[shapely.intersects(geoms[invalid], zone)]
        if len(meets):
            bad = int(meets[0])
            raise InvalidFeatureError("a", bad, str(shapely.is_valid_reason(geoms[bad])))
    return valid


def as_overlay_rings(
    polygons: npt.NDArray[np.object_],
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.object_]]:
    """Rebuild polygons as GEOS's overlay returns them when nothing cuts them.

    Returns which polygons the rule covers (one ring, two dimensions, no
    vertex repeated in a row) and, for those, the polygon of the ring turned
    clockwise and started at the vertex after its first
    (``v1 ... vn-1 v0 v1`` for a clockwise ring ``v0 v1 ... vn-1 v0``,
    ``vn-1 ... v0 vn-1`` for a counter-clockwise one).

    Examples
    --------
    >>> square = shapely.Polygon([(0, 0), (0, 1), (1, 1), (1, 0)])  # clockwise
    >>> _, (rebuilt,) = as_overlay_rings(np.array([square]))
    >>> rebuilt.wkt
    'POLYGON ((0 1, 1 1, 1 0, 0 0, 0 1))'
    """
    ok = (
        (shapely.get_type_id(polygons) == _POLYGON)
        & (shapely.get_num_interior_rings(polygons) == 0)
        & ~shapely.has_z(polygons)
    )
    rings = shapely.get_exterior_ring(polygons[ok])
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    closed = np.bincount(ring, minlength=len(rings))  # n + 1 coordinates a ring
    repeated = np.zeros(len(rings), dtype=bool)
    same = (coords[1:] == coords[:-1]).all(axis=1) & (ring[1:] == ring[:-1])
    repeated[ring[1:][same]] = True
    start = np.zeros(len(rings), dtype=np.intp)
    np.cumsum(closed[:-1], out=start[1:])
    n = (closed - 1)[ring]
    step = np.arange(len(ring)) - start[ring]
    turn = np.where(shapely.is_ccw(rings), 1, 0)[ring]  # a counter-clockwise ring is reversed
    source = np.where(turn == 1, start[ring] + n - 1 - step % n, start[ring] + 1 + step % n)
    rebuilt = shapely.polygons(shapely.linearrings(coords[source], indices=ring))
    out = np.full(len(polygons), None, dtype=object)
    out[np.flatnonzero(ok)] = rebuilt
    ok[np.flatnonzero(ok)[repeated]] = False
    return ok, out


def _rule_holds(
    geoms: npt.NDArray[np.object_], rebuilt: npt.NDArray[np.object_], zone: shapely.Geometry
) -> bool:
    """Whether GEOS cuts a sample of the features into exactly their rebuilt polygons."""
    sample = np.unique(np.linspace(0, len(geoms) - 1, SAMPLE_FEATURES).astype(np.intp))
    cut = shapely.intersection(geoms[sample], zone)
    return bool(shapely.equals_identical(cut, rebuilt[sample]).all())


def parts_within(geoms: npt.NDArray[np.object_], zone: shapely.Geometry) -> npt.NDArray[np.object_]:
    """Return ``shapely.intersection(geoms, zone)``, refusing an invalid feature the zone meets.

    Parameters
    ----------
    geoms : numpy.ndarray of shapely geometries
        The features, in the zone's CRS.
    zone : shapely.Geometry
        A polygonal zone (a buffer), not changed (a prepared copy is used).

    Raises
    ------
    InvalidFeatureError
        The first feature meeting the zone that is not valid (its position).
    """
    near = _near(geoms, zone)
    valid = _refuse_invalid(geoms, near, zone)
    parts = np.empty(len(geoms), dtype=object)
    cut = np.ones(len(geoms), dtype=bool)  # GEOS's overlay, unless settled below
    candidates = near[valid]
    if len(candidates):
        prepared = shapely.from_wkb(shapely.to_wkb(zone))
        shapely.prepare(prepared)
        meets = shapely.intersects(prepared, geoms[candidates])
        apart = candidates[~meets]
        apart = apart[_flat_polygonal(geoms[apart])]  # GEOS's empty answer has their type
        parts[apart] = shapely.empty(1, geom_type=shapely.GeometryType.POLYGON)[0]  # this call's
        cut[apart] = False
        hit = candidates[meets]
        inside = hit[shapely.contains_properly(prepared, geoms[hit])]
        ok, rebuilt = as_overlay_rings(geoms[inside])
        inside, rebuilt = inside[ok], rebuilt[ok]
        if len(inside) and _rule_holds(geoms[inside], rebuilt, zone):
            parts[inside] = rebuilt
            cut[inside] = False
    rest = np.flatnonzero(cut)
    parts[rest] = shapely.intersection(geoms[rest], zone)
    return parts
