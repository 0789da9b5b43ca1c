"""Their zones without a plan, on the map and the report, in a real browser (requests blocked).

tests/survey.py's synthetic (示例数据) zones A, B1, B2 (EPSG:4544), no project, no plan:
no target judges them, and both pages show each zone's measured area in m² (as the
terminal lists them) and say that no target judges them, without scrolling sideways.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from survey import oracle_area_m2, survey_zones

from spatial.cli import main

pytestmark = pytest.mark.browser

#: Each zone's area of record, m², as the pages round it: "1,199,605 m²".
AREAS = {
    z: f"{round(oracle_area_m2(g)):,} m²"
    for z, g in survey_zones().set_index("DYBH").geometry.items()
}
CALL = ["--zones", "zones.gpkg", "--id-field", "DYBH", "--name-field", "DYMC"]


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("own")
    survey_zones().to_file(folder / "zones.gpkg")
    old = Path.cwd()
    try:
        os.chdir(folder)
        assert main(["map", "--offline", *CALL]) == 0  # maps/zones.html, named after their file
        assert main(["report", *CALL, "--out", "report.html"]) == 0
    finally:
        os.chdir(old)
    report = folder / "report.html"
    flagged = folder / "flagged.html"  # the fixture waits for the map flag; a report has none
    text = report.read_text(encoding="utf-8")
    flagged.write_text(text.replace("<html ", '<html data-map-ready="1" ', 1), encoding="utf-8")
    return folder / "maps" / "zones.html", flagged


@pytest.mark.parametrize("size", [(1366, 768), (390, 844)])
def test_the_map_legend_gives_each_zone_its_area_in_m2(pages, open_map, size):
    visit = open_map(pages[0], viewport={"width": size[0], "height": size[1]})
    page = visit.page
    if not page.is_visible(".sp-legend-body"):
        page.click(".sp-legend-toggle")  # folded on a phone
    legend = str(visit.js("document.querySelector('.sp-legend-body').textContent"))
    for zone, area in zip(("示例单元A", "示例单元B1", "示例单元B2"), AREAS.values(), strict=True):
        assert zone in legend and area in legend
    assert legend.count("无目标 no target") == 3
    body = str(visit.js("document.body.textContent"))
    assert "no target judges these zones" in body  # the title panel's note
    width = visit.js("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1]
    assert visit.page_errors == [] and visit.console_errors == []


def test_the_report_lists_each_zone_with_its_area(pages, open_map):
    visit = open_map(pages[1], viewport={"width": 1366, "height": 768})
    rows = visit.js("Array.from(document.querySelectorAll('tbody')[0].rows).map(r => r.innerText)")
    assert len(rows) == 3
    for row, (zone, area) in zip(rows, AREAS.items(), strict=True):
        assert row.split("\t")[0] == zone and area in row and "NO TARGET" in row
    assert "no target judges these zones" in str(visit.js("document.body.textContent"))
    width = visit.js("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1]
