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

from spatial.crs import WGS84, gk_zone_crs_for
from spatial.errors import CRSError
from spatial.webmap.escape import script_json

__all__ = ["DECIMALS_BY_ACCURACY", "decimals_for", "feature_collection_json", "to_display_crs"]

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
    geoms = gdf.geometry.to_crs(WGS84)
    if simplify_m:
        local = geoms.to_crs(gk_zone_crs_for(geoms))
        geoms = local.simplify(simplify_m, preserve_topology=True).to_crs(WGS84)
    return geoms


def _rounder(places: int) -> Callable[[FloatArray], FloatArray]:
    def round_xy(xy: FloatArray) -> FloatArray:
        return np.round(xy, places)

    return round_xy


def _round(geoms: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    out = geoms.copy()
    for places in np.unique(decimals):
        sel = decimals == places
        out[sel] = shapely.transform(geoms[sel], _rounder(int(places)))
    return shapely.remove_repeated_points(out)


def feature_collection_json(
    geoms: gpd.GeoSeries,
    properties: Sequence[dict[str, Any]],
    decimals: Sequence[int] | int = DEFAULT_DECIMALS,
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

    Examples
    --------
    >>> from shapely import Point
    >>> gs = gpd.GeoSeries([Point(106.2235391, 29.5947212)], crs=4326)
    >>> feature_collection_json(gs, [{"t": "<b>"}], 4)
    '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[106.2235,29.5947]},"properties":{"t":"\\u003cb\\u003e"}}]}'
    """
    arr = np.asarray(geoms.values, dtype=object)
    places = np.broadcast_to(np.asarray(decimals, dtype=int), arr.shape)
    texts = shapely.to_geojson(_round(arr, places))
    features = [
        f'{{"type":"Feature","geometry":{geom},"properties":{script_json(props)}}}'
        for geom, props in zip(texts, properties, strict=True)
    ]
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"
