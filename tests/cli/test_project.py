"""A planner's own project: their GK zones (ids DYBH, names DYMC), their plan, no bundled judge.

The data are :mod:`survey`'s (synthetic, 示例数据): zones A (1200 m x 1000 m), B1 and
B2 (1200 m x 500 m) in EPSG:4544, written as a Shapefile as a planner's would be,
and a plan of their own with one target per zone. Areas are held against the
survey rule computed independently (:func:`survey.oracle_area_m2`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from survey import GK, X0, Y0, oracle_area_m2, survey_parcels, survey_zones

from spatial.cli import main
from spatial.io.layers import load_plan_layers
from spatial.plan import load_targets
from spatial.project import load_project

#: The bundled plan's zone ids: none may judge, or appear beside, a planner's own zones.
BUNDLED_ZONE_IDS = [t.id for t in load_targets() if t.layer == "zones"]
#: The zones' areas of record, ha, by the survey rule (independent of the toolkit).
AREA_HA = {row.DYBH: oracle_area_m2(row.geometry) / 10_000 for row in survey_zones().itertuples()}
#: A minimal rules file: the zones must not overlap (by more than 1 m²).
NO_OVERLAP_RULES = (
    '[[rules]]\nid = "zones-no-overlap"\nkind = "no_overlap"\nlayer = "zones"\n'
    "max_overlap_m2 = 1.0\nallowed_nesting = []\n"
)


def _plan_text(values_ha: dict[str, float]) -> str:
    entries = [
        f'[[targets]]\nid = "{zone}"\nlayer = "zones"\nname_zh = "示例单元{zone}"\n'
        f'value = {value}\nunit = "ha"\n'
        for zone, value in values_ha.items()
    ]
    return "# 示例数据 synthetic\n" + "\n".join(entries)


#: Their targets: A 120 ha, B1 and B2 60 ha each (the zones measure 119.96 and 59.98 ha).
PLAN = {"A": 120.0, "B1": 60.0, "B2": 60.0}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A planner's folder: zones.shp (EPSG:4544, DYBH/DYMC) and plan.toml."""
    survey_zones().to_file(tmp_path / "zones.shp", encoding="utf-8")
    (tmp_path / "plan.toml").write_text(_plan_text(PLAN), encoding="utf-8")
    return tmp_path


def _check_json(args: list[str], capsys) -> tuple[int, dict, str]:
    status = main(["check", *args, "--format", "json"])
    captured = capsys.readouterr()
    return status, json.loads(captured.out) if captured.out else {}, captured.err


def _no_bundled_zone(text: str) -> None:
    assert not [ident for ident in BUNDLED_ZONE_IDS if ident in text]
    assert "platform" not in text and "cluster-" not in text


def test_their_targets_pass_with_no_rules_file(folder, capsys):
    zones, plan = str(folder / "zones.shp"), str(folder / "plan.toml")
    status, data, err = _check_json(
        ["--zones", zones, "--id-field", "DYBH", "--plan", plan], capsys
    )
    assert status == 0, err
    rows = {row["id"]: row for row in data["targets"]}
    assert set(rows) == {"A", "B1", "B2"}
    for zone, row in rows.items():
        assert row["status"] == "PASS"
        assert row["measured_km2"] == pytest.approx(AREA_HA[zone] / 100, rel=1e-6)
    assert data["rules"] == []  # no bundled rule (platforms-in-assigned failed them before)
    _no_bundled_zone(json.dumps(data, ensure_ascii=False) + err)


def test_one_of_their_targets_failing_exits_1_and_is_named(folder, capsys):
    (folder / "plan.toml").write_text(_plan_text({**PLAN, "B1": 50.0}), encoding="utf-8")
    args = ["--zones", str(folder / "zones.shp"), "--id-field", "DYBH"]
    status, data, err = _check_json([*args, "--plan", str(folder / "plan.toml")], capsys)
    assert status == 1
    rows = {row["id"]: row for row in data["targets"]}
    assert [z for z, row in rows.items() if row["status"] == "FAIL"] == ["B1"]
    expected_pct = (AREA_HA["B1"] - 50.0) / 50.0 * 100  # +19.96%: outside the default ±5%
    assert rows["B1"]["diff_pct"] == pytest.approx(expected_pct, abs=0.01)
    _no_bundled_zone(json.dumps(data, ensure_ascii=False) + err)


def test_a_minimal_rules_file_runs_only_their_rule(folder, capsys):
    (folder / "rules.toml").write_text(NO_OVERLAP_RULES, encoding="utf-8")
    args = ["--zones", str(folder / "zones.shp"), "--id-field", "DYBH"]
    args += ["--plan", str(folder / "plan.toml"), "--rules", str(folder / "rules.toml")]
    status, data, _ = _check_json(args, capsys)
    assert status == 0
    assert {(r["rule"], r["id"], r["status"]) for r in data["rules"]} == {
        ("zones-no-overlap", zone, "PASS") for zone in ("A", "B1", "B2")
    }


def _project(folder: Path, extra: str = "") -> Path:
    text = (
        '[project]\nplan = "plan.toml"\n\n'
        '[layers.zones]\npath = "zones.shp"\nid_field = "DYBH"\nname_field = "DYMC"\n' + extra
    )
    path = folder / "spatial.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_project_in_the_working_folder_is_read(folder, capsys, monkeypatch):
    _project(folder)
    monkeypatch.chdir(folder)
    status, data, err = _check_json([], capsys)
    assert status == 0, err
    assert {row["id"]: row["status"] for row in data["targets"]} == dict.fromkeys(PLAN, "PASS")
    assert data["rules"] == []
    _no_bundled_zone(json.dumps(data, ensure_ascii=False) + err)


def test_a_project_named_with_project_and_the_command_line_overriding_it(folder, capsys):
    project = _project(folder)
    (folder / "strict.toml").write_text(_plan_text({**PLAN, "A": 100.0}), encoding="utf-8")
    status, data, _ = _check_json(["--project", str(project)], capsys)
    assert status == 0
    status, data, _ = _check_json(
        ["--project", str(project), "--plan", str(folder / "strict.toml")], capsys
    )
    assert status == 1  # the command line's plan replaces the project's
    assert {r["id"] for r in data["targets"] if r["status"] == "FAIL"} == {"A"}


def test_inline_targets_in_the_project(folder, capsys):
    project = folder / "spatial.toml"
    project.write_text(
        '[layers.zones]\npath = "zones.shp"\nid_field = "DYBH"\n\n'
        + _plan_text({"B2": 60.0})
        + NO_OVERLAP_RULES,
        encoding="utf-8",
    )
    status, data, _ = _check_json(["--project", str(project)], capsys)
    assert status == 0
    assert [(r["id"], r["status"]) for r in data["targets"]] == [("B2", "PASS")]
    assert sorted(r["id"] for r in data["rules"]) == ["A", "B1", "B2"]  # the inline rule


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('[layers.zones]\npath = "nowhere.shp"\n', "layers.zones.path: no such file 'nowhere.shp'"),
        ('[layers.zonez]\npath = "zones.shp"\n', "layers.zonez: not a plan layer"),
        (
            '[layers.zones]\npath = "zones.shp"\nid_feld = "DYBH"\n',
            "layers.zones.id_feld: unknown key",
        ),
        ('[project]\nout_crs = "EPSG:99999"\n', "project.out_crs: 'EPSG:99999' is not a CRS"),
        ('[project]\nplan = "plan.toml"\n' + _plan_text({"A": 1.0}), "written inline"),
        ("[layers.zones\n", "not valid TOML"),
    ],
)
def test_a_wrong_project_is_one_line_naming_file_and_key(folder, capsys, text, said):
    project = folder / "spatial.toml"
    project.write_text(text, encoding="utf-8")
    assert main(["check", "--project", str(project)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"spatial check: {project}: ") and said in err


def test_init_then_check(folder, capsys, monkeypatch):
    monkeypatch.chdir(folder)
    assert main(["init", "zones.shp", "--plan", "plan.toml"]) == 0
    err = capsys.readouterr().err
    said = "zones.shp: 3 Polygon features, CRS EPSG:4544; id field DYBH, name field DYMC"
    assert said in err
    text = (folder / "spatial.toml").read_text(encoding="utf-8")
    assert f"# {said}" in text and 'id_field = "DYBH"' in text and 'plan = "plan.toml"' in text
    status, data, _ = _check_json([], capsys)
    assert status == 0
    assert {row["id"]: row["status"] for row in data["targets"]} == dict.fromkeys(PLAN, "PASS")
    # never over an existing project, unless --force
    (folder / "spatial.toml").write_text("# mine\n", encoding="utf-8")
    assert main(["init", "zones.shp"]) == 2
    assert "spatial.toml: a project is already there; give --force" in capsys.readouterr().err
    assert (folder / "spatial.toml").read_text(encoding="utf-8") == "# mine\n"
    assert main(["init", "zones.shp", "--force"]) == 0
    assert "[layers.zones]" in (folder / "spatial.toml").read_text(encoding="utf-8")


def test_init_detects_the_land_use_layer_and_a_constraint(folder, capsys):
    survey_parcels().to_file(folder / "landuse.gpkg", layer="DLTB")
    _farmland().to_file(folder / "永久基本农田.shp", encoding="utf-8")
    out = folder / "project.toml"
    args = [
        "init",
        str(folder / "landuse.gpkg"),
        str(folder / "永久基本农田.shp"),
        "--out",
        str(out),
    ]
    assert main(args) == 0
    capsys.readouterr()
    text = out.read_text(encoding="utf-8")
    assert re.search(r'\[landuse\]\npath = "landuse.gpkg::DLTB"\nid_field = "BSM"', text)
    assert 'class_field = "YDYHFLDM"' in text and '[constraints."永久基本农田"]' in text
    project = load_project(out)  # what init writes reads back
    assert project.landuse is not None and project.landuse.class_field == "YDYHFLDM"
    assert list(project.constraints) == ["永久基本农田"]


# --- diff of their land-use versions


def _farmland() -> gpd.GeoDataFrame:
    """永久基本农田 over the coverage's south half (y 0-500 m): parcels S00-S08 lie on it."""
    return gpd.GeoDataFrame(
        {"BSM": ["F1"], "note": ["示例数据 synthetic"]},
        geometry=[shapely.box(X0, Y0, X0 + 2400, Y0 + 500)],
        crs=GK,
    )


@pytest.fixture
def versions(tmp_path: Path) -> tuple[str, str, str]:
    """Land-use v1 and v2 (S00 水田 0101 -> 城镇住宅用地 0701) and the farmland, as files."""
    old = survey_parcels()
    new = old.copy()
    new.loc[new["BSM"] == "S00", "YDYHFLDM"] = "0701"
    paths = (tmp_path / "v1.gpkg", tmp_path / "v2.gpkg", tmp_path / "farmland.shp")
    old.to_file(paths[0])
    new.to_file(paths[1])
    _farmland().to_file(paths[2], encoding="utf-8")
    return str(paths[0]), str(paths[1]), str(paths[2])


def test_diff_runs_no_zone_target_over_parcels(versions, capsys):
    old, new, _ = versions
    assert main(["diff", old, new, "--id-field", "BSM", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["targets"] == []
    assert main(["diff", old, new, "--id-field", "BSM"]) == 0
    captured = capsys.readouterr()
    out = captured.out
    # the bundled plan judges no parcel: neither its targets nor its rules run (issue 24)
    assert out.count("(not checked: no plan judges these layers)") == 2
    assert f"its {len(load_targets())} targets and 9 rules were not run" in captured.err
    assert "FAIL)" not in out.split("Targets whose status changed")[1].split("Rules")[0]


def test_diff_constraint_reports_paddy_turned_housing_on_farmland(versions, capsys):
    old, new, farmland = versions
    args = ["diff", old, new, "--id-field", "BSM", "--class-field", "YDYHFLDM"]
    args += ["--constraint", f"永久基本农田={farmland}", "--format", "json"]
    assert main(args) == 1
    captured = capsys.readouterr()
    rows = [r for r in json.loads(captured.out)["rules"] if r["kind"] == "must_not_occupy"]
    assert len(rows) == 1  # the other parcels on the farmland did not change: not listed
    row = rows[0]
    assert (row["id"], row["old_class"], row["new_class"]) == ("S00", "0101", "0701")
    assert (row["old_status"], row["new_status"]) == ("FAIL", "FAIL")
    s00 = survey_parcels().set_index("BSM").geometry["S00"]
    occupied_m2 = float(re.search(r"by ([\d,.]+) m²", row["reason"]).group(1).replace(",", ""))
    assert occupied_m2 == pytest.approx(oracle_area_m2(s00), abs=0.1)
    said = "class changed where a constraint fails: zones-must-not-occupy-永久基本农田: S00"
    assert f"{said}: class 0101 -> 0701" in captured.err


# --- per-input options say which input; typed properties checked in one place


def test_a_bare_id_field_is_the_zones_not_the_constraint_layer(folder, capsys):
    _farmland().drop(columns="BSM").to_file(folder / "farmland.shp", encoding="utf-8")
    args = ["--zones", str(folder / "zones.shp"), "--id-field", "DYBH"]
    args += [
        "--plan",
        str(folder / "plan.toml"),
        "--constraint",
        f"永久基本农田={folder / 'farmland.shp'}",
    ]
    status, data, err = _check_json(args, capsys)
    assert status == 1, err  # read (not exit 2): zones A and B1 lie on the farmland
    rows = {r["id"]: r for r in data["rules"]}
    assert {z: r["status"] for z, r in rows.items()} == {"A": "FAIL", "B1": "FAIL", "B2": "PASS"}
    south_a = shapely.box(X0, Y0, X0 + 1200, Y0 + 500)
    assert rows["A"]["value"] == pytest.approx(oracle_area_m2(south_a) / 1e6, abs=1e-6)


def _towns_with(tmp_path: Path, value: str) -> Path:
    towns = load_plan_layers()["towns"].copy()
    towns["corridor_town"] = towns["corridor_town"].astype(object)
    towns.loc[towns.index[0], "corridor_town"] = value
    path = tmp_path / "towns.geojson"
    towns.to_file(path, driver="GeoJSON")
    return path


def test_check_and_map_refuse_the_same_corridor_town(tmp_path, capsys):
    path = _towns_with(tmp_path, "maybe")
    first = load_plan_layers()["towns"]["id"].iloc[0]
    said = f"{path}: feature {first}: corridor_town is 'maybe', not true or false (是/否)"
    assert main(["check", "--towns", str(path)]) == 2
    assert said in capsys.readouterr().err
    assert main(["map", "--towns", str(path), "--out", str(tmp_path / "m.html")]) == 2
    assert said in capsys.readouterr().err
    assert not (tmp_path / "m.html").exists()


def test_bundled_plan_still_the_default_without_any_plan_input(capsys):
    status, data, _ = _check_json([], capsys)
    assert status == 0
    assert {r["id"] for r in data["targets"]} == set(t.id for t in load_targets())


# --- the example projects

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_the_bishan_example_project_is_the_bundled_plan(capsys):
    status, bundled, _ = _check_json([], capsys)
    project = EXAMPLES / "bishan" / "spatial.toml"
    assert (status, *_check_json(["--project", str(project)], capsys)[:2]) == (0, 0, bundled)


def test_the_own_plan_example_project_is_the_command_it_replaces(capsys):
    review = EXAMPLES / "review"
    args = ["--zones", str(review / "zones.geojson"), "--plan", str(review / "plan.toml")]
    args += ["--rules", str(review / "rules.toml")]
    args += ["--constraint", f"永久基本农田={review / 'farmland.geojson'}"]
    args += ["--constraint", f"生态保护红线={review / 'redline.geojson'}"]
    args += ["--within", f"城镇开发边界={review / 'ukb.geojson'}"]
    # the project's [landuse] splits the conflicts by class: its JSON holds the split too
    args += ["--landuse", str(review / "landuse_planned.geojson"), "--class-field", "YDYHFLDM"]
    status, explicit, _ = _check_json(args, capsys)
    assert "conflicts_by_landuse" in explicit
    project = EXAMPLES / "own-plan" / "spatial.toml"
    assert status == 1  # demo-zone-a on 永久基本农田 (268,956.5 m²), demo-zone-b on the red line
    assert _check_json(["--project", str(project)], capsys)[:2] == (1, explicit)


def test_balance_reads_the_land_use_layer_and_the_zones_from_the_project(folder, capsys):
    survey_parcels().to_file(folder / "landuse.gpkg")
    project = _project(folder, '\n[landuse]\npath = "landuse.gpkg"\nclass_field = "YDYHFLDM"\n')
    assert main(["balance", "--project", str(project), "--format", "json"]) == 0
    rows = {(r["zone_id"], r["class_code"]): r for r in json.loads(capsys.readouterr().out)}
    paddy = shapely.box(X0, Y0, X0 + 150, Y0 + 500), shapely.box(X0 + 750, Y0, X0 + 1050, Y0 + 500)
    assert rows[("A", "0101")]["area_m2"] == pytest.approx(
        sum(oracle_area_m2(g) for g in paddy), abs=0.01
    )  # S00 and S03, the 水田 parcels in zone A (ids from DYBH, as the project says)


def test_map_through_the_project_judges_by_their_plan(folder, capsys, monkeypatch):
    _project(folder)
    monkeypatch.chdir(folder)
    assert main(["map", "--out", "plan.html"]) == 0
    verdict = capsys.readouterr().out.splitlines()[-1]
    assert verdict == "spatial map: all pass: 3/3 targets PASS, rules: none"
    assert (folder / "plan.html").is_file()


def test_diff_takes_the_id_class_field_and_constraint_from_the_project(versions, capsys):
    old, new, _ = versions
    project = Path(old).parent / "spatial.toml"
    project.write_text(
        '[landuse]\npath = "v2.gpkg"\nid_field = "BSM"\nclass_field = "YDYHFLDM"\n\n'
        '[constraints."永久基本农田"]\npath = "farmland.shp"\n',
        encoding="utf-8",
    )
    assert main(["diff", old, new, "--project", str(project), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["old_class"], r["new_class"]) for r in data["rules"]] == [
        ("S00", "0101", "0701")
    ]
    assert len(data["matrix"]) == 6  # --class-field from the project: the from x to matrix


def test_their_zones_without_their_plan_are_told_how_to_give_it(folder, capsys):
    args = ["--zones", str(folder / "zones.shp"), "--id-field", "DYBH"]
    status, data, err = _check_json(args, capsys)
    assert status == 0  # the bundled plan, the default when no plan is given, judges none of them
    assert data["targets"] == [] and data["rules"] == []
    assert "zones.shp holds no feature of its zones" in err
    assert "give your plan with --plan FILE or --rules FILE, or write a project with" in err


@pytest.mark.parametrize("spelled", ["zones.shp", "./zones.shp"])
def test_balance_names_the_projects_zones_file_and_keeps_its_id_field(
    folder, capsys, monkeypatch, spelled
):
    """``balance LANDUSE --zones zones.shp`` in the project's folder: its zones' DYBH, not 'id'."""
    survey_parcels().to_file(folder / "landuse.gpkg")
    _project(folder, '\n[landuse]\npath = "landuse.gpkg"\nclass_field = "YDYHFLDM"\n')
    monkeypatch.chdir(folder)
    assert main(["balance", "landuse.gpkg", "--zones", spelled, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["zone_id"] for r in rows} >= {"A"}  # the zones named by DYBH


def test_init_offers_a_title_and_a_set_title_is_the_maps(folder, capsys, monkeypatch):
    """The project spatial init writes names the title key; set, it titles the map's snapshot."""
    monkeypatch.chdir(folder)
    assert main(["init", "zones.shp", "--plan", "plan.toml"]) == 0
    text = (folder / "spatial.toml").read_text(encoding="utf-8")
    assert re.search(r"^title = .*# placeholder", text, re.M)
    (folder / "spatial.toml").write_text(
        re.sub(r"^title = .*$", 'title = "我的单元规划"', text, count=1, flags=re.M),
        encoding="utf-8",
    )
    assert main(["map", "--out", str(folder / "m.html")]) == 0
    assert "我的单元规划" in (folder / "m.html").read_text(encoding="utf-8")


def test_qc_without_a_layer_inspects_the_projects_land_use(folder, capsys, monkeypatch):
    parcels = survey_parcels()
    parcels.to_file(folder / "landuse.gpkg")
    _project(folder, '\n[landuse]\npath = "landuse.gpkg"\nid_field = "BSM"\n')
    monkeypatch.chdir(folder)
    assert main(["qc"]) == 0
    assert f"{len(parcels)} feature(s) in 1 layer(s)" in capsys.readouterr().err


def test_qc_without_a_layer_or_a_project_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["qc"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "LAYER" in err and "spatial.toml" in err
