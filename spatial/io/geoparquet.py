"""A GeoParquet layer read in batches of rows, its geometries left as WKB until needed.

:class:`ParquetLayer` opens a GeoParquet file with pyarrow and reads its CRS
from the ``geo`` metadata (``OGC:CRS84`` when absent, as the GeoParquet
specification says). The id and geometry columns are read a batch of rows at
a time (pyarrow's ``iter_batches``), so a layer larger than memory is never
held whole.

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
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import geoarrow.c  # noqa: F401 - loaded here, not on a scan thread's first call (import lock)
import geoarrow.pyarrow as ga
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq
from pyproj import CRS

from spatial.errors import CRSError, LayerError, LayerReadError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["ParquetLayer", "polygon_bounds", "wkb_geometries"]

#: WKB geometry type codes of a two-dimensional Polygon and MultiPolygon (OGC 06-103r4, 8.2.3).
_POLYGON_CODES = (3, 6)
#: Bytes of a WKB header: byte order (1), geometry type (4).
_HEADER_BYTES = 5


class ParquetLayer:
    """A GeoParquet file opened for reading in batches: its rows, CRS and geometry column.

    Raises
    ------
    LayerReadError
        The file cannot be read as GeoParquet.
    CRSError
        The file declares its CRS unknown (``"crs": null``).
    LayerError
        The layer has no features.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self.file = pq.ParquetFile(self.path)
            meta = json.loads(self.file.schema_arrow.metadata[b"geo"])
        except (OSError, KeyError, TypeError, ValueError) as exc:
            raise LayerReadError(f"{self.path}: cannot be read as GeoParquet ({exc})") from None
        self.geometry = meta.get("primary_column", "geometry")
        column = meta.get("columns", {}).get(self.geometry, {})
        #: The geometry encoding: WKB, or one of GeoParquet 1.1's native (geoarrow) ones.
        self.encoding = str(column.get("encoding", "WKB"))
        crs = column.get("crs", "OGC:CRS84")  # absent: lon/lat, as the specification says
        if crs is None:  # declared unknown: refused, as read_layer refuses it
            raise CRSError(
                f"{self.path}: the file declares no CRS; pass one explicitly "
                "(e.g. crs='EPSG:4326' for longitude/latitude degrees)"
            )
        self.crs = CRS.from_user_input(crs)
        if self.crs.equals(CRS.from_user_input("OGC:CRS84")):
            self.crs = CRS.from_epsg(4326)  # the same lon/lat, in geopandas' usual name
        self._local = threading.local()
        self.rows = int(self.file.metadata.num_rows)
        if self.rows == 0:
            raise LayerError(f"{self.path}: the layer has no features")

    def require(self, id_col: str) -> None:
        """Refuse an id column the file does not have, listing those it has."""
        names = [name for name in self.file.schema_arrow.names if name != self.geometry]
        if id_col == self.geometry:
            raise LayerError(
                f"{self.path}: {id_col!r} is the geometry column, not an id column; name a "
                f"property column ({', '.join(names) or 'none'})"
            )
        if id_col not in names:
            raise LayerError(
                f"{self.path}: no id column {id_col!r}; columns are {', '.join(names) or 'none'}"
            )

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

    def read_groups(self, groups: list[int], id_col: str) -> tuple[pa.Array, pa.Array]:
        """Read the id column and the WKB of the row groups ``groups``, on this thread alone.

        Each thread reads through a file handle of its own (pyarrow's readers are
        not shared across threads), so units can be read in parallel.
        """
        handle = getattr(self._local, "file", None)
        if handle is None:
            # mapped, without pre-buffering: 20 % faster for a row group read whole
            handle = self._local.file = pq.ParquetFile(self.path, memory_map=True, pre_buffer=False)
        table = handle.read_row_groups(groups, columns=[id_col, self.geometry], use_threads=False)
        return table.column(id_col).combine_chunks(), table.column(self.geometry).combine_chunks()

    def batches(self, id_col: str, batch_rows: int) -> Iterator[gpd.GeoDataFrame]:
        """Yield the id column and the geometries as GeoDataFrames, ``batch_rows`` at a time."""
        import geopandas as gpd  # noqa: PLC0415 - the clean path needs no GeoDataFrame

        self.require(id_col)
        columns = [id_col, self.geometry]
        for batch in self.file.iter_batches(batch_size=batch_rows, columns=columns):
            yield gpd.GeoDataFrame(
                {id_col: batch.column(id_col).to_numpy(zero_copy_only=False)},
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
    return shapely.from_wkb(values.to_numpy(zero_copy_only=False))


def _doubles(array: pa.Array) -> npt.NDArray[np.float64]:
    """Return the values of a float64 arrow array without nulls: a numpy view of its buffer.

    pyarrow's ``to_numpy`` imports pandas the first time it runs: in a scan thread,
    while the command's main thread is importing pandas, it would wait for it.
    """
    values = np.frombuffer(array.buffers()[1], dtype=np.float64)
    return values[array.offset : array.offset + len(array)]


def _polygon_headers(storage: pa.Array) -> bool:
    """Whether every WKB value's header says a 2-D Polygon or MultiPolygon (type 3 or 6).

    Read from the first five bytes of each value with numpy (byte order, then
    the type code in that order), so that it runs beside other threads: geoarrow's
    ``unique_geometry_types`` holds the GIL. A Z, M or SRID-flagged geometry, or
    any other type, is not plain.
    """
    if len(storage) == 0:
        return True
    width = np.int64 if pa.types.is_large_binary(storage.type) else np.int32
    _, offsets_buffer, data_buffer = storage.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=width)[
        storage.offset : storage.offset + len(storage) + 1
    ]
    data = (
        np.frombuffer(data_buffer, dtype=np.uint8)
        if data_buffer is not None
        else np.zeros(0, np.uint8)
    )
    starts = offsets[:-1].astype(np.int64)
    if (np.diff(offsets) < _HEADER_BYTES).any():
        return False
    order = data[starts]
    code = [data[starts + k].astype(np.uint32) for k in range(1, 5)]
    little = code[0] | code[1] << 8 | code[2] << 16 | code[3] << 24
    big = code[3] | code[2] << 8 | code[1] << 16 | code[0] << 24
    typed = np.where(order == 1, little, np.where(order == 0, big, 0))
    return bool(np.isin(typed, _POLYGON_CODES).all())


def polygon_bounds(wkb: pa.Array) -> npt.NDArray[np.float64] | None:
    """Each feature's ``minx, miny, maxx, maxy`` from its WKB, or None unless all are plain.

    Plain: not null, a two-dimensional Polygon or MultiPolygon with at least one
    vertex, every coordinate finite. Computed by geoarrow-c without building a
    geometry (about 0.15 s per million parcels on one core, and it releases the
    GIL); a unit that is not plain is for the validator to describe.

    Examples
    --------
    >>> import shapely
    >>> wkb = pa.array([shapely.to_wkb(shapely.box(106.2, 29.6, 106.3, 29.7))])
    >>> polygon_bounds(wkb).tolist()
    [[106.2, 29.6, 106.3, 29.7]]
    >>> polygon_bounds(pa.array([shapely.to_wkb(shapely.Point(1, 2))])) is None
    True
    """
    if wkb.null_count:
        return None
    storage = _wkb_storage(wkb)
    if not _polygon_headers(storage):
        return None
    extension = ga.large_wkb() if pa.types.is_large_binary(storage.type) else ga.wkb()
    array = extension.wrap_array(storage)
    try:
        native = ga.as_geoarrow(array, type=ga.multipolygon()).storage
    except RuntimeError:  # geoarrow-c's GeoArrowCException: WKB it cannot parse
        return None
    coords = native.values.values.values  # polygons -> rings -> vertices (x, y)
    x, y = _doubles(coords.field("x")), _doubles(coords.field("y"))
    with np.errstate(invalid="ignore", over="ignore"):
        if not np.isfinite(x.sum() + y.sum()):
            return None
    box = ga.box(ga.multipolygon().wrap_array(native)).storage
    bounds = np.column_stack([_doubles(box.field(k)) for k in ("xmin", "ymin", "xmax", "ymax")])
    if not np.isfinite(bounds).all():  # an empty geometry's box is +/-inf
        return None
    return bounds
