"""A field the project names and the layer lacks: the message says the project file named it.

The planner typed no ``--id-field``; the message tells them which line of
``spatial.toml`` to correct. Layers: the synthetic (示例数据) survey, written as
GBK Shapefiles, ids in ``DYBH`` (zones) and ``BSM`` (land use).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from survey import survey_parcels, survey_zones

from spatial.cli import main


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    survey_zones().to_file(tmp_path / "zones.shp", encoding="GBK")
    survey_parcels().to_file(tmp_path / "landuse.shp", encoding="GBK")
    (tmp_path / "spatial.toml").write_text(
        '[layers.zones]\npath = "zones.shp"\nid_field = "DYBH2"\n\n'
        '[landuse]\npath = "landuse.shp"\nclass_field = "YDYH"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path / "spatial.toml"


def _last_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 2
    return capsys.readouterr().err.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["review", "--out", "r"], "for --id-field;"),
        (["map", "--out", "m.html"], "for --id-field;"),
        (["balance", "landuse.shp", "--class-field", "YDYHFLDM"], "for --zone-id-field;"),
        (["overlay", "zones.shp", "landuse.shp", "--out", "o.gpkg"], "for --a-id;"),
    ],
)
def test_a_wrong_id_field_in_the_project_is_named(
    project: Path, capsys: pytest.CaptureFixture[str], argv: list[str], option: str
) -> None:
    err = _last_error(capsys, argv)
    assert "'DYBH2'" in err and "columns are DYBH, DYMC, note" in err.replace("fields", "columns")
    assert option in err
    assert err.endswith(f'; the project {project} says [layers.zones] id_field = "DYBH2"')


def test_a_wrong_class_field_in_the_project_is_named(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = project.read_text(encoding="utf-8").replace('"DYBH2"', '"DYBH"')
    project.write_text(text, encoding="utf-8")
    err = _last_error(capsys, ["balance", "landuse.shp"])
    assert "no field 'YDYH' for --class-field; its fields are " in err
    assert err.endswith(f'; the project {project} says [landuse] class_field = "YDYH"')


def test_a_field_typed_on_the_command_line_is_not_blamed_on_the_project(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _last_error(capsys, ["overlay", "zones.shp", "landuse.shp", "--a-id", "DYBH3"])
    assert err.endswith("no field 'DYBH3' for --a-id; its fields are DYBH, DYMC, note")
    assert "spatial.toml" not in err
