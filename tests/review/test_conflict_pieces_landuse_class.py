"""The conflict pieces written (``check --conflicts-out``, ``findings.gpkg::conflicts``) carry the
land use's class under its own field (``YDYHFLDM``), one piece per class, as the tables split them.

A new planner's project (示例数据, ``tests/survey.py``): 永久基本农田 x 100..400 m, y 100..300 m
inside zone A lies on parcel S00 (0101 水田, x 0..150) and S01 (0103 旱地, x 150..450).
"""

from __future__ import annotations

import os
from pathlib import Path

import pyogrio
import pytest
import shapely
from planner_review_folder import write_planner_review
from survey import X0, Y0, oracle_area_m2

from spatial.cli import main

#: 永久基本农田 cut by the two parcels it lies on, in EPSG:4544 metres (tests/survey.py's layout).
EXPECTED = {
    "0101": ("水田", shapely.box(X0 + 100, Y0 + 100, X0 + 150, Y0 + 300)),
    "0103": ("旱地", shapely.box(X0 + 150, Y0 + 100, X0 + 400, Y0 + 300)),
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("planner")
    write_planner_review(folder)
    return folder


def _assert_pieces_by_class(path: Path, layer: str | None = None) -> None:
    pieces = pyogrio.read_dataframe(path, layer=layer).sort_values("YDYHFLDM")
    assert pieces["YDYHFLDM"].tolist() == sorted(EXPECTED)
    assert pieces["landuse_name"].tolist() == [EXPECTED[c][0] for c in sorted(EXPECTED)]
    assert set(pieces["DYBH"]) == {"A"} and set(pieces["constraint"]) == {"永久基本农田"}
    for row in pieces.itertuples():
        expected_m2 = oracle_area_m2(EXPECTED[row.YDYHFLDM][1])  # the tests' own strip integral
        assert row.area_m2 == pytest.approx(expected_m2, rel=1e-7)
        assert row.geometry.area == pytest.approx(EXPECTED[row.YDYHFLDM][1].area, rel=1e-6)
    whole = oracle_area_m2(shapely.box(X0 + 100, Y0 + 100, X0 + 400, Y0 + 300))
    assert pieces["area_m2"].sum() == pytest.approx(whole, rel=1e-9)


def test_check_conflicts_out_has_the_land_use_class(folder, capsys):
    cwd = Path.cwd()
    try:
        os.chdir(folder)
        assert main(["check", "--conflicts-out", "conflicts.gpkg"]) == 1
    finally:
        os.chdir(cwd)
    assert "wrote 2 conflict pieces" in capsys.readouterr().err
    _assert_pieces_by_class(folder / "conflicts.gpkg")


def test_review_findings_conflicts_have_the_land_use_class(folder):
    _assert_pieces_by_class(folder / "review" / "findings.gpkg", "conflicts")
