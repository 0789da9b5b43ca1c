"""The commands as library functions give the tables the command line writes (issue 19, item 3).

Each ``run_*`` of :mod:`spatial.commands` is called from Python on the bundled
plan and on the synthetic (示例数据) survey coverage of ``tests/survey.py``
(EPSG:4544, ids in ``BSM``/``DYBH``), and its tables are compared with the files
``spatial COMMAND ... --out FILE.json`` writes; figures are also held against the
areas of record computed independently (``oracle_area_m2``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spatial.cli import main
from spatial.commands._inputs import PlanInput, PlanLayers
from spatial.commands.balance import BalanceRequest, run_balance
from spatial.commands.check import CheckRequest, run_check
from spatial.commands.diff import DiffRequest, run_diff
from spatial.commands.map import MapRequest, run_map
from spatial.commands.overlay import OverlayRequest, run_overlay
from spatial.commands.qc import QcRequest, run_qc
from spatial.commands.report import ReportRequest, run_report
from spatial.commands.validate import ValidateRequest, run_validate
from spatial.io.options import ReadOptions

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from survey import (
    RECLASSIFIED,
    oracle_area_m2,
    survey_parcels,
    survey_parcels_revised,
    survey_zones,
)


def assert_same_table(written: list[dict], table: pd.DataFrame) -> None:
    """The rows a command wrote (JSON records) hold the values of ``table``, column by column."""
    cli = pd.DataFrame(written, columns=list(table.columns))
    assert len(cli) == len(table)
    assert list(cli.columns) == list(table.columns)
    api = table.reset_index(drop=True)
    for column in table.columns:
        if pd.api.types.is_numeric_dtype(api[column]) and not pd.api.types.is_bool_dtype(
            api[column]
        ):
            np.testing.assert_allclose(
                cli[column].astype(float), api[column].astype(float), rtol=1e-12, equal_nan=True
            )
        else:
            theirs = [None if pd.isna(v) else v for v in cli[column]]
            ours = [
                None if not isinstance(v, list | tuple) and pd.isna(v) else v for v in api[column]
            ]
            assert [str(v) for v in theirs] == [
                str(list(v) if isinstance(v, tuple) else v) for v in ours
            ], column


def written(args: list[str], out: Path, status: int = 0) -> dict:
    assert main([*args, "--out", str(out)]) == status
    data: dict = json.loads(out.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def survey(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The survey coverage as files: zones (DYBH), parcels and their revision (BSM), a plan."""
    folder = tmp_path_factory.mktemp("survey")
    files = {
        "zones": folder / "zones.gpkg",
        "parcels": folder / "parcels.gpkg",
        "revised": folder / "revised.gpkg",
        "plan": folder / "plan.toml",
    }
    survey_zones().to_file(files["zones"], engine="pyogrio")
    survey_parcels().to_file(files["parcels"], engine="pyogrio")
    survey_parcels_revised().to_file(files["revised"], engine="pyogrio")
    targets = {"A": 120.0, "B1": 60.0, "B2": 50.0}  # B2 measures 59.98 ha: it fails
    files["plan"].write_text(
        "# 示例数据 synthetic\n"
        + "\n".join(
            f'[[targets]]\nid = "{zone}"\nlayer = "zones"\nname_zh = "示例单元{zone}"\n'
            f'value = {ha}\nunit = "ha"\n'
            for zone, ha in targets.items()
        ),
        encoding="utf-8",
    )
    return files


def _zone_areas_m2() -> dict[str, float]:
    zones = survey_zones()
    return {z: oracle_area_m2(g) for z, g in zip(zones["DYBH"], zones.geometry, strict=True)}


def test_run_check_on_the_bundled_plan_matches_spatial_check(tmp_path):
    result = run_check(CheckRequest())
    data = written(["check"], tmp_path / "check.json", status=result.exit_status)
    assert_same_table(data["targets"], result.targets)
    assert_same_table(data["rules"], result.rules)
    assert len(result.targets) > 0 and len(result.rules) > 0


def test_run_check_on_their_zones_and_plan_matches_spatial_check(survey, tmp_path):
    zones, plan = str(survey["zones"]), str(survey["plan"])
    request = CheckRequest(
        plan=PlanInput(plan=plan),
        inputs=PlanLayers(layers={"zones": zones}, options={"zones": ReadOptions(id_field="DYBH")}),
    )
    result = run_check(request)
    assert result.exit_status == 1  # B2's target fails
    args = ["check", "--zones", zones, "--id-field", "DYBH", "--plan", plan]
    data = written(args, tmp_path / "check.json", status=1)
    assert_same_table(data["targets"], result.targets)
    assert data["rules"] == [] and result.rules.empty  # their plan names no rule
    measured = dict(zip(result.targets["id"], result.targets["measured_km2"], strict=True))
    for zone, area_m2 in _zone_areas_m2().items():
        assert measured[zone] == pytest.approx(area_m2 / 1e6, rel=1e-9)
    assert result.frame.crs is not None and result.frame.crs.to_epsg() == 4544


def test_run_balance_matches_spatial_balance(survey, tmp_path):
    parcels, zones = str(survey["parcels"]), str(survey["zones"])
    request = BalanceRequest(landuse=parcels, zones=zones, class_field="YDYHFLDM", id_field="DYBH")
    result = run_balance(request)
    args = ["balance", parcels, "--zones", zones, "--class-field", "YDYHFLDM"]
    data = written([*args, "--zone-id-field", "DYBH"], tmp_path / "balance.json")
    rows = data if isinstance(data, list) else next(iter(data.values()))
    assert_same_table(rows, result.table)
    per_zone = result.table.groupby("zone_id")["area_m2"].sum()
    for zone, area_m2 in _zone_areas_m2().items():  # the rows add up to each zone
        assert per_zone[zone] == pytest.approx(area_m2, rel=1e-9)


def test_run_diff_matches_spatial_diff(survey, tmp_path):
    old, new = str(survey["parcels"]), str(survey["revised"])
    request = DiffRequest(old=old, new=new, id_field="BSM", class_field="YDYHFLDM", checks=False)
    result = run_diff(request)
    args = ["diff", old, new, "--id-field", "BSM", "--class-field", "YDYHFLDM", "--no-checks"]
    data = written(args, tmp_path / "diff.json")
    assert_same_table(data["features"], result.features)
    assert result.matrix is not None
    assert_same_table(data["matrix"], result.matrix)
    rows = result.features.set_index("id")
    parcel, before, after = RECLASSIFIED
    assert (rows.loc[parcel, "old_class"], rows.loc[parcel, "new_class"]) == (before, after)
    assert rows.loc["R", "status"] == "removed"  # the road split keeps its land: a re-id
    assert rows.loc["R", "new_ids"] == "R1, R2" and rows.loc["R", "removed_m2"] == 0
    assert {rows.loc["R1", "status"], rows.loc["R2", "status"]} == {"added"}
    assert result.exit_status == 0


def test_run_overlay_matches_spatial_overlay(survey, tmp_path):
    zones, parcels = str(survey["zones"]), str(survey["parcels"])
    request = OverlayRequest(a=zones, b=parcels, a_id_field="DYBH", b_id_field="BSM")
    result = run_overlay(request)
    args = ["overlay", zones, parcels, "--a-id", "DYBH", "--b-id", "BSM"]
    data = written(args, tmp_path / "overlay.json")
    rows = data if isinstance(data, list) else next(iter(data.values()))
    assert_same_table(rows, result.table)
    assert list(result.table.columns) == ["a_id", "b_id", "area_km2", "share_of_a", "share_of_b"]
    per_zone = result.table.groupby("a_id")["area_km2"].sum()
    for zone, area_m2 in _zone_areas_m2().items():  # the parcels cover every zone
        assert per_zone[zone] * 1e6 == pytest.approx(area_m2, rel=1e-9)


def test_run_qc_matches_spatial_qc(survey, tmp_path):
    parcels = str(survey["parcels"])
    result = run_qc(QcRequest(layers=(parcels,), id_field="BSM", class_field="YDYHFLDM"))
    args = ["qc", parcels, "--id-field", "BSM", "--class-field", "YDYHFLDM"]
    data = written(args, tmp_path / "qc.json", status=result.exit_status)
    assert_same_table(data["findings"], result.table)
    assert data["summary"] == json.loads(json.dumps(result.findings.summary()))


def test_run_validate_matches_spatial_validate(survey, capsys):
    paths = (str(survey["zones"]), str(survey["parcels"]))
    # the command line takes each file's standard id field (DYBH, BSM) when none is named
    taken = (ReadOptions(id_field="DYBH"), ReadOptions(id_field="BSM"))
    result = run_validate(ValidateRequest(paths=paths, require="DYBH", options=taken))
    assert main(["validate", *paths, "--require", "DYBH"]) == result.exit_status == 1
    printed = capsys.readouterr().out.splitlines()
    assert printed == list(result.table["problem"])
    assert [f.status for f in result.files] == [0, 1]  # the parcels carry BSM, not DYBH
    assert all("DYBH" in line for line in printed)


def test_run_map_and_run_report_check_as_spatial_check(survey, tmp_path):
    zones, plan = str(survey["zones"]), str(survey["plan"])
    inputs = PlanLayers(layers={"zones": zones}, options={"zones": ReadOptions(id_field="DYBH")})
    args = ["check", "--zones", zones, "--id-field", "DYBH", "--plan", plan]
    data = written(args, tmp_path / "check.json", status=1)
    drawn = run_map(MapRequest(plan=PlanInput(plan=plan), inputs=inputs, out=tmp_path / "m.html"))
    assert drawn.path.is_file() and drawn.exit_status == 1
    assert_same_table(data["targets"], drawn.targets)
    assert drawn.zones is not None and list(drawn.zones["status"]) == ["PASS", "PASS", "FAIL"]
    report = run_report(
        ReportRequest(out=tmp_path / "r.html", plan=PlanInput(plan=plan), inputs=inputs)
    )
    assert (tmp_path / "r.html").stat().st_size == report.html_bytes
    assert_same_table(data["targets"], report.targets)
    assert report.exit_status == 1


# --- main's behaviour, ported into the commands by the merge of c4-cmd


def test_run_map_draws_their_plan_alone_under_its_title(survey, tmp_path):
    zones, plan = str(survey["zones"]), str(survey["plan"])
    inputs = PlanLayers(layers={"zones": zones}, options={"zones": ReadOptions(id_field="DYBH")})
    own = PlanInput(plan=plan, title="示例单元规划")
    drawn = run_map(MapRequest(plan=own, inputs=inputs, out=tmp_path / "own.html"))
    assert drawn.snapshot.title_zh.startswith("示例单元规划图")
    assert set(drawn.snapshot.drawn) == {"zones"}  # no bundled layer beside theirs
    bundled = run_map(MapRequest(out=tmp_path / "bishan.html"))
    assert "璧山" in bundled.snapshot.title_zh
    assert {"zones", "clusters"} <= set(bundled.snapshot.drawn)


def test_run_validate_repairs_into_their_frame_with_their_id_field(survey):
    parcels = str(survey["parcels"])
    request = ValidateRequest(
        paths=(parcels,), options=(ReadOptions(id_field="BSM"),), repair=True, require=""
    )
    result = run_validate(request)
    assert result.repaired is not None and result.frame is not None
    out = result.frame.layer("input", result.repaired)
    assert out.crs is not None and out.crs.to_epsg() == 4544  # the input's own CRS
    assert list(out["BSM"]) == list(survey_parcels()["BSM"])  # written back as their field
    assert "id" not in out.columns


def test_run_validate_checks_the_class_field_the_project_names(survey, tmp_path):
    parcels = survey_parcels()
    bad = parcels["BSM"].iloc[1]
    parcels.loc[parcels["BSM"] == bad, "YDYHFLDM"] = "9999"  # no code of the 2023 guide
    path = tmp_path / "parcels_bad_code.gpkg"
    parcels.to_file(path, engine="pyogrio")
    options = (ReadOptions(id_field="BSM"),)
    plain = run_validate(ValidateRequest(paths=(str(path),), options=options))
    assert plain.exit_status == 0  # no class field named: the code is not checked
    named = run_validate(
        ValidateRequest(paths=(str(path),), options=options, class_fields=("YDYHFLDM",))
    )
    assert named.exit_status == 1
    found = [p for p in named.files[0].problems if "9999" in p]
    assert len(found) == 1 and bad in found[0]  # the feature named by its BSM
