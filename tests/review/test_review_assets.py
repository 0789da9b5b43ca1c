"""What the review commands ship: the vendored swipe plugin and the synthetic example layers."""

from __future__ import annotations

import tomllib
from pathlib import Path

import geopandas as gpd
from shapely.geometry import box

from spatial.review.diff import diff_layers
from spatial.webmap.assets import plugin
from spatial.webmap.compare import (
    SIDE_BY_SIDE,
    build_compare_map,
    side_by_side_css,
    side_by_side_js,
)

ROOT = Path(__file__).resolve().parents[2]


def test_vendored_plugin_matches_its_recorded_hashes_and_licence():
    # the whole manifest is checked in test_packaging; here, this plugin's entry
    swipe = plugin(SIDE_BY_SIDE)
    assert (swipe.version, swipe.license, swipe.maps) == ("2.2.0", "MIT", "compare")
    assert "Permission is hereby granted" in swipe.licence.read_text(encoding="utf-8")
    assert (ROOT / "tools" / "vendor_leaflet_plugins.py").is_file()


def test_plugin_is_inlined_whole_with_no_file_reference():
    js, css = side_by_side_js(), side_by_side_css()
    assert plugin(SIDE_BY_SIDE).script.read_text(encoding="utf-8") in js
    assert "url(range-icon.png)" not in css and "data:image/png;base64," in css


def test_every_example_feature_says_it_is_made_up(examples):
    files = sorted(examples.glob("*.geojson"))
    assert len(files) == 6
    for path in files:
        layer = gpd.read_file(path)
        assert layer["synthetic"].all(), path.name
        assert layer["note"].str.startswith("示例数据").all(), path.name
        assert layer["name_zh"].str.contains("示例").all(), path.name
    plan = tomllib.loads((examples / "plan.toml").read_text(encoding="utf-8"))
    assert all(t["phrase"] == "示例数据" for t in plan["targets"])


def test_the_committed_examples_are_what_the_tool_writes(examples):
    for path in examples.iterdir():
        committed = ROOT / "examples" / "review" / path.name
        assert committed.read_bytes() == path.read_bytes(), path.name


def test_example_rules_file_states_a_constraint_kind(examples):
    rules = tomllib.loads((examples / "rules.toml").read_text(encoding="utf-8"))["rules"]
    rule = rules[1]
    assert (rule["kind"], rule["constraint_layer"]) == ("must_not_occupy", "永久基本农田")


def test_compare_map_keeps_outside_text_inert():
    hostile = "{{ 7*7 }}{# <img src=x onerror=alert(1)>"
    old = gpd.GeoDataFrame(
        {"id": ["a"], "name_zh": [hostile]}, geometry=[box(106.2, 29.6, 106.21, 29.61)], crs=4326
    )
    new = old.assign(geometry=[box(106.2, 29.6, 106.215, 29.61)])
    pieces = diff_layers(old, new).pieces
    html = build_compare_map(old, new, pieces, names=(f"{hostile}.geojson", "new.geojson"))
    page = html.get_root().render()
    assert "{{ 7*7 }}{#" in page  # kept as text in the data block: never compiled as a template
    assert "<img src=x" not in page
