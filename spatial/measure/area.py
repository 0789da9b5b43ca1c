"""Area measurement: ellipsoidal areas of record, planar Gauss–Krüger cross-checks.

The area of record is ellipsoidal, on the CGCS2000 ellipsoid (GRS80 parameters,
the figure Chinese land surveys use), computed by :class:`pyproj.Geod` from
WGS84 longitude/latitude (EPSG:4326; WGS84 and CGCS2000 coordinates agree to a
few centimetres, far below any planning figure). The planar area in the
CGCS2000 3-degree Gauss–Krüger zone of the data (EPSG:4534–4554; EPSG:4544
for Bishan) is reported beside it as a cross-check: the two agree to about
0.03% here, the zone's scale error. Web Mercator is never used.

Units: square metres (``m2``), hectares (``ha``), square kilometres (``km2``)
and 亩 (``mu``, 1 亩 = 10000/15 m²).

Examples
--------
>>> from spatial.io.layers import bundled_layer_path, read_layer
>>> zones = read_layer(bundled_layer_path("zones"))
>>> table = area_table(zones)
>>> round(float(table.loc[table["id"] == "zone-kcxz", "area_km2"].iloc[0]), 2)
15.0
"""

from __future__ import annotations

from typing import TypeAlias

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Geod

from spatial.crs import WGS84, gk_zone_crs_for
from spatial.errors import CRSError, LayerError
from spatial.measure._fast_area import fast_ellipsoidal_area_m2, polygonal_parts
from spatial.units import M2_PER_HA, M2_PER_KM2, M2_PER_MU

__all__ = [
    "GRS80",
    "area_table",
    "ellipsoidal_area_m2",
    "planar_area_m2",
    "to_gauss_kruger",
    "to_lonlat",
]

#: The GRS80 ellipsoid, whose parameters CGCS2000 adopts (a = 6378137 m, 1/f = 298.257222101).
GRS80 = Geod(ellps="GRS80")

GeometryInput: TypeAlias = gpd.GeoSeries | gpd.GeoDataFrame


def _geoseries(geoms: GeometryInput) -> gpd.GeoSeries:
    if isinstance(geoms, gpd.GeoDataFrame):
        return geoms.geometry
    if isinstance(geoms, gpd.GeoSeries):
        return geoms
    raise TypeError(f"expected a GeoSeries or GeoDataFrame with a CRS, got {type(geoms).__name__}")


def to_lonlat(geoms: GeometryInput) -> gpd.GeoSeries:
    """Return the geometries in WGS84 longitude/latitude (EPSG:4326), reprojecting if needed.

    Raises
    ------
    CRSError
        When the input carries no CRS: its coordinates could be degrees or metres.
    """
    series = _geoseries(geoms)
    if series.crs is None:
        raise CRSError(
            "geometries carry no CRS; set one first (e.g. .set_crs('EPSG:4326') for "
            "longitude/latitude degrees) — areas cannot be measured in unknown units"
        )
    if series.crs.equals(WGS84):
        return series
    return series.to_crs(WGS84)


def ellipsoidal_area_m2(geoms: GeometryInput) -> np.ndarray:
    """Return each geometry's ellipsoidal area on GRS80 (CGCS2000), in square metres.

    Parameters
    ----------
    geoms : geopandas.GeoSeries or geopandas.GeoDataFrame
        Geometries with a CRS. Geographic inputs other than EPSG:4326 and
        projected inputs are reprojected to EPSG:4326 (lon/lat) first.
        Points and lines (geometries of dimension < 2) have area 0, whatever
        their shape; a GeometryCollection counts its polygons only; holes are
        subtracted, whatever the orientation of the rings; empty or missing
        geometries give 0.

    Returns
    -------
    numpy.ndarray
        One float per geometry, square metres, in input order.

    Raises
    ------
    CRSError
        When the input carries no CRS.

    Notes
    -----
    Polygon edges are taken as geodesics between their vertices (pyproj's
    Karney algorithm); for edges of a few kilometres this differs from
    straight lines on any map projection by far less than a square metre.
    Polygons up to 500 m across are measured at planar speed by
    :func:`spatial._fast_area.fast_ellipsoidal_area_m2` (an ellipsoidal
    equal-area projection, within 5e-7 relative of pyproj.Geod, typically
    1e-8, or Geod's own 1e-4 m² rounding floor); larger ones by pyproj.Geod.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> cell = gpd.GeoSeries([box(106.0, 29.5, 106.01, 29.51)], crs="EPSG:4326")
    >>> round(float(ellipsoidal_area_m2(cell)[0]))  # about 969 m x 1109 m
    1074762
    """
    lonlat = np.asarray(to_lonlat(geoms).array, dtype=object)
    # Lines and points become empty polygons (area 0): pyproj.Geod would close a
    # line into a ring and measure it.
    return fast_ellipsoidal_area_m2(polygonal_parts(lonlat))


def to_gauss_kruger(geoms: GeometryInput) -> gpd.GeoSeries:
    """Return the geometries in the CGCS2000 3-degree Gauss–Krüger zone of their centre (metres).

    The zone is chosen from the centre longitude of the geometries' bounds
    (EPSG:4544, central meridian 105°E, for Bishan); see
    :func:`spatial.crs.gk_zone_crs_for`.

    Raises
    ------
    CRSError
        When the input carries no CRS, or has no non-empty geometry.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> pts = gpd.GeoSeries([Point(106.2, 29.6)], crs="EPSG:4326")
    >>> to_gauss_kruger(pts).crs.to_epsg()
    4544
    """
    lonlat = to_lonlat(geoms)
    return lonlat.to_crs(gk_zone_crs_for(lonlat))


def planar_area_m2(geoms: GeometryInput) -> np.ndarray:
    """Return each geometry's planar area in its CGCS2000 Gauss–Krüger zone, square metres.

    A cross-check of :func:`ellipsoidal_area_m2`, not the figure of record:
    it includes the zone's scale error (about +0.03% at 106.2°E, 1.2° from the
    central meridian).

    Raises
    ------
    CRSError
        When the input carries no CRS.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> cell = gpd.GeoSeries([box(106.0, 29.5, 106.01, 29.51)], crs="EPSG:4326")
    >>> round(float(planar_area_m2(cell)[0] / ellipsoidal_area_m2(cell)[0]), 4)  # 1.0° from 105°E
    1.0002
    """
    return np.asarray(to_gauss_kruger(geoms).area, dtype=float)


def area_table(gdf: gpd.GeoDataFrame, id_col: str = "id") -> pd.DataFrame:
    """Tabulate each feature's area in every unit, ellipsoidal, with the planar cross-check.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Features with a CRS.
    id_col : str
        Column identifying the features; copied as the first column.

    Returns
    -------
    pandas.DataFrame
        Columns ``id_col, area_m2, area_ha, area_km2, area_mu, planar_km2``;
        ``area_*`` are ellipsoidal (GRS80), ``planar_km2`` is in the
        Gauss–Krüger zone. Lines and points have area 0.

    Raises
    ------
    LayerError
        When ``id_col`` is not a column; the message lists the columns.
    CRSError
        When the layer carries no CRS.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> gdf = gpd.GeoDataFrame({"id": ["a"]}, geometry=[box(106.0, 29.5, 106.01, 29.51)],
    ...                        crs="EPSG:4326")
    >>> area_table(gdf).round(3).to_dict("records")[0]  # doctest: +NORMALIZE_WHITESPACE
    {'id': 'a', 'area_m2': 1074761.678, 'area_ha': 107.476, 'area_km2': 1.075,
     'area_mu': 1612.143, 'planar_km2': 1.075}
    """
    if id_col not in gdf.columns:
        raise LayerError(f"no column {id_col!r}; columns are {', '.join(map(str, gdf.columns))}")
    area_m2 = ellipsoidal_area_m2(gdf)
    return pd.DataFrame(
        {
            id_col: gdf[id_col].to_numpy(),
            "area_m2": area_m2,
            "area_ha": area_m2 / M2_PER_HA,
            "area_km2": area_m2 / M2_PER_KM2,
            "area_mu": area_m2 / M2_PER_MU,
            "planar_km2": planar_area_m2(gdf) / M2_PER_KM2,
        }
    )
