"""What a cut keeps of a feature: the feature itself when it lost nothing, else reconciled.

A cut made in the layers' own frame (a Gauss–Krüger survey's plane) returns
GEOS's copy of each feature it meets: the other layer's corners inserted on the
feature's edges. Measured by the survey rule (国土调查办发〔2008〕32号, edges
straight in lon/lat between vertices, :mod:`spatial.measure.record`), a copy with
a vertex inserted on a long east–west edge has lost that edge's lens: 86 m² of
the survey's 2.4 km road against a farmland box sharing its south edge, though
nothing of the road was removed. So:

* a feature whose planar overlap with what cut it is zero (a difference that
  removes nothing, a buffer that covers it whole) is its own part, its own
  geometry and area of record (:func:`lost_nothing` finds them);
* a feature partly cut has its two parts (kept and removed, within and
  outside) reconciled to it by the survey's proportional adjustment
  (:func:`reconcile_kept`, :mod:`spatial.measure.reconcile`), so they add up to
  its area of record.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS

from spatial.measure.reconcile import reconcile_groups

__all__ = [
    "CLOSED_REL",
    "LOST_NOTHING_M2",
    "LOST_NOTHING_REL",
    "lost_nothing",
    "reconcile_kept",
]

#: A kept part and its lost part that add up to their feature within this fraction of it close
#: to rounding (cut with no lens, pieces add up to about 1e-12): they are left as measured.
CLOSED_REL = 1e-10
#: A part whose plane area is its feature's to this fraction lost nothing (the inserted
#: vertices change the plane sum by rounding, a conflict's round trip to lon/lat by 1e-13).
LOST_NOTHING_REL = 1e-9
#: ... and to no more than this, m² (a county of 1 600 km² that lost 1.5 m² lost something;
#: a conflict's 1e-10 m round trip along a 400 km outline moves 4e-5 m²).
LOST_NOTHING_M2 = 1e-4
#: Square metres in a square degree at the equator, the most a square degree holds (GRS80).
_M2_PER_DEG2_MAX = (6378137.0 * np.pi / 180.0) ** 2

FloatArray = npt.NDArray[np.float64]


def lost_nothing(
    wholes: npt.NDArray[np.object_], kept: npt.NDArray[np.object_], crs: CRS | None = None
) -> npt.NDArray[np.bool_]:
    """Which features a cut took nothing from: their planar overlap with what cut them is zero.

    Decided in the frame of the cut (the layers' own: a Gauss–Krüger zone, say),
    where areas add up: the part kept has the feature's plane area, to
    :data:`LOST_NOTHING_REL` of it and at most :data:`LOST_NOTHING_M2` (the
    rounding of the plane sum over inserted vertices; a sliver of 1e-9 of a
    1.4 ha parcel is 0.14 cm², and a conflict sent to lon/lat and back has its
    edges 1e-10 m off, crossing the parcels' they lay on). GEOS's part of such
    a feature is the feature re-noded: vertices inserted where the other
    layer's corners lie on its edges, which moves its edges as the survey rule
    draws them (straight in lon/lat between vertices: a lens of about 100 m² on
    a 2.4 km road at Bishan). Callers keep the feature itself instead.

    Parameters
    ----------
    wholes, kept : numpy.ndarray of shapely geometries
        The features and the part a cut kept of each (what lies outside the
        other layer, or within it), aligned, in ``crs``.
    crs : pyproj.CRS, optional
        Their CRS: its axis unit turns :data:`LOST_NOTHING_M2` into its square
        units (lon/lat: square degrees at the equator, the fewest). Without
        one, metres.

    Examples
    --------
    A square beside another, sharing half an edge: a difference takes nothing.

    >>> a, b = shapely.box(0, 0, 2, 2), shapely.box(2, 1, 3, 3)
    >>> lost_nothing(np.array([a, a]), np.array([a.difference(b), a.intersection(b)]))
    array([ True, False])
    """
    plane = shapely.area(wholes)
    tolerance = np.minimum(LOST_NOTHING_REL * plane, LOST_NOTHING_M2 / _m2_per_unit2(crs))
    near: npt.NDArray[np.bool_] = np.abs(shapely.area(kept) - plane) <= tolerance
    return near & (plane > 0) & ~shapely.is_empty(kept)


def _m2_per_unit2(crs: CRS | None) -> float:
    """Square metres in a square unit of ``crs``'s first axis (at most, for degrees)."""
    if crs is None or not crs.axis_info:
        return 1.0
    axis = crs.axis_info[0]
    if crs.is_geographic or axis.unit_name in {"degree", "grad", "radian"}:
        return float(_M2_PER_DEG2_MAX)
    return float(axis.unit_conversion_factor) ** 2


def reconcile_kept(kept: FloatArray, lost: FloatArray, whole: FloatArray) -> FloatArray:
    """Each feature's kept part adjusted with its lost part to the feature (any one unit of area).

    The survey's proportional adjustment (:func:`spatial.measure.reconcile.reconcile_groups`)
    of the two pieces a cut makes of a feature (what a difference keeps and what
    it removes, what a buffer covers and what it leaves), so that they add up
    to the feature's area of record: ``kept · W / (kept + lost)``. A feature whose
    two parts close to :data:`CLOSED_REL` of it (no lens) is left as measured,
    bit for bit, as is one whose parts sum to 0.

    Examples
    --------
    A road kept 40 000 m² of 47 984 m² and lost 7 900 m² (a lens of 84 m² short):

    >>> out = reconcile_kept(np.array([40000.0]), np.array([7900.0]), np.array([47984.0]))
    >>> round(float(out[0]), 3), round(float(out[0] + 7900 * 47984 / 47900), 9)
    (40070.146, 47984.0)
    """
    out = kept.copy()
    summed = kept + lost
    spread = np.flatnonzero((np.abs(whole - summed) > CLOSED_REL * whole) & (summed > 0))
    if len(spread):
        groups = np.arange(len(spread))
        parts = np.concatenate([kept[spread], lost[spread]])
        both = np.concatenate([groups, groups])
        out[spread] = reconcile_groups(parts, both, whole[spread]).area_m2[: len(spread)]
    return out
