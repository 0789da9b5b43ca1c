"""``spatial report``: targets in the plan's unit, every red piece listed, one percentage format.

A planner's project on the synthetic (示例数据) survey of ``tests/survey.py``
(EPSG:4544, zones in ``DYBH``/``DYMC``, parcels in ``BSM``): zone A with a target
of 2,000 亩 (FAIL, about 1,800 亩), B1 with 60 ha (PASS), and the 01 (farmland)
parcels as 永久基本农田, which every zone occupies. Found by a new planner: the
report's targets were in km² while the plan states 亩/ha, its 冲突部分 section said
"none" while its map drew the conflicts in red, and check's reason printed
``-10.03%`` where the pages print ``−10.03 %``. Areas are the tests' oracle's
(vertices to lon/lat, then a strip integral).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import shapely
from survey import oracle_area_m2, survey_parcels, survey_zones

from spatial.cli import main

M2_PER_MU = 10_000 / 15
PLAN = (
    '[[targets]]\nid = "A"\nlayer = "zones"\nname_zh = "甲区"\nvalue = 2000\nunit = "mu"\n\n'
    '[[targets]]\nid = "B1"\nlayer = "zones"\nname_zh = "乙一"\nvalue = 60\nunit = "ha"\n'
)
PROJECT = (
    '[project]\nplan = "plan.toml"\n\n'
    '[layers.zones]\npath = "zones.shp"\nid_field = "DYBH"\nname_field = "DYMC"\n\n'
    '[constraints."永久基本农田"]\npath = "farmland.shp"\nid_field = "BSM"\n'
)


def _farmland():
    parcels = survey_parcels()
    return parcels[parcels["YDYHFLDM"].astype(str).str.startswith("01")][["BSM", "geometry"]]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report-units")
    survey_zones().to_file(folder / "zones.shp", encoding="utf-8")
    _farmland().to_file(folder / "farmland.shp", encoding="utf-8")
    (folder / "plan.toml").write_text(PLAN, encoding="utf-8")
    (folder / "spatial.toml").write_text(PROJECT, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def report_text(project: Path) -> str:
    out = project / "report.html"
    assert main(["report", "--project", str(project / "spatial.toml"), "--out", str(out)]) == 1
    markup = out.read_text(encoding="utf-8")
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S)
    return " ".join(html.unescape(re.sub("<[^>]+>", " ", markup)).split())


def _zone_m2(zone_id: str) -> float:
    zones = survey_zones()
    return oracle_area_m2(zones.geometry[zones["DYBH"] == zone_id].iloc[0])


def _signed(pct: float) -> str:
    return f"{pct:+.2f} %".replace("-", "\u2212")


def _reason_a() -> str:
    measured_mu = _zone_m2("A") / M2_PER_MU
    return (
        f"{measured_mu:,.1f} 亩 is {_signed((measured_mu / 2000 - 1) * 100)} from 2,000 亩 "
        "(tolerance ±5%)"
    )


def test_the_targets_are_in_the_plans_units(report_text: str) -> None:
    measured_mu, measured_ha = _zone_m2("A") / M2_PER_MU, _zone_m2("B1") / 10_000
    a_pct = _signed((measured_mu / 2000 - 1) * 100)
    b1_pct = _signed((measured_ha / 60 - 1) * 100)
    assert f"A 甲区 {measured_mu:,.1f} 亩 2,000 亩 {a_pct} FAIL" in report_text  # measured first
    assert f"B1 乙一 {measured_ha:,.2f} 公顷 ha 60 公顷 ha {b1_pct} PASS" in report_text
    assert "Target km²" not in report_text and "Measured km²" not in report_text


def test_the_failure_pieces_list_the_conflicts_the_map_draws(report_text: str) -> None:
    section = report_text.split("冲突部分 Failure pieces")[1].split("数据来源", maxsplit=1)[0]
    assert "none" not in section
    farmland = shapely.union_all(_farmland().geometry.to_numpy())
    zones = survey_zones()
    for zone_id, zone in zip(zones["DYBH"], zones.geometry, strict=True):
        parts = shapely.get_parts(shapely.intersection(zone, farmland))
        polygons = [p for p in parts if p.geom_type == "Polygon"]  # the land, not shared edges
        occupied_km2 = sum(oracle_area_m2(p) for p in polygons) / 1e6
        assert occupied_km2 > 0.1
        row = f"zones-must-not-occupy-永久基本农田 三区三线冲突 conflict: 永久基本农田 {zone_id} "
        assert row in section, zone_id
        figure = f"{occupied_km2:.4f}"
        assert figure in section.split(row)[1].split("zones-must-not-occupy")[0], zone_id
    assert "overlap or outside pieces of failed rules and 三区三线 conflicts" in report_text  # red


def test_check_and_the_report_print_the_reason_alike(
    project: Path, report_text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--project", str(project / "spatial.toml")]) == 1
    out = capsys.readouterr().out
    assert f"target A: {_reason_a()}" in out
    assert f"A: {_reason_a()}" in report_text
    reasons = [line for line in out.splitlines() if "target A:" in line]
    assert reasons == [f"  target A: {_reason_a()}"]  # the table's diff_pct column stays a number
    assert "-10.03" not in report_text
