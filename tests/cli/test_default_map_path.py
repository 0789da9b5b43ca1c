"""``run_map`` without ``out`` writes the planner's map under its name, not Bishan's example."""

from __future__ import annotations

import pytest
from survey import survey_zones

from spatial.cli import build_parser
from spatial.commands._inputs import PlanInput, PlanLayers
from spatial.commands.map import MapRequest, run_map
from spatial.io.options import ReadOptions

PLAN = """
[[targets]]
id = "A"
layer = "zones"
name_zh = "示例单元A"
value = 1.2
unit = "km2"
tolerance_pct = 1.0
phrase = "示例数据"
"""


@pytest.mark.parametrize(
    ("plan", "written"),
    [
        (PlanInput(plan="璧山新城.toml"), "maps/璧山新城.html"),
        (PlanInput(plan="璧山新城.toml", own=True, name="示例项目"), "maps/示例项目.html"),
    ],
)
def test_the_library_names_the_map_after_the_planners_plan(tmp_path, monkeypatch, plan, written):
    monkeypatch.chdir(tmp_path)
    survey_zones().to_file("zones.gpkg")  # 示例数据, EPSG:4544
    (tmp_path / "璧山新城.toml").write_text(PLAN, encoding="utf-8")
    options = {"zones": ReadOptions(id_field="DYBH", name_field="DYMC")}
    inputs = PlanLayers(layers={"zones": "zones.gpkg"}, options=options)
    result = run_map(MapRequest(plan=plan, inputs=inputs, offline=True))
    assert result.path.resolve() == (tmp_path / written).resolve()
    assert not (tmp_path / "maps" / "bishan.html").exists()


def test_the_help_says_bishan_is_only_the_example_without_a_project(capsys):
    with pytest.raises(SystemExit):
        build_parser(only="map").parse_args(["map", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert (
        "maps/bishan.html, the bundled example, only without a project, --plan or --rules" in text
    )
