"""``spatial qc``: the interface scripts call (exit codes, JSON shape, xlsx sheets, error layer)."""

from __future__ import annotations

import json

import geopandas as gpd
import openpyxl
import pytest
from qc_layers import clean_layer, planted_layer
from survey import GK

from spatial.cli import main
from spatial.qc import KINDS

FIELDS = [
    "--id-field", "BSM", "--class-field", "YDYHFLDM",
    "--class-name-field", "YDYHFLMC", "--area-field", "TBMJ",
]  # fmt: skip
RECORD = {
    "kind", "rule", "severity", "layer", "feature_id", "other_id", "value", "unit", "source",
    "message",
}  # fmt: skip


@pytest.fixture(scope="module")
def layers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("qc")
    planted, clean = folder / "planted.gpkg", folder / "clean.gpkg"
    planted_layer().to_file(planted, driver="GPKG")
    clean_layer().to_file(clean, driver="GPKG")
    return planted, clean


def test_json_has_findings_and_summary_and_exit_1(layers, capsys):
    planted, _ = layers
    assert main(["qc", str(planted), *FIELDS, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"findings", "summary"}
    assert len(data["findings"]) == 8
    for finding in data["findings"]:
        assert set(finding) == RECORD | {"BSM"}  # --id-field's name beside feature_id (c10-ids2)
        assert finding["BSM"] == finding["feature_id"]
        assert finding["kind"] in KINDS
        assert finding["severity"] in ("error", "warning")
        assert finding["source"].strip()
        assert finding["layer"] == str(planted)
    assert data["summary"]["errors"] == 8 and data["summary"]["passed"] is False
    pairs = {(f["kind"], f["feature_id"], f["other_id"]) for f in data["findings"]}
    assert ("overlap", "S02", "S03") in pairs and ("duplicate_id", "S07", "S07") in pairs


def test_clean_layer_exits_0_with_no_finding(layers, capsys):
    _, clean = layers
    assert main(["qc", str(clean), *FIELDS, "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["findings"] == []
    assert "0 error(s)" in captured.err and "passed" in captured.err


def test_error_layer_opens_in_the_datas_crs_one_feature_per_finding(layers, tmp_path, capsys):
    planted, _ = layers
    out = tmp_path / "errors.gpkg"
    assert main(["qc", str(planted), *FIELDS, "--errors-out", str(out)]) == 1
    errors = gpd.read_file(out, layer="qc_findings")  # beside it: the QGIS styles table
    assert errors.crs.equals(gpd.GeoSeries([], crs=GK).crs)
    assert len(errors) == 8
    gap = errors[errors["kind"] == "gap"]
    assert gap.geometry.iloc[0].area == pytest.approx(20.0, rel=1e-9)  # in GK metres, as drawn
    assert "wrote" in capsys.readouterr().err


def test_xlsx_has_a_summary_and_a_findings_sheet(layers, tmp_path):
    planted, _ = layers
    out = tmp_path / "qc.xlsx"
    assert main(["qc", str(planted), *FIELDS, "--out", str(out)]) == 1
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["summary", "findings"]
    summary = list(book["summary"].values)
    assert summary[0] == ("rule", "kind", "severity", "count", "source")
    assert sum(row[3] for row in summary[1:]) == 8
    assert book["findings"].max_row == 1 + 8


def test_where_chooses_the_features_inspected(layers, capsys):
    planted, _ = layers
    status = main(["qc", str(planted), *FIELDS, "--where", "BSM=N06", "--format", "json"])
    assert status == 1
    data = json.loads(capsys.readouterr().out)
    assert [(f["kind"], f["feature_id"]) for f in data["findings"]] == [("unknown_code", "N06")]


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (["--pack", "nosuch"], "no such bundled pack"),
        (["--errors-out", "x.shp"], "GeoPackage"),
        (["--format", "xlsx"], "give --out"),
    ],
)
def test_bad_call_is_exit_2_in_one_line(layers, capsys, extra, said):
    planted, _ = layers
    assert main(["qc", str(planted), *extra]) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1


@pytest.mark.parametrize("option", ["--id-field", "--class-field", "--area-field"])
def test_a_field_the_layer_lacks_is_exit_2_as_in_validate(layers, capsys, option):
    """``qc`` refuses a wrong field with the line ``validate`` gives for it (no finding, exit 2)."""
    planted, _ = layers
    assert main(["validate", str(planted), "--id-field", "BSMX"]) == 2
    said = capsys.readouterr().err.splitlines()[0].replace("validate", "qc")
    assert main(["qc", str(planted), option, "BSMX", "--format", "json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == said.replace("--id-field", option) + "\n"
    assert captured.err.startswith(f"spatial qc: {planted}: no field 'BSMX' for {option}; its")


def test_missing_file_is_exit_2(tmp_path, capsys):
    assert main(["qc", str(tmp_path / "none.gpkg")]) == 2
    assert capsys.readouterr().err.startswith("spatial qc: ")


def test_two_layers_give_one_error_layer_each(layers, tmp_path, capsys):
    planted, clean = layers
    out = tmp_path / "errors.gpkg"
    assert (
        main(["qc", str(planted), str(clean), "--id-field", "BSM", "--errors-out", str(out)]) == 1
    )
    written = gpd.list_layers(out)["name"].tolist()
    assert {"qc_findings_planted", "qc_findings_clean"} <= set(written)
    assert len(gpd.read_file(out, layer="qc_findings_clean")) == 0
    # topology and the id, and (the layers hold the standard YDYHFLDM and YDYHFLMC, checked
    # without --class-field since c9-qcin) N06's unknown code and S04's name
    assert len(gpd.read_file(out, layer="qc_findings_planted")) == 7
    assert "38 feature(s) in 2 layer(s)" in capsys.readouterr().err
