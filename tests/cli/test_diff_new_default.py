"""``spatial diff OLD`` in a project with ``[landuse]``: NEW is the project's land use, said once.

Synthetic (示例数据) survey of ``tests/survey.py`` (EPSG:4544, ids BSM): the project's
land use is the revised version (N01 reclassified 1001 -> 0701, the road R split into
R1 and R2), OLD the filed one. Before, ``spatial diff landuse_2023.gpkg`` said
"required: NEW".
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from survey import survey_parcels, survey_parcels_revised

from spatial.cli import main

PROJECT = """\
[landuse]
path = "landuse.gpkg"
class_field = "YDYHFLDM"
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    survey_parcels().to_file(tmp_path / "landuse_2023.gpkg")
    survey_parcels_revised().to_file(tmp_path / "landuse.gpkg")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_new_is_the_projects_land_use(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "spatial.toml").write_text(PROJECT, encoding="utf-8")
    argv = ["diff", "landuse_2023.gpkg", "--no-checks", "--format", "csv", "--out", "d.csv"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    note = (
        f"spatial diff: note: NEW is the project's land use, {folder / 'landuse.gpkg'} "
        f"([landuse] path in {folder / 'spatial.toml'})\n"
    )
    assert err.count("NEW is the project's land use") == 1 and note in err
    with (folder / "d.csv").open(encoding="utf-8-sig", newline="") as f:
        status = {r["BSM"]: r["status"] for r in csv.DictReader(f)}
    assert status["N01"] == "attributes_changed" and status["N00"] == "unchanged"
    assert status["R"] == "removed" and status["R1"] == "added"  # OLD -> the project's


def test_without_a_project_new_is_required(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", "landuse_2023.gpkg"]) == 2
    assert capsys.readouterr().err == (
        "spatial diff: the following arguments are required: NEW (or run it where a "
        "spatial.toml names the land use: [landuse] path is then NEW)\n"
    )
