"""Tabulation of a GeoParquet layer larger than memory, batch by batch.

:func:`tabulate_parquet_batches` reads the large layer's id and geometry
columns with pyarrow, ``batch_rows`` features at a time (row groups, never the
whole file), and tabulates each batch against the whole of the small layer
with :func:`spatial.overlay.tabulate_intersection`, so every batch is checked
and measured exactly as a one-shot call would be: the area of record is summed
ring by ring, and the small layer is moved into the large layer's CRS once,
so no batch depends on another. Peak memory is one batch plus the small layer.

The large layer's CRS comes from the GeoParquet ``geo`` metadata (its
``crs``, OGC:CRS84 when absent, as the GeoParquet specification says).
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import shapely
from pyproj import CRS

from spatial.crs import crs_label
from spatial.errors import CRSError, CRSMismatchWarning, LayerError, LayerReadError
from spatial.overlay.frame import move_into
from spatial.overlay.operations import tabulate_intersection

__all__ = ["BATCH_ROWS", "ParquetLayer", "tabulate_parquet_batches"]

#: Features of the large layer read and tabulated at a time (about 0.6 GB for parcels).
BATCH_ROWS = 500_000


class ParquetLayer:
    """A GeoParquet file opened for reading in batches: its rows, CRS and geometry column.

    Raises
    ------
    LayerReadError
        The file cannot be read as GeoParquet, or has no geometry column.
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
        if column.get("encoding", "WKB") != "WKB":
            raise LayerReadError(
                f"{self.path}: geometry encoding {column['encoding']} is not read in batches"
            )
        crs = column.get("crs", "OGC:CRS84")  # absent: lon/lat, as the specification says
        if crs is None:  # declared unknown: refused, as read_layer refuses it
            raise CRSError(
                f"{self.path}: the file declares no CRS; pass one explicitly "
                "(e.g. crs='EPSG:4326' for longitude/latitude degrees)"
            )
        self.crs = CRS.from_user_input(crs)
        if self.crs.equals(CRS.from_user_input("OGC:CRS84")):
            self.crs = CRS.from_epsg(4326)  # the same lon/lat, in geopandas' usual name
        self.rows = int(self.file.metadata.num_rows)
        if self.rows == 0:
            raise LayerError(f"{self.path}: the layer has no features")

    def read(self, id_col: str, threads: int = 2) -> gpd.GeoDataFrame:
        """Read the id column and the geometries only, parsing the WKB on ``threads`` threads.

        What :func:`spatial.io.layers.read_layer` gives for those two columns;
        shapely releases the GIL while parsing, so two cores parse about twice as fast.
        """
        self._require(id_col)
        table = self.file.read(columns=[id_col, self.geometry], use_threads=True)
        wkb = table.column(self.geometry).to_numpy()
        cuts = np.linspace(0, len(wkb), max(1, threads) + 1).astype(int)
        with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
            parts = list(
                pool.map(lambda k: shapely.from_wkb(wkb[cuts[k] : cuts[k + 1]]), range(threads))
            )
        return gpd.GeoDataFrame(
            {id_col: table.column(id_col).to_numpy()},
            geometry=np.concatenate(parts),
            crs=self.crs,
        )

    def _require(self, id_col: str) -> None:
        names = self.file.schema_arrow.names
        if id_col not in names:
            raise LayerError(
                f"{self.path}: no id column {id_col!r}; columns are {', '.join(names)}"
            )

    def batches(self, id_col: str, batch_rows: int) -> Iterator[gpd.GeoDataFrame]:
        """Yield the id column and geometries, ``batch_rows`` features at a time."""
        self._require(id_col)
        columns = [id_col, self.geometry]
        for batch in self.file.iter_batches(batch_size=batch_rows, columns=columns):
            wkb = batch.column(self.geometry).to_numpy(zero_copy_only=False)
            yield gpd.GeoDataFrame(
                {id_col: batch.column(id_col).to_numpy(zero_copy_only=False)},
                geometry=shapely.from_wkb(wkb),
                crs=self.crs,
            )


def _progress(done: int, total: int, what: str) -> None:
    sys.stderr.write(f"\r{what}: {done:,} of {total:,} features ({100 * done / total:.0f}%)")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def tabulate_parquet_batches(
    path: str | os.PathLike[str],
    b: gpd.GeoDataFrame,
    a_id: str = "id",
    b_id: str = "id",
    *,
    batch_rows: int = BATCH_ROWS,
    names: tuple[str, str] = ("layer A", "layer B"),
    progress: Callable[[int, int, str], None] | bool | None = None,
) -> Iterator[pd.DataFrame]:
    """Yield the tabulation of a GeoParquet layer against ``b``, one table per batch.

    Parameters
    ----------
    path : path-like
        The large polygon layer, GeoParquet (any CRS; never reprojected).
    b : geopandas.GeoDataFrame
        The small polygon layer (zones), read whole; moved once into the large
        layer's CRS if it differs (densified, as :func:`tabulate_intersection`).
    a_id, b_id : str
        Id columns of the two layers.
    batch_rows : int
        Features of ``path`` per batch.
    names : (str, str)
        How to name the layers in messages.
    progress : callable, bool or None
        Called as ``progress(done, total, what)`` after each batch; True for a
        line on standard error, None (default) for that line only when standard
        error is a terminal and there is more than one batch, False for none.

    Yields
    ------
    pandas.DataFrame
        Columns of :func:`tabulate_intersection`, the batches in file order:
        concatenated, the same rows and numbers as one call on the whole layer.
    """
    layer = ParquetLayer(path)
    if progress is None:
        progress = sys.stderr.isatty() and layer.rows > batch_rows
    report = _progress if progress is True else (progress or None)
    if b.crs is not None and not b.crs.equals(layer.crs):
        warnings.warn(
            f"inputs are in different CRSs ({names[0]} in {crs_label(layer.crs)}; {names[1]} in "
            f"{crs_label(b.crs)}); {names[1]} moved into {crs_label(layer.crs)} to be combined",
            CRSMismatchWarning,
            stacklevel=2,
        )
        b = move_into(b, layer.crs)
    done = 0
    for batch in layer.batches(a_id, batch_rows):
        yield tabulate_intersection(batch, b, a_id, b_id, names=names)
        done += len(batch)
        if report:
            report(done, layer.rows, f"spatial overlay: {names[0]}")
