"""Compact GeoJSON for embedding in a map page.

A map needs far less than a GeoJSON file: no feature ``id`` or ``bbox``
members, coordinates rounded to what the data's accuracy supports, and only
the few properties the page uses (already escaped text). Geometry is WGS84
longitude/latitude (EPSG:4326) throughout, x first, as RFC 7946 and Leaflet's
GeoJSON reader expect; Leaflet itself works in (lat, lon) but reads GeoJSON
as (lon, lat).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from spatial.crs import WGS84, gk_zone_crs_for, reproject
from spatial.errors import CRSError, LayerError
from spatial.publish.escape import script_json

__all__ = [
    "DECIMALS_BY_ACCURACY",
    "PrecisionError",
    "decimals_for",
    "feature_collection_json",
    "round_geometries",
    "round_or_refuse",
    "to_display_crs",
]


class PrecisionError(LayerError):
    """The decimals asked for would make a feature vanish from the map."""


FloatArray = npt.NDArray[np.float64]

#: Decimal places of a degree kept per ``accuracy`` value: 5 places is about
#: 1.1 m (the official outline traced from AMap), 4 places about 11 m, far finer
#: than an indicative (示意) boundary drawn from a description.
DECIMALS_BY_ACCURACY: dict[str, int] = {"official": 5, "indicative": 4}
#: Decimal places kept when a feature's accuracy is not stated (about 0.11 m).
DEFAULT_DECIMALS = 6


def decimals_for(accuracy: Any) -> int:
    """Return the decimal places of a degree to keep for a feature of this accuracy.

    Examples
    --------
    >>> decimals_for("official"), decimals_for("indicative"), decimals_for(None)
    (5, 4, 6)
    """
    return DECIMALS_BY_ACCURACY.get(str(accuracy), DEFAULT_DECIMALS)


def to_display_crs(gdf: gpd.GeoDataFrame, simplify_m: float | None = None) -> gpd.GeoSeries:
    """Return the geometries in WGS84 lon/lat, optionally simplified by a tolerance in metres.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Features with an explicit CRS (naive geometries are refused).
    simplify_m : float, optional
        Douglas–Peucker tolerance in metres, applied in the CGCS2000 3-degree
        Gauss–Krüger zone of the layer (never in degrees, never Web Mercator).

    Raises
    ------
    CRSError
        When the layer has no CRS.
    """
    if gdf.crs is None:
        raise CRSError("layer has no CRS; cannot place it on a map (set one when reading it)")
    geoms = reproject(gdf.geometry, WGS84)  # through CGCS2000's lon/lat: the same floats
    if simplify_m:
        local = reproject(geoms, gk_zone_crs_for(geoms))
        simple = shapely.make_valid(local.simplify(simplify_m, preserve_topology=True).values)
        geoms = reproject(gpd.GeoSeries(simple, crs=local.crs), WGS84)
    return geoms


def _rounder(places: int) -> Callable[[FloatArray], FloatArray]:
    def round_xy(xy: FloatArray) -> FloatArray:
        return np.round(xy, places)

    return round_xy


def round_geometries(geoms: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    """Snap geometries to a grid of ``10**-decimals`` degrees, keeping each one valid.

    GEOS's precision model (:func:`shapely.set_precision`, valid output) does
    the snapping, so a ring never keeps fewer than four points and a polygon
    never crosses itself; a feature smaller than the grid becomes empty, which
    :func:`feature_collection_json` refuses. The snapped values are then written
    with ``decimals`` places (no float noise such as ``106.22350000000001``).

    Examples
    --------
    >>> from shapely import Polygon
    >>> thin = Polygon([(106.2, 29.5), (106.204, 29.5), (106.204, 29.5004), (106.2, 29.5004)])
    >>> round_geometries(np.array([thin]), np.array([3]))[0].is_empty
    True
    >>> round_geometries(np.array([thin]), np.array([4]))[0].is_valid
    True
    """
    out = geoms.copy()
    for places in np.unique(decimals):
        sel = decimals == places
        snapped = shapely.set_precision(geoms[sel], 10.0 ** -int(places))
        out[sel] = shapely.transform(snapped, _rounder(int(places)))
    return out


def _refuse_collapsed(
    before: np.ndarray, after: np.ndarray, places: np.ndarray, names: Sequence[str] | None
) -> None:
    lost = ~shapely.is_empty(before) & shapely.is_empty(after)
    if not lost.any():
        return
    i = int(np.flatnonzero(lost)[0])
    label = names[i] if names is not None else f"feature {i}"
    step_m = 111_320 * 10.0 ** -int(places[i])
    raise PrecisionError(
        f"{label}: vanishes when kept to {int(places[i])} decimal places of a degree "
        f"(a grid of about {step_m:,.0f} m); keep more decimals (--decimals)"
    )


def round_or_refuse(
    geoms: np.ndarray, decimals: np.ndarray, names: Sequence[str] | None = None
) -> np.ndarray:
    """Return :func:`round_geometries` of ``geoms``; PrecisionError if a feature vanishes.

    ``names`` name each feature in the message (its id), else its position.
    """
    rounded = round_geometries(geoms, decimals)
    _refuse_collapsed(geoms, rounded, decimals, names)
    return rounded


def feature_collection_json(
    geoms: gpd.GeoSeries,
    properties: Sequence[dict[str, Any]],
    decimals: Sequence[int] | int = DEFAULT_DECIMALS,
    names: Sequence[str] | None = None,
) -> str:
    r"""Write features as compact, script-safe GeoJSON text (no ids, no bboxes).

    Parameters
    ----------
    geoms : geopandas.GeoSeries
        Geometries in WGS84 lon/lat (see :func:`to_display_crs`).
    properties : sequence of dict
        One dict per geometry, written as the feature's ``properties``.
    decimals : int or sequence of int
        Decimal places of a degree kept, for all features or per feature.
    names : sequence of str, optional
        How to name each feature in an error message (its id).

    Raises
    ------
    PrecisionError
        A feature would vanish on the grid the decimals give.

    Examples
    --------
    >>> from shapely import Point
    >>> gs = gpd.GeoSeries([Point(106.2235391, 29.5947212)], crs=4326)
    >>> feature_collection_json(gs, [{"t": "<b>"}], 4)
    '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[106.2235,29.5947]},"properties":{"t":"\\u003cb\\u003e"}}]}'
    """
    arr = np.asarray(geoms.values, dtype=object)
    places = np.broadcast_to(np.asarray(decimals, dtype=int), arr.shape)
    rounded = round_or_refuse(arr, places, names)
    texts = shapely.to_geojson(rounded)
    features = [
        f'{{"type":"Feature","geometry":{geom},"properties":{script_json(props)}}}'
        for geom, props in zip(texts, properties, strict=True)
    ]
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"
