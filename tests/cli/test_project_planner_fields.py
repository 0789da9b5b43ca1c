"""A project's own field names hold on every command that reads its layers.

Layers: the synthetic (示例数据) survey of ``tests/survey.py`` in EPSG:4544,
ids in ``DYBH`` (zones, names in ``DYMC``) and ``BSM`` (land use), written as
Shapefiles in a folder with a ``spatial.toml`` naming those fields.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pandas.testing import assert_frame_equal
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


def test_check_zones_named_on_the_command_line_keep_the_projects_fields(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the same zones under another name: read with the project's id field DYBH
    for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        (project / f"other{suffix}").write_bytes((project / f"zones{suffix}").read_bytes())
    assert main(["check", "--zones", "other.shp"]) == 0
    assert "other.shp: ids from field 'DYBH', names from field 'DYMC'" in capsys.readouterr().err


def test_check_zones_without_the_projects_id_field_blame_the_project(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    zones = survey_zones().rename(columns={"DYBH": "ZID"})
    zones.to_file(project / "other.gpkg")
    assert main(["check", "--zones", "other.gpkg"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "'DYBH'" in err and 'says [layers.zones] id_field = "DYBH"' in err
    # and the command line overrides it
    assert main(["check", "--zones", "other.gpkg", "--id-field", "zones=ZID"]) in (0, 1)


def test_a_constraint_named_again_gives_the_projects_conflicts(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import geopandas as gpd  # noqa: PLC0415

    parcels = survey_parcels()
    farmland = parcels[parcels["YDYHFLDM"].astype(str).str.startswith("01")].head(3)
    farmland[["BSM", "geometry"]].to_file(project / "farmland.shp", encoding="UTF-8")
    with (project / "spatial.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[constraints."永久基本农田"]\npath = "farmland.shp"\nid_field = "BSM"\n')
    plain = main(["check", "--conflicts-out", "plain.gpkg"])
    again = main(
        ["check", "--constraint", "永久基本农田=farmland.shp", "--conflicts-out", "again.gpkg"]
    )
    assert plain == again
    plain_layer, again_layer = (gpd.read_file(project / f) for f in ("plain.gpkg", "again.gpkg"))
    assert len(plain_layer) > 0
    assert_frame_equal(plain_layer.drop(columns="geometry"), again_layer.drop(columns="geometry"))
    named = {i.strip() for ids in again_layer["constraint_ids"] for i in ids.split(",")}
    assert named <= set(farmland["BSM"])  # named by their BSM


def test_init_warns_of_a_gbk_shapefile_without_a_cpg(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    survey_zones().to_file(tmp_path / "zones.shp", encoding="GBK")
    (tmp_path / "zones.cpg").unlink()  # as many Chinese GIS exports are: GBK, unsaid
    monkeypatch.chdir(tmp_path)
    assert main(["init", "zones.shp"]) == 0
    err = capsys.readouterr().err
    name = str(survey_zones()["DYMC"].iloc[0])
    assert (
        f"warning: zones.shp: property 'DYMC' is mis-encoded text (GBK read as LATIN-1: {name})"
        in err
    )
    assert "needs a .cpg file" in err
    (tmp_path / "zones.cpg").write_text("GBK", encoding="ascii")
    assert main(["init", "zones.shp", "--force"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_diff_of_zones_in_a_project_is_not_given_the_land_uses_class_field(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    zones = survey_zones()
    zones.to_file(project / "zones_a.gpkg")
    moved = zones.copy()
    moved.loc[0, "geometry"] = moved.geometry.iloc[0].buffer(-5)
    moved.to_file(project / "zones_b.gpkg")
    argv = ["diff", "zones_a.gpkg", "zones_b.gpkg", "--id-field", "DYBH", "--format", "csv"]
    assert main([*argv, "--out", "d.csv"]) == 0, capsys.readouterr().err
    table = (project / "d.csv").read_text(encoding="utf-8-sig")
    assert "YDYHFLDM" not in capsys.readouterr().err
    changed = [line for line in table.splitlines() if line.startswith(str(zones["DYBH"].iloc[0]))]
    assert len(changed) == 1 and "geometry" in changed[0]
    # the land use itself still takes its class field
    assert main(["diff", "landuse.shp", "landuse.shp", "--format", "csv", "--out", "l.csv"]) == 0
    assert "old_class" in (project / "l.csv").read_text(encoding="utf-8-sig").splitlines()[0]
