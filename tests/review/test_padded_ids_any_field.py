"""A padded id equal to another once stripped is a repeat in an id field of any name (c10-ids2).

The validator strips each ``id`` before comparing, and refuses ``" S01"`` beside
``"S01"``; the commands strip every id they key tables by, so a ``BSM`` (or
``DYBH``) field follows the same rule, refused in the validator's words (exit 2)
rather than giving two rows named ``S01``. Layers: the 示例数据 survey of
``tests/survey.py`` with parcel S00's BSM set to ``" S01"`` (feature #9 of the
file, S01 being #10).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from survey import survey_parcels, survey_zones

from spatial.cli import main
from spatial.review import _pieces

REPEAT = "feature S01: duplicate id: feature #10 reuses the id of feature #9"
ZONE_REPEAT = "feature B2: duplicate id: feature #2 reuses the id of feature #1"


def _write(frame, path: Path) -> str:
    if path.suffix == ".parquet":
        frame.to_parquet(path)
    else:
        frame.to_file(path)
    return path.name


@pytest.fixture(params=["parquet", "gpkg"])
def layers(request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # no one's spatial.toml
    ext = request.param
    padded = survey_parcels()
    assert padded.index[padded["BSM"] == "S00"][0] == 9  # the padded one is #9, S01 is #10
    padded.loc[padded["BSM"] == "S00", "BSM"] = " S01"
    zones = survey_zones()
    zones_padded = zones.copy()
    zones_padded.loc[zones_padded["DYBH"] == "B1", "DYBH"] = " B2"
    return {
        "pad": _write(padded, tmp_path / f"pad.{ext}"),
        "ok": _write(survey_parcels(), tmp_path / f"ok.{ext}"),
        "zones": _write(zones, tmp_path / f"zones.{ext}"),
        "zpad": _write(zones_padded, tmp_path / f"zpad.{ext}"),
    }


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    return capsys.readouterr().err.strip().splitlines()[-1]


@pytest.mark.parametrize("order", ["old", "new"])
def test_diff_refuses_padded_bsm(layers, capsys, order) -> None:
    pair = [layers["pad"], layers["ok"]] if order == "old" else [layers["ok"], layers["pad"]]
    err = _refused(["diff", *pair, "--id-field", "BSM", "--no-checks"], capsys)
    assert err == f"spatial diff: {layers['pad']}: {REPEAT}"


def test_balance_refuses_padded_bsm(layers, capsys) -> None:
    argv = ["balance", layers["pad"], "--zones", layers["zones"], "--zone-id-field", "DYBH"]
    argv += ["--class-field", "YDYHFLDM", "--id-field", "BSM"]
    assert _refused(argv, capsys) == f"spatial balance: {layers['pad']}: {REPEAT}"


def test_balance_refuses_padded_zone_ids(layers, capsys) -> None:
    argv = ["balance", layers["ok"], "--zones", layers["zpad"], "--zone-id-field", "DYBH"]
    argv += ["--class-field", "YDYHFLDM"]
    assert _refused(argv, capsys) == f"spatial balance: {layers['zpad']}: {ZONE_REPEAT}"


def test_review_refuses_padded_bsm_it_compares(layers, capsys, tmp_path) -> None:
    argv = ["review", "--zones", layers["zones"], "--landuse", layers["pad"]]
    argv += ["--class-field", "YDYHFLDM", "--id-field", "landuse=BSM"]
    argv += ["--previous", f"landuse={layers['ok']}", "--out", str(tmp_path / "r")]
    assert _refused(argv, capsys) == f"spatial review: {layers['pad']}: {REPEAT}"


def test_review_and_check_refuse_padded_zone_ids(layers, capsys, tmp_path) -> None:
    argv = ["review", "--zones", layers["zpad"], "--id-field", "DYBH", "--out", str(tmp_path / "r")]
    assert _refused(argv, capsys) == f"spatial review: {layers['zpad']}: {ZONE_REPEAT}"
    argv = ["check", "--zones", layers["zpad"], "--id-field", "DYBH"]
    assert _refused(argv, capsys) == f"spatial check: {layers['zpad']}: {ZONE_REPEAT}"


def test_qc_finds_padded_bsm(layers, capsys) -> None:
    assert main(["qc", layers["pad"], "--id-field", "BSM", "--format", "csv"]) != 0
    rows = [line for line in capsys.readouterr().out.splitlines() if "duplicate_id" in line]
    assert len(rows) == 1 and "S01" in rows[0]


def test_require_unique_strips_before_comparing() -> None:
    parcels = survey_parcels()
    assert _pieces.require_unique(parcels, "v.gpkg", "BSM") == list(parcels["BSM"])
    parcels.loc[parcels["BSM"] == "S00", "BSM"] = " S01"
    with pytest.raises(Exception, match=r"^v\.gpkg: feature S01: duplicate id: feature #10 "):
        _pieces.require_unique(parcels, "v.gpkg", "BSM")


def _qc(layers, capsys, fmt: str) -> str:
    assert main(["qc", layers["pad"], "--id-field", "BSM", "--format", fmt]) == 1
    return capsys.readouterr().out


def test_qc_table_and_csv_head_ids_by_the_field(layers, capsys) -> None:
    """``spatial qc``'s own table and CSV say ``BSM`` as the review's qc table does (c10-ids2)."""
    import csv  # noqa: PLC0415
    import io  # noqa: PLC0415
    import json  # noqa: PLC0415

    table = _qc(layers, capsys, "table").splitlines()
    head = next(line.split() for line in table if line.startswith("kind"))
    assert head[:6] == ["kind", "rule", "severity", "layer", "BSM", "other_id"]
    rows = list(csv.DictReader(io.StringIO(_qc(layers, capsys, "csv").lstrip("\ufeff"))))
    assert [(r["kind"], r["BSM"]) for r in rows] == [("duplicate_id", "S01")]
    assert "feature_id" not in rows[0]
    found = json.loads(_qc(layers, capsys, "json"))["findings"]
    assert list(found[0])[4:6] == ["BSM", "feature_id"]  # JSON: the stated key kept, BSM beside
    assert found[0]["BSM"] == found[0]["feature_id"] == "S01"
