"""``spatial check --landuse FILE --format json``: the land-use split table under its own key.

On the synthetic (示例数据) EPSG:4544 survey of ``tests/survey.py``: a made-up
永久基本农田 (the survey's 水田 and 旱地 parcels, no class of its own) that zones A
and B1 occupy. The JSON's ``conflicts_by_landuse`` holds the rows the terminal
prints, each class's figure against the survey rule computed apart
(:func:`survey.oracle_area_m2`) on a cut made here with shapely in EPSG:4544.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import shapely
from survey import oracle_area_m2, survey_parcels, survey_zones

from spatial.cli import main

FARM = "永久基本农田"
HEAD = "Constraint conflicts by zone and land-use class (split by the land-use layer's class)"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    survey_zones().to_file(tmp_path / "zones.gpkg")
    parcels = survey_parcels()
    parcels.to_file(tmp_path / "parcels.gpkg")
    farm = parcels[parcels["YDYHFLDM"].isin(["0101", "0103"])].copy()
    farm = farm.assign(id=[f"F{i}" for i in range(len(farm))]).drop(columns=["BSM", "YDYHFLDM"])
    farm.to_file(tmp_path / "farm.gpkg")
    monkeypatch.chdir(tmp_path)
    return tmp_path


CHECK = ["check", "--zones", "zones.gpkg", "--constraint", f"{FARM}=farm.gpkg"]
LANDUSE = ["--landuse", "parcels.gpkg", "--class-field", "YDYHFLDM"]


def _polygons(geom: shapely.Geometry) -> shapely.MultiPolygon:
    """The polygons of a cut (shared edges come back as lines, which have no area)."""
    parts = shapely.get_parts(geom)
    return shapely.MultiPolygon([p for p in parts if isinstance(p, shapely.Polygon)])


def _json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    assert main([*argv, "--format", "json"]) == 1  # the zones occupy the farmland
    return json.loads(capsys.readouterr().out)


def _terminal_rows(capsys: pytest.CaptureFixture[str]) -> list[dict[str, str]]:
    assert main([*CHECK, *LANDUSE]) == 1
    table = capsys.readouterr().out.split(HEAD + "\n\n")[1].splitlines()
    columns = table[0].split()
    return [dict(zip(columns, line.split(), strict=True)) for line in table[2:] if line.strip()
            and line.startswith(FARM)]  # fmt: skip


def test_the_json_holds_the_split_table_the_terminal_prints(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = _json(CHECK, capsys)
    split = _json([*CHECK, *LANDUSE], capsys)
    assert set(plain) == {"targets", "rules", "conflicts"}
    assert set(split) == {*plain, "conflicts_by_landuse"}
    for key in plain:  # every existing key unchanged by the land use
        assert split[key] == plain[key]
    rows = split["conflicts_by_landuse"]
    assert list(rows[0]) == [
        "constraint", "zone_id", "class_code", "YDYHFLDM", "landuse_class", "landuse_name",
        "area_m2", "area_ha", "area_mu", "area_raw_m2",
    ]  # fmt: skip
    shown = _terminal_rows(capsys)
    assert [(r["zone_id"], r["YDYHFLDM"]) for r in shown] == [
        (r["zone_id"], r["landuse_class"]) for r in rows
    ]
    for row, line in zip(rows, shown, strict=True):
        assert row["YDYHFLDM"] == row["landuse_class"]
        assert math.isclose(row["area_m2"], float(line["area_m2"].replace(",", "")), abs_tol=0.06)


def test_each_class_row_is_the_land_of_that_class_the_zone_occupies(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _json([*CHECK, *LANDUSE], capsys)["conflicts_by_landuse"]
    parcels, zones = survey_parcels(), survey_zones()
    occupied = {r["id"]: r["occupied_m2"] for r in _json(CHECK, capsys)["rules"]}
    classes = {(r["zone_id"], r["landuse_class"]) for r in rows if r["area_raw_m2"] > 1.0}
    assert classes == {("A", "0101"), ("A", "0103"), ("B1", "0101"), ("B1", "0103"), ("B2", "0103")}
    # zone A's farmland edge along the 2.4 km road leaves it a sliver of road (< 1 m², the
    # split's as the review gives it); every other row is a class's land, measured apart
    assert all(r["area_raw_m2"] < 1.0 for r in rows if (r["zone_id"], r["landuse_class"])
               not in classes)  # fmt: skip
    for row in (r for r in rows if (r["zone_id"], r["landuse_class"]) in classes):
        of_class = parcels["YDYHFLDM"] == row["landuse_class"]
        land = shapely.union_all(list(parcels.geometry[of_class]))
        zone = zones.geometry[zones["DYBH"] == row["zone_id"]].iloc[0]
        expected = oracle_area_m2(_polygons(shapely.intersection(land, zone)))
        assert math.isclose(row["area_raw_m2"], expected, rel_tol=1e-6)
        assert math.isclose(row["area_ha"], row["area_m2"] / 1e4, rel_tol=1e-12)
        assert math.isclose(row["area_mu"], row["area_m2"] * 3 / 2000, rel_tol=1e-12)
    for zone_id, figure in occupied.items():  # the class rows add up to the rule's figure
        total = sum(r["area_m2"] for r in rows if r["zone_id"] == zone_id)
        assert math.isclose(total, figure, rel_tol=1e-12, abs_tol=1e-6)
