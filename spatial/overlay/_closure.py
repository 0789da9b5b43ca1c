"""The pieces of a tabulation reconciled to each feature's area of record.

The model is stated once, in :mod:`spatial.measure.reconcile`: cuts are made in
the layers' own frame (a Gauss–Krüger zone, say), every piece and every whole
is measured by the survey rule, and wherever a piece has a vertex on an edge
that its neighbour or its feature lacks (a parcel corner on a road's long edge,
the point where a zone's edge crosses a parcel) the pieces add up to the
feature only to the lenses between the two edge models (the closure). Here, for
each feature of one layer and the pieces the other layer cuts it into:

* the uncovered remainder is found in the plane, where areas add up exactly:
  the feature's plane area less its pieces' (no union, no cut of the
  remainder: a sliver cut in the plane would be measured with lenses of its
  own), and is turned into an area of record with the feature's own ratio of
  area of record to plane area. The Gauss–Krüger areal scale changes by about
  6e-9 per metre east–west at Bishan (120 km from the central meridian), so a
  remainder is converted to within that times its east–west distance from the
  feature's centre, of its own size (9e-7 for a gap 150 m off the centre of a
  1.2 km zone, at most 1.5e-5 for 5 km); a feature fully covered has none, and
  its pieces are reconciled exactly;
* its pieces and that remainder are adjusted in proportion to the feature's
  area of record with :func:`spatial.measure.reconcile.reconcile_groups`, so
  the pieces of a fully covered feature add up to it (to about 1e-15);
* a feature whose pieces already add up to it with its remainder (one that
  lies wholly inside one partner: its piece is itself) is left exactly as
  measured.

A feature whose partners overlap (their pieces' plane areas exceed its own by
more than rounding, :data:`OVERLAP_REL`) is left as measured: its pieces add
up to more than the feature, which is what they should show, and there is no
remainder to reconcile against. In a geodetic (lon/lat) frame the two edge
models are the same and nothing is adjusted.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from spatial.measure.reconcile import reconcile_groups

__all__ = ["OVERLAP_REL", "reconcile_side"]

#: Pieces whose plane areas exceed their feature's by more than this fraction of it overlap
#: each other (rounding of the plane sums is about 1e-15 relative per piece).
OVERLAP_REL = 1e-9

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def reconcile_side(
    raw_m2: FloatArray,
    whole: IntArray,
    whole_m2: FloatArray,
    plane: tuple[FloatArray, FloatArray],
) -> FloatArray:
    """Adjust the pieces of each feature of one layer to its area of record.

    Parameters
    ----------
    raw_m2 : numpy.ndarray
        Each pair's piece, its area of record (m²).
    whole : numpy.ndarray of int
        Each pair's feature, a position (non-negative integer) in its layer.
    whole_m2 : numpy.ndarray
        Each pair's feature's area of record (m²), aligned with ``raw_m2``.
    plane : (numpy.ndarray, numpy.ndarray)
        Each pair's piece's and feature's areas in the plane of the cut (square
        units of the projected CRS), aligned with ``raw_m2``.

    Returns
    -------
    numpy.ndarray
        Each piece's area reconciled to its feature (m²): the pieces of a
        feature ``W`` with remainder ``r`` scaled by ``W / (Σ pieces + r)``;
        features whose pieces and remainder add up to ``W`` already, and
        features whose partners overlap, are left as measured.

    Examples
    --------
    A 100 m² feature cut into two pieces measured 60 and 39.99 m² that cover it
    in the plane (40 + 60 of its 100 plane units):

    >>> out = reconcile_side(np.array([60.0, 39.99]), np.array([0, 0]),
    ...                      np.array([100.0, 100.0]),
    ...                      (np.array([60.0, 40.0]), np.array([100.0, 100.0])))
    >>> [round(float(a), 6) for a in out]
    [60.006001, 39.993999]
    """
    piece_plane, whole_plane = plane
    n = int(whole.max()) + 1 if len(whole) else 0
    summed = np.bincount(whole, weights=raw_m2, minlength=n)
    covered_plane = np.bincount(whole, weights=piece_plane, minlength=n)
    area, feature_plane = np.zeros(n), np.zeros(n)
    area[whole], feature_plane[whole] = whole_m2, whole_plane
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(feature_plane > 0, area / feature_plane, 0.0)
    remainder = (feature_plane - covered_plane) * ratio
    adjusted = raw_m2.copy()
    overlapped = remainder < -OVERLAP_REL * area
    closes = (summed + remainder != area) & (summed > 0) & ~overlapped
    mine = np.flatnonzero(closes[whole])
    if mine.size:
        features = np.flatnonzero(closes)
        rank = np.searchsorted(features, whole[mine])
        parts = np.concatenate([raw_m2[mine], remainder[features]])
        groups = np.concatenate([rank, np.arange(len(features))])
        adjusted[mine] = reconcile_groups(parts, groups, area[features]).area_m2[: len(mine)]
    return adjusted
