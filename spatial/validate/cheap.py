"""The validator's cheap checks, vectorised, for layers too large for the full validator.

:func:`spatial.validate.ensure_valid` runs its checks feature by feature in
Python (about 25 s per million features). For a large layer,
:func:`refuse_bad_features` runs the checks that cost one vectorised shapely
call each, on *every* feature:

* null and empty geometries (``shapely.is_missing``, ``shapely.is_empty``);
* NaN or infinite coordinates: a ring through such a coordinate has a length
  that is not finite (``shapely.length``; ``shapely.bounds`` skips NaN), and a
  point with an infinite x or y a box that is not;
* from ``shapely.bounds``: latitude and longitude swapped, coordinates out of
  ±180°/±90° (or projected metres labelled as degrees) and a centre far
  outside China, the same tests as the validator's, as array comparisons;
  in a projected CRS, degrees labelled as metres and a centre (transformed to
  lon/lat) far outside China or out of the CRS's range.

The masks mirror the validator's predicates, and the message of the first bad
feature comes from the validator's own functions, so a refusal reads exactly
as :func:`~spatial.validate.ensure_valid` would word it:
``SOURCE: feature ID: problem (and N more)``. ``N`` counts the problems these
checks find; invalid geometries (self-intersections...) are not among them, as
``shapely.is_valid`` on every feature costs as much as a whole tabulation.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from spatial.crs import WGS84, crs_label, transformer
from spatial.errors import CRSError, LayerError
from spatial.io.rawjson import NON_FINITE_MESSAGE
from spatial.validate.boxes import geographic_mask, projected_mask
from spatial.validate.messages import (
    Problem,
    _geographic_message,
    _projected_message,
    feature_named,
)

__all__ = ["geographic_mask", "projected_mask", "refuse_bad_features"]

#: Fewest features worth a thread of their own in the passes over a layer.
_MIN_CHUNK = 50_000


def _bounds_and_length(
    geoms: npt.NDArray[np.object_], bounds: npt.NDArray[np.float64] | None, threads: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """``shapely.bounds`` (unless given) and ``shapely.length`` of every feature, in threads.

    The length is there for its NaN: ``shapely.bounds`` skips NaN coordinates.
    """
    n_chunks = max(1, min(threads, len(geoms) // _MIN_CHUNK))
    cuts = np.linspace(0, len(geoms), n_chunks + 1).astype(np.int64)

    def run(k: int) -> tuple[npt.NDArray[np.float64] | None, npt.NDArray[np.float64]]:
        part = geoms[cuts[k] : cuts[k + 1]]
        return (shapely.bounds(part) if bounds is None else None), shapely.length(part)

    if n_chunks == 1:
        parts = [run(0)]
    else:
        with ThreadPoolExecutor(max_workers=n_chunks) as pool:
            parts = list(pool.map(run, range(n_chunks)))
    length = np.concatenate([part[1] for part in parts])
    if bounds is None:
        bounds = np.concatenate([part[0] for part in parts])
    return bounds, length


def _nonfinite_rows(bounds: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Rows with a NaN or infinite bound; one sum decides when there are none (the usual case)."""
    with np.errstate(invalid="ignore", over="ignore"):
        if np.isfinite(bounds.sum()):
            return np.zeros(len(bounds), dtype=bool)
    nonfinite: npt.NDArray[np.bool_] = ~np.all(np.isfinite(bounds), axis=1)
    return nonfinite


def _geometry_problem(geom: shapely.Geometry | None, nonfinite: bool) -> str:
    if geom is None:
        return "geometry is null"
    if shapely.is_empty(geom):
        return "geometry is empty"
    return NON_FINITE_MESSAGE if nonfinite else ""


def refuse_bad_features(
    gdf: gpd.GeoDataFrame,
    source: str,
    id_field: str | None = "id",
    *,
    bounds: npt.NDArray[np.float64] | None = None,
    threads: int = 1,
) -> npt.NDArray[np.float64]:
    """Raise the validator's one-line refusal if any feature fails a cheap check.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The layer, with a CRS (geographic or projected), checked in that CRS
        as the validator checks it.
    source : str
        How to name the layer (its file, or "layer A").
    id_field : str, optional
        Column naming features, ``id`` as the validator reads it (None: the
        layer's own, :func:`~spatial.validate.messages.label_field`).
    bounds : numpy.ndarray, shape (n, 4), optional
        ``shapely.bounds`` of the layer's geometries, in its CRS, if the
        caller already has them (one pass over a million features: 0.03 s).
    threads : int
        Threads to split the passes over the features across (GEOS releases
        the GIL); results do not depend on it.

    Returns
    -------
    numpy.ndarray, shape (n, 4)
        The bounds (given or computed), for the caller to pass on (the
        tabulation engine takes them when the layer is already in EPSG:4326).

    Raises
    ------
    CRSError
        The layer carries no CRS.
    LayerError
        ``SOURCE: feature ID: problem (and N more)``: the first problem in
        feature order (its position's coordinate problem before its geometry
        problem, as the validator orders them), ``N`` the other problems found.
        ``ID`` is the ``id_field`` value, or ``#N`` (0-based position) without one.

    Examples
    --------
    >>> layer = gpd.GeoDataFrame({"id": ["ok", "swapped", "none"]},
    ...     geometry=[shapely.box(106.2, 29.6, 106.3, 29.7),
    ...               shapely.box(29.6, 106.2, 29.7, 106.3), None], crs="EPSG:4326")
    >>> refuse_bad_features(layer, "parcels.parquet")
    Traceback (most recent call last):
    ...
    spatial.errors.LayerError: parcels.parquet: feature swapped: latitude and ... (and 1 more)
    """
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    bounds, length = _bounds_and_length(geoms, bounds, threads)
    missing = shapely.is_missing(geoms)
    empty = np.zeros(len(geoms), dtype=bool)  # an empty geometry has NaN bounds: test only those
    unbounded = np.flatnonzero(~missing & _nonfinite_rows(bounds))
    empty[unbounded] = shapely.is_empty(geoms[unbounded])
    nonfinite = ~np.isfinite(length)  # a point's length is 0 whatever its x and y:
    nonfinite[unbounded] = True  # a box not finite, of a geometry not empty, is not either
    nonfinite &= ~missing & ~empty
    crs = gdf.crs
    if crs is None:
        raise CRSError(f"{source}: the layer carries no CRS; set one before checking it")
    # to the CRS's own lon/lat (CGCS2000 for a Gauss-Kruger zone: the same degrees as
    # EPSG:4326 to centimetres, without PROJ's 0.2 s search for a datum step)
    to_lonlat = None if crs.is_geographic else transformer(crs, crs.geodetic_crs or WGS84)
    coordinate = geographic_mask(bounds) if to_lonlat is None else projected_mask(bounds, to_lonlat)
    geometry = missing | empty | nonfinite
    count = int(coordinate.sum() + geometry.sum())
    if not count:
        return bounds
    first = int(np.flatnonzero(coordinate | geometry)[0])
    if coordinate[first] and to_lonlat is not None:
        message = _projected_message(bounds[first], crs, to_lonlat)
    elif coordinate[first]:
        message = _geographic_message(bounds[first], crs_label(crs))
    else:
        message = _geometry_problem(geoms[first], bool(nonfinite[first]))
    ident = feature_named(gdf, first, id_field)
    more = f" (and {count - 1} more)" if count > 1 else ""
    raise LayerError(f"{Problem(source, ident, str(message))}{more}")
