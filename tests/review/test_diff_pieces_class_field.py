"""The 调入/调出 pieces written (``diff --pieces-out``, ``findings.gpkg::diff_pieces_landuse``)
name the class by the layers' own field (``YDYHFLDM``) beside ``class_code``.

Synthetic survey coverage (示例数据, ``tests/survey.py``): the new version drops parcel S00
(0101 水田), so one piece is removed, of class 0101, its area the parcel's.
"""

from __future__ import annotations

import os

import pyogrio
import pytest
from survey import oracle_area_m2, survey_parcels, survey_zones

from spatial.cli import main


@pytest.fixture
def versions(tmp_path):
    old = survey_parcels()
    old.to_file(tmp_path / "old.gpkg")
    old[old["BSM"] != "S00"].to_file(tmp_path / "new.gpkg")
    return tmp_path, old[old["BSM"] == "S00"].geometry.iloc[0]


def _assert_one_removed_0101(pieces, id_column: str, parcel) -> None:
    assert pieces[id_column].tolist() == ["S00"] and pieces["change"].tolist() == ["removed"]
    assert pieces["YDYHFLDM"].tolist() == ["0101"] and pieces["class_code"].tolist() == ["0101"]
    assert list(pieces.columns).index("YDYHFLDM") == list(pieces.columns).index("class_code") + 1
    assert pieces["area_m2"].iloc[0] == pytest.approx(oracle_area_m2(parcel), rel=1e-7)


def test_diff_pieces_out_names_the_class_field(versions):
    folder, parcel = versions
    argv = ["diff", str(folder / "old.gpkg"), str(folder / "new.gpkg"), "--id-field", "BSM"]
    argv += ["--class-field", "YDYHFLDM", "--no-checks", "--pieces-out", str(folder / "p.gpkg")]
    assert main(argv) in (0, 1)
    _assert_one_removed_0101(pyogrio.read_dataframe(folder / "p.gpkg"), "BSM", parcel)


def test_review_diff_pieces_name_the_class_field(versions):
    folder, parcel = versions
    survey_zones().to_file(folder / "zones.gpkg")
    argv = ["review", "--zones", "zones.gpkg", "--id-field", "zones=DYBH", "--landuse", "new.gpkg"]
    argv += ["--id-field", "landuse=BSM", "--class-field", "YDYHFLDM"]
    argv += ["--previous", "landuse=old.gpkg", "--out", "review"]
    cwd = os.getcwd()
    try:
        os.chdir(folder)
        assert main(argv) in (0, 1)
    finally:
        os.chdir(cwd)
    path = folder / "review" / "findings.gpkg"
    _assert_one_removed_0101(
        pyogrio.read_dataframe(path, layer="diff_pieces_landuse"), "BSM", parcel
    )
