"""A project's own field names hold on every command that reads its layers.

Layers: the synthetic (示例数据) survey of ``tests/survey.py`` in EPSG:4544,
ids in ``DYBH`` (zones, names in ``DYMC``) and ``BSM`` (land use), written as
Shapefiles in a folder with a ``spatial.toml`` naming those fields.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from survey import survey_parcels, survey_zones

from spatial.cli import main


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    survey_zones().to_file(tmp_path / "zones.shp", encoding="UTF-8")
    survey_parcels().to_file(tmp_path / "landuse.shp", encoding="UTF-8")
    (tmp_path / "spatial.toml").write_text(
        '[layers.zones]\npath = "zones.shp"\nid_field = "DYBH"\nname_field = "DYMC"\n\n'
        '[landuse]\npath = "landuse.shp"\nid_field = "BSM"\nclass_field = "YDYHFLDM"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_validate_requires_the_planners_fields_by_their_names(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the project reads DYBH as the ids and DYMC as the names: both are present
    assert main(["validate", "zones.shp", "--require", "DYBH,DYMC"]) == 0
    assert "no problems found" in capsys.readouterr().err


def test_validate_still_reports_a_field_the_layer_lacks(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "zones.shp", "--require", "DYBH,GHYT"]) == 1
    out = capsys.readouterr().out
    zones = survey_zones()
    lines = [line for line in out.splitlines() if "missing required property: GHYT" in line]
    assert len(lines) == len(zones)  # one a zone, each named by its DYBH
    assert {line.split("feature ")[1].split(":")[0] for line in lines} == set(zones["DYBH"])
