"""``synthetic`` marks example data (示例数据) only: a planner's own survey carries no such field.

Layers: the survey of ``tests/survey.py`` (EPSG:4544, ids in ``DYBH``/``BSM``),
written as a planner's project (no ``synthetic`` property: their data), and the
same zones marked ``synthetic: true`` as the toolkit's examples are.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from survey import survey_parcels, survey_zones

from spatial.cli import main

PROJECT = (
    '[layers.zones]\npath = "zones.gpkg"\nid_field = "DYBH"\nname_field = "DYMC"\n\n'
    '[landuse]\npath = "landuse.gpkg"\nid_field = "BSM"\nclass_field = "YDYHFLDM"\n\n'
    '[constraints."永久基本农田"]\npath = "farmland.gpkg"\nid_field = "BSM"\n'
)


def _project(folder: Path, marked: bool) -> Path:
    zones = survey_zones()
    if marked:
        zones["synthetic"] = True
    zones.to_file(folder / "zones.gpkg")
    parcels = survey_parcels()
    parcels.to_file(folder / "landuse.gpkg")
    farmland = parcels[parcels["YDYHFLDM"].astype(str).str.startswith("01")]
    farmland[["BSM", "geometry"]].to_file(folder / "farmland.gpkg")
    (folder / "spatial.toml").write_text(PROJECT, encoding="utf-8")
    return folder


def test_their_conflicts_carry_no_synthetic_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(_project(tmp_path, marked=False))
    assert main(["check", "--conflicts-out", "conflicts.gpkg"]) == 1  # the zones occupy farmland
    conflicts = gpd.read_file("conflicts.gpkg")
    # A and B1 over 0101 and 0103, B2 over 0103 alone (S06's 水田 only touches B2: planar 0 m²)
    assert len(conflicts) == 5 and "DYBH" in conflicts.columns
    assert "synthetic" not in conflicts.columns
    assert main(["check", "--format", "json", "--out", "check.json"]) == 1
    rows = json.loads(Path("check.json").read_text(encoding="utf-8"))["conflicts"]
    assert len(rows) == 3 and all("synthetic" not in row for row in rows)  # the JSON alike


def test_example_conflicts_stay_marked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(_project(tmp_path, marked=True))
    assert main(["check", "--conflicts-out", "conflicts.gpkg"]) == 1
    conflicts = gpd.read_file("conflicts.gpkg")
    assert len(conflicts) == 5 and conflicts["synthetic"].astype(bool).all()  # by class
    assert main(["check", "--format", "json", "--out", "check.json"]) == 1
    rows = json.loads(Path("check.json").read_text(encoding="utf-8"))["conflicts"]
    assert [row["synthetic"] for row in rows] == [True] * 3


def test_their_review_findings_and_tables_carry_no_synthetic_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(_project(tmp_path, marked=False))
    revised = survey_parcels()
    revised.loc[0, "geometry"] = revised.geometry.iloc[0].buffer(-5)  # land moved: pieces
    revised.to_file(tmp_path / "landuse_2023.gpkg")
    call = ["review", "--previous", "landuse=landuse_2023.gpkg", "--out", "review"]
    assert main(call) == 1
    for layer in ("conflicts", "diff_pieces_landuse"):
        found = gpd.read_file(tmp_path / "review" / "findings.gpkg", layer=layer)
        assert len(found) > 0 and "synthetic" not in found.columns, layer
    tables = json.loads((tmp_path / "review" / "tables.json").read_text(encoding="utf-8"))
    pieces = tables["conflict_pieces"]
    assert pieces and all("synthetic" not in row for row in pieces)
