"""A planner's zones without a plan: one rule, one message, their own map's name, a quick refusal.

The zones are tests/survey.py's synthetic (示例数据) A, B1, B2 in EPSG:4544 (ids ``DYBH``,
names ``DYMC``), no project. The bundled plan judges only a revised copy of its own zones
(:func:`spatial.checks.run.bundled_plan_note`): ``spatial map``, ``spatial diff`` and
``spatial.build_map`` decide it there and say it in its words. Their map is named after
their file (``maps/mine.html``), the bundled example's stays ``maps/bishan.html``. ``--out
DIR/`` is made only when the map is written. ``diff --help``, ``review --help``, a
missing ``--previous`` load no reader; overlay names A first when both are missing.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import shapely
from survey import GK, X0, Y0, oracle_area_m2, survey_zones

import spatial
from spatial.checks.run import bundled_plan_note
from spatial.cli import main
from spatial.io.layers import load_plan_layers
from spatial.plan import load_rules, load_targets
from spatial.webmap.build import TITLE_ZH

#: What a refused call or a help must not have loaded.
READERS = ("pandas", "geopandas", "pyarrow", "pyogrio", "shapely", "pyproj", "folium", "numpy")
#: The heading of the zones' table where no target judges them (map and report).
HEADING = "zones: measured, no target judges them (areas ellipsoidal, CGCS2000):"
#: The bundled plan's targets and rules, which judge nothing of theirs.
BISHAN = (load_targets(), load_rules())


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder without a project holding mine.gpkg (their zones); the working folder."""
    survey_zones().to_file(tmp_path / "mine.gpkg")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _theirs() -> object:
    return survey_zones().rename(columns={"DYBH": "id", "DYMC": "name_zh"})


def _title(page: str) -> str:
    found = re.search(r"<title>(.*?)</title>", page, re.S)
    assert found is not None
    return found.group(1)


# --- the map's name comes from their input, decided before anything is read


def test_the_map_of_their_zones_is_named_after_their_file(folder, capsys):
    assert main(["map", "--offline", "--zones", "mine.gpkg"]) == 0
    out = capsys.readouterr().out
    assert "wrote maps/mine.html" in out
    assert (folder / "maps" / "mine.html").is_file()
    assert not (folder / "maps" / "bishan.html").exists()
    assert _title((folder / "maps" / "mine.html").read_text(encoding="utf-8")).startswith("mine")


def test_the_bundled_example_keeps_its_name(folder, capsys):
    assert main(["map", "--offline"]) == 0  # README: `uv run spatial map`
    assert "wrote maps/bishan.html" in capsys.readouterr().out
    assert [p.name for p in (folder / "maps").iterdir()] == ["bishan.html"]


# --- one rule, one message: check/map/report, diff and the Python API


def test_map_and_diff_say_the_one_message(folder, capsys):
    theirs = _theirs()
    assert main(["map", "--offline", "--zones", "mine.gpkg", "--out", "m.html"]) == 0
    err = capsys.readouterr().err.splitlines()
    expected = bundled_plan_note({"zones": [theirs]}, {"zones": ["mine.gpkg"]}, BISHAN)
    assert expected is not None and f"spatial map: note: {expected}" in err
    assert "mine.gpkg holds no feature of its zones" in expected
    moved = survey_zones()
    moved["geometry"] = moved.geometry.translate(10.0, 0.0)  # a revised version of theirs
    moved.to_file(folder / "mine_2025.gpkg")
    assert main(["diff", "mine.gpkg", "mine_2025.gpkg", "--id-field", "DYBH"]) == 0
    err = capsys.readouterr().err.splitlines()
    versions = {"zones": [theirs, theirs]}
    expected = bundled_plan_note(versions, {"zones": ["mine.gpkg", "mine_2025.gpkg"]}, BISHAN)
    assert expected is not None and f"spatial diff: note: {expected}" in err
    assert "neither mine.gpkg nor mine_2025.gpkg holds a feature of its zones" in expected


def test_build_map_of_their_zones_is_not_judged_by_bishan(monkeypatch):
    seen: list[tuple[int, int]] = []
    real = spatial.checks.snapshot.run_checks

    def recording(layers, *, targets=None, rules=None, **kwargs):
        seen.append((len(tuple(targets)), len(tuple(rules))))
        return real(layers, targets=targets, rules=rules, **kwargs)

    monkeypatch.setattr(spatial.checks.snapshot, "run_checks", recording)
    options = spatial.MapOptions(offline=True, layer_sources={"zones": "data/mine.gpkg"})
    page = spatial.build_map({"zones": _theirs()}, options).get_root().render()
    assert seen == [(0, 0)]  # no Bishan target or rule ran on their zones
    assert _title(page).startswith("mine") and TITLE_ZH not in page
    for bundled in ("璧山区界", "黛山大道", *load_plan_layers()["towns"]["name_zh"]):
        assert bundled not in page
    assert "data/mine.gpkg holds no feature of its zones" in page  # said on the page
    for name in ("示例单元A", "示例单元B1", "示例单元B2"):
        assert name in page


def test_build_map_of_a_revised_copy_is_still_judged(monkeypatch):
    seen: list[tuple[int, int]] = []
    real = spatial.checks.snapshot.run_checks

    def recording(layers, *, targets=None, rules=None, **kwargs):
        seen.append((len(tuple(targets)), len(tuple(rules))))
        return real(layers, targets=targets, rules=rules, **kwargs)

    monkeypatch.setattr(spatial.checks.snapshot, "run_checks", recording)
    zones = load_plan_layers()["zones"]
    page = spatial.build_map({"zones": zones}, spatial.MapOptions(offline=True))
    assert seen == [(len(BISHAN[0]), len(BISHAN[1]))]
    assert "holds no feature" not in page.get_root().render()


# --- --out DIR/ is made only when the map is written


def test_a_refused_map_leaves_no_folder(folder, capsys):
    assert main(["map", "--offline", "--zones", "gone.gpkg", "--out", "made/here/"]) == 2
    assert "gone.gpkg: file not found" in capsys.readouterr().err
    assert not (folder / "made").exists()
    bad = survey_zones()
    bad.loc[0, "geometry"] = shapely.Polygon(  # a bow-tie: refused by the validator
        [(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)]
    )
    bad.to_file(folder / "bad.gpkg")
    assert main(["map", "--offline", "--zones", "bad.gpkg", "--out", "made/here/"]) == 2
    assert "bad.gpkg" in capsys.readouterr().err
    assert not (folder / "made").exists()


def test_a_map_refused_while_drawing_leaves_no_folder(folder, capsys):
    tiny = survey_zones()
    tiny.loc[3] = ["C", "示例单元C", "示例数据 synthetic", shapely.box(X0, Y0 - 5, X0 + 4, Y0 - 1)]
    tiny = tiny.set_crs(GK, allow_override=True)
    tiny.to_file(folder / "tiny.gpkg")
    call = ["map", "--offline", "--zones", "tiny.gpkg", "--decimals", "4", "--out", "made/here/"]
    assert main(call) == 2  # zone C, 4 m wide, would vanish on an 11 m grid
    assert "feature C: vanishes when kept to 4 decimal places" in capsys.readouterr().err
    assert not (folder / "made").exists()
    (folder / "kept").mkdir()
    call[-1] = "kept/"
    assert main(call) == 2
    assert (folder / "kept").is_dir()  # a folder that was there stays


def test_a_written_map_makes_its_folder(folder, capsys):
    assert main(["map", "--offline", "--zones", "mine.gpkg", "--out", "made/here/"]) == 0
    assert (folder / "made" / "here" / "index.html").is_file()
    assert "wrote made/here/index.html" in capsys.readouterr().out


# --- start-up: the help and a missing file without the readers

PROBE = """
import contextlib, io, json, sys
from spatial.cli import main
err, out = io.StringIO(), io.StringIO()
with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
    try:
        status = main(json.loads(sys.argv[1]))
    except SystemExit as ended:  # --help, argparse's own refusals
        status = ended.code
loaded = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(sys.argv[2])))
print(json.dumps({"status": status, "out": out.getvalue(), "err": err.getvalue(),
                  "loaded": loaded}))
"""


def _run(words: list[str], cwd: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(words), json.dumps(READERS)],
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize("command", ["diff", "review"])
def test_the_help_loads_no_reader(tmp_path, command):
    """``spatial diff --help`` and ``review --help`` loaded geopandas (0.5-0.6 s)."""
    result = _run([command, "--help"], tmp_path)
    assert result["status"] == 0
    assert f"usage: spatial {command}" in str(result["out"])
    assert result["loaded"] == []
    if command == "diff":  # the default shown is the diff's own
        from spatial.review.diff import GEOMETRY_TOLERANCE_M2  # noqa: PLC0415

        assert f"(default {GEOMETRY_TOLERANCE_M2:g})" in str(result["out"])


def test_a_missing_previous_is_refused_before_any_reader_loads(tmp_path):
    """It was refused after every other layer had been read (6 s)."""
    survey_zones().to_file(tmp_path / "zones.gpkg")
    call = ["review", "--zones", "zones.gpkg", "--previous", "zones=gone.gpkg", "--out", "r"]
    result = _run(call, tmp_path)
    assert result["status"] == 2
    assert result["err"] == "spatial review: gone.gpkg: file not found\n"
    assert result["loaded"] == []
    assert not (tmp_path / "r").exists()


def test_a_missing_layer_of_the_review_is_named_in_reading_order(tmp_path):
    call = ["review", "--zones", "z.gpkg", "--landuse", "l.gpkg", "--previous", "zones=p.gpkg"]
    result = _run([*call, "--out", "r"], tmp_path)
    assert result["status"] == 2 and result["err"] == "spatial review: z.gpkg: file not found\n"


@pytest.mark.parametrize(
    "extra", [["--where", "a:DYBH=A"], ["--where", "DYBH=A"], ["--scheduler", "threads"]]
)
def test_overlay_names_a_first_when_both_are_missing(tmp_path, monkeypatch, capsys, extra):
    monkeypatch.chdir(tmp_path)
    assert main(["overlay", "A.parquet", "B.parquet", *extra]) == 2
    assert capsys.readouterr().err == "spatial overlay: A.parquet: file not found\n"
    survey_zones().to_file(tmp_path / "A.gpkg")  # A there: B is named, as before
    assert main(["overlay", "A.gpkg", "B.parquet", *extra]) == 2
    assert capsys.readouterr().err.endswith("spatial overlay: B.parquet: file not found\n")


def test_overlay_says_a_bad_where_before_a_missing_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["overlay", "A.parquet", "B.parquet", "--where", "bad"]) == 2
    assert "--where bad: expected FIELD=VALUE" in capsys.readouterr().err


# --- nothing judges: every zone with its measured area, alike in terminal, map and report


def _measured_m2() -> dict[str, float]:
    """Each zone's area of record, m², independently (tests/survey.py's strip integral)."""
    return {z: oracle_area_m2(g) for z, g in survey_zones().set_index("DYBH").geometry.items()}


def _terminal_areas(out: str) -> dict[str, int]:
    """The zones' table the command printed: {id: measured m², as printed}, every row NO TARGET."""
    lines = out.splitlines()
    start = lines.index(HEADING)
    rows = {}
    for line in lines[start + 3 :]:
        words = line.split()
        if len(words) < 3 or words[-2:] != ["NO", "TARGET"]:
            break
        area = re.search(r"([\d,]+) m²", line)
        assert area is not None, line
        rows[words[0]] = int(area.group(1).replace(",", ""))
    return rows


def _page_areas(page: str) -> set[int]:
    """The whole m² figures a page shows (popup, legend or table cell)."""
    return {int(f.replace(",", "")) for f in re.findall(r"([\d,]+) m²", page)}


@pytest.mark.parametrize("command", ["map", "report"])
def test_their_zones_without_a_plan_are_listed_with_their_areas(folder, capsys, command):
    out_file = "page.html"
    call = [command, "--zones", "mine.gpkg", "--id-field", "DYBH", "--name-field", "DYMC"]
    call += ["--out", out_file] + (["--offline"] if command == "map" else [])
    assert main(call) == 0
    out = capsys.readouterr().out
    assert "无面积目标 no target judges these zones" in out
    shown = _terminal_areas(out)
    measured = _measured_m2()
    assert set(shown) == {"A", "B1", "B2"}
    assert shown == {z: round(a) for z, a in measured.items()}  # as the popups and report
    page = (folder / out_file).read_text(encoding="utf-8")
    assert "no target judges these zones" in page
    figures = _page_areas(page)
    for area_m2 in measured.values():  # 1,199,605 m², 599,798 m²: as the terminal rounds them
        assert round(area_m2) in figures
    assert "无目标" in page


def test_a_project_without_targets_lists_them_alike(folder, capsys):
    (folder / "spatial.toml").write_text(
        '[project]\ntitle = "示例数据"\n\n[layers.zones]\npath = "mine.gpkg"\n'
        'id_field = "DYBH"\nname_field = "DYMC"\n',
        encoding="utf-8",
    )
    assert main(["report", "--out", "report.html"]) == 0
    out = capsys.readouterr().out
    measured = _measured_m2()
    shown = _terminal_areas(out)
    assert shown == {z: round(a) for z, a in measured.items()}  # the report's rounding
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert all(round(a) in _page_areas(page) for a in measured.values())


def test_a_plan_in_mu_naming_none_of_them_adds_its_unit(folder, capsys):
    (folder / "plan.toml").write_text(
        '# 示例数据 synthetic\n[[targets]]\nid = "X"\nlayer = "zones"\nname_zh = "不在此"\n'
        'value = 1000\nunit = "mu"\ntolerance_pct = 5.0\n',
        encoding="utf-8",
    )
    call = ["report", "--zones", "mine.gpkg", "--id-field", "DYBH", "--plan", "plan.toml"]
    assert main([*call, "--out", "report.html"]) == 1  # target X: no feature with this id
    out = capsys.readouterr().out
    assert "measured_mu" in out
    for area_m2 in _measured_m2().values():  # the terminal prints both units as the page does
        both = rf"{round(area_m2):,} m²\s+{area_m2 / (10_000 / 15):,.1f} 亩\s+NO TARGET"
        assert re.search(both, out), both
    page = (folder / "report.html").read_text(encoding="utf-8")
    for area_m2 in _measured_m2().values():
        mu = area_m2 / (10_000 / 15)
        assert f"{round(area_m2):,} m² / {mu:,.1f} 亩" in page


def test_judged_zones_are_not_listed_as_unjudged(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["report", "--out", "report.html"]) == 0  # the bundled example
    out = capsys.readouterr().out
    assert "no target judges" not in out
    assert "no target judges" not in (tmp_path / "report.html").read_text(encoding="utf-8")
