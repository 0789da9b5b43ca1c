"""Overlay functions against hand-computed tiny squares and independent geopandas results."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from oracles import GEOD, geod_area_km2
from shapely.geometry import LineString, Point, Polygon
from tiny_geoms import LAT0, LON0, cell, layer, square, square_area_m2

from spatial.cli import _overlay_args as overlay_args
from spatial.cli import main
from spatial.errors import CRSError, CRSMismatchWarning, LayerError, RepairWarning
from spatial.io.layers import bundled_layer_path, read_layer
from spatial.overlay.operations import (
    assign_points,
    buffer_coverage,
    difference,
    overlap_matrix,
    overlaps,
    tabulate_intersection,
)

# ---------------------------------------------------------------- tiny squares by hand


@pytest.mark.parametrize(
    ("b_square", "di", "dj"),
    [
        (square(0, 0), 1.0, 1.0),  # identical
        (cell(LON0 + 0.005, LAT0, LON0 + 0.015, LAT0 + 0.01), 0.5, 1.0),  # half, side by side
        (cell(LON0 + 0.005, LAT0 + 0.005, LON0 + 0.015, LAT0 + 0.015), 0.5, 0.5),  # quarter
        (cell(LON0 + 0.0025, LAT0 + 0.0025, LON0 + 0.0075, LAT0 + 0.0075), 0.5, 0.5),  # inside
    ],
)
def test_tabulate_tiny_squares(b_square, di, dj):
    a = layer(["a"], [square(0, 0)])
    b = layer(["b"], [b_square])
    table = tabulate_intersection(a, b)
    assert list(table.columns) == [
        *("a_id", "b_id", "area_km2", "share_of_a", "share_of_b"),
        *("raw_area_km2", "adjustment_m2"),  # after the columns scripts read
    ]
    assert table[["a_id", "b_id"]].values.tolist() == [["a", "b"]]
    # Hand: the shared part is the quadrangle [lon, lon + di*0.01] x [lat, lat + dj*0.01]
    # whose south-west corner is the larger of the two corners.
    sw_lon, sw_lat = b_square.bounds[0], b_square.bounds[1]
    i, j = max(0.0, (sw_lon - LON0) / 0.01), max(0.0, (sw_lat - LAT0) / 0.01)
    expected_m2 = square_area_m2(i, j, di=di, dj=dj)
    assert table.area_km2.iloc[0] == pytest.approx(expected_m2 / 1e6, rel=1e-6)
    assert table.share_of_a.iloc[0] == pytest.approx(expected_m2 / square_area_m2(0, 0), rel=1e-6)


def test_touching_squares_share_no_area_and_are_left_out():
    a = layer(["a"], [square(0, 0)])
    b = layer(["b", "c"], [square(1, 0), square(1, 1)])  # an edge and a corner
    assert tabulate_intersection(a, b).empty


def test_shares_of_a_three_by_one_strip():
    # b spans squares 0..2 of a row; a is square 1: a lies wholly in b, b's share is ~1/3
    a = layer(["a"], [square(1, 0)])
    b = layer(["b"], [cell(LON0, LAT0, LON0 + 0.03, LAT0 + 0.01)])
    row = tabulate_intersection(a, b).iloc[0]
    assert row.share_of_a == pytest.approx(1.0)
    assert row.share_of_b == pytest.approx(1 / 3, rel=1e-9)  # equal Δλ, same parallels


def test_overlaps_and_matrix_on_three_squares():
    lyr = layer(
        ["x", "y", "z"],
        [
            cell(LON0, LAT0, LON0 + 0.02, LAT0 + 0.01),
            cell(LON0 + 0.01, LAT0, LON0 + 0.03, LAT0 + 0.01),
            square(5, 5),
        ],
    )
    pairs = overlaps(lyr)
    assert pairs[["a_id", "b_id"]].values.tolist() == [["x", "y"]]
    shared_km2 = square_area_m2(1, 0) / 1e6
    assert pairs.area_km2.iloc[0] == pytest.approx(shared_km2, rel=1e-6)
    matrix = overlap_matrix(lyr, form="square")
    assert list(matrix.index) == list(matrix.columns) == ["x", "y", "z"]
    assert np.allclose(matrix.values, matrix.values.T)
    assert matrix.loc["x", "y"] == pytest.approx(shared_km2, rel=1e-6)
    assert matrix.loc["x", "z"] == 0.0
    assert matrix.loc["z", "z"] == pytest.approx(square_area_m2(5, 5) / 1e6, rel=1e-6)
    long = overlap_matrix(lyr)  # the default: the non-zero cells, one row each
    assert long[["a_id", "b_id"]].values.tolist() == [
        ["x", "x"],
        ["x", "y"],
        ["y", "x"],
        ["y", "y"],
        ["z", "z"],
    ]
    pivoted = long.pivot(index="a_id", columns="b_id", values="area_km2").fillna(0.0)
    assert np.allclose(pivoted.loc[["x", "y", "z"], ["x", "y", "z"]].values, matrix.values)


def test_matrix_leaves_out_pairs_that_only_touch():
    # x and y share an edge, y and z a corner: no area shared, so no cell
    lyr = layer(["x", "y", "z"], [square(0, 0), square(1, 0), square(2, 1)])
    long = overlap_matrix(lyr)
    assert long[["a_id", "b_id"]].values.tolist() == [["x", "x"], ["y", "y"], ["z", "z"]]


def test_cli_square_matrix_refused_for_large_layers(tmp_path, capsys, monkeypatch):
    cells = [cell(LON0 + i * 0.001, LAT0, LON0 + (i + 1) * 0.001, LAT0 + 0.001) for i in range(5)]
    path = tmp_path / "five.geojson"
    layer([f"c{i}" for i in range(5)], cells).to_file(path)
    monkeypatch.setattr(overlay_args, "SQUARE_MAX_FEATURES", 4)
    assert main(["overlay", str(path), "--op", "matrix", "--square"]) == 2
    err = capsys.readouterr().err
    assert "25 cells" in err and "drop --square" in err and len(err.strip().splitlines()) == 1


def test_difference_tiny_squares_by_hand():
    a = layer(["a", "far"], [cell(LON0, LAT0, LON0 + 0.02, LAT0 + 0.01), square(9, 9)])
    b = layer(["b"], [square(1, 0)])
    result = difference(a, b)
    assert isinstance(result, gpd.GeoDataFrame)
    assert list(result.columns) == ["id", "area_km2", "share_of_a", "geometry"]
    got = result.set_index("id")
    assert got.loc["a", "area_km2"] == pytest.approx(square_area_m2(0, 0) / 1e6, rel=1e-6)
    assert got.loc["a", "share_of_a"] == pytest.approx(
        square_area_m2(0, 0) / square_area_m2(0, 0, di=2), rel=1e-9
    )
    assert got.loc["far", "share_of_a"] == pytest.approx(1.0)


def test_buffer_coverage_strip_along_a_meridian():
    # 0.05° wide cell; a road along its west edge; 1000 m buffer covers a 1000 m strip.
    poly = layer(["c"], [cell(LON0, LAT0, LON0 + 0.05, LAT0 + 0.05)])
    road = layer(["r"], [LineString([(LON0, LAT0 - 0.1), (LON0, LAT0 + 0.2)])])
    mid_lat = LAT0 + 0.025
    width_m = GEOD.inv(LON0, mid_lat, LON0 + 0.05, mid_lat)[2]
    result = buffer_coverage(poly, road, 1000.0)
    assert list(result.columns) == ["id", "area_km2", "within_km2", "share_within"]
    assert result.share_within.iloc[0] == pytest.approx(1000.0 / width_m, rel=5e-3)
    full = buffer_coverage(poly, road, 10_000.0)
    assert full.share_within.iloc[0] == pytest.approx(1.0, abs=1e-9)


def test_buffer_coverage_refuses_bad_distance():
    poly = layer(["c"], [square(0, 0)])
    road = layer(["r"], [LineString([(LON0, LAT0), (LON0, LAT0 + 0.1)])])
    with pytest.raises(ValueError, match="metres"):
        buffer_coverage(poly, road, -5)


def test_assign_points_nested_and_nearest():
    polys = layer(
        ["outer", "inner"],
        [cell(LON0, LAT0, LON0 + 0.02, LAT0 + 0.02), square(0, 0)],
    )
    east = (LON0 + 0.03, LAT0 + 0.01)
    pts = layer(
        ["in-both", "in-outer", "east"],
        [
            Point(LON0 + 0.005, LAT0 + 0.005),
            Point(LON0 + 0.015, LAT0 + 0.015),
            Point(*east),
        ],
    )
    result = assign_points(pts, polys)
    rows = result[["point_id", "polygon_id", "inside"]].values.tolist()
    assert sorted(rows[:2]) == [["in-both", "inner", True], ["in-both", "outer", True]]
    assert rows[2:] == [["in-outer", "outer", True], ["east", "outer", False]]
    expected_m = GEOD.inv(east[0], east[1], LON0 + 0.02, east[1])[2]
    assert result.dist_m.iloc[-1] == pytest.approx(expected_m, rel=1e-3)  # GK scale ~3e-4


# ---------------------------------------------------------------- CRS and validity


def test_cgcs2000_gauss_kruger_and_wgs84_combine_silently_with_the_same_answer():
    # one datum family: exact reprojection, no warning (warnings are errors in tests)
    a = layer(["a"], [square(0, 0)])
    b = layer(["b"], [cell(LON0 + 0.005, LAT0, LON0 + 0.015, LAT0 + 0.01)])
    same = tabulate_intersection(a, b)
    mixed = tabulate_intersection(a, b.to_crs(4544))
    assert mixed.area_km2.iloc[0] == pytest.approx(same.area_km2.iloc[0], rel=1e-6)
    assert tabulate_intersection(a.to_crs(4490), b).area_km2.iloc[0] == pytest.approx(
        same.area_km2.iloc[0], rel=1e-9
    )


def test_another_datum_warns_naming_it():
    a = layer(["a"], [square(0, 0)])
    b = layer(["b"], [cell(LON0 + 0.005, LAT0, LON0 + 0.015, LAT0 + 0.01)])
    with pytest.warns(CRSMismatchWarning, match=r"EPSG:2380 \(Xian 1980\)"):
        tabulate_intersection(a, b.to_crs(2380))


def test_no_crs_is_refused():
    a = layer(["a"], [square(0, 0)], crs=None)
    with pytest.raises(CRSError, match="no CRS"):
        tabulate_intersection(a, layer(["b"], [square(0, 0)]))


BOWTIE = Polygon([(106.2, 29.5), (106.3, 29.6), (106.3, 29.5), (106.2, 29.6)])


def test_invalid_geometry_refused_with_validator_message():
    bad = layer(["bow"], [BOWTIE])
    with pytest.raises(LayerError, match="feature bow: invalid geometry: Self-intersection"):
        tabulate_intersection(bad, layer(["b"], [square(0, 0)]))


def test_repair_reports_area_changed():
    bad = layer(["bow"], [BOWTIE])
    big = layer(["big"], [cell(106.1, 29.4, 106.4, 29.7)])
    with pytest.warns(RepairWarning) as caught:
        table = tabulate_intersection(bad, big, repair=True)
    repairs = [w.message.repair for w in caught]
    assert [r.id for r in repairs] == ["bow"]
    # Two triangles, each a quarter of the 0.1° cell: half the cell in all.
    half_cell_km2 = geod_area_km2(cell(106.2, 29.5, 106.3, 29.6)) / 2
    assert table.area_km2.iloc[0] == pytest.approx(half_cell_km2, rel=2e-3)
    # Before: the mirror-image lobes of the bow-tie cancel (about 0 m²); after: the two
    # triangles, half the cell.
    assert repairs[0].area_changed_m2 == pytest.approx(half_cell_km2 * 1e6, rel=2e-3)


# ---------------------------------------------------------------- bundled layers vs geopandas


@pytest.fixture(scope="module")
def zones_clusters():
    return read_layer(bundled_layer_path("zones")), read_layer(bundled_layer_path("clusters"))


def _independent_tabulation(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> pd.DataFrame:
    """geopandas.overlay in lon/lat, areas by pyproj.Geod directly."""
    pieces = gpd.overlay(
        a[["id", "geometry"]].rename(columns={"id": "a_id"}),
        b[["id", "geometry"]].rename(columns={"id": "b_id"}),
        how="intersection",
        keep_geom_type=True,
    )
    pieces["area_km2"] = [geod_area_km2(g) for g in pieces.geometry]
    return pieces[pieces.area_km2 > 0].set_index(["a_id", "b_id"])["area_km2"]


def test_tabulation_equals_geopandas_overlay_on_bundled_layers(zones_clusters):
    zones, clusters = zones_clusters
    ours = tabulate_intersection(zones, clusters).set_index(["a_id", "b_id"])
    theirs = _independent_tabulation(zones, clusters)
    assert sorted(ours.index) == sorted(theirs.index)
    rel = (ours.area_km2 - theirs.reindex(ours.index)).abs() / theirs.reindex(ours.index)
    assert rel.max() < 1e-3


def test_tabulation_close_to_planar_overlay_in_gauss_kruger(zones_clusters):
    zones, clusters = zones_clusters
    gk = gpd.overlay(zones.to_crs(4544), clusters.to_crs(4544), how="intersection")
    gk = gk[gk.area > 0]
    planar = pd.Series(
        gk.area.to_numpy() / 1e6, index=pd.MultiIndex.from_arrays([gk.id_1, gk.id_2])
    )
    ours = tabulate_intersection(zones, clusters).set_index(["a_id", "b_id"]).area_km2
    big = planar[planar > 1e-3]  # slivers excepted: GK scale error ~3.3e-4
    assert ((ours.reindex(big.index) - big).abs() / big).max() < 1e-3


def test_difference_equals_geopandas_overlay(zones_clusters):
    zones, _ = zones_clusters
    functional = read_layer(bundled_layer_path("functional_areas"))
    kcxz = zones[zones.id == "zone-kcxz"]
    ours = difference(functional, kcxz).set_index("id").area_km2
    theirs = gpd.overlay(functional, kcxz[["geometry"]], how="difference")
    theirs_km2 = pd.Series([geod_area_km2(g) for g in theirs.geometry], index=theirs.id)
    pd.testing.assert_series_equal(ours[theirs_km2.index], theirs_km2, check_names=False, rtol=1e-6)


def test_cli_overlay_json_equals_independent_computation(zones_clusters, capsys):
    code = main(
        [
            "overlay",
            str(bundled_layer_path("zones")),
            str(bundled_layer_path("clusters")),
            "--format",
            "json",
        ]
    )
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    assert list(rows[0]) == ["a_id", "b_id", "area_km2", "share_of_a", "share_of_b"]
    theirs = _independent_tabulation(*zones_clusters)
    assert len(rows) == len(theirs) > 0
    for row in rows:
        assert row["area_km2"] == pytest.approx(theirs[(row["a_id"], row["b_id"])], rel=1e-3)


def test_cli_overlay_other_operations(tmp_path, capsys):
    zones = str(bundled_layer_path("zones"))
    out = tmp_path / "matrix.csv"
    assert main(["overlay", zones, "--op", "matrix", "--format", "csv", "--out", str(out)]) == 0
    cells = pd.read_csv(out).set_index(["a_id", "b_id"])["area_km2"]
    assert cells["zone-cjrh", "zone-community"] == pytest.approx(0.3, rel=1e-3)
    assert cells["zone-community", "zone-cjrh"] == cells["zone-cjrh", "zone-community"]
    square = tmp_path / "square.csv"
    assert main(["overlay", zones, "--op", "matrix", "--square", "--out", str(square)]) == 0
    matrix = pd.read_csv(square, index_col=0)
    assert matrix.loc["zone-cjrh", "zone-community"] == pytest.approx(0.3, rel=1e-3)
    geojson = tmp_path / "diff.geojson"
    functional = str(bundled_layer_path("functional_areas"))
    assert (
        main(
            [
                "overlay",
                functional,
                zones,
                "--op",
                "difference",
                "--format",
                "geojson",
                "--out",
                str(geojson),
            ]
        )
        == 0
    )
    assert read_layer(geojson).crs.to_epsg() == 4326
    assert main(["overlay", zones, "--op", "coverage"]) == 2
    assert "needs a second layer" in capsys.readouterr().err


def test_cli_overlay_refuses_invalid_file_naming_it(tmp_path, capsys):
    path = tmp_path / "bad.geojson"
    layer(["bow"], [BOWTIE]).to_file(path, driver="GeoJSON")
    zones = str(bundled_layer_path("zones"))
    assert main(["overlay", str(path), zones]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "feature bow: invalid geometry" in err
    assert main(["overlay", str(path), zones, "--repair", "--format", "csv"]) == 0
    assert f"repaired {path} feature bow" in capsys.readouterr().err


# --- geometry kinds ------------------------------------------------------------


def test_assign_refuses_polygons_as_points() -> None:
    zones = read_layer(bundled_layer_path("zones"))
    clusters = read_layer(bundled_layer_path("clusters"))
    with pytest.raises(LayerError, match=r"point layer: feature zone-kcxz: is a Polygon"):
        assign_points(zones, clusters)


def test_coverage_refuses_points_as_polygons() -> None:
    towns = read_layer(bundled_layer_path("towns"))
    corridor = read_layer(bundled_layer_path("corridor"))
    with pytest.raises(LayerError, match=r"feature town-batang: is a Point.*\(and 14 more\)"):
        buffer_coverage(towns, corridor, 500.0)


@pytest.mark.parametrize(
    ("op", "a", "b", "bad"),
    [
        ("assign", "zones", "clusters", "zones"),
        ("intersection", "towns", "clusters", "towns"),
        ("difference", "zones", "platforms", "platforms"),
    ],
)
def test_cli_names_the_file_with_the_wrong_geometry(
    op: str, a: str, b: str, bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["overlay", str(bundled_layer_path(a)), str(bundled_layer_path(b)), "--op", op]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"{bundled_layer_path(bad)}: feature " in err and "this operation needs" in err


def test_assign_points_refuses_an_empty_polygon_layer():
    pts = layer(["p"], [Point(LON0, LAT0)])
    with pytest.raises(LayerError, match=r"^polygon layer: feature -: the layer has no features$"):
        assign_points(pts, layer([], []))
