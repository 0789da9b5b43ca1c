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

from spatial.measure.reconcile import reconcile_groups

__all__ = ["CLOSED_REL", "LOST_NOTHING_REL", "lost_nothing", "reconcile_kept"]

#: A kept part and its lost part that add up to their feature within this fraction of it close
#: to rounding (cut with no lens, pieces add up to about 1e-12): they are left as measured.
CLOSED_REL = 1e-10
#: A part whose plane area is its feature's to this fraction lost nothing (the inserted
#: vertices change the plane sum by rounding, a conflict's round trip to lon/lat by 1e-13).
LOST_NOTHING_REL = 1e-9

FloatArray = npt.NDArray[np.float64]


def lost_nothing(
    wholes: npt.NDArray[np.object_], kept: npt.NDArray[np.object_]
) -> npt.NDArray[np.bool_]:
    """Which features a cut took nothing from: their planar overlap with what cut them is zero.

    Decided in the frame of the cut (the layers' own: a Gauss–Krüger zone, say),
    where areas add up: the part kept has the feature's plane area, to
    :data:`LOST_NOTHING_REL` of it (the rounding of the plane sum over inserted
    vertices; a sliver of 1e-9 of a 1.4 ha parcel is 0.14 cm², and a conflict
    sent to lon/lat and back has its edges 1e-10 m off, crossing the parcels'
    they lay on). GEOS's part of such a feature is the feature re-noded: vertices
    inserted where the other layer's corners lie on its edges, which moves its
    edges as the survey rule draws them (straight in lon/lat between vertices: a
    lens of about 100 m² on a 2.4 km road at Bishan). Callers keep the feature
    itself instead.

    Parameters
    ----------
    wholes, kept : numpy.ndarray of shapely geometries
        The features and the part a cut kept of each (what lies outside the
        other layer, or within it), aligned, in one CRS.

    Examples
    --------
    A square beside another, sharing half an edge: a difference takes nothing.

    >>> a, b = shapely.box(0, 0, 2, 2), shapely.box(2, 1, 3, 3)
    >>> lost_nothing(np.array([a, a]), np.array([a.difference(b), a.intersection(b)]))
    array([ True, False])
    """
    plane_m2 = shapely.area(wholes)
    near: npt.NDArray[np.bool_] = np.abs(shapely.area(kept) - plane_m2) <= (
        LOST_NOTHING_REL * plane_m2
    )
    return near & (plane_m2 > 0) & ~shapely.is_empty(kept)


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
