"""``spatial init`` writes a title line the planner sees, so no map is titled "zones图".

A new planner's project had its ``title`` commented out; without one, the maps took
the zones file's stem and read "zones图". Synthetic survey zones (示例数据,
``tests/survey.py``, EPSG:4544, ids DYBH).
"""

from __future__ import annotations

import re

from survey import survey_zones

from spatial.cli import main
from spatial.project import load_project

PLAN = """
[[targets]]
id = "A"
layer = "zones"
name_zh = "示例单元A"
value = 120
unit = "ha"
phrase = "示例数据"
"""


def _folder(tmp_path, name: str):
    folder = tmp_path / name
    folder.mkdir()
    survey_zones().to_file(folder / "zones.shp", encoding="utf-8")
    return folder


def test_init_writes_the_folders_name_as_a_placeholder_title(tmp_path, monkeypatch):
    folder = _folder(tmp_path, "璧山示例单元")
    monkeypatch.chdir(folder)
    assert main(["init", "zones.shp"]) == 0
    text = (folder / "spatial.toml").read_text(encoding="utf-8")
    line = re.search(r"^title = .*$", text, re.M)
    assert line is not None, text
    assert line.group(0).startswith('title = "璧山示例单元"  # placeholder')
    assert load_project(folder / "spatial.toml").title == "璧山示例单元"


def test_the_map_of_an_inited_project_is_titled_by_it_not_by_the_zones_stem(tmp_path, monkeypatch):
    folder = _folder(tmp_path, "璧山示例单元")
    (folder / "plan.toml").write_text(PLAN, encoding="utf-8")
    monkeypatch.chdir(folder)
    assert main(["init", "zones.shp", "--plan", "plan.toml"]) == 0
    assert main(["map", "--out", str(folder / "m.html")]) == 0
    html = (folder / "m.html").read_text(encoding="utf-8")
    assert "璧山示例单元图" in html and "zones图" not in html


def test_a_plans_own_title_is_left_to_the_plan(tmp_path, monkeypatch):
    folder = _folder(tmp_path, "work")
    (folder / "plan.toml").write_text(
        '[document]\ntitle = "示例片区规划"\n' + PLAN, encoding="utf-8"
    )
    monkeypatch.chdir(folder)
    assert main(["init", "zones.shp", "--plan", "plan.toml"]) == 0
    text = (folder / "spatial.toml").read_text(encoding="utf-8")
    assert re.search(r"^title = ", text, re.M) is None
    assert '# title = "示例片区规划"' in text
    assert load_project(folder / "spatial.toml").title is None
