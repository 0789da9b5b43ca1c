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
  area of record to plane area, corrected by the projection's areal scale
  where the remainder lies (its centroid, from the first moments, which add up
  too). Without that correction a remainder 150 m off the centre of a zone
  would be off by 9e-7 of its size at Bishan (the Gauss–Krüger areal scale
  changes by about 6e-9 per metre east–west there, 120 km from the central
  meridian); with it, by what a piece counted whole puts off its moment (its
  bounding box's centre stands for its centroid): about 6e-9 of the feature per
  metre between the two. A feature fully covered has no remainder, and its
  pieces are reconciled exactly;
* the feature's mean ratio also carries its own edge lenses (a 3 km triangle at
  Bishan: 399 m², 9e-5), in proportion to the remainder's size, whether or not
  the remainder owns those edges: a partly covered feature's shares are right
  to about that share of its lens (the triangle 5.6 % uncovered: 1e-5, against
  8.8e-5 raw). A closure no larger than that doubt (the remainder's size times
  the feature's relative edge lenses and its size over the Earth's radius,
  squared) is not spread: a large zone that a few parcels cover keeps their
  pieces as measured;
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
import shapely
from pyproj import CRS, Proj
from pyproj.exceptions import ProjError

from spatial.crs import transformer
from spatial.measure.reconcile import reconcile_groups
from spatial.measure.record import area_of_record_m2

__all__ = ["OVERLAP_REL", "reconcile_side"]

#: Pieces whose plane areas exceed their feature's by more than this fraction of it overlap
#: each other (rounding of the plane sums is about 1e-15 relative per piece).
OVERLAP_REL = 1e-9
#: Spacing (metres of the plane) of the outline a feature's own lenses are measured against.
_DENSE_M = 10.0
#: Mean Earth radius, metres (GRS80's, to the precision a doubt needs).
_EARTH_RADIUS_M = 6_371_000.0
#: A remainder smaller than this fraction of its feature's plane area is converted with the
#: feature's mean scale (its place, from moments, would be mostly rounding).
_PLACED_REL = 1e-6

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def reconcile_side(
    raw_m2: FloatArray,
    whole: IntArray,
    whole_m2: FloatArray,
    plane: FloatArray,
    wholes: npt.NDArray[np.object_],
    crs: CRS,
) -> FloatArray:
    """Adjust the pieces of each feature of one layer to its area of record.

    Parameters
    ----------
    raw_m2 : numpy.ndarray
        Each pair's piece, its area of record (m²).
    whole : numpy.ndarray of int
        Each pair's feature, its position in ``wholes``.
    whole_m2 : numpy.ndarray
        Each pair's feature's area of record (m²), aligned with ``raw_m2``.
    plane : numpy.ndarray, shape (n, 3)
        Each pair's piece in the plane: area and first moments
        (:attr:`spatial.overlay._engine.PairAreas.plane`).
    wholes : numpy.ndarray of object
        The features, in ``crs``.
    crs : pyproj.CRS
        The projected CRS of the cut.

    Returns
    -------
    numpy.ndarray
        Each piece's area reconciled to its feature (m²): the pieces of a
        feature ``W`` with remainder ``r`` scaled by ``W / (Σ pieces + r)``;
        features whose pieces and remainder add up to ``W`` already (one that
        is its own piece), and features whose partners overlap, are left as
        measured.

    Examples
    --------
    A 100 m × 100 m square at Bishan cut into two halves measured 1 % short:

    >>> sq = shapely.box(615000, 3276000, 615100, 3276100)
    >>> plane = np.array([[5000.0, 5000 * 615025, 5000 * 3276050],
    ...                   [5000.0, 5000 * 615075, 5000 * 3276050]])
    >>> out = reconcile_side(np.array([4950.0, 4950.0]), np.array([0, 0]),
    ...                      np.array([10000.0, 10000.0]), plane, np.array([sq]),
    ...                      CRS.from_epsg(4544))
    >>> [round(float(a), 9) for a in out]
    [5000.0, 5000.0]
    """
    n = int(whole.max()) + 1 if len(whole) else 0
    summed = np.bincount(whole, weights=raw_m2, minlength=n)
    count = np.bincount(whole, minlength=n)
    area = np.zeros(n)
    area[whole] = whole_m2
    own_piece = (count == 1) & (summed == area)  # wholly inside one partner: itself
    features = np.flatnonzero((summed > 0) & ~own_piece)
    adjusted = raw_m2.copy()
    if not features.size:
        return adjusted
    covered = [
        np.bincount(whole, weights=plane[:, k], minlength=n)[features].astype(np.float64)
        for k in range(3)
    ]
    remainder, doubt = _remainder_m2(wholes[features], area[features], covered, crs)
    closure = np.abs(area[features] - summed[features] - remainder)
    closes = (closure > doubt) & ~np.isnan(remainder)
    features, remainder = features[closes], remainder[closes]
    rank = np.searchsorted(features, whole)
    rank = np.minimum(rank, max(len(features) - 1, 0))
    mine = np.flatnonzero(features[rank] == whole) if len(features) else rank[:0]
    if mine.size:
        parts = np.concatenate([raw_m2[mine], remainder])
        groups = np.concatenate([rank[mine], np.arange(len(features))])
        adjusted[mine] = reconcile_groups(parts, groups, area[features]).area_m2[: len(mine)]
    return adjusted


def _remainder_m2(
    wholes: npt.NDArray[np.object_], area_m2: FloatArray, covered: list[FloatArray], crs: CRS
) -> tuple[FloatArray, FloatArray]:
    """Each feature's uncovered remainder (area of record, m²) and how far it may be off (m²).

    ``covered`` holds the sums of the pieces' plane areas and first moments. The
    remainder is NaN where the partners overlap. Its doubt: its size times the
    feature's own lenses (its area of record less that of its outline segmentized
    every :data:`_DENSE_M` in the plane, over its area: what the mean ratio carries
    of the feature's edges rather than of the remainder's) and the square of the
    feature's size over the Earth's radius (the areal scale's curvature).
    """
    plane_m2 = shapely.area(wholes)
    left = plane_m2 - covered[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(plane_m2 > 0, area_m2 / plane_m2, 0.0)
    placed = left > _PLACED_REL * plane_m2
    if placed.any():
        ratio[placed] *= _scale_shift(wholes[placed], left[placed], covered, placed, crs)
    remainder = left * ratio
    remainder[left < -OVERLAP_REL * plane_m2] = np.nan
    doubt = np.zeros(len(wholes))
    if placed.any():
        doubt[placed] = np.abs(remainder[placed]) * _conversion_doubt(wholes[placed], crs)
    return remainder, doubt


def _conversion_doubt(wholes: npt.NDArray[np.object_], crs: CRS) -> FloatArray:
    """Relative doubt of a remainder converted with its feature's ratio (see ``_remainder_m2``)."""
    record = area_of_record_m2(wholes, crs, "feature")
    dense = area_of_record_m2(shapely.segmentize(wholes, _DENSE_M), crs, "feature")
    box = shapely.bounds(wholes)
    size = np.hypot(box[:, 2] - box[:, 0], box[:, 3] - box[:, 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        lenses = np.where(record > 0, np.abs(record - dense) / record, 0.0)
    return lenses + (size / _EARTH_RADIUS_M) ** 2


def _scale_shift(
    wholes: npt.NDArray[np.object_],
    left: FloatArray,
    covered: list[FloatArray],
    placed: npt.NDArray[np.bool_],
    crs: CRS,
) -> FloatArray:
    """Areal scale at each feature's centroid over the scale at its remainder's centroid."""
    centre = shapely.centroid(wholes)
    cx, cy = shapely.get_x(centre), shapely.get_y(centre)
    plane_m2 = shapely.area(wholes)
    box = shapely.bounds(wholes)
    rx = np.clip((plane_m2 * cx - covered[1][placed]) / left, box[:, 0], box[:, 2])
    ry = np.clip((plane_m2 * cy - covered[2][placed]) / left, box[:, 1], box[:, 3])
    try:
        to_geodetic = transformer(crs, crs.geodetic_crs)
        proj = Proj(crs)
        lon, lat = to_geodetic.transform(np.r_[cx, rx], np.r_[cy, ry])
        scale = np.asarray(proj.get_factors(lon, lat).areal_scale, dtype=float)
    except (ProjError, AttributeError, TypeError):  # no scale factors to be had: the mean
        return np.ones(len(wholes))
    shift = scale[: len(wholes)] / scale[len(wholes) :]
    return np.where(np.isfinite(shift) & (shift > 0), shift, 1.0)
