"""Layer files read in batches of Arrow columns, geometries as WKB: GeoParquet and GDAL formats.

One interface for the large-layer paths (the overlay scan, ``spatial
validate``): a source has a ``path``, a ``crs``, the name of its ``geometry``
column, its ``rows`` and its property ``columns``, refuses an id column it
lacks (``require``) and yields :class:`pyarrow.RecordBatch` es of the columns
asked for plus the geometry as WKB (``record_batches``), never the whole
layer at once.

* :class:`~spatial.io.geoparquet.ParquetLayer`: GeoParquet through pyarrow
  (row groups, read on several threads by the scan).
* :class:`OgrLayer`: GeoPackage, Shapefile, FlatGeobuf and GeoJSON through
  pyogrio's Arrow stream (``pyogrio.raw.open_arrow``, GDAL's
  ``OGR_L_GetArrowStream``), a batch at a time, without building a
  GeoDataFrame.

:func:`open_source` picks one by the file's suffix. The bounding boxes of a
batch come from its WKB (:func:`spatial.io.geoparquet.polygon_bounds`), the
same for either source.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa
from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError

from spatial.crs import require_usable_crs
from spatial.errors import CRSError, IdColumnError, LayerError, LayerReadError, first_line
from spatial.io.geoparquet import ParquetLayer
from spatial.io.sandbox import require_named_source

__all__ = [
    "OGR_SUFFIXES",
    "PARQUET_SUFFIXES",
    "LayerSource",
    "MalformedBatch",
    "OgrLayer",
    "open_source",
    "progress_line",
    "source_suffix",
]

#: Suffixes read by pyarrow as GeoParquet.
PARQUET_SUFFIXES = frozenset({".parquet", ".geoparquet"})
#: Suffixes read through pyogrio's Arrow stream (one layer a file).
OGR_SUFFIXES = frozenset({".gpkg", ".shp", ".fgb", ".geojson", ".json"})
#: GDAL's name for the geometry column of a format that names none (GeoJSON, Shapefile).
_OGR_GEOMETRY = "wkb_geometry"


def source_suffix(path: str | os.PathLike[str]) -> str | None:
    """Return the lower-case suffix of a file a source reads, or None (a folder, ``F::LAYER``)."""
    text = os.fspath(path)
    suffix = Path(text).suffix.lower()
    if "::" in text or suffix not in PARQUET_SUFFIXES | OGR_SUFFIXES:
        return None
    return suffix if Path(text).is_file() else None


class MalformedBatch(LayerReadError):
    """GDAL's Arrow stream gave a batch whose buffers do not hold together (read it otherwise)."""


class OgrLayer:
    """A one-layer GDAL file opened for reading in Arrow batches: rows, CRS, columns.

    Parameters
    ----------
    path : path-like
        A GeoPackage, Shapefile, FlatGeobuf or GeoJSON file holding one layer.

    Raises
    ------
    LayerReadError
        GDAL cannot open it, or it holds more than one layer (the usual reader
        names them and asks for one).
    CRSError
        It declares no CRS, or one PROJ cannot resolve or the toolkit cannot use.
    LayerError
        The layer has no features.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        import pyogrio.raw  # noqa: PLC0415 - GDAL loads only for a GDAL source (here, not on a thread)

        self.path = Path(path)
        require_named_source(self.path)
        try:
            with warnings.catch_warnings():  # GDAL's warnings: the usual reader says them
                warnings.simplefilter("ignore")
                if self.path.suffix.lower() == ".gpkg":  # the one-file format of many layers
                    layers = pyogrio.list_layers(self.path)
                    if len(layers) != 1:
                        raise LayerReadError(f"{self.path}: holds {len(layers)} layers, not one")
                # one open (GDAL parses a GeoJSON file whole at each), counted only if it must
                info = pyogrio.read_info(self.path)
                if int(info["features"]) < 0:
                    info = pyogrio.read_info(self.path, force_feature_count=True)
        except LayerReadError:
            raise
        except Exception as exc:  # pyogrio's DataSourceError and the like: one line
            reason = first_line(exc)
            raise LayerReadError(f"{self.path}: cannot be read as a layer ({reason})") from None
        #: The name of the geometry column in the Arrow batches.
        self.geometry = str(info.get("geometry_name") or _OGR_GEOMETRY)
        #: The property columns, in the file's order.
        self.columns: list[str] = [str(name) for name in info["fields"]]
        self.crs = self._crs(info.get("crs"))
        self.rows = int(info["features"])
        #: GDAL's type and subtype of each property column (``OFTString``, ``OFSTJSON``...).
        self.types: list[str] = [str(kind) for kind in info["ogr_types"]]
        self.subtypes: list[str] = [str(kind) for kind in info["ogr_subtypes"]]
        #: GDAL writes WKB: the scan's fast path takes it as it is.
        self.plain_wkb = True
        self.encoding = "WKB"
        if self.rows <= 0:
            raise LayerError(f"{self.path}: the layer has no features")

    def _crs(self, crs: object) -> CRS:
        if crs is None:
            raise CRSError(
                f"{self.path}: the file declares no CRS; pass one explicitly "
                "(e.g. crs='EPSG:4326' for longitude/latitude degrees)"
            )
        try:
            resolved = CRS.from_user_input(crs)
        except ProjCRSError:
            raise CRSError(f"{self.path}: the CRS the file declares cannot be resolved") from None
        return require_usable_crs(resolved, str(self.path))

    def require(self, id_field: str) -> None:
        """Refuse an id column the file does not have, listing those it has."""
        if id_field not in self.columns:
            raise IdColumnError(str(self.path), id_field, tuple(self.columns))

    def record_batches(
        self, columns: Sequence[str] | None, batch_rows: int
    ) -> Iterator[pa.RecordBatch]:
        """Yield the ``columns`` (all when None) and the WKB geometry, ``batch_rows`` at a time.

        Read through GDAL's Arrow stream on the calling thread; the geometry
        column is the last one, named :attr:`geometry`.
        """
        from pyogrio.raw import open_arrow  # noqa: PLC0415

        wanted = list(self.columns if columns is None else columns)
        # no catch_warnings here: a generator would hold the process's filters between batches
        with open_arrow(self.path, columns=wanted, batch_size=batch_rows, use_pyarrow=True) as (
            _,
            reader,
        ):
            for batch in reader:
                try:  # GDAL 3.12's FlatGeobuf stream breaks its offsets at a null geometry
                    batch.validate(full=True)
                except pa.ArrowInvalid as exc:
                    raise MalformedBatch(
                        f"{self.path}: GDAL's Arrow stream gave a malformed batch ({exc})"
                    ) from None
                yield batch


#: Either source: the same attributes and methods.
LayerSource = ParquetLayer | OgrLayer


def open_source(path: str | os.PathLike[str]) -> LayerSource:
    """Open a layer file for batches: GeoParquet by pyarrow, the GDAL formats by pyogrio.

    Raises
    ------
    LayerReadError
        The suffix is none of :data:`PARQUET_SUFFIXES` or :data:`OGR_SUFFIXES`,
        or the file cannot be opened (see the two classes).
    """
    suffix = Path(path).suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return ParquetLayer(path)
    if suffix in OGR_SUFFIXES:
        return OgrLayer(path)
    raise LayerReadError(f"{path}: not a file format read in batches ({suffix or 'no suffix'})")


def progress_line(done: int, total: int, what: str) -> None:
    """Write ``WHAT: DONE of TOTAL features (P%)`` over itself on standard error."""
    sys.stderr.write(f"\r{what}: {done:,} of {total:,} features ({100 * done / total:.0f}%)")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()
