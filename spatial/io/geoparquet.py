"""A GeoParquet layer read a unit of row groups at a time, its geometries left as WKB until needed.

:class:`ParquetLayer` opens a GeoParquet file with pyarrow and reads its CRS
from the ``geo`` metadata (``OGC:CRS84`` when absent, as the GeoParquet
specification says). The id and geometry columns are read a unit of row groups
at a time (:meth:`ParquetLayer.read_groups`, or pyarrow's ``iter_batches`` for
a file of few, large row groups), so a layer larger than memory is never held
whole.

:func:`polygon_bounds` gives the bounding box of every feature of a unit straight
from its WKB (geoarrow-c, in C, without building a GEOS geometry), when every
feature is a plain two-dimensional Polygon or MultiPolygon with finite
coordinates; otherwise None, and the caller reads that unit with shapely and
lets the validator name what is wrong. The large-layer tabulation
(:mod:`spatial.overlay.parquet`) builds GEOS geometries only for the features
whose box can touch the other layer.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import geoarrow.c  # noqa: F401 - loaded here, not on a scan thread's first call (import lock)
import geoarrow.pyarrow as ga
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq
from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError

from spatial.crs import require_usable_crs
from spatial.errors import CRSError, IdColumnError, LayerError, LayerReadError
from spatial.io.sandbox import require_named_source

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "ParquetLayer",
    "PolygonArrays",
    "polygon_arrays",
    "polygon_bounds",
    "spatial_order",
    "wkb_geometries",
    "wkb_type_codes",
    "write_geoparquet",
]

#: Rows in a row group of the GeoParquet the toolkit writes (a unit of the overlay scan).
WRITE_ROW_GROUP_ROWS = 100_000

#: WKB geometry type codes of a two-dimensional Polygon and MultiPolygon (OGC 06-103r4, 8.2.3).
_POLYGON_CODES = (3, 6)
#: Bytes of a WKB header: byte order (1), geometry type (4).
_HEADER_BYTES = 5
#: Bytes before the coordinates of a one-ring Polygon: header, ring count, point count.
_ONE_RING_HEADER = 13


class ParquetLayer:
    """A GeoParquet file opened for reading in batches: its rows, CRS and geometry column.

    Raises
    ------
    LayerReadError
        The file cannot be read as GeoParquet, or its metadata name no geometry
        column of the file.
    CRSError
        The file declares its CRS unknown (``"crs": null``) or one PROJ cannot resolve.
    LayerError
        The layer has no features.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        require_named_source(self.path)
        try:
            self.file = pq.ParquetFile(self.path)
            meta = json.loads(self.file.schema_arrow.metadata[b"geo"])
        except (OSError, KeyError, TypeError, ValueError, RecursionError) as exc:
            raise LayerReadError(f"{self.path}: cannot be read as GeoParquet ({exc})") from None
        columns = meta.get("columns") if isinstance(meta, dict) else None
        self.geometry = str(meta.get("primary_column", "geometry")) if columns else "geometry"
        column = columns.get(self.geometry) if isinstance(columns, dict) else None
        if not isinstance(column, dict) or self.geometry not in self.file.schema_arrow.names:
            raise LayerReadError(
                f"{self.path}: cannot be read as GeoParquet (its 'geo' metadata names no "
                f"geometry column {self.geometry!r} of the file)"
            )
        #: The geometry encoding: WKB, or one of GeoParquet 1.1's native (geoarrow) ones.
        self.encoding = str(column.get("encoding", "WKB"))
        #: Whether the geometry column is WKB in a binary or large binary column (the fast path).
        storage = self.file.schema_arrow.field(self.geometry).type
        storage = storage.storage_type if isinstance(storage, pa.ExtensionType) else storage
        self.plain_wkb = self.encoding == "WKB" and (
            pa.types.is_binary(storage) or pa.types.is_large_binary(storage)
        )
        self.crs = self._crs(column.get("crs", "OGC:CRS84"))  # absent: lon/lat, as specified
        self._local = threading.local()
        self.rows = int(self.file.metadata.num_rows)
        if self.rows == 0:
            raise LayerError(f"{self.path}: the layer has no features")

    def _crs(self, crs: object) -> CRS:
        """Return the CRS the metadata declare; refuse an unknown or unresolvable one."""
        if crs is None:  # declared unknown: refused, as read_layer refuses it
            raise CRSError(
                f"{self.path}: the file declares no CRS; pass one explicitly "
                "(e.g. crs='EPSG:4326' for longitude/latitude degrees)"
            )
        try:
            resolved = CRS.from_user_input(crs)
        except ProjCRSError:
            raise CRSError(f"{self.path}: the CRS the file declares cannot be resolved") from None
        if resolved.equals(CRS.from_user_input("OGC:CRS84")):
            return CRS.from_epsg(4326)  # the same lon/lat, in geopandas' usual name
        return require_usable_crs(resolved, str(self.path))

    def require(self, id_field: str) -> None:
        """Refuse an id column the file does not have, listing those it has."""
        names = [name for name in self.file.schema_arrow.names if name != self.geometry]
        if id_field == self.geometry:
            raise LayerError(
                f"{self.path}: {id_field!r} is the geometry column, not an id column; name a "
                f"property column ({', '.join(names) or 'none'})"
            )
        if id_field not in names:
            raise IdColumnError(str(self.path), id_field, tuple(names))

    def group_units(self, max_rows: int) -> list[list[int]]:
        """Row groups in file order, gathered into units of at most ``max_rows`` rows each.

        A row group larger than ``max_rows`` is a unit of its own (a row group
        is read whole).
        """
        units: list[list[int]] = []
        rows = 0
        for group in range(self.file.num_row_groups):
            size = self.file.metadata.row_group(group).num_rows
            if units and rows + size <= max_rows:
                units[-1].append(group)
                rows += size
            else:
                units.append([group])
                rows = size
        return units

    def group_rows(self, groups: list[int]) -> int:
        """Rows in the row groups ``groups``."""
        return sum(self.file.metadata.row_group(g).num_rows for g in groups)

    def read_groups(self, groups: list[int], id_field: str) -> tuple[pa.Array, pa.Array]:
        """Read the id column and the WKB of the row groups ``groups``, on this thread alone.

        Each thread reads through a file handle of its own (pyarrow's readers are
        not shared across threads), so units can be read in parallel.
        """
        handle = getattr(self._local, "file", None)
        if handle is None:
            # mapped, without pre-buffering: 20 % faster for a row group read whole
            handle = self._local.file = pq.ParquetFile(self.path, memory_map=True, pre_buffer=False)
        table = handle.read_row_groups(groups, columns=[id_field, self.geometry], use_threads=False)
        return table.column(id_field).combine_chunks(), table.column(self.geometry).combine_chunks()

    @property
    def columns(self) -> list[str]:
        """The property columns, in the file's order (the geometry column left out)."""
        return [name for name in self.file.schema_arrow.names if name != self.geometry]

    def record_batches(
        self, columns: Sequence[str] | None, batch_rows: int
    ) -> Iterator[pa.RecordBatch]:
        """Yield the ``columns`` (all when None) and the WKB geometry (last), in batches.

        The interface of :class:`spatial.io.sources.OgrLayer`, read with pyarrow's
        ``iter_batches`` on the calling thread.
        """
        wanted = [*(self.columns if columns is None else columns), self.geometry]
        yield from self.file.iter_batches(batch_size=batch_rows, columns=wanted)

    def batches(self, id_field: str, batch_rows: int) -> Iterator[gpd.GeoDataFrame]:
        """Yield the id column and the geometries as GeoDataFrames, ``batch_rows`` at a time."""
        import geopandas as gpd  # noqa: PLC0415 - the clean path needs no GeoDataFrame

        self.require(id_field)
        columns = [id_field, self.geometry]
        for batch in self.file.iter_batches(batch_size=batch_rows, columns=columns):
            yield gpd.GeoDataFrame(
                {id_field: batch.column(id_field).to_numpy(zero_copy_only=False)},
                geometry=wkb_geometries(batch.column(self.geometry)),
                crs=self.crs,
            )


def _wkb_storage(wkb: pa.Array) -> pa.Array:
    """Return the plain binary array under a geoarrow.wkb extension array (or the array)."""
    return wkb.storage if isinstance(wkb.type, pa.ExtensionType) else wkb


def wkb_geometries(
    wkb: pa.Array, rows: npt.NDArray[np.int64] | None = None
) -> npt.NDArray[np.object_]:
    """Shapely geometries of the WKB values (all, or at the positions ``rows``); null -> None."""
    import shapely  # noqa: PLC0415 - the scan's first stage, loaded before geopandas, needs none

    values = _wkb_storage(wkb)
    if rows is not None:
        values = values.take(pa.array(rows))
    with np.errstate(invalid="ignore"):  # a NaN coordinate: the validator reports it, by id
        geoms: npt.NDArray[np.object_] = shapely.from_wkb(values.to_numpy(zero_copy_only=False))
    return geoms


def _doubles(array: pa.Array) -> npt.NDArray[np.float64]:
    """Return the values of a float64 arrow array without nulls: a numpy view of its buffer.

    pyarrow's ``to_numpy`` imports pandas the first time it runs: in a scan thread,
    while the command's main thread is importing pandas, it would wait for it.
    """
    values = np.frombuffer(array.buffers()[1], dtype=np.float64)
    return values[array.offset : array.offset + len(array)]


def _uint32(
    data: npt.NDArray[np.uint8], at: npt.NDArray[np.int64], little: npt.NDArray[np.bool_]
) -> npt.NDArray[np.int64]:
    """Read the 4-byte unsigned integers at the byte positions ``at``, each in its byte order.

    One gather from a view of ``data`` as a little-endian uint32 at every byte
    (unaligned, no copy); a big-endian value is that word byte-swapped.
    """
    words = np.ndarray((max(len(data) - 3, 0),), dtype="<u4", buffer=data, strides=(1,))
    value = words[at]
    if little.all():  # the usual case: no second reading
        return value.astype(np.int64)
    return np.where(little, value, value.byteswap()).astype(np.int64)


def _wkb_header(
    data: npt.NDArray[np.uint8], at: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """Read the WKB headers at the byte positions ``at``: each byte order byte and type code.

    The type code is read in the value's byte order (1: little-endian, else big).
    """
    order = data[at]
    return order, _uint32(data, at + 1, order == 1)


class _WKBWalk:
    """A walk through many WKB values at once, with numpy: each value's read position.

    Every read is checked to stay inside its own value; a value found wrong is
    marked, and the walk goes on with the others. Counts are read in the byte
    order of the geometry that holds them.
    """

    def __init__(
        self,
        data: npt.NDArray[np.uint8],
        starts: npt.NDArray[np.int64],
        ends: npt.NDArray[np.int64],
    ) -> None:
        self.data, self.ends = data, ends
        self.cursor = starts.copy()
        self.ok = np.ones(len(starts), dtype=bool)

    def fits(self, rows: npt.NDArray[np.int64], size: int | npt.NDArray[np.int64]) -> None:
        """Mark the values at ``rows`` wrong if ``size`` more bytes do not fit in them."""
        self.ok[rows[self.cursor[rows] + size > self.ends[rows]]] = False

    def uint32(
        self, rows: npt.NDArray[np.int64], little: npt.NDArray[np.bool_]
    ) -> npt.NDArray[np.int64]:
        """Read a 4-byte unsigned integer at each value's cursor (already known to fit)."""
        return _uint32(self.data, np.minimum(self.cursor[rows], len(self.data) - 4), little)

    def header(
        self, rows: npt.NDArray[np.int64], codes: tuple[int, ...]
    ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
        """Read a byte order and a type at ``rows``; mark wrong those not of ``codes``.

        Returns each row's byte order (True: little-endian) and type code.
        """
        self.fits(rows, _HEADER_BYTES)  # a value it does not fit in is read clamped, and wrong
        order, kind = _wkb_header(
            self.data, np.minimum(self.cursor[rows], len(self.data) - _HEADER_BYTES)
        )
        self.ok[rows[(order != 0) & (order != 1)]] = False
        self.ok[rows[~np.isin(kind, codes)]] = False
        self.cursor[rows] += _HEADER_BYTES
        return order == 1, kind

    def count(
        self, rows: npt.NDArray[np.int64], little: npt.NDArray[np.bool_]
    ) -> npt.NDArray[np.int64]:
        """Read a count (rings, points, parts) at ``rows``; 0 where it does not fit."""
        self.fits(rows, 4)
        value = np.where(self.ok[rows], self.uint32(rows, little), 0)
        self.cursor[rows] += 4
        return value


def _one_ring_polygons(
    data: npt.NDArray[np.uint8], starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]
) -> bool:
    """Whether every value is a Polygon of one ring whose length is exactly what its count says.

    Byte order (1), type 3 (4), one ring (4), N points (4), 16 N bytes. False sends
    the caller to the full walk, which also settles MultiPolygons and holes.
    """
    if (ends - starts < _ONE_RING_HEADER).any():
        return False
    order = data[starts]
    if not ((order == 0) | (order == 1)).all():
        return False
    little = order == 1

    def uint32(at: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        return _uint32(data, at, little)

    one_ring = (uint32(starts + 1) == _POLYGON_CODES[0]) & (uint32(starts + 5) == 1)
    points = uint32(starts + 9)
    return bool((one_ring & (ends - starts == _ONE_RING_HEADER + 16 * points)).all())


def _value_bytes(storage: pa.Array) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """Return a binary array's bytes and its values' offsets into them (one more than values)."""
    width = np.int64 if pa.types.is_large_binary(storage.type) else np.int32
    _, offsets_buffer, data_buffer = storage.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=width)[
        storage.offset : storage.offset + len(storage) + 1
    ].astype(np.int64)
    if data_buffer is None:
        return np.zeros(0, dtype=np.uint8), offsets
    return np.frombuffer(data_buffer, dtype=np.uint8), offsets


def wkb_type_codes(wkb: pa.Array) -> npt.NDArray[np.int64]:
    """Return each WKB value's geometry type code, read from its header in its byte order.

    For values :func:`_plain_wkb` accepted (every one a 2-D Polygon, 3, or
    MultiPolygon, 6, whole): the header read as the walk that checked them reads it.

    Examples
    --------
    >>> import shapely
    >>> wkb = pa.array(shapely.to_wkb([shapely.box(0, 0, 1, 1)] * 2, byte_order=0))
    >>> wkb_type_codes(wkb).tolist()
    [3, 3]
    """
    storage = _wkb_storage(wkb)
    if not len(storage):
        return np.zeros(0, dtype=np.int64)
    data, offsets = _value_bytes(storage)
    return _wkb_header(data, offsets[:-1])[1]


def _plain_wkb(storage: pa.Array) -> bool:
    """Whether every WKB value is a well-formed 2-D Polygon or MultiPolygon of polygons.

    Walked with numpy (byte orders, type codes, counts and lengths, each
    MultiPolygon part's header too), so that it runs beside other threads
    (geoarrow's ``unique_geometry_types`` holds the GIL) and so that geoarrow-c,
    which trusts a value's inner headers and counts, never reads a malformed
    one (a MultiPolygon part of another type cut short crashed it; a Polygon
    claiming more rings than it holds was read as if whole, which GEOS refuses). Z, M or
    SRID-flagged types, any other type, or bytes left over, are not plain.
    """
    if len(storage) == 0:
        return True
    if not (pa.types.is_binary(storage.type) or pa.types.is_large_binary(storage.type)):
        return False
    data, offsets = _value_bytes(storage)
    if (np.diff(offsets) < _HEADER_BYTES).any():  # no bytes at all among them too
        return False
    if _one_ring_polygons(data, offsets[:-1], offsets[1:]):
        return True  # the usual parcel layer, settled in a few array operations
    walk = _WKBWalk(data, offsets[:-1], offsets[1:])
    every = np.arange(len(storage), dtype=np.int64)
    little, kind = walk.header(every, _POLYGON_CODES)
    multi = kind == _POLYGON_CODES[1]
    parts = np.ones(len(storage), dtype=np.int64)
    parts[multi] = walk.count(every[multi], little[multi])
    part = 0
    while len(rows := every[(parts > part) & walk.ok]):  # a wrong count stops at its value's end
        part += 1
        order = little[rows]
        inner = multi[rows]
        if inner.any():  # a MultiPolygon part starts with a Polygon header of its own
            order = order.copy()
            order[inner] = walk.header(rows[inner], (_POLYGON_CODES[0],))[0]
        rings = walk.count(rows, order)
        ring = 0
        while (live := (rings > ring) & walk.ok[rows]).any():
            ring += 1
            points = walk.count(rows[live], order[live])
            walk.fits(rows[live], 16 * points)
            walk.cursor[rows[live]] += 16 * points
    return bool(walk.ok.all() and (walk.cursor == walk.ends).all())


def _rings_closed(native: pa.Array) -> bool:
    """Whether every ring of a geoarrow multipolygon array has 4 or more points, first = last.

    GEOS builds no ring of fewer points, nor an open one (geoarrow-c reads both).
    """
    rings = native.values.values
    offsets = np.frombuffer(rings.buffers()[1], dtype=np.int32)[
        rings.offset : rings.offset + len(rings) + 1
    ]
    if len(offsets) < 2:
        return True
    if (np.diff(offsets) < 4).any():
        return False
    coords = rings.values
    x, y = _doubles(coords.field("x")), _doubles(coords.field("y"))
    first, last = offsets[:-1] - coords.offset, offsets[1:] - 1 - coords.offset
    return bool(((x[first] == x[last]) & (y[first] == y[last])).all())


def _native_multipolygons(wkb: pa.Array) -> pa.Array | None:
    """Return plain polygon WKB decoded to geoarrow's native multipolygons; None if it is not.

    None for nulls, WKB that is not plain 2-D (multi)polygons, or WKB geoarrow-c cannot parse.
    """
    storage = _wkb_storage(wkb)
    if wkb.null_count or not _plain_wkb(storage):
        return None
    extension = ga.large_wkb() if pa.types.is_large_binary(storage.type) else ga.wkb()
    try:
        native: pa.Array = ga.as_geoarrow(
            extension.wrap_array(storage), type=ga.multipolygon()
        ).storage
    except RuntimeError:  # geoarrow-c's GeoArrowCException: WKB it cannot parse
        return None
    return native


def polygon_bounds(wkb: pa.Array) -> npt.NDArray[np.float64] | None:
    """Each feature's ``minx, miny, maxx, maxy`` from its WKB, or None unless all are plain.

    The boxes are in the WKB's own coordinates (the layer's CRS: metres for a
    Gauss–Krüger zone, degrees for lon/lat), over every ring's vertices.

    Plain: not null, well-formed WKB of a two-dimensional Polygon or MultiPolygon
    (its parts' headers and lengths checked too) with at least one vertex, every
    ring closed and of 4 points or more, every coordinate finite. The boxes come
    from geoarrow-c without building a geometry (0.3 s per million parcels on one
    core, the GIL released); a unit that is not plain is for the validator to
    describe.

    Examples
    --------
    >>> import shapely
    >>> wkb = pa.array([shapely.to_wkb(shapely.box(106.2, 29.6, 106.3, 29.7))])
    >>> polygon_bounds(wkb).tolist()
    [[106.2, 29.6, 106.3, 29.7]]
    >>> polygon_bounds(pa.array([shapely.to_wkb(shapely.Point(1, 2))])) is None
    True
    """
    native = _native_multipolygons(wkb)
    if native is None:
        return None
    coords = native.values.values.values  # polygons -> rings -> vertices (x, y)
    x, y = _doubles(coords.field("x")), _doubles(coords.field("y"))
    with np.errstate(invalid="ignore", over="ignore"):
        finite = bool(np.isfinite(x.sum() + y.sum()))
    if not (finite and _rings_closed(native)):
        return None
    box = ga.box(ga.multipolygon().wrap_array(native)).storage
    bounds = np.column_stack([_doubles(box.field(k)) for k in ("xmin", "ymin", "xmax", "ymax")])
    return bounds if np.isfinite(bounds).all() else None  # an empty geometry's box is +/-inf


@dataclass(frozen=True)
class PolygonArrays:
    """A batch of (Multi)Polygons as flat coordinate arrays: the geoarrow multipolygon layout.

    Feature ``f`` holds the polygons ``features[f]:features[f + 1]``; polygon
    ``p`` the rings ``polygons[p]:polygons[p + 1]`` (its shell first); ring
    ``r`` the vertices ``rings[r]:rings[r + 1]`` (closed: its first vertex
    repeated last). ``x`` and ``y`` are in the layer's own CRS and unit.
    """

    x: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    rings: npt.NDArray[np.int64]
    polygons: npt.NDArray[np.int64]
    features: npt.NDArray[np.int64]


def _offsets(array: pa.Array) -> npt.NDArray[np.int64]:
    """Return a list array's offsets, from its buffer (``to_numpy`` would load pandas)."""
    width = np.int64 if pa.types.is_large_list(array.type) else np.int32
    values = np.frombuffer(array.buffers()[1], dtype=width)
    return values[array.offset : array.offset + len(array) + 1].astype(np.int64)


def polygon_arrays(wkb: pa.Array) -> PolygonArrays | None:
    """Return the vertices of WKB (Multi)Polygons as flat arrays, decoded in C without GEOS.

    Parameters
    ----------
    wkb : pyarrow.Array
        WKB values (binary, large binary or a geoarrow.wkb extension array), none null.

    Returns
    -------
    PolygonArrays or None
        None unless every value is well-formed two-dimensional Polygon or
        MultiPolygon WKB (walked with numpy first, so that geoarrow-c never
        reads a malformed value, as :func:`polygon_bounds`); rings may be open,
        short or hold NaN: the caller tests them.

    Examples
    --------
    >>> import shapely
    >>> arrays = polygon_arrays(pa.array([shapely.to_wkb(shapely.box(0, 0, 2, 1))]))
    >>> arrays.rings.tolist(), arrays.polygons.tolist(), arrays.features.tolist()
    ([0, 5], [0, 1], [0, 1])
    >>> polygon_arrays(pa.array([shapely.to_wkb(shapely.Point(1, 2))])) is None
    True
    """
    native = _native_multipolygons(wkb)
    if native is None:
        return None
    polygons = native.values
    rings = polygons.values
    coords = rings.values
    if any(part.offset for part in (native, polygons, rings, coords)):
        return None  # a sliced layout (never made by as_geoarrow): not read here
    return PolygonArrays(
        _doubles(coords.field("x")),
        _doubles(coords.field("y")),
        _offsets(rings),
        _offsets(polygons),
        _offsets(native),
    )


def spatial_order(gdf: gpd.GeoDataFrame) -> npt.NDArray[np.int64]:
    """Positions of the features in Hilbert-curve order of their box centres.

    The curve (level 16) spans the layer's extent in its own CRS; features
    without a finite box (null, empty) come last; ties keep the file's order.
    """
    import geopandas as gpd  # noqa: PLC0415 - not for the scan's first stage
    import shapely  # noqa: PLC0415

    geoms = np.asarray(gdf.geometry.array, dtype=object)
    placed = np.isfinite(shapely.bounds(geoms)).all(axis=1)
    distance = np.full(len(gdf), np.iinfo(np.int64).max, dtype=np.int64)
    if placed.any():
        series = gpd.GeoSeries(geoms[placed], crs=gdf.crs)
        distance[placed] = np.asarray(series.hilbert_distance(), dtype=np.int64)
    order: npt.NDArray[np.int64] = np.argsort(distance, kind="stable")
    return order


def write_geoparquet(
    gdf: gpd.GeoDataFrame,
    target: str | os.PathLike[str] | BinaryIO,
    *,
    row_group_rows: int = WRITE_ROW_GROUP_ROWS,
) -> None:
    """Write a layer as GeoParquet 1.1: sorted spatially, with a ``bbox`` covering column.

    The features are written in :func:`spatial_order` (Hilbert order of their
    box centres, null and empty geometries last), so that each row group of
    ``row_group_rows`` features covers a compact part of the layer; each
    feature's ``bbox`` (``xmin, ymin, xmax, ymax`` in the layer's CRS) is
    written beside it and named in the ``geo`` metadata's ``covering``, whose
    row-group statistics let a reader skip the groups far from its area.
    The index is not written (the rows are renumbered in their new order).
    """
    ordered = gdf.iloc[spatial_order(gdf)].reset_index(drop=True)
    ordered.to_parquet(target, write_covering_bbox=True, row_group_size=row_group_rows)
