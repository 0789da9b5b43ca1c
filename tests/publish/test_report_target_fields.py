"""``spatial report`` heads the targets' id and name columns with the planner's fields.

A planner's project on the synthetic (示例数据) survey of ``tests/survey.py``
(EPSG:4544, zones read by ``id_field = "DYBH"``, ``name_field = "DYMC"``), a plan
of two zone targets: report.html's targets table and the A3 sheet's head their
first two columns ``DYBH`` and ``DYMC``, as ``spatial check`` and the review's
pages do, over the ids A and B1 and the names the plan gives. The bundled plan
(no field of the planner's) keeps ``编号 ID`` and ``名称 Name``.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from survey import survey_zones

from spatial.cli import main

PLAN = (
    '[[targets]]\nid = "A"\nlayer = "zones"\nname_zh = "甲区"\nvalue = 2000\nunit = "mu"\n\n'
    '[[targets]]\nid = "B1"\nlayer = "zones"\nname_zh = "乙一"\nvalue = 60\nunit = "ha"\n'
)
PROJECT = (
    '[project]\nplan = "plan.toml"\n\n'
    '[layers.zones]\npath = "zones.gpkg"\nid_field = "DYBH"\nname_field = "DYMC"\n'
)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report-fields")
    survey_zones().to_file(folder / "zones.gpkg")
    (folder / "plan.toml").write_text(PLAN, encoding="utf-8")
    (folder / "spatial.toml").write_text(PROJECT, encoding="utf-8")
    argv = ["report", "--project", str(folder / "spatial.toml"), "--out", str(folder / "r.html")]
    assert main([*argv, "--pdf", str(folder / "r.pdf")]) == 1  # zone A is off its target
    return folder


def _targets_table(page: str) -> tuple[list[str], list[list[str]]]:
    """The first table of report.html whose header has 实测 Measured: headers and rows."""
    for table in re.findall(r"<table>(.*?)</table>", page, flags=re.S):
        headers = re.findall(r"<th>(.*?)</th>", table)
        if "实测 Measured" in headers:
            rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("</thead>", 1)[1])
            return headers, [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in rows]
    raise AssertionError("no targets table")


def test_report_html_heads_the_targets_with_the_planners_fields(written: Path) -> None:
    headers, rows = _targets_table((written / "r.html").read_text(encoding="utf-8"))
    assert headers[:2] == ["DYBH", "DYMC"]
    assert "编号 ID" not in headers and "名称 Name" not in headers
    assert [row[:2] for row in rows] == [["A", "甲区"], ["B1", "乙一"]]


def test_the_sheet_heads_them_alike(written: Path) -> None:
    text = subprocess.run(
        ["pdftotext", "-layout", str(written / "r.pdf"), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert re.search(r"DYBH\s+DYMC\s+实测 Measured", text)  # the panel's targets table
    assert "编号 ID" not in text and "名称 Name" not in text


def test_the_bundled_plan_keeps_its_own_headers(tmp_path: Path) -> None:
    out = tmp_path / "bundled.html"
    assert main(["report", "--out", str(out)]) in (0, 1)
    headers, _ = _targets_table(out.read_text(encoding="utf-8"))
    assert headers[:2] == ["编号 ID", "名称 Name"]
