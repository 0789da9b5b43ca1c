"""Writing result layers: to whichever format the destination names, through one registry.

The destination is named as for reading: ``results.gpkg`` (styled for QGIS),
``results.gdb`` (GDAL's OpenFileGDB driver), ``parts.fgb`` (FlatGeobuf, one
layer), or ``postgresql://USER@HOST/DB?table=T``. Each format is one module of
:mod:`spatial.export.layer_formats`; files are written beside the target first
and moved into place complete, never half-written; PostGIS tables are written
in one transaction.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from spatial.errors import UsageError
from spatial.export.layer_formats import LayerWrite, format_for, layer_suffixes
from spatial.export.layer_formats.gdb import GDB_MARK

if TYPE_CHECKING:  # is_layer_destination checks a call before pandas loads
    import pandas as pd

__all__ = ["GDB_MARK", "is_layer_destination", "write_layers"]


def is_layer_destination(out: str | os.PathLike[str] | None) -> bool:
    """Tell whether ``out`` names a layer format (GeoPackage, GDB, FlatGeobuf, PostGIS...).

    Examples
    --------
    >>> is_layer_destination("plan.gpkg"), is_layer_destination("plan.csv")
    (True, False)
    """
    return format_for(out) is not None


def write_layers(
    layers: Mapping[str, pd.DataFrame],
    out: str | os.PathLike[str],
    *,
    table: str | None = None,
    styles: Mapping[str, str] | None = None,
    styled: bool = True,
) -> list[str]:
    """Write result layers (GeoDataFrames) and tables (DataFrames) to ``out``; return their names.

    Parameters
    ----------
    layers : mapping of str to DataFrame
        Layer or table name to content, in order. Geometries are written in
        their CRS (bring them into the planner's frame first:
        :class:`spatial.export.frame.OutputFrame`).
    out : path or str
        A destination a registered format names (see
        :mod:`spatial.export.layer_formats`): ``*.gpkg``, ``*.gdb`` (a layer
        mixing geometry types split into ``NAME_points``, ``NAME_lines``,
        ``NAME_polygons``), ``*.fgb`` (one layer), or a ``postgresql://`` URL
        (the first layer is the named table, the others ``TABLE_NAME``).
    table : str, optional
        The PostGIS table, when the URL does not name it (``--db URL --table T``).
    styles : mapping of str to str, optional
        For a GeoPackage, the web-map style of each layer (default: the layer's
        own name); every geometry layer is stored with its QGIS style.
    styled : bool
        False writes the layers as they are: no style stored, no ``style_class``
        column (a planner's layer given back, repaired).

    Raises
    ------
    UsageError
        ``out`` names no layer format.
    OutputError
        The destination cannot be written; nothing is left half-written.
    """
    fmt = format_for(out)
    if fmt is None:
        known = ", ".join(layer_suffixes())
        raise UsageError(f"{out}: names no layer format; use {known} or postgresql://...")
    request = LayerWrite(layers, os.fspath(out), table, dict(styles or {}), styled)
    return fmt.write(request)
