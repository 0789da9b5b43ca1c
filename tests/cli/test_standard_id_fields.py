"""Without a project, every command takes a layer's unique standard id field (BSM, DYBH) by itself.

Layers: the synthetic (示例数据) survey of ``tests/survey.py`` in EPSG:4544, ids in
``BSM`` (land use) and ``DYBH`` (zones), no ``id`` field, no ``spatial.toml``.
The rule (:func:`spatial.io.fields.standard_id_field`, that of ``spatial init``):
``--id-field`` first, a project's field next, else the first of
:data:`spatial.project.ID_FIELDS` that is unique and never blank; a layer with
none keeps today's behaviour (``no field 'id' for --id-field``).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from survey import oracle_area_m2, survey_parcels, survey_parcels_revised, survey_zones

from spatial.cli import main

BSM_NOTE = "parcels.gpkg: ids from BSM (unique, standard field); --id-field to choose another"
DYBH_NOTE = "zones.gpkg: ids from DYBH (unique, standard field); --id-field to choose another"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    survey_zones().to_file(tmp_path / "zones.gpkg")
    survey_parcels().to_file(tmp_path / "parcels.gpkg")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _geometry(frame_id: str) -> object:
    parcels = survey_parcels()
    return parcels.loc[parcels["BSM"] == frame_id, "geometry"].iloc[0]


def test_overlay_names_both_layers_by_their_standard_fields(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["overlay", "zones.gpkg", "parcels.gpkg", "--format", "csv", "--out", "o.csv"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert DYBH_NOTE in err and BSM_NOTE in err
    rows = _rows(folder / "o.csv")
    assert list(rows[0])[:2] == ["DYBH", "BSM"]  # headed by the file's own fields
    s00 = next(r for r in rows if r["DYBH"] == "A" and r["BSM"] == "S00")
    # S00 (x 0..150 m, y 0..500 m) lies wholly in zone A: its area of record
    assert math.isclose(
        float(s00["area_km2"]) * 1e6, oracle_area_m2(_geometry("S00")), rel_tol=1e-6
    )


def test_overlay_own_option_is_read_as_it_is(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["overlay", "parcels.gpkg", "zones.gpkg", "--a-id", "BSM", "--b-id", "DYBH"]
    assert main([*argv, "--format", "csv", "--out", "o.csv"]) == 0
    assert "ids from" not in capsys.readouterr().err  # the call named both: nothing taken
    assert {r["BSM"] for r in _rows(folder / "o.csv")} == set(survey_parcels()["BSM"])


def test_check_zones_without_a_project_finds_dybh(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["check", "--zones", "zones.gpkg"])
    err = capsys.readouterr().err
    assert "no field" not in err
    assert DYBH_NOTE in err and status in (0, 1)


def test_balance_zones_by_dybh_and_land_use_by_bsm(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["balance", "--zones", "zones.gpkg", "parcels.gpkg", "--format", "csv", "--out", "b.csv"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert DYBH_NOTE in err and BSM_NOTE in err
    rows = _rows(folder / "b.csv")
    assert {r["DYBH"] for r in rows} == {"A", "B1", "B2"}
    zone_a = survey_zones().geometry.iloc[0]
    total_m2 = sum(float(r["area_m2"]) for r in rows if r["DYBH"] == "A")
    assert math.isclose(total_m2, oracle_area_m2(zone_a), rel_tol=1e-6)  # rows add up to A


def test_balance_refusal_lists_the_files_own_fields(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["balance", "--zones", "zones.gpkg", "parcels.gpkg", "--class-field", "DLMC"]) == 2
    err = capsys.readouterr().err
    assert "parcels.gpkg: no field 'DLMC'" in err
    assert "fields are BSM, YDYHFLDM, note" in err  # as read, not "id, YDYHFLDM, note"


def test_qc_names_features_by_bsm(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parcels = survey_parcels()
    parcels.loc[parcels["BSM"] == "S01", "YDYHFLDM"] = "9999"
    parcels.to_file(folder / "bad.gpkg")
    argv = ["qc", "bad.gpkg", "--class-field", "YDYHFLDM", "--format", "csv", "--out", "q.csv"]
    assert main(argv) == 1
    assert "bad.gpkg: ids from BSM (unique, standard field)" in capsys.readouterr().err
    unknown = [r for r in _rows(folder / "q.csv") if r["kind"] == "unknown_code"]
    assert [r["BSM"] for r in unknown] == ["S01"]  # not "#10"; headed by the field (c10-ids2)


def test_qc_id_field_given_is_read_as_it_is(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parcels = survey_parcels()
    parcels.loc[parcels["BSM"] == "S02", "YDYHFLDM"] = "9999"
    parcels.to_file(folder / "bad.gpkg")
    argv = ["qc", "bad.gpkg", "--class-field", "YDYHFLDM", "--id-field", "BSM"]
    assert main([*argv, "--format", "csv", "--out", "q.csv"]) == 1
    assert "ids from" not in capsys.readouterr().err
    assert [r["BSM"] for r in _rows(folder / "q.csv") if r["value"] == "9999"] == ["S02"]


def test_validate_takes_bsm_as_the_required_id(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "parcels.gpkg", "zones.gpkg"]) == 0
    captured = capsys.readouterr()
    assert BSM_NOTE in captured.err and DYBH_NOTE in captured.err
    assert "missing required property" not in captured.out


def test_diff_matches_versions_by_bsm(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    survey_parcels_revised().to_file(folder / "revised.gpkg")
    argv = ["diff", "parcels.gpkg", "revised.gpkg", "--no-checks", "--format", "csv"]
    assert main([*argv, "--out", "d.csv"]) in (0, 1)
    assert BSM_NOTE in capsys.readouterr().err
    status = {r["BSM"]: r["status"] for r in _rows(folder / "d.csv")}
    assert status["N01"] == "attributes_changed"  # reclassified 1001 -> 0701
    assert status["R"] == "removed" and status["N00"] == "unchanged"


def test_two_candidates_bsm_wins(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # BSM and DYBH both unique: the first of ID_FIELDS (BSM 标识码, then DYBH 单元编号) wins
    parcels = survey_parcels()
    parcels["DYBH"] = [f"U{i:02d}" for i in range(len(parcels))]
    parcels.to_file(folder / "parcels.gpkg")
    assert main(["validate", "parcels.gpkg"]) == 0
    err = capsys.readouterr().err
    assert BSM_NOTE in err and "ids from DYBH" not in err


def test_non_unique_bsm_is_not_taken(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parcels = survey_parcels()
    parcels.loc[parcels["BSM"] == "S01", "BSM"] = "S00"  # two features S00
    parcels.to_file(folder / "parcels.gpkg")
    assert main(["overlay", "parcels.gpkg", "zones.gpkg"]) == 2
    err = capsys.readouterr().err
    assert "ids from BSM" not in err
    default = "(the default id field: neither --a-id nor spatial.toml's id_field names one)"
    assert f"parcels.gpkg: no field 'id' {default}; its fields are BSM, YDYHFLDM, note" in err


def test_map_names_zones_by_dybh(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["map", "--zones", "zones.gpkg", "--out", "m.html"])
    err = capsys.readouterr().err
    assert status in (0, 1) and (folder / "m.html").exists()
    assert DYBH_NOTE in err and "no field" not in err
