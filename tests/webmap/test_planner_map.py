"""A planner's map: their title, their layers only, named after their project; Python's map checked.

The planner's data are :mod:`survey`'s (synthetic, 示例数据): zones A, B1 and B2
in EPSG:4544 written as a Shapefile (ids ``DYBH``, names ``DYMC``), a plan of
their own with one target per zone, and a ``spatial.toml`` naming them. Nothing
of the bundled Bishan plan may reach their page: not its title, its district,
corridor, platforms, towns or zones.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from map_fixtures import enlarged_zones
from survey import survey_zones

import spatial
from spatial.checks.snapshot import take_snapshot
from spatial.cli import main
from spatial.io.layers import bundled_layer_path, load_plan_layers
from spatial.plan import load_targets
from spatial.webmap.build import TITLE_ZH

#: What only the bundled plan's layers put on a page: every town's and zone's name, the
#: district's and the platforms' legend titles.
BUNDLED_TEXT = [
    *load_plan_layers()["towns"]["name_zh"],
    *load_plan_layers()["platforms"]["name_zh"],
    *[t.id for t in load_targets() if t.layer == "zones"],
    "璧山区界",
    "黛山大道",
    "Innovation platforms",
]
#: Their targets, ha: the zones measure 119.96, 59.98 and 59.98 ha (survey rule).
PLAN = {"A": 120.0, "B1": 60.0, "B2": 60.0}


def _plan_text(document_title: str | None = None) -> str:
    head = f'[document]\ntitle = "{document_title}"\n\n' if document_title else ""
    entries = [
        f'[[targets]]\nid = "{zone}"\nlayer = "zones"\nname_zh = "示例单元{zone}"\n'
        f'value = {value}\nunit = "ha"\n'
        for zone, value in PLAN.items()
    ]
    return "# 示例数据 synthetic\n" + head + "\n".join(entries)


def _project(folder: Path, title: str | None = None, extra: str = "") -> Path:
    head = f'title = "{title}"\n' if title else ""
    text = (
        f'[project]\n{head}plan = "plan.toml"\n\n'
        '[layers.zones]\npath = "zones.shp"\nid_field = "DYBH"\nname_field = "DYMC"\n' + extra
    )
    path = folder / "spatial.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path: Path, monkeypatch) -> Path:
    """A planner's folder ``dy-survey`` with zones.shp (EPSG:4544) and plan.toml; the cwd."""
    root = tmp_path / "dy-survey"
    root.mkdir()
    survey_zones().to_file(root / "zones.shp", encoding="utf-8")
    (root / "plan.toml").write_text(_plan_text(), encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def _title(page: str) -> str:
    return html.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1))


def _map(args: list[str], capsys) -> tuple[int, str, str]:
    status = main(["map", "--offline", *args])
    out = capsys.readouterr().out
    written = re.search(r"^wrote (\S+) ", out, re.M).group(1)
    return status, written, Path(written).read_text(encoding="utf-8")


def test_a_project_map_is_theirs_title_layers_and_file(folder, capsys):
    _project(folder, title="璧山区示例单元控制性详细规划")
    status, written, page = _map([], capsys)
    assert status == 0
    assert written == str(Path("maps") / "dy-survey.html")  # the project's name
    assert _title(page).startswith("璧山区示例单元控制性详细规划图 ")
    assert TITLE_ZH not in page and "璧山片区" not in page
    assert [text for text in BUNDLED_TEXT if text in page] == []
    for zone in ("示例单元A", "示例单元B1", "示例单元B2"):
        assert zone in page


def test_the_title_falls_back_to_the_plans_then_to_the_zones_file(folder, capsys):
    _project(folder)
    (folder / "plan.toml").write_text(_plan_text("示例单元规划"), encoding="utf-8")
    assert _title(_map([], capsys)[2]).startswith("示例单元规划图 ")
    (folder / "plan.toml").write_text(_plan_text(), encoding="utf-8")
    title = _title(_map([], capsys)[2])  # the zones file's stem, as it is: no "zones图"
    assert title.startswith("zones Plan map") and "zones图" not in title


def test_a_bundled_layer_the_project_names_is_drawn(folder, capsys):
    district = bundled_layer_path("district")
    _project(folder, title="示例", extra=f'\n[layers.district]\npath = "{district}"\n')
    page = _map([], capsys)[2]
    assert "璧山区界" in page  # named by the project: theirs to draw
    assert [t for t in BUNDLED_TEXT if t in page and t != "璧山区界"] == []


def test_their_plan_without_a_project_is_named_after_the_plan_file(folder, capsys):
    args = ["--zones", "zones.shp", "--id-field", "DYBH", "--name-field", "DYMC"]
    status, written, page = _map([*args, "--plan", "plan.toml"], capsys)
    assert (status, written) == (0, str(Path("maps") / "plan.html"))
    assert [text for text in BUNDLED_TEXT if text in page] == []


def test_the_bishan_default_is_unchanged(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no project, no plan
    status, written, page = _map([], capsys)
    assert (status, written) == (0, str(Path("maps") / "bishan.html"))
    assert _title(page).startswith(TITLE_ZH)
    assert all(text in page for text in BUNDLED_TEXT)


# --- spatial.build_map from Python: the snapshot taken on the one path


def _zone_features(m) -> list[dict]:
    import json  # noqa: PLC0415

    (layer,) = [c for c in m._children.values() if getattr(c, "layer_key", None) == "zones"]
    return json.loads(layer.data)["features"]


def test_build_map_from_python_takes_the_snapshot_itself():
    zones = enlarged_zones("zone-szjj", 1.10)  # 10 km² target, about 12.1 km² drawn
    expected = take_snapshot({**load_plan_layers(), "zones": zones}).zone_checks
    status = dict(zip(expected["id"], expected["status"], strict=True))
    assert status["zone-szjj"] == "FAIL" and list(status.values()).count("FAIL") == 1
    m = spatial.build_map({"zones": zones}, spatial.MapOptions(offline=True))
    page = m.get_root().render()
    shown = {f["properties"]["t"]: f["properties"]["p"] for f in _zone_features(m)}
    assert len(shown) == len(zones)
    for (name, popup), zone_id in zip(shown.items(), zones["id"], strict=True):
        word = {"PASS": "符合 PASS", "FAIL": "不符合 FAIL"}[status[zone_id]]
        assert f"面积核查 Area check</th><td>{word}" in popup, name
    assert "无目标" not in page  # no zone left unjudged
    assert "核查未通过 FAILED" in page  # the verdict agrees with the colours
    assert page.count("不符合 FAIL") >= 2  # the zone's popup and its legend entry


def test_the_own_plan_example_is_titled_by_its_project_and_as_synthetic(tmp_path, capsys):
    project = Path(__file__).resolve().parents[2] / "examples" / "own-plan" / "spatial.toml"
    out = tmp_path / "own.html"
    assert main(["map", "--offline", "--project", str(project), "--out", str(out)]) == 1
    capsys.readouterr()
    assert _title(out.read_text(encoding="utf-8")) == (
        "示例分区规划图（示例数据） Plan map (synthetic example data)"
    )  # its zones are marked synthetic, feature by feature


def test_each_of_their_layers_has_its_own_colour():
    from spatial.webmap.styles.planner import planner_style  # noqa: PLC0415

    land = survey_zones()
    fills = [
        planner_style(name, n, land).paths["feature"]["fillColor"]
        for n, name in enumerate(["永久基本农田", "生态保护红线", "城镇开发边界"])
    ]
    assert len(set(fills)) == 3  # told apart on the map and in the legend


def test_the_conflict_pieces_are_drawn_in_red_as_the_check_measured_them():
    import json  # noqa: PLC0415

    from spatial.checks.constraints import constraint_rule  # noqa: PLC0415
    from spatial.io.layers import read_layer  # noqa: PLC0415

    review = Path(__file__).resolve().parents[2] / "examples" / "review"
    layers = {
        "zones": read_layer(review / "zones.geojson"),
        "永久基本农田": read_layer(review / "farmland.geojson"),
    }
    rule = constraint_rule("must_not_occupy", "永久基本农田", "zones", 1.0)
    snapshot = take_snapshot(
        {**load_plan_layers(), **layers}, dict.fromkeys(layers, "x"), targets=(), rules=(rule,)
    )
    m = spatial.build_map(options=spatial.MapOptions(offline=True, snapshot=snapshot))
    (layer,) = [c for c in m._children.values() if getattr(c, "layer_key", None) == "conflicts"]
    (piece,) = json.loads(layer.data)["features"]
    assert "demo-zone-a × 永久基本农田" in piece["properties"]["t"]
    area_m2 = snapshot.report.conflicts["area_m2"].iloc[0]
    said = f"demo-zone-a: occupies 永久基本农田 by {area_m2:,.1f} m²"  # 268,956.5 m², synthetic
    assert [line for line in snapshot.report.failures if said in line]
    assert f"{area_m2:,.1f} m² = " in piece["properties"]["p"]
    assert "largest_adjustment" not in piece["properties"]["p"]  # the check's own bookkeeping
