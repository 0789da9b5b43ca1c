"""The 用地平衡表: areas by class per zone, known by hand on tiny lon/lat cells."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from tiny_geoms import LAT0, LON0, cell, square, square_area_m2

from spatial.cli import main
from spatial.errors import LayerError
from spatial.landuse import load_classes
from spatial.measure.area import ellipsoidal_area_m2
from spatial.review.balance import balance_table, compare_balance, subtotals

D = 0.01  # the grid's cell, degrees


def _landuse(codes=("0101", "070101", "0702")):
    names = [getattr(load_classes().get(c), "name_zh", "?") for c in codes]
    return gpd.GeoDataFrame(
        {"id": [f"lu-{i}" for i in range(len(codes))], "YDYHFLDM": list(codes), "YDYHFLMC": names},
        geometry=[square(i, 0) for i in range(len(codes))],
        crs=4326,
    )


def _zones():
    """z1 covers half of cell 0, cell 1 and half of cell 2; z2 cell 2 and one uncovered cell."""
    return gpd.GeoDataFrame(
        {"id": ["z1", "z2"]},
        geometry=[
            cell(LON0 + 0.5 * D, LAT0, LON0 + 2.5 * D, LAT0 + D),
            cell(LON0 + 2 * D, LAT0, LON0 + 4 * D, LAT0 + D),
        ],
        crs=4326,
    )


def _m2(geom) -> float:
    return float(ellipsoidal_area_m2(gpd.GeoSeries([geom], crs=4326))[0])


@pytest.fixture(scope="module")
def table():
    return balance_table(_landuse(), _zones())


def test_rows_sum_to_the_zone_to_1e9(table):
    for zone_id, geom in zip(_zones().id, _zones().geometry, strict=True):
        rows = table[table.zone_id == zone_id]
        assert rows.area_m2.sum() == pytest.approx(_m2(geom), rel=1e-9, abs=0)
        assert rows.share_of_zone.sum() == pytest.approx(1.0, rel=1e-9)
        assert (rows.zone_area_m2 == rows.zone_area_m2.iloc[0]).all()


def test_each_class_is_its_hand_known_piece(table):
    z1 = table[table.zone_id == "z1"].set_index("class_code")
    expected = {"0101": (0.5, 0.5), "070101": (1, 1), "0702": (2, 0.5)}
    for code, (i, di) in expected.items():
        piece = cell(LON0 + i * D, LAT0, LON0 + (i + di) * D, LAT0 + D)
        assert z1.loc[code, "area_m2"] == pytest.approx(_m2(piece), rel=1e-9)
        assert z1.loc[code, "area_m2"] == pytest.approx(square_area_m2(i, 0, di=di), rel=1e-6)
    row = z1.loc["070101"]
    assert row.area_ha == pytest.approx(row.area_m2 / 10_000, rel=1e-12)
    assert row.area_mu == pytest.approx(row.area_m2 * 15 / 10_000, rel=1e-12)
    assert (row.class_name, row.level) == ("一类城镇住宅用地", 3)
    assert row.share_of_zone == pytest.approx(0.5, rel=1e-6)  # one cell of two


def test_the_part_no_parcel_covers_is_its_own_row(table):
    z2 = table[table.zone_id == "z2"]
    uncovered = z2[z2.class_code.isna()].iloc[0]
    assert uncovered.class_name.startswith("未覆盖")
    assert uncovered.area_m2 == pytest.approx(square_area_m2(3, 0), rel=1e-6)
    assert table[table.zone_id == "z1"].class_code.notna().all()


def test_level_1_adds_up_the_subclasses_and_construction_gives_a_subtotal():
    table = balance_table(_landuse(), _zones(), level=1, construction=("07",))
    z1 = table[table.zone_id == "z1"].set_index("class_code")
    assert sorted(z1.index) == ["01", "07"]
    assert z1.loc["07", "class_name"] == "居住用地"
    assert z1.loc["07", "area_m2"] == pytest.approx(square_area_m2(1, 0, di=1.5), rel=1e-6)
    assert bool(z1.loc["07", "construction_land"]) and not z1.loc["01", "construction_land"]
    totals = subtotals(table).set_index(["zone_id", "row"])
    built = totals.loc[("z1", "建设用地 construction land"), "area_m2"]
    assert built == pytest.approx(z1.loc["07", "area_m2"], rel=1e-12)
    assert totals.loc[("z1", "合计 total"), "share_of_zone"] == pytest.approx(1.0, rel=1e-9)


def test_without_zones_the_rows_cover_the_whole_layer():
    table = balance_table(_landuse(("0101", "0101", "1401")))
    assert table.zone_id.isna().all()
    assert list(table.class_code) == ["0101", "1401"]
    assert table.area_m2.sum() == pytest.approx(
        _m2(cell(LON0, LAT0, LON0 + 3 * D, LAT0 + D)), rel=1e-9
    )
    assert table.share_of_zone.tolist() == pytest.approx([2 / 3, 1 / 3], rel=1e-6)


def test_overlapping_parcels_and_unknown_codes_are_refused():
    overlapping = _landuse()
    overlapping.loc[len(overlapping)] = ["lu-x", "0101", "水田", square(0, 0)]
    with pytest.raises(LayerError, match=r"lu\.gpkg: land-use features overlap each other by"):
        balance_table(overlapping, _zones(), names=("lu.gpkg", "z.gpkg"))
    with pytest.raises(LayerError, match=r"lu\.gpkg: feature lu-1: land-use code '0799'"):
        balance_table(_landuse(("0101", "0799")), names=("lu.gpkg", ""))


def test_existing_and_planned_side_by_side_with_the_change():
    existing = balance_table(_landuse(("0101", "0101", "0101")), _zones())
    planned = balance_table(_landuse(("0101", "070101", "1001")), _zones())
    both = compare_balance(existing, planned).set_index(["zone_id", "class_code"])
    farmland = both.loc[("z1", "0101")]
    assert farmland.existing_m2 == pytest.approx(square_area_m2(0.5, 0, di=2), rel=1e-6)
    assert farmland.change_m2 == pytest.approx(-square_area_m2(1, 0, di=1.5), rel=1e-6)
    housing = both.loc[("z1", "070101")]
    assert (housing.existing_m2, housing.change_m2) == (0.0, housing.planned_m2)
    assert housing.change_mu == pytest.approx(housing.change_m2 * 15 / 10_000, rel=1e-12)


def _write(gdf, path):
    gdf.to_file(
        path,
        driver={"geojson": "GeoJSON", "gpkg": "GPKG", "shp": "ESRI Shapefile"}[path.suffix[1:]],
    )
    return str(path)


@pytest.mark.parametrize("suffix", ["geojson", "gpkg", "shp"])
def test_cli_json_rows_on_each_format(suffix, tmp_path, capsys):
    lu = _write(_landuse(), tmp_path / f"lu.{suffix}")
    zones = _write(_zones(), tmp_path / f"zones.{suffix}")
    assert main(["balance", lu, "--zones", zones, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    keys = {"zone_id", "class_code", "area_m2", "area_ha", "area_mu", "share_of_zone"}
    assert all(keys <= set(row) for row in rows)
    z1 = [r for r in rows if r["zone_id"] == "z1"]
    assert sum(r["area_m2"] for r in z1) == pytest.approx(_m2(_zones().geometry[0]), rel=1e-9)
    assert main(["balance", lu, "--format", "json"]) == 0
    assert {r["zone_id"] for r in json.loads(capsys.readouterr().out)} == {None}


def test_cli_table_shows_subtotals_and_the_source(tmp_path, capsys):
    lu = _write(_landuse(), tmp_path / "lu.geojson")
    zones = _write(_zones(), tmp_path / "zones.geojson")
    assert main(["balance", lu, "--zones", zones, "--construction", "07"]) == 0
    out = capsys.readouterr().out
    assert "建设用地 construction land" in out and "合计 total" in out and "234号" in out


def test_cli_exit_codes(tmp_path, capsys):
    misnamed = _landuse().assign(YDYHFLMC=["旱地", "一类城镇住宅用地", "城镇社区服务设施用地"])
    path = _write(misnamed, tmp_path / "misnamed.geojson")
    assert main(["balance", path, "--format", "json"]) == 1
    assert "feature lu-0: land-use name '旱地' disagrees" in capsys.readouterr().err
    unknown = _write(_landuse(("0101", "9999", "0702")), tmp_path / "unknown.geojson")
    assert main(["balance", unknown]) == 2
    assert "feature lu-1: land-use code '9999'" in capsys.readouterr().err
    assert main(["balance", "--existing", unknown]) == 2
    assert "--existing and --planned go together" in capsys.readouterr().err
    assert main(["balance", path, "--construction", "0799"]) == 2
    assert main(["balance", path, "--class-field", "DLBM"]) == 2
    assert "no field 'DLBM'" in capsys.readouterr().err


def test_cli_existing_against_planned(tmp_path, capsys):
    old = _write(_landuse(("0101", "0101", "0101")), tmp_path / "old.gpkg")
    new = _write(_landuse(("0101", "070101", "1001")), tmp_path / "new.gpkg")
    zones = _write(_zones(), tmp_path / "zones.gpkg")
    args = ["balance", "--existing", old, "--planned", new, "--zones", zones, "--format", "json"]
    assert main(args) == 0
    rows = json.loads(capsys.readouterr().out)
    for zone in ("z1", "z2"):
        mine = [r for r in rows if r["zone_id"] == zone]
        assert sum(r["change_m2"] for r in mine) == pytest.approx(0.0, abs=1e-6)
