"""Difference and buffer coverage along long Gauss–Krüger edges: a piece that lost nothing is whole.

On tests/survey.py's synthetic (示例数据) EPSG:4544 coverage. The 2.4 km road has no vertex
between its ends; a farmland box below it whose corners lie on the road's south edge makes
GEOS insert them there, and the survey rule (edges straight in lon/lat between vertices)
then measures the road's copy a lens smaller, though nothing of it was removed. Every
expected figure is cut here with shapely in EPSG:4544 and measured by the tests' own
strip-rule oracle (``oracle_area_m2``: vertices to EPSG:4490, ``strip_reference``), or by
the strip rule written out below on the four corners of a box.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from survey import GK, X0, Y0, gk_to_lonlat, oracle_area_m2, survey_parcels

from spatial.cli import main
from spatial.overlay.operations import buffer_coverage, difference, tabulate_intersection
from spatial.overlay.scan_ops import coverage_file, difference_file

#: Relative agreement of the toolkit's strips with the oracle's quadrature.
REL = 1e-9


def _road() -> gpd.GeoDataFrame:
    parcels = survey_parcels()
    return parcels[parcels["BSM"] == "R"].reset_index(drop=True)


def _gk_box(x1: float, y1: float, x2: float, y2: float) -> shapely.Polygon:
    return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def _farmland(*boxes: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    geoms = [_gk_box(*b) for b in boxes]
    ids = [f"F{i}" for i in range(len(geoms))]
    return gpd.GeoDataFrame({"id": ids, "note": "示例数据 synthetic"}, geometry=geoms, crs=GK)


def _strip_by_hand_m2(corners_gk: list[tuple[float, float]]) -> float:
    """The strip rule on a few vertices, written out: Σ over edges of ∫Q(φ)dλ, Simpson's rule.

    GRS80; Q(φ) the area from the equator per radian of longitude (closed form).
    """
    a, f = 6378137.0, 1 / 298.257222101
    e2 = f * (2 - f)
    e = math.sqrt(e2)
    to_ll = Transformer.from_crs(GK, "EPSG:4490", always_xy=True)
    pts = [to_ll.transform(x, y) for x, y in corners_gk]

    def q(lat: float) -> float:
        s = math.sin(lat)
        return a * a * (1 - e2) / 2 * (s / (1 - e2 * s * s) + math.atanh(e * s) / e)

    total = 0.0
    for (lon1, lat1), (lon2, lat2) in zip(pts, pts[1:] + pts[:1], strict=True):
        p1, p2 = math.radians(lat1), math.radians(lat2)
        mid = q((p1 + p2) / 2)
        total += (math.radians(lon2) - math.radians(lon1)) * (q(p1) + 4 * mid + q(p2)) / 6
    return abs(total)


# ------------------------------------------------ a feature the other layer only touches


@pytest.mark.parametrize("box", [(600.0, 0.0, 1800.0, 500.0), (150.0, 0.0, 450.0, 500.0)])
def test_a_road_beside_a_farmland_box_loses_nothing(box: tuple[float, float, float, float]):
    road = _road()
    geom = road.geometry.iloc[0]
    whole_m2 = oracle_area_m2(geom)
    # the road as GEOS re-nodes it: the box's corners on its south edge, the lens lost
    renoded_m2 = oracle_area_m2(shapely.difference(geom, _gk_box(*box)))
    assert whole_m2 - renoded_m2 > 40.0  # 86 m² for the 1.2 km box, 47 m² for the 300 m one
    out = difference(road, _farmland(box), "BSM")
    assert out["share_of_a"].iloc[0] == 1.0
    assert out["area_km2"].iloc[0] * 1e6 == pytest.approx(whole_m2, rel=REL)
    corners = [(X0, Y0 + 500), (X0 + 2400, Y0 + 500), (X0 + 2400, Y0 + 520), (X0, Y0 + 520)]
    assert out["area_km2"].iloc[0] * 1e6 == pytest.approx(_strip_by_hand_m2(corners), rel=1e-8)
    written = out.geometry.iloc[0]  # the road's own four corners, moved to EPSG:4326
    assert shapely.get_num_coordinates(written) == 5
    assert written.equals_exact(
        gk_to_lonlat(geom), tolerance=1e-9
    ) or written.normalize().equals_exact(gk_to_lonlat(geom).normalize(), tolerance=1e-9)


def test_a_feature_touching_in_lonlat_is_whole_too():
    """In lon/lat, a box below a 2 km strip sharing part of its south edge: GEOS inserts corners."""
    strip = shapely.box(106.20, 29.60, 106.22, 29.6002)
    below = shapely.box(106.205, 29.59, 106.215, 29.60)
    a = gpd.GeoDataFrame({"id": ["R"], "note": ["示例数据"]}, geometry=[strip], crs="EPSG:4490")
    b = gpd.GeoDataFrame({"id": ["F"], "note": ["示例数据"]}, geometry=[below], crs="EPSG:4490")
    assert shapely.get_num_coordinates(shapely.difference(strip, below)) == 7  # re-noded
    out = difference(a, b)
    assert out["share_of_a"].iloc[0] == 1.0
    assert shapely.get_num_coordinates(out.geometry.iloc[0]) == 5


# ------------------------------------------------ a feature partly removed


def test_a_partly_removed_road_and_its_removed_part_add_up_to_it():
    road, box = _road(), (600.0, 0.0, 1800.0, 510.0)  # 10 m into the road, 1.2 km long
    geom = road.geometry.iloc[0]
    whole_m2 = oracle_area_m2(geom)
    kept_m2 = oracle_area_m2(shapely.difference(geom, _gk_box(*box)))
    removed_m2 = oracle_area_m2(shapely.intersection(geom, _gk_box(*box)))
    closure_m2 = whole_m2 - kept_m2 - removed_m2
    assert abs(closure_m2) > 50.0  # the lens of the road's south edge, cut at 600 and 1800
    out = difference(road, _farmland(box), "BSM")
    area_m2 = out["area_km2"].iloc[0] * 1e6
    # the removed part as a tabulation gives it (its closure is within the road's own lenses,
    # so left as measured), the kept part the rest: they add up to the road
    assert area_m2 == pytest.approx(whole_m2 - removed_m2, rel=REL)
    # which is the kept part's plane area at the road's ratio of record to plane (the kept
    # part's centroid is the road's x): 22 m² nearer than spreading the closure over both parts
    plane_m2 = shapely.area(shapely.difference(geom, _gk_box(*box)))
    assert area_m2 == pytest.approx(plane_m2 * whole_m2 / geom.area, rel=1e-8)
    assert abs(area_m2 - kept_m2 * whole_m2 / (kept_m2 + removed_m2)) > 20.0
    assert out["share_of_a"].iloc[0] == pytest.approx(area_m2 / whole_m2, rel=REL)


@pytest.mark.parametrize(
    "box",
    [
        (1000.0, 500.0, 1400.0, 600.0),  # corners on the road's south edge, across it
        (1000.0, 510.0, 1400.0, 600.0),  # half its width, corners on its north edge
        (600.0, 0.0, 1800.0, 510.0),  # from the farmland below, 10 m into it
    ],
)
def test_difference_and_tabulation_of_the_survey_road_add_up_to_it(box):
    """A difference keeps what a tabulation does not count: the two shares add up to 1."""
    road = _road()
    farm = _farmland(box)
    kept = difference(road, farm, "BSM")["share_of_a"].iloc[0]
    pieces = tabulate_intersection(road, farm, "BSM", "id")["share_of_a"].sum()
    assert 0.0 < kept < 1.0
    assert abs(kept + pieces - 1.0) < 1e-9


def test_difference_and_tabulation_of_a_lone_road_add_up_to_it():
    """A 2.4 km × 20 m road alone in EPSG:4544 (not the survey's), a box's corner on its edge."""
    x0, y0 = 640_000.0, 3_290_000.0
    road = gpd.GeoDataFrame(
        {"id": ["R"], "note": ["示例数据 synthetic"]},
        geometry=[shapely.box(x0, y0, x0 + 2400, y0 + 20)],
        crs=GK,
    )
    farm = gpd.GeoDataFrame(
        {"id": ["F"], "note": ["示例数据 synthetic"]},
        geometry=[shapely.box(x0 + 2000, y0 + 20, x0 + 2600, y0 - 300)],
        crs=GK,
    )  # its north-west corner on the road's north edge; it covers the road's east sixth
    kept = difference(road, farm, "id")["share_of_a"].iloc[0]
    piece = tabulate_intersection(road, farm, "id", "id")["share_of_a"].sum()
    assert kept == pytest.approx(5 / 6, rel=1e-5)  # the areal scale across its 2.4 km
    assert abs(kept + piece - 1.0) < 1e-9


def test_a_zone_partly_covered_is_reconciled_with_what_covers_it():
    parcels = survey_parcels()
    a = gpd.GeoDataFrame(
        {"id": ["Z"], "note": ["示例数据"]}, geometry=[_gk_box(0.0, 0.0, 2400.0, 1000.0)], crs=GK
    )
    gone = parcels["BSM"].isin(["N02", "S03"])
    out = difference(a, parcels[~gone], "id")
    cover = shapely.union_all(parcels[~gone].geometry.to_numpy())
    zone = a.geometry.iloc[0]
    whole_m2 = oracle_area_m2(zone)
    kept_m2 = oracle_area_m2(shapely.difference(zone, cover))
    removed_m2 = oracle_area_m2(shapely.intersection(zone, cover))
    area_m2 = out["area_km2"].iloc[0] * 1e6
    assert abs(whole_m2 - kept_m2 - removed_m2) > 0.1  # the parcels' T-junction lenses
    # the parcels' pieces as a tabulation gives them, and the part kept: the zone, but for the
    # lenses of the T-junctions inside it (the union removed has none, the pieces have them)
    pieces_m2 = tabulate_intersection(a, parcels[~gone], "id", "BSM")["area_km2"].sum() * 1e6
    assert area_m2 + pieces_m2 == pytest.approx(whole_m2, rel=1e-7)
    assert area_m2 == pytest.approx(kept_m2, rel=1e-7)


def test_in_lonlat_nothing_is_adjusted():
    road = _road().set_geometry([gk_to_lonlat(_road().geometry.iloc[0])], crs="EPSG:4490")
    farm = _farmland((600.0, 0.0, 1800.0, 510.0))
    farm = farm.set_geometry([gk_to_lonlat(g) for g in farm.geometry], crs="EPSG:4490")
    out = difference(road, farm, "BSM")
    from strip_reference import area_m2 as strip_m2  # noqa: PLC0415 - the tests' oracle

    part = shapely.difference(road.geometry.iloc[0], farm.geometry.iloc[0])
    assert out["area_km2"].iloc[0] * 1e6 == pytest.approx(strip_m2(part), rel=REL)


# ------------------------------------------------ the command, plain and scanned


@pytest.mark.parametrize("suffix", [".gpkg", ".parquet"])
def test_the_command_gives_the_road_whole(tmp_path, suffix: str):
    road_path, farm_path = tmp_path / f"road{suffix}", tmp_path / "farm.gpkg"
    road = _road()
    if suffix == ".parquet":
        road.to_parquet(road_path)
    else:
        road.to_file(road_path)
    _farmland((600.0, 0.0, 1800.0, 500.0)).to_file(farm_path)
    out = tmp_path / "out.csv"
    call = ["overlay", str(road_path), str(farm_path), "--op", "difference", "--a-id", "BSM",
            "--out", str(out)]  # fmt: skip
    assert main(call) == 0
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert table["share_of_a"].iloc[0] == 1.0
    assert table["area_km2"].iloc[0] * 1e6 == pytest.approx(
        oracle_area_m2(road.geometry.iloc[0]),
        rel=1e-6,  # CSV's printed digits
    )


def test_the_scanned_difference_and_coverage_are_the_plain_ones(tmp_path):
    parcels = survey_parcels()
    path = tmp_path / "parcels.parquet"
    parcels.to_parquet(path)
    farm = _farmland((600.0, 0.0, 1800.0, 510.0), (150.0, 600.0, 450.0, 1000.0))
    scanned = difference_file(path, farm, "BSM")
    plain = difference(parcels, farm, "BSM")
    pd.testing.assert_frame_equal(
        pd.DataFrame(scanned.drop(columns="geometry")), pd.DataFrame(plain.drop(columns="geometry"))
    )
    line = gpd.GeoDataFrame(
        {"id": ["c"]},
        geometry=[shapely.LineString([(X0 + 600, Y0 + 510), (X0 + 1800, Y0 + 510)])],
        crs=GK,
    )
    pd.testing.assert_frame_equal(
        coverage_file(path, line, 10.0, "BSM"), buffer_coverage(parcels, line, 10.0, "BSM")
    )


# ------------------------------------------------ buffer coverage


def _centre(*lines: shapely.LineString) -> gpd.GeoDataFrame:
    ids = [f"c{i}" for i in range(len(lines))]
    return gpd.GeoDataFrame({"id": ids, "note": "示例数据"}, geometry=list(lines), crs=GK)


def test_a_road_within_a_band_with_a_corner_on_its_edge_is_within_whole():
    """The road's band, and one below it whose caps meet the road's south edge at 1000, 1500."""
    road = _road()
    geom = road.geometry.iloc[0]
    lines = [
        shapely.LineString([(X0 - 100, Y0 + 510), (X0 + 2500, Y0 + 510)]),  # 500..520
        shapely.LineString([(X0 + 1000, Y0 + 490), (X0 + 1500, Y0 + 490)]),  # 480..500
    ]
    zone = shapely.union_all([g.buffer(10.0, quad_segs=32) for g in lines])
    assert shapely.area(shapely.difference(geom, zone)) < 1e-6  # the bands cover the road
    whole_m2 = oracle_area_m2(geom)
    cut_m2 = oracle_area_m2(shapely.intersection(geom, zone))
    assert whole_m2 - cut_m2 > 50.0  # GEOS's copy: corners at x = 1000, 1500 on its south edge
    out = buffer_coverage(road, _centre(*lines), 10.0, "BSM")
    assert out["share_within"].iloc[0] == 1.0
    assert out["within_km2"].iloc[0] == out["area_km2"].iloc[0]
    assert out["area_km2"].iloc[0] * 1e6 == pytest.approx(whole_m2, rel=REL)


def test_a_road_partly_within_a_band_is_reconciled_with_its_part_outside():
    """A band reaching 5 m into the road from the north, 1.2 km long: new corners on one edge."""
    road = _road()
    geom = road.geometry.iloc[0]
    line = shapely.LineString([(X0 + 600, Y0 + 560), (X0 + 1800, Y0 + 560)])
    zone = line.buffer(45.0, quad_segs=32)
    whole_m2 = oracle_area_m2(geom)
    within_m2 = oracle_area_m2(shapely.intersection(geom, zone))
    outside_m2 = oracle_area_m2(shapely.difference(geom, zone))
    assert abs(whole_m2 - within_m2 - outside_m2) > 10.0
    out = buffer_coverage(road, _centre(line), 45.0, "BSM")
    expected_m2 = within_m2 * whole_m2 / (within_m2 + outside_m2)
    assert out["within_km2"].iloc[0] * 1e6 == pytest.approx(expected_m2, rel=REL)
    assert out["share_within"].iloc[0] == pytest.approx(expected_m2 / whole_m2, rel=REL)


# ------------------------------------------------ a large feature that lost a little


def _county() -> gpd.GeoDataFrame:
    """A county-sized (40 km × 40 km, 1 600 km²) synthetic feature in EPSG:4544."""
    return gpd.GeoDataFrame(
        {"id": ["C"], "note": ["示例数据 synthetic"]},
        geometry=[shapely.box(X0 - 20_000, Y0 - 20_000, X0 + 20_000, Y0 + 20_000)],
        crs=GK,
    )


def test_a_county_that_loses_one_square_metre_lost_something():
    """1 m² is 6e-10 of 1 600 km²: under the relative tolerance, but a metre lost all the same."""
    from spatial.measure.kept import lost_nothing  # noqa: PLC0415 - the rule under test

    county = _county()
    geom = county.geometry.iloc[0]
    hole = shapely.box(X0, Y0, X0 + 1.0, Y0 + 1.0)  # inside: 1 m² removed
    kept = shapely.difference(geom, hole)
    assert geom.area - kept.area == pytest.approx(1.0, rel=1e-6)
    assert geom.area - kept.area <= 1e-9 * geom.area  # the relative rule alone called it whole
    wholes, parts = np.array([geom, geom]), np.array([kept, geom])
    assert lost_nothing(wholes, parts, county.crs).tolist() == [False, True]
    out = difference(county, _farmland((0.0, 0.0, 1.0, 1.0)), "id")
    whole_m2 = oracle_area_m2(geom)
    assert out["share_of_a"].iloc[0] < 1.0
    assert len(out.geometry.iloc[0].interiors) == 1  # the hole is written
    # the 1 m² removed, measured by the oracle at its place
    removed_m2 = oracle_area_m2(hole)
    assert out["area_km2"].iloc[0] * 1e6 == pytest.approx(whole_m2 - removed_m2, abs=1e-3)


def test_the_cap_is_in_the_layers_units():
    """In lon/lat the 1e-4 m² cap is in square degrees; a county there that lost 1 m² too."""
    from spatial.measure.kept import lost_nothing  # noqa: PLC0415 - the rule under test

    geom = shapely.box(106.0, 29.4, 106.4, 29.8)  # about 1 700 km²
    one_m2 = shapely.box(106.2, 29.6, 106.2 + 1.03e-5, 29.6 + 9.0e-6)  # about 1 m² there
    kept = shapely.difference(geom, one_m2)
    out = lost_nothing(np.array([geom]), np.array([kept]), gpd.GeoSeries(crs="EPSG:4490").crs)
    assert not out[0]
    assert lost_nothing(np.array([geom]), np.array([kept]))[0]  # taken for metres: 1e-10 "m²"


def test_settling_a_part_within_in_lonlat_leaves_it_as_measured():
    """``settle_within_km2`` is public: given a lon/lat CRS it adjusts nothing, as difference."""
    from spatial.overlay.operations import settle_within_km2  # noqa: PLC0415 - under test

    lonlat = gpd.GeoSeries(crs="EPSG:4490").crs
    road = gk_to_lonlat(_road().geometry.iloc[0])
    zone = gk_to_lonlat(
        shapely.LineString([(X0 + 600, Y0 + 560), (X0 + 1800, Y0 + 560)]).buffer(45)
    )
    within = shapely.intersection(road, zone)
    from strip_reference import area_m2 as strip_m2  # noqa: PLC0415 - the tests' oracle

    # a figure 1 % over the part's own: projected, it would be reconciled with the part outside
    within_km2 = np.array([strip_m2(within) * 1.01 / 1e6])
    whole_km2 = np.array([strip_m2(road) / 1e6])
    out = settle_within_km2(
        np.array([within]), np.array([road]), zone, within_km2, whole_km2, lonlat
    )
    assert out[0] == within_km2[0]
