"""``spatial report``'s page keeps ids, names, rules and statuses whole, as the review's does.

Zones A, B1, B2 (示例数据: tests/survey.py, EPSG:4544, ids DYBH, names DYMC), B2 made to
overlap A so the rule ``zones-must-not-overlap-示例单元`` fails and its pieces are
listed. At 390 px the rule id split at its hyphens, over several lines; now each
``td.id`` cell is drawn on one line (a DOM Range's client rects) and a wide table
scrolls in its own box, never the page. Opened in headless Chromium, every request
blocked.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely
from survey import X0, Y0, survey_zones

from spatial.cli import main

pytestmark = pytest.mark.browser

RULE_ID = "zones-must-not-overlap-示例单元"
PLAN = """
[[targets]]
id = "A"
layer = "zones"
name_zh = "示例单元A"
value = 1.2
unit = "km2"

[[targets]]
id = "B1"
layer = "zones"
name_zh = "示例单元B1"
value = 0.6
unit = "km2"
"""
RULES = f"""
[[rules]]
id = "{RULE_ID}"
kind = "no_overlap"
layer = "zones"
max_overlap_m2 = 1.0
allowed_nesting = []
"""
#: Each id cell's text and the number of lines it is drawn on.
ID_LINES_JS = r"""() => Array.from(document.querySelectorAll("td.id"))
    .filter(c => c.textContent.trim())
    .map(c => {
        const range = document.createRange();
        range.selectNodeContents(c);
        const lines = new Set(Array.from(range.getClientRects())
            .filter(r => r.width > 0).map(r => Math.round(r.top)));
        return [c.textContent.trim(), lines.size];
    })"""


def test_report_id_cells_are_whole_at_390_px(tmp_path: Path, monkeypatch, capsys, open_map):
    zones = survey_zones()
    zones.loc[zones["DYBH"] == "B2", "geometry"] = shapely.box(
        X0 + 1100.0, Y0 + 500.0, X0 + 2400.0, Y0 + 1000.0
    )
    zones.to_file(tmp_path / "zones.gpkg")
    (tmp_path / "plan.toml").write_text(PLAN, encoding="utf-8")
    (tmp_path / "rules.toml").write_text(RULES, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    argv = ["report", "--zones", "zones.gpkg", "--name-field", "DYMC"]
    argv += ["--plan", "plan.toml", "--rules", "rules.toml", "--out", "report.html"]
    assert main(argv) == 1  # B2 overlaps A by 50,000 m²: the rule fails
    capsys.readouterr()
    text = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert f'<td class="id">{RULE_ID}</td>' in text
    flagged = tmp_path / "flagged.html"  # the fixture waits for the map flag; a report has none
    flagged.write_text(text.replace("<html ", '<html data-map-ready="1" ', 1), encoding="utf-8")
    visit = open_map(flagged, viewport={"width": 390, "height": 844})
    cells = visit.js(ID_LINES_JS)
    texts = {t for t, _ in cells}
    assert {RULE_ID, "A", "B2", "示例单元B1", "FAIL"} <= texts  # rules, pieces, targets
    assert [c for c in cells if c[1] != 1] == []  # every one on one line
    width = visit.js("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1]  # the tables scroll in their boxes, not the page
