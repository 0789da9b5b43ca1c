"""Tabulation of a GeoParquet layer against a small one, from the file, unit by unit.

:func:`tabulate_parquet` gives the table of
:func:`spatial.overlay.tabulate_intersection` on a GeoParquet layer (a district's
parcels, say) and a small layer (the plan's zones) without reading the large
layer into a GeoDataFrame. A :class:`spatial.overlay.scan.ParquetScan` reads
the id and geometry columns a unit of rows at a time and, on as many threads as
the process may use:

1. takes every feature's bounding box straight from its WKB
   (:func:`spatial.io.geoparquet.polygon_bounds`, geoarrow-c) and runs the
   validator's box checks on every feature (swapped, out of range, far
   outside China; :mod:`spatial.validate.boxes`);

then, for each unit, this module's second stage:

2. keeps the features whose box can touch a box of the small layer (a grid
   of cells covering those boxes, conservative: it never drops a feature
   that shares area);
3. builds GEOS geometries for those features only and tabulates them with
   the engine (:func:`spatial.overlay.operations.cut_prepared`), which
   checks every feature taking part with ``shapely.is_valid``, cuts only the
   crossing ones, measures the area of record and reconciles the pieces of
   each feature of the unit to it;

and, once every unit is done, reconciles the pieces of each feature of the
small layer over all units (:func:`spatial.overlay.operations.finish_cuts`).

A feature whose box touches no box of the small layer shares no area with it,
so the table is the same, row for row and bit for bit, as one call on the whole
layer. Memory holds the rows read ahead (at most
:data:`spatial.overlay.scan.AHEAD_ROWS`, or one row group if larger: pyarrow
reads a row group whole) and the table, so a layer larger than memory is
tabulated the same way (10M parcels: 1.2 GB at the peak).

The usual path (:func:`spatial.io.layers.read_layer` whole up to
:data:`WHOLE_MAX_ROWS` rows, batch by batch above, then
:func:`~spatial.overlay.tabulate_intersection`) is taken instead, so that every
problem is named in the validator's own words, when: a unit is not plain (a
null, empty or non-polygonal geometry, malformed WKB or a ring GEOS cannot
build, a NaN or infinite coordinate, a null id, a box the cheap checks flag);
the layer has at most :data:`~spatial.validate.inputs.FULL_CHECK_MAX_FEATURES`
features (it gets the full validator); the geometries are not plain WKB; or
``b`` has more features in another CRS (the usual path cuts in ``b``'s CRS
then). An invalid feature refused by the engine in one unit is held until every
unit's first stage is known, so that a cheap problem found later is named first,
as the usual path names it.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS
from shapely.errors import GEOSException

from spatial.errors import CRSMismatchWarning, LayerError
from spatial.io.geoparquet import ParquetLayer, wkb_geometries
from spatial.io.sources import LayerSource
from spatial.overlay._keywords import id_keywords
from spatial.overlay.operations import cut_prepared, empty_cut, finish_cuts, tabulate_intersection
from spatial.overlay.scan import UNIT_ROWS, NotPlain, ParquetScan, ScannedUnit, progress_reporter
from spatial.preconditions import require_crs
from spatial.validate.frame import into_crs
from spatial.validate.inputs import FULL_CHECK_MAX_FEATURES, Known, LayerInput, prepare_inputs

__all__ = ["PROGRESS_MIN_ROWS", "UNIT_ROWS", "WHOLE_MAX_ROWS", "BoxCover", "tabulate_parquet"]

#: A layer of more rows than this shows its progress on a terminal (about 2 s of work or more).
PROGRESS_MIN_ROWS = 2_000_000
#: A layer that is not plain is read whole up to this many rows, batch by batch above it.
WHOLE_MAX_ROWS = 2_000_000
#: Cells along the longer side of the grid covering the small layer's boxes.
_COVER_CELLS = 1024

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class BoxCover:
    """Grid cells that the boxes of a layer cover, for "may this box touch one of them?".

    Boxes, queries, ``origin`` and ``cell`` are in one CRS, that of the large
    layer (metres for a Gauss–Krüger zone, degrees for lon/lat); the grid is
    1,024 cells along the longer side of the covered extent. ``sat`` is the
    summed-area table of the covered cells (a row and column of zeros in
    front), so a query is four lookups. Cells are closed on every side
    that matters: a box touching a covered box, even at one point, touches a
    covered cell.
    """

    origin: tuple[float, float]
    cell: tuple[float, float]
    sat: npt.NDArray[np.int32]

    @classmethod
    def of(cls, boxes: npt.NDArray[np.float64]) -> BoxCover:
        """Cover the boxes (rows of ``minx, miny, maxx, maxy``; rows of NaN are skipped)."""
        boxes = boxes[np.isfinite(boxes).all(axis=1)]
        if not len(boxes):
            return cls((0.0, 0.0), (1.0, 1.0), np.zeros((1, 1), dtype=np.int32))
        x0, y0 = boxes[:, 0].min(), boxes[:, 1].min()
        x1, y1 = boxes[:, 2].max(), boxes[:, 3].max()
        side = max(x1 - x0, y1 - y0, 1e-9) / _COVER_CELLS
        cell = (side, side)
        nx, ny = int((x1 - x0) / side) + 1, int((y1 - y0) / side) + 1
        cover = cls((x0, y0), cell, np.zeros((ny + 1, nx + 1), dtype=np.int32))
        i0, j0, i1, j1 = cover._cells(boxes)
        marks = np.zeros((ny + 1, nx + 1), dtype=np.int32)  # 2-D difference array
        np.add.at(marks, (j0, i0), 1)
        np.add.at(marks, (j0, i1 + 1), -1)
        np.add.at(marks, (j1 + 1, i0), -1)
        np.add.at(marks, (j1 + 1, i1 + 1), 1)
        covered = (marks.cumsum(axis=0).cumsum(axis=1) > 0)[:ny, :nx]
        sat = np.zeros((ny + 1, nx + 1), dtype=np.int32)
        sat[1:, 1:] = covered.cumsum(axis=0, dtype=np.int32).cumsum(axis=1, dtype=np.int32)
        return cls((x0, y0), cell, sat)

    def _cells(self, boxes: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.int64], ...]:
        """First and last cell (clipped to the grid) of each box along x and y."""
        ny, nx = self.sat.shape[0] - 1, self.sat.shape[1] - 1

        def index(v: npt.NDArray[np.float64], o: float, c: float, n: int) -> npt.NDArray[np.int64]:
            return np.clip(np.floor((v - o) / c), 0, max(n - 1, 0)).astype(np.int64)

        (ox, oy), (cx, cy) = self.origin, self.cell
        return (
            index(boxes[:, 0], ox, cx, nx),
            index(boxes[:, 1], oy, cy, ny),
            index(boxes[:, 2], ox, cx, nx),
            index(boxes[:, 3], oy, cy, ny),
        )

    def touches(self, boxes: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
        """Which boxes may touch a covered box (never False for one that does)."""
        ny, nx = self.sat.shape[0] - 1, self.sat.shape[1] - 1
        out = np.zeros(len(boxes), dtype=bool)
        if nx == 0 or ny == 0:
            return out
        (ox, oy), (cx, cy) = self.origin, self.cell
        near = (boxes[:, 2] >= ox) & (boxes[:, 0] <= ox + nx * cx)
        near &= (boxes[:, 3] >= oy) & (boxes[:, 1] <= oy + ny * cy)
        rows = np.flatnonzero(near)  # the grid's extent first: most of a district lies outside
        i0, j0, i1, j1 = self._cells(boxes[rows])
        sat = self.sat
        hits = sat[j1 + 1, i1 + 1] - sat[j0, i1 + 1] - sat[j1 + 1, i0] + sat[j0, i0]
        out[rows] = hits > 0
        return out


@dataclass(frozen=True)
class _Small:
    """The small layer, checked and in the large layer's CRS: geometries, ids, cover."""

    geoms: npt.NDArray[np.object_]
    ids: npt.NDArray[np.object_]
    cover: BoxCover
    warned: bool  # of different datums, already


@dataclass(frozen=True)
class _Job:
    """What the second stage of every unit needs: the CRS, the small layer, names, roles."""

    crs: CRS
    small: _Small
    names: tuple[str, str]
    index: str


@dataclass(frozen=True)
class _Refused:
    """A unit's second stage refused a feature: held until every unit's first stage is known.

    The usual path runs the cheap checks on every feature before the engine
    refuses an invalid one, so a later unit that is not plain comes first.
    """

    error: LayerError


def _unit_table(job: _Job, unit: ScannedUnit) -> pd.DataFrame | _Refused | None:
    """Tabulate the features of one scanned unit whose box may touch the small layer."""
    rows = np.flatnonzero(job.small.cover.touches(unit.bounds))
    if not len(rows):
        return None
    try:
        geoms = wkb_geometries(unit.wkb, rows)
    except GEOSException:  # WKB geoarrow reads but GEOS cannot build: the validator's way
        raise NotPlain from None
    try:
        return cut_prepared(
            (geoms, unit.ids.take(rows).to_numpy(zero_copy_only=False)),
            (job.small.geoms, job.small.ids),
            names=job.names,
            crs=job.crs,
            index=job.index,  # type: ignore[arg-type]
            known=(Known(bounds=unit.bounds[rows]), None),
        )
    except LayerError as exc:
        return _Refused(exc)


def _small_layer(
    b: gpd.GeoDataFrame, b_id_field: str, names: tuple[str, str], layer: LayerSource
) -> _Small:
    """Check the small layer once, move it into the large layer's CRS, cover its boxes.

    Checked in its own CRS, as :func:`~spatial.overlay.tabulate_intersection`
    checks it; moved (densified) into the large layer's CRS with the same
    warning when the datums differ.
    """
    (b_in,) = prepare_inputs(
        [LayerInput(b, names[1], b_id_field, "polygon")], frame="largest"
    ).layers
    b_in, warned = into_crs(b_in, names[1], layer.crs, names[0], stacklevel=4)
    b_in = b_in.reset_index(drop=True)
    geoms = np.asarray(b_in.geometry.array)
    cover = BoxCover.of(shapely.bounds(geoms))
    return _Small(geoms, b_in[b_id_field].to_numpy(), cover, warned)


def _not_plain(
    path: str | os.PathLike[str],
    b: gpd.GeoDataFrame,
    a_id_field: str,
    b_id_field: str,
    names: tuple[str, str],
    unit_rows: int,
    warned: bool,
) -> pd.DataFrame:
    """Tabulate the layer as the rest of the toolkit reads it, so its problems are named.

    Whole (``read_layer``) up to :data:`WHOLE_MAX_ROWS` rows or when its geometries
    are not plain WKB (geopandas reads GeoParquet's native encodings); batch by
    batch above. A datum warning the fast path gave already is not given again.
    """
    from spatial.io.layers import read_layer  # noqa: PLC0415

    with warnings.catch_warnings():
        if warned:
            warnings.simplefilter("ignore", CRSMismatchWarning)
        if not os.fspath(path).lower().endswith((".parquet", ".geoparquet")):
            return tabulate_intersection(
                read_layer(path), b, a_id_field, b_id_field, names=names
            )  # GDAL
        layer = ParquetLayer(path)
        if layer.rows <= WHOLE_MAX_ROWS or not layer.plain_wkb:
            return tabulate_intersection(read_layer(path), b, a_id_field, b_id_field, names=names)
        tables = [
            tabulate_intersection(batch, b, a_id_field, b_id_field, names=names)
            for batch in layer.batches(a_id_field, unit_rows)
        ]
    return pd.concat(tables, ignore_index=True)


@id_keywords(a_id="a_id_field", b_id="b_id_field")
def tabulate_parquet(
    path: str | os.PathLike[str] | ParquetScan[Any],
    b: gpd.GeoDataFrame,
    a_id_field: str = "id",
    b_id_field: str = "id",
    *,
    names: Sequence[str] | None = None,
    threads: int | None = None,
    unit_rows: int = UNIT_ROWS,
    progress: Progress | bool | None = None,
) -> pd.DataFrame:
    """Tabulate the area a GeoParquet layer shares with ``b``, reading the file unit by unit.

    Parameters
    ----------
    path : path-like or ParquetScan
        The large polygon layer, GeoParquet with WKB geometries (or a
        GeoPackage, Shapefile or FlatGeobuf, read through GDAL's Arrow
        stream), any CRS (never
        reprojected: cut in its own CRS, every area the area of record); or a
        scan of it already started (the command line starts one before it
        reads ``b``), closed here when the usual path is taken, else by its owner.
    b : geopandas.GeoDataFrame
        The small polygon layer (zones), checked as
        :func:`~spatial.overlay.tabulate_intersection` checks it and moved, once,
        into the large layer's CRS (densified: the edge model is kept).
    a_id_field, b_id_field : str
        Id columns of the two layers.
    names : (str, str), optional
        How to name the layers in messages (default: the file, and "layer B").
    threads : int, optional
        Threads (default: the CPUs this process may use); results do not depend
        on it. Not used when ``path`` is a scan (it has its threads).
    unit_rows : int
        Most rows read and tabulated at a time.
    progress : callable, bool or None
        Called as ``progress(done, total, what)`` after each unit; True for a
        line on standard error, None (default) for that line only when standard
        error is a terminal and the layer has more than
        :data:`PROGRESS_MIN_ROWS` rows, False for none.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`~spatial.overlay.tabulate_intersection`: the rows and
        numbers of ``tabulate_intersection(read_layer(path), b)``.

    Raises
    ------
    LayerReadError, CRSError, LayerError
        The file cannot be read as GeoParquet (or its metadata name no geometry
        column of it), declares no CRS or one PROJ cannot resolve, lacks the id
        column, or holds a feature the validator refuses (named in its words).
    """
    source = path.path if isinstance(path, ParquetScan) else path
    named = (str(source), "layer B") if names is None else (str(names[0]), str(names[1]))
    if isinstance(path, ParquetScan):
        return _tabulate_scan(path, b, a_id_field, b_id_field, named, unit_rows, progress)
    scan: ParquetScan[pd.DataFrame | None]
    with ParquetScan(path, a_id_field, threads=threads, unit_rows=unit_rows) as scan:
        return _tabulate_scan(scan, b, a_id_field, b_id_field, named, unit_rows, progress)


def _tabulate_scan(
    scan: ParquetScan[Any],
    b: gpd.GeoDataFrame,
    a_id_field: str,
    b_id_field: str,
    names: tuple[str, str],
    unit_rows: int,
    progress: Progress | bool | None,
) -> pd.DataFrame:
    small: _Small | None = None
    try:
        layer = scan.layer  # raises what opening the file found wrong
        if layer.rows <= FULL_CHECK_MAX_FEATURES or (
            len(b) > layer.rows and not require_crs(b, names[1]).equals(layer.crs)
        ):  # the full validator, or the CRS of the larger b: the usual path's way
            raise NotPlain
        small = _small_layer(b, b_id_field, names, layer)
        index = "b" if layer.rows >= len(small.geoms) else "a"
        job = _Job(layer.crs, small, names, index)
        report = progress_reporter(progress, layer.rows, PROGRESS_MIN_ROWS)
        tables = [t for t in scan.results(partial(_unit_table, job), report) if t is not None]
    except NotPlain:
        scan.close()
        warned = small is not None and small.warned
        return _not_plain(scan.path, b, a_id_field, b_id_field, names, unit_rows, warned)
    refused = [t for t in tables if isinstance(t, _Refused)]
    if refused:
        raise refused[0].error
    found = [t for t in tables if isinstance(t, pd.DataFrame) and len(t)]
    if not found:
        found = [empty_cut(np.zeros(0, dtype=object), small.ids)]
    return finish_cuts(found, small.geoms, layer.crs)
