"""``assign_points`` of a large point layer file against a few polygons, unit by unit.

:func:`assign_file` gives the rows of
:func:`spatial.overlay.operations.assign_points` on a GeoParquet, GeoPackage,
Shapefile or FlatGeobuf point layer (a point in each 图斑, addresses) and a
small polygon layer (the plan's zones), without building a shapely point for
each of the million. The scan (:class:`spatial.overlay.scan.ParquetScan`,
with :func:`spatial.overlay._points.point_bounds`) reads each unit's ids and
WKB on the threads and takes every point's coordinates straight from its WKB,
with the validator's box checks on every point; then, for each unit, on the
same threads:

* **inside**: the points within a zone's box (numpy) are tested against that
  zone, prepared (``shapely.intersects_xy``: a point meets a polygon exactly
  when the polygon covers it, its boundary included); a point two or more
  zones hold is asked of the zones' STRtree (``covered_by``), which gives its
  zones in the tree's order, as the plain path lists them;
* **outside**: the nearest zone and the distance to it, by
  :func:`spatial.overlay._nearest.nearest_xy` (the tree's answer, bit for
  bit; GEOS's distance taken in numpy, no shapely point but for a tie);
* the bounds on the points' longitudes, so that the Gauss–Krüger zone the
  plain path measures in is told from the boxes once every unit is read.

A point layer stored in another CRS than the zones is moved into theirs point
by point as :func:`spatial.validate.frame.move_into` moves it (the same PROJ
steps on the same floats). Anything unusual (a point that is not a plain
two-dimensional point with finite coordinates, a null id, a layer of at most
:data:`~spatial.validate.inputs.FULL_CHECK_MAX_FEATURES` points, zones not
stored in the Gauss–Krüger zone of the data) goes the plain way:
``read_layer`` and ``assign_points``, whose rows or refusal are the answer.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import shapely
from pyproj import CRS

from spatial.crs import CGCS2000, WGS84, transformer
from spatial.overlay import scan_ops as _ops
from spatial.overlay._gkzone import lonlat_bounds
from spatial.overlay._nearest import MAX_POLYGONS, gk_zone_of, nearest_xy
from spatial.overlay._points import point_bounds
from spatial.overlay.operations import assign_points
from spatial.overlay.scan import UNIT_ROWS, NotPlain, ParquetScan, ScannedUnit
from spatial.preconditions import require_crs
from spatial.validate.frame import into_crs
from spatial.validate.inputs import LayerInput, prepare_inputs

__all__ = ["assign_file", "point_scan"]

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class _Zones:
    """The polygons as the plain path has them, with what the units ask of them."""

    frame: gpd.GeoDataFrame
    geoms: npt.NDArray[np.object_]  # prepared
    boxes: npt.NDArray[np.float64]
    ids: npt.NDArray[Any]
    lonlat: npt.NDArray[np.float64]  # their total bounds in EPSG:4326, a row


@dataclass(frozen=True)
class _AssignJob:
    source: CRS  # the points'
    zones: _Zones

    @property
    def crs(self) -> CRS:
        """The zones' CRS, where points are tested and measured (a Gauss–Krüger zone)."""
        return require_crs(self.zones.frame, "polygon layer")


@dataclass(frozen=True)
class _Rows:
    """One unit's rows: point positions in the unit, polygon positions, inside, distance (m)."""

    ids: pa.Array  # the unit's, as read
    point: npt.NDArray[np.intp]
    polygon: npt.NDArray[np.intp]
    inside: npt.NDArray[np.bool_]
    dist_m: npt.NDArray[np.float64]


def point_scan(
    path: str | os.PathLike[str],
    id_field: str,
    *,
    threads: int | None = None,
    unit_rows: int = UNIT_ROWS,
) -> ParquetScan[Any]:
    """Start reading a point layer: ids and coordinates from the WKB, unit by unit."""
    return ParquetScan(path, id_field, threads=threads, unit_rows=unit_rows, boxes=point_bounds)


def _zones(polygons: gpd.GeoDataFrame, b_id_field: str, name: str) -> _Zones:
    """Check the polygons as ``assign_points`` does; prepare them for the threads."""
    (polys,) = prepare_inputs(
        [LayerInput(polygons, name, b_id_field, "polygon")], frame="largest"
    ).layers
    crs = require_crs(polys, name)
    if crs.is_geographic or len(polys) == 0:
        raise NotPlain  # measured in another CRS than the zones': the plain path moves both
    geoms = np.asarray(polys.geometry.array)
    boxes = shapely.bounds(geoms)
    prepared = shapely.from_wkb(shapely.to_wkb(geoms))  # copies: the caller's stay unprepared
    shapely.prepare(prepared)
    for zone, box in zip(prepared, boxes, strict=True):  # the locators built here, not on threads
        middle = (box[:2] + box[2:]) / 2
        shapely.intersects_xy(zone, [box[0], middle[0]], [box[1], middle[1]])
    polys.sindex  # noqa: B018 - the tree built here, once, before the threads ask it
    lonlat = lonlat_bounds(geoms, crs)  # the zones' to_crs(WGS84).total_bounds
    return _Zones(polys, prepared, boxes, polys[b_id_field].to_numpy(), lonlat)


def _to(source: CRS, target: CRS) -> Callable[..., tuple[Any, Any]]:
    """Return the transform geopandas' ``to_crs`` applies (always x, y)."""
    return transformer(source, target).transform


def moved_xy(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], source: CRS, target: CRS
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Move points into ``target`` by the steps of :func:`spatial.validate.frame.move_into`.

    Through lon/lat (``source``'s, or EPSG:4326), lon/lat of WGS84 taken as
    CGCS2000 for a CGCS2000 target (PROJ's step between them is zero).
    """
    if source.is_geographic:
        lonlat_crs = source
    else:
        x, y = _to(source, WGS84)(x, y)
        lonlat_crs = WGS84
    if target.is_geographic:
        return (x, y) if lonlat_crs.equals(target) else _to(lonlat_crs, target)(x, y)
    if (
        lonlat_crs.equals(WGS84)
        and target.geodetic_crs is not None
        and target.geodetic_crs.equals(CGCS2000)
    ):
        lonlat_crs = CGCS2000
    return _to(lonlat_crs, target)(x, y)


def _inside(
    zones: _Zones, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Return the (point, zone) pairs where the zone covers the point, as the tree lists them."""
    if len(zones.geoms) > MAX_POLYGONS:
        found = zones.frame.sindex.query(shapely.points(x, y), predicate="covered_by")
        return found[0].astype(np.intp), found[1].astype(np.intp)
    held = np.zeros(len(x), dtype=np.intp)
    hits = []
    for j, (zone, box) in enumerate(zip(zones.geoms, zones.boxes, strict=True)):
        near = np.flatnonzero((x >= box[0]) & (x <= box[2]) & (y >= box[1]) & (y <= box[3]))
        if len(near):
            inside = near[shapely.intersects_xy(zone, x[near], y[near])]
            held[inside] += 1
            hits.append((inside, j))
    ip = [inside[held[inside] == 1] for inside, _ in hits]  # held by this zone alone
    iq = [np.full(len(p), j, dtype=np.intp) for p, (_, j) in zip(ip, hits, strict=True)]
    several = np.flatnonzero(held > 1)
    if len(several):  # the tree gives each point's zones in its own order
        sp, sq = zones.frame.sindex.query(
            shapely.points(x[several], y[several]), predicate="covered_by"
        )
        ip.append(several[sp])
        iq.append(sq.astype(np.intp))
    if not ip:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    points, polygons = np.concatenate(ip), np.concatenate(iq)
    order = np.argsort(points, kind="stable")
    return points[order], polygons[order]


def _nearest(
    zones: _Zones, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """Nearest zone of each point and the distance (metres), as ``assign_points`` measures it.

    The points are outside every zone, so their distance to a zone is GEOS's to
    its rings (:func:`spatial.overlay._nearest.nearest_xy`: in numpy, shapely
    points built only for a tie).
    """

    def ties(positions: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
        points = shapely.points(x[positions], y[positions])
        jp, jq = zones.frame.sindex.nearest(points, return_all=False)
        found = np.full(len(positions), -1, dtype=np.intp)
        found[jp] = jq
        return found

    return nearest_xy(x, y, zones.geoms, ties, threads=1)


def _unit_assign(job: _AssignJob, unit: ScannedUnit) -> tuple[_Rows, npt.NDArray[np.float64]]:
    """Assign one unit's points: inside a zone, or the nearest; the box of them all (zones' CRS)."""
    x, y = unit.bounds[:, 0], unit.bounds[:, 1]
    crs = job.crs
    if not job.source.equals(crs):
        x, y = moved_xy(x, y, job.source, crs)
        if not (np.isfinite(x).all() and np.isfinite(y).all()):
            raise NotPlain  # a point PROJ cannot place: the plain path's way
    ip, iq = _inside(job.zones, x, y)
    outside_mask = np.ones(len(x), dtype=bool)
    outside_mask[ip] = False
    outside = np.flatnonzero(outside_mask)
    jq, dist_m = _nearest(job.zones, x[outside], y[outside])
    outside, jq, dist_m = outside[jq >= 0], jq[jq >= 0], dist_m[jq >= 0]
    point = np.concatenate([ip, outside])
    order = np.argsort(point, kind="stable")  # each point's rows together, inside ones first
    rows = _Rows(
        unit.ids,
        point[order],
        np.concatenate([iq, jq])[order],
        np.concatenate([np.ones(len(ip), bool), np.zeros(len(outside), bool)])[order],
        np.concatenate([np.zeros(len(ip)), dist_m])[order],
    )
    if not len(x):  # a batch of no rows: no box (gk_zone_of leaves out what is not finite)
        return rows, np.full((1, 4), np.nan)
    return rows, np.array([[x.min(), y.min(), x.max(), y.max()]])


def _zone_settled(
    crs: CRS, boxes: Sequence[npt.NDArray[np.float64]], lonlat: npt.NDArray[np.float64]
) -> bool:
    """Whether the points' boxes tell that the plain path measures in ``crs`` (the zones' CRS).

    As :func:`spatial.overlay._nearest.gk_zone_of` tells it from every point's
    box (here the units' boxes: the same box of them all): unsettled (False)
    near a zone's edge, or where PROJ cannot place a corner.
    """
    return gk_zone_of(np.concatenate(boxes), crs, lonlat)


def _table(done: Sequence[_Rows], zones: _Zones) -> pd.DataFrame:
    """Return every unit's rows, in the file's order, in ``assign_points``'s columns."""
    return pd.DataFrame(
        {
            "point_id": _id_column([r.ids.take(r.point) for r in done]),
            "polygon_id": zones.ids[np.concatenate([r.polygon for r in done])],
            "inside": np.concatenate([r.inside for r in done]),
            "dist_m": np.concatenate([r.dist_m for r in done]),
        }
    )


def _id_column(parts: Sequence[pa.Array]) -> Any:
    """Return the ids as ``DataFrame({...: ids.to_numpy(zero_copy_only=False)})`` has them.

    Text ids go straight from arrow into pandas' string column (what pandas
    infers for an array of Python strings: the same values and dtype, without
    a million Python strings built and read back); others through numpy.
    """
    chunks = [p.combine_chunks() if isinstance(p, pa.ChunkedArray) else p for p in parts]
    ids = pa.concat_arrays(chunks)
    inferred = pd.Series(np.array(["id"], dtype=object)).dtype
    text = pa.types.is_string(ids.type) or pa.types.is_large_string(ids.type)
    if text and isinstance(inferred, pd.StringDtype):
        return pd.array(ids, dtype=inferred)
    return ids.to_numpy(zero_copy_only=False)


def _read_whole(
    path: str | os.PathLike[str], warned: bool, run: Callable[[gpd.GeoDataFrame], pd.DataFrame]
) -> pd.DataFrame:
    """Run the plain ``assign_points`` on the points read whole (as ``difference_file`` does)."""
    return _ops._read_whole(path, warned, run)


def _plain_assign(
    a: gpd.GeoDataFrame,
    *,
    polygons: gpd.GeoDataFrame,
    a_id_field: str,
    b_id_field: str,
    names: tuple[str, str],
) -> pd.DataFrame:
    return assign_points(a, polygons, a_id_field, b_id_field, names=names)


def _warned(layer_crs: CRS, zones: _Zones, names: tuple[str, str]) -> bool:
    """Give the plain path's warning of different datums once; whether it was given."""
    empty = gpd.GeoDataFrame(geometry=[], crs=layer_crs)
    crs = require_crs(zones.frame, names[1])
    return into_crs(empty, names[0], crs, names[1], "assigned", stacklevel=6)[1]


def assign_file(
    path: str | os.PathLike[str] | ParquetScan[Any],
    polygons: gpd.GeoDataFrame,
    a_id_field: str = "id",
    b_id_field: str = "id",
    *,
    names: Sequence[str] | None = None,
    threads: int | None = None,
    unit_rows: int = UNIT_ROWS,
    progress: Progress | bool | None = None,
) -> pd.DataFrame:
    """Return ``assign_points`` of a point layer file and ``polygons``, unit by unit.

    Parameters
    ----------
    path : path-like or ParquetScan
        Layer A, points: GeoParquet with WKB geometries, or a GeoPackage,
        Shapefile or FlatGeobuf (read through GDAL's Arrow stream), in any CRS
        (moved into the polygons'); or a scan of it started by :func:`point_scan`.
    polygons : geopandas.GeoDataFrame
        The zones, checked as ``assign_points`` checks them; stored in the
        Gauss–Krüger zone of the data for the fast path.
    a_id_field, b_id_field : str
        The id columns of the points and the polygons.
    names : (str, str), optional
        How to name the layers in messages (default: the file, and "layer B").
    threads : int, optional
        Threads (default: the CPUs this process may use); results do not depend on it.
    unit_rows : int
        Most points read and assigned at a time.
    progress : callable, bool or None
        As for :func:`spatial.overlay.scan_ops.difference_file`.

    Returns
    -------
    pandas.DataFrame
        The rows of ``assign_points(read_layer(path), polygons)``, bit for bit:
        ``point_id``, ``polygon_id``, ``inside`` and ``dist_m`` (metres in the
        Gauss–Krüger zone; 0 inside).

    Raises
    ------
    LayerReadError, CRSError, LayerError
        As ``assign_points`` raises them, in the validator's words.
    """
    named = _ops._named(path, names)
    if isinstance(path, ParquetScan):
        scan, ours = path, False
    else:
        scan, ours = point_scan(path, a_id_field, threads=threads, unit_rows=unit_rows), True
    warned = False
    plain = partial(
        _plain_assign,
        polygons=polygons,
        a_id_field=a_id_field,
        b_id_field=b_id_field,
        names=named,
    )
    try:
        layer = _ops._check_large(scan, polygons, named)
        zones = _ops._small_or_a_first(scan, partial(_zones, polygons, b_id_field, named[1]))
        warned = _warned(layer.crs, zones, named)
        job = _AssignJob(layer.crs, zones)
        done = _ops._run(scan, partial(_unit_assign, job), progress)
        if not _zone_settled(job.crs, [box for _, box in done], zones.lonlat):
            raise NotPlain
    except NotPlain:
        scan.close()
        return _read_whole(scan.path, warned, plain)
    finally:
        if ours:
            scan.close()
    return _table([rows for rows, _ in done], zones)
