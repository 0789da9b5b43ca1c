"""The review maps in headless Chromium, every network request blocked.

The compare map of ``spatial diff --map`` (a swipe between two versions, the
调入/调出 pieces on top) and the conflicts layer of ``spatial check
--conflicts-out`` drawn by ``spatial map --layer conflicts=...``, both from the
synthetic (示例数据) example layers that tools/build_review_examples.py writes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from spatial.cli import main

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


def _clean(visit) -> None:
    assert visit.blocked == [] and visit.failed == []
    assert visit.page_errors == [] and visit.console_errors == []


def test_compare_map_swipes_between_versions_offline(examples, open_map, tmp_path):
    html = tmp_path / "compare.html"
    old, new = examples / "landuse_existing.geojson", examples / "landuse_planned.geojson"
    args = ["diff", str(old), str(new), "--no-checks", "--class-field", "YDYHFLDM"]
    assert main([*args, "--map", str(html), "--format", "json"]) == 0
    visit = open_map(html)
    _clean(visit)
    counts = visit.js(
        "Object.fromEntries(Object.entries(window.spatialLayers)"
        ".map(([k, l]) => [k, l.getLayers().length]))"
    )
    assert counts == {"diff_old": 8, "diff_new": 8, "diff_classes": 4, "diff_pieces": 2}
    assert visit.js("document.querySelector('.leaflet-sbs-range') !== null")
    clip = "p => getComputedStyle(document.querySelector('.leaflet-' + p + '-pane')).clip"
    left_before = visit.js(f"({clip})('spatial-diff_old')")
    assert left_before.startswith("rect(") and visit.js(f"({clip})('spatial-diff_new')") != "auto"
    visit.js(
        "(() => { const r = document.querySelector('.leaflet-sbs-range'); r.value = 0.2;"
        " r.dispatchEvent(new Event('input')); })()"
    )
    assert visit.js(f"({clip})('spatial-diff_old')") != left_before  # the divider moved
    assert visit.js(f"({clip})('spatial-diff_pieces')") == "auto"  # pieces are never clipped
    title = visit.js("document.querySelector('.sp-title').textContent")
    assert "示例数据" in title
    popups = visit.js(
        "window.spatialLayers.diff_pieces.getLayers().map(l => l.feature.properties.p)"
    )
    assert any("调入 added" in p and "亩" in p for p in popups)
    assert all("示例数据" in p for p in popups)
    visit.screenshot("review-compare-map")


def test_conflicts_drawn_red_with_area_and_both_ids(examples, open_map, tmp_path):
    conflicts = tmp_path / "conflicts.gpkg"
    args = ["check", "--zones", str(examples / "zones.geojson")]
    args += ["--plan", str(examples / "plan.toml"), "--rules", str(examples / "rules.toml")]
    args += ["--constraint", f"生态保护红线={examples / 'redline.geojson'}"]
    args += ["--constraint", f"永久基本农田={examples / 'farmland.geojson'}"]
    assert main([*args, "--conflicts-out", str(conflicts), "--format", "json"]) == 1
    html = tmp_path / "conflicts.html"
    layer = f"conflicts={conflicts}"
    assert main(["map", "--offline", "--layer", layer, "--out", str(html)]) == 0
    visit = open_map(html)
    _clean(visit)
    styles = visit.js("window.spatialLayers.conflicts.getLayers().map(l => l.options.fillColor)")
    assert styles == ["#d6604d", "#d6604d"]
    popups = visit.js("window.spatialLayers.conflicts.getLayers().map(l => l.feature.properties.p)")
    red = next(p for p in popups if "生态保护红线" in p)
    assert "demo-zone-b" in red and "redline-1" in red and " ha = " in red and "亩" in red
    assert all("示例数据" in p for p in popups)
    legend = visit.js("document.body.textContent")
    assert "三区三线冲突" in legend
    assert "conflicts.gpkg, 示例数据 synthetic" in legend  # the layer control says so too
    visit.screenshot("review-conflicts-map")
