"""The map opens on the planner's layers, not the district (issue 19, item 5), in Chromium.

A small Gauss–Krüger project (``tests/survey.py`` zones: 2.4 km x 1 km, 2.4 km²,
EPSG:4544, synthetic 示例数据) given as ``--zones``: Leaflet's opening view
holds the zones and is no more than a few times their size (the district is
about 30 km across).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from spatial.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from survey import survey_zones

pytestmark = pytest.mark.browser

MAP_JS = "Object.values(window).find(v => v instanceof L.Map)"


def _view(visit) -> tuple[float, float, float, float]:
    """The map's opening view: west, south, east, north (EPSG:4326 degrees)."""
    corners = "[b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]"
    box = visit.js(f"(() => {{ const b = {MAP_JS}.getBounds(); return {corners}; }})()")
    return tuple(float(v) for v in box)


def test_map_opens_on_their_zones(tmp_path, open_map, capsys):
    zones_path = tmp_path / "zones_gk.shp"
    survey_zones().to_file(zones_path, encoding="utf-8")
    out = tmp_path / "map.html"
    call = ["map", "--offline", "--zones", str(zones_path), "--id-field", "zones=DYBH"]
    assert main([*call, "--name-field", "zones=DYMC", "--out", str(out)]) in (0, 1)
    capsys.readouterr()
    west, south, east, north = survey_zones().to_crs("EPSG:4326").total_bounds
    v_west, v_south, v_east, v_north = _view(open_map(out))
    # the zones are in view ...
    assert v_west <= west and v_south <= south and v_east >= east and v_north >= north
    # ... and fill it: the view is at most twice their span (the district is 13 times as wide)
    assert (v_east - v_west) <= 2 * (east - west)
