"""The balance's closure and the land-use split along the survey's long Gauss–Krüger edges.

On tests/survey.py's synthetic (示例数据) EPSG:4544 coverage. Every expected figure is a
piece cut here with shapely in EPSG:4544 and measured by the tests' own strip-rule oracle
(``oracle_area_m2``), independent of ``spatial``.

The closure (闭合差) of a zone is its area of record less the sum of its pieces as measured.
The survey's zones cut across the road at x = 1200 m (a north–south edge: no lens), so
their closures are rounding (a few mm²); zones G and H below split the coverage along the
road's north edge with a corner at x = 600 m on it, which the road lacks: the road is G's
own piece whole, and G's closure is that edge's lens, spread over G's rows in proportion.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS
from survey import GK, X0, Y0, gk_to_lonlat, oracle_area_m2, survey_parcels, survey_zones

from spatial.checks import run_checks
from spatial.checks.constraints import constraint_rule
from spatial.review.balance import balance_table, reconciliation
from spatial.review.occupied import conflicts_by_landuse

REL = 1e-9


def _oracle_rows(zones: gpd.GeoDataFrame, pieces: dict[str, shapely.Geometry] | None = None):
    """Per zone: its oracle area and its pieces per class (parcel ∩ zone, or given), m²."""
    parcels = survey_parcels()
    out = {}
    for zid, zone in zip(zones["id"], zones.geometry, strict=True):
        rows: dict[str, float] = {}
        for code, bsm, parcel in zip(
            parcels["YDYHFLDM"], parcels["BSM"], parcels.geometry, strict=True
        ):
            piece = (pieces or {}).get(f"{zid}/{bsm}")
            if piece is None:
                piece = shapely.intersection(zone, parcel)
            if shapely.area(piece) > 0:
                rows[code] = rows.get(code, 0.0) + oracle_area_m2(piece)
        out[zid] = (oracle_area_m2(zone), rows)
    return out


def _check_against(table, oracle) -> None:
    closures = reconciliation(table).set_index("zone_id")
    for zid, (zone_m2, rows) in oracle.items():
        mine = table[table["zone_id"] == zid].set_index("class_code")
        assert set(mine.index) == set(rows)
        for code, m2 in rows.items():
            assert mine.loc[code, "area_raw_m2"] == pytest.approx(m2, rel=REL)
        assert closures.loc[zid, "zone_area_m2"] == pytest.approx(zone_m2, rel=REL)
        assert closures.loc[zid, "closure_m2"] == pytest.approx(
            zone_m2 - sum(rows.values()), abs=1e-9 * zone_m2
        )
        assert mine["area_m2"].sum() == pytest.approx(closures.loc[zid, "zone_area_m2"], rel=1e-12)


def test_the_survey_zones_cut_across_the_road_close_to_rounding():
    zones = survey_zones().rename(columns={"DYBH": "id"})
    table = balance_table(survey_parcels(), zones, class_field="YDYHFLDM")
    oracle = _oracle_rows(zones)
    _check_against(table, oracle)
    closures = reconciliation(table).set_index("zone_id")["closure_m2"]
    assert closures.abs().max() < 0.005  # A -0.0012, B1 -0.0022, B2 -0.0021 m²
    road_m2 = oracle_area_m2(survey_parcels().geometry.iloc[0])
    in_a_and_b2 = table[table["class_code"] == "1207"]["area_raw_m2"].sum()
    assert in_a_and_b2 == pytest.approx(road_m2, abs=0.01)  # its two lenses cancel


def _zones_along_the_road() -> gpd.GeoDataFrame:
    corner = (X0 + 600, Y0 + 520)  # on the road's north edge, which has no vertex there
    g = shapely.Polygon([(X0, Y0), (X0 + 2400, Y0), (X0 + 2400, Y0 + 520), corner, (X0, Y0 + 520)])
    h = shapely.Polygon(
        [(X0, Y0 + 520), corner, (X0 + 2400, Y0 + 520), (X0 + 2400, Y0 + 1000), (X0, Y0 + 1000)]
    )
    return gpd.GeoDataFrame({"id": ["G", "H"], "note": "示例数据"}, geometry=[g, h], crs=GK)


def test_a_zone_with_a_corner_on_the_road_keeps_the_road_whole_and_closes_by_its_lens():
    zones = _zones_along_the_road()
    parcels = survey_parcels()
    road = parcels.geometry.iloc[0]
    # GEOS's piece of the road in G has G's corner on its north edge: a lens larger
    renoded_m2 = oracle_area_m2(shapely.intersection(zones.geometry.iloc[0], road))
    assert renoded_m2 - oracle_area_m2(road) > 50.0
    table = balance_table(parcels, zones, class_field="YDYHFLDM")
    oracle = _oracle_rows(zones, {"G/R": road})  # the road is G's piece, whole
    _check_against(table, oracle)
    closures = reconciliation(table).set_index("zone_id")["closure_m2"]
    g_m2, g_rows = oracle["G"]
    assert closures["G"] == pytest.approx(g_m2 - sum(g_rows.values()), abs=1e-3)
    assert 50.0 < closures["G"] < 65.0  # 57.6 m²: the lens G's corner at x = 600 makes
    assert -65.0 < closures["H"] < -50.0  # H's south edge has the corner too
    road_row = table[(table["zone_id"] == "G") & (table["class_code"] == "1207")].iloc[0]
    assert road_row["area_raw_m2"] == pytest.approx(oracle_area_m2(road), rel=REL)
    share = road_row["area_raw_m2"] / sum(g_rows.values())
    assert road_row["area_m2"] - road_row["area_raw_m2"] == pytest.approx(
        closures["G"] * share, rel=1e-6
    )


# ------------------------------------------------ the land-use split of a conflict

FARMLAND = "永久基本农田"


def _conflicts(boundary: shapely.Geometry, kind: str) -> gpd.GeoDataFrame:
    constraint = gpd.GeoDataFrame({"id": ["U"], "note": ["示例数据"]}, geometry=[boundary], crs=GK)
    zones = survey_zones().rename(columns={"DYBH": "id"})
    rule = constraint_rule(kind, FARMLAND, "zones", 1.0)
    report = run_checks({"zones": zones, FARMLAND: constraint}, targets=[], rules=[rule])
    assert report.conflicts is not None
    return report.conflicts


@pytest.mark.parametrize("frames", [None, {FARMLAND: CRS(GK)}])
def test_a_conflict_along_zone_b2s_edge_has_no_parcel_from_across_it(frames) -> None:
    """B2 lies outside a boundary of zone A's ground: its 1.2 km south edge runs on the road.

    Moved back into the survey's frame densified (as a lon/lat layer's edges), that edge
    bowed 1.6 cm south of the road, into the S parcels: 水田 4.5 m², 0702 3.8 m².
    """
    pieces = _conflicts(shapely.box(X0, Y0, X0 + 1200, Y0 + 1000), "must_lie_within")
    pieces = pieces[pieces["zone_id"] == "B2"]
    table = conflicts_by_landuse(pieces, survey_parcels(), class_field="YDYHFLDM", frames=frames)
    b2 = survey_zones().geometry.iloc[2]
    parcels = survey_parcels()
    oracle: dict[str, float] = {}
    for code, parcel in zip(parcels["YDYHFLDM"], parcels.geometry, strict=True):
        piece = shapely.intersection(b2, parcel)
        if shapely.area(piece) > 0:
            oracle[code] = oracle.get(code, 0.0) + oracle_area_m2(piece)
    assert list(table["landuse_class"]) == sorted(oracle)  # 0103, 0701, 1001, 1207: no 0101
    for row in table.itertuples():
        assert row.area_raw_m2 == pytest.approx(oracle[row.landuse_class], rel=REL)


def test_farmland_on_the_road_north_edge_takes_no_road() -> None:
    """A farmland box north of the road, stored in the survey's frame: no 1207 row."""
    box = shapely.box(X0 + 100, Y0 + 520, X0 + 500, Y0 + 900)
    table = conflicts_by_landuse(
        _conflicts(box, "must_not_occupy"), survey_parcels(), class_field="YDYHFLDM"
    )
    assert "1207" not in set(table["landuse_class"])
    assert set(table["landuse_class"]) == {"0701", "1001"}


def test_a_larger_lonlat_constraint_layer_leaves_no_sliver_across_b2s_edge() -> None:
    boxes = [(0.0, 0.0, 1200.0, 1000.0)] + [
        (3000 + 10 * i, 700, 3005 + 10 * i, 705) for i in range(4)
    ]
    lonlat = [gk_to_lonlat(shapely.box(X0 + a, Y0 + b, X0 + c, Y0 + d)) for a, b, c, d in boxes]
    ids = [f"U{i}" for i in range(len(lonlat))]
    constraint = gpd.GeoDataFrame({"id": ids, "note": "示例数据"}, geometry=lonlat, crs=4490)
    zones = survey_zones().rename(columns={"DYBH": "id"})
    rule = constraint_rule("must_lie_within", FARMLAND, "zones", 1.0)
    report = run_checks({"zones": zones, FARMLAND: constraint}, targets=[], rules=[rule])
    assert report.conflicts is not None
    pieces = report.conflicts[report.conflicts["zone_id"] == "B2"]
    table = conflicts_by_landuse(pieces, survey_parcels(), class_field="YDYHFLDM")
    assert not {"0101", "0702"} & set(table["landuse_class"])  # 4.5 and 3.8 m² cut in lon/lat


def test_a_county_its_zone_leaves_one_square_metre_of_is_cut():
    """A 1 600 km² feature whose piece lacks 1 m² (6e-10 of it) is its piece, not itself."""
    from spatial.review.balance import _whole_where_covered  # noqa: PLC0415 - the rule itself

    crs = gpd.GeoSeries(crs=GK).crs
    county = shapely.box(X0 - 20_000, Y0 - 20_000, X0 + 20_000, Y0 + 20_000)  # 示例数据
    notch = shapely.box(X0 + 20_000 - 1.0, Y0, X0 + 20_000, Y0 + 1.0)  # 1 m² on its edge
    piece = shapely.difference(county, notch)
    renoded = shapely.difference(county, shapely.box(X0 + 20_000, Y0, X0 + 20_001, Y0 + 1.0))
    assert shapely.get_num_coordinates(renoded) > 5  # the neighbour's corners, nothing lost
    pieces = np.array([piece, renoded], dtype=object)
    features = np.array([county, county], dtype=object)
    out = _whole_where_covered(pieces, np.array([False, False]), features, crs)
    assert out[0] is piece  # 1 m² lost: kept as cut
    assert out[1] is county  # re-noded only: the feature itself


def test_full_precision_vertices_come_back_where_the_round_trip_puts_them():
    """Reprojected GK data (no decimal grid): not pulled up to 5e-7 m onto the 1e-6 m grid."""
    import pandas as pd  # noqa: PLC0415

    from spatial.review.occupied import RETURN_GRID_M, _in_frame  # noqa: PLC0415 - under test

    crs = CRS.from_user_input(GK)
    rng = np.random.default_rng(7)
    x, y = X0 + rng.uniform(0, 2400, 40), Y0 + rng.uniform(0, 1000, 40)
    cut = shapely.convex_hull(shapely.multipoints(np.c_[x, y]))  # full-precision corners
    on_grid = shapely.set_precision(cut, RETURN_GRID_M, mode="pointwise")  # a survey's mm grid
    land = gpd.GeoDataFrame(
        {"conflict": ["0", "1"]}, geometry=[gk_to_lonlat(cut), gk_to_lonlat(on_grid)], crs=4490
    )
    landuse = gpd.GeoDataFrame({"note": ["示例数据"]}, geometry=[cut], crs=GK)
    back = _in_frame(land, pd.Series(["c", "c"]), landuse, {"c": crs})
    off = np.abs(shapely.get_coordinates(back.geometry.iloc[0]) - shapely.get_coordinates(cut))
    assert off.max() < 1e-8  # the round trip's own error, not the grid's
    gridded = shapely.get_coordinates(shapely.set_precision(back.geometry.iloc[0], RETURN_GRID_M))
    assert np.abs(gridded - shapely.get_coordinates(cut)).max() > 1e-7  # what snapping did
    exact = shapely.get_coordinates(back.geometry.iloc[1]) == shapely.get_coordinates(on_grid)
    assert exact.all()  # a survey's own vertices come back exactly


def test_the_return_grid_is_only_for_metre_axes():
    from spatial.review.occupied import _in_metres  # noqa: PLC0415 - under test

    assert _in_metres(CRS.from_user_input(GK))
    assert not _in_metres(CRS.from_epsg(2227))  # a US survey foot plane
    assert not _in_metres(CRS.from_epsg(4490))


def test_two_rules_on_one_constraint_cut_in_two_frames_name_none():
    """Zones in EPSG:4544 and plots in lon/lat, both against one farmland: no last rule wins."""
    from spatial.checked.report import CUT_FRAMES_ATTR  # noqa: PLC0415
    from spatial.checks.constraints import conflict_pieces  # noqa: PLC0415
    from spatial.checks.prepare import frame_of  # noqa: PLC0415
    from spatial.commands._conflicts import cut_frames  # noqa: PLC0415

    def _box(x1: float, y1: float, x2: float, y2: float) -> shapely.Polygon:
        return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)

    farmland = gpd.GeoDataFrame(  # lon/lat: the zones cut in theirs (GK), the plots in lon/lat
        {"id": ["F"], "note": ["示例数据"]},
        geometry=[gk_to_lonlat(_box(600, 0, 1800, 510))],
        crs=4490,
    )
    zones = gpd.GeoDataFrame(
        {"id": ["Z"], "note": ["示例数据"]}, geometry=[_box(0, 400, 1000, 1000)], crs=GK
    )
    plots = [_box(1000 + 100 * k, 300, 1100 + 100 * k, 700) for k in range(3)]
    plots_ll = gpd.GeoDataFrame(
        {"id": ["P0", "P1", "P2"], "note": "示例数据"},
        geometry=[gk_to_lonlat(g) for g in plots],
        crs=4490,
    )
    layers = {"zones": zones, "plots": plots_ll, FARMLAND: farmland}
    rules = [
        constraint_rule("must_not_occupy", FARMLAND, "zones", 1.0),
        constraint_rule("must_not_occupy", FARMLAND, "plots", 1.0),
    ]
    assert not frame_of(zones, farmland).equals(frame_of(plots_ll, farmland))  # two frames
    pieces = conflict_pieces(layers, rules)
    assert set(pieces["zone_id"]) == {"Z", "P0", "P1", "P2"}
    assert FARMLAND not in pieces.attrs[CUT_FRAMES_ATTR]
    assert FARMLAND not in cut_frames(layers, rules)
    one = conflict_pieces(layers, rules[:1])  # one rule: its frame, as before
    assert CRS.from_wkt(one.attrs[CUT_FRAMES_ATTR][FARMLAND]).equals(CRS.from_user_input(GK))
    assert cut_frames(layers, rules[:1])[FARMLAND].equals(CRS.from_user_input(GK))
