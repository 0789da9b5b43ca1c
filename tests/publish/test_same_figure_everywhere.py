"""The same figure on every page of one run (a new planner's findings on maps and the report).

Synthetic survey (示例数据, ``tests/survey.py``, EPSG:4544) set up as a planner's
project: zone A (1200 m x 1000 m) with a target of 1.2 km² (±1 %), B1 (1200 m x
500 m) with 60 ha, B2 (1200 m x 500 m) with 1000 亩, and a 永久基本农田 layer that
must not be occupied (1 m² tolerance). The measured areas are the tests' own
oracle's (``oracle_area_m2``: vertices to lon/lat, then a strip integral).
Found: the map's popups and legend said ``1.200 km²`` / ``0.600 km²`` and
``-0.0% (tolerance ±1%)`` where ``spatial check`` said ``1.1996 km²`` and
``-0.03``; the report's targets said ``-0.0``; its rules table showed the 1 m²
limit as ``1e-06`` and the review's as ``0.0000`` km2.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from survey import GK, oracle_area_m2, survey_zones

from spatial.checks.snapshot import take_snapshot
from spatial.cli import main
from spatial.plan import load_targets
from spatial.publish.atlas import draw_zone_sheet
from spatial.publish.chart import target_chart_figure
from spatial.publish.fonts import in_noto
from spatial.publish.review_report import table_html

M2_PER_MU = 10_000 / 15
PLAN_TOML = """
[[targets]]
id = "A"
layer = "zones"
name_zh = "示例单元A"
value = 1.2
unit = "km2"
tolerance_pct = 1

[[targets]]
id = "B1"
layer = "zones"
name_zh = "示例单元B1"
value = 60
unit = "ha"

[[targets]]
id = "B2"
layer = "zones"
name_zh = "示例单元B2"
value = 1000
unit = "mu"
"""
PROJECT_TOML = """
[project]
title = "示例 same figures"
out_crs = "EPSG:4544"
plan = "plan.toml"

[layers.zones]
path = "zones.shp"
id_field = "DYBH"
name_field = "DYMC"
crs = "EPSG:4544"

[constraints."永久基本农田"]
path = "永久基本农田.shp"
id_field = "BSM"
crs = "EPSG:4544"
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("same-figures")
    zones = survey_zones()
    zones.to_file(folder / "zones.shp", encoding="utf-8")
    x0, y0 = zones.geometry[0].bounds[:2]  # 300 m x 200 m of farmland inside zone A
    farmland = gpd.GeoDataFrame(
        {"BSM": ["JBNT1"], "note": ["示例数据 synthetic"]},
        geometry=[shapely.box(x0 + 100, y0 + 100, x0 + 400, y0 + 300)],
        crs=GK,
    )
    farmland.to_file(folder / "永久基本农田.shp", encoding="utf-8")
    (folder / "plan.toml").write_text(PLAN_TOML, encoding="utf-8")
    (folder / "spatial.toml").write_text(PROJECT_TOML, encoding="utf-8")
    return folder


def _measured_km2(zone_id: str) -> float:
    zones = survey_zones()
    return oracle_area_m2(zones.geometry[zones["DYBH"] == zone_id].iloc[0]) / 1e6


def _text(markup: str) -> str:
    return " ".join(html.unescape(re.sub("<[^>]+>", " ", markup)).split())


@pytest.fixture(scope="module")
def map_page(project) -> str:
    out = project / "map.html"
    assert main(["map", "--project", str(project / "spatial.toml"), "--out", str(out)]) == 1
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def report_page(project) -> str:
    out = project / "report.html"
    assert main(["report", "--project", str(project / "spatial.toml"), "--out", str(out)]) == 1
    return out.read_text(encoding="utf-8")


def _zone_texts(page: str, key: str) -> dict[str, str]:
    """Return each zone's popup (``key`` ``p``) or label (``t``) as text, by id, from the page."""
    texts = {}
    for blob in re.findall(r'\{"type":\s*"FeatureCollection".*?\}\]\}', page):
        for feature in json.loads(blob)["features"]:
            title = _text(str(feature["properties"].get("t", ""))).split()
            if title and title[0].startswith("示例单元"):
                texts[title[0].removeprefix("示例单元")] = _text(str(feature["properties"][key]))
    return texts


def _signed(pct: float) -> str:
    return f"{pct:+.2f} %".replace("-", "\u2212")


def test_the_oracle_differences_are_small_but_not_zero():
    diff_pct = (_measured_km2("A") / 1.2 - 1) * 100
    assert -0.05 < diff_pct < -0.005 and _signed(diff_pct) == "\u22120.03 %"


def test_the_map_popup_shows_checks_figures_in_the_plans_units(map_page):
    popups = _zone_texts(map_page, "p")
    assert sorted(popups) == ["A", "B1", "B2"]
    a_km2, b1_km2, b2_km2 = (_measured_km2(z) for z in ("A", "B1", "B2"))
    assert f"Measured area {a_km2:.4f} km²" in popups["A"]
    assert "Target area 1.2 km²" in popups["A"]
    assert f"Difference {_signed((a_km2 / 1.2 - 1) * 100)} (容差 tolerance ±1%)" in popups["A"]
    assert f"Measured area {b1_km2 * 100:.2f} 公顷 ha" in popups["B1"]
    assert "Target area 60 公顷 ha" in popups["B1"]
    assert f"Measured area {b2_km2 * 1e6 / M2_PER_MU:,.1f} 亩" in popups["B2"]
    assert "Target area 1,000 亩" in popups["B2"]
    b2_pct = (b2_km2 * 1e6 / M2_PER_MU / 1000 - 1) * 100
    assert f"Difference {_signed(b2_pct)} (容差 tolerance ±5%)" in popups["B2"]
    for popup in popups.values():
        assert "-0.0%" not in popup and ".000 km²" not in popup, popup


def test_the_map_legend_and_labels_show_the_same_figures(map_page):
    a_km2, b2_km2 = _measured_km2("A"), _measured_km2("B2")
    text = _text(map_page)
    assert f"{a_km2:.4f} km² · 符合 PASS" in text  # the legend's line for zone A
    assert f"{b2_km2 * 1e6 / M2_PER_MU:,.1f} 亩 · 不符合 FAIL" in text
    labels = _zone_texts(map_page, "t")
    assert labels["A"] == f"示例单元A {a_km2:.4f} km²"
    assert labels["B2"] == f"示例单元B2 {b2_km2 * 1e6 / M2_PER_MU:,.1f} 亩"
    assert "1.200 km²" not in map_page and "0.600 km²" not in map_page


def test_the_report_tables_keep_the_difference_and_the_limit(report_page):
    text = _text(report_page)
    a_km2 = _measured_km2("A")
    diff = _signed((a_km2 / 1.2 - 1) * 100)  # the target as the plan gives it, km² here
    assert f"A 示例单元A {a_km2:.4f} km² 1.2 km² {diff} PASS" in text  # measured first
    x0, y0 = survey_zones().geometry[0].bounds[:2]  # the farmland box of ``project``
    occupied_m2 = oracle_area_m2(shapely.box(x0 + 100, y0 + 100, x0 + 400, y0 + 300))
    assert f"{occupied_m2:,.1f} m² ≤ 1 m² FAIL" in text  # measured in its limit's unit
    assert "≤ 1 m² km2" not in text  # no raw km² value and unit column beside it
    assert "1e-06" not in text and " -0.0 " not in text


def test_the_review_table_shows_a_limit_in_a_unit_that_keeps_it():
    rules = pd.DataFrame(
        {
            "rule": ["r"] * 2,
            "value": [0.06, 0.0],
            "bound": ["max", "min"],
            "limit": [1e-06, 25.0],
            "unit": ["km2", "m"],
            "diff_m2": [-0.0012, 3.5],
            "status": ["FAIL", "PASS"],
        }
    )
    text = _text(table_html(rules))
    assert text.endswith("r 0.0600 max ≤ 1 m² km2 -0.0012 FAIL r 0.0000 min ≥ 25 m m 3.5 PASS")


def _sheet_texts(build) -> list[str]:
    with in_noto(build) as fig:
        return [t.get_text() for t in fig.findobj() if hasattr(t, "get_text")]


def test_the_atlas_tables_print_a_column_as_the_review_page_does(tmp_path):
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN_TOML, encoding="utf-8")
    zones = survey_zones().rename(columns={"DYBH": "id", "DYMC": "name_zh"})
    snapshot = take_snapshot({"zones": zones}, targets=load_targets(plan), rules=())
    conflicts = pd.DataFrame(  # a 0.4 m² sliver of farmland: 0.00004 ha, 0.0006 亩
        {"constraint": ["永久基本农田"], "area_m2": [0.4], "area_ha": [4e-05], "area_mu": [6e-04]}
    )
    page = _sheet_texts(lambda: draw_zone_sheet(snapshot, "A", [("Conflicts", conflicts)]))
    assert {"0.4", "0.000040", "0.00060"} <= set(page), page
    assert "0.00" not in page
    with in_noto(lambda: target_chart_figure(snapshot)) as fig:
        bars = [t.get_text().strip() for t in fig.axes[0].texts]
    assert bars == [f"{_measured_km2(z):.4f}" for z in ("A", "B1", "B2")]  # as check's table
