"""Overlay analyses between planning layers.

Intersections, overlaps, differences, buffer coverage and point-in-polygon assignment.

Conventions, for every function here:

* Areas are the area of record (CGCS2000/GRS80 ellipsoid, every edge straight
  in geodetic lon/lat: :mod:`spatial.measure.strip`), in km² (``*_km2``
  columns), for pieces and wholes alike, and shares are fractions in [0, 1].
  Cut in lon/lat, the pieces of a feature add up to it (to about 1e-12); cut
  in a projected frame (Gauss–Krüger), they add up to it only to the lenses
  between the plane's straight edges and the survey rule's, so the
  tabulation reconciles them to each feature (the model:
  :mod:`spatial.measure.reconcile`; how: :mod:`spatial.overlay._closure`).
* Distances and buffers are metres in the CGCS2000 3-degree Gauss–Krüger zone of
  the inputs (EPSG:4544 for Bishan), never in degrees, never in Web Mercator.
* Inputs must carry a CRS. Every operation decides its cuts, differences and
  point-in-polygon tests in the CRS of its inputs when they share one (a
  Gauss–Krüger layer is never reprojected); when they differ, the smaller
  layer is moved into the larger one's CRS (into a projected one with its
  edges densified to :data:`DENSIFY_DEG`, so they stay where the lon/lat edge
  model puts them). :func:`assign_points` works in the polygons' CRS and
  :func:`buffer_coverage` in the Gauss–Krüger zone of the inputs (a layer
  stored there is used as it is). A
  :class:`~spatial.errors.CRSMismatchWarning` is given only when the datums
  differ (see :func:`spatial.crs.align_crs`).
* Pieces are cut in those coordinates and measured from their vertices'
  geodetic coordinates (the land-survey rule for Gauss–Krüger data).
* Every input goes through :func:`spatial.validate.inputs.prepare_inputs` once:
  invalid geometries are refused with the validator's one-line message
  (:class:`~spatial.errors.LayerError`, naming the input as ``names=`` gives it)
  unless ``repair=True``; each repair made is announced by a
  :class:`~spatial.errors.RepairWarning` giving the area it changed
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
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS

from spatial.cpus import usable_cpus
from spatial.crs import WGS84, gk_zone_crs_for, reproject
from spatial.errors import LayerError, UsageError
from spatial.measure.area import ellipsoidal_area_m2
from spatial.measure.kept import lost_nothing, reconcile_kept
from spatial.overlay._closure import reconcile_side
from spatial.overlay._engine import (
    TABULATION_COLUMNS,  # noqa: F401 - still importable from spatial.overlay.operations
    InvalidFeatureError,
    PairAreas,
    in_plane,
    intersection_areas,
)
from spatial.overlay._keywords import id_keywords
from spatial.overlay._within import parts_within
from spatial.preconditions import feature_error, require_crs, require_unique_ids
from spatial.units import M2_PER_KM2
from spatial.validate.frame import DENSIFY_DEG, into_crs, move_into
from spatial.validate.inputs import FULL_CHECK_MAX_FEATURES, Known, LayerInput, prepare_inputs
from spatial.validate.pairs import intersecting_pairs

__all__ = [
    "DENSIFY_DEG",
    "MATRIX_COLUMNS",
    "MATRIX_FORMS",
    "RECONCILED_COLUMNS",
    "assign_points",
    "buffer_coverage",
    "buffer_zone",
    "coverage_table",
    "cut_outside",
    "cut_prepared",
    "difference",
    "difference_shares",
    "empty_cut",
    "finish_cuts",
    "overlap_matrix",
    "overlaps",
    "require_one_dimension",
    "require_valid_at",
    "settle_within_km2",
    "tabulate_intersection",
    "tabulate_prepared",
    "within_zone",
]


_DIMENSION_NAMES = {0: "points", 1: "lines", 2: "polygons"}


def require_one_dimension(gdf: gpd.GeoDataFrame, source: str) -> None:
    """Refuse a layer that mixes points, lines and polygons, where buffering all would mislead.

    Buffering the corridor's avenue line and its 2 km band polygon together
    measures "within 1 km of either", not of the avenue: the caller should
    choose the features (``--where b:kind=avenue``).

    Raises
    ------
    LayerError
        Naming how many features of each kind, and the hint.
    """
    geoms = np.asarray(gdf.geometry.array)
    dims = shapely.get_dimensions(geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)])
    kinds = {int(d): int((dims == d).sum()) for d in np.unique(dims)}
    if len(kinds) > 1:
        held = ", ".join(f"{n} {_DIMENSION_NAMES.get(d, d)}" for d, n in kinds.items())
        field = "kind" if "kind" in gdf.columns else "FIELD"
        raise LayerError(
            f"{source}: mixes {held}; buffering them all together would measure the distance "
            f"to any of them: choose features, e.g. --where b:{field}=VALUE"
        )


def _area_km2(geoms: np.ndarray, crs: CRS = WGS84) -> np.ndarray:
    """Area of record (km²) of geometries stored in ``crs`` (their polygons; the rest 0)."""
    return ellipsoidal_area_m2(gpd.GeoSeries(geoms, crs=crs)) / M2_PER_KM2


@id_keywords(a_id="a_id_field", b_id="b_id_field")
def tabulate_intersection(  # noqa: PLR0913 - keyword-only options past the two layers
    a: gpd.GeoDataFrame,
    b: gpd.GeoDataFrame,
    a_id_field: str = "id",
    b_id_field: str = "id",
    *,
    repair: bool = False,
    threads: int | None = None,
    full_check_max_features: int = FULL_CHECK_MAX_FEATURES,
    names: Sequence[str] = ("layer A", "layer B"),
    all_a: bool = False,
) -> pd.DataFrame:
    """Tabulate the area shared by every pair of features of ``a`` and ``b`` that overlap.

    Runs on the classify-first engine (:mod:`spatial.overlay._engine`): features
    wholly inside a partner count whole, only pairs that cross a boundary are
    cut, and every area is the area of record (strips on CGCS2000, edges
    straight in lon/lat), so the pieces of a feature add up to it. The cuts are
    made in the layers' own CRS when they share one (a Gauss–Krüger layer is
    not reprojected); otherwise the smaller layer is moved into the larger
    one's CRS, densified (see the module notes). See ``benchmarks/RESULTS.md``
    for timings.

    Parameters
    ----------
    a, b : geopandas.GeoDataFrame
        Polygon layers with a CRS (if they differ, the smaller is moved into the
        larger one's CRS).
    a_id_field, b_id_field : str
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
    all_a : bool
        Also list, after the pairs, every feature of ``a`` that no feature of
        ``b`` shares area with: ``b_id`` missing, ``area_km2`` and shares 0
        (a zone wholly outside the band shows as 0 instead of being absent).

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

    Pieces cut in a projected frame (both layers in EPSG:4544, say) are
    reconciled to their features' areas of record, the land survey's
    proportional adjustment (:mod:`spatial.measure.reconcile`): the pieces of a
    feature, with its uncovered remainder, add up to it, so the shares of a
    fully covered feature sum to 1 (to about 1e-15). Every piece has two
    features: ``area_km2`` and ``share_of_a`` are reconciled to the feature of
    ``a``, ``share_of_b`` to the feature of ``b``; ``raw_area_km2`` is the piece
    as cut and measured (the figure :func:`spatial.review.balance.balance_table` shows
    raw). A feature wholly inside one partner is its own piece and is not
    adjusted. Cut in lon/lat, nothing is adjusted (the raw and the reconciled
    figures are the same).

    Returns
    -------
    pandas.DataFrame
        One row per pair with a shared area greater than zero (pairs that only
        touch along an edge or at a point are left out), in the order of ``a``
        then ``b``, columns ``a_id``, ``b_id`` (the two features' ids),
        ``area_km2`` (the shared area of record, reconciled to the feature of
        ``a``), ``share_of_a`` and ``share_of_b`` (the piece reconciled to each
        feature, over that feature's area of record), then
        :data:`RECONCILED_COLUMNS`: ``raw_area_km2`` (the piece's area of
        record as cut, before reconciling) and ``adjustment_m2`` (the larger of
        the two changes reconciling made to it, m²).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> sq = gpd.GeoDataFrame({"id": ["s"]}, geometry=[box(106.0, 29.0, 106.02, 29.02)],
    ...                       crs="EPSG:4326")
    >>> half = gpd.GeoDataFrame({"id": ["h"]}, geometry=[box(106.01, 29.0, 106.03, 29.02)],
    ...                         crs="EPSG:4326")
    >>> tabulate_intersection(sq, half).iloc[:, :5].round(3)
      a_id b_id  area_km2  share_of_a  share_of_b
    0    s    h      2.16         0.5         0.5
    """
    name_a, name_b = names
    threads = threads if threads is not None else usable_cpus()
    prepared = prepare_inputs(
        [
            LayerInput(a, name_a, a_id_field, "polygon"),
            LayerInput(b, name_b, b_id_field, "polygon"),
        ],
        repair=repair,
        full_check_max_features=full_check_max_features,
        threads=threads,
        frame="largest",
    )
    a_in, b_in = prepared.layers
    table = tabulate_prepared(
        (np.asarray(a_in.geometry.array), a_in[a_id_field].to_numpy()),
        (np.asarray(b_in.geometry.array), b_in[b_id_field].to_numpy()),
        names=(name_a, name_b),
        crs=a_in.crs,
        threads=threads,
        known=(prepared.known[0], prepared.known[1]),
    )
    return _with_untouched(table, a_in[a_id_field]) if all_a else table


def tabulate_prepared(
    a: tuple[np.ndarray, np.ndarray],
    b: tuple[np.ndarray, np.ndarray],
    *,
    names: Sequence[str],
    crs: CRS | None,
    threads: int = 1,
    index: Literal["smaller", "a", "b"] = "smaller",
    known: tuple[Known | None, Known | None] = (None, None),
) -> pd.DataFrame:
    """Tabulate two layers already checked and in one CRS, each given as (geometries, ids).

    What :func:`tabulate_intersection` runs once :func:`prepare_inputs` has
    checked its inputs; the GeoParquet tabulation (:mod:`spatial.overlay.parquet`)
    runs it on every unit of rows. A feature taking part that is not a valid
    geometry is refused, naming its layer and id. ``index`` and ``known`` are
    :func:`spatial.overlay._engine.intersection_areas`'s.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`tabulate_intersection` (``area_km2`` the area of
        record, km², reconciled as it says), one row per pair sharing area, in
        the order of ``a`` then ``b``.
    """
    cut = cut_prepared(a, b, names=names, crs=crs, threads=threads, index=index, known=known)
    return finish_cuts([cut], b[0], crs)


#: Columns a tabulation has after :data:`TABULATION_COLUMNS`: ``raw_area_km2``, the piece's
#: area of record as cut (km²), and ``adjustment_m2``, the largest change reconciling made
#: to it for either of its two features (m²).
RECONCILED_COLUMNS = ("raw_area_km2", "adjustment_m2")
#: Columns of :func:`cut_prepared`'s table.
_CUT_COLUMNS = (
    "a_id",
    "b_id",
    "raw_m2",
    "a_m2",
    "a_area_m2",
    "b_area_m2",
    "b_pos",
    "plane",
    "plane_mx",
    "plane_my",
)


def cut_prepared(
    a: tuple[np.ndarray, np.ndarray],
    b: tuple[np.ndarray, np.ndarray],
    *,
    names: Sequence[str],
    crs: CRS | None,
    threads: int = 1,
    index: Literal["smaller", "a", "b"] = "smaller",
    known: tuple[Known | None, Known | None] = (None, None),
) -> pd.DataFrame:
    """Cut one unit of ``a`` against the whole of ``b``; reconcile the features of ``a`` in it.

    The first half of :func:`tabulate_prepared`, for a layer ``a`` tabulated a
    unit at a time (every feature of ``a`` lies in one unit, so its pieces are
    reconciled here, :mod:`spatial.overlay._closure`); :func:`finish_cuts`
    reconciles the features of ``b`` over all units.

    Returns
    -------
    pandas.DataFrame
        One row per pair, in the order of ``a`` then ``b``: ids, ``raw_m2`` (the
        piece's area of record, m²), ``a_m2`` (reconciled to its feature of
        ``a``), both features' areas, ``b``'s position and the piece's area
        and first moments in the plane of a projected CRS (0 in lon/lat).
    """
    (a_geoms, a_ids), (b_geoms, b_ids) = a, b
    name_a, name_b = names
    try:
        pairs = intersection_areas(
            a_geoms,
            b_geoms,
            (name_a, name_b),
            crs=crs,
            threads=threads,
            index=index,
            known=known,
        )
    except InvalidFeatureError as exc:
        name, ids = (name_a, a_ids) if exc.layer == "a" else (name_b, b_ids)
        raise feature_error(name, ids[exc.position], f"invalid geometry: {exc.reason}") from None
    return _cut_frame(pairs, (a_geoms, a_ids), (b_geoms, b_ids), crs)


def _cut_frame(
    pairs: PairAreas,
    a: tuple[np.ndarray, np.ndarray],
    b: tuple[np.ndarray, np.ndarray],
    crs: CRS | None,
) -> pd.DataFrame:
    """Build the table of :func:`cut_prepared` from the engine's pairs."""
    a_m2, plane = pairs.area_m2, np.zeros((len(pairs), 3))
    if crs is not None and in_plane(crs) and pairs.plane is not None:
        plane = pairs.plane
        a_geoms = np.asarray(a[0])
        a_m2 = reconcile_side(pairs.area_m2, pairs.a_index, pairs.a_area_m2, plane, a_geoms, crs)
    return pd.DataFrame(
        {
            "a_id": np.asarray(a[1])[pairs.a_index],
            "b_id": np.asarray(b[1])[pairs.b_index],
            "raw_m2": pairs.area_m2,
            "a_m2": a_m2,
            "a_area_m2": pairs.a_area_m2,
            "b_area_m2": pairs.b_area_m2,
            "b_pos": pairs.b_index,
            "plane": plane[:, 0],
            "plane_mx": plane[:, 1],
            "plane_my": plane[:, 2],
        },
        columns=list(_CUT_COLUMNS),
    )


def empty_cut(a_ids: np.ndarray, b_ids: np.ndarray) -> pd.DataFrame:
    """Return a :func:`cut_prepared` table with no pair, its id columns typed as the ids given."""
    none = np.zeros(0, dtype=np.int64)
    pairs = PairAreas(none, none, *(np.zeros(0),) * 3)
    nothing = np.zeros(0, dtype=object)
    return _cut_frame(pairs, (nothing, a_ids), (nothing, b_ids), None)


def finish_cuts(cuts: Sequence[pd.DataFrame], b_geoms: np.ndarray, crs: CRS | None) -> pd.DataFrame:
    """Reconcile the features of ``b`` over every unit's cut; return the tabulation.

    Parameters
    ----------
    cuts : sequence of pandas.DataFrame
        :func:`cut_prepared` tables, in the order of ``a`` (at least one).
    b_geoms : numpy.ndarray of object
        The features of ``b``, in ``crs``.
    crs : pyproj.CRS or None
        The frame the pieces were cut in (None: lon/lat).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TABULATION_COLUMNS` then :data:`RECONCILED_COLUMNS`: the
        pieces reconciled to each feature's area of record
        (:mod:`spatial.measure.reconcile`): ``area_km2`` and ``share_of_a`` to
        the feature of ``a``, ``share_of_b`` to the feature of ``b``.
    """
    cut = pd.concat(cuts, ignore_index=True) if len(cuts) > 1 else cuts[0]
    raw = cut["raw_m2"].to_numpy(float)
    a_m2, b_m2 = cut["a_m2"].to_numpy(float), raw
    if crs is not None and in_plane(crs):
        b_pos = cut["b_pos"].to_numpy(np.int64)
        plane = cut[["plane", "plane_mx", "plane_my"]].to_numpy(float)
        b_area = cut["b_area_m2"].to_numpy(float)
        b_m2 = reconcile_side(raw, b_pos, b_area, plane, np.asarray(b_geoms), crs)
    with np.errstate(divide="ignore", invalid="ignore"):
        share_a = np.clip(a_m2 / cut["a_area_m2"].to_numpy(float), 0.0, 1.0)
        share_b = np.clip(b_m2 / cut["b_area_m2"].to_numpy(float), 0.0, 1.0)
    table = cut[["a_id", "b_id"]].copy()  # the id columns as they are (no conversion)
    table["area_km2"] = a_m2 / M2_PER_KM2
    table["share_of_a"] = share_a
    table["share_of_b"] = share_b
    table["raw_area_km2"] = raw / M2_PER_KM2
    table["adjustment_m2"] = np.maximum(np.abs(a_m2 - raw), np.abs(b_m2 - raw))
    return table


def _with_untouched(table: pd.DataFrame, a_ids: pd.Series) -> pd.DataFrame:
    """Append a zero row for every id of A absent from ``table``, in the order of A."""
    untouched = a_ids[~a_ids.isin(table["a_id"])]
    zeros = pd.DataFrame(
        {
            "a_id": untouched.to_numpy(),
            "b_id": None,
            "area_km2": 0.0,
            "share_of_a": 0.0,
            "share_of_b": 0.0,
            "raw_area_km2": 0.0,
            "adjustment_m2": 0.0,
        }
    )
    return pd.concat([table, zeros], ignore_index=True) if len(zeros) else table


@id_keywords(a_id="id_field", id_col="id_field")
def overlaps(
    layer: gpd.GeoDataFrame, id_field: str = "id", *, repair: bool = False, name: str = "layer"
) -> pd.DataFrame:
    """List every pair of features of one layer that overlap, each pair once.

    ``name`` is how to name the layer in error messages (its file, say).

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
    pairs, ids = _self_pairs(layer, id_field, repair, name)
    position = {ident: pos for pos, ident in enumerate(ids)}
    first = pairs["a_id"].map(position) < pairs["b_id"].map(position)
    return pairs[first].reset_index(drop=True)


def _self_pairs(
    layer: gpd.GeoDataFrame, id_field: str, repair: bool, name: str
) -> tuple[pd.DataFrame, list[object]]:
    """Tabulate a layer against itself, once validated; return the pairs and the ids in order."""
    own = prepare_inputs(  # in its own CRS: one layer is moved nowhere
        [LayerInput(layer, name, id_field, "polygon")], repair=repair, frame="largest"
    ).layers[0]
    require_unique_ids(own, name, id_field)
    intersecting_pairs(np.asarray(own.geometry.array, dtype=object), name)  # the bound
    # validated above: the tabulation's own checks are the cheap ones
    pairs = tabulate_intersection(
        own, own, id_field, id_field, full_check_max_features=-1, names=(name, name)
    )
    return pairs, list(own[id_field])


#: Columns of the long (sparse) conflict matrix: one row per non-zero cell.
MATRIX_COLUMNS = ("a_id", "b_id", "area_km2")
#: Matrix forms :func:`overlap_matrix` returns.
MATRIX_FORMS = ("long", "square")


def _threaded(
    func: Callable[..., Any], threads: int, *arrays: npt.NDArray[Any]
) -> npt.NDArray[Any]:
    """Apply a vectorised shapely ``func`` to aligned arrays in ``threads`` chunks (no GIL held)."""
    if threads <= 1 or len(arrays[0]) < 10_000:
        whole: npt.NDArray[Any] = func(*arrays)
        return whole
    bounds = np.linspace(0, len(arrays[0]), threads + 1).astype(int)
    with ThreadPoolExecutor(threads) as pool:
        parts = pool.map(
            lambda lo_hi: func(*(array[lo_hi[0] : lo_hi[1]] for array in arrays)),
            itertools.pairwise(bounds),
        )
        return np.concatenate(list(parts))


def _overlapping_pairs(geoms: np.ndarray, threads: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``(i, j)``, ``i < j``, of every pair whose interiors meet (shared area > 0).

    Candidates come from an STR tree (``intersects``, on prepared geometries);
    pairs whose bounding boxes meet only along a line are dropped at once, and
    a DE-9IM test (interiors intersect) drops the others that only touch along
    an edge or at a point, so only pairs that share area are cut. The cost
    grows with the features and the touching pairs, never with their square:
    more than :data:`~spatial.validate.pairs.MAX_PAIRS` pairs are refused.
    """
    left, right = intersecting_pairs(geoms, name)
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


@id_keywords(a_id="id_field", id_col="id_field")
def overlap_matrix(
    layer: gpd.GeoDataFrame,
    id_field: str = "id",
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
    id_field : str
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
        Areas are the area of record (GRS80/CGCS2000), the overlaps decided in
        the layer's own CRS (a Gauss–Krüger layer is not reprojected).

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
        raise UsageError(f"form must be one of {', '.join(MATRIX_FORMS)}, got {form!r}")
    stored = prepare_inputs(
        [LayerInput(layer, name, id_field, "polygon")], repair=repair, frame="largest"
    ).layers[0]  # decided where the layer is stored: a GK coverage's shared edges stay shared
    require_unique_ids(stored, name, id_field)
    crs = require_crs(stored, name)
    geoms = np.asarray(stored.geometry.array, dtype=object)
    ids = stored[id_field].to_numpy()
    threads = usable_cpus()
    left, right = _overlapping_pairs(geoms, threads, name)
    _refuse_invalid(geoms, np.concatenate([left, right]), name, ids)
    pieces = _threaded(shapely.intersection, threads, geoms[left], geoms[right])
    shared_km2 = _area_km2(pieces, crs)
    positive = shared_km2 > 0
    left, right, shared_km2 = left[positive], right[positive], shared_km2[positive]
    own = np.arange(len(geoms))
    a = np.concatenate([own, left, right])
    b = np.concatenate([own, right, left])
    area = np.concatenate([_area_km2(geoms, crs), shared_km2, shared_km2])
    order = np.lexsort((b, a))
    long = pd.DataFrame({"a_id": ids[a[order]], "b_id": ids[b[order]], "area_km2": area[order]})
    if form == "long":
        return long
    matrix = long.pivot(index="a_id", columns="b_id", values="area_km2")
    matrix = matrix.reindex(index=list(ids), columns=list(ids)).fillna(0.0)
    matrix.index.name = None
    matrix.columns.name = None
    return matrix


@id_keywords(a_id="a_id_field", id_col="a_id_field")
def difference(
    a: gpd.GeoDataFrame,
    b: gpd.GeoDataFrame,
    a_id_field: str = "id",
    *,
    repair: bool = False,
    names: Sequence[str] = ("layer A", "layer B"),
) -> gpd.GeoDataFrame:
    """Return the part of each feature of ``a`` that lies outside every feature of ``b``.

    Parameters
    ----------
    a, b : geopandas.GeoDataFrame
        Polygon layers with a CRS. The difference is cut in their CRS when they
        share one (a Gauss–Krüger layer is not reprojected), else in the CRS of
        the one with more features (the other moved there, densified), and
        measured there by the survey rule.
    a_id_field : str
        Column identifying the features of ``a``.
    repair : bool
        Repair invalid geometries instead of refusing them.
    names : (str, str)
        How to name the two layers in error messages (their files, say).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per feature of ``a`` (in EPSG:4326: the parts' vertices are
        moved there once cut), columns ``a_id_field``, ``area_km2`` (area of record
        of the part outside ``b``),
        ``share_of_a`` (that part over the feature's area) and ``geometry``
        (possibly empty). A feature ``b`` only touches is its own part (share
        1, its own geometry); cut in a projected frame, a part is reconciled
        with the part removed to its feature (:func:`difference_shares`).

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
    name_a, name_b = names
    a_in, b_in = prepare_inputs(
        [LayerInput(a, name_a, a_id_field, "polygon"), LayerInput(b, name_b, "", "polygon")],
        repair=repair,
        frame="largest",
    ).layers
    geoms = np.asarray(a_in.geometry.array)
    frame = require_crs(a_in, name_a)
    try:
        remaining, cut, covers = cut_outside(
            geoms, np.asarray(b_in.geometry.array), b_in.sindex, frame
        )
    except InvalidFeatureError as exc:  # a large A's features are checked where they are cut
        ids = a_in[a_id_field].to_numpy()
        raise feature_error(name_a, ids[exc.position], f"invalid geometry: {exc.reason}") from None
    area_km2, share = difference_shares(remaining, geoms, frame, cut, covers)
    parts = gpd.GeoSeries(remaining, crs=frame)  # cut in the frame, vertices moved at the end
    return gpd.GeoDataFrame(
        {a_id_field: a_in[a_id_field].to_numpy(), "area_km2": area_km2, "share_of_a": share},
        geometry=parts if frame.equals(WGS84) else reproject(parts, WGS84),
    )


@id_keywords(a_id="a_id_field", id_col="a_id_field")
def buffer_coverage(
    polygons: gpd.GeoDataFrame,
    lines: gpd.GeoDataFrame,
    distance_m: float,
    a_id_field: str = "id",
    *,
    repair: bool = False,
    names: Sequence[str] = ("polygon layer", "line layer"),
) -> pd.DataFrame:
    """Return the share of each polygon lying within ``distance_m`` metres of a line layer.

    Parameters
    ----------
    polygons : geopandas.GeoDataFrame
        Polygon layer with a CRS: cut as stored when that is the Gauss–Krüger
        zone of the inputs, else moved there with its edges densified.
    lines : geopandas.GeoDataFrame
        Any layer (usually lines, e.g. the avenue) with a CRS.
    distance_m : float
        Buffer distance in metres, applied in the Gauss–Krüger zone of the
        inputs (never in degrees). Must be positive.
    a_id_field : str
        Column identifying the polygons.
    repair : bool
        Repair invalid geometries instead of refusing them.
    names : (str, str)
        How to name the two layers in error messages (their files, say).

    Returns
    -------
    pandas.DataFrame
        Columns ``a_id_field``, ``area_km2`` (each polygon's ellipsoidal area),
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
        raise UsageError(f"distance_m must be a positive number of metres, got {distance_m!r}")
    name_p, name_l = names
    polys, lns = prepare_inputs(
        [LayerInput(polygons, name_p, a_id_field, "polygon"), LayerInput(lines, name_l, "", "any")],
        repair=repair,
        frame="largest",
    ).layers
    require_one_dimension(lns, name_l)
    gk = gk_zone_crs_for(polys, lns)
    lines_gk = lns if gk.equals(lns.crs) else reproject(lns, gk)
    zone = buffer_zone(np.asarray(lines_gk.geometry.array), distance_m)
    # polygons stored in the zone are cut there as they are; others are moved in densified,
    # so their edges stay where their own edge model has them
    polys_gk = polys if gk.equals(polys.crs) else move_into(polys, gk)
    try:
        within_gk = within_zone(np.asarray(polys_gk.geometry.array), zone)
    except InvalidFeatureError as exc:  # a large layer's features are checked where they are cut
        ident = polys[a_id_field].to_numpy()[exc.position]
        raise feature_error(name_p, ident, f"invalid geometry: {exc.reason}") from None
    within_km2 = _area_km2(within_gk, gk)
    area_km2 = _area_km2(np.asarray(polys.geometry.array), require_crs(polys, name_p))
    if polys_gk is polys:  # cut as stored: a part is reconciled to its feature
        geoms_gk = np.asarray(polys_gk.geometry.array)
        within_km2 = settle_within_km2(within_gk, geoms_gk, zone, within_km2, area_km2, gk)
    return coverage_table(polys[a_id_field].to_numpy(), a_id_field, area_km2, within_km2)


def settle_within_km2(
    within: npt.NDArray[np.object_],
    geoms: Any,
    zone: shapely.Geometry,
    within_km2: npt.NDArray[np.float64],
    area_km2: npt.NDArray[np.float64],
    crs: CRS,
) -> npt.NDArray[np.float64]:
    """Each feature's part within the zone (km²), reconciled to its area of record ``area_km2``.

    ``geoms`` are the features, cut as stored in ``crs`` (the Gauss–Krüger
    zone of the inputs), ``within`` their parts within ``zone``
    and ``within_km2`` those parts' areas of record. A feature the zone covers
    (its planar part outside is zero) is within by its whole area of record,
    whatever vertices GEOS inserted on its edges; one partly within has its part
    reconciled with its part outside (``shapely.difference``) to its area
    (:func:`spatial.measure.kept.reconcile_kept`), so the two add up to it,
    where ``crs`` is projected: in lon/lat the two edge models are one and a
    part is left as measured (as :func:`difference_shares` leaves it).
    """
    geoms = np.asarray(geoms)
    some = np.flatnonzero(within_km2 > 0)
    if not len(some):
        return within_km2
    out = within_km2.copy()
    whole = lost_nothing(geoms[some], within[some], crs)
    out[some[whole]] = area_km2[some[whole]]
    partly = some[~whole]
    if len(partly) and in_plane(crs):
        outside = shapely.difference(geoms[partly], zone)
        outside_km2 = _area_km2(outside, crs)
        out[partly] = reconcile_kept(out[partly], outside_km2, area_km2[partly])
    return out


def buffer_zone(lines: npt.NDArray[np.object_], distance_m: float) -> shapely.Geometry:
    """Return the union of ``lines`` (Gauss–Krüger metres) buffered by ``distance_m`` metres."""
    return shapely.union_all(lines).buffer(distance_m, quad_segs=32)


def coverage_table(
    ids: npt.NDArray[Any],
    id_field: str,
    area_km2: npt.NDArray[np.float64],
    within_km2: npt.NDArray[np.float64],
) -> pd.DataFrame:
    """Tabulate each polygon's area and its part within the buffer (km²) and the share."""
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(area_km2 > 0, np.clip(within_km2 / area_km2, 0.0, 1.0), 0.0)
    return pd.DataFrame(
        {
            id_field: ids,
            "area_km2": area_km2,
            "within_km2": np.minimum(within_km2, area_km2),
            "share_within": share,
        }
    )


def _unions(geoms: npt.NDArray[np.object_], group: npt.NDArray[np.intp]) -> npt.NDArray[np.object_]:
    """``shapely.union_all`` of each group of geometries (in their order), one GEOS call for all.

    ``union_all`` unites a GeometryCollection of its geometries; this unites a
    collection per group (``group``: each geometry's group, 0, 1, ..., ascending).
    """
    collections = shapely.geometrycollections(geoms, indices=group)
    united: npt.NDArray[np.object_] = shapely.lib.unary_union(collections)
    return united


def require_valid_at(geoms: npt.NDArray[np.object_], positions: npt.NDArray[np.intp]) -> None:
    """Refuse the first invalid geometry at ``positions`` (ascending) with its GEOS reason.

    Raises
    ------
    InvalidFeatureError
        ``layer`` "a" and the geometry's position in ``geoms``.
    """
    valid = shapely.is_valid(geoms[positions])
    if not valid.all():
        bad = int(positions[np.argmin(valid)])
        raise InvalidFeatureError("a", bad, str(shapely.is_valid_reason(geoms[bad])))


def within_zone(geoms: npt.NDArray[np.object_], zone: shapely.Geometry) -> npt.NDArray[np.object_]:
    """Return the part of each geometry within ``zone`` (one CRS), refusing an invalid one it meets.

    ``shapely.intersection(geoms, zone)``, geometry for geometry, with GEOS's
    overlay only for the features that cross the zone's edge
    (:func:`spatial.overlay._within.parts_within`).

    Raises
    ------
    InvalidFeatureError
        The first geometry meeting the zone that is not valid (its position).
    """
    return parts_within(geoms, zone)


def cut_outside(
    geoms: npt.NDArray[np.object_], b_geoms: npt.NDArray[np.object_], tree: Any, crs: CRS | None
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.intp], npt.NDArray[np.object_]]:
    """Cut from each geometry the union of the geometries of B it intersects.

    Parameters
    ----------
    geoms, b_geoms : numpy.ndarray of shapely geometries
        The features to cut and B's, in one CRS.
    tree : shapely.STRtree or geopandas spatial index
        Built on ``b_geoms``: which of them each feature intersects.
    crs : pyproj.CRS or None
        Their CRS (its unit bounds what a part that lost nothing may lack).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, numpy.ndarray)
        The parts (a copy of ``geoms``, the features cut replaced), the
        positions of the features cut (those whose interior B meets),
        ascending, and the union of B each of those was cut with. A feature B
        only touches (its planar overlap with B is zero) is not cut: its part is
        the feature itself, not GEOS's copy with B's corners inserted on its
        edges (:func:`spatial.measure.kept.lost_nothing`). A feature is cut
        the same way whatever others are given with it.

    Raises
    ------
    InvalidFeatureError
        The first feature to cut that is not valid (``layer`` "a", its position).
    """
    remaining = geoms.copy()
    ia, ib = tree.query(geoms, predicate="intersects")
    if not len(ia):
        return remaining, np.zeros(0, dtype=np.intp), np.zeros(0, dtype=object)
    order = np.argsort(ia, kind="stable")  # each feature's B in the order the tree gives them
    ia, ib = ia[order], ib[order]
    first = np.r_[True, ia[1:] != ia[:-1]]
    cut = ia[first]
    require_valid_at(geoms, cut)
    covers = _unions(b_geoms[ib], np.cumsum(first) - 1)
    parts = shapely.difference(remaining[cut], covers)
    taken = ~lost_nothing(geoms[cut], parts, crs)
    remaining[cut[taken]] = parts[taken]
    return remaining, cut[taken], covers[taken]


def difference_shares(
    remaining: npt.NDArray[np.object_],
    geoms: npt.NDArray[np.object_],
    crs: CRS,
    cut: npt.NDArray[np.intp],
    covers: npt.NDArray[np.object_],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Area of record (km²) of each part and its share of its feature, both stored in ``crs``.

    Only the parts at ``cut`` are measured apart: any other part is its feature.
    Cut in a projected frame, a part that kept some of its feature is the
    feature less the part ``covers`` (aligned with ``cut``) removed, that part
    measured and reconciled as a tabulation reconciles its pieces
    (:func:`spatial.overlay._closure.reconcile_side`: a closure within measuring
    error left, a larger one spread over the removed part and the remainder
    found in the plane). So a difference's share and a tabulation's shares of
    the same feature add up to 1 (to rounding), whatever lenses the cut's
    vertices cost either part.
    """
    own_km2 = _area_km2(geoms, crs)
    area_km2 = own_km2.copy()
    if len(cut):
        area_km2[cut] = _area_km2(remaining[cut], crs)
        if in_plane(crs):
            partly = np.flatnonzero(area_km2[cut] > 0)
            at = cut[partly]
            removed_km2 = _removed_km2(geoms[at], covers[partly], own_km2[at], crs)
            area_km2[at] = np.maximum(own_km2[at] - removed_km2, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(own_km2 > 0, area_km2 / own_km2, 0.0)
    return area_km2, share


def _removed_km2(
    geoms: npt.NDArray[np.object_],
    covers: npt.NDArray[np.object_],
    own_km2: npt.NDArray[np.float64],
    crs: CRS,
) -> npt.NDArray[np.float64]:
    """Measure the part of each feature ``covers`` removes as a tabulation does (km², ``crs``).

    ``geoms`` and ``covers`` aligned, in a projected ``crs``; ``own_km2`` the
    features' areas of record. The removed part is measured by the survey rule,
    with its plane area and first moments, and reconciled to its feature with
    the remainder found in the plane (:func:`spatial.overlay._closure.reconcile_side`).
    """
    removed = shapely.intersection(geoms, covers)
    removed_m2 = _area_km2(removed, crs) * M2_PER_KM2
    plane = np.zeros((len(removed), 3))
    plane[:, 0] = shapely.area(removed)
    some = np.flatnonzero(plane[:, 0] > 0)  # an empty part has no centroid
    plane[some, 1:] = shapely.get_coordinates(shapely.centroid(removed[some])) * plane[some, :1]
    index = np.arange(len(geoms), dtype=np.int64)
    settled_m2 = reconcile_side(removed_m2, index, own_km2 * M2_PER_KM2, plane, geoms, crs)
    return settled_m2 / M2_PER_KM2


@id_keywords(a_id="a_id_field", b_id="b_id_field", point_id="a_id_field", polygon_id="b_id_field")
def assign_points(
    points: gpd.GeoDataFrame,
    polygons: gpd.GeoDataFrame,
    a_id_field: str = "id",
    b_id_field: str = "id",
    *,
    repair: bool = False,
    names: Sequence[str] = ("point layer", "polygon layer"),
) -> pd.DataFrame:
    """Assign each point to the polygons that contain it, or to the nearest one.

    Parameters
    ----------
    points : geopandas.GeoDataFrame
        Point layer with a CRS.
    polygons : geopandas.GeoDataFrame
        Polygon layer with a CRS.
    a_id_field, b_id_field : str
        Columns identifying the points and the polygons.
    repair : bool
        Repair invalid geometries instead of refusing them.
    names : (str, str)
        How to name the two layers in error messages (their files, say).

    Returns
    -------
    pandas.DataFrame
        Columns ``point_id``, ``polygon_id``, ``inside`` (bool) and ``dist_m``
        (metres in the Gauss–Krüger zone; 0 when inside). A point inside
        several (nested) polygons gets one row per polygon; a point inside
        none gets one row naming the nearest polygon, ``inside`` False.
        Points on a polygon's boundary count as inside: a point on the edge
        two polygons share is in both. That is decided in the polygons' own
        CRS (the points are moved there), so an edge straight in a
        Gauss–Krüger layer stays where the layer has it.

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
    name_pt, name_pg = names
    pts, polys = (
        prepare_inputs([item], repair=repair, frame="largest").layers[0]
        for item in (
            LayerInput(points, name_pt, a_id_field, "point"),
            LayerInput(polygons, name_pg, b_id_field, "polygon"),
        )
    )
    # decided where the polygons are stored: a point on a shared edge there is on both
    pts, _ = into_crs(pts, name_pt, require_crs(polys, name_pg), name_pg, "assigned", stacklevel=4)
    ip, iq = polys.sindex.query(pts.geometry, predicate="covered_by")
    inside = pd.DataFrame(
        {
            "point_id": pts[a_id_field].to_numpy()[ip],
            "polygon_id": polys[b_id_field].to_numpy()[iq],
            "inside": True,
            "dist_m": 0.0,
            "_order": ip,
        }
    )
    outside_mask = np.ones(len(pts), dtype=bool)
    outside_mask[ip] = False
    outside = np.flatnonzero(outside_mask)  # as np.setdiff1d(np.arange(len(pts)), ip), no sort
    gk = _assign_zone(pts, polys)
    pts_gk, polys_gk = (pts, polys) if gk.equals(polys.crs) else (pts.to_crs(gk), polys.to_crs(gk))
    jq, dist_m = _nearest_outside(np.asarray(pts_gk.geometry.array)[outside], polys_gk)
    outside, jq, dist_m = outside[jq >= 0], jq[jq >= 0], dist_m[jq >= 0]
    nearest = pd.DataFrame(
        {
            "point_id": pts[a_id_field].to_numpy()[outside],
            "polygon_id": polys[b_id_field].to_numpy()[jq],
            "inside": False,
            "dist_m": dist_m,
            "_order": outside,
        }
    )
    frames = [frame for frame in (inside, nearest) if len(frame)]
    result = pd.concat(frames, ignore_index=True) if frames else inside
    result = result.sort_values("_order", kind="stable").drop(columns="_order")
    return result.reset_index(drop=True)


def _assign_zone(pts: gpd.GeoDataFrame, polys: gpd.GeoDataFrame) -> CRS:
    """Return ``gk_zone_crs_for(pts, polys)``, from the points' boxes when they settle it.

    ``pts`` are already in the polygons' CRS.
    """
    from spatial.overlay._gkzone import lonlat_bounds  # noqa: PLC0415
    from spatial.overlay._nearest import gk_zone_of  # noqa: PLC0415 - scan_ops imports this module

    crs = require_crs(polys, "polygon layer")
    if len(pts) and len(polys):
        lonlat = lonlat_bounds(np.asarray(polys.geometry.array), crs)  # to_crs(WGS84)'s
        if gk_zone_of(shapely.bounds(np.asarray(pts.geometry.array)), crs, lonlat):
            return crs
    return gk_zone_crs_for(pts, polys)


def _nearest_outside(
    points: npt.NDArray[np.object_], polys: gpd.GeoDataFrame
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """Nearest polygon (position) of each point and ``shapely.distance`` to it, as the sindex says.

    Both in one Gauss–Krüger zone (metres); see :mod:`spatial.overlay._nearest`.
    """
    from spatial.overlay._nearest import nearest_polygons  # noqa: PLC0415

    def ties(positions: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
        jp, jq = polys.sindex.nearest(points[positions], return_all=False)
        found = np.full(len(positions), -1, dtype=np.intp)  # -1: none (an empty point)
        found[jp] = jq
        return found

    return nearest_polygons(points, np.asarray(polys.geometry.array), ties, usable_cpus())
