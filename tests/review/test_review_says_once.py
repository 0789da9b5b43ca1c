"""``spatial review`` says its verdict once, and a bad previous version is named as such.

A new planner's project (示例数据, ``tests/survey.py``): one rule fails (zone A occupies
永久基本农田); an invalid geometry in ``--previous`` stops the review naming that file
as the previous version.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from planner_review_folder import write_planner_review

from spatial.cli import main


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("planner")
    write_planner_review(folder)
    return folder


def _review(folder: Path, previous: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    cwd = Path.cwd()
    try:
        os.chdir(folder)
        status = main(["review", "--previous", f"landuse={previous}", "--out", "again"])
    finally:
        os.chdir(cwd)
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def test_the_verdict_is_said_once(folder, capsys):
    status, said = _review(folder, "landuse_old.gpkg", capsys)
    assert status == 1
    verdicts = [line for line in said.splitlines() if "targets PASS" in line]
    assert len(verdicts) == 1, said
    assert verdicts[0].startswith("spatial review: FAIL: 3/3 targets PASS; 2/3 rule checks PASS")


def test_an_invalid_previous_version_is_named_as_the_previous_version(folder, capsys):
    old = gpd.read_file(folder / "landuse_old.gpkg")
    x0, y0, x1, y1 = old.geometry[3].bounds  # parcel N02: a bow-tie
    old.loc[3, "geometry"] = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    old.to_file(folder / "landuse_bad.gpkg")
    status, said = _review(folder, "landuse_bad.gpkg", capsys)
    assert status == 2
    last = said.strip().splitlines()[-1]
    assert last.startswith(
        "spatial review: landuse_bad.gpkg (the previous version, --previous): feature "
        f"{old['BSM'][3]}: invalid geometry"
    ), last


def test_the_manifest_leaves_out_the_bundled_plans_unset_layers(folder):
    import json  # noqa: PLC0415

    options = json.loads((folder / "review" / "manifest.json").read_text("utf-8"))["options"]
    assert not [k for k in options if k.startswith("layer_") and options[k] is None], options
    assert options["layer_zones"].endswith("zones.gpkg::zones")  # theirs, kept
    assert options["class_field"] == "YDYHFLDM" and options["previous"] == [
        "landuse=landuse_old.gpkg"
    ]
