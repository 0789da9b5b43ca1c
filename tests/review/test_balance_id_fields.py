"""`spatial balance` takes ids as the other commands do: `--id-field [LAYER=]FIELD`, the project's.

Layers: the synthetic (示例数据) survey of ``tests/survey.py`` (land-use ids in ``BSM``,
zones' in ``DYBH``), written as GeoPackages; one parcel made a bow-tie where the
message must name it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from survey import survey_parcels, survey_zones

from spatial.cli import main

BROKEN = 3  # the parcel made a bow-tie (its BSM is read from the layer)


def _files(folder: Path, broken: bool = False) -> tuple[str, str]:
    parcels = survey_parcels()
    if broken:
        geoms = parcels.geometry.to_numpy().copy()
        x, y = geoms[BROKEN].bounds[:2]
        geoms[BROKEN] = shapely.Polygon([(x, y), (x + 10, y + 10), (x + 10, y), (x, y + 10)])
        parcels = parcels.set_geometry(list(geoms), crs=parcels.crs)
    parcels.to_file(folder / "landuse.gpkg")
    survey_zones().to_file(folder / "zones.gpkg")
    return str(folder / "landuse.gpkg"), str(folder / "zones.gpkg")


def _rows(argv: list[str], out: Path, capsys: pytest.CaptureFixture[str]) -> list[dict]:
    assert main([*argv, "--format", "json", "--out", str(out)]) == 0, capsys.readouterr().err
    return json.loads(out.read_text(encoding="utf-8"))


def _error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines  # one line, no traceback
    return lines[0]


def test_zones_id_field_by_the_general_option_gives_the_same_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    landuse, zones = _files(tmp_path)
    general = _rows(
        ["balance", landuse, "--zones", zones, "--id-field", "zones=DYBH"],
        tmp_path / "a.json",
        capsys,
    )
    own = _rows(
        ["balance", landuse, "--zones", zones, "--zone-id-field", "DYBH"],
        tmp_path / "b.json",
        capsys,
    )
    assert general == own
    assert {row["zone_id"] for row in general} == set(survey_zones()["DYBH"])


def test_a_broken_feature_is_named_by_the_id_field_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    landuse, zones = _files(tmp_path, broken=True)
    bsm = str(survey_parcels()["BSM"].iloc[BROKEN])
    call = ["balance", landuse, "--zones", zones, "--zone-id-field", "DYBH"]
    capsys.readouterr()
    assert main(call) == 2  # no id field named: BSM, unique and never blank, names it
    note, unnamed = capsys.readouterr().err.strip().splitlines()
    assert note.endswith(
        "landuse.gpkg: ids from BSM (unique, standard field); --id-field to choose another"
    )
    assert f"feature {bsm}: invalid geometry" in unnamed
    for given in (["--id-field", "BSM"], ["--id-field", "landuse=BSM"]):
        named = _error([*call, *given], capsys)
        assert named == unnamed


def test_two_different_zone_id_fields_typed_are_a_bad_call(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    landuse, zones = _files(tmp_path)
    call = ["balance", landuse, "--zones", zones, "--zone-id-field", "DYBH"]
    err = _error([*call, "--id-field", "zones=DYMC"], capsys)
    assert err == (
        "spatial balance: --zone-id-field DYBH and --id-field zones=DYMC name different "
        "fields: give one"
    )


def test_a_bare_id_field_is_the_land_use_layers_not_the_zones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    landuse, zones = _files(tmp_path)
    rows = _rows(
        ["balance", landuse, "--zones", zones, "--id-field", "BSM"], tmp_path / "a.json", capsys
    )  # BSM is not looked for in the zones: they take DYBH by the rule
    assert {row["zone_id"] for row in rows} == set(survey_zones()["DYBH"])
    survey_zones().assign(DYBH="A").to_file(zones)  # no unique standard field: refused
    err = _error(["balance", landuse, "--zones", zones, "--id-field", "BSM"], capsys)
    assert err == (  # the zones still need theirs
        f"spatial balance: {zones}: no field 'id' (the default id field: neither "
        "--zone-id-field nor spatial.toml's id_field names one); its fields are DYBH, DYMC, note"
    )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    _files(tmp_path, broken=True)
    (tmp_path / "spatial.toml").write_text(
        '[layers.zones]\npath = "zones.gpkg"\nid_field = "DYBH"\n\n'
        '[landuse]\npath = "landuse.gpkg"\nid_field = "BSM"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_in_a_project_the_land_use_id_field_names_a_broken_feature(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bsm = str(survey_parcels()["BSM"].iloc[BROKEN])
    err = _error(["balance"], capsys)
    assert f"feature {bsm}: invalid geometry" in err
    assert "#" not in err


def test_a_typed_zone_id_field_overrides_the_projects(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _files(project)  # mended
    rows = _rows(["balance"], project / "a.json", capsys)
    assert {row["zone_id"] for row in rows} == set(survey_zones()["DYBH"])
    typed = _rows(["balance", "--id-field", "zones=DYMC"], project / "b.json", capsys)
    assert {row["zone_id"] for row in typed} == set(survey_zones()["DYMC"])
    same = _rows(["balance", "--zone-id-field", "DYMC"], project / "c.json", capsys)
    assert same == typed
