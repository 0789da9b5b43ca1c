"""Oriented areas: one measuring function, the plain path's figures and refusals.

``ellipsoidal_area_m2(..., oriented=True)`` must give what the plain path gives
for the oriented geometries (``ellipsoidal_area_m2(orient_polygons(...))``), bit
for bit, including its zeros for lines and points and its refusal of a layer
without a CRS; synthetic survey parcels (示例数据) with rings turned both ways.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from survey import survey_parcels

from spatial.errors import CRSError, LayerError
from spatial.measure.area import ellipsoidal_area_m2
from spatial.measure.oriented import oriented_area_of_record_m2
from spatial.measure.record import area_of_record_m2


def _turned_both_ways() -> gpd.GeoSeries:
    parcels = survey_parcels()
    geoms = np.asarray(parcels.geometry.array, dtype=object)
    flipped = geoms.copy()
    flipped[::2] = shapely.reverse(geoms[::2])  # every other parcel clockwise
    holed = shapely.Polygon(
        [(620_000, 3_280_000), (620_000, 3_280_100), (620_100, 3_280_100), (620_100, 3_280_000)],
        [[(620_010, 3_280_010), (620_050, 3_280_010), (620_050, 3_280_050), (620_010, 3_280_050)]],
    )  # shell clockwise, hole counter-clockwise: both reversed by orient_polygons
    extra = [holed, shapely.LineString([(620_000, 3_280_000), (620_500, 3_280_000)])]
    extra += [shapely.Point(620_000, 3_280_000), None, shapely.Polygon()]
    return gpd.GeoSeries([*extra[:2], *flipped, *extra[2:]], crs=parcels.crs)


def test_oriented_is_the_plain_path_on_oriented_geometries() -> None:
    series = _turned_both_ways()
    expected = ellipsoidal_area_m2(
        gpd.GeoSeries(shapely.orient_polygons(series.array), crs=series.crs)
    )
    found = ellipsoidal_area_m2(series, oriented=True)
    assert found.tobytes() == expected.tobytes()
    assert found[1] == 0.0 and found[-3] == 0.0  # the line and the point, as the plain path
    assert found[0] == pytest.approx(100 * 100 - 40 * 40, rel=1e-3)  # a hole subtracted, m²


def test_oriented_without_crs_is_refused_as_plain() -> None:
    series = gpd.GeoSeries([shapely.box(106.2, 29.6, 106.21, 29.61)])
    with pytest.raises(CRSError) as plain:
        ellipsoidal_area_m2(series)
    with pytest.raises(CRSError) as oriented:
        ellipsoidal_area_m2(series, oriented=True)
    assert str(oriented.value) == str(plain.value)


def test_oriented_area_of_record_refuses_as_area_of_record() -> None:
    line = [shapely.LineString([(106.2, 29.6), (106.3, 29.6)])]
    with pytest.raises(LayerError) as plain:
        area_of_record_m2(line, what="zones")
    with pytest.raises(LayerError) as oriented:
        oriented_area_of_record_m2(line, what="zones")
    assert str(oriented.value) == str(plain.value)
    metres = [shapely.box(620_000, 3_280_000, 620_100, 3_280_100)]  # metres read as lon/lat
    with pytest.raises(CRSError) as plain_crs:
        area_of_record_m2(metres)
    with pytest.raises(CRSError) as oriented_crs:
        oriented_area_of_record_m2(metres)
    assert str(oriented_crs.value) == str(plain_crs.value)
