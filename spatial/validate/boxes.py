"""The validator's coordinate tests on feature boxes, vectorised: swapped, out of range, far away.

Each function takes the bounding boxes of a layer's features (``minx, miny,
maxx, maxy``, one row a feature) and returns which ones the validator
(:mod:`spatial.validate.problems`) reports for their coordinates, as array
comparisons instead of a test per feature. Only numpy and pyproj are needed,
so a layer's boxes can be checked while the rest of the toolkit is still
being imported (:mod:`spatial.overlay.parquet`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from pyproj import Transformer

__all__ = ["CHINA_BOUNDS_DEG", "geographic_mask", "projected_mask"]

#: A generous box around China: (min lon, min lat, max lon, max lat), degrees, EPSG:4326.
CHINA_BOUNDS_DEG: tuple[float, float, float, float] = (73.0, 3.0, 136.0, 54.0)


def geographic_mask(bounds: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Which lon/lat boxes the validator reports (swapped, out of range or outside China).

    Vectorised form of the validator's test on each feature's bounds: a row is
    flagged exactly when :func:`spatial.validate._geographic_message` returns a
    message for it. Rows with a non-finite bound are not flagged (the validator
    reports those features as null, empty or non-finite instead).

    Parameters
    ----------
    bounds : numpy.ndarray, shape (n, 4)
        ``minx, miny, maxx, maxy`` per feature, degrees (EPSG:4326).

    Returns
    -------
    numpy.ndarray of bool

    Examples
    --------
    >>> geographic_mask(np.array([[106.2, 29.6, 106.3, 29.7], [29.6, 106.2, 29.7, 106.3]]))
    array([False,  True])
    """
    west, south, east, north = CHINA_BOUNDS_DEG
    if _all_inside(bounds, CHINA_BOUNDS_DEG) and west > north:
        # the layer's extent lies inside China and no x can be a latitude: no row is flagged
        return np.zeros(len(bounds), dtype=bool)
    minx, miny, maxx, maxy = bounds.T
    finite = np.isfinite(bounds).all(axis=1)
    swapped = (south <= minx) & (maxx <= north) & (west <= miny) & (maxy <= east)
    out_of_range = (np.maximum(np.abs(minx), np.abs(maxx)) > 180) | (
        np.maximum(np.abs(miny), np.abs(maxy)) > 90
    )
    outside = ~_inside_china(minx / 2 + maxx / 2, miny / 2 + maxy / 2)
    misplaced: npt.NDArray[np.bool_] = finite & (swapped | out_of_range | outside)
    return misplaced


def _all_inside(bounds: npt.NDArray[np.float64], box: tuple[float, float, float, float]) -> bool:
    """Whether every finite box lies inside ``box`` (four reductions; rows of NaN are skipped).

    Any infinite bound puts the extent outside, so the caller falls back to
    its row-by-row test. False for a layer with no finite box.
    """
    if len(bounds) == 0:
        return False
    with np.errstate(invalid="ignore"):
        x0, y0 = np.fmin.reduce(bounds[:, 0]), np.fmin.reduce(bounds[:, 1])
        x1, y1 = np.fmax.reduce(bounds[:, 2]), np.fmax.reduce(bounds[:, 3])
    west, south, east, north = box
    return bool(west <= x0 and x1 <= east and south <= y0 and y1 <= north)


def _inside_china(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
) -> npt.NDArray[np.bool_]:
    west, south, east, north = CHINA_BOUNDS_DEG
    return (west <= lon) & (lon <= east) & (south <= lat) & (lat <= north)


def projected_mask(
    bounds: npt.NDArray[np.float64], to_lonlat: Transformer
) -> npt.NDArray[np.bool_]:
    """Which boxes in a projected CRS the validator reports.

    Vectorised form of :func:`spatial.validate._projected_message`: degrees
    labelled as metres (every bound within ±180/±90), a centre the CRS cannot
    take to lon/lat, or one far outside China.

    Parameters
    ----------
    bounds : numpy.ndarray, shape (n, 4)
        ``minx, miny, maxx, maxy`` per feature, in the projected CRS (metres).
    to_lonlat : pyproj.Transformer
        From that CRS to EPSG:4326, ``always_xy=True``.

    Returns
    -------
    numpy.ndarray of bool

    Examples
    --------
    >>> to_lonlat = Transformer.from_crs(4544, 4326, always_xy=True)
    >>> projected_mask(np.array([[500e3, 3.27e6, 501e3, 3.28e6], [106.2, 29.6, 106.3, 29.7]]),
    ...                to_lonlat)
    array([False,  True])
    """
    minx, miny, maxx, maxy = bounds.T
    finite = np.isfinite(bounds).all(axis=1)
    degrees = (np.maximum(np.abs(minx), np.abs(maxx)) <= 180) & (
        np.maximum(np.abs(miny), np.abs(maxy)) <= 90
    )
    plausible: npt.NDArray[np.bool_] = finite & degrees
    if _extent_maps_inside_china(bounds, to_lonlat):
        return plausible  # every centre lies in the extent, whose image lies in China
    lon, lat = to_lonlat.transform(minx / 2 + maxx / 2, miny / 2 + maxy / 2)
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    unmapped = ~(np.isfinite(lon) & np.isfinite(lat))
    plausible = finite & (degrees | unmapped | ~_inside_china(lon, lat))
    return plausible


#: Largest extent (metres a side) settled at once by :func:`_extent_maps_inside_china`.
_EXTENT_MAX_M = 1_000_000.0
#: How far inside China's box (degrees) the traced edge of that extent must map.
_EXTENT_MARGIN_DEG = 0.5


def _extent_maps_inside_china(bounds: npt.NDArray[np.float64], to_lonlat: Transformer) -> bool:
    """Whether the layer's whole extent, in a projected CRS, surely maps well inside China.

    The edge of the extent (the box of all finite boxes, at most
    :data:`_EXTENT_MAX_M` a side) is traced at 64 points a side and transformed;
    if every point maps, :data:`_EXTENT_MARGIN_DEG` or more inside China's box,
    so does every point of the extent (a projection is continuous and one to one
    there, so the extent's image is the region its traced edge encloses, and the
    margin covers the edge's bending between the traced points). One PROJ call
    of 256 points instead of one per feature (0.2 s a million); False sends the
    caller to the test row by row.
    """
    if not len(bounds):
        return False
    with np.errstate(invalid="ignore"):  # rows of NaN are skipped; an infinity fails below
        x0, y0 = np.fmin.reduce(bounds[:, 0]), np.fmin.reduce(bounds[:, 1])
        x1, y1 = np.fmax.reduce(bounds[:, 2]), np.fmax.reduce(bounds[:, 3])
    if not np.isfinite([x0, y0, x1, y1]).all() or max(x1 - x0, y1 - y0) > _EXTENT_MAX_M:
        return False
    t = np.linspace(0.0, 1.0, 64, endpoint=False)
    xs = np.concatenate([x0 + (x1 - x0) * t, np.full(64, x1), x1 - (x1 - x0) * t, np.full(64, x0)])
    ys = np.concatenate([np.full(64, y0), y0 + (y1 - y0) * t, np.full(64, y1), y1 - (y1 - y0) * t])
    lon, lat = (np.asarray(v, dtype=float) for v in to_lonlat.transform(xs, ys))
    west, south, east, north = CHINA_BOUNDS_DEG
    m = _EXTENT_MARGIN_DEG
    inside = (west + m <= lon) & (lon <= east - m) & (south + m <= lat) & (lat <= north - m)
    return bool(np.isfinite(lon).all() and np.isfinite(lat).all() and inside.all())
