"""``difference`` and ``buffer_coverage`` of a large layer file against a small layer, unit by unit.

:func:`difference_file` and :func:`coverage_file` give the results of
:func:`spatial.overlay.operations.difference` and
:func:`~spatial.overlay.operations.buffer_coverage` on a GeoParquet,
GeoPackage, Shapefile or FlatGeobuf layer A (a district's 图斑) and a small
layer B (the plan's zones, a road) without reading A into a GeoDataFrame. The
scan (:class:`spatial.overlay.scan.ParquetScan`) reads A's ids and WKB a unit of
rows at a time on as many threads as the process may use, takes every
feature's box from its WKB and runs the validator's cheap box checks on it; then,
for each unit, on the same threads:

* the features whose box misses the box cover of B
  (:class:`spatial.overlay.parquet.BoxCover`) are passed whole: their
  difference is the feature itself (``share_of_a`` 1), their part within the
  buffer is empty (``within_km2`` 0), with no GEOS overlay;
* the others (candidates) get the same GEOS calls, in the same order, as the
  plain path gives them, so every row is the same, bit for bit;
* every feature's area of record is measured once
  (:func:`spatial.measure.record.area_of_record_m2`: an untouched feature's
  part is the feature).

The plain path (A read whole by :func:`spatial.io.layers.read_layer`, then the
operation) is taken instead, so that every problem is named in the
validator's words, when a unit is not plain (a null, empty or non-polygonal
geometry, malformed WKB, a NaN or infinite coordinate, a null id, a box the
cheap checks flag), when a candidate makes GEOS raise, when A has at most
:data:`~spatial.validate.inputs.FULL_CHECK_MAX_FEATURES` features (it gets the
full validator), when B has more features than A (the plain path works in B's
CRS then) and, for coverage, when A is not stored in the Gauss–Krüger zone the
plain path would choose (the zone is decided from the boxes' corners in
lon/lat, conservatively: a layer near a zone's edge takes the plain path).

Memory holds the rows read ahead (:data:`spatial.overlay.scan.AHEAD_ROWS`) and
the result (one row per feature of A: for ``difference`` its part, in EPSG:4326).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS
from shapely.errors import GEOSException

from spatial.crs import WGS84, gk_zone_crs_for, reproject
from spatial.errors import CRSMismatchWarning, LayerError
from spatial.io.geoparquet import wkb_geometries
from spatial.io.sources import LayerSource
from spatial.measure.record import area_of_record_m2
from spatial.overlay._engine import InvalidFeatureError
from spatial.overlay._gkzone import lon_range as _lon_range
from spatial.overlay._gkzone import lonlat_bounds
from spatial.overlay._gkzone import zone_is as _zone_is
from spatial.overlay._wkb_areas import wkb_area_of_record_m2
from spatial.overlay.operations import (
    buffer_coverage,
    buffer_zone,
    coverage_table,
    cut_outside,
    difference,
    difference_shares,
    require_one_dimension,
    settle_within_km2,
    within_zone,
)
from spatial.overlay.parquet import BoxCover
from spatial.overlay.scan import UNIT_ROWS, NotPlain, ParquetScan, ScannedUnit, progress_reporter
from spatial.preconditions import feature_error, require_crs
from spatial.units import M2_PER_KM2
from spatial.validate.frame import into_crs
from spatial.validate.inputs import FULL_CHECK_MAX_FEATURES, LayerInput, prepare_inputs

__all__ = ["PROGRESS_MIN_ROWS", "coverage_file", "difference_file"]

#: A layer of more rows than this shows its progress on a terminal (about 2 s of work or more).
PROGRESS_MIN_ROWS = 200_000

T = TypeVar("T")
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class _Small:
    """Layer B in A's CRS, as the plain path has it: its geometries and their box cover."""

    frame: gpd.GeoDataFrame
    geoms: npt.NDArray[np.object_]
    cover: BoxCover
    warned: bool  # of different datums, already


@dataclass(frozen=True)
class _DifferenceJob:
    crs: CRS
    small: _Small
    tree: shapely.STRtree
    id_field: str
    name: str


@dataclass(frozen=True)
class _CoverageJob:
    crs: CRS
    zone: shapely.Geometry
    cover: BoxCover
    id_field: str
    name: str


def _small_layer(
    b: gpd.GeoDataFrame, kind: str, names: tuple[str, str], layer: LayerSource
) -> _Small:
    """Check B once in its own CRS and move it into A's, as ``prepare_inputs`` would (A larger)."""
    (b_in,) = prepare_inputs(
        [LayerInput(b, names[1], "", kind)],  # type: ignore[arg-type]
        frame="largest",
    ).layers
    b_in, warned = into_crs(b_in, names[1], layer.crs, names[0], stacklevel=5)
    b_in = b_in.reset_index(drop=True)
    geoms = np.asarray(b_in.geometry.array)
    return _Small(b_in, geoms, BoxCover.of(shapely.bounds(geoms)), warned)


def _unit_geometries(
    unit: ScannedUnit, rows: npt.NDArray[np.intp] | None = None
) -> npt.NDArray[np.object_]:
    """Return the unit's features (all, or at ``rows``) as shapely geometries.

    NotPlain where GEOS cannot build one.
    """
    try:
        return wkb_geometries(unit.wkb, rows)
    except GEOSException:
        raise NotPlain from None


@dataclass(frozen=True)
class _Refused:
    """An invalid feature GEOS would cut: held until every unit's first stage is known.

    The plain path runs the cheap checks on every feature before it refuses an
    invalid one, so a later unit that is not plain comes first.
    """

    error: LayerError


def _unit_difference(job: _DifferenceJob, unit: ScannedUnit) -> gpd.GeoDataFrame | _Refused:
    """Cut B from each feature of a unit: candidates cut, the others passed whole."""
    geoms = _unit_geometries(unit)
    remaining = geoms.copy()
    cut, covers = np.zeros(0, dtype=np.intp), np.zeros(0, dtype=object)
    rows = np.flatnonzero(job.small.cover.touches(unit.bounds))
    if len(rows):
        try:
            parts, cut_rows, covers = cut_outside(geoms[rows], job.small.geoms, job.tree, job.crs)
        except InvalidFeatureError as exc:
            fid = unit.ids[int(rows[exc.position])].as_py()
            return _Refused(feature_error(job.name, fid, f"invalid geometry: {exc.reason}"))
        except GEOSException:  # GEOS fails on a valid feature: the plain path's way, whatever it is
            raise NotPlain from None
        cut = rows[cut_rows]
        remaining[cut] = parts[cut_rows]
    area_km2, share = difference_shares(remaining, geoms, job.crs, cut, covers)
    parts_of_a = gpd.GeoSeries(remaining, crs=job.crs)  # cut in A's CRS, vertices moved at the end
    return gpd.GeoDataFrame(
        {
            job.id_field: unit.ids.to_numpy(zero_copy_only=False),
            "area_km2": area_km2,
            "share_of_a": share,
        },
        geometry=parts_of_a if job.crs.equals(WGS84) else reproject(parts_of_a, WGS84),
    )


def _unit_coverage(
    job: _CoverageJob, unit: ScannedUnit
) -> tuple[pd.DataFrame | _Refused, npt.NDArray[np.float64]]:
    """Measure each feature's area and its part within the buffer; the box of its boxes.

    GEOS builds only the features whose box meets the buffer's cover; every
    feature's own area is measured from its WKB's vertices
    (:func:`spatial.overlay._wkb_areas.wkb_area_of_record_m2`: the same floats).
    """
    geoms: npt.NDArray[np.object_] | None = None
    wholes_m2 = wkb_area_of_record_m2(unit.wkb, job.crs)
    if wholes_m2 is None:  # not decoded without GEOS: every feature built, as the plain path
        geoms = _unit_geometries(unit)
        wholes_m2 = area_of_record_m2(geoms, job.crs)
    within_km2 = np.zeros(len(unit.bounds))
    rows = np.flatnonzero(job.cover.touches(unit.bounds))
    if len(rows):
        try:
            touched = _unit_geometries(unit, rows) if geoms is None else geoms[rows]
            within = within_zone(touched, job.zone)
        except InvalidFeatureError as exc:
            fid = unit.ids[int(rows[exc.position])].as_py()
            refused = _Refused(feature_error(job.name, fid, f"invalid geometry: {exc.reason}"))
            return refused, _box(unit.bounds)
        except GEOSException:  # GEOS fails on a valid feature: the plain path's way, whatever it is
            raise NotPlain from None
        within_km2[rows] = _area_km2(within, job.crs)
    area_km2 = wholes_m2 / M2_PER_KM2
    if len(rows):
        within_km2[rows] = settle_within_km2(
            within, touched, job.zone, within_km2[rows], area_km2[rows], job.crs
        )
    ids = unit.ids.to_numpy(zero_copy_only=False)
    return coverage_table(ids, job.id_field, area_km2, within_km2), _box(unit.bounds)


def _box(bounds: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Return the box of a unit's boxes (one row), whose longitudes are bounded at the end.

    One PROJ transformer for the layer, not one a unit (about 0.1 s each on a busy machine).
    """
    return np.array([[*bounds[:, :2].min(axis=0), *bounds[:, 2:].max(axis=0)]])


def _area_km2(geoms: npt.NDArray[np.object_], crs: CRS) -> npt.NDArray[np.float64]:
    from spatial.overlay.operations import _area_km2 as area_km2  # noqa: PLC0415

    return area_km2(geoms, crs)


def _run(
    scan: ParquetScan[Any],
    finish: Callable[[ScannedUnit], T],
    progress: Progress | bool | None,
) -> list[T]:
    return list(
        scan.results(finish, progress_reporter(progress, scan.layer.rows, PROGRESS_MIN_ROWS))
    )


def _scan_of(
    path: str | os.PathLike[str] | ParquetScan[Any],
    id_field: str,
    threads: int | None,
    unit_rows: int,
) -> tuple[ParquetScan[Any], bool]:
    """Return the scan of A (and whether it is ours to close)."""
    if isinstance(path, ParquetScan):
        return path, False
    return ParquetScan(path, id_field, threads=threads, unit_rows=unit_rows), True


def _check_large(
    scan: ParquetScan[Any], b: gpd.GeoDataFrame, names: tuple[str, str]
) -> LayerSource:
    """A's layer, if the fast path may take it: more than the full validator's, B not larger."""
    layer = scan.layer  # raises what opening the file found wrong
    if layer.rows <= FULL_CHECK_MAX_FEATURES or (
        len(b) > layer.rows and not require_crs(b, names[1]).equals(layer.crs)
    ):  # the full validator, or the CRS of the larger B: the plain path's way
        raise NotPlain
    return layer


def _small_or_a_first(scan: ParquetScan[Any], prepare: Callable[[], T]) -> T:
    """Prepare B; if B is refused, A's first problem (the plain path checks A first) wins."""
    try:
        return prepare()
    except NotPlain:
        raise
    except Exception:
        for _ in scan.results(lambda unit: None):
            pass  # raises NotPlain if a unit of A is not plain: the plain path names it
        raise


def _read_whole(
    path: str | os.PathLike[str], warned: bool, run: Callable[[gpd.GeoDataFrame], T]
) -> T:
    """Run the plain operation on A read whole; a datum warning already given is not given again."""
    from spatial.io.layers import read_layer  # noqa: PLC0415

    with warnings.catch_warnings():
        if warned:
            warnings.simplefilter("ignore", CRSMismatchWarning)
        return run(read_layer(path))


def difference_file(
    path: str | os.PathLike[str] | ParquetScan[Any],
    b: gpd.GeoDataFrame,
    a_id_field: str = "id",
    *,
    names: Sequence[str] | None = None,
    threads: int | None = None,
    unit_rows: int = UNIT_ROWS,
    progress: Progress | bool | None = None,
) -> gpd.GeoDataFrame:
    """Return ``difference`` of a layer file and ``b``, reading the file unit by unit.

    Parameters
    ----------
    path : path-like or ParquetScan
        Layer A, polygons: GeoParquet with WKB geometries, or a GeoPackage,
        Shapefile or FlatGeobuf (read through GDAL's Arrow stream), in any CRS
        (cut there, never reprojected); or a scan of it already started.
    b : geopandas.GeoDataFrame
        The small polygon layer, checked as ``difference`` checks it and moved,
        once, into A's CRS (densified).
    a_id_field : str
        A's id column.
    names : (str, str), optional
        How to name the layers in messages (default: the file, and "layer B").
    threads : int, optional
        Threads (default: the CPUs this process may use); results do not depend on it.
    unit_rows : int
        Most rows read and cut at a time.
    progress : callable, bool or None
        Called as ``progress(done, total, what)`` after each unit; True for a
        line on standard error, None (default) for that line only when standard
        error is a terminal and A has more than :data:`PROGRESS_MIN_ROWS` rows.

    Returns
    -------
    geopandas.GeoDataFrame
        The rows of ``difference(read_layer(path), b)``, bit for bit: one per
        feature of A, ``a_id_field``, ``area_km2``, ``share_of_a`` and its part
        outside B (EPSG:4326).

    Raises
    ------
    LayerReadError, CRSError, LayerError
        As ``difference`` raises them, in the validator's words.
    """
    named = _named(path, names)
    scan, ours = _scan_of(path, a_id_field, threads, unit_rows)
    small: _Small | None = None
    try:
        layer = _check_large(scan, b, named)
        small = _small_or_a_first(scan, partial(_small_layer, b, "polygon", named, layer))
        job = _DifferenceJob(layer.crs, small, shapely.STRtree(small.geoms), a_id_field, named[0])
        parts = _run(scan, partial(_unit_difference, job), progress)
    except NotPlain:
        scan.close()
        warned = small is not None and small.warned
        plain = partial(_plain_difference, b=b, a_id_field=a_id_field, names=named)
        return _read_whole(scan.path, warned, plain)
    finally:
        if ours:
            scan.close()
    frames = [part for part in parts if not isinstance(part, _Refused)]
    if len(frames) < len(parts):
        raise next(part for part in parts if isinstance(part, _Refused)).error
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=WGS84)


def _plain_difference(
    a: gpd.GeoDataFrame, *, b: gpd.GeoDataFrame, a_id_field: str, names: tuple[str, str]
) -> gpd.GeoDataFrame:
    return difference(a, b, a_id_field, names=names)


def coverage_file(
    path: str | os.PathLike[str] | ParquetScan[Any],
    lines: gpd.GeoDataFrame,
    distance_m: float,
    a_id_field: str = "id",
    *,
    names: Sequence[str] | None = None,
    threads: int | None = None,
    unit_rows: int = UNIT_ROWS,
    progress: Progress | bool | None = None,
) -> pd.DataFrame:
    """Return ``buffer_coverage`` of a layer file and ``lines``, reading the file unit by unit.

    Parameters
    ----------
    path : path-like or ParquetScan
        Layer A, polygons (as for :func:`difference_file`); taken unit by unit
        when stored in the Gauss–Krüger zone ``buffer_coverage`` works in.
    lines : geopandas.GeoDataFrame
        The small layer buffered (a road), of one dimension.
    distance_m : float
        Buffer distance, metres in the Gauss–Krüger zone (above 0).
    a_id_field, names, threads, unit_rows, progress
        As for :func:`difference_file`.

    Returns
    -------
    pandas.DataFrame
        The rows of ``buffer_coverage(read_layer(path), lines, distance_m)``, bit
        for bit: ``a_id_field``, ``area_km2``, ``within_km2``, ``share_within``.

    Raises
    ------
    UsageError, LayerReadError, CRSError, LayerError
        As ``buffer_coverage`` raises them, in the validator's words.
    """
    named = _named(path, names)
    scan, ours = _scan_of(path, a_id_field, threads, unit_rows)
    small: _Small | None = None
    plain = partial(
        _plain_coverage, lines=lines, distance_m=distance_m, a_id_field=a_id_field, names=named
    )
    try:
        if not np.isfinite(distance_m) or distance_m <= 0:
            raise NotPlain
        layer = _check_large(scan, lines, named)
        require_one_dimension(
            lines, named[1]
        )  # after A is opened, before it is checked: the command's order
        small, (job, lonlat) = _small_or_a_first(
            scan, partial(_coverage_job, lines, layer, distance_m, named, a_id_field)
        )
        done = _run(scan, partial(_unit_coverage, job), progress)
        box = np.concatenate([b for _, b in done])
        if not _zone_is(layer.crs, [_lon_range(box, layer.crs)], lonlat):  # the plain path's zone
            raise NotPlain
    except NotPlain:
        scan.close()
        warned = small is not None and small.warned
        return _read_whole(scan.path, warned, plain)
    finally:
        if ours:
            scan.close()
    return pd.concat(_measured(done), ignore_index=True)


def _measured(
    done: list[tuple[pd.DataFrame | _Refused, npt.NDArray[np.float64]]],
) -> list[pd.DataFrame]:
    """Return the units' tables, once all are known; raise the first refusal held."""
    tables = [table for table, _ in done if not isinstance(table, _Refused)]
    if len(tables) < len(done):
        raise next(table for table, _ in done if isinstance(table, _Refused)).error
    return tables


def _coverage_job(
    lines: gpd.GeoDataFrame,
    layer: LayerSource,
    distance_m: float,
    names: tuple[str, str],
    id_field: str,
) -> tuple[_Small, tuple[_CoverageJob, npt.NDArray[np.float64]]]:
    """Return the buffer zone in A's CRS with its cover, and B's lon/lat box.

    NotPlain unless A is stored in the zone.

    The zone is the one of B alone here, checked against A's boxes once all are read.
    """
    small = _small_layer(lines, "any", names, layer)
    lonlat = lonlat_bounds(small.geoms, require_crs(small.frame, names[1]))  # to_crs(WGS84)'s
    if not gk_zone_crs_for(lonlat).equals(layer.crs):
        raise NotPlain
    zone = buffer_zone(small.geoms, distance_m)
    cover = BoxCover.of(shapely.bounds(shapely.get_parts(zone)))
    return small, (_CoverageJob(layer.crs, zone, cover, id_field, names[0]), lonlat)


def _plain_coverage(
    a: gpd.GeoDataFrame,
    *,
    lines: gpd.GeoDataFrame,
    distance_m: float,
    a_id_field: str,
    names: tuple[str, str],
) -> pd.DataFrame:
    return buffer_coverage(a, lines, distance_m, a_id_field, names=names)


def _named(
    path: str | os.PathLike[str] | ParquetScan[Any], names: Sequence[str] | None
) -> tuple[str, str]:
    source = path.path if isinstance(path, ParquetScan) else path
    return (str(source), "layer B") if names is None else (str(names[0]), str(names[1]))
