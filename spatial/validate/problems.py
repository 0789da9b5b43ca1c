"""Validating layers: find every problem, repair only when asked.

A problem is reported per feature as ``PATH: feature ID: problem``. The feature
ID is the ``id`` property when the feature has one, otherwise ``#N``, its 0-based
position in the file. Problems about the whole file (an unresolvable CRS, say)
use the feature ID ``-``, e.g. ``zones.shp: feature -: the CRS in zones.prj cannot be
resolved``.

Checks: null, empty and invalid geometries (with GEOS's reason and location),
unclosed rings, NaN or infinite numbers, coordinates out of range, latitude and
longitude swapped, projected metres labelled as degrees (and degrees labelled as
metres), positions far outside China, a missing or unresolvable CRS, duplicate
ids, missing required properties, an ``accuracy`` other than ``official`` or
``indicative``, and text in the wrong encoding (bytes that are not UTF-8,
mojibake such as ``ç’§å±±`` for ``璧山``, replacement characters ``\ufffd``).

Nothing is repaired here unless :func:`repair_layer` is called, and it reports
the area every repair changed.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence, Set
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from spatial.crs import WGS84, crs_label, likely_crs_hint, reproject, transformer
from spatial.errors import CRSError, LayerError, LayerReadError
from spatial.io import rawjson as _rawjson
from spatial.io.fields import planner_field
from spatial.io.layers import REQUIRED_PROPERTIES, read_layer_tolerant, unresolved_prj
from spatial.io.options import ReadOptions, apply_read_options
from spatial.io.postgis import database_label, is_postgis_url
from spatial.measure.area import ellipsoidal_area_m2
from spatial.preconditions import feature_label, id_text
from spatial.validate.boxes import CHINA_BOUNDS_DEG
from spatial.validate.messages import (
    ACCURACY_VALUES,
    FILE_LEVEL,
    Problem,
    _geographic_message,
    _geometry_message,
    _projected_message,
    _text_message,
    label_field,
    mojibake_reading,
)

__all__ = [
    "ACCURACY_VALUES",
    "CHINA_BOUNDS_DEG",
    "FILE_LEVEL",
    "Problem",
    "ensure_valid",
    "mojibake_reading",
    "repair_layer",
    "validate_file",
    "validate_layer",
]

# --- feature labels ---------------------------------------------------------


def _labels(gdf: gpd.GeoDataFrame, id_field: str | None = "id") -> list[str]:
    """Return each feature's label: its id as text, or ``#N`` (0-based) without one.

    ``id_field`` as :func:`~spatial.validate.messages.label_field` (None: the layer's own).
    """
    column = label_field(gdf, id_field)
    ids = gdf[column] if column in gdf.columns else [None] * len(gdf)
    return [feature_label(value, position) for position, value in enumerate(ids)]


# --- geometry ---------------------------------------------------------------


def _geometry_findings(gdf: gpd.GeoDataFrame, skip: Set[int]) -> list[tuple[int, str]]:
    findings = []
    for position, geom in enumerate(gdf.geometry.array):
        message = None if position in skip else _geometry_message(geom)
        if message:
            findings.append((position, message))
    return findings


# --- coordinates and CRS ----------------------------------------------------


def _usable_bounds(gdf: gpd.GeoDataFrame) -> list[tuple[int, np.ndarray]]:
    """Return (position, bounds) of features whose geometry is present and finite."""
    bounds = shapely.bounds(np.asarray(gdf.geometry.array, dtype=object))
    out = []
    for position, row in enumerate(bounds):
        if np.isfinite(row).all():
            out.append((position, row))
    return out


def _coordinate_findings(gdf: gpd.GeoDataFrame) -> list[tuple[int, str]]:
    crs = gdf.crs
    if crs is None:
        bounds = gdf.total_bounds if len(gdf) else (math.nan,) * 4
        return [(-1, f"the layer has no CRS; {likely_crs_hint(bounds)}")]
    findings = []
    to_lonlat = None if crs.is_geographic else transformer(crs, WGS84)
    label = crs_label(crs)  # once: CRS.to_epsg takes 20 ms, a layer may flag every feature
    for position, b in _usable_bounds(gdf):
        if to_lonlat is None:
            message = _geographic_message(b, label)
        else:
            message = _projected_message(b, crs, to_lonlat, label)
        if message:
            findings.append((position, message))
    return findings


# --- ids and properties -----------------------------------------------------


def _id_findings(gdf: gpd.GeoDataFrame) -> list[tuple[int, str]]:
    """Report every feature whose id an earlier feature already uses (positions are 0-based)."""
    if "id" not in gdf.columns:
        return []
    where: dict[str, list[int]] = {}
    for position, value in enumerate(gdf["id"]):
        text = id_text(value)
        if text is not None and text.strip():
            where.setdefault(text.strip(), []).append(position)
    findings = []
    for positions in where.values():
        for position in positions[1:]:
            findings.append(
                (
                    position,
                    f"duplicate id: feature #{position} reuses the id of feature #{positions[0]}",
                )
            )
    return findings


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _column(gdf: gpd.GeoDataFrame, name: str) -> list[object]:
    return gdf[name].tolist() if name in gdf.columns else [None] * len(gdf)


def _property_findings(gdf: gpd.GeoDataFrame, required: Sequence[str]) -> list[tuple[int, str]]:
    columns = {name: _column(gdf, name) for name in required}
    findings = []
    for position in range(len(gdf)):
        missing = [name for name in required if _is_missing(columns[name][position])]
        if missing:
            noun = "property" if len(missing) == 1 else "properties"
            findings.append((position, f"missing required {noun}: {', '.join(missing)}"))
    for position, value in enumerate(_column(gdf, "accuracy")):
        if not _is_missing(value) and value not in ACCURACY_VALUES:
            message = f"accuracy is {value!r}; use 'official' or 'indicative' (示意)"
            findings.append((position, message))
    return findings


# --- text encoding ----------------------------------------------------------


def _text_findings(gdf: gpd.GeoDataFrame) -> list[tuple[int, str]]:
    findings = []
    for name in gdf.columns:
        if name == gdf.geometry.name:
            continue
        field = planner_field(gdf, str(name))  # DYMC read as name_zh is named DYMC
        for position, value in enumerate(gdf[name].tolist()):
            message = _text_message(field, value) if isinstance(value, str) else None
            if message:
                findings.append((position, message))
    return findings


# --- public API -------------------------------------------------------------


def _collect(
    source: str,
    labels: Sequence[str],
    findings: Iterable[tuple[int, str]],
) -> list[Problem]:
    ordered = sorted(findings, key=lambda item: item[0])  # stable: keeps check order
    problems: list[Problem] = []
    seen: set[Problem] = set()
    for position, message in ordered:
        label = FILE_LEVEL if position < 0 else labels[position]
        problem = Problem(source, label, message)
        if problem not in seen:
            seen.add(problem)
            problems.append(problem)
    return problems


def _layer_findings(
    gdf: gpd.GeoDataFrame,
    required: Sequence[str],
    labels: Sequence[str],
    check_text: bool = True,
    faulted: Set[int] = frozenset(),
) -> list[tuple[int, str]]:
    """Run every check; skip geometry checks of ``faulted`` (reported from the raw JSON)."""
    if gdf.empty:
        return [(-1, "the layer has no features")]
    findings = _coordinate_findings(gdf)
    findings += _geometry_findings(gdf, faulted)
    findings += _id_findings(gdf)
    findings += _property_findings(gdf, required)
    if check_text:
        findings += _text_findings(gdf)
    return findings


def validate_layer(
    gdf: gpd.GeoDataFrame,
    source: str,
    required: Sequence[str] = REQUIRED_PROPERTIES,
    *,
    id_field: str | None = "id",
) -> list[Problem]:
    """Return every problem of an already-read layer, in feature order.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The layer, in any CRS (a missing CRS is itself reported).
    source : str
        The file or layer name used in each problem line.
    required : sequence of str, default :data:`spatial.layers.REQUIRED_PROPERTIES`
        Properties every feature must carry (non-null, non-blank). Pass
        ``("id",)`` for a planner's own layer, or ``()`` to skip the check.
    id_field : str, optional
        The column a problem names its feature by (``BSM``: ``feature S04``);
        None: the layer's ``id``, else its standard id field
        (:func:`~spatial.validate.messages.label_field`). A feature without an
        id is named ``#N``, its 0-based position.

    Returns
    -------
    list of Problem
        Empty when the layer is clean.

    Examples
    --------
    >>> from shapely.geometry import Polygon
    >>> bowtie = Polygon([(106.2, 29.5), (106.3, 29.6), (106.3, 29.5), (106.2, 29.6)])
    >>> layer = gpd.GeoDataFrame({"id": ["a"]}, geometry=[bowtie], crs=4326)
    >>> for problem in validate_layer(layer, "mine.geojson", required=("id",)):
    ...     print(problem)
    mine.geojson: feature a: invalid geometry: Self-intersection[106.25 29.55]
    """
    labels = _labels(gdf, id_field)
    return _collect(source, labels, _layer_findings(gdf, required, labels))


def validate_file(
    path: str | os.PathLike[str],
    required: Sequence[str] = REQUIRED_PROPERTIES,
    crs: str | int | CRS | None = None,
    *,
    input_frame: str | None = None,
    id_field: str | None = None,
    name_field: str | None = None,
    raw_scan: _rawjson.RawScan | None = None,
) -> list[Problem]:
    """Read a layer file and return every problem found, in feature order.

    GeoJSON is also inspected as raw JSON, for what GDAL hides or alters:
    unclosed rings, NaN and infinity, a ``crs`` member that cannot be resolved,
    bytes that are not UTF-8. A file that declares no CRS is reported (feature
    ``-``) unless ``crs`` is given.

    Parameters
    ----------
    path : path-like
        GeoJSON, GeoPackage, Shapefile, FlatGeobuf, GeoParquet...
    required : sequence of str
        Properties every feature must carry; see :func:`validate_layer`.
    crs : str, int or pyproj.CRS, optional
        The CRS of the coordinates: assumed when the file declares none, and
        over the file's when it declares another (as :func:`read_layer` does).
    input_frame, id_field, name_field : str, optional
        As for :func:`spatial.io.layers.read_layer`: the layer is checked as
        the commands will read it (a KML's ``id2`` as its ids, say).
    raw_scan : RawScan, optional
        The raw JSON of this GeoJSON file, already walked
        (:func:`spatial.io.rawjson.scan_raw`): not walked again.

    Returns
    -------
    list of Problem
        Empty when the file is clean.

    Raises
    ------
    LayerReadError
        The file is missing, empty, truncated, not JSON or not a layer.

    Examples
    --------
    >>> from spatial.io.layers import bundled_layer_path
    >>> validate_file(bundled_layer_path("zones"))
    []
    """
    options = ReadOptions(None, input_frame, id_field, name_field)
    if is_postgis_url(path):
        source = database_label(path)
        gdf, _ = apply_read_options(read_layer_tolerant(path, crs=crs), source, options)
        labels = _labels(gdf)
        return _collect(source, labels, _layer_findings(gdf, required, labels))
    path = Path(path)
    findings: list[tuple[int, str]] = []
    raw = raw_scan if raw_scan is not None else _raw_geojson(path)
    raw_findings = raw.findings if raw is not None else []
    findings += [(position, message) for position, _, _, message in raw_findings]
    try:
        gdf = read_layer_tolerant(path, encoding=None if raw is None or raw.utf8 else "latin-1")
    except LayerReadError as exc:
        if not raw_findings:
            raise
        # GDAL refuses what the raw check already pinned down (a number like 1e999)
        findings.append((-1, f"cannot be read as a layer until fixed ({_reason(exc, path)})"))
        return _collect(str(path), _raw_label_list(raw_findings), findings)
    if gdf.crs is None:
        prj = unresolved_prj(path)
        if prj is not None:
            findings.append((-1, f"the CRS in {prj.name} cannot be resolved"))
        assumed = _resolvable(crs, path, findings)
        if assumed is not None:
            gdf = gdf.set_crs(assumed)
    elif crs is not None:  # the CRS of the coordinates, over the file's (a GeoJSON in metres)
        assumed = _resolvable(crs, path, findings)
        if assumed is not None:
            gdf = gdf.set_crs(assumed, allow_override=True)
    gdf, _ = apply_read_options(gdf, str(path), options)
    kept = raw.kept if raw is not None else None
    if (
        raw is not None
        and kept is not None
        and len(kept) == len(gdf)
        and len(kept) < len(raw.labels)
    ):
        # GDAL skipped features: its rows are renumbered to their places in the file
        return _collect(
            str(path),
            raw.labels,
            findings + _kept_findings(gdf, required, kept, raw_findings, raw.utf8),
        )
    labels = _labels(gdf)
    for position, label, _, _ in raw_findings:
        while position >= len(labels):
            labels.append(label if position == len(labels) else f"#{len(labels)}")
    # a geometry the raw JSON shows broken is read as null or invalid: say it once
    faulted = {position for position, _, kind, _ in raw_findings if kind in _FAULT_KINDS}
    utf8 = raw is None or raw.utf8
    findings += _layer_findings(gdf, required, labels, check_text=utf8, faulted=faulted)
    return _collect(str(path), labels, findings)


#: Raw findings after which GDAL's geometry (null, invalid) is not reported again.
_FAULT_KINDS = ("geometry", "structure")


def _kept_findings(
    gdf: gpd.GeoDataFrame,
    required: Sequence[str],
    kept: Sequence[int],
    raw_findings: Sequence[_rawjson.Finding],
    utf8: bool,
) -> list[tuple[int, str]]:
    """Return the layer's findings when GDAL read only the features at ``kept``, by file place."""
    row_of = {position: row for row, position in enumerate(kept)}
    faulted = {
        row_of[position]
        for position, _, kind, _ in raw_findings
        if kind in _FAULT_KINDS and position in row_of
    }
    labels = _labels(gdf)
    found = _layer_findings(gdf, required, labels, check_text=utf8, faulted=faulted)
    return [(kept[row] if row >= 0 else row, message) for row, message in found]


def _reason(exc: Exception, path: Path) -> str:
    text = str(exc).removeprefix(f"{path}: ")
    return text.removeprefix("cannot be read as a layer (").removesuffix(")")


def _raw_label_list(raw_findings: Sequence[_rawjson.Finding]) -> list[str]:
    by_position = {position: label for position, label, _, _ in raw_findings}
    size = max(by_position, default=-1) + 1
    return [by_position.get(position, f"#{position}") for position in range(size)]


def _raw_geojson(path: Path) -> _rawjson.RawScan | None:
    """Parse a GeoJSON file's raw JSON, whatever its suffix; None for other formats, no file."""
    return _rawjson.scan_raw_if_json(path)


def _resolvable(
    crs: str | int | CRS | None, path: Path, findings: list[tuple[int, str]]
) -> CRS | None:
    if crs is None:
        return None
    try:
        return CRS.from_user_input(crs)
    except Exception:
        findings.append((-1, f"the CRS {crs!r} given for {path.name} cannot be resolved"))
        return None


def ensure_valid(
    gdf: gpd.GeoDataFrame,
    source: str,
    *,
    required: Sequence[str] = (),
    id_field: str | None = "id",
) -> None:
    """Raise :class:`~spatial.errors.LayerError` when a layer has any problem.

    Used before measuring or overlaying, so that invalid geometries are refused
    rather than silently measured wrong. No property is required by default.
    A problem names its feature by ``id_field`` (the layer's id field: ``BSM``;
    None: :func:`~spatial.validate.messages.label_field`).

    Raises
    ------
    LayerError
        One line: the first problem, plus "and N more" when there are others.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> ensure_valid(gpd.GeoDataFrame({"id": ["p"]}, geometry=[Point(106.2, 29.6)], crs=4326), "x")
    >>> ensure_valid(gpd.GeoDataFrame({"id": ["p"]}, geometry=[Point(29.6, 106.2)], crs=4326), "x")
    Traceback (most recent call last):
    ...
    spatial.errors.LayerError: x: feature p: latitude and longitude appear swapped ...
    """
    problems = validate_layer(gdf, source, required=required, id_field=id_field)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        if gdf.crs is None:
            raise CRSError(f"{problems[0]}{more}")
        raise LayerError(f"{problems[0]}{more}")


# --- repair -----------------------------------------------------------------


def _repaired(geom: shapely.Geometry) -> shapely.Geometry:
    if shapely.get_dimensions(geom) == 2:
        return shapely.make_valid(geom, method="structure", keep_collapsed=False)
    return shapely.make_valid(geom)


def repair_layer(
    gdf: gpd.GeoDataFrame, source: str, *, id_field: str | None = "id"
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Repair invalid geometries with ``make_valid`` and report the area each repair changed.

    Only invalid geometries are touched; valid ones, null and empty ones are
    returned as they are. Polygons are repaired with the "structure" method
    (a bow-tie becomes two triangles; collapsed parts are dropped).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The layer. A geographic CRS other than EPSG:4326 (CGCS2000, EPSG:4490,
        say) is reprojected to EPSG:4326 first; a projected layer is repaired in
        its own CRS.
    source : str
        The file or layer name, for error messages.
    id_field : str, optional
        The column the report's ``id`` is read from (``#N`` without one; None:
        :func:`~spatial.validate.messages.label_field`).

    Returns
    -------
    repaired : geopandas.GeoDataFrame
        The layer with invalid geometries replaced.
    report : pandas.DataFrame
        One row per repaired feature: ``id``, ``reason`` (GEOS's reason and
        location), ``area_before_m2`` (the area a naive measure of the invalid
        shape gives, by :func:`spatial.area.ellipsoidal_area_m2`: holes
        subtracted whatever the ring orientation, lines 0), ``area_after_m2``,
        ``area_changed_m2`` (after minus before). Areas are ellipsoidal, in
        square metres, on the GRS80 ellipsoid (CGCS2000).

    Raises
    ------
    CRSError
        The layer has no CRS.

    Examples
    --------
    >>> from shapely.geometry import Polygon
    >>> bowtie = Polygon([(106.2, 29.5), (106.3, 29.6), (106.3, 29.5), (106.2, 29.6)])
    >>> layer = gpd.GeoDataFrame({"id": ["a"]}, geometry=[bowtie], crs=4326)
    >>> fixed, report = repair_layer(layer, "mine.geojson")
    >>> fixed.geometry.iloc[0].geom_type, bool(fixed.is_valid.all())
    ('MultiPolygon', True)
    >>> round(float(report.loc[0, "area_after_m2"]) / 1e6, 2)  # two triangles, km²
    53.71
    """
    if gdf.crs is None:
        raise CRSError(f"{source}: the layer has no CRS; cannot repair or measure it")
    if gdf.crs.is_geographic and gdf.crs.to_epsg() != 4326:
        gdf = reproject(gdf, WGS84)
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    present = np.array([g is not None and not shapely.is_empty(g) for g in geoms], dtype=bool)
    invalid = present & ~shapely.is_valid(geoms)
    labels = _labels(gdf, id_field)
    positions = np.flatnonzero(invalid)
    new_geoms = geoms.copy()
    new_geoms[positions] = [_repaired(g) for g in geoms[positions]]
    before_m2 = ellipsoidal_area_m2(gpd.GeoSeries(geoms[positions], crs=gdf.crs))
    after_m2 = ellipsoidal_area_m2(gpd.GeoSeries(new_geoms[positions], crs=gdf.crs))
    rows = [
        {
            "id": labels[position],
            "reason": shapely.is_valid_reason(geoms[position]),
            "area_before_m2": float(before),
            "area_after_m2": float(after),
            "area_changed_m2": float(after - before),
        }
        for position, before, after in zip(positions, before_m2, after_m2, strict=True)
    ]
    repaired = gdf.copy()
    repaired[gdf.geometry.name] = gpd.GeoSeries(new_geoms, index=gdf.index, crs=gdf.crs)
    columns = ["id", "reason", "area_before_m2", "area_after_m2", "area_changed_m2"]
    return repaired, pd.DataFrame(rows, columns=columns)
