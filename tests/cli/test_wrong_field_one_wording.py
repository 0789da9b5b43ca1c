"""A field that is not in the layer is refused in one wording, whatever the field and command.

``FILE: no field 'X' for OPTION; its fields are A, B`` (:class:`spatial.errors.FieldError`)
for an id, a class and a name field, in check, map, qc, review, diff, balance and
overlay. Before, diff and balance said ``no id column 'X'; columns are …`` and
balance's class field ``no field 'X' (use --class-field to name another); fields are …``.
Layers: the synthetic (示例数据) survey of ``tests/survey.py`` in EPSG:4544 (land use
``BSM, YDYHFLDM, note``; zones ``DYBH, DYMC, note``), no project file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from survey import survey_parcels, survey_parcels_revised, survey_zones

from spatial.cli import main

LANDUSE_FIELDS = "BSM, YDYHFLDM, note"
ZONE_FIELDS = "DYBH, DYMC, note"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    survey_parcels().to_file(tmp_path / "landuse.gpkg")
    survey_parcels_revised().to_file(tmp_path / "landuse_2023.gpkg")
    survey_zones().to_file(tmp_path / "zones.gpkg")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _said(file: str, option: str, fields: str) -> str:
    return f"{file}: no field 'X' for {option}; its fields are {fields}"


CASES = {
    "check-id": ("check --zones zones.gpkg --id-field X", "--id-field", "zones"),
    "check-name": ("check --zones zones.gpkg --name-field X", "--name-field", "zones"),
    "map-id": ("map --zones zones.gpkg --id-field X --out m.html", "--id-field", "zones"),
    "qc-id": ("qc landuse.gpkg --id-field X", "--id-field", "landuse"),
    "qc-class": ("qc landuse.gpkg --class-field X", "--class-field", "landuse"),
    "review-class": (
        "review --landuse landuse.gpkg --class-field X --out rv",
        "--class-field",
        "landuse",
    ),
    "review-landuse-id": (  # read as stored: the named field was never looked at before
        "review --landuse landuse.gpkg --id-field landuse=X --out rv",
        "--id-field",
        "landuse",
    ),
    "diff-id": ("diff landuse.gpkg landuse_2023.gpkg --id-field X", "--id-field", "landuse"),
    "diff-class": (
        "diff landuse.gpkg landuse_2023.gpkg --class-field X",
        "--class-field",
        "landuse",
    ),
    "balance-zone-id": (
        "balance landuse.gpkg --zones zones.gpkg --zone-id-field X",
        "--zone-id-field",
        "zones",
    ),
    "balance-class": ("balance landuse.gpkg --class-field X", "--class-field", "landuse"),
    "overlay-a-id": ("overlay zones.gpkg landuse.gpkg --a-id X", "--a-id", "zones"),
    "difference-a-id": (
        "overlay landuse.gpkg zones.gpkg --op difference --a-id X",
        "--a-id",
        "landuse",
    ),
}


@pytest.mark.parametrize(("call", "option", "layer"), CASES.values(), ids=CASES.keys())
def test_one_wording(
    folder: Path, capsys: pytest.CaptureFixture[str], call: str, option: str, layer: str
) -> None:
    argv = call.split()
    assert main(argv) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    fields = ZONE_FIELDS if layer == "zones" else LANDUSE_FIELDS
    assert last == f"spatial {argv[0]}: {_said(f'{layer}.gpkg', option, fields)}"
