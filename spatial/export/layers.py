"""Writing result layers: a GeoPackage (styled for QGIS), a File Geodatabase, or PostGIS.

The destination is named as for reading: ``results.gpkg``, ``results.gdb``
(GDAL's OpenFileGDB driver), or ``postgresql://USER@HOST/DB?table=T``. Files
are written beside the target first and moved into place complete, never
half-written; PostGIS tables are written in one transaction.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from spatial.errors import OutputError, first_line
from spatial.io.atomic import atomic_gpkg, check_output_name
from spatial.io.postgis import is_postgis_url, write_postgis_tables

__all__ = ["LAYER_DESTINATIONS", "is_layer_destination", "write_layers"]

#: File suffixes written as multi-layer datasets, and their GDAL drivers.
LAYER_DESTINATIONS: dict[str, str] = {".gpkg": "GPKG", ".gdb": "OpenFileGDB"}


def is_layer_destination(out: str | os.PathLike[str] | None) -> bool:
    """Tell whether ``out`` names a GeoPackage, a File Geodatabase or a PostGIS table.

    Examples
    --------
    >>> is_layer_destination("plan.gpkg"), is_layer_destination("plan.csv")
    (True, False)
    """
    if out is None:
        return False
    return is_postgis_url(out) or Path(os.fspath(out)).suffix.lower() in LAYER_DESTINATIONS


def _write_all(path: Path, driver: str, layers: Mapping[str, pd.DataFrame]) -> None:
    import pyogrio  # noqa: PLC0415

    for name, frame in layers.items():  # a DataFrame is written as an attribute table
        try:
            with warnings.catch_warnings():  # the temporary file's suffix is not .gpkg
                warnings.filterwarnings("ignore", "(?i).*extension", RuntimeWarning)
                pyogrio.write_dataframe(frame, path, layer=name, driver=driver)
        except Exception as exc:
            raise OutputError(f"{path}: cannot write layer {name} ({first_line(exc)})") from None


_DIMENSION_SUFFIX = {0: "points", 1: "lines", 2: "polygons"}


def _one_type_each(layers: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Split a layer mixing points, lines, polygons (the corridor) into ``NAME_lines``... for a GDB.

    A File Geodatabase feature class holds one geometry type.
    """
    import shapely  # noqa: PLC0415

    out: dict[str, pd.DataFrame] = {}
    for name, frame in layers.items():
        if not isinstance(frame, gpd.GeoDataFrame):
            out[name] = frame
            continue
        dims = shapely.get_dimensions(frame.geometry.values)
        kinds = sorted(set(dims[dims >= 0].tolist()))
        if len(kinds) <= 1:
            out[name] = frame
            continue
        for dim in kinds:
            out[f"{name}_{_DIMENSION_SUFFIX[dim]}"] = frame[dims == dim]
    return out


#: The file the toolkit leaves in every File Geodatabase folder it writes: an existing
#: ``.gdb`` folder is replaced only if it holds this file and nothing but the geodatabase's own.
GDB_MARK = "spatial-toolkit.written"
#: The files of a File Geodatabase (GDAL's OpenFileGDB and Esri's writers): ``a0000000N.*``,
#: ``gdb``, ``timestamps``.
_GDB_FILE = re.compile(r"a[0-9a-f]{8}\.[a-z]+|gdb|timestamps", re.IGNORECASE)


def _refuse_foreign_gdb(target: Path) -> None:
    """Refuse replacing ``target`` unless it is a File Geodatabase the toolkit wrote, alone."""
    if not target.exists() and not target.is_symlink():
        return
    if target.is_symlink() or not target.is_dir():
        raise OutputError(
            f"{target}: exists and is not a File Geodatabase folder; it is left alone"
        )
    names = [entry.name for entry in os.scandir(target)]
    others = sorted(n for n in names if n != GDB_MARK and not _GDB_FILE.fullmatch(n))
    if GDB_MARK not in names or others:
        why = (
            f"holds files of its own ({', '.join(others[:3])}{', ...' if len(others) > 3 else ''})"
            if others
            else "was not written by spatial"
        )
        raise OutputError(
            f"{target}: {why}; it is left alone: remove it or choose another output path"
        )


def _write_gdb(target: Path, layers: Mapping[str, pd.DataFrame]) -> list[str]:
    """Write a File Geodatabase (a folder) beside ``target``, then swap it into place.

    An existing ``target`` is replaced only if it is a File Geodatabase this
    toolkit wrote (it holds :data:`GDB_MARK`) holding nothing else.
    Returns the feature classes and tables written (a mixed layer split by geometry type).
    """
    layers = _one_type_each(layers)
    check_output_name(target)
    _refuse_foreign_gdb(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        fresh = work / target.name
        _write_all(fresh, "OpenFileGDB", layers)
        (fresh / GDB_MARK).write_text(
            "This File Geodatabase was written by spatial (bishan-spatial); the next\n"
            "write to the same path may replace it.\n",
            encoding="utf-8",
        )
        if target.exists():
            old = work / "previous.gdb"
            os.replace(target, old)
        os.replace(fresh, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return list(layers)


def write_layers(
    layers: Mapping[str, pd.DataFrame],
    out: str | os.PathLike[str],
    *,
    table: str | None = None,
    styles: Mapping[str, str] | None = None,
    also_input: bool = False,
) -> list[str]:
    """Write result layers (GeoDataFrames) and tables (DataFrames) to ``out``; return their names.

    Parameters
    ----------
    layers : mapping of str to DataFrame
        Layer or table name to content, in order. Geometries are written in
        their CRS (the results' are EPSG:4326).
    out : path or str
        ``*.gpkg``, ``*.gdb`` (a layer mixing geometry types is split into
        ``NAME_points``, ``NAME_lines``, ``NAME_polygons``: a feature class has
        one type) or a ``postgresql://`` URL (see :mod:`spatial.io.postgis`;
        the first layer is the named table, the others ``TABLE_NAME``).
    table : str, optional
        The PostGIS table, when the URL does not name it (``--db URL --table T``).
    styles : mapping of str to str, optional
        For a GeoPackage, the web-map style of each layer (default: the layer's
        own name); every geometry layer is stored with its QGIS style.
    also_input : bool, default False
        ``out`` is also an input: an existing GeoPackage gets the layers added
        beside its own and no layer of the same name is replaced; a File
        Geodatabase is refused.

    Raises
    ------
    OutputError
        The destination cannot be written; nothing is left half-written. An
        existing GeoPackage keeps its other layers, and a layer of the same name
        is replaced only if the toolkit wrote it; an existing ``.gdb`` folder is
        replaced only if the toolkit wrote it (see :data:`GDB_MARK`).
    """
    if is_postgis_url(out):
        return write_postgis_tables(dict(layers), os.fspath(out), table)
    target = Path(os.fspath(out))
    if target.suffix.lower() == ".gdb":
        if also_input:
            raise OutputError(f"{target}: is also an input; choose another output path")
        return [f"{target}::{name}" for name in _write_gdb(target, layers)]
    from spatial.export.qgis import classify, store_styles  # noqa: PLC0415

    styles = styles or {}
    styled = {
        name: classify(frame, styles.get(name, name))
        if isinstance(frame, gpd.GeoDataFrame)
        else frame
        for name, frame in layers.items()
    }
    with atomic_gpkg(target, list(styled), also_input=also_input) as tmp:
        _write_all(tmp, "GPKG", styled)
        geo = {n: f for n, f in styled.items() if isinstance(f, gpd.GeoDataFrame)}
        store_styles(tmp, geo, styles)
    return [f"{target}::{name}" for name in layers]
