"""The validator's words: each problem it finds said in one line, without reading a layer.

:class:`Problem` and the messages of the geometry, coordinate and text checks,
one function each, shared by the full validator (:mod:`spatial.validate.problems`)
and its vectorised and batched forms (:mod:`spatial.validate.vectorised`,
:mod:`spatial.validate.batched`), so that every path words a problem alike.
Only numpy, shapely and pyproj are needed: ``spatial validate`` on a large
file checks it without loading geopandas or pandas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer

from spatial.crs import crs_label, likely_crs_hint
from spatial.errors import printable
from spatial.io.fields import ID_COLUMN, standard_id_field
from spatial.io.rawjson import NON_FINITE_MESSAGE
from spatial.preconditions import feature_label
from spatial.validate.boxes import CHINA_BOUNDS_DEG

__all__ = [
    "ACCURACY_VALUES",
    "COLLECTION_MESSAGE",
    "FILE_LEVEL",
    "Problem",
    "feature_named",
    "geographic_message",
    "geometry_message",
    "label_field",
    "mojibake_reading",
    "projected_message",
    "text_message",
]

#: The feature ID used for problems about a whole file or layer.
FILE_LEVEL = "-"
#: Allowed values of the ``accuracy`` property: "official" or "indicative" (示意).
ACCURACY_VALUES: tuple[str, ...] = ("official", "indicative")

#: The GRS80 ellipsoid, which CGCS2000 uses (distances outside China are measured on it).
_GEOD = Geod(ellps="GRS80")
_METRES_THRESHOLD = 1000.0


@dataclass(frozen=True)
class Problem:
    """One problem found in a layer.

    Attributes
    ----------
    path : str
        The file (or the name of the in-memory layer) the problem is in.
    feature : str
        The feature's id, ``#N`` (its 0-based position) when it has none, or
        ``"-"`` for a problem about the whole file.
    message : str
        What is wrong, in one line.

    Examples
    --------
    >>> str(Problem("zones.geojson", "zone-kcxz", "geometry is empty"))
    'zones.geojson: feature zone-kcxz: geometry is empty'
    """

    path: str
    feature: str
    message: str

    def __str__(self) -> str:
        return printable(f"{self.path}: feature {self.feature}: {self.message}")


# --- naming a feature -------------------------------------------------------


def label_field(gdf: Any, id_field: str | None) -> str:
    """Return the column a message names the layer's features by: its id field.

    ``id_field`` when the operation identifies the features by one (``BSM``,
    ``DYBH``: the command's ``--id-field``, the project's, or the standard field
    taken); None for a layer the operation does not identify: its ``id``, else
    its standard id field (:func:`spatial.io.fields.standard_id_field`, found
    only when a message needs it), else ``id`` (features then named ``#N``).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> layer = gpd.GeoDataFrame({"BSM": ["S00", "S01"]}, geometry=[Point(0, 0)] * 2)
    >>> label_field(layer, None), label_field(layer, "BSM"), label_field(layer[["geometry"]], None)
    ('BSM', 'BSM', 'id')
    """
    if id_field:
        return id_field
    if ID_COLUMN in gdf.columns:
        return ID_COLUMN
    return standard_id_field(gdf) or ID_COLUMN


def feature_named(gdf: Any, position: int, id_field: str | None) -> str:
    """Return how a message names the feature at ``position`` (0-based): its id, else ``#N``.

    The one way a refusal names a feature of a layer in every command
    (``feature S04``, not ``feature #13``); ``id_field`` as :func:`label_field`.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> layer = gpd.GeoDataFrame({"BSM": ["S00", " "]}, geometry=[Point(0, 0)] * 2)
    >>> [feature_named(layer, 0, "BSM"), feature_named(layer, 1, "BSM")]
    ['S00', '#1']
    >>> feature_named(layer, 0, None)  # BSM has a blank: not the layer's id field
    '#0'
    """
    column = label_field(gdf, id_field)
    value = gdf[column].iloc[position] if column in gdf.columns else None
    return feature_label(value, position)


# --- geometry ---------------------------------------------------------------


#: What every command refuses, said by the validator first (``check``, ``map``, ``overlay``).
COLLECTION_MESSAGE = (
    "is a GeometryCollection; check, map and overlay refuse it: give its parts as separate "
    "Polygon/MultiPolygon, LineString or Point features"
)


def _geometry_message(geom: shapely.Geometry | None) -> str | None:
    if geom is None:
        return "geometry is null"
    if shapely.is_empty(geom):
        return "geometry is empty"
    if shapely.get_type_id(geom) == shapely.GeometryType.GEOMETRYCOLLECTION:
        return COLLECTION_MESSAGE
    if not np.isfinite(shapely.get_coordinates(geom)).all():
        return NON_FINITE_MESSAGE
    if not shapely.is_valid(geom):
        return f"invalid geometry: {shapely.is_valid_reason(geom)}"
    return None


# --- coordinates ------------------------------------------------------------


#: Beyond this, in any unit, a number is no position on Earth (metres span at most ~4e7).
_NOT_A_POSITION = 1e9


def _xy(x: float, y: float) -> str:
    """Format a position for a message: grouped metres, or 3 digits when absurdly large."""
    if max(abs(x), abs(y)) >= _NOT_A_POSITION:
        return f"x={x:.3g}, y={y:.3g}"
    return f"x={x:,.0f}, y={y:,.0f}"


def _in_range(value_min: float, value_max: float, low: float, high: float) -> bool:
    return low <= value_min and value_max <= high


def _outside_china_message(lon: float, lat: float) -> str | None:
    west, south, east, north = CHINA_BOUNDS_DEG
    if west <= lon <= east and south <= lat <= north:
        return None
    near_lon, near_lat = min(max(lon, west), east), min(max(lat, south), north)
    dist_km = _GEOD.inv(lon, lat, near_lon, near_lat)[2] / 1000
    return (
        f"position ({lon:.4f}°E, {lat:.4f}°N) is far outside China, {dist_km:,.0f} km beyond "
        f"the box {west:g}–{east:g}°E, {south:g}–{north:g}°N; wrong coordinates or CRS?"
    )


def _geographic_message(b: np.ndarray, crs_label: str) -> str | None:
    minx, miny, maxx, maxy = (float(v) for v in b)
    west, south, east, north = CHINA_BOUNDS_DEG
    cx, cy = minx / 2 + maxx / 2, miny / 2 + maxy / 2  # no overflow near 1e308
    if _in_range(minx, maxx, south, north) and _in_range(miny, maxy, west, east):
        return (
            f"latitude and longitude appear swapped (x={cx:.4f}, y={cy:.4f}); "
            f"{crs_label} coordinates are x = longitude, y = latitude"
        )
    if max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90:
        biggest = max(abs(minx), abs(maxx), abs(miny), abs(maxy))
        if biggest >= _NOT_A_POSITION:
            return (
                f"coordinates are no positions on Earth in any CRS ({_xy(cx, cy)}); "
                "check how the file was exported"
            )
        if biggest > _METRES_THRESHOLD:
            return (
                f"projected metres labelled as degrees ({_xy(cx, cy)} under "
                f"{crs_label}); {likely_crs_hint(b)}"
            )
        return (
            f"coordinates out of range (x={cx:.4f}, y={cy:.4f}): longitude must be within "
            "±180°, latitude within ±90°"
        )
    return _outside_china_message(cx, cy)


def _projected_message(
    b: np.ndarray, crs: CRS, to_lonlat: Transformer, label: str | None = None
) -> str | None:
    """Say what is wrong with a feature's box ``b`` in the projected ``crs``, or None.

    ``label`` is :func:`crs_label` of ``crs``, computed once per layer by a caller
    that asks for many features (``CRS.to_epsg`` takes 20 ms).
    """
    label = crs_label(crs) if label is None else label
    minx, miny, maxx, maxy = (float(v) for v in b)
    cx, cy = minx / 2 + maxx / 2, miny / 2 + maxy / 2  # no overflow near 1e308
    if max(abs(minx), abs(maxx)) <= 180 and max(abs(miny), abs(maxy)) <= 90:
        return (
            f"coordinates look like degrees (x={cx:.4f}, y={cy:.4f}) but the CRS "
            f"{label} is in metres; declare EPSG:4326 for longitude/latitude"
        )
    lon, lat = to_lonlat.transform(cx, cy)
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return f"coordinates out of range of {label} ({_xy(cx, cy)})"
    return _outside_china_message(lon, lat)


# --- text encoding ----------------------------------------------------------


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in text)


def _high_runs_only(text: str) -> bool:
    """Whether every non-ASCII character stands next to another (as mojibake does)."""
    flags = [ord(ch) > 127 for ch in text]
    for i, high in enumerate(flags):
        if high and not ((i > 0 and flags[i - 1]) or (i + 1 < len(flags) and flags[i + 1])):
            return False
    return True


def _redecode(text: str, wrong: str, right: str) -> str | None:
    try:
        fixed = text.encode(wrong).decode(right)
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    return fixed if fixed != text else None


def mojibake_reading(text: str) -> str | None:
    """Return what ``text`` says when it is mojibake, or None when it looks right.

    Recognises UTF-8 read as Latin-1/Windows-1252, GBK read as Latin-1 and
    UTF-8 read as GBK, the usual ways Chinese text is mangled.

    Examples
    --------
    >>> mojibake_reading("ç’§å±±")
    'UTF-8 read as CP1252: 璧山'
    >>> mojibake_reading("璧山") is None
    True
    """
    if text.isascii():
        return None
    for wrong in ("cp1252", "latin-1"):
        fixed = _redecode(text, wrong, "utf-8")
        if fixed is not None:
            return f"UTF-8 read as {wrong.upper()}: {fixed}"
    if _high_runs_only(text):
        for wrong, right in (("latin-1", "gbk"), ("gbk", "utf-8")):
            fixed = _redecode(text, wrong, right)
            if fixed is not None and _has_cjk(fixed):
                return f"{right.upper()} read as {wrong.upper()}: {fixed}"
    return None


def _text_message(name: str, value: str) -> str | None:
    if "\ufffd" in value:
        return (
            f"property {name!r} contains replacement characters (\\ufffd): text was decoded "
            "with the wrong encoding and is lost; re-export it as UTF-8"
        )
    reading = mojibake_reading(value)
    if reading and reading.startswith("GBK read as"):
        return (
            f"property {name!r} is mis-encoded text ({reading}); a Shapefile in GBK needs a "
            ".cpg file beside its .shp holding the word GBK (or re-export it as UTF-8)"
        )
    if reading:
        return f"property {name!r} is mis-encoded text ({reading}); re-export it as UTF-8"
    return None


#: Public names of the messages (the leading-underscore names are the validator's own).
geometry_message = _geometry_message
geographic_message = _geographic_message
projected_message = _projected_message
text_message = _text_message
