"""``validate_file`` on a large layer: every check on every feature, vectorised, batch by batch.

:func:`validate_file_batched` returns what
:func:`spatial.validate.problems.validate_file` returns, problem for problem
and in the same order, for a GeoParquet, GeoPackage or FlatGeobuf file (and a
GeoJSON file whose raw JSON holds nothing GDAL hides), without reading the
layer into a GeoDataFrame or testing feature by feature in Python:

* the file is read :data:`BATCH_ROWS` features at a time through a source of
  :mod:`spatial.io.sources` (pyarrow for GeoParquet, pyogrio's Arrow stream for
  the GDAL formats), batches checked on worker threads (GEOS releases the GIL);
* each check runs as one vectorised call over a batch: ``shapely.bounds``
  with the validator's box tests (:mod:`spatial.validate.boxes`), missing,
  empty and collection geometries, ``shapely.is_valid`` (which also finds a
  NaN or infinite x or y, as the validator's finite test does), missing
  required properties, ``accuracy`` values, and text that is not ASCII
  (each distinct value looked at once);
* only the features a check flags are described, by the validator's own
  functions, so each line reads as the full validator words it;
* duplicate ids are found once every batch is read, from the ids alone (the
  one thing kept for the whole layer: a few tens of MB a million).

Anything the vectorised checks do not decide exactly as the validator does (a
column type whose missing values pandas reads otherwise, a GeoParquet WKB that
GEOS cannot build, a file without a CRS, reading options, a multi-layer
GeoPackage, a Shapefile) goes to :func:`~spatial.validate.problems.validate_file`.
On a terminal, a layer of more than :data:`PROGRESS_MIN_ROWS` features shows
a progress line on standard error.
"""

from __future__ import annotations

import ctypes
import json
import os
import platform
import sys
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as ProjCRSError
from shapely.errors import GEOSException

from spatial.cpus import usable_cpus
from spatial.crs import WGS84, crs_label, transformer
from spatial.errors import SpatialError
from spatial.io.bundled import REQUIRED_PROPERTIES
from spatial.io.geoparquet import ParquetLayer, polygon_arrays
from spatial.io.postgis import is_postgis_url
from spatial.io.rawjson import RawScan, scan_raw_if_json
from spatial.io.sources import LayerSource, OgrLayer, open_source, progress_line, source_suffix
from spatial.preconditions import feature_label
from spatial.validate.boxes import geographic_mask, projected_mask
from spatial.validate.convex import simple_convex
from spatial.validate.ids import BLANK_PATTERN, PADDED_PATTERN, duplicate_positions, id_hashes
from spatial.validate.messages import (
    ACCURACY_VALUES,
    Problem,
    _geographic_message,
    _geometry_message,
    _projected_message,
    _text_message,
)

__all__ = ["BATCH_ROWS", "PROGRESS_MIN_ROWS", "validate_file_batched"]

#: Features read and checked at a time (about 30 MB of parcels).
BATCH_ROWS = 100_000
#: A layer of more features than this shows its progress on a terminal (about 2 s of work).
PROGRESS_MIN_ROWS = 300_000
#: Formats read in batches (GeoJSON too, when its raw JSON holds nothing GDAL hides).
_BATCHED = frozenset({".parquet", ".geoparquet", ".gpkg", ".fgb"})
_GEOJSON = frozenset({".geojson", ".json"})
#: Largest integer a float64 holds exactly (pandas reads an integer column with nulls as floats).
_EXACT_FLOAT_INT = 2**53
#: Check order within a feature, as the validator lists them (text: one rank a column after).
_COORDINATE, _GEOMETRY, _DUPLICATE, _MISSING, _ACCURACY, _TEXT = range(6)

#: Column kinds checked in batches: the id, ``accuracy``, any other required property.
_KINDS = {"id": frozenset({"text", "int"}), "accuracy": frozenset({"text"})}
_PROPERTY_KINDS = frozenset({"text", "int", "float", "bool"})

Finding = tuple[int, int, str]  # position, rank, message
Progress = Callable[[int, int, str], None]


def validate_file(*args: Any, **kwargs: Any) -> list[Problem]:
    """Run the full validator (:func:`spatial.validate.problems.validate_file`).

    Loaded only for what the batches leave to it: it reads layers with geopandas.
    """
    from spatial.validate.problems import validate_file as full  # noqa: PLC0415

    return full(*args, **kwargs)


class NotScannable(Exception):
    """The layer holds something the batched checks leave to the full validator."""


def _kind(kind: pa.DataType) -> str:
    """``text``, ``int``, ``float``, ``bool``, ``dict`` (of text) or ``other``."""
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return "text"
    if pa.types.is_dictionary(kind):
        return "dict" if _kind(kind.value_type) == "text" else "other"
    if pa.types.is_integer(kind):
        return "int"
    if pa.types.is_floating(kind):
        return "float"
    return "bool" if pa.types.is_boolean(kind) else "other"


@dataclass(frozen=True)
class _Plan:
    """What to read and check: the columns in the validator's order, their kinds, the CRS."""

    path: str
    columns: tuple[str, ...]
    kinds: dict[str, str]
    required: tuple[str, ...]
    crs: CRS
    tolerant: bool  # a GDAL source: WKB GEOS cannot build is read as null, as read_layer_tolerant

    @classmethod
    def of(cls, source: LayerSource, required: Sequence[str], crs: CRS | None) -> _Plan:
        every = _kinds(source)
        columns = tuple(name for name in source.columns if name not in _index_columns(source))
        kinds = {name: every[name] for name in columns}
        for name in {*required, "id", "accuracy"} & set(columns):
            if kinds[name] not in _KINDS.get(name, _PROPERTY_KINDS):
                raise NotScannable  # pandas reads its values (or its missing ones) otherwise
        if isinstance(source, OgrLayer) and "OFSTJSON" in source.subtypes:
            raise NotScannable  # pyogrio parses JSON fields into objects
        return cls(
            str(source.path),
            columns,
            kinds,
            tuple(required),
            crs or source.crs,
            isinstance(source, OgrLayer),
        )


def _kinds(source: LayerSource) -> dict[str, str]:
    """Each property column's kind (see :func:`_kind`), from the file's schema, not its batches.

    For a GDAL file, from the field types GDAL reports (its Arrow stream gives
    strings, 64-bit integers, doubles and booleans for them): opening a stream
    for its schema would parse a GeoJSON file once more.
    """
    if isinstance(source, ParquetLayer):
        schema = source.file.schema_arrow
        return {name: _kind(schema.field(name).type) for name in source.columns}
    kinds = {}
    for name, kind, subtype in zip(source.columns, source.types, source.subtypes, strict=True):
        if kind in ("OFTInteger", "OFTInteger64"):
            kinds[name] = "bool" if subtype == "OFSTBoolean" else "int"
        else:
            kinds[name] = {"OFTString": "text", "OFTReal": "float"}.get(kind, "other")
    return kinds


def _index_columns(source: LayerSource) -> set[str]:
    """Return a GeoParquet's pandas index columns (geopandas restores them as its index)."""
    if not isinstance(source, ParquetLayer):
        return set()
    meta = (source.file.schema_arrow.metadata or {}).get(b"pandas")
    try:
        index = json.loads(meta)["index_columns"] if meta else []
    except (ValueError, KeyError, TypeError):
        return set()
    return {name for name in index if isinstance(name, str)}


def _bits(buffer: pa.Buffer, offset: int, rows: int) -> npt.NDArray[np.bool_]:
    bits = np.unpackbits(np.frombuffer(buffer, dtype=np.uint8), bitorder="little")
    values: npt.NDArray[np.bool_] = bits[offset : offset + rows].astype(bool)
    return values


def _mask(array: pa.Array) -> npt.NDArray[np.bool_]:
    """Return a boolean arrow array as numpy, null as False.

    Read from its bits: a conversion through a Python value (``fill_null(.., False)``,
    ``pa.array``) would have pyarrow load pandas (0.2 s) in a command that needs none.
    """
    validity, values = array.buffers()
    if not len(array) or values is None:
        return np.zeros(len(array), dtype=bool)
    flags = _bits(values, array.offset, len(array))
    if validity is not None and array.null_count:
        flags &= _bits(validity, array.offset, len(array))
    return flags


def _positions(rows: npt.NDArray[np.intp]) -> pa.Array:
    """Return positions as an arrow int64 array for ``take``, from numpy's buffer."""
    values = np.ascontiguousarray(rows, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values)])


def _text(column: pa.Array) -> pa.Array:
    return pc.cast(column, pa.large_string())


def _id_texts(column: pa.Array, kind: str) -> pa.Array:
    """Each id as the validator compares it: text, white space stripped (int: its digits)."""
    text = _text(column)
    if kind == "int":
        if column.null_count and pc.max(pc.abs(column)).as_py() > _EXACT_FLOAT_INT:
            raise NotScannable  # pandas reads ints with nulls as floats: the ids it names differ
        return text
    padded = _mask(pc.match_substring_regex(text, PADDED_PATTERN))
    if not padded.any():
        return text
    rows = np.flatnonzero(padded)
    stripped = [value.strip() for value in text.take(pa.array(rows)).to_pylist()]
    return pc.replace_with_mask(text, pa.array(padded), pa.array(stripped, pa.large_string()))


def _missing(column: pa.Array | None, kind: str, rows: int) -> npt.NDArray[np.bool_]:
    """Which values the validator counts missing: null, NaN, blank text; all if no column."""
    if column is None:
        return np.ones(rows, dtype=bool)
    missing = _mask(column.is_null())
    if kind == "float":
        missing = missing | _mask(pc.is_nan(column))
    elif kind in ("text", "dict"):
        missing = missing | _mask(pc.match_substring_regex(_text(column), BLANK_PATTERN))
    return np.asarray(missing, dtype=bool)


@dataclass(frozen=True)
class _Batch:
    """A batch's findings and its ids (for duplicates, and to name its features)."""

    findings: list[Finding]
    ids: pa.Array | None
    rows: int
    hashes: npt.NDArray[np.uint64] | None = None  # of the ids (spatial.validate.ids)
    given: npt.NDArray[np.bool_] | None = None


class _Checker:
    """The checks of one layer, run on a batch at a time.

    Thread-safe: the one shared :func:`spatial.crs.transformer` keeps a PROJ
    object per thread.
    """

    def __init__(self, plan: _Plan) -> None:
        self.plan = plan
        self.label = crs_label(plan.crs)
        self.geographic = plan.crs.is_geographic

    def _to_lonlat(self) -> Transformer:
        """Return the transformer to EPSG:4326, as the validator builds it."""
        return transformer(self.plan.crs, WGS84)

    def batch(self, batch: pa.RecordBatch, offset: int) -> _Batch:
        plan = self.plan
        rows, geoms, bounds = self._geometries(batch.column(batch.num_columns - 1))
        findings = self._coordinates(bounds, offset)
        findings += self._geometries_findings(rows, geoms, offset)
        columns = {name: batch.column(name) for name in plan.columns}
        findings += self._properties(columns, batch.num_rows, offset)
        findings += self._texts(columns, offset)
        ids = columns.get("id")
        if ids is None:
            return _Batch(findings, None, batch.num_rows)
        texts = _id_texts(ids, plan.kinds["id"])
        return _Batch(findings, texts, batch.num_rows, *id_hashes(texts))

    def _geometries(
        self, wkb: pa.Array
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.object_], npt.NDArray[np.float64]]:
        """Return the rows GEOS must see, their geometries, and every row's box.

        A single-ring polygon that is convex and simple (:mod:`spatial.validate.convex`)
        is settled from its WKB's coordinates: GEOS builds none of those.
        """
        storage = wkb.storage if isinstance(wkb.type, pa.ExtensionType) else wkb
        bounds = np.full((len(storage), 4), np.nan)
        rest = np.arange(len(storage))
        present = np.flatnonzero(_mask(storage.is_valid()))
        whole = storage.take(_positions(present)) if storage.null_count else storage
        arrays = polygon_arrays(whole)
        if arrays is not None:
            decided, decided_bounds = simple_convex(arrays)
            bounds[present[decided]] = decided_bounds[decided]
            settled = np.zeros(len(storage), dtype=bool)
            settled[present[decided]] = True
            rest = np.flatnonzero(~settled)
        values = storage if len(rest) == len(storage) else storage.take(_positions(rest))
        wkb_values = np.empty(len(values), dtype=object)  # bytes; to_numpy would load pandas
        wkb_values[:] = values.to_pylist()
        try:
            with np.errstate(invalid="ignore"):
                geoms: npt.NDArray[np.object_] = shapely.from_wkb(
                    wkb_values,
                    on_invalid="ignore" if self.plan.tolerant else "raise",
                )
        except GEOSException:  # the usual reader refuses the file: it says how
            raise NotScannable from None
        bounds[rest] = shapely.bounds(geoms)
        return rest, geoms, bounds

    def _coordinates(self, bounds: npt.NDArray[np.float64], offset: int) -> list[Finding]:
        if self.geographic:
            flagged = geographic_mask(bounds)
        else:
            to_lonlat = self._to_lonlat()
            flagged = projected_mask(bounds, to_lonlat)
        findings = []
        for row in np.flatnonzero(flagged):
            if self.geographic:
                message = _geographic_message(bounds[row], self.label)
            else:
                message = _projected_message(bounds[row], self.plan.crs, to_lonlat, self.label)
            if message:
                findings.append((offset + int(row), _COORDINATE, message))
        return findings

    def _geometries_findings(
        self, rows: npt.NDArray[np.intp], geoms: npt.NDArray[np.object_], offset: int
    ) -> list[Finding]:
        """Run the geometry check on the features GEOS built (``geoms``, at ``rows``)."""
        with np.errstate(invalid="ignore"):
            valid = shapely.is_valid(geoms)  # null: False
        # GEOS finds a NaN or infinite x or y invalid, as the validator's finite test does
        flagged = ~valid | shapely.is_empty(geoms)
        flagged |= shapely.get_type_id(geoms) == shapely.GeometryType.GEOMETRYCOLLECTION
        findings = []
        for k in np.flatnonzero(flagged):
            message = _geometry_message(geoms[k])
            if message:
                findings.append((offset + int(rows[k]), _GEOMETRY, message))
        return findings

    def _properties(self, columns: dict[str, pa.Array], rows: int, offset: int) -> list[Finding]:
        plan = self.plan
        required = plan.required
        masks = [_missing(columns.get(name), plan.kinds.get(name, ""), rows) for name in required]
        findings: list[Finding] = []
        if masks:
            stacked = np.column_stack(masks)
            for row in np.flatnonzero(stacked.any(axis=1)):
                missing = [name for name, m in zip(required, stacked[row], strict=True) if m]
                noun = "property" if len(missing) == 1 else "properties"
                message = f"missing required {noun}: {', '.join(missing)}"
                findings.append((offset + int(row), _MISSING, message))
        accuracy = columns.get("accuracy")
        if accuracy is not None:
            text = _text(accuracy)
            allowed = pc.is_in(text, value_set=pa.array(ACCURACY_VALUES, pa.large_string()))
            wrong = ~_missing(accuracy, "text", rows) & ~_mask(allowed)
            for row in np.flatnonzero(wrong):
                value = text[int(row)].as_py()
                message = f"accuracy is {value!r}; use 'official' or 'indicative' (示意)"
                findings.append((offset + int(row), _ACCURACY, message))
        return findings

    def _texts(self, columns: dict[str, pa.Array], offset: int) -> list[Finding]:
        """Text that is mis-encoded: each distinct value that is not ASCII looked at once."""
        findings: list[Finding] = []
        for rank, name in enumerate(self.plan.columns, start=_TEXT):
            if self.plan.kinds[name] not in ("text", "dict"):
                continue
            text = _text(columns[name])
            high = pc.invert(pc.string_is_ascii(text))  # null stays null: skipped below
            if not pc.any(high).as_py():
                continue
            said = {
                value: message
                for value in pc.unique(text.filter(high)).to_pylist()
                if (message := _text_message(name, value))
            }
            if not said:
                continue
            wrong = _mask(pc.is_in(text, value_set=pa.array(list(said), pa.large_string())))
            rows = np.flatnonzero(wrong)
            values = text.take(pa.array(rows)).to_pylist()
            findings += [
                (offset + int(row), rank, said[value])
                for row, value in zip(rows, values, strict=True)
            ]
        return findings


def _duplicates(ids: pa.Array, batches: Sequence[_Batch]) -> list[Finding]:
    """Every feature whose id an earlier one already has (ids stripped; blank and null skip)."""
    hashes = np.concatenate([b.hashes for b in batches if b.hashes is not None])
    given = np.concatenate([b.given for b in batches if b.given is not None])
    repeats, firsts = duplicate_positions(hashes, given, ids)
    return [
        (int(p), _DUPLICATE, f"duplicate id: feature #{p} reuses the id of feature #{q}")
        for p, q in zip(repeats, firsts, strict=True)
    ]


def _collect(path: str, findings: list[Finding], ids: pa.Array | None) -> list[Problem]:
    """Return the problems in the validator's order, each said once (as ``problems._collect``)."""
    problems: list[Problem] = []
    seen: set[Problem] = set()
    for position, _, message in sorted(findings, key=lambda f: (f[0], f[1])):
        value = ids[position].as_py() if ids is not None else None
        problem = Problem(path, feature_label(value, position), message)
        if problem not in seen:
            seen.add(problem)
            problems.append(problem)
    return problems


def _scan(
    source: LayerSource,
    plan: _Plan,
    threads: int,
    batch_rows: int,
    progress: Progress | None,
) -> list[Problem]:
    checker = _Checker(plan)
    findings: list[Finding] = []
    ids: list[pa.Array] = []
    hashed: list[_Batch] = []
    pending: deque[Future[_Batch]] = deque()
    done = 0

    def take() -> None:
        nonlocal done
        result = pending.popleft().result()
        findings.extend(result.findings)
        if result.ids is not None:
            ids.append(result.ids)
            hashed.append(result)
        done += result.rows
        if progress is not None:
            progress(done, source.rows, f"spatial validate: {plan.path}")

    with ThreadPoolExecutor(max_workers=threads) as pool:
        offset = 0
        for batch in source.record_batches(list(plan.columns), batch_rows):
            pending.append(pool.submit(checker.batch, batch, offset))
            offset += batch.num_rows
            while len(pending) > 2 * threads:  # bounded: a few batches in memory
                take()
        while pending:
            take()
    every = pa.chunked_array(ids, pa.large_string()).combine_chunks() if ids else None
    if every is not None:
        findings += _duplicates(every, hashed)
    return _collect(plan.path, findings, every)


#: glibc's ``mallopt`` parameters (malloc.h) and the values set for a large scan: freed blocks
#: up to 64 MB stay in the process for the next batch's arrays instead of going back to the
#: system and faulting in again (8,400 page faults and 24 ms of system time a batch of
#: 100,000 parcels, half the convex test's own time, measured).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_KEEP_FREED_BYTES = 64 << 20


def _keep_freed_memory() -> None:
    """Have glibc keep freed memory for reuse (a no-op on another C library).

    Process-wide and for the rest of the process: ``spatial validate`` checks
    batch after batch of the same size, so the next batch reuses the blocks.
    """
    if sys.platform != "linux" or platform.libc_ver()[0] != "glibc":
        return
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(_M_MMAP_THRESHOLD, _KEEP_FREED_BYTES)
        libc.mallopt(_M_TRIM_THRESHOLD, 4 * _KEEP_FREED_BYTES)
    except (OSError, AttributeError):  # no mallopt: memory is returned as usual
        return


def _plain_json(raw: RawScan | None) -> bool:
    """Whether a GeoJSON file's raw JSON holds nothing for the full path (findings, encoding)."""
    if raw is None or raw.findings or not raw.utf8:
        return False
    return raw.kept is None or len(raw.kept) == len(raw.labels)


def validate_file_batched(  # noqa: PLR0913 - validate_file's, and the scan's
    path: str | os.PathLike[str],
    required: Sequence[str] = REQUIRED_PROPERTIES,
    crs: str | int | CRS | None = None,
    *,
    input_frame: str | None = None,
    id_field: str | None = None,
    name_field: str | None = None,
    threads: int | None = None,
    batch_rows: int = BATCH_ROWS,
    progress: Progress | bool | None = None,
) -> list[Problem]:
    """Return every problem of a layer file, as :func:`~spatial.validate.problems.validate_file`.

    Parameters
    ----------
    path, required, crs, input_frame, id_field, name_field
        As for :func:`~spatial.validate.problems.validate_file` (any reading
        option sends the file to it).
    threads : int, optional
        Threads checking batches (default: the CPUs this process may use);
        the problems do not depend on it.
    batch_rows : int
        Features read and checked at a time.
    progress : callable, bool or None
        ``progress(done, total, what)`` after each batch; True for a line on
        standard error; None (default) for that line when standard error is a
        terminal and the layer has more than :data:`PROGRESS_MIN_ROWS` features.

    Returns
    -------
    list of Problem
        The problems ``validate_file`` returns, in its order and words.
    """
    options = (input_frame, id_field, name_field)
    suffix = None if is_postgis_url(path) else source_suffix(path)
    raw = scan_raw_if_json(Path(path)) if suffix in _GEOJSON and not any(options) else None
    batched = suffix in _BATCHED or _plain_json(raw)
    if batched and not any(options):
        try:
            source = open_source(path)
            given = None if crs is None else CRS.from_user_input(crs)
            plan = _Plan.of(source, required, given)
            report = _reporter(progress, source.rows)
            if source.rows > batch_rows:
                _keep_freed_memory()
            return _scan(source, plan, threads or usable_cpus(), batch_rows, report)
        except (SpatialError, NotScannable, ProjCRSError, OSError, pa.ArrowException):
            pass  # the full path reads the file again and names what is wrong
    return validate_file(
        path,
        required,
        crs,
        input_frame=input_frame,
        id_field=id_field,
        name_field=name_field,
        raw_scan=raw,  # a GeoJSON file's raw JSON is walked once
    )


def _reporter(progress: Progress | bool | None, rows: int) -> Progress | None:
    if progress is None:
        progress = sys.stderr.isatty() and rows > PROGRESS_MIN_ROWS
    if progress is True:
        return progress_line
    return progress or None
