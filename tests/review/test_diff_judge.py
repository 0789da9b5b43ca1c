"""What judges a ``spatial diff``: the plan written for the layer, never Bishan's over a planner's.

The bundled plan judges a revised version of its own zones (by id, or by the
targets' names), never a planner's parcels; a project's plan judges its zones,
not its land use; ``--plan``/``--rules`` judge what they are given; constraints
typed for the call apply in every case. Where no plan judges, one line says so
and the run is a compare. Data: tests/survey.py's EPSG:4544 coverage (示例数据).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
from shapely import affinity
from survey import GK, X0, Y0, survey_parcels, survey_zones

import spatial.checks
from spatial.cli import main
from spatial.io.layers import bundled_layer_path, read_layer
from spatial.plan import load_rules, load_targets

NO_OVERLAP_RULES = (
    '[[rules]]\nid = "zones-no-overlap"\nkind = "no_overlap"\nlayer = "zones"\n'
    "max_overlap_m2 = 1.0\nallowed_nesting = []\n"
)
#: The project: their zones and rules, 永久基本农田 over the south half, the land use.
PROJECT = """
[project]
rules = "rules.toml"

[layers.zones]
path = "zones.gpkg"
id_field = "DYBH"

[constraints."永久基本农田"]
path = "farmland.gpkg"

[landuse]
path = "landuse.gpkg"
id_field = "BSM"
"""


def _farmland() -> gpd.GeoDataFrame:
    """永久基本农田 over the coverage's south half (y 0-500 m): parcels S00-S08 lie on it."""
    from shapely.geometry import box  # noqa: PLC0415

    return gpd.GeoDataFrame(
        {"id": ["F1"], "note": ["示例数据 synthetic"]},
        geometry=[box(X0, Y0, X0 + 2400.0, Y0 + 500.0)],
        crs=GK,
    )


def _versions(folder: Path) -> tuple[str, str]:
    """Land use v1, v2: S00 (on the farmland) turned 水田 0101 -> 城镇住宅用地 0701."""
    old = survey_parcels()
    new = old.copy()
    new.loc[new["BSM"] == "S00", "YDYHFLDM"] = "0701"
    paths = (folder / "landuse.gpkg", folder / "landuse_2025.gpkg")
    old.to_file(paths[0])
    new.to_file(paths[1])
    return str(paths[0]), str(paths[1])


def _json(args: list[str], capsys) -> tuple[int, dict, str]:
    status = main([*args, "--format", "json"])
    captured = capsys.readouterr()
    return status, json.loads(captured.out), captured.err


def _said(err: str) -> list[str]:
    return [line for line in err.splitlines() if "were not run" in line]


def test_revised_bundled_zones_named_as_the_targets_are_judged(tmp_path, capsys):
    zones = read_layer(bundled_layer_path("zones"))
    # their own ids, the plan's names: the targets find them by name, as check does
    theirs = zones.assign(id=[f"Z{i}" for i in range(len(zones))])
    grown = theirs.copy()
    mask = zones["id"] == "zone-szjj"
    geom = grown.geometry[mask].iloc[0]
    scale = math.sqrt(1.1)  # 10 % larger: outside the target's 5 %
    grown.loc[mask, "geometry"] = affinity.scale(geom, scale, scale, origin=geom.centroid)
    old, new = tmp_path / "zones_v1.geojson", tmp_path / "zones_v2.geojson"
    theirs.to_file(old)
    grown.to_file(new)
    status, data, err = _json(["diff", str(old), str(new)], capsys)
    assert status == 1
    assert not _said(err)
    rows = {r["id"]: (r["old_status"], r["new_status"]) for r in data["targets"]}
    assert rows == {"zone-szjj": ("PASS", "FAIL")}


def test_planners_parcels_outside_a_project_are_not_judged_by_the_bundled_plan(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    old, new = _versions(tmp_path)

    def refused(*args, **kwargs):
        raise AssertionError("no check runs where no plan judges")

    monkeypatch.setattr(spatial.checks, "run_checks", refused)
    call = ["diff", old, new, "--id-field", "BSM", "--class-field", "YDYHFLDM"]
    status, data, err = _json(call, capsys)
    assert status == 0
    assert data["targets"] == [] and data["rules"] == []
    (line,) = _said(err)
    targets, rules = len(load_targets()), len(load_rules())
    assert f"its {targets} targets and {rules} rules were not run" in line
    assert "landuse.gpkg" in line and "--plan FILE" in line and "spatial init" in line
    # a pure compare: the features as --no-checks gives them
    status, plain, _ = _json([*call, "--no-checks"], capsys)
    assert data["features"] == plain["features"] and data["matrix"] == plain["matrix"]
    changed = [r["id"] for r in data["features"] if r["status"] != "unchanged"]
    assert changed == ["S00"]


def test_an_explicit_plan_judges_parcels(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    old, new = _versions(tmp_path)
    (tmp_path / "rules.toml").write_text(NO_OVERLAP_RULES, encoding="utf-8")
    call = ["diff", old, new, "--id-field", "BSM", "--rules", "rules.toml"]
    assert main(call) == 0
    captured = capsys.readouterr()
    assert not _said(captured.err)
    n = len(survey_parcels())
    assert f"(none: all {n} rules as before, in both versions {n} PASS)" in captured.out


def _project(folder: Path) -> tuple[str, str]:
    survey_zones().to_file(folder / "zones.gpkg")
    _farmland().to_file(folder / "farmland.gpkg")
    (folder / "rules.toml").write_text(NO_OVERLAP_RULES, encoding="utf-8")
    (folder / "spatial.toml").write_text(PROJECT, encoding="utf-8")
    return _versions(folder)


def test_a_projects_plan_does_not_judge_its_land_use(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    old, new = _project(tmp_path)
    # the land use's versions, matched by its BSM: the zones' rule and their 永久基本农田 do not
    # run (before, S00 was listed FAIL -> FAIL on the farmland, the zones' rule on a parcel)
    call = ["diff", "landuse.gpkg", "landuse_2025.gpkg", "--class-field", "YDYHFLDM"]
    status, data, err = _json(call, capsys)
    assert status == 0
    assert data["rules"] == [] and data["targets"] == []
    (line,) = _said(err)
    assert "the project's plan judges its zones, not its land use" in line
    assert "its 0 targets and 1 rules were not run" in line
    assert "--constraint NAME=FILE" in line
    # the farmland typed for the call applies: S00 turned 0101 -> 0701 on it and fails
    typed = ["diff", old, new, "--class-field", "YDYHFLDM"]
    typed += ["--constraint", "永久基本农田=farmland.gpkg"]
    status, data, err = _json(typed, capsys)
    assert status == 1
    rows = [(r["rule"], r["id"], r["old_class"], r["new_class"]) for r in data["rules"]]
    assert rows == [("zones-must-not-occupy-永久基本农田", "S00", "0101", "0701")]
    assert len(_said(err)) == 1


def test_a_projects_plan_judges_its_zones(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    _project(tmp_path)
    moved = survey_zones()
    moved.loc[moved["DYBH"] == "B1", "geometry"] = affinity.translate(
        moved.geometry[moved["DYBH"] == "B1"].iloc[0], yoff=100.0
    )
    moved.to_file(tmp_path / "zones_v2.gpkg")
    call = ["diff", "zones.gpkg", "zones_v2.gpkg", "--id-field", "DYBH"]
    status, data, err = _json(call, capsys)
    assert status == 1
    assert not _said(err)
    rows = {(r["rule"], r["id"]): (r["old_status"], r["new_status"]) for r in data["rules"]}
    # B1 moved 100 m north into B2: both overlap by 1200 m x 100 m
    assert rows[("zones-no-overlap", "B1")] == ("PASS", "FAIL")
    assert rows[("zones-no-overlap", "B2")] == ("PASS", "FAIL")


def test_the_bundled_plan_judges_its_clusters_given_as_clusters(tmp_path, capsys):
    clusters = bundled_layer_path("clusters")
    path = tmp_path / "clusters_v2.geojson"
    read_layer(clusters).to_file(path)
    assert main(["diff", str(clusters), str(path), "--layer", "clusters"]) == 0
    captured = capsys.readouterr()
    assert not _said(captured.err)
    assert "(none: all " in captured.out.split("Rules whose status changed")[1]
    # as zones, the clusters hold none of the bundled zones: not judged, said
    assert main(["diff", str(clusters), str(path)]) == 0
    assert len(_said(capsys.readouterr().err)) == 1
