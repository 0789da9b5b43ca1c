"""Pieces reconciled to a whole: the land survey's proportional adjustment (平差) of 图斑 areas.

Why a residual exists
---------------------
Topology is decided in the layers' own frame (for survey data, CGCS2000
Gauss–Krüger, EPSG:4544 around Bishan): a cut follows edges that are straight
in that plane. Every area of record is then measured by the survey rule
(国土调查办发〔2008〕32号, :mod:`spatial.measure.record`): from each vertex's
geodetic coordinates, with edges straight in lon/lat. A whole (a zone, a
constraint's land) and the pieces it is cut into therefore follow slightly
different lines wherever a piece has a vertex the whole lacks (a parcel corner
on a zone's long edge, a T-junction): a GK-straight edge of length L bows from
the lon/lat-straight one by a lens of about L³·tanφ/(12R) (0.007 m² for a
100 m edge, 7.4 m² for 1 km, about 100 m² for 2.4 km at Bishan's latitude).
The raw pieces then add up to the whole only to that residual (the closure,
闭合差).

How it is reconciled
--------------------
As the land survey reconciles 图斑 areas to a control area: the whole is the
control (控制面积), and the closure is spread over the pieces in proportion to
their areas (按面积比例平差), so the adjusted pieces add up to the whole exactly
(to rounding, about 1e-15 relative). Sources: 《第二次全国土地调查技术规程》
(TD/T 1014-2007), area computation controlled by the sheet's theoretical area
with the closure distributed in proportion to area; 《第二次全国土地调查数据库面积
汇总统计规定》, a village unit's control area equals the sum of its 图斑 areas.
(Clause numbers are not quoted here: the texts were read from secondary copies.)

The raw areas stay available beside the adjusted ones, and every table that
reconciles states the closure and the largest adjustment per whole, in m² and
relative to the whole. A closure larger than a layer's lenses (a real gap or
overlap) is not something to spread: callers account for uncovered and
overlapping land as pieces of their own before reconciling, and the relative
closure left is then of the order of 1e-6 or less.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Reconciled", "reconcile_groups", "reconcile_to_whole"]


@dataclass(frozen=True)
class Reconciled:
    """Pieces of wholes, raw and reconciled (every area in m², CGCS2000 ellipsoid).

    Attributes
    ----------
    area_m2 : numpy.ndarray
        Each piece's adjusted area: the pieces of one whole add up to it.
    raw_m2 : numpy.ndarray
        Each piece's area of record as measured.
    closure_m2 : numpy.ndarray
        Per whole: the whole's area less the sum of its raw pieces (闭合差).
    largest_adjustment_m2 : numpy.ndarray
        Per whole: the largest ``|area_m2 - raw_m2|`` over its pieces (0 for a
        whole with no piece).
    largest_adjustment_rel : numpy.ndarray
        Per whole: ``largest_adjustment_m2`` over the whole's area (0 when the
        whole's area is 0).
    """

    area_m2: npt.NDArray[np.float64]
    raw_m2: npt.NDArray[np.float64]
    closure_m2: npt.NDArray[np.float64]
    largest_adjustment_m2: npt.NDArray[np.float64]
    largest_adjustment_rel: npt.NDArray[np.float64]


def reconcile_groups(
    raw_m2: npt.ArrayLike, group: npt.ArrayLike, whole_m2: npt.ArrayLike
) -> Reconciled:
    """Adjust pieces so that the pieces of each whole add up to it, in proportion to their areas.

    Parameters
    ----------
    raw_m2 : array-like of float
        The pieces' areas of record, m².
    group : array-like of int
        For each piece, the position of its whole in ``whole_m2``.
    whole_m2 : array-like of float
        The wholes' areas of record (the control areas), m².

    Returns
    -------
    Reconciled
        Pieces ``a_i' = a_i · W / Σa`` for each whole ``W``; a whole whose
        pieces sum to 0 keeps them as they are (nothing to spread over).

    Examples
    --------
    Two pieces of 60 and 39.99 m² in a whole of 100 m²: the 0.01 m² closure is
    spread in proportion.

    >>> r = reconcile_groups([60.0, 39.99], [0, 0], [100.0])
    >>> [round(float(a), 6) for a in r.area_m2], round(float(r.closure_m2[0]), 6)
    ([60.006001, 39.993999], 0.01)
    """
    raw = np.asarray(raw_m2, dtype=np.float64).ravel()
    where = np.asarray(group, dtype=np.intp).ravel()
    whole = np.asarray(whole_m2, dtype=np.float64).ravel()
    if len(raw) != len(where):
        raise ValueError(f"{len(raw)} piece areas but {len(where)} group positions")
    summed = np.bincount(where, weights=raw, minlength=len(whole))[: len(whole)]
    scale = np.divide(whole, summed, out=np.ones_like(whole), where=summed > 0)
    adjusted = raw * scale[where] if len(raw) else raw.copy()
    change = np.abs(adjusted - raw)
    largest = np.zeros(len(whole))
    np.maximum.at(largest, where, change)
    rel = np.divide(largest, whole, out=np.zeros_like(largest), where=whole > 0)
    return Reconciled(adjusted, raw, whole - summed, largest, rel)


def reconcile_to_whole(raw_m2: npt.ArrayLike, whole_m2: float) -> Reconciled:
    """Adjust the pieces of one whole (see :func:`reconcile_groups`).

    Examples
    --------
    >>> r = reconcile_to_whole([25.0, 75.02], 100.0)
    >>> round(float(r.area_m2.sum()), 9), round(float(r.largest_adjustment_m2[0]), 4)
    (100.0, 0.015)
    """
    raw = np.asarray(raw_m2, dtype=np.float64).ravel()
    return reconcile_groups(raw, np.zeros(len(raw), dtype=np.intp), [whole_m2])
