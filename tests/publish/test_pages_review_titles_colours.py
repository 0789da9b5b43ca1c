"""A new planner's findings on the pages: a review titled a review, a rule's measured figure
in its limit's unit, measured before target, and one colour for a 永久基本农田 layer.

Synthetic survey (示例数据, ``tests/survey.py``, EPSG:4544) with a synthetic farmland box
of 300 m x 200 m inside zone A
(the pages' figures are checked in test_same_figure_everywhere.py).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from matplotlib import colormaps
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure
from survey import GK, survey_zones

from spatial.checks.snapshot import take_snapshot
from spatial.commands._review_page import rules_shown, sections
from spatial.publish.atlas import write_atlas
from spatial.publish.review_report import ReviewPage, review_html
from spatial.publish.sheet import draw_map
from spatial.webmap.styles.planner import planner_style

POPPLER = shutil.which("pdftotext") and shutil.which("pdfinfo")
FARMLAND = "永久基本农田"


def _farmland() -> gpd.GeoDataFrame:
    x0, y0 = survey_zones().geometry[0].bounds[:2]
    return gpd.GeoDataFrame(
        {"BSM": ["JBNT1"], "note": ["示例数据 synthetic"]},
        geometry=[shapely.box(x0 + 100, y0 + 100, x0 + 400, y0 + 300)],
        crs=GK,
    )


def _zones() -> gpd.GeoDataFrame:
    return survey_zones().rename(columns={"DYBH": "id", "DYMC": "name_zh"})


def _text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def test_a_rules_value_shows_in_its_limits_unit_not_raw_km2():
    rules = pd.DataFrame(
        {
            "rule": ["r", "s"],
            "kind": ["must_not_occupy", "min_distance"],
            "id": ["A", "B"],
            "other_id": ["", ""],
            "measure": ["occupied_area", "distance"],
            "value": [4e-06, 12.5],
            "bound": ["max", "min"],
            "limit": [1e-06, 25.0],
            "unit": ["km2", "m"],
            "status": ["FAIL", "FAIL"],
        }
    )
    shown = rules_shown(rules)
    assert list(shown.columns) == [
        "rule", "kind", "id", "other_id", "measure", "measured", "limit", "status"
    ]  # fmt: skip
    assert shown["measured"].tolist() == ["4.0 m²", "12.5 m"]  # 4e-06 km² is 4 m²
    assert shown["limit"].tolist() == ["≤ 1 m²", "≥ 25 m"]


@pytest.fixture(scope="module")
def snapshot():
    return take_snapshot({"zones": _zones()}, extra={FARMLAND: _farmland()}, title="示例单元规划")


def test_the_review_page_is_titled_a_review_and_its_rules_measured_in_the_limits_unit(snapshot):
    tables = {"targets": snapshot.report.targets, "rules": snapshot.report.rules}
    page = review_html(snapshot, sections(tables, {}, None, snapshot), ReviewPage(False))
    head = page.split('<header id="verdict">')[1].split("</h1>")[0]
    assert "Plan map" not in head and "plan map" not in head
    assert "审查报告" in _text(head) and "review" in _text(head).lower()
    assert "Plan map" not in page.split("<title>")[1].split("</title>")[0]
    rules = page.split('<section id="rules">')[1].split("</section>")[0]
    header = re.findall(r"<th>([^<]*)</th>", rules)
    assert "measured" in header and "value" not in header and "unit" not in header
    assert header.index("measured") < header.index("limit")


def test_the_pages_targets_put_measured_before_target(snapshot):
    tables = {"targets": snapshot.report.targets, "rules": snapshot.report.rules}
    page = review_html(snapshot, sections(tables, {}, None, snapshot), ReviewPage(False))
    targets = page.split('<section id="targets">')[1].split("</section>")[0]
    for table in re.findall(r"<thead>(.*?)</thead>", targets):
        head = [html.unescape(h) for h in re.findall(r"<th>([^<]*)</th>", table)]
        measured = next(i for i, h in enumerate(head) if "measured" in h.lower())
        target = next(i for i, h in enumerate(head) if "target" in h.lower())
        assert measured < target, head


def test_the_farmland_swatch_is_the_web_maps_colour_in_the_atlas(snapshot):
    web = planner_style(FARMLAND, 0, snapshot.drawn[FARMLAND]).paths["feature"]["fillColor"]
    blues_5th_of_9 = colormaps["Blues"](4 / 8)[:3]  # ColorBrewer Blues (9 classes), as interpolated
    assert max(abs(a - b) for a, b in zip(to_rgb(web), blues_5th_of_9, strict=True)) <= 1.5 / 255

    handles = draw_map(Figure().add_subplot(), snapshot)
    (swatch,) = [h for h in handles if h.get_label() == FARMLAND]
    assert to_hex(swatch.get_facecolor()) == web  # was grey (#6b6b6b)


@pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdfinfo) not installed")
def test_the_review_atlas_is_titled_a_review(snapshot, tmp_path):
    pdf = tmp_path / "report.pdf"
    write_atlas(pdf, snapshot, {})
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    title = next(line for line in info.stdout.splitlines() if line.startswith("Title:"))
    assert "审查报告" in title and "Plan review" in title
    command = ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"]
    first = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    assert "Plan review" in first and "Plan map" not in first
