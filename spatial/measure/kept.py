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
#: A part whose plane area is its feature's to this fraction may have lost nothing (the
#: inserted vertices change the plane sum by rounding): a predicate then decides.
LOST_NOTHING_REL = 1e-9

FloatArray = npt.NDArray[np.float64]


def lost_nothing(
    wholes: npt.NDArray[np.object_],
    kept: npt.NDArray[np.object_],
    taken: npt.NDArray[np.object_],
    keeps: str,
) -> npt.NDArray[np.bool_]:
    """Which features a cut took nothing from: their planar overlap with ``taken`` is zero.

    Decided in the frame of the cut (the layers' own: a Gauss–Krüger zone, say).
    GEOS's part of such a feature is the feature re-noded: vertices inserted where
    the other layer's corners lie on its edges, which moves its edges as the
    survey rule draws them (straight in lon/lat between vertices: a lens of about
    100 m² on a 2.4 km road at Bishan). Callers keep the feature itself instead.

    Parameters
    ----------
    wholes, kept, taken : numpy.ndarray of shapely geometries
        The features, the part the cut kept of each, and what it was cut with
        (aligned, one CRS).
    keeps : {"outside", "inside"}
        Whether the cut kept the part outside ``taken`` (a difference: nothing
        lost when the feature's interior does not meet ``taken``'s) or inside it
        (an intersection: nothing lost when the feature is covered by ``taken``).

    Examples
    --------
    A square beside another, sharing half an edge: a difference takes nothing.

    >>> a, b = shapely.box(0, 0, 2, 2), shapely.box(2, 1, 3, 3)
    >>> lost_nothing(np.array([a]), np.array([a.difference(b)]), np.array([b]), "outside")
    array([ True])
    """
    plane_m2 = shapely.area(wholes)
    near = np.abs(shapely.area(kept) - plane_m2) <= LOST_NOTHING_REL * plane_m2
    near &= ~shapely.is_empty(kept)
    out = np.zeros(len(wholes), dtype=bool)
    at = np.flatnonzero(near)
    if len(at):
        if keeps == "outside":
            out[at] = ~shapely.relate_pattern(wholes[at], taken[at], "T********")
        else:
            out[at] = shapely.covers(taken[at], wholes[at])  # a prepared ``taken`` is used
    return out


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
