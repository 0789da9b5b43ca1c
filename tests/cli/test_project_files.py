"""validate, overlay and check take from the project what their arguments leave open.

The planner's folder holds :mod:`survey`'s data (synthetic, 示例数据): zones A, B1, B2
as a Shapefile (EPSG:4544, ids ``DYBH``, names ``DYMC``), no ``id`` field, and the
land-use coverage as ``landuse.gpkg::DLTB`` (ids ``BSM``, classes ``YDYHFLDM``),
with a ``spatial.toml`` naming them. A broken project stops only the commands that
use it; a password in a project's PostGIS URL is said once and never shown.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from survey import GK, X0, Y0, oracle_area_m2, survey_parcels, survey_zones

from spatial.cli import main

PROJECT = (
    '[layers.zones]\npath = "zones.shp"\nid_field = "DYBH"\nname_field = "DYMC"\n\n'
    '[landuse]\npath = "landuse.gpkg::DLTB"\nid_field = "BSM"\nclass_field = "YDYHFLDM"\n'
)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch) -> Path:
    """The planner's folder (the working folder): zones.shp, landuse.gpkg, spatial.toml."""
    survey_zones().to_file(tmp_path / "zones.shp", encoding="utf-8")
    parcels = survey_parcels()
    parcels.loc[parcels["BSM"] == "N03", "YDYHFLDM"] = "9999"  # no class of the 2023 guide
    parcels.to_file(tmp_path / "landuse.gpkg", layer="DLTB")
    (tmp_path / "spatial.toml").write_text(PROJECT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_validate_without_a_path_checks_every_project_layer_with_its_fields(folder, capsys):
    assert main(["validate"]) == 1
    out, err = capsys.readouterr()
    assert "2 file(s) checked, 1 with problems" in err
    lines = out.splitlines()
    assert len(lines) == 1 and "landuse.gpkg::DLTB: feature N03: land-use code '9999'" in lines[0]


def test_validate_reads_a_project_file_given_with_the_projects_fields(folder, capsys):
    assert main(["validate", "zones.shp"]) == 0  # ids from DYBH, as the project says
    assert main(["validate", "zones.shp", "--project", str(folder / "none.toml")]) == 2
    capsys.readouterr()
    (folder / "spatial.toml").unlink()
    assert main(["validate", "zones.shp"]) == 0  # without the project: DYBH by the rule
    assert "zones.shp: ids from DYBH (unique, standard field)" in capsys.readouterr().err


def test_validate_without_a_path_or_project_says_what_to_give(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["validate"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "give the files to check (PATH...)" in err


def test_overlay_takes_the_id_fields_from_the_project(folder, capsys):
    args = ["overlay", "zones.shp", "landuse.gpkg::DLTB", "--format", "json"]
    assert main(args) == 0
    rows = json.loads(capsys.readouterr().out)
    explicit = [*args, "--a-id", "DYBH", "--b-id", "BSM"]
    assert main([*explicit, "--project", str(folder / "x.toml")]) == 2
    capsys.readouterr()
    (folder / "spatial.toml").unlink()
    assert main(explicit) == 0
    assert rows == json.loads(capsys.readouterr().out)
    a_s00 = next(r for r in rows if (r["a_id"], r["b_id"]) == ("A", "S00"))
    s00 = shapely.box(X0, Y0, X0 + 150, Y0 + 500)  # parcel S00, inside zone A
    assert a_s00["area_km2"] * 1e6 == pytest.approx(oracle_area_m2(s00), abs=0.01)


@pytest.mark.parametrize("command", [["validate", "zones.shp", "--id-field", "DYBH"], ["overlay"]])
def test_a_broken_project_stops_only_the_commands_that_use_it(folder, capsys, command):
    (folder / "spatial.toml").write_text("[layers.zones\n", encoding="utf-8")
    if command == ["overlay"]:
        command = ["overlay", "zones.shp", "landuse.gpkg::DLTB", "--a-id", "DYBH", "--b-id", "BSM"]
    assert main(command) == 0
    err = capsys.readouterr().err
    assert "spatial.toml: not valid TOML" in err and "set aside" in err
    assert main(["check"]) == 2  # check uses the project: the one-line error
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "spatial.toml: not valid TOML" in err


def test_check_takes_its_class_field_from_the_projects_land_use_layer(folder, capsys):
    zones = survey_zones().assign(DLBM=["0701", "0101", "1001"])
    zones.to_file(folder / "zones.shp", encoding="utf-8")
    farmland = gpd.GeoDataFrame(
        {"BSM": ["F1"]}, geometry=[shapely.box(X0, Y0, X0 + 2400, Y0 + 500)], crs=GK
    )
    farmland.to_file(folder / "farmland.shp")
    (folder / "spatial.toml").write_text(
        PROJECT.replace('class_field = "YDYHFLDM"', 'class_field = "DLBM"')
        + '\n[constraints."永久基本农田"]\npath = "farmland.shp"\n',
        encoding="utf-8",
    )
    assert main(["check", "--conflicts-out", "c.gpkg"]) == 1  # A and B1 on the farmland
    conflicts = gpd.read_file(folder / "c.gpkg")
    assert dict(zip(conflicts["DYBH"], conflicts["class_code"], strict=True)) == {  # zones' id
        "A": "0701",
        "B1": "0101",
    }


def test_a_password_in_a_project_url_is_said_once_and_never_shown(folder, capsys):
    url = "postgresql://planner:s3cr%40t@localhost:5432/plan?table=redline"
    text = PROJECT + f'\n[constraints."生态保护红线"]\npath = "{url}"\n'
    text += f'\n[within."城镇开发边界"]\npath = "{url.replace("redline", "ukb")}"\n'
    (folder / "spatial.toml").write_text(text, encoding="utf-8")
    assert main(["validate", "zones.shp"]) == 0
    out, err = capsys.readouterr()
    warnings = [line for line in err.splitlines() if "password" in line]
    assert len(warnings) == 1
    assert 'constraints."生态保护红线".path, within."城镇开发边界".path' in warnings[0]
    assert "s3cr" not in out + err


def test_overlay_writes_its_layer_in_the_projects_output_crs(folder, capsys):
    text = (folder / "spatial.toml").read_text(encoding="utf-8")
    (folder / "spatial.toml").write_text('[project]\nout_crs = "EPSG:4490"\n\n' + text, "utf-8")
    args = ["overlay", "zones.shp", "landuse.gpkg::DLTB", "--op", "difference"]
    assert main([*args, "--out", "parts.gpkg"]) == 0
    assert (
        gpd.read_file(folder / "parts.gpkg", layer="difference").crs.to_epsg() == 4490
    )  # the inputs': 4544
    assert main([*args, "--out", "gk.gpkg", "--out-crs", "EPSG:4544"]) == 0  # the option wins
    assert gpd.read_file(folder / "gk.gpkg", layer="difference").crs.to_epsg() == 4544
