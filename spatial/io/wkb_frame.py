"""A layer file read as :func:`~spatial.io.layers.read_layer` reads it, its geometries left as WKB.

:func:`read_layer` decodes every geometry as it reads. A caller that compares
two versions of a layer needs to decode only the features whose bytes differ
from their twin's (``spatial diff``: a million parcels of which a few changed),
so :func:`read_wkb_frame` returns the frame ``read_layer`` would return with
every geometry still missing, and beside it each feature's WKB.

The properties are converted exactly as ``read_layer`` converts them: a
GeoParquet file by geopandas' own Arrow conversion (``geopandas.read_parquet``
minus the WKB decoding), a GeoPackage by ``pyogrio.read_dataframe`` without
geometry and ``pyogrio.raw.read`` for the WKB alone. Anything else, or
anything unusual (a layer named with ``::``, a file without a CRS, no
features, a native GeoArrow encoding, several layers), answers None: the
caller reads it with ``read_layer``, which also names any problem.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from spatial.crs import require_usable_crs
from spatial.errors import SpatialError
from spatial.io.options import ReadOptions, apply_read_options
from spatial.io.sandbox import require_named_source

if TYPE_CHECKING:
    import geopandas as gpd
    import pyarrow as pa

__all__ = ["WKB_FRAME_SUFFIXES", "read_wkb_frame"]

#: Suffixes read this way.
WKB_FRAME_SUFFIXES = frozenset({".parquet", ".geoparquet", ".gpkg"})


def _parquet(path: Path) -> tuple[gpd.GeoDataFrame, pa.ChunkedArray] | None:
    """GeoParquet: ``geopandas.read_parquet``'s frame (geometry None) and the WKB values."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415
    from geopandas.io import arrow  # noqa: PLC0415

    gpd_arrow: Any = arrow  # read_parquet's own steps (untyped, private to geopandas)

    file = pq.ParquetFile(path)
    metadata = file.schema_arrow.metadata
    meta = gpd_arrow._validate_and_decode_metadata(metadata)
    geometry = meta["primary_column"]
    if len(meta["columns"]) != 1 or meta["columns"][geometry]["encoding"] != "WKB":
        return None  # several geometry columns, a native encoding: read_parquet's own way
    columns = None
    if gpd_arrow._check_if_covering_in_geo_metadata(meta):
        columns = gpd_arrow._get_non_bbox_columns(file.schema_arrow, meta)
    table = file.read(columns=columns, use_threads=True, use_pandas_metadata=True)
    at = table.schema.get_field_index(geometry)
    wkb = table.column(at)
    if isinstance(wkb.type, pa.ExtensionType):
        wkb = pa.chunked_array([c.storage for c in wkb.chunks], wkb.type.storage_type)
    empty = table.set_column(at, geometry, pa.nulls(len(table), pa.binary()))
    del table
    frame = gpd_arrow._arrow_to_geopandas(
        empty, meta, df_attrs=(metadata or {}).get(b"PANDAS_ATTRS", None)
    )
    return frame, wkb


#: GDAL field types whose values GDAL's Arrow stream and ``pyogrio.read_dataframe`` convert alike.
_ARROW_ALIKE = frozenset({"OFTString", "OFTReal", "OFTInteger", "OFTInteger64"})


def _gpkg(path: Path) -> tuple[gpd.GeoDataFrame, pa.ChunkedArray] | None:
    """GeoPackage: ``pyogrio.read_dataframe``'s properties, the WKB as GDAL gives it.

    Text, real and integer fields (no subtype) come through GDAL's Arrow stream,
    converted as ``read_dataframe`` converts them; any other field (dates,
    booleans, JSON) is read by ``read_dataframe`` itself; the WKB in a pass of its own.
    """
    import geopandas as gpd  # noqa: PLC0415
    import pyarrow as pa  # noqa: PLC0415
    import pyogrio  # noqa: PLC0415

    if len(pyogrio.list_layers(path)) != 1:
        return None
    info = pyogrio.read_info(path)
    alike = all(kind in _ARROW_ALIKE for kind in info["ogr_types"]) and all(
        sub == "OFSTNone" for sub in info["ogr_subtypes"]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # anything read_layer would say: read it so
        if alike:  # apart: a column kept would keep its whole batch (WKB too) in memory
            _, table = pyogrio.raw.read_arrow(path, read_geometry=False)
            if table.num_columns != len(info["fields"]):
                return None
            props = table.to_pandas()
        else:
            props = pyogrio.read_dataframe(path, read_geometry=False)
        meta, table = pyogrio.raw.read_arrow(path, columns=[])
        name = meta.get("geometry_name") or "wkb_geometry"
        wkb = table.column(name)
    if meta.get("crs") is None or len(wkb) != len(props) or "geometry" in props.columns:
        return None
    if isinstance(wkb.type, pa.ExtensionType):
        wkb = pa.chunked_array([c.storage for c in wkb.chunks], wkb.type.storage_type)
    series = gpd.GeoSeries(np.full(len(props), None, dtype=object), crs=meta["crs"])
    frame = gpd.GeoDataFrame(props, geometry=series.set_axis(props.index), crs=meta["crs"])
    return frame, wkb


def read_wkb_frame(
    path: str | os.PathLike[str], min_rows: int = 0
) -> tuple[gpd.GeoDataFrame, pa.ChunkedArray] | None:
    """Return ``read_layer(path)`` with no geometry decoded, and each feature's WKB.

    Parameters
    ----------
    path : path-like
        A GeoParquet file or a one-layer GeoPackage, read without options.
    min_rows : int
        A layer of this many features or fewer is not read (None).

    Returns
    -------
    (geopandas.GeoDataFrame, numpy.ndarray) or None
        The frame (its properties, index, CRS and column order those of
        ``read_layer``; every geometry None) and the WKB of each feature in
        its order (Arrow binary; null for a null geometry). None: read the file
        with :func:`~spatial.io.layers.read_layer` instead.
    """
    text = os.fspath(path)
    suffix = Path(text).suffix.lower()
    if "::" in text or suffix not in WKB_FRAME_SUFFIXES or not Path(text).is_file():
        return None
    found = _read_quietly(Path(text), suffix)
    if found is None or len(found[0]) <= min_rows or found[0].crs is None:
        return None
    frame, values = found
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a note read_layer would warn: read it so
            frame, notes = apply_read_options(frame, text, ReadOptions())
    except (SpatialError, Warning):
        return None
    frame.attrs["read_notes"] = notes  # as read_layer records them
    return frame, values


def _read_quietly(path: Path, suffix: str) -> tuple[gpd.GeoDataFrame, pa.ChunkedArray] | None:
    """Read by suffix; None for anything that fails (``read_layer`` then says what)."""
    try:
        require_named_source(path)  # the sandbox's rule, as read_layer applies it
        found = _gpkg(path) if suffix == ".gpkg" else _parquet(path)
        if found is not None and found[0].crs is not None:
            require_usable_crs(found[0].crs, str(path))
    except Exception:  # pyarrow, pyogrio, pyproj errors: the usual reader reads and says
        return None
    return found
