"""``spatial init`` names a constraint by its file's stem, as ``check --constraint NAME=FILE`` does.

Synthetic (示例数据) layers of tests/survey.py in EPSG:4544: the zones, and a made-up
永久基本农田 (the survey's 水田 and 旱地 parcels) saved as ``永久基本农田.gpkg`` whose
one layer is called ``farm``. The project ``init`` writes names it 永久基本农田, and
``check`` in that folder gives the same rows as ``check --constraint
永久基本农田=永久基本农田.gpkg``. A file of several layers names each by its layer; a
stem already taken leaves the layer's name.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from survey import survey_parcels, survey_zones

from spatial.cli import main
from spatial.project import load_project

FARM = "永久基本农田"


def _farmland() -> gpd.GeoDataFrame:
    parcels = survey_parcels()
    farm = parcels[parcels["YDYHFLDM"].isin(["0101", "0103"])]
    return farm.drop(columns=["YDYHFLDM"]).reset_index(drop=True)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    survey_zones().to_file(tmp_path / "zones.gpkg", layer="zones")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _rules(argv: list[str], capsys: pytest.CaptureFixture[str]) -> list[dict]:
    assert main([*argv, "--format", "json"]) == 1  # the zones occupy the farmland
    return json.loads(capsys.readouterr().out)["rules"]


def test_a_gpkg_constraint_is_named_by_its_file_as_check_names_it(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _farmland().to_file(folder / f"{FARM}.gpkg", layer="farm")
    assert main(["init", "zones.gpkg", f"{FARM}.gpkg"]) == 0
    capsys.readouterr()
    text = (folder / "spatial.toml").read_text(encoding="utf-8")
    assert f'[constraints."{FARM}"]\npath = "{FARM}.gpkg::farm"' in text
    assert "[constraints.farm]" not in text
    assert list(load_project(folder / "spatial.toml").constraints) == [FARM]
    from_project = _rules(["check"], capsys)
    (folder / "spatial.toml").rename(folder / "init.toml")  # no project: the name typed
    typed = _rules(
        ["check", "--zones", "zones.gpkg", "--constraint", f"{FARM}={FARM}.gpkg"], capsys
    )
    keys = ("rule", "constraint", "occupied_m2", "status")
    assert {r["constraint"] for r in from_project} == {FARM}
    assert sorted(tuple(r[k] for k in keys) for r in from_project) == sorted(
        tuple(r[k] for k in keys) for r in typed
    )


def test_each_layer_of_a_file_of_several_is_named_by_its_layer(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _farmland().to_file(folder / "三区三线.gpkg", layer=FARM)
    _farmland().iloc[:2].to_file(folder / "三区三线.gpkg", layer="生态保护红线")
    assert main(["init", "zones.gpkg", "三区三线.gpkg"]) == 0
    capsys.readouterr()
    project = load_project(folder / "spatial.toml")
    assert list(project.constraints) == [FARM, "生态保护红线"]


def test_a_stem_already_taken_leaves_the_layers_name(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _farmland().to_file(folder / f"{FARM}.shp", encoding="utf-8")
    _farmland().to_file(folder / f"{FARM}.gpkg", layer="farm")
    assert main(["init", "zones.gpkg", f"{FARM}.shp", f"{FARM}.gpkg"]) == 0
    capsys.readouterr()
    assert list(load_project(folder / "spatial.toml").constraints) == [FARM, "farm"]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ([f"a/{FARM}.gpkg", f"b/{FARM}.shp"], [FARM, f"{FARM}_2"]),
        ([f"b/{FARM}.shp", f"a/{FARM}.gpkg"], [FARM, f"{FARM}_2"]),
    ],
)
def test_two_files_of_one_stem_are_never_declared_twice(
    folder: Path, capsys: pytest.CaptureFixture[str], files: list[str], expected: list[str]
) -> None:
    """A Shapefile has no layer to fall back on; the GeoPackage's layer is its stem too."""
    (folder / "a").mkdir()
    (folder / "b").mkdir()
    _farmland().to_file(folder / "a" / f"{FARM}.gpkg", layer=FARM)
    _farmland().iloc[:2].to_file(folder / "b" / f"{FARM}.shp", encoding="utf-8")
    assert main(["init", "zones.gpkg", *files]) == 0
    capsys.readouterr()
    project = load_project(folder / "spatial.toml")  # valid TOML: no table declared twice
    assert list(project.constraints) == expected
    paths = [str(project.constraints[name].path) for name in expected]
    assert [Path(p.partition("::")[0]).parent.name for p in paths] == [
        Path(f).parent.name for f in files
    ]
    rules = _rules(["check"], capsys)
    assert {r["constraint"] for r in rules} == set(expected)


def _with_table(path: Path) -> None:
    meta = pd.DataFrame({"说明": ["示例数据 synthetic"], "年份": [2026]})
    pyogrio.write_dataframe(meta, path, layer="meta")  # an attribute table: no geometry


def test_an_attribute_table_is_no_layer(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A GeoPackage of one polygon layer and a table is named by its stem, the table unnamed."""
    _farmland().to_file(folder / f"{FARM}.gpkg", layer="farm")
    _with_table(folder / f"{FARM}.gpkg")
    assert main(["init", "zones.gpkg", f"{FARM}.gpkg"]) == 0
    capsys.readouterr()
    text = (folder / "spatial.toml").read_text(encoding="utf-8")
    assert "meta" not in text
    assert list(load_project(folder / "spatial.toml").constraints) == [FARM]
    assert {r["constraint"] for r in _rules(["check"], capsys)} == {FARM}


def test_a_file_of_tables_only_is_refused_in_one_line(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _with_table(folder / "表.gpkg")
    assert main(["init", "zones.gpkg", "表.gpkg"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("表.gpkg: no layer with a geometry column, only tables")
    assert "Traceback" not in err
    assert not (folder / "spatial.toml").exists()
