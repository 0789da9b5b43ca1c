"""``spatial review`` of a planner's zones without a plan: the bundled plan does not judge them.

The one rule of ``check``, ``map``, ``report`` and ``diff``
(:func:`spatial.checks.run.bundled_plan_note`) holds in the whole review too:
their zones hold no feature of Bishan's, so none of Bishan's 5 targets and 9
rules runs (one note says so), the constraints typed for the call still judge,
the pages are titled by their zones file and quote no Bishan figure. A revised
copy of the bundled zones is still judged by the bundled plan. Data:
tests/survey.py's EPSG:4544 coverage (示例数据).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box
from survey import GK, X0, Y0, survey_parcels, survey_zones

from spatial.cli import main
from spatial.io.layers import bundled_layer_path


def _write(folder: Path) -> None:
    survey_zones().to_file(folder / "zones.gpkg")
    survey_parcels().to_file(folder / "landuse.gpkg")
    farmland = gpd.GeoDataFrame(
        {"TBBH": ["F1"], "note": ["示例数据 synthetic"]},
        geometry=[box(X0, Y0, X0 + 2400.0, Y0 + 500.0)],
        crs=GK,
    )
    farmland.to_file(folder / "farmland.gpkg")


def test_review_of_their_zones_runs_no_bundled_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path)
    args = ["review", "--zones", "zones.gpkg", "--landuse", "landuse.gpkg"]
    args += ["--constraint", "永久基本农田=farmland.gpkg", "--out", "out"]
    code = main(args)
    err = capsys.readouterr().err
    assert "zones.gpkg holds no feature of its zones" in err
    assert "its 5 targets and 9 rules were not run" in err
    assert "zone-kcxz" not in err  # no bundled target is reported as not found
    tables = json.loads((tmp_path / "out" / "tables.json").read_text(encoding="utf-8"))
    assert tables["targets"] == []  # no target judges their zones
    rules = tables["rules"]
    assert {r["rule"] for r in rules} == {"zones-must-not-occupy-永久基本农田"}  # still judged
    assert {r["id"] for r in rules} == {"A", "B1", "B2"}
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<title>zones " in page
    for bishan in ("璧山", "黛山", "Bishan piece"):  # ("Bishan" alone: the toolkit's CSS comments)
        assert bishan not in page
    assert "璧山片区重大招商引资" not in page  # no Bishan headline figure in the embedded map
    assert code == (1 if any(r["status"] == "FAIL" for r in rules) else 0)


def test_review_of_the_bundled_zones_is_still_judged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    zones = gpd.read_file(bundled_layer_path("zones")).to_crs(GK)
    zones.to_file(tmp_path / "revised.gpkg")
    main(["review", "--zones", "revised.gpkg", "--out", "out"])
    err = capsys.readouterr().err
    assert "holds no feature" not in err
    tables = json.loads((tmp_path / "out" / "tables.json").read_text(encoding="utf-8"))
    assert len(tables["targets"]) == 5
