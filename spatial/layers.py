"""Reading layers: the bundled Bishan plan and a planner's own files.

Every layer is returned as a :class:`geopandas.GeoDataFrame` with an explicit
CRS. The bundled layers are RFC 7946 GeoJSON, WGS84 longitude/latitude
(EPSG:4326). A file whose CRS is unknown is refused unless the caller names one.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import geopandas as gpd
import pyogrio
from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError

from spatial._bundled import bundled_dir
from spatial.errors import CRSError, LayerReadError

__all__ = [
    "LAYER_NAMES",
    "REQUIRED_PROPERTIES",
    "bundled_layer_path",
    "load_plan_layers",
    "read_layer",
]

#: The bundled layers, in drawing order (bottom to top).
LAYER_NAMES: tuple[str, ...] = (
    "district",
    "corridor",
    "clusters",
    "zones",
    "functional_areas",
    "platforms",
    "towns",
)

#: Properties every feature of a bundled or checked layer must carry.
REQUIRED_PROPERTIES: tuple[str, ...] = ("id", "name_zh", "name_en", "kind", "source", "accuracy")

_PARQUET_SUFFIXES = {".parquet", ".geoparquet"}


def bundled_layer_path(name: str) -> Path:
    """Return the path of a bundled layer, e.g. ``bundled_layer_path("zones")``.

    Raises
    ------
    KeyError
        When ``name`` is not one of :data:`LAYER_NAMES`; the message lists them.
    """
    if name not in LAYER_NAMES:
        raise KeyError(f"no bundled layer {name!r}; choose one of {', '.join(LAYER_NAMES)}")
    return bundled_dir("geodata") / f"{name}.geojson"


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise LayerReadError(f"{path}: file not found")
    if path.is_dir() and path.suffix.lower() != ".gdb":
        raise LayerReadError(f"{path}: is a folder, not a layer file")
    if path.is_file() and path.stat().st_size == 0:
        raise LayerReadError(f"{path}: file is empty")


def _check_json(path: Path) -> None:
    """Give a precise one-line reason for a GeoJSON file that is not valid JSON."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LayerReadError(
            f"{path}: not UTF-8 text at byte {exc.start} (GeoJSON must be UTF-8; "
            "re-save it as UTF-8, e.g. from GBK)"
        ) from None
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        what = "truncated" if exc.pos >= len(text.rstrip()) else "not valid JSON"
        raise LayerReadError(
            f"{path}: {what} (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None


def _resolve_crs(path: Path, crs: str | int | CRS | None) -> CRS:
    try:
        return CRS.from_user_input(crs)  # type: ignore[arg-type]
    except ProjCRSError as exc:
        raise CRSError(f"{path}: CRS {crs!r} cannot be resolved ({exc})") from None


def read_layer(path: str | os.PathLike[str], crs: str | int | CRS | None = None) -> gpd.GeoDataFrame:
    """Read a vector layer into a GeoDataFrame with an explicit CRS.

    Reads whatever pyogrio (GDAL) reads — GeoJSON, GeoPackage, Shapefile,
    FlatGeobuf — and GeoParquet through pyarrow. The geometry is not repaired
    or reprojected: use :mod:`spatial.validate` to find problems.

    Parameters
    ----------
    path : path-like
        The file to read. A GeoPackage with several layers is read at its first layer.
    crs : str, int or pyproj.CRS, optional
        The CRS to assume when the file carries none (a Shapefile without
        ``.prj``, say). It never overrides a CRS the file declares.

    Returns
    -------
    geopandas.GeoDataFrame
        The features, with ``.crs`` set.

    Raises
    ------
    LayerReadError
        The file is missing, empty, truncated, not valid JSON or not a layer.
    CRSError
        The file declares no CRS and none was given, or the CRS cannot be resolved.

    Examples
    --------
    >>> zones = read_layer(bundled_layer_path("zones"))
    >>> zones.crs.to_epsg()
    4326
    """
    path = Path(path)
    _check_readable(path)
    suffix = path.suffix.lower()
    if suffix in {".geojson", ".json"}:
        _check_json(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if suffix in _PARQUET_SUFFIXES:
                gdf = gpd.read_parquet(path)
            else:
                gdf = pyogrio.read_dataframe(path)
    except Exception as exc:  # noqa: BLE001 - every reader failure becomes one clear line
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LayerReadError(f"{path}: cannot be read as a layer ({reason})") from None
    if gdf.crs is None:
        if crs is None:
            raise CRSError(
                f"{path}: the file declares no CRS; pass one explicitly "
                "(e.g. crs='EPSG:4326' for longitude/latitude degrees)"
            )
        gdf = gdf.set_crs(_resolve_crs(path, crs))
    return gdf


def load_plan_layers() -> dict[str, gpd.GeoDataFrame]:
    """Read every bundled layer of the Bishan plan, keyed by layer name (EPSG:4326)."""
    return {name: read_layer(bundled_layer_path(name)) for name in LAYER_NAMES}
