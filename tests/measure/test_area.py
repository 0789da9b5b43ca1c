"""Area measurement against answers known independently of the code under test."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon
from tiny_geoms import GRS80_R2_M, cell, layer, quadrangle_area_m2

from spatial.crs import gk_zone_crs_for
from spatial.errors import CRSError, LayerError
from spatial.io.layers import bundled_layer_path, read_layer
from spatial.measure.area import (
    area_table,
    ellipsoidal_area_m2,
    planar_area_m2,
    to_gauss_kruger,
)
from spatial.units import M2_PER_MU, convert_area


def test_closed_form_matches_the_published_surface_of_grs80():
    # The test's own reference formula, over the whole ellipsoid, against Moritz (1980):
    # the sphere of equal surface has R2 = 6 371 007.1810 m.
    whole = quadrangle_area_m2(-180, -90, 180, 90)
    assert whole == pytest.approx(4 * math.pi * GRS80_R2_M**2, rel=1e-9)
    assert whole / 1e6 == pytest.approx(510_065_621.7, abs=0.5)  # km², published


@pytest.mark.parametrize(
    ("lon1", "lat1", "lon2", "lat2"),
    [
        (106.0, 29.0, 107.0, 30.0),  # the 1°x1° cell holding Bishan
        (106.0, 0.0, 107.0, 1.0),  # at the equator
        (106.0, 45.0, 107.0, 46.0),  # Harbin's latitude
        (106.2, 29.6, 106.21, 29.61),  # a 1 km cell
    ],
)
def test_lonlat_cell_matches_closed_form(lon1, lat1, lon2, lat2):
    measured = ellipsoidal_area_m2(layer(["c"], [cell(lon1, lat1, lon2, lat2)]))[0]
    assert measured == pytest.approx(quadrangle_area_m2(lon1, lat1, lon2, lat2), rel=1e-6)


def test_one_degree_cell_figure():
    # 106–107°E, 29–30°N on GRS80: the closed form gives 10 7xx km²; check its order by hand:
    # 111.2 km (1° of latitude) x 96.8 km (1° of longitude at 29.5°) = 10 765 km².
    area_km2 = ellipsoidal_area_m2(layer(["c"], [cell(106, 29, 107, 30)]))[0] / 1e6
    assert area_km2 == pytest.approx(10_765, rel=2e-3)


def test_hole_is_subtracted_whatever_the_ring_orientation():
    outer = [(106.2, 29.6), (106.3, 29.6), (106.3, 29.7), (106.2, 29.7)]
    hole = [(106.22, 29.62), (106.24, 29.62), (106.24, 29.64), (106.22, 29.64)]
    area_outer = ellipsoidal_area_m2(layer(["o"], [Polygon(outer)]))[0]
    area_hole = ellipsoidal_area_m2(layer(["h"], [Polygon(hole)]))[0]
    for ring in (hole, hole[::-1]):
        for shell in (outer, outer[::-1]):
            holed = ellipsoidal_area_m2(layer(["x"], [Polygon(shell, [ring])]))[0]
            assert holed == pytest.approx(area_outer - area_hole, rel=1e-12)


def test_points_lines_and_empty_have_zero_area():
    geoms = [Point(106.2, 29.6), LineString([(106.2, 29.6), (106.3, 29.7)]), Polygon()]
    assert ellipsoidal_area_m2(layer(["p", "l", "e"], geoms)).tolist() == [0.0, 0.0, 0.0]


def test_district_area_matches_the_official_figure():
    district = read_layer(bundled_layer_path("district"))
    area_km2 = ellipsoidal_area_m2(district)[0] / 1e6
    assert 912 <= area_km2 <= 916  # 璧山区: about 912–915 km² (official)


def test_refuses_geometries_without_crs():
    naive = gpd.GeoSeries([cell(106.2, 29.6, 106.21, 29.61)])
    with pytest.raises(CRSError, match="no CRS"):
        ellipsoidal_area_m2(naive)
    with pytest.raises(CRSError, match="no CRS"):
        planar_area_m2(naive)


@pytest.mark.parametrize("crs", ["EPSG:4490", "EPSG:4544"])
def test_other_crs_are_reprojected_not_misread(crs):
    zones = read_layer(bundled_layer_path("zones"))
    expected = ellipsoidal_area_m2(zones)
    # 4490 (CGCS2000 degrees) and 4544 (GK metres): the same shapes, other coordinates.
    assert ellipsoidal_area_m2(zones.to_crs(crs)) == pytest.approx(expected, rel=1e-6)


def test_planar_gk_cross_check_is_close_but_not_identical():
    zones = read_layer(bundled_layer_path("zones"))
    ratio = planar_area_m2(zones) / ellipsoidal_area_m2(zones)
    # Scale error of the 105°E zone at ~106.2°E (x ≈ 116 km): k² − 1 ≈ x²/R² ≈ 3.3e-4.
    assert np.all((ratio > 1.0002) & (ratio < 1.0005))


def test_planar_area_uses_the_gk_zone_not_web_mercator():
    one_km = layer(["c"], [cell(106.2, 29.6, 106.21, 29.61)])
    mercator = one_km.to_crs(3857).area.iloc[0]
    planar = planar_area_m2(one_km)[0]
    assert mercator / planar > 1.3  # Web Mercator inflates by 1/cos²(29.6°) ≈ 1.32
    assert planar == pytest.approx(ellipsoidal_area_m2(one_km)[0], rel=5e-4)


@pytest.mark.parametrize(
    ("m2", "unit", "expected"),
    [
        (1_000_000, "km2", 1.0),
        (1_000_000, "ha", 100.0),
        (1_000_000, "mu", 1500.0),  # 1 km² = 1500 亩
        (10_000 / 15, "mu", 1.0),
        (5.0, "m2", 5.0),
    ],
)
def test_convert_area(m2, unit, expected):
    assert convert_area(m2, unit) == pytest.approx(expected)


def test_convert_area_names_valid_units():
    with pytest.raises(ValueError, match="m2, ha, km2, mu"):
        convert_area(1.0, "acre")


def test_area_table_units_agree():
    table = area_table(read_layer(bundled_layer_path("zones")))
    assert list(table.columns) == [
        "id",
        "area_m2",
        "area_ha",
        "area_km2",
        "area_mu",
        "planar_km2",
        "geodesic_km2",
    ]
    row = table.set_index("id").loc["zone-kcxz"]
    assert row.area_km2 == pytest.approx(15.0, rel=1e-3)
    assert row.area_ha == pytest.approx(row.area_m2 / 1e4)
    assert row.area_mu == pytest.approx(row.area_m2 / M2_PER_MU)
    assert row.area_mu == pytest.approx(22_500, rel=1e-3)  # 15 km² = 22 500 亩


# ---------------------------------------------------------------- lines, collections, errors


def test_open_line_with_three_vertices_has_zero_area():
    # pyproj.Geod would close this line into a triangle of about 54 km².
    line = LineString([(106.2, 29.5), (106.3, 29.6), (106.3, 29.5)])
    lines = [line, line.reverse(), shapely.MultiLineString([line, line.reverse()])]
    assert ellipsoidal_area_m2(layer(["a", "b", "c"], lines)).tolist() == [0.0, 0.0, 0.0]


def test_collection_counts_only_its_polygons():
    poly = cell(106.2, 29.6, 106.21, 29.61)
    line = LineString([(106.3, 29.5), (106.4, 29.6), (106.4, 29.5)])
    mixed = shapely.GeometryCollection([poly, line, Point(106.5, 29.5)])
    got = ellipsoidal_area_m2(layer(["m"], [mixed]))[0]
    assert got == pytest.approx(quadrangle_area_m2(106.2, 29.6, 106.21, 29.61), rel=1e-6)


def test_bundled_avenue_has_no_area():
    table = area_table(read_layer(bundled_layer_path("corridor"))).set_index("id")
    assert table.loc["avenue-daishan", "area_km2"] == 0.0
    assert table.loc["avenue-daishan", "planar_km2"] == 0.0
    assert table.loc["corridor-band", "area_km2"] > 100  # 2 km either side of a 31 km avenue


def test_area_table_unknown_column_is_a_layer_error():
    zones = read_layer(bundled_layer_path("zones"))
    with pytest.raises(LayerError, match="no column 'code'; columns are id, name_zh"):
        area_table(zones, id_field="code")


def test_gauss_kruger_zone_of_empty_input_is_a_crs_error():
    with pytest.raises(CRSError, match="no features to choose a Gauss-Kruger zone from"):
        to_gauss_kruger(gpd.GeoSeries([], crs="EPSG:4326"))


def test_gauss_kruger_zone_ignores_empty_layers_and_missing_geometries():
    empty = gpd.GeoSeries([], crs="EPSG:4326")
    missing = gpd.GeoSeries([None], crs="EPSG:4326")
    # Chongqing in metres (EPSG:4544) and Beijing in degrees: centre 111.3°E, CM 111°E.
    chongqing = gpd.GeoSeries([Point(106.2, 29.6)], crs="EPSG:4326").to_crs(4544)
    beijing = gpd.GeoSeries([Point(116.4, 39.9)], crs="EPSG:4326")
    assert gk_zone_crs_for(empty, missing, chongqing).to_epsg() == 4544
    assert gk_zone_crs_for(empty, chongqing, beijing).to_epsg() == 4546
    with pytest.raises(CRSError, match="no features to choose a Gauss-Kruger zone from"):
        gk_zone_crs_for(empty, missing)
    with pytest.raises(CRSError, match="carries no CRS"):
        gk_zone_crs_for(gpd.GeoSeries([Point(106.2, 29.6)]))
