"""``spatial review --previous zones=OLD`` shows ``spatial diff``'s target and rule status changes.

The previous zones (示例数据, tests/survey.py, EPSG:4544) had zone B2 at half its
width, 0.3 km² against a 0.6 km² target: B2's target went FAIL -> PASS since. The
review's tables must be the rows ``spatial diff OLD NEW`` prints for the same plan.
"""

from __future__ import annotations

import json

import shapely
from survey import survey_zones

from spatial.cli import main

PLAN = "\n".join(
    f'[[targets]]\nid = "{zone}"\nlayer = "zones"\nname_zh = "示例单元{zone}"\nvalue = {km2}\n'
    'unit = "km2"\ntolerance_pct = 1.0\nphrase = "示例数据"\n'
    for zone, km2 in (("A", 1.2), ("B1", 0.6), ("B2", 0.6))
)
RULES = """
[[rules]]
id = "survey-zones-no-overlap"
kind = "no_overlap"
layer = "zones"
max_overlap_m2 = 1.0
allowed_nesting = []
"""


def _previous():
    zones = survey_zones()
    at = zones.index[zones["DYBH"] == "B2"][0]
    x0, y0, x1, y1 = zones.geometry[at].bounds
    zones.loc[at, "geometry"] = shapely.box(x0, y0, (x0 + x1) / 2, y1)
    return zones


def test_review_shows_diffs_status_changes(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    survey_zones().to_file("zones.gpkg")
    _previous().to_file("zones_2024.gpkg")
    (tmp_path / "plan.toml").write_text(PLAN, encoding="utf-8")
    (tmp_path / "rules.toml").write_text(RULES, encoding="utf-8")
    plan = ["--plan", "plan.toml", "--rules", "rules.toml", "--id-field", "DYBH"]
    call = ["review", "--zones", "zones.gpkg", *plan, "--previous", "zones=zones_2024.gpkg"]
    assert main([*call, "--out", "r"]) == 0, capsys.readouterr().err
    said = capsys.readouterr().out
    assert "since the previous zones: 1 target(s) and 0 rule row(s) changed status" in said
    tables = json.loads((tmp_path / "r" / "tables.json").read_text(encoding="utf-8"))
    assert main(["diff", "zones_2024.gpkg", "zones.gpkg", *plan, "--format", "json"]) == 0
    diff = json.loads(capsys.readouterr().out)
    assert tables["status_targets_zones"] == diff["targets"]
    assert tables["status_rules_zones"] == diff["rules"]
    assert [(r["id"], r["old_status"], r["new_status"]) for r in diff["targets"]] == [
        ("B2", "FAIL", "PASS")
    ]
    page = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "zones: 状态变化的目标 targets whose status changed" in page
