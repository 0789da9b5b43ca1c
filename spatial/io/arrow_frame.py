"""A layer file read from Arrow into a GeoDataFrame: only the columns asked, text left in Arrow.

:func:`spatial.io.layers.read_layer` reads every column and turns each text
value into a Python object (about 0.5 s a million per column) before anything
looks at it. :func:`read_arrow_frame` reads a GeoParquet file (pyarrow) or a
GeoPackage, Shapefile or FlatGeobuf (GDAL's Arrow stream,
:class:`spatial.io.sources.OgrLayer`) with only the text columns and the
columns named, text columns kept as Arrow strings (``pandas.ArrowDtype``),
other columns converted as ``read_layer`` converts them, and the geometries
decoded from WKB in bulk on threads (``shapely.from_wkb``: the same geometries
bit for bit).

It answers None, so the caller reads the usual way, for anything unusual: a
source :func:`spatial.io.sources.open_source` refuses or that is not plain
WKB, a layer of several in a file, a GDAL JSON subtype (``read_layer`` parses
those), a CRS given as lon/lat CRS84 (named otherwise by ``read_layer``), a
malformed Arrow batch, a Shapefile without a ``.cpg`` (its encoding unsaid).
Property columns that are not text (numbers, times, booleans, binaries) are
left out unless named: nothing a caller of this reads from them (the validator
reports text only from text).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
from shapely.errors import ShapelyError

from spatial.errors import SpatialError

if TYPE_CHECKING:
    from collections.abc import Collection

    import geopandas as gpd
    import numpy.typing as npt
    import pandas as pd
    from pyproj import CRS

__all__ = ["ARROW_FRAME_SUFFIXES", "ArrowParts", "read_arrow_frame", "read_arrow_parts"]

#: Suffixes read this way (GeoJSON is left to the usual reader: GDAL parses it whole anyway).
ARROW_FRAME_SUFFIXES = frozenset({".parquet", ".geoparquet", ".gpkg", ".shp", ".fgb"})
#: Rows of one Arrow batch from GDAL.
_BATCH_ROWS = 65_536
#: Fewest geometries worth a thread of their own.
_MIN_CHUNK = 20_000
#: Most WKB values turned into Python bytes at once by one thread.
_MAX_SLICE = 131_072


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _wanted(schema: pa.Schema, geometry: str, named: Collection[str]) -> list[str]:
    """Return the property columns to read: text ones and those named, in the file's order."""
    out = []
    for field in schema:
        if field.name == geometry:
            continue
        if _is_text(field.type) or field.name in named:
            out.append(field.name)
    return out


def _from_wkb(wkb: pa.ChunkedArray | pa.Array, threads: int) -> npt.NDArray[np.object_]:
    """Shapely geometries of WKB values (null: None), in slices of at most a chunk, on threads.

    Each slice is turned into Python bytes only when it is decoded, so the WKB
    is never copied whole (no combined array, no array of every value's bytes).
    """
    import shapely  # noqa: PLC0415

    chunks = wkb.chunks if isinstance(wkb, pa.ChunkedArray) else [wkb]
    step = max(_MIN_CHUNK, min(_MAX_SLICE, -(-len(wkb) // max(1, threads))))
    slices = [chunk.slice(at, step) for chunk in chunks for at in range(0, len(chunk), step)]

    def part(values: pa.Array) -> npt.NDArray[np.object_]:
        if isinstance(values.type, pa.ExtensionType):
            values = values.storage
        with np.errstate(invalid="ignore"):
            decoded: npt.NDArray[np.object_] = shapely.from_wkb(
                values.to_numpy(zero_copy_only=False)
            )
        return decoded

    if not slices:
        return np.empty(0, dtype=object)
    if threads <= 1 or len(slices) == 1:
        return np.concatenate([part(values) for values in slices])
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return np.concatenate(list(pool.map(part, slices)))


def _frame(table: pa.Table, geometry: str, crs: CRS, threads: int) -> gpd.GeoDataFrame:
    """Return the GeoDataFrame of an Arrow table: text as ``ArrowDtype``, the rest converted."""
    import geopandas as gpd  # noqa: PLC0415
    import pandas as pd  # noqa: PLC0415

    geoms = _from_wkb(table.column(geometry), threads)
    props = table.drop_columns([geometry])

    def mapper(kind: pa.DataType) -> pd.ArrowDtype | None:
        return pd.ArrowDtype(kind) if _is_text(kind) else None

    frame = props.to_pandas(types_mapper=mapper, ignore_metadata=True)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)


#: A layer read as Arrow: its table (properties and WKB), the WKB column's name, its CRS.
_Read = tuple[pa.Table, str, "CRS"]


def _parquet(path: Path, named: Collection[str], threads: int, min_rows: int) -> _Read | None:
    """Read a GeoParquet file's wanted columns and WKB (None: not a plain WKB layer to read so)."""
    from pyproj import CRS  # noqa: PLC0415

    from spatial.io.geoparquet import ParquetLayer  # noqa: PLC0415

    layer = ParquetLayer(path)
    if layer.rows <= min_rows or not layer.plain_wkb or layer.crs.equals(CRS.from_epsg(4326)):
        return None  # a native encoding; lon/lat, which read_layer may name CRS84
    columns = _wanted(layer.file.schema_arrow, layer.geometry, named)
    table = layer.file.read(columns=[*columns, layer.geometry], use_threads=threads > 1)
    return table, layer.geometry, layer.crs


def _ogr(path: Path, named: Collection[str], min_rows: int) -> _Read | None:
    """Read a GDAL layer's text and named columns and WKB (None: one the usual reader converts)."""
    from spatial.io.sources import MalformedBatch, OgrLayer  # noqa: PLC0415

    if path.suffix.lower() == ".shp" and not path.with_suffix(".cpg").is_file():
        return None  # the encoding unsaid: the usual reader's guess, in one place
    layer = OgrLayer(path)
    plain = len(set(layer.columns)) == len(layer.columns)
    if layer.rows <= min_rows or not plain or any(sub != "OFSTNone" for sub in layer.subtypes):
        return None  # JSON, booleans, int16 ...: read_layer converts those
    columns = [
        name
        for name, kind in zip(layer.columns, layer.types, strict=True)
        if kind == "OFTString" or name in named
    ]
    try:
        batches = list(layer.record_batches(columns, _BATCH_ROWS))
    except MalformedBatch:
        return None
    if not batches:
        return None
    table = pa.Table.from_batches(batches)
    if table.num_rows != layer.rows:
        return None
    return table, layer.geometry, layer.crs


def _read(
    path: str | os.PathLike[str], named: Collection[str], threads: int, min_rows: int
) -> _Read | None:
    """Read a layer file as Arrow, the one set of exits of both readers (None: the usual way).

    Raises what reading raises (a broken file): each reader answers None to it.
    """
    text = os.fspath(path)
    suffix = Path(text).suffix.lower()
    if "::" in text or suffix not in ARROW_FRAME_SUFFIXES or not Path(text).is_file():
        return None
    if suffix in {".parquet", ".geoparquet"}:
        return _parquet(Path(text), named, threads, min_rows)
    return _ogr(Path(text), named, min_rows)


#: What reading a broken file raises: the usual reader says it in its words.
_UNREADABLE = (SpatialError, OSError, ValueError, pa.ArrowException)


def read_arrow_frame(
    path: str | os.PathLike[str], named: Collection[str] = (), threads: int = 1, min_rows: int = 0
) -> gpd.GeoDataFrame | None:
    """Read a layer file's text columns, the columns ``named`` and its geometry, from Arrow.

    Parameters
    ----------
    path : path-like
        A GeoParquet, GeoPackage (one layer), Shapefile or FlatGeobuf file.
    named : collection of str
        Columns read whatever their kind (an id, a class code), when present.
    threads : int
        Threads for reading GeoParquet and decoding WKB; the frame does not depend on it.
    min_rows : int
        A layer of this many features or fewer is not read (None): a small
        layer goes the usual way.

    Returns
    -------
    geopandas.GeoDataFrame or None
        The features in the file's order with its CRS (a plain index); text
        columns as ``pandas.ArrowDtype`` strings. None: read the file the usual
        way (:func:`spatial.io.layers.read_layer`), which also names any problem
        with it.
    """
    try:
        read = _read(path, named, threads, min_rows)
        return None if read is None else _frame(*read, threads)
    except (*_UNREADABLE, ShapelyError):
        return None  # a broken file, a WKB GEOS cannot read: the usual reader says it in its words


@dataclass(frozen=True)
class ArrowParts:
    """A layer file read from Arrow as :func:`read_arrow_frame` reads it, its WKB not yet decoded.

    Attributes
    ----------
    columns : pyarrow.Table
        The property columns :func:`read_arrow_frame` reads, as Arrow.
    wkb : pyarrow.ChunkedArray
        Each feature's WKB (a ``geoarrow.wkb`` extension or plain binary), in the file's order.
    crs : pyproj.CRS
        The layer's CRS (the WKB's coordinates are in it).
    """

    columns: pa.Table
    wkb: pa.ChunkedArray
    crs: CRS

    def frame(self, geoms: npt.NDArray[np.object_]) -> gpd.GeoDataFrame:
        """Return the GeoDataFrame of these properties and ``geoms``, as :func:`read_arrow_frame`.

        ``geoms``: one shapely geometry (or None) a feature, in the layer's CRS;
        with ``shapely.from_wkb`` of :attr:`wkb`, the frame ``read_arrow_frame``
        gives, column for column (text as ``pandas.ArrowDtype``).
        """
        import geopandas as gpd  # noqa: PLC0415
        import pandas as pd  # noqa: PLC0415

        def mapper(kind: pa.DataType) -> pd.ArrowDtype | None:
            return pd.ArrowDtype(kind) if _is_text(kind) else None

        props = self.columns.to_pandas(types_mapper=mapper, ignore_metadata=True)
        return gpd.GeoDataFrame(props, geometry=gpd.GeoSeries(geoms, crs=self.crs), crs=self.crs)


def _parts(table: pa.Table, geometry: str, crs: CRS) -> ArrowParts | None:
    """Return the parts of an Arrow table as :func:`_frame` would take it (None: a clash)."""
    props = table.drop_columns([geometry])
    if "geometry" in props.column_names:
        return None  # the frame's geometry column would take its name: read_arrow_frame decides
    return ArrowParts(props, table.column(geometry), crs)


def read_arrow_parts(
    path: str | os.PathLike[str], named: Collection[str] = (), threads: int = 1, min_rows: int = 0
) -> ArrowParts | None:
    """Read what :func:`read_arrow_frame` reads, but leave the WKB for the caller to decode.

    The same file, the same columns and the same answer None (read the usual
    way) for the same files; a caller that decodes every WKB value with
    ``shapely.from_wkb`` and calls :meth:`ArrowParts.frame` has the frame
    ``read_arrow_frame`` gives. A caller may decode only the features it needs
    (``spatial balance`` cuts only the parcels near its zones). Where
    ``read_arrow_frame`` would answer None for a WKB value GEOS cannot read,
    the caller must (it decodes).

    Parameters
    ----------
    path, named, threads, min_rows
        As for :func:`read_arrow_frame` (``threads`` reads GeoParquet).

    Returns
    -------
    ArrowParts or None
    """
    try:
        read = _read(path, named, threads, min_rows)
        return None if read is None else _parts(*read)
    except _UNREADABLE:
        return None
