"""File Geodatabase (``.gdb``, GDAL's OpenFileGDB): a folder, one geometry type per feature class.

Written as a new folder beside the target and swapped into place; an existing
``.gdb`` is replaced only if the toolkit wrote it (:data:`GDB_MARK`) and it
holds nothing else. A layer mixing points, lines and polygons (the corridor) is
split into ``NAME_points``, ``NAME_lines``, ``NAME_polygons``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from spatial.errors import OutputError
from spatial.export.layer_formats import LayerFormat, LayerWrite, write_frames

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FORMAT", "GDB_MARK"]

#: The file the toolkit leaves in every File Geodatabase folder it writes: an existing
#: ``.gdb`` folder is replaced only if it holds this file and nothing but the geodatabase's own.
GDB_MARK = "spatial-toolkit.written"
#: The files of a File Geodatabase (GDAL's OpenFileGDB and Esri's writers): ``a0000000N.*``,
#: ``gdb``, ``timestamps``.
_GDB_FILE = re.compile(r"a[0-9a-f]{8}\.[a-z]+|gdb|timestamps", re.IGNORECASE)
_DIMENSION_SUFFIX = {0: "points", 1: "lines", 2: "polygons"}


def _one_type_each(layers: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Split a layer mixing points, lines, polygons into ``NAME_lines``...: one type per class.

    A layer without any geometry is written as a table (a feature class needs a type).
    """
    import geopandas as gpd  # noqa: PLC0415
    import pandas as pd  # noqa: PLC0415 - the run-time import of the annotations' name
    import shapely  # noqa: PLC0415

    out: dict[str, pd.DataFrame] = {}
    for name, frame in layers.items():
        if not isinstance(frame, gpd.GeoDataFrame):
            out[name] = frame
            continue
        dims = shapely.get_dimensions(frame.geometry.values)
        kinds = sorted(set(dims[dims >= 0].tolist()))
        if not kinds:  # no geometry at all (targets whose features were not found): a table
            out[name] = pd.DataFrame(frame.drop(columns=frame.geometry.name))
            continue
        if len(kinds) == 1:
            out[name] = frame
            continue
        for dim in kinds:
            out[f"{name}_{_DIMENSION_SUFFIX[dim]}"] = frame[dims == dim]
    return out


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


def _write(request: LayerWrite) -> list[str]:
    """Write a File Geodatabase (a folder) beside the target, then swap it into place."""
    from spatial.io.atomic import check_output_name  # noqa: PLC0415

    target = Path(request.out)
    layers = _one_type_each(request.layers)
    check_output_name(target)
    _refuse_foreign_gdb(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        fresh = work / target.name
        write_frames(fresh, "OpenFileGDB", layers)
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
    return [f"{target}::{name}" for name in layers]


FORMAT = LayerFormat("File Geodatabase", (".gdb",), _write)
