"""Area measurement: the area of record and its named cross-checks.

The area of record is on the CGCS2000 ellipsoid (GRS80 parameters, the figure
Chinese land surveys use) with every edge a straight line in geodetic
longitude/latitude: the strip rule of :mod:`spatial.measure.strip` (RFC 7946's
edge, the 2008 land-survey ellipsoidal-area rule, GRASS's ``area_poly1.c``),
computed from each vertex's geodetic coordinates whatever CRS the layer is
stored in (:func:`spatial.measure.record.area_of_record_m2`). Two other edge
models are reported beside it as named cross-checks, never as the figure:

* ``planar``: the plane of the CGCS2000 3-degree Gauss–Krüger zone of the data
  (EPSG:4534–4554; EPSG:4544 for Bishan), edges straight in that plane; it
  carries the zone's scale error (about +0.03% at 106.2°E);
* ``geodesic``: edges along geodesics (:class:`pyproj.Geod`, GeographicLib),
  what PostGIS ``geography`` and QGIS's ellipsoidal measure report. On a long
  east–west edge a geodesic bows poleward of the parallel-like lon/lat line:
  288 m² (1.9e-5) less on ``zone-kcxz``, whose 4.4 km edge runs east–west.

Web Mercator is never used. Units: square metres (``m2``), hectares (``ha``),
square kilometres (``km2``) and 亩 (``mu``, 1 亩 = 10000/15 m²).

Examples
--------
>>> from spatial.io.layers import bundled_layer_path, read_layer
>>> zones = read_layer(bundled_layer_path("zones"))
>>> table = area_table(zones)
>>> row = table.loc[table["id"] == "zone-kcxz"].iloc[0]
>>> round(float(row["area_km2"]), 6), round(float(row["geodesic_km2"]), 6)
(15.000569, 15.000281)
"""

from __future__ import annotations

from typing import TypeAlias

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod

from spatial.crs import WGS84, gk_zone_crs_for, reproject
from spatial.errors import CRSError, LayerError
from spatial.measure.oriented import oriented_rings
from spatial.measure.record import area_of_record_m2
from spatial.measure.rings import polygonal_parts
from spatial.units import M2_PER_HA, M2_PER_KM2, M2_PER_MU

__all__ = [
    "GRS80",
    "area_table",
    "ellipsoidal_area_m2",
    "geodesic_area_m2",
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
    return reproject(series, WGS84)


def ellipsoidal_area_m2(geoms: GeometryInput, *, oriented: bool = False) -> np.ndarray:
    """Return each geometry's area of record on CGCS2000 (GRS80), in square metres.

    Parameters
    ----------
    geoms : geopandas.GeoSeries or geopandas.GeoDataFrame
        Geometries with a CRS, in any CRS: the vertices are converted to
        geodetic coordinates (a Gauss–Krüger layer by the inverse projection,
        the land-survey rule), never the geometries reprojected. Points and
        lines (geometries of dimension < 2) have area 0, whatever their shape;
        a GeometryCollection counts its polygons only; holes are subtracted,
        whatever the orientation of the rings; empty or missing geometries give 0.
    oriented : bool
        Measure each geometry as ``shapely.orient_polygons`` would give it
        (shells counter-clockwise, holes clockwise), bit for bit, without building
        it (:mod:`spatial.measure.oriented`); the same refusals.

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
    Every edge is a straight line in geodetic longitude/latitude (the edge of
    RFC 7946 and of the cut: pieces of a tiling add up to the whole, to
    rounding, about 1e-12). Geodesic edges (:func:`geodesic_area_m2`) differ by
    the lens between the two lines on each edge, growing with the cube of its
    east–west length: 0.003 m² on a 100 m parcel edge, but 288 m² (1.9e-5) on
    ``zone-kcxz`` and 688 m² on its cluster, whose edges run kilometres east–west.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> cell = gpd.GeoSeries([box(106.0, 29.5, 106.01, 29.51)], crs="EPSG:4326")
    >>> round(float(ellipsoidal_area_m2(cell)[0]))  # about 969 m x 1109 m
    1074762
    """
    series = _geoseries(geoms)
    if series.crs is None:
        to_lonlat(series)  # raises the one message for a layer without CRS
    # Lines and points become empty polygons (area 0).
    parts = polygonal_parts(np.asarray(series.array, dtype=object))
    return area_of_record_m2(parts, series.crs, arrange=oriented_rings if oriented else None)


def geodesic_area_m2(geoms: GeometryInput) -> np.ndarray:
    """Return each geometry's area with geodesic edges on GRS80 (a cross-check), m².

    What PostGIS ``ST_Area(geography)`` and QGIS's ellipsoidal measure report:
    :meth:`pyproj.Geod.geometry_area_perimeter` (GeographicLib) on the
    vertices in EPSG:4326. Not the area of record: see :func:`ellipsoidal_area_m2`.

    Raises
    ------
    CRSError
        When the input carries no CRS.

    Examples
    --------
    A triangle with a 4.8 km east–west edge: its geodesic edges enclose 355 m² more.

    >>> from shapely.geometry import Polygon
    >>> tri = gpd.GeoSeries([Polygon([(106.0, 29.5), (106.05, 29.5), (106.0, 29.52)])],
    ...                     crs="EPSG:4326")
    >>> round(float(geodesic_area_m2(tri)[0] - ellipsoidal_area_m2(tri)[0]))  # m²
    355
    """
    lonlat = np.asarray(to_lonlat(geoms).array, dtype=object)
    oriented = shapely.orient_polygons(polygonal_parts(lonlat), exterior_cw=False)
    return np.array(
        [0.0 if g is None else abs(GRS80.geometry_area_perimeter(g)[0]) for g in oriented],
        dtype=float,
    )


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
    return reproject(lonlat, gk_zone_crs_for(lonlat))


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


def area_table(gdf: gpd.GeoDataFrame, id_field: str = "id") -> pd.DataFrame:
    """Tabulate each feature's area of record in every unit, with the two cross-checks.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Features with a CRS.
    id_field : str
        Column identifying the features; copied as the first column.

    Returns
    -------
    pandas.DataFrame
        Columns ``id_field, area_m2, area_ha, area_km2, area_mu, planar_km2,
        geodesic_km2``; ``area_*`` are the area of record (GRS80, edges straight
        in lon/lat), ``planar_km2`` is in the Gauss–Krüger zone, ``geodesic_km2``
        with geodesic edges. Lines and points have area 0.

    Raises
    ------
    LayerError
        When ``id_field`` is not a column; the message lists the columns.
    CRSError
        When the layer carries no CRS.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> gdf = gpd.GeoDataFrame({"id": ["a"]}, geometry=[box(106.0, 29.5, 106.01, 29.51)],
    ...                        crs="EPSG:4326")
    >>> area_table(gdf).round(3).to_dict("records")[0]  # doctest: +NORMALIZE_WHITESPACE
    {'id': 'a', 'area_m2': 1074761.677, 'area_ha': 107.476, 'area_km2': 1.075,
     'area_mu': 1612.143, 'planar_km2': 1.075, 'geodesic_km2': 1.075}
    """
    if id_field not in gdf.columns:
        raise LayerError(f"no column {id_field!r}; columns are {', '.join(map(str, gdf.columns))}")
    area_m2 = ellipsoidal_area_m2(gdf)
    return pd.DataFrame(
        {
            id_field: gdf[id_field].to_numpy(),
            "area_m2": area_m2,
            "area_ha": area_m2 / M2_PER_HA,
            "area_km2": area_m2 / M2_PER_KM2,
            "area_mu": area_m2 / M2_PER_MU,
            "planar_km2": planar_area_m2(gdf) / M2_PER_KM2,
            "geodesic_km2": geodesic_area_m2(gdf) / M2_PER_KM2,
        }
    )
