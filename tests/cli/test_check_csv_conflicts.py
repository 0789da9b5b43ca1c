"""``check --format csv`` holds the "conflicts by zone and land-use class" table the terminal shows.

CSV is one table of rows whose ``table`` column says the kind: ``target``, ``rule``, and
``conflict``. A new planner's project (示例数据, ``tests/survey.py``): 永久基本农田 x 100..400 m,
y 100..300 m in zone A lies on parcels of 0101 水田 (x < 150) and 0103 旱地.
"""

from __future__ import annotations

import io

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from survey import GK, X0, Y0, oracle_area_m2, survey_parcels, survey_zones

from spatial.cli import main

PROJECT = """
[layers.zones]
path = "zones.gpkg"
id_field = "DYBH"
name_field = "DYMC"

[landuse]
path = "landuse.gpkg"
class_field = "YDYHFLDM"
id_field = "BSM"

[constraints."永久基本农田"]
path = "farmland.gpkg"
id_field = "BSM"
"""
#: 永久基本农田 cut by the two classes it lies on, EPSG:4544 metres.
EXPECTED = {
    "0101": shapely.box(X0 + 100, Y0 + 100, X0 + 150, Y0 + 300),
    "0103": shapely.box(X0 + 150, Y0 + 100, X0 + 400, Y0 + 300),
}


@pytest.fixture
def rows(tmp_path, monkeypatch, capsys) -> pd.DataFrame:
    survey_zones().to_file(tmp_path / "zones.gpkg")
    survey_parcels().to_file(tmp_path / "landuse.gpkg")
    farmland = shapely.box(X0 + 100, Y0 + 100, X0 + 400, Y0 + 300)
    gpd.GeoDataFrame({"BSM": ["JBNT1"]}, geometry=[farmland], crs=GK).to_file(
        tmp_path / "farmland.gpkg"
    )
    (tmp_path / "spatial.toml").write_text(PROJECT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--format", "csv"]) == 1  # zone A occupies 永久基本农田
    text = capsys.readouterr().out.lstrip("\ufeff")
    return pd.read_csv(io.StringIO(text), dtype={"YDYHFLDM": str, "DYBH": str})


def test_csv_has_the_conflicts_by_zone_and_land_use_class(rows):
    assert rows["table"].tolist() == ["rule"] * 3 + ["conflict"] * 2  # no plan: no target
    conflicts = rows[rows["table"] == "conflict"]
    assert conflicts["DYBH"].tolist() == ["A", "A"]
    assert conflicts["constraint"].tolist() == ["永久基本农田"] * 2
    assert conflicts["YDYHFLDM"].tolist() == sorted(EXPECTED)
    assert conflicts["landuse_name"].tolist() == ["水田", "旱地"]
    for row in conflicts.itertuples():
        expected_m2 = oracle_area_m2(EXPECTED[row.YDYHFLDM])  # the tests' own strip integral
        assert row.area_m2 == pytest.approx(expected_m2, rel=1e-7)
        assert row.area_ha == pytest.approx(expected_m2 / 1e4, rel=1e-7)


def test_the_rule_rows_keep_their_columns_empty_for_conflicts(rows):
    rules = rows[rows["table"] == "rule"]
    assert rules["DYBH"].tolist() == ["A", "B1", "B2"]
    assert rules["status"].tolist() == ["FAIL", "PASS", "PASS"]
    assert rules["YDYHFLDM"].isna().all() and rules["area_m2"].isna().all()
