"""``report.html`` fits a 1366 px window: a wide table wraps or scrolls inside its own box.

Zone ids of 150 characters without a space (示例数据: tests/survey.py's zones, EPSG:4544)
made ``spatial report``'s targets table wider than the window, and the whole page
scrolled sideways. Opened in headless Chromium, every request blocked.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
from survey import survey_zones

from spatial.cli import main

pytestmark = pytest.mark.browser


def _long_ids(path) -> str:
    zones = survey_zones()
    zones["DYBH"] = [f"{zone}-{'x' * 150}" for zone in zones["DYBH"]]
    gpd.GeoDataFrame(zones).to_file(path)
    return str(path)


@pytest.mark.parametrize("command", ["report", "review"])
def test_the_page_does_not_scroll_sideways_at_1366(
    tmp_path, monkeypatch, capsys, open_map, command
):
    monkeypatch.chdir(tmp_path)
    zones = _long_ids(tmp_path / "zones.gpkg")
    out = tmp_path / ("report.html" if command == "report" else "review")
    # their own plan names the zones (the bundled plan judges only its own layers): the targets
    # table lists the long ids
    plan = tmp_path / "mine.toml"
    ids = gpd.read_file(zones)["DYBH"]
    target = (
        '[[targets]]\nid = "{}"\nlayer = "zones"\nname_zh = "示例单元"\nvalue = 1.0\nunit = "km2"\n'
    )
    plan.write_text("".join(target.format(i) for i in ids), encoding="utf-8")
    argv = ["--zones", zones, "--id-field", "DYBH", "--name-field", "DYMC", "--plan", str(plan)]
    main([command, *argv, "--out", str(out)])
    capsys.readouterr()
    page = out if command == "report" else out / "report.html"
    flagged = tmp_path / "flagged.html"  # the fixture waits for the map flag; a report has none
    text = page.read_text(encoding="utf-8")
    flagged.write_text(text.replace("<html ", '<html data-map-ready="1" ', 1), encoding="utf-8")
    visit = open_map(flagged, viewport={"width": 1366, "height": 768})
    assert "x" * 150 in visit.js("document.body.textContent")  # the ids are on the page
    width = visit.js("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1]
