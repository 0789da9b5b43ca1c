"""Overlay analyses between planning layers.

Intersections, overlaps, differences, buffer coverage and point-in-polygon assignment.

Conventions, for every function here:

* Areas are ellipsoidal (GRS80/CGCS2000, :func:`spatial.area.ellipsoidal_area_m2`),
  in km² (``*_km2`` columns); shares are fractions in [0, 1].
* Distances and buffers are metres in the CGCS2000 3-degree Gauss–Krüger zone of
  the inputs (EPSG:4544 for Bishan), never in degrees, never in Web Mercator.
* Inputs must carry a CRS. Two inputs in different CRSs are both reprojected to
  EPSG:4326 (lon/lat) with a :class:`~spatial.errors.CRSMismatchWarning`.
* Intersections and differences are cut on the stored lon/lat coordinates;
  their areas are then measured on the ellipsoid. For features the size of
  planning zones this agrees with a cut in the Gauss–Krüger plane to well
  under 0.1% (the tests compare both with ``geopandas.overlay``).
* Invalid geometries are refused with the validator's one-line message
  (:class:`~spatial.errors.LayerError`) unless ``repair=True``; repairs made are
  listed in the result's ``attrs["repairs"]`` with the area each one changed
  (``area_changed_m2``, square metres, as :func:`spatial.validate.repair_layer`).

Examples
--------
>>> from spatial.io.layers import bundled_layer_path, read_layer
>>> zones = read_layer(bundled_layer_path("zones"))
>>> clusters = read_layer(bundled_layer_path("clusters"))
>>> table = tabulate_intersection(zones, clusters)
>>> row = table[(table.a_id == "zone-kcxz") & (table.b_id == "cluster-kcxz")].iloc[0]
>>> round(float(row.area_km2), 1), round(float(row.share_of_a), 2)
(15.0, 1.0)
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from spatial.crs import WGS84, align_crs, gk_zone_crs_for
from spatial.errors import CRSError, LayerError
from spatial.measure.area import ellipsoidal_area_m2
from spatial.overlay._engine import (
    TABULATION_COLUMNS,  # noqa: F401 - still importable from spatial.overlay.operations
    InvalidFeatureError,
    Known,
    intersection_areas,
    tabulation_frame,
)
from spatial.units import M2_PER_KM2
from spatial.validate.cheap import refuse_bad_features
from spatial.validate.prepare import prepare_valid

__all__ = [
    "assign_points",
    "buffer_coverage",
    "difference",
    "overlap_matrix",
    "overlaps",
    "require_geometry",
    "require_id_column",
    "tabulate_intersection",
]


def _require_crs(gdf: gpd.GeoDataFrame, name: str) -> None:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(f"{name}: expected a GeoDataFrame, got {type(gdf).__name__}")
    if gdf.crs is None:
        raise CRSError(
            f"{name}: the layer carries no CRS; set one (e.g. .set_crs('EPSG:4326')) "
            "before overlaying it"
        )


def require_id_column(gdf: gpd.GeoDataFrame, name: str, column: str) -> None:
    """Refuse an id column that is missing or is the geometry column (one line naming ``name``).

    Raises
    ------
    LayerError
        Listing the columns that could serve.
    """
    if isinstance(gdf, gpd.GeoDataFrame) and column == gdf.geometry.name:
        others = [str(c) for c in gdf.columns if c != column]
        raise LayerError(
            f"{name}: {column!r} is the geometry column, not an id column; name a property "
            f"column ({', '.join(others) or 'the layer has none'})"
        )
    if column not in gdf.columns:
        raise LayerError(
            f"{name}: no id column {column!r}; columns are {', '.join(map(str, gdf.columns))}"
        )


def _align(*layers: tuple[gpd.GeoDataFrame, str]) -> list[gpd.GeoDataFrame]:
    """Bring layers to EPSG:4326, warning when they arrived in different CRSs."""
    for gdf, name in layers:
        _require_crs(gdf, name)
    return align_crs(layers, "combined", stacklevel=4)


_KINDS: dict[str, frozenset[str]] = {
    "polygon": frozenset({"Polygon", "MultiPolygon"}),
    "point": frozenset({"Point", "MultiPoint"}),
    "any": frozenset(),
}
#: shapely's type id of each geometry type name.
_TYPE_IDS = {"Point": 0, "Polygon": 3, "MultiPoint": 4, "MultiPolygon": 6}


def require_geometry(
    gdf: gpd.GeoDataFrame, source: str, kind: str, id_col: str = "id"
) -> np.ndarray | None:
    """Refuse a layer whose features are not of the geometry ``kind`` an operation needs.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The layer.
    source : str
        How to name the layer in the message (its file, or "layer A").
    kind : {"polygon", "point", "any"}
        The geometries the operation needs; null and empty geometries are left
        to the validator.
    id_col : str
        Column naming features in the message (position when absent).

    Returns
    -------
    numpy.ndarray or None
        ``shapely.get_type_id`` of every feature (-1 for null), for the caller
        to reuse; None when ``kind`` is "any" or the layer is empty (not computed).

    Raises
    ------
    LayerError
        One line naming the first offending feature and how many more there are.
    """
    allowed = _KINDS[kind]
    if not allowed or gdf.empty:
        return None
    # type ids, not geom_type strings: 0.01 s instead of 0.08 s on a million parcels
    geoms = np.asarray(gdf.geometry.array)
    type_id = shapely.get_type_id(geoms)
    allowed_ids = [_TYPE_IDS[name] for name in allowed]
    wrong = (type_id >= 0) & ~np.isin(type_id, allowed_ids)
    if not wrong.any():
        return type_id
    first = int(np.flatnonzero(wrong)[0])
    ident = gdf[id_col].iloc[first] if id_col in gdf.columns else f"#{first}"
    more = int(wrong.sum()) - 1
    raise LayerError(
        f"{source}: feature {ident}: is a {geoms[first].geom_type}; this operation needs {kind} "
        f"geometries" + (f" (and {more} more)" if more else "")
    )


def _prepare(
    layers: list[tuple[gpd.GeoDataFrame, str, str, str]],
    repair: bool,
    full_check_max: int | None = None,
    threads: int = 1,
) -> tuple[list[gpd.GeoDataFrame], list[dict[str, object]], list[Known | None]]:
    """Align CRSs, check id columns, geometry kinds and validity; return EPSG:4326 layers.

    Each entry is ``(layer, name, id_col, kind)`` with ``kind`` as in :func:`require_geometry`.
    A layer with more than ``full_check_max`` features (when given, and unless
    repairing) gets the validator's cheap checks, vectorised, on every feature
    (:func:`spatial._cheap_checks.refuse_bad_features`) instead of the full
    validator, on ``threads`` threads: the caller then checks the validity of
    the features it uses (the tabulation engine does, with ``shapely.is_valid``).

    Returns the layers (EPSG:4326), the repairs made, and for each large
    layer what the checks computed over it (type ids; bounds if it came in
    EPSG:4326), else None, for the tabulation engine to reuse.
    """
    type_ids = []
    for gdf, name, id_col, kind in layers:
        _require_crs(gdf, name)
        if id_col:
            require_id_column(gdf, name, id_col)
        type_ids.append(require_geometry(gdf, name, kind, id_col))
    aligned = _align(*[(gdf, name) for gdf, name, _, _ in layers])
    out, repairs, known = [], [], []
    for gdf, (original, name, _, _), type_id in zip(aligned, layers, type_ids, strict=True):
        known.append(None)
        if full_check_max is not None and len(gdf) > full_check_max and not repair:
            # in its own CRS, as the validator below
            bounds = refuse_bad_features(original, name, threads=threads)
            # reprojecting keeps every type and row; the boxes only if not reprojected
            known[-1] = Known(type_id, bounds if gdf is original else None)
            plain = gdf.index.equals(pd.RangeIndex(len(gdf)))
            out.append(gdf if plain else gdf.reset_index(drop=True))  # no copy of a big layer
            continue
        if not repair:  # in the layer's own CRS: says "degrees labelled as metres", say
            prepare_valid(original, name)
            out.append(gdf.reset_index(drop=True))
            continue
        fixed, done = prepare_valid(gdf.reset_index(drop=True), name, repair)
        out.append(fixed)
        repairs.extend(done)
    return out, repairs, known


def _area_km2(geoms: np.ndarray | gpd.GeoSeries, crs: CRS = WGS84) -> np.ndarray:
    series = geoms if isinstance(geoms, gpd.GeoSeries) else gpd.GeoSeries(geoms, crs=crs)
    return ellipsoidal_area_m2(series) / M2_PER_KM2


def _with_repairs(result: pd.DataFrame, repairs: list[dict[str, object]]) -> pd.DataFrame:
    result.attrs["repairs"] = repairs
    return result


def tabulate_intersection(
    a: gpd.GeoDataFrame,
    b: gpd.GeoDataFrame,
    a_id: str = "id",
    b_id: str = "id",
    *,
    repair: bool = False,
    threads: int | None = None,
    full_check_max_features: int = 2_000,
    names: Sequence[str] = ("layer A", "layer B"),
) -> pd.DataFrame:
    """Tabulate the area shared by every pair of features of ``a`` and ``b`` that overlap.

    Runs on the classify-first engine (:mod:`spatial.overlay._engine`): features
    wholly inside a partner count whole, only pairs that cross a boundary are
    cut, and areas come from an equal-area projection (parcels within 5e-7
    of ``pyproj.Geod``, typically 1e-8). A million parcels against the
    plan's zones take under a second (see ``benchmarks/RESULTS.md``).

    Parameters
    ----------
    a, b : geopandas.GeoDataFrame
        Polygon layers with a CRS (reprojected to EPSG:4326 with a warning if they differ).
    a_id, b_id : str
        Columns identifying the features of ``a`` and ``b``.
    repair : bool
        Repair invalid geometries instead of refusing them.
    threads : int, optional
        Threads to run on (default: the CPUs this process may run on,
        ``os.sched_getaffinity``); results do not depend on it.
    full_check_max_features : int
        Layers of up to this many features go through the full validator
        (:func:`spatial.validate.ensure_valid`, about 25 s per million
        features); larger ones get the checks described in the notes.
    names : (str, str)
        How to name ``a`` and ``b`` in error messages (their files, say).

    Notes
    -----
    A layer of more than ``full_check_max_features`` features (and not being
    repaired) is checked in two cheaper steps. First every feature gets the
    validator's vectorised checks (null or empty geometry, NaN or infinite
    coordinates, latitude and longitude swapped, coordinates out of range, a
    position far outside China), refused in the validator's words, naming the
    first bad feature (:mod:`spatial.validate.cheap`). Then every feature that
    shares area with the other layer is checked with ``shapely.is_valid`` and
    refused, naming its id, if invalid; an invalid feature that overlaps
    nothing is not measured and not reported, and duplicate ids are not checked.

    Returns
    -------
    pandas.DataFrame
        One row per pair with a shared area greater than zero (pairs that only
        touch along an edge or at a point are left out), columns ``a_id``,
        ``b_id`` (the two features' ids), ``area_km2`` (ellipsoidal),
        ``share_of_a`` and ``share_of_b`` (shared area over each feature's own
        area), in the order of ``a`` then ``b``.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> sq = gpd.GeoDataFrame({"id": ["s"]}, geometry=[box(106.0, 29.0, 106.02, 29.02)],
    ...                       crs="EPSG:4326")
    >>> half = gpd.GeoDataFrame({"id": ["h"]}, geometry=[box(106.01, 29.0, 106.03, 29.02)],
    ...                         crs="EPSG:4326")
    >>> tabulate_intersection(sq, half).round(3)
      a_id b_id  area_km2  share_of_a  share_of_b
    0    s    h      2.16         0.5         0.5
    """
    name_a, name_b = names
    threads = threads if threads is not None else _usable_cpus()
    (a4326, b4326), repairs, known = _prepare(
        [(a, name_a, a_id, "polygon"), (b, name_b, b_id, "polygon")],
        repair,
        full_check_max_features,
        threads,
    )
    try:
        pairs = intersection_areas(
            a4326.geometry.array,
            b4326.geometry.array,
            (name_a, name_b),
            threads=threads,
            known=(known[0], known[1]),
        )
    except InvalidFeatureError as exc:
        layer, name, col = (a4326, name_a, a_id) if exc.layer == "a" else (b4326, name_b, b_id)
        raise LayerError(
            f"{name}: feature {layer[col].iloc[exc.position]}: invalid geometry: {exc.reason}"
        ) from None
    table = tabulation_frame(pairs, a4326[a_id].to_numpy(), b4326[b_id].to_numpy())
    return _with_repairs(table, repairs)


def _usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask), not all the machine has."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _unique_ids(gdf: gpd.GeoDataFrame, name: str, id_col: str) -> None:
    duplicated = gdf[id_col][gdf[id_col].duplicated()]
    if len(duplicated):
        raise LayerError(f"{name}: id {duplicated.iloc[0]!s} appears more than once in {id_col!r}")


def overlaps(layer: gpd.GeoDataFrame, id_col: str = "id", *, repair: bool = False) -> pd.DataFrame:
    """List every pair of features of one layer that overlap, each pair once.

    Returns
    -------
    pandas.DataFrame
        Columns ``a_id, b_id, area_km2, share_of_a, share_of_b`` as in
        :func:`tabulate_intersection`, with ``a`` before ``b`` in layer order.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> lyr = gpd.GeoDataFrame({"id": ["x", "y", "z"]},
    ...                        geometry=[box(106.0, 29.5, 106.02, 29.52),
    ...                                  box(106.01, 29.5, 106.03, 29.52),
    ...                                  box(106.5, 29.5, 106.6, 29.6)], crs="EPSG:4326")
    >>> overlaps(lyr)[["a_id", "b_id", "share_of_a"]]
      a_id b_id  share_of_a
    0    x    y         0.5
    """
    _require_crs(layer, "layer")
    require_id_column(layer, "layer", id_col)
    _unique_ids(layer, "layer", id_col)
    pairs = tabulate_intersection(layer, layer, id_col, id_col, repair=repair)
    position = {ident: pos for pos, ident in enumerate(layer[id_col])}
    first = pairs["a_id"].map(position) < pairs["b_id"].map(position)
    return _with_repairs(pairs[first].reset_index(drop=True), pairs.attrs["repairs"])


#: Columns of the long (sparse) conflict matrix: one row per non-zero cell.
MATRIX_COLUMNS = ("a_id", "b_id", "area_km2")
#: Matrix forms :func:`overlap_matrix` returns.
MATRIX_FORMS = ("long", "square")


def _threaded(func, threads: int, *arrays: np.ndarray) -> np.ndarray:
    """Apply a vectorised shapely ``func`` to aligned arrays in ``threads`` chunks (no GIL held)."""
    if threads <= 1 or len(arrays[0]) < 10_000:
        return func(*arrays)
    bounds = np.linspace(0, len(arrays[0]), threads + 1).astype(int)
    with ThreadPoolExecutor(threads) as pool:
        parts = pool.map(
            lambda lo_hi: func(*(array[lo_hi[0] : lo_hi[1]] for array in arrays)),
            itertools.pairwise(bounds),
        )
        return np.concatenate(list(parts))


def _overlapping_pairs(geoms: np.ndarray, threads: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``(i, j)``, ``i < j``, of every pair whose interiors meet (shared area > 0).

    Candidates come from an STR tree (``intersects``, on prepared geometries);
    pairs whose bounding boxes meet only along a line are dropped at once, and
    a DE-9IM test (interiors intersect) drops the others that only touch along
    an edge or at a point, so only pairs that share area are cut. The cost
    grows with the features and the touching pairs, never with their square.
    """
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    once = left < right
    left, right = left[once], right[once]
    box = shapely.bounds(geoms)
    lo, hi = np.maximum(box[left, :2], box[right, :2]), np.minimum(box[left, 2:], box[right, 2:])
    flat = ((hi - lo) <= 0).any(axis=1)
    left, right = left[~flat], right[~flat]
    share = _threaded(
        lambda a, b: shapely.relate_pattern(a, b, "T********"), threads, geoms[left], geoms[right]
    )
    left, right = left[share], right[share]
    order = np.lexsort((right, left))
    return left[order], right[order]


def _refuse_invalid(geoms: np.ndarray, positions: np.ndarray, name: str, ids: np.ndarray) -> None:
    """Refuse the first invalid feature among ``positions`` (large layers skip the full check)."""
    used = np.unique(positions)
    invalid = used[~shapely.is_valid(geoms[used])]
    if len(invalid):
        first = int(invalid[0])
        raise LayerError(
            f"{name}: feature {ids[first]}: invalid geometry: "
            f"{shapely.is_valid_reason(geoms[first])}"
        )


def overlap_matrix(
    layer: gpd.GeoDataFrame,
    id_col: str = "id",
    *,
    repair: bool = False,
    form: str = "long",
    name: str = "layer",
) -> pd.DataFrame:
    """Return the conflict matrix of one layer: the area, in km², each pair of features shares.

    Parameters
    ----------
    layer : geopandas.GeoDataFrame
        Polygon layer with a CRS and unique ids.
    id_col : str
        Column identifying the features.
    repair : bool
        Repair invalid geometries instead of refusing them.
    form : {"long", "square"}
        ``"long"`` (default): the matrix's non-zero cells only, one row each,
        columns :data:`MATRIX_COLUMNS` (``a_id, b_id, area_km2``): every
        feature with itself (its own area) and every ordered pair of distinct
        features that share area (both orders), in layer order of ``a`` then
        ``b``. Its size grows with the pairs that overlap, so it suits layers
        of any size. ``"square"``: the n × n table (n² cells), for small layers.
    name : str
        How to name the layer in error messages (its file, say).

    Returns
    -------
    pandas.DataFrame
        Long: as above (pivot it on ``a_id``/``b_id``, filling 0, to get the
        square form). Square: symmetric, indexed and labelled by id in layer
        order; off-diagonal cells are the shared area in km² (0 where features
        do not overlap, or only touch), the diagonal each feature's own area in km².
        Areas are ellipsoidal (GRS80/CGCS2000).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> lyr = gpd.GeoDataFrame({"id": ["x", "y", "z"]},
    ...                        geometry=[box(106.0, 29.5, 106.02, 29.52),
    ...                                  box(106.01, 29.5, 106.03, 29.52),
    ...                                  box(106.5, 29.5, 106.51, 29.51)], crs="EPSG:4326")
    >>> overlap_matrix(lyr).round(2)
      a_id b_id  area_km2
    0    x    x      4.30
    1    x    y      2.15
    2    y    x      2.15
    3    y    y      4.30
    4    z    z      1.07
    >>> overlap_matrix(lyr, form="square").round(2)
          x     y     z
    x  4.30  2.15  0.00
    y  2.15  4.30  0.00
    z  0.00  0.00  1.07
    """
    if form not in MATRIX_FORMS:
        raise ValueError(f"form must be one of {', '.join(MATRIX_FORMS)}, got {form!r}")
    _require_crs(layer, name)
    require_id_column(layer, name, id_col)
    _unique_ids(layer, name, id_col)
    (lonlat,), repairs, _ = _prepare([(layer, name, id_col, "polygon")], repair, 2_000)
    geoms = np.asarray(lonlat.geometry.array, dtype=object)
    ids = lonlat[id_col].to_numpy()
    threads = _usable_cpus()
    left, right = _overlapping_pairs(geoms, threads)
    _refuse_invalid(geoms, np.concatenate([left, right]), name, ids)
    pieces = _threaded(shapely.intersection, threads, geoms[left], geoms[right])
    shared_km2 = _area_km2(pieces)
    positive = shared_km2 > 0
    left, right, shared_km2 = left[positive], right[positive], shared_km2[positive]
    own = np.arange(len(geoms))
    a = np.concatenate([own, left, right])
    b = np.concatenate([own, right, left])
    area = np.concatenate([_area_km2(geoms), shared_km2, shared_km2])
    order = np.lexsort((b, a))
    long = pd.DataFrame({"a_id": ids[a[order]], "b_id": ids[b[order]], "area_km2": area[order]})
    if form == "long":
        return _with_repairs(long, repairs)
    matrix = long.pivot(index="a_id", columns="b_id", values="area_km2")
    matrix = matrix.reindex(index=list(ids), columns=list(ids)).fillna(0.0)
    matrix.index.name = None
    matrix.columns.name = None
    return _with_repairs(matrix, repairs)


def difference(
    a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, id_col: str = "id", *, repair: bool = False
) -> gpd.GeoDataFrame:
    """Return the part of each feature of ``a`` that lies outside every feature of ``b``.

    Parameters
    ----------
    a, b : geopandas.GeoDataFrame
        Polygon layers with a CRS (reprojected to EPSG:4326 with a warning if they differ).
    id_col : str
        Column identifying the features of ``a``.
    repair : bool
        Repair invalid geometries instead of refusing them.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per feature of ``a`` (in EPSG:4326), columns ``id_col``,
        ``area_km2`` (ellipsoidal area of the part outside ``b``),
        ``share_of_a`` (that part over the feature's area) and ``geometry``
        (possibly empty).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> a = gpd.GeoDataFrame({"id": ["a"]}, geometry=[box(106.0, 29.5, 106.02, 29.52)],
    ...                      crs="EPSG:4326")
    >>> b = gpd.GeoDataFrame({"id": ["b"]}, geometry=[box(106.015, 29.4, 106.1, 29.6)],
    ...                      crs="EPSG:4326")
    >>> difference(a, b)[["id", "share_of_a"]].round(3)
      id  share_of_a
    0  a        0.75
    """
    (a4326, b4326), repairs, _ = _prepare(
        [(a, "layer A", id_col, "polygon"), (b, "layer B", "", "polygon")], repair
    )
    ia, ib = b4326.sindex.query(a4326.geometry, predicate="intersects")
    remaining = a4326.geometry.array.copy()
    for pos in np.unique(ia):
        cover = shapely.union_all(b4326.geometry.array[ib[ia == pos]])
        remaining[pos] = shapely.difference(remaining[pos], cover)
    area_km2 = _area_km2(np.asarray(remaining))
    own_km2 = _area_km2(a4326.geometry)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(own_km2 > 0, area_km2 / own_km2, 0.0)
    result = gpd.GeoDataFrame(
        {id_col: a4326[id_col].to_numpy(), "area_km2": area_km2, "share_of_a": share},
        geometry=gpd.GeoSeries(remaining, crs=WGS84),
    )
    return _with_repairs(result, repairs)


def buffer_coverage(
    polygons: gpd.GeoDataFrame,
    lines: gpd.GeoDataFrame,
    distance_m: float,
    id_col: str = "id",
    *,
    repair: bool = False,
) -> pd.DataFrame:
    """Return the share of each polygon lying within ``distance_m`` metres of a line layer.

    Parameters
    ----------
    polygons : geopandas.GeoDataFrame
        Polygon layer with a CRS.
    lines : geopandas.GeoDataFrame
        Any layer (usually lines, e.g. the avenue) with a CRS.
    distance_m : float
        Buffer distance in metres, applied in the Gauss–Krüger zone of the
        inputs (never in degrees). Must be positive.
    id_col : str
        Column identifying the polygons.
    repair : bool
        Repair invalid geometries instead of refusing them.

    Returns
    -------
    pandas.DataFrame
        Columns ``id_col``, ``area_km2`` (each polygon's ellipsoidal area),
        ``within_km2`` (ellipsoidal area of its part within the buffer) and
        ``share_within`` (``within_km2 / area_km2``).

    Examples
    --------
    >>> from shapely.geometry import LineString, box
    >>> cell = gpd.GeoDataFrame({"id": ["c"]}, geometry=[box(106.0, 29.5, 106.05, 29.55)],
    ...                         crs="EPSG:4326")
    >>> road = gpd.GeoDataFrame({"id": ["r"]},
    ...                         geometry=[LineString([(106.0, 29.4), (106.0, 29.7)])],
    ...                         crs="EPSG:4326")
    >>> share = buffer_coverage(cell, road, 1000.0)["share_within"].iloc[0]
    >>> round(float(share), 2)  # 1 km of a 4.85 km wide cell
    0.21
    """
    if not np.isfinite(distance_m) or distance_m <= 0:
        raise LayerError(f"distance_m must be a positive number of metres, got {distance_m!r}")
    (polys, lns), repairs, _ = _prepare(
        [(polygons, "polygon layer", id_col, "polygon"), (lines, "line layer", "", "any")], repair
    )
    gk = gk_zone_crs_for(polys, lns)
    zone = shapely.union_all(lns.to_crs(gk).geometry.array).buffer(distance_m, quad_segs=32)
    within_gk = shapely.intersection(polys.to_crs(gk).geometry.array, zone)
    within_km2 = _area_km2(gpd.GeoSeries(within_gk, crs=gk))
    area_km2 = _area_km2(polys.geometry)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(area_km2 > 0, np.clip(within_km2 / area_km2, 0.0, 1.0), 0.0)
    result = pd.DataFrame(
        {
            id_col: polys[id_col].to_numpy(),
            "area_km2": area_km2,
            "within_km2": np.minimum(within_km2, area_km2),
            "share_within": share,
        }
    )
    return _with_repairs(result, repairs)


def assign_points(
    points: gpd.GeoDataFrame,
    polygons: gpd.GeoDataFrame,
    point_id: str = "id",
    polygon_id: str = "id",
    *,
    repair: bool = False,
) -> pd.DataFrame:
    """Assign each point to the polygons that contain it, or to the nearest one.

    Parameters
    ----------
    points : geopandas.GeoDataFrame
        Point layer with a CRS.
    polygons : geopandas.GeoDataFrame
        Polygon layer with a CRS.
    point_id, polygon_id : str
        Columns identifying the points and the polygons.
    repair : bool
        Repair invalid geometries instead of refusing them.

    Returns
    -------
    pandas.DataFrame
        Columns ``point_id``, ``polygon_id``, ``inside`` (bool) and ``dist_m``
        (metres in the Gauss–Krüger zone; 0 when inside). A point inside
        several (nested) polygons gets one row per polygon; a point inside
        none gets one row naming the nearest polygon, ``inside`` False.
        Points on a polygon's boundary count as inside.

    Raises
    ------
    LayerError
        A layer has no features (the validator refuses an empty layer: no
        point could be assigned), is invalid, lacks its id column or holds
        the wrong geometries.
    CRSError
        A layer carries no CRS.

    Examples
    --------
    >>> from shapely.geometry import Point, box
    >>> pts = gpd.GeoDataFrame({"id": ["p", "q"]},
    ...                        geometry=[Point(106.205, 29.605), Point(106.23, 29.605)],
    ...                        crs="EPSG:4326")
    >>> polys = gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(106.2, 29.6, 106.21, 29.61)],
    ...                          crs="EPSG:4326")
    >>> out = assign_points(pts, polys)
    >>> out.assign(dist_m=out.dist_m.round(-1))
      point_id polygon_id  inside  dist_m
    0        p          A    True     0.0
    1        q          A   False  1940.0
    """
    (pts, polys), repairs, _ = _prepare(
        [
            (points, "point layer", point_id, "point"),
            (polygons, "polygon layer", polygon_id, "polygon"),
        ],
        repair,
    )
    ip, iq = polys.sindex.query(pts.geometry, predicate="covered_by")
    inside = pd.DataFrame(
        {
            "point_id": pts[point_id].to_numpy()[ip],
            "polygon_id": polys[polygon_id].to_numpy()[iq],
            "inside": True,
            "dist_m": 0.0,
            "_order": ip,
        }
    )
    outside = np.setdiff1d(np.arange(len(pts)), ip)
    gk = gk_zone_crs_for(pts, polys)
    pts_gk, polys_gk = pts.to_crs(gk), polys.to_crs(gk)
    if outside.size:
        jp, jq = polys_gk.sindex.nearest(pts_gk.geometry.iloc[outside], return_all=False)
    else:
        jp = jq = np.array([], dtype=int)
    nearest = pd.DataFrame(
        {
            "point_id": pts[point_id].to_numpy()[outside[jp]],
            "polygon_id": polys[polygon_id].to_numpy()[jq],
            "inside": False,
            "dist_m": shapely.distance(
                pts_gk.geometry.array[outside[jp]], polys_gk.geometry.array[jq]
            ),
            "_order": outside[jp],
        }
    )
    frames = [frame for frame in (inside, nearest) if len(frame)]
    result = pd.concat(frames, ignore_index=True) if frames else inside
    result = result.sort_values("_order", kind="stable").drop(columns="_order")
    return _with_repairs(result.reset_index(drop=True), repairs)
