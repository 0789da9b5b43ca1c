"""The bundled plan judges only its own layers in ``check``, ``map`` and ``report``, as in ``diff``.

A planner's zones outside a project (tests/survey.py's synthetic 示例数据 zones A, B1, B2 in
EPSG:4544, ids ``DYBH``) hold no feature of the bundled zones: no Bishan target or rule runs on
them, one line says so and how to ask (``--plan FILE``, ``spatial init``), the constraints given
for the call are still checked, and the exit status is theirs alone; their map carries no Bishan
layer or title. A revised copy of the bundled zones (same ids, or the targets' names) is still
judged by the bundled plan, and ``--plan FILE`` judges whatever it is given.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from map_fixtures import enlarged_zones
from oracles import geod_area_km2
from survey import GK, X0, Y0, oracle_area_m2, survey_zones

import spatial.checks
from spatial.cli import main
from spatial.commands._inputs import PlanInput, bundled_plan_skipped
from spatial.io.layers import load_plan_layers
from spatial.plan import load_rules, load_targets
from spatial.webmap.build import TITLE_ZH

#: What only the bundled plan's layers put on a page: town, platform and zone names, legends.
BUNDLED_TEXT = [
    *load_plan_layers()["towns"]["name_zh"],
    *load_plan_layers()["platforms"]["name_zh"],
    *[t.id for t in load_targets() if t.layer == "zones"],
    "璧山区界",
    "黛山大道",
    "Innovation platforms",
    "璧山片区",
    TITLE_ZH,
]
#: The one line said where the bundled plan judges nothing of theirs.
NOT_RUN = f"its {len(load_targets())} targets and {len(load_rules())} rules were not run"
#: Their zones' ids and names, read as the toolkit's ``id`` and ``name_zh``.
FIELDS = ["--id-field", "DYBH", "--name-field", "DYMC"]
#: 永久基本农田 over the coverage's south half (y 0-500 m): zones A and B1 lie half on it.
FARMLAND = shapely.box(X0, Y0, X0 + 2400.0, Y0 + 500.0)
#: The same farmland 5 km south-west, clear of every zone.
FAR_FARMLAND = shapely.box(X0 - 5000.0, Y0 - 5000.0, X0 - 4000.0, Y0 - 4000.0)


def _layer(geom: shapely.Geometry, path: Path) -> str:
    properties = {"id": ["F1"], "note": ["示例数据 synthetic"]}
    gpd.GeoDataFrame(properties, geometry=[geom], crs=GK).to_file(path)
    return str(path)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch) -> Path:
    """A folder without a project: zones25.gpkg, farm.gpkg, farfarm.gpkg; the cwd."""
    survey_zones().to_file(tmp_path / "zones25.gpkg")
    _layer(FARMLAND, tmp_path / "farm.gpkg")
    _layer(FAR_FARMLAND, tmp_path / "farfarm.gpkg")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def judged(monkeypatch) -> list[tuple[tuple, tuple]]:
    """Record the targets and rules every ``run_checks`` call is given."""
    calls: list[tuple[tuple, tuple]] = []
    real = spatial.checks.run_checks

    def recording(layers, *, targets=None, rules=None, **kwargs):
        calls.append((tuple(targets or ()), tuple(rules or ())))
        return real(layers, targets=targets, rules=rules, **kwargs)

    monkeypatch.setattr(spatial.checks, "run_checks", recording)
    return calls


def _check(args: list[str], capsys) -> tuple[int, dict, list[str]]:
    status = main(["check", *args, "--format", "json"])
    captured = capsys.readouterr()
    return status, json.loads(captured.out), captured.err.splitlines()


def _said(err: list[str]) -> list[str]:
    return [line for line in err if NOT_RUN in line]


def test_their_zones_are_not_judged_and_their_constraint_is(folder, judged, capsys):
    call = ["--zones", "zones25.gpkg", *FIELDS, "--constraint", "永久基本农田=farm.gpkg"]
    status, data, err = _check(call, capsys)
    assert status == 1  # the farmland fails, nothing else was judged
    (line,) = _said(err)
    assert "zones25.gpkg holds no feature of its zones" in line
    assert "--plan FILE" in line and "spatial init" in line
    ((targets, rules),) = judged
    assert targets == () and {r.kind for r in rules} == {"must_not_occupy"}
    assert data["targets"] == []
    occupied = {row["DYBH"]: row["occupied_m2"] for row in data["rules"]}
    assert set(occupied) == {"A", "B1", "B2"}
    half = {
        "A": oracle_area_m2(shapely.box(X0, Y0, X0 + 1200.0, Y0 + 500.0)),
        "B1": oracle_area_m2(shapely.box(X0 + 1200.0, Y0, X0 + 2400.0, Y0 + 500.0)),
        "B2": 0.0,
    }
    for zone, area_m2 in half.items():
        assert occupied[zone] == pytest.approx(area_m2, abs=0.01)
    assert {r["DYBH"]: r["status"] for r in data["rules"]} == {
        "A": "FAIL",
        "B1": "FAIL",
        "B2": "PASS",
    }


def test_their_zones_pass_when_their_constraint_passes(folder, capsys):
    call = ["--zones", "zones25.gpkg", *FIELDS, "--constraint", "永久基本农田=farfarm.gpkg"]
    status, data, err = _check(call, capsys)
    assert status == 0  # no Bishan target "not found", no Bishan rule on their zones
    assert len(_said(err)) == 1
    assert [r["status"] for r in data["rules"]] == ["PASS"] * 3
    assert not any("no target of the bundled plan" in line for line in err)  # said once


def test_a_revised_copy_of_the_bundled_zones_is_judged(tmp_path, capsys):
    zones = enlarged_zones("zone-szjj", 1.10)  # 10 % larger: outside its target's 5 %
    zones.to_file(tmp_path / "revised.geojson")
    status, data, err = _check(["--zones", str(tmp_path / "revised.geojson")], capsys)
    assert status == 1 and not _said(err)
    rows = {r["id"]: r for r in data["targets"]}
    assert set(rows) == {t.id for t in load_targets()}
    assert [i for i, r in rows.items() if r["status"] == "FAIL"] == ["zone-szjj"]
    grown = zones.set_index("id").geometry["zone-szjj"]
    assert rows["zone-szjj"]["measured_km2"] == pytest.approx(geod_area_km2(grown), rel=1e-6)
    assert {r["rule"] for r in data["rules"]} == {r.id for r in load_rules()}


def test_bundled_zones_renamed_but_named_as_the_targets_are_judged(tmp_path, capsys):
    zones = load_plan_layers()["zones"]
    theirs = zones.assign(id=[f"Z{i}" for i in range(len(zones))])  # the targets' names kept
    theirs.to_file(tmp_path / "renamed.geojson")
    status, data, err = _check(["--zones", str(tmp_path / "renamed.geojson")], capsys)
    assert status == 0 and not _said(err)  # the bundled plan passes its own zones
    assert len(data["targets"]) == len(load_targets())
    assert all(r["measured_km2"] is not None for r in data["targets"])  # found by name


def test_their_plan_judges_their_zones(folder, capsys):
    km2 = {"A": 1.2, "B1": 0.6, "B2": 0.6}
    (folder / "mine.toml").write_text(
        "# 示例数据 synthetic\n"
        + "\n".join(
            f'[[targets]]\nid = "{z}"\nlayer = "zones"\nname_zh = "示例单元{z}"\n'
            f'value = {v}\nunit = "km2"\ntolerance_pct = 1.0\n'
            for z, v in km2.items()
        ),
        encoding="utf-8",
    )
    status, data, err = _check(["--zones", "zones25.gpkg", *FIELDS, "--plan", "mine.toml"], capsys)
    assert status == 0 and not _said(err)
    measured = {r["DYBH"]: r["measured_km2"] for r in data["targets"]}
    for zone, geom in survey_zones().set_index("DYBH").geometry.items():
        assert measured[zone] == pytest.approx(oracle_area_m2(geom) / 1e6, abs=1e-8)


def _page(path: Path) -> tuple[str, str]:
    page = path.read_text(encoding="utf-8")
    title = html.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1))
    return page, title


def test_the_map_of_their_zones_draws_no_bishan_layer_or_title(folder, capsys):
    call = ["map", "--offline", "--zones", "zones25.gpkg", *FIELDS, "--out", "mine.html"]
    assert main([*call, "--constraint", "永久基本农田=farfarm.gpkg"]) == 0
    captured = capsys.readouterr()
    assert len(_said(captured.err.splitlines())) == 1
    page, title = _page(folder / "mine.html")
    assert title.startswith("zones25 ")  # their file names it, as a project's zones file does
    assert [text for text in BUNDLED_TEXT if text in page] == []
    for zone in ("示例单元A", "示例单元B1", "示例单元B2", "永久基本农田"):
        assert zone in page


def test_the_map_of_revised_bundled_zones_is_bishans(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    enlarged_zones("zone-szjj", 1.10).to_file(tmp_path / "revised.geojson")
    call = ["map", "--offline", "--zones", "revised.geojson", "--out", "revised.html"]
    assert main(call) == 1  # zone-szjj 10 % over its target
    assert not _said(capsys.readouterr().err.splitlines())
    page, title = _page(tmp_path / "revised.html")
    assert title.startswith(TITLE_ZH)
    assert "璧山区界" in page and "黛山大道" in page


def test_the_report_of_their_zones_is_not_bishans(folder, capsys):
    call = ["report", "--zones", "zones25.gpkg", *FIELDS, "--out", "report.html"]
    assert main(call) == 0
    assert len(_said(capsys.readouterr().err.splitlines())) == 1
    page, _ = _page(folder / "report.html")
    assert [text for text in BUNDLED_TEXT if text in page] == []


def test_no_layer_of_theirs_or_a_plan_of_theirs_asks_nothing():
    judging = (load_targets(), load_rules())
    zones = survey_zones().rename(columns={"DYBH": "id"})
    assert bundled_plan_skipped(PlanInput(), {}, {}, judging) is None  # the bundled example
    assert bundled_plan_skipped(PlanInput(plan="mine.toml"), {"zones": zones}, {}, judging) is None
    said = bundled_plan_skipped(PlanInput(), {"zones": zones}, {"zones": "z.gpkg"}, judging)
    assert said is not None and "z.gpkg holds no feature of its zones" in said
