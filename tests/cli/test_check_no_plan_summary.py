"""``check`` in a project with constraints but no plan: targets not judged, constraints judged.

Synthetic (示例数据) zones of ``tests/survey.py`` (EPSG:4544, ids DYBH) and a
永久基本农田 box (x 100..1000 m, y 0..400 m) inside zone A only: A fails the
must-not-occupy rule, B1 and B2 pass. Before, the note said "nothing is judged"
and the summary "FAILED: 0/0 targets PASS, 2/3 rule checks PASS".
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from survey import X0, Y0, survey_zones

from spatial.cli import main

PROJECT = """\
[layers.zones]
path = "zones.gpkg"
id_field = "DYBH"
name_field = "DYMC"

[constraints."永久基本农田"]
path = "farmland.gpkg"
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    survey_zones().to_file(tmp_path / "zones.gpkg")
    farmland = gpd.GeoDataFrame(
        {"BSM": ["F1"], "note": ["示例数据 synthetic"]},
        geometry=[shapely.box(X0 + 100.0, Y0, X0 + 1000.0, Y0 + 400.0)],
        crs="EPSG:4544",
    )
    farmland.to_file(tmp_path / "farmland.gpkg")
    (tmp_path / "spatial.toml").write_text(PROJECT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_no_plan_judges_constraints_and_says_targets_are_not(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check"]) == 1  # zone A occupies the farmland
    captured = capsys.readouterr()
    assert captured.err.startswith(
        "spatial check: note: the project names no targets and no rules ([project] plan = ..., "
        "rules = ..., or [[targets]] in it): targets are not judged (no plan); its constraints "
        "(三区三线) are\n"
    )
    assert "nothing is judged" not in captured.err
    assert "\nFAILED: targets: none (no plan), 2/3 rule checks PASS\n" in captured.out
    assert "0/0 targets" not in captured.out + captured.err


def test_summary_line_to_a_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--format", "csv", "--out", "c.csv"]) == 1
    err = capsys.readouterr().err
    assert "spatial check: FAILED: targets: none (no plan), 2/3 rule checks PASS\n" in err
