"""Tables name their id columns by the planner's fields: zones by DYBH, parcels by BSM.

A project (示例数据: tests/survey.py's EPSG:4544 zones with ids in ``DYBH``, land
use with ids in ``BSM``, a synthetic 永久基本农田 layer with ids in ``BSM``) through
``check``, ``balance``, ``overlay``, ``diff`` and ``review``: CSV headers carry
DYBH/BSM where the toolkit's column is ``id``/``zone_id``/``a_id``; JSON keeps its
stated keys and has the planner's field beside, with the same values; the ids
themselves are the planner's, checked against the survey's own geometry. The same
layers with their ids in ``id`` keep today's headers.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
import shapely
from survey import GK, X0, Y0, survey_parcels, survey_parcels_revised, survey_zones

from spatial.cli import main

PROJECT = """
[layers.zones]
path = "zones.gpkg"
id_field = "DYBH"

[landuse]
path = "landuse.gpkg"
class_field = "YDYHFLDM"
id_field = "BSM"

[constraints."永久基本农田"]
path = "farm.gpkg"
id_field = "BSM"
"""

#: The 永久基本农田 boxes, metres east and north of (X0, Y0): one in zone A, one in B2.
FARM_BOXES = ((100.0, 100.0, 300.0, 300.0), (1500.0, 600.0, 1700.0, 800.0))


def _farm(id_field: str = "BSM") -> gpd.GeoDataFrame:
    boxes = [shapely.box(X0 + a, Y0 + b, X0 + c, Y0 + d) for a, b, c, d in FARM_BOXES]
    return gpd.GeoDataFrame(
        {id_field: ["JBNT1", "JBNT2"], "note": ["示例数据 synthetic"] * 2}, geometry=boxes, crs=GK
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("planner_ids")
    survey_zones().to_file(folder / "zones.gpkg")
    survey_parcels().to_file(folder / "landuse.gpkg")
    survey_parcels_revised().to_file(folder / "landuse_2025.gpkg")
    _farm().to_file(folder / "farm.gpkg")
    (folder / "spatial.toml").write_text(PROJECT, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same layers with their ids in ``id`` (no project): the toolkit's own names."""
    folder = tmp_path_factory.mktemp("toolkit_ids")
    survey_zones().rename(columns={"DYBH": "id"}).to_file(folder / "zones.gpkg")
    survey_parcels().rename(columns={"BSM": "id"}).to_file(folder / "landuse.gpkg")
    survey_parcels_revised().rename(columns={"BSM": "id"}).to_file(folder / "landuse_2025.gpkg")
    _farm("id").to_file(folder / "farm.gpkg")
    return folder


def _run(folder: Path, call: list[str], monkeypatch, capsys) -> str:
    monkeypatch.chdir(folder)
    capsys.readouterr()
    assert main(call) in (0, 1), capsys.readouterr().err
    return capsys.readouterr().out


def _csv(folder: Path, call: list[str], monkeypatch, capsys) -> list[dict[str, str]]:
    text = _run(folder, [*call, "--format", "csv", "--no-bom"], monkeypatch, capsys)
    return list(csv.DictReader(text.splitlines()))


def _json(folder: Path, call: list[str], monkeypatch, capsys):
    return json.loads(_run(folder, [*call, "--format", "json"], monkeypatch, capsys))


def _crossing(a: gpd.GeoDataFrame, a_id: str, b: gpd.GeoDataFrame, b_id: str) -> set:
    """Pairs of ids whose features share area, from shapely in EPSG:4544 (the oracle)."""
    return {
        (ra[a_id], rb[b_id])
        for _, ra in a.iterrows()
        for _, rb in b.iterrows()
        if ra.geometry.intersection(rb.geometry).area > 1.0
    }


# --- check


def test_check_names_the_zones_ids_dybh(project, monkeypatch, capsys):
    rows = _csv(project, ["check"], monkeypatch, capsys)
    assert "DYBH" in rows[0] and "id" not in rows[0]
    assert {r["DYBH"] for r in rows if r["table"] == "rule"} == set(survey_zones()["DYBH"])
    failed = {r["DYBH"] for r in rows if r["status"] == "FAIL"}
    assert failed == {z for z, _ in _crossing(survey_zones(), "DYBH", _farm(), "BSM")}
    assert failed == {"A", "B2"}


def test_check_json_keeps_id_and_has_dybh_beside(project, monkeypatch, capsys):
    data = _json(project, ["check"], monkeypatch, capsys)
    for row in data["rules"]:
        keys = list(row)
        assert keys.index("DYBH") == keys.index("id") - 1 and row["DYBH"] == row["id"]
    conflicts = data["conflicts"]
    assert {r["DYBH"] for r in conflicts} == {"A", "B2"}
    assert all(r["DYBH"] == r["zone_id"] for r in conflicts)
    assert {r["constraint_ids"] for r in conflicts} == {"JBNT1", "JBNT2"}


def test_check_terminal_table_heads_the_ids_dybh(project, monkeypatch, capsys):
    text = _run(project, ["check"], monkeypatch, capsys)
    heads = [line.split() for line in text.splitlines() if line.startswith("rule ")]
    assert heads and heads[0][:3] == ["rule", "DYBH", "other_id"]


def test_check_layers_name_the_rules_ids_dybh(project, monkeypatch, capsys):
    _run(project, ["check", "--out", "checked.gpkg"], monkeypatch, capsys)
    rules = gpd.read_file(project / "checked.gpkg", layer="rules")
    assert "DYBH" in rules.columns and "id" not in rules.columns
    assert set(rules["DYBH"]) == set(survey_zones()["DYBH"])


# --- balance


def test_balance_names_zone_id_dybh(project, monkeypatch, capsys):
    rows = _csv(project, ["balance", "--zones", "zones.gpkg"], monkeypatch, capsys)
    assert next(iter(rows[0])) == "DYBH" and "zone_id" not in rows[0]
    assert {r["DYBH"] for r in rows} == set(survey_zones()["DYBH"])
    # each zone's rows: the classes of the parcels it crosses (oracle: shapely in EPSG:4544)
    parcels = survey_parcels().set_index("BSM")
    for zone, parcel in _crossing(survey_zones(), "DYBH", survey_parcels(), "BSM"):
        code = parcels.loc[parcel, "YDYHFLDM"]
        assert any(r["DYBH"] == zone and r["class_code"] == code for r in rows)


def test_balance_json_keeps_zone_id_and_has_dybh_beside(project, monkeypatch, capsys):
    rows = _json(project, ["balance", "--zones", "zones.gpkg"], monkeypatch, capsys)
    assert all(list(r)[:2] == ["DYBH", "zone_id"] and r["DYBH"] == r["zone_id"] for r in rows)
    assert {r["zone_id"] for r in rows} == set(survey_zones()["DYBH"])


# --- overlay


def test_overlay_names_a_and_b_by_bsm_and_dybh(project, monkeypatch, capsys):
    call = ["overlay", "landuse.gpkg", "zones.gpkg"]  # the project's id fields
    rows = _csv(project, call, monkeypatch, capsys)
    assert list(rows[0])[:2] == ["BSM", "DYBH"]
    pairs = {(r["BSM"], r["DYBH"]) for r in rows}
    assert pairs == _crossing(survey_parcels(), "BSM", survey_zones(), "DYBH")
    data = _json(project, call, monkeypatch, capsys)
    assert all(list(r)[:4] == ["BSM", "a_id", "DYBH", "b_id"] for r in data)
    assert {(r["a_id"], r["b_id"]) for r in data} == pairs


def test_overlay_of_one_field_twice_tells_the_columns_apart(project, monkeypatch, capsys):
    call = ["overlay", "zones.gpkg", "--op", "matrix"]
    rows = _csv(project, call, monkeypatch, capsys)
    assert list(rows[0])[:2] == ["a_DYBH", "b_DYBH"]
    zones = survey_zones()
    assert {(r["a_DYBH"], r["b_DYBH"]) for r in rows} == _crossing(zones, "DYBH", zones, "DYBH")


# --- diff


def test_diff_names_the_features_by_bsm(project, monkeypatch, capsys):
    call = ["diff", "landuse.gpkg", "landuse_2025.gpkg", "--no-checks"]
    rows = _csv(project, call, monkeypatch, capsys)
    assert next(iter(rows[0])) == "BSM" and "id" not in rows[0]
    old, new = set(survey_parcels()["BSM"]), set(survey_parcels_revised()["BSM"])
    assert {r["BSM"] for r in rows} == old | new
    # the road split keeps its land: R is re-identified as R1, R2 (not removed)
    assert {r["BSM"] for r in rows if r["status"] == "removed" and r["new_ids"]} == old - new
    assert old - new == {"R"}
    features = _json(project, call, monkeypatch, capsys)["features"]
    assert all(list(r)[:2] == ["BSM", "id"] and r["BSM"] == r["id"] for r in features)


# --- review


def test_review_tables_name_zones_dybh_and_parcels_bsm(project, monkeypatch, capsys):
    call = ["review", "--previous", "landuse=landuse_2025.gpkg", "--out", "review"]
    _run(project, call, monkeypatch, capsys)
    tables = json.loads((project / "review" / "tables.json").read_text(encoding="utf-8"))
    for name in ("balance", "conflicts", "conflict_pieces", "rules"):
        assert all(r["DYBH"] == r.get("zone_id", r.get("id")) for r in tables[name]), name
    assert {r["DYBH"] for r in tables["balance"]} == set(survey_zones()["DYBH"])
    assert all(r["BSM"] == r["id"] for r in tables["changes_landuse"])
    book = openpyxl.load_workbook(project / "review" / "tables.xlsx", read_only=True)
    heads = {ws.title: [c.value for c in next(ws.iter_rows(max_row=1))] for ws in book}
    assert heads["balance"][0] == "DYBH" and "zone_id" not in heads["balance"]
    assert heads["changes_landuse"][0] == "BSM" and "id" not in heads["changes_landuse"]
    assert "DYBH" in heads["conflict_pieces"] and "constraint_ids" in heads["conflict_pieces"]


# --- ids in `id`: today's names


def test_toolkit_ids_keep_todays_headers(plain, monkeypatch, capsys):
    check = ["check", "--zones", "zones.gpkg", "--constraint", "永久基本农田=farm.gpkg"]
    assert "id" in _csv(plain, check, monkeypatch, capsys)[0]
    balance = ["balance", "landuse.gpkg", "--zones", "zones.gpkg"]
    assert next(iter(_csv(plain, balance, monkeypatch, capsys)[0])) == "zone_id"
    assert next(iter(_json(plain, balance, monkeypatch, capsys)[0])) == "zone_id"
    overlay = ["overlay", "landuse.gpkg", "zones.gpkg"]
    assert list(_csv(plain, overlay, monkeypatch, capsys)[0])[:2] == ["a_id", "b_id"]
    assert list(_json(plain, overlay, monkeypatch, capsys)[0])[:2] == ["a_id", "b_id"]
    diff = ["diff", "landuse.gpkg", "landuse_2025.gpkg", "--no-checks"]
    assert next(iter(_csv(plain, diff, monkeypatch, capsys)[0])) == "id"
    rules = _json(plain, check, monkeypatch, capsys)["rules"]
    assert not {"DYBH", "BSM"} & {key for row in rules for key in row}


def test_a_field_name_like_a_formula_is_a_workbook_header_as_text(tmp_path):
    """The planner's field heads the column now: in a workbook it stays text, as cells do."""
    import pandas as pd  # noqa: PLC0415

    from spatial.export.frame import OutputFrame  # noqa: PLC0415
    from spatial.table_formats.xlsx import xlsx_bytes  # noqa: PLC0415

    frame = OutputFrame().with_ids("balance", {"zone_id": "=1+1"})
    table = frame.table("balance", pd.DataFrame({"zone_id": ["A"], "area_m2": [2.0]}), "xlsx")
    (tmp_path / "t.xlsx").write_bytes(xlsx_bytes({"balance": table}))
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx")["balance"]
    assert sheet["A1"].value == "=1+1" and sheet["A1"].data_type == "s"
