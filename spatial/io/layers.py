"""Reading layers: the bundled Bishan plan and a planner's own files.

Every layer is returned as a :class:`geopandas.GeoDataFrame` with an explicit
CRS. The bundled layers are RFC 7946 GeoJSON, WGS84 longitude/latitude
(EPSG:4326). A file whose CRS is unknown is refused unless the caller names one.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import Literal, cast

import geopandas as gpd
import pyogrio
import pyogrio.raw
import shapely
import shapely.errors
from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError

from spatial.crs import likely_crs_hint, require_usable_crs
from spatial.errors import CRSError, LayerError, LayerReadError, LayerReadWarning, first_line
from spatial.io import rawjson as _rawjson
from spatial.io.bundled import LAYER_NAMES, REQUIRED_PROPERTIES, bundled_dir
from spatial.io.files import require_layer_path, shapefile_part
from spatial.io.options import ReadOptions, apply_read_options
from spatial.io.postgis import database_label, is_postgis_url, read_postgis_layer
from spatial.io.sandbox import require_named_source

__all__ = [
    "LAYER_GEOMETRY",
    "LAYER_NAMES",
    "REQUIRED_PROPERTIES",
    "GeometryKind",
    "bundled_layer_path",
    "load_plan_layers",
    "read_layer",
    "read_layer_tolerant",
]

#: Geometry kinds an operation can ask of a layer (checked by :mod:`spatial.validate.inputs`).
GeometryKind = Literal["polygon", "point", "line", "any"]
#: The geometry kind each plan layer holds ("any": the corridor holds the avenue line and its band).
LAYER_GEOMETRY: dict[str, GeometryKind] = {
    "district": "polygon",
    "corridor": "any",
    "clusters": "polygon",
    "zones": "polygon",
    "functional_areas": "polygon",
    "platforms": "point",
    "towns": "point",
}


_PARQUET_SUFFIXES = {".parquet", ".geoparquet"}


def bundled_layer_path(name: str) -> Path:
    """Return the path of a bundled layer, e.g. ``bundled_layer_path("zones")``.

    Raises
    ------
    LayerError
        When ``name`` is not one of :data:`LAYER_NAMES`; the message lists them.
    """
    if name not in LAYER_NAMES:
        raise LayerError(f"no bundled layer {name!r}; choose one of {', '.join(LAYER_NAMES)}")
    return bundled_dir("geodata") / f"{name}.geojson"


def _check_readable(path: Path) -> None:
    require_named_source(path)


#: Kinds of raw finding that make GDAL read a feature other than as written.
_REFUSED_KINDS = ("feature", "structure")


def _refuse_unread_features(path: Path, findings: list[_rawjson.Finding]) -> None:
    """Refuse a file in which GDAL would skip a feature or read its geometry as null."""
    for kind in _REFUSED_KINDS:
        found = [f for f in findings if f[2] == kind]
        if found:
            position, label, _, message = found[0]
            more = (
                f" (and {len(found) - 1} more: run `spatial validate {path}`)" if found[1:] else ""
            )
            where = (
                f"feature {label}" if label == f"#{position}" else f"feature {label} (#{position})"
            )
            raise LayerError(f"{path}: {where}: {message}{more}")


def _check_large_json(path: Path) -> None:
    """Run the checks of :func:`_check_json` on a large file, streamed (bounded memory).

    The file is walked one feature at a time (:func:`spatial.io.rawjson.scan_raw`);
    a property named ``geometry`` cannot be put back from the stream, so it is said.
    """
    scan = _rawjson.scan_raw(path)
    if not scan.utf8:
        raise LayerReadError(
            f"{path}: not UTF-8 text (GeoJSON must be UTF-8; re-save it as UTF-8, e.g. from GBK); "
            "run `spatial validate` to see which features"
        )
    for _, _, kind, message in scan.findings:
        if kind == "crs":
            raise CRSError(f"{path}: {message.removeprefix('the ')}")
    _refuse_unread_features(path, scan.findings)
    clashing = [f for f in scan.findings if "has the name of the geometry column" in f[3]]
    if clashing:
        warnings.warn(
            f"{path}: feature {clashing[0][1]}: property 'geometry' has the name of the geometry "
            f"column and is not read ({len(clashing)} feature(s)); rename it in the file",
            LayerReadWarning,
            stacklevel=4,
        )


def _check_json(path: Path) -> _rawjson.RawGeoJSON | None:
    """Refuse a GeoJSON file that GDAL would misread, with a precise one-line reason.

    Not valid JSON (or truncated), not UTF-8, a ``crs`` member that cannot be
    resolved (GDAL would silently assume EPSG:4326), a feature GDAL would skip
    (its ``type`` missing or misspelled) or read as a null geometry.
    """
    if require_layer_path(path).st_size >= _rawjson.STREAM_FROM_BYTES:
        _check_large_json(path)
        return None
    raw = _rawjson.load_raw(path)
    if not raw.utf8:
        raise LayerReadError(
            f"{path}: not UTF-8 text (GeoJSON must be UTF-8; re-save it as UTF-8, e.g. from GBK); "
            "run `spatial validate` to see which features"
        )
    name = _rawjson.crs_name(raw.data)
    if name is not None:
        _resolve_crs(path, name, what="named in the file")
    _refuse_unread_features(path, _rawjson.raw_findings(raw))
    return raw


def _restore_clashing(
    path: Path, gdf: gpd.GeoDataFrame, raw: _rawjson.RawGeoJSON
) -> gpd.GeoDataFrame:
    """Put back, renamed, the properties GDAL drops (named ``geometry``), and say so."""
    for name, values in _rawjson.clashing_properties(raw).items():
        if len(values) != len(gdf):
            continue
        column = f"{name}_property"
        gdf = gdf.assign(**{column: values})
        warnings.warn(
            f"{path}: property {name!r} has the name of the geometry column; read as {column!r} "
            f"(rename it in the file to keep its name)",
            LayerReadWarning,
            stacklevel=3,
        )
    return gdf


def unresolved_prj(path: Path) -> Path | None:
    """Return the Shapefile's ``.prj`` when it exists (so a CRS is declared), else None.

    Called when GDAL found no CRS: a ``.prj`` beside the file then means its CRS
    could not be resolved.
    """
    if path.suffix.lower() != ".shp":
        return None
    for suffix in (".prj", ".PRJ"):
        prj = path.with_suffix(suffix)
        if prj.is_file():
            return prj
    return None


def _geometry_failure(path: Path, reason: str) -> LayerError:
    """Name the feature behind a GDAL/GEOS geometry failure, when the raw JSON shows it."""
    if _rawjson.looks_like_json(path):
        for _, label, kind, message in _rawjson.raw_findings(_rawjson.load_raw(path)):
            if kind == "geometry":
                return LayerError(f"{path}: feature {label}: {message}")
    return LayerError(f"{path}: a geometry cannot be read ({reason})")


def _resolve_crs(path: str | os.PathLike[str], crs: str | int | CRS, what: str = "given") -> CRS:
    label = database_label(path)  # a PostGIS source is named without its password
    try:
        resolved = CRS.from_user_input(crs)
    except ProjCRSError:
        raise CRSError(f"{label}: the CRS {crs!r} {what} cannot be resolved") from None
    return require_usable_crs(resolved, label)


def _read_frame(
    path: Path, tolerant: bool = False, encoding: str | None = None, layer: str | None = None
) -> gpd.GeoDataFrame:
    """Read the file as GDAL/pyarrow give it (CRS possibly None).

    With ``tolerant``, geometries GEOS cannot build (an unclosed ring) become
    null, so that validation can go on and report them; never use that for
    analysis. ``encoding`` overrides the text encoding GDAL would assume.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.filterwarnings("always", "Could not parse column", UserWarning)  # said below
        gdf = _read_frame_quietly(path, tolerant, encoding, layer)
    _say_mixed_columns(path, caught)
    return gdf


def _say_mixed_columns(path: Path, caught: list[warnings.WarningMessage]) -> None:
    """Turn pyogrio's "Could not parse column" warnings into one line naming the file."""
    for warning in caught:
        match = re.match(r"Could not parse column '(.*)' as JSON", str(warning.message))
        if match:
            warnings.warn(
                f"{path}: property {match.group(1)!r} mixes numbers and text across "
                "features; all its values are read as text",
                LayerReadWarning,
                stacklevel=4,
            )


def _read_frame_quietly(
    path: Path, tolerant: bool, encoding: str | None, layer: str | None
) -> gpd.GeoDataFrame:
    if path.suffix.lower() in _PARQUET_SUFFIXES:
        return gpd.read_parquet(path)
    if not tolerant:  # pyogrio is untyped
        return cast(gpd.GeoDataFrame, pyogrio.read_dataframe(path, encoding=encoding, layer=layer))
    table = pyogrio.read_dataframe(path, read_geometry=False, encoding=encoding, layer=layer)
    meta, _, wkb, _ = pyogrio.raw.read(path, columns=[], encoding=encoding, layer=layer)
    # NaN coordinates warn here; validation reports them per feature instead.
    geoms = shapely.from_wkb(wkb, on_invalid="ignore") if wkb is not None else None
    return gpd.GeoDataFrame(table, geometry=geoms, crs=meta.get("crs"))


def _undecodable(path: Path, exc: UnicodeDecodeError, encoding: str | None) -> str:
    """Say which text encoding was claimed (a ``.cpg`` beside a Shapefile) and what to do."""
    where = f"bytes {exc.object[exc.start : exc.end]!r} at {exc.start}"
    cpg = shapefile_part(path, ".cpg")
    if encoding is None and path.suffix.lower() == ".shp" and cpg is not None:
        declared = cpg.read_text(encoding="ascii", errors="replace").strip()
        return (
            f"{path}: text is not {declared} as {cpg.name} declares ({where}); correct "
            f"{cpg.name} (e.g. GBK for text from Chinese GIS software) or re-save as UTF-8"
        )
    return f"{path}: text is not {encoding or 'UTF-8'} ({where}); re-save the file as UTF-8"


def _split_layer(path: str | os.PathLike[str]) -> tuple[Path, str | None]:
    """Split ``FILE::LAYER`` (a layer of a multi-layer GeoPackage) into file and layer name."""
    text = os.fspath(path)
    file, sep, layer = text.rpartition("::")
    if sep and layer and Path(file).exists():
        return Path(file), layer
    return Path(text), None


def _layer_names(path: Path) -> list[str]:
    return [str(name) for name in pyogrio.list_layers(path)[:, 0]]


def _read(path: Path, tolerant: bool, encoding: str | None = None) -> gpd.GeoDataFrame:
    path, layer = _split_layer(path)
    _check_readable(path)
    try:
        with warnings.catch_warnings():
            # pyogrio warns, then reads the first layer: refuse to guess instead.
            warnings.filterwarnings("error", "More than one layer found", UserWarning)
            gdf = _read_frame(path, tolerant=tolerant, encoding=encoding, layer=layer)
    except UserWarning:
        names = _layer_names(path)
        raise LayerReadError(
            f"{path}: holds {len(names)} layers ({', '.join(names)}); name one as "
            f"{path}::{names[0]}"
        ) from None
    except pyogrio.errors.DataLayerError as exc:
        if layer is None:
            raise LayerReadError(f"{path}: cannot be read as a layer ({exc})") from None
        names = _layer_names(path)
        raise LayerReadError(
            f"{path}: has no layer {layer!r}; its layers are {', '.join(names)}"
        ) from None
    except shapely.errors.GEOSException as exc:
        raise _geometry_failure(path, first_line(exc)) from None
    except UnicodeDecodeError as exc:
        raise LayerReadError(_undecodable(path, exc, encoding)) from None
    except Exception as exc:
        raise LayerReadError(f"{path}: cannot be read as a layer ({first_line(exc)})") from None
    if not _has_geometry(gdf):
        raise LayerReadError(f"{path}: has no geometry column, so it is a table, not a layer")
    if gdf.crs is not None:
        require_usable_crs(gdf.crs, str(path))
    return gdf


def _has_geometry(frame: object) -> bool:
    if not isinstance(frame, gpd.GeoDataFrame):
        return False
    try:
        frame.geometry  # noqa: B018 - raises when no geometry column is active
    except AttributeError:
        return False
    return True


def read_layer(
    path: str | os.PathLike[str],
    crs: str | int | CRS | None = None,
    *,
    input_frame: str | None = None,
    id_field: str | None = None,
    name_field: str | None = None,
    polygonize: bool = False,
    find_id: bool = False,
) -> gpd.GeoDataFrame:
    """Read a vector layer into a GeoDataFrame with an explicit CRS.

    Reads whatever pyogrio (GDAL) reads — GeoJSON, GeoPackage, Shapefile,
    FlatGeobuf, KML, DXF, an ESRI File Geodatabase layer (``PLAN.gdb::GHFQ``) —
    GeoParquet through pyarrow, and a PostGIS table
    (``postgresql://USER@HOST/DB?table=T``, :mod:`spatial.io.postgis`). The
    geometry is not repaired or reprojected (except GCJ-02 on request): use
    :mod:`spatial.validate.problems` to find problems. What the options did
    (a CRS overridden, GCJ-02 converted, ids taken from another field) is listed,
    one line each, in ``attrs["read_notes"]`` of the result.

    Parameters
    ----------
    path : path-like or str
        The file to read. For a file holding several layers (GeoPackage, File
        Geodatabase), name the layer as ``FILE::LAYER``; an ambiguous file is
        refused, never guessed.
    crs : str, int or pyproj.CRS, optional
        The CRS of the coordinates: supplied when the file declares none (a
        Shapefile or DXF without ``.prj``), and overriding the file's when it
        declares another (a GeoJSON in metres without a ``crs`` member, which
        GDAL reads as EPSG:4326).
    input_frame : {"wgs84", "gcj02"}, optional
        ``gcj02`` for an AMap/奥维 export: converted to WGS84 (EPSG:4326) on reading.
    id_field, name_field : str, optional
        The columns holding the ids and the Chinese names, read as ``id`` and
        ``name_zh`` (see :func:`spatial.io.fields.map_fields`; a KML's ``id2``
        is taken as the id without being asked).
    polygonize : bool
        Make polygons of a CAD drawing's closed polylines and hatches
        (:func:`spatial.io.cad.polygonize`); open polylines are left out and noted.
    find_id : bool
        Without ``id_field``, take a unique, never-blank standard field (``BSM``)
        as the ids (:func:`spatial.io.fields.standard_id_field`), as a command's
        :class:`~spatial.io.options.ReadOptions` do; off by default (the layer's
        fields as they are).

    Returns
    -------
    geopandas.GeoDataFrame
        The features, with ``.crs`` set.

    Raises
    ------
    LayerReadError
        The file is missing, empty, truncated, not valid JSON or not a layer, or
        holds several layers and none was named.
    LayerError
        The layer has no features.
    CRSError
        The file declares no CRS and none was given, or the CRS cannot be resolved.

    Examples
    --------
    >>> zones = read_layer(bundled_layer_path("zones"))
    >>> zones.crs.to_epsg()
    4326
    """
    options = ReadOptions(crs, input_frame, id_field, name_field, polygonize, find_id)
    if is_postgis_url(path):
        source = database_label(path)
        gdf = read_postgis_layer(os.fspath(path))
        if gdf.empty:
            raise LayerError(f"{source}: the table has no features")
        if gdf.crs is None and crs is None:
            raise CRSError(
                f"{source}: the geometry column has no SRID; {likely_crs_hint(gdf.total_bounds)}"
            )
        if gdf.crs is not None:
            require_usable_crs(gdf.crs, source)
    else:
        gdf = _read_file(Path(path), crs)
        source = str(path)
    gdf, notes = apply_read_options(gdf, source, options)
    gdf.attrs["read_notes"] = notes
    return gdf


def _read_file(path: Path, crs: str | int | CRS | None) -> gpd.GeoDataFrame:
    file, _ = _split_layer(path)
    _check_readable(file)
    raw = _check_json(file) if _rawjson.looks_like_json(file) else None
    gdf = _read(path, tolerant=False)
    if raw is not None:
        gdf = _restore_clashing(path, gdf, raw)
    if gdf.empty:
        raise LayerError(f"{path}: the layer has no features")
    if gdf.crs is None:
        prj = unresolved_prj(path)
        if prj is not None and crs is None:
            raise CRSError(
                f"{path}: the CRS in {prj.name} cannot be resolved; fix the .prj or give the "
                f"CRS: {likely_crs_hint(gdf.total_bounds).removeprefix('give ')}"
            )
        if crs is None:
            raise CRSError(f"{path}: the file declares no CRS; {likely_crs_hint(gdf.total_bounds)}")
    return gdf


def read_layer_tolerant(
    path: str | os.PathLike[str],
    crs: str | int | CRS | None = None,
    encoding: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a layer for validation only: never refuses content, only unreadable files.

    Unlike :func:`read_layer`, a missing CRS is left as None (``crs``, when
    given, is the CRS of the coordinates, as in :func:`read_layer`), a geometry
    GEOS cannot build (an unclosed ring) becomes null, and
    ``encoding`` (say ``"latin-1"`` for a GeoJSON that is not UTF-8) overrides
    the text encoding. :mod:`spatial.validate.problems` reports all of these; do not
    analyse what this returns.

    Raises
    ------
    LayerReadError
        The file is missing, empty, not a layer, or its text cannot be decoded.
    """
    if is_postgis_url(path):
        gdf = read_postgis_layer(os.fspath(path))
    else:
        path = Path(path)
        gdf = _read(path, tolerant=True, encoding=encoding)
    if crs is not None:
        gdf = gdf.set_crs(_resolve_crs(path, crs), allow_override=True)
    return gdf


def load_plan_layers() -> dict[str, gpd.GeoDataFrame]:
    """Read every bundled layer of the Bishan plan, keyed by layer name (EPSG:4326)."""
    return {name: read_layer(bundled_layer_path(name)) for name in LAYER_NAMES}
