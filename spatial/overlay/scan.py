"""The first stage of tabulating a GeoParquet layer, started as early as a command can.

A :class:`ParquetScan` reads a GeoParquet layer's id and geometry columns unit
by unit on worker threads and, for each unit, takes every feature's bounding
box from its WKB (:func:`spatial.io.geoparquet.polygon_bounds`) and runs the
validator's box checks on every feature (:mod:`spatial.validate.boxes`). The
second stage, given later to :meth:`ParquetScan.results` (the features whose
box may touch the other layer, tabulated by the engine: see
:mod:`spatial.overlay.parquet`), runs on the same threads, each unit as soon as
its first stage is done.

A GeoPackage, Shapefile or FlatGeobuf layer is read the same way through
pyogrio's Arrow stream (:class:`spatial.io.sources.OgrLayer`), a batch at a time
on the feeder thread; anything the stream cannot give as it is (a file with no
CRS or several layers, a malformed batch) raises :class:`NotPlain`, for the
usual reader to name.

Only numpy, pyarrow, geoarrow and pyproj are imported here (and pyogrio for a
GDAL file), so the command line
starts a scan before it loads geopandas and reads the zones (about 0.5 s), and
the reading of the first units (which releases the GIL) overlaps that. At most
:data:`AHEAD_ROWS` rows (or one row group, if larger) are read ahead of the
second stage, so memory does not grow with the layer.

Any problem found while opening the file is kept and raised when the layer is
first asked for (:attr:`ParquetScan.layer`), so a command reports its inputs'
problems in its usual order.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from spatial.cpus import usable_cpus
from spatial.crs import WGS84, transformer
from spatial.errors import LayerReadError, SpatialError, first_line
from spatial.io.geoparquet import polygon_bounds
from spatial.io.sources import LayerSource, MalformedBatch, OgrLayer, open_source, progress_line
from spatial.validate.boxes import geographic_mask, projected_mask

__all__ = [
    "MIN_UNIT_ROWS",
    "UNIT_ROWS",
    "NotPlain",
    "ParquetScan",
    "ScannedUnit",
    "progress_line",
    "progress_reporter",
]

#: Most rows of the large layer read and tabulated at a time (about 0.1 GB of parcels).
UNIT_ROWS = 500_000
#: Fewest rows in a unit (smaller ones cost more in calls than they gain in threads).
MIN_UNIT_ROWS = 25_000
#: Rows read and checked ahead of the second stage (about 0.2 GB of parcels): a layer of up
#: to this many is scanned whole while the command loads the rest and reads the zones.
AHEAD_ROWS = 2_000_000
#: Units ahead of the second stage, per thread, at least (for units of many rows).
_MIN_AHEAD_PER_THREAD = 2

T = TypeVar("T")
Progress = Callable[[int, int, str], None]


class NotPlain(Exception):
    """A unit holds a feature the fast path leaves to the validator (see :func:`polygon_bounds`)."""


class _Cancelled(Exception):
    """The scan was closed before this unit was done."""


@dataclass(frozen=True)
class ScannedUnit:
    """One unit of rows that passed the first stage.

    Attributes
    ----------
    ids, wkb : pyarrow.Array
        The unit's ids and WKB geometries.
    bounds : numpy.ndarray, shape (n, 4)
        Each feature's ``minx, miny, maxx, maxy`` in the layer's CRS.
    """

    ids: pa.Array
    wkb: pa.Array
    bounds: npt.NDArray[np.float64]


class _BoxChecks:
    """The validator's box checks for the layer's CRS (the one shared transformer, thread-safe)."""

    def __init__(self, layer: LayerSource) -> None:
        self.crs = layer.crs

    def flagged(self, bounds: npt.NDArray[np.float64]) -> bool:
        if self.crs.is_geographic:
            return bool(geographic_mask(bounds).any())
        to_lonlat = transformer(self.crs, self.crs.geodetic_crs or WGS84)
        return bool(projected_mask(bounds, to_lonlat).any())


class ParquetScan(Generic[T]):
    """A GeoParquet layer being read and checked unit by unit on worker threads.

    Parameters
    ----------
    path : path-like
        The GeoParquet file (WKB geometries), or a GeoPackage, Shapefile or
        FlatGeobuf file (read through pyogrio's Arrow stream).
    id_field : str
        Its id column.
    threads : int, optional
        Worker threads (default: the CPUs this process may use).
    unit_rows : int
        Most rows in a unit; a file of few, large row groups is cut into units
        of that many rows, four a thread at least (at least
        :data:`MIN_UNIT_ROWS`), so that the threads share the work.
    boxes : callable
        Each feature's box from a unit's WKB, or None unless all are plain
        (default :func:`~spatial.io.geoparquet.polygon_bounds`; a point layer's:
        :func:`spatial.overlay._points.point_bounds`).

    Use as a context manager, or call :meth:`close`: the worker threads stop
    there, whatever was read.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        id_field: str,
        *,
        threads: int | None = None,
        unit_rows: int = UNIT_ROWS,
        boxes: Callable[[pa.Array], npt.NDArray[np.float64] | None] = polygon_bounds,
    ) -> None:
        self.path, self.id_field, self._boxes = path, id_field, boxes
        self.threads = max(1, threads if threads is not None else usable_cpus())
        self._error: BaseException | None = None
        self._layer: LayerSource | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._second_stage: Callable[[ScannedUnit], T] | None = None
        self._waiting: list[tuple[Future[T], ScannedUnit]] = []
        self._places = _MIN_AHEAD_PER_THREAD * self.threads
        self._ahead = threading.Semaphore(self._places)
        self._queue: queue.Queue[tuple[Future[T], int] | BaseException | None] = queue.Queue()
        self._pool = ThreadPoolExecutor(max_workers=self.threads)
        self._feeder: threading.Thread | None = None
        if os.fspath(path).lower().endswith((".geojson", ".json")):
            # its raw JSON is checked first, for what GDAL hides: the usual reader's work
            self._error = NotPlain(f"{path}: GeoJSON is read the usual way")
            return
        try:
            layer = self._layer = open_source(path)
            layer.require(id_field)
        except SpatialError as exc:  # a GDAL file: the usual reader names what is wrong
            self._error = exc if _parquet(path) else NotPlain(str(exc))
            return
        if not layer.plain_wkb:  # a native (geoarrow) encoding, or WKB in a binary view column
            self._error = NotPlain(f"{path}: geometries in {layer.encoding}, not plain WKB")
            return
        self._checks = _BoxChecks(layer)
        rows = max(1, min(unit_rows, max(MIN_UNIT_ROWS, -(-layer.rows // (4 * self.threads)))))
        extra = max(0, AHEAD_ROWS // rows - self._places)  # more places for units of few rows
        self._places += extra
        for _ in range(extra):
            self._ahead.release()
        self._feeder = threading.Thread(target=self._feed, args=(rows,), daemon=True)
        self._feeder.start()

    @property
    def layer(self) -> LayerSource:
        """The layer opened; raises what opening it found wrong (NotPlain: not WKB)."""
        if self._error is not None:
            raise self._error
        assert self._layer is not None
        return self._layer

    def __enter__(self) -> ParquetScan[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker threads (units not yet read are never read)."""
        self._stop.set()
        with self._lock:
            waiting, self._waiting = self._waiting, []
        for done, _ in waiting:
            done.set_exception(_Cancelled())
        for _ in range(self._places + 1):
            self._ahead.release()  # the feeder may wait for a free place
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._feeder is not None:
            self._feeder.join()

    def _units(
        self, unit_rows: int
    ) -> Iterator[tuple[Callable[[], tuple[pa.Array, pa.Array]], int]]:
        """Each unit as (a reader of its ids and WKB, its rows), in file order.

        A file of enough row groups is read by the workers, a unit of row groups
        each, in parallel; one of few, large row groups is read here in batches.
        """
        layer = self.layer
        if isinstance(layer, OgrLayer):  # GDAL's Arrow stream, a batch at a time, here
            for batch in layer.record_batches([self.id_field], unit_rows):
                ids, wkb = batch.column(0), batch.column(1)
                yield partial(_given, ids, wkb), len(ids)
            return
        groups = layer.group_units(unit_rows)
        if len(groups) >= 2 * self.threads:
            for unit in groups:
                yield partial(layer.read_groups, unit, self.id_field), layer.group_rows(unit)
            return
        columns = [self.id_field, layer.geometry]
        for batch in layer.file.iter_batches(batch_size=unit_rows, columns=columns):
            ids, wkb = batch.column(self.id_field), batch.column(layer.geometry)
            yield partial(_given, ids, wkb), len(ids)

    def _feed(self, unit_rows: int) -> None:
        """Submit every unit's first stage to the workers, ahead of the consumer (feeder thread)."""
        try:
            for read, rows in self._units(unit_rows):
                self._ahead.acquire()
                if self._stop.is_set():
                    break
                done: Future[T] = Future()
                first = self._pool.submit(self._first_stage, read)
                first.add_done_callback(partial(self._then, done))
                self._queue.put((done, rows))
        except MalformedBatch:
            self._queue.put(NotPlain())
        except (OSError, pa.ArrowException) as exc:
            self._queue.put(_read_error(self.path, exc))
        except BaseException as exc:
            self._queue.put(exc)
        self._queue.put(None)

    def _first_stage(self, read: Callable[[], tuple[pa.Array, pa.Array]]) -> ScannedUnit:
        """Read one unit, take its boxes from the WKB, check them; NotPlain if not plain."""
        if self._stop.is_set():
            raise _Cancelled
        try:
            ids, wkb = read()
        except (OSError, pa.ArrowException) as exc:
            raise _read_error(self.path, exc) from None
        bounds = self._boxes(wkb)
        if bounds is None or ids.null_count or self._checks.flagged(bounds):
            raise NotPlain
        return ScannedUnit(ids, wkb, bounds)

    def _then(self, done: Future[T], first: Future[ScannedUnit]) -> None:
        """Once a unit's first stage ends: its second stage now, or as soon as it is given.

        No worker ever waits for the second stage, so while the command loads
        the rest, both threads go on reading and checking units.
        """
        if first.cancelled() or first.exception() is not None:
            done.set_exception(first.exception() if not first.cancelled() else _Cancelled())
            return
        with self._lock:
            if self._second_stage is None:
                self._waiting.append((done, first.result()))
                return
        self._submit_second(done, first.result())

    def _submit_second(self, done: Future[T], unit: ScannedUnit) -> None:
        assert self._second_stage is not None
        try:
            second = None if self._stop.is_set() else self._pool.submit(self._second_stage, unit)
        except RuntimeError:  # the pool is shut down: the scan was closed
            second = None
        if second is None:
            done.set_exception(_Cancelled())
        else:
            second.add_done_callback(partial(_pass_on, done))

    def results(
        self, finish: Callable[[ScannedUnit], T], progress: Progress | None = None
    ) -> Iterator[T]:
        """Run ``finish`` on every scanned unit; yield its results in file order.

        Raises
        ------
        NotPlain
            A unit holds a feature the fast path leaves to the validator.
        """
        layer = self.layer
        with self._lock:
            self._second_stage = finish
            waiting, self._waiting = self._waiting, []
        for done_early, unit in waiting:
            self._submit_second(done_early, unit)
        done = 0
        while (item := self._queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            future, rows = item
            try:
                yield future.result()
            finally:
                self._ahead.release()
            done += rows
            if progress is not None:
                progress(done, layer.rows, f"spatial overlay: {self.path}")


def _pass_on(done: Future[T], second: Future[T]) -> None:
    """Give ``done`` the outcome of a unit's second stage."""
    if second.cancelled():
        done.set_exception(_Cancelled())
    elif second.exception() is not None:
        done.set_exception(second.exception())
    else:
        done.set_result(second.result())


def _parquet(path: str | os.PathLike[str]) -> bool:
    return os.fspath(path).lower().endswith((".parquet", ".geoparquet"))


def _given(ids: pa.Array, wkb: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Return a unit the feeder read: its ids and WKB as they are."""
    return ids, wkb


def _read_error(path: str | os.PathLike[str], exc: BaseException) -> LayerReadError:
    return LayerReadError(f"{path}: cannot be read ({first_line(exc)})")


def progress_reporter(
    progress: Progress | bool | None, rows: int, min_rows: int
) -> Progress | None:
    """Return the progress callback: the caller's, or a terminal line past ``min_rows`` rows."""
    if progress is None:
        progress = sys.stderr.isatty() and rows > min_rows
    if progress is True:
        return progress_line
    return progress or None
