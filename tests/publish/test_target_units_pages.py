"""A target given in 亩 is shown in 亩 on the zone pages and in the check's reason.

The plan gives zone A of the synthetic (示例数据) survey (tests/survey.py, EPSG:4544,
about 1.2 km², i.e. about 1,800 亩) a target of 1,800 亩 (PASS) or 1,000 亩 (FAIL).
The zone page's 面积目标 table and the FAIL reason print the target as the plan
wrote it and the measured area in the same unit, the figure converted here from
the check's km² (1 亩 = 10000/15 m²), never ``0.666667 km²``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from spatial.checks.snapshot import take_snapshot
from spatial.commands._review_page import zone_tables
from spatial.plan import Target

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from survey import survey_parcels, survey_zones

M2_PER_MU = 10_000 / 15


def _snapshot(value_mu: float):
    zones = survey_zones().rename(columns={"DYBH": "id", "DYMC": "name_zh"})
    target = Target("A", "zones", "示例单元A", "Demo unit A", value_mu, "mu", tolerance_pct=5.0)
    return take_snapshot(
        {"zones": zones},
        {"zones": "zones_gk.shp"},
        {"landuse": survey_parcels()},
        targets=(target,),
        rules=(),
    )


def _mu_text(area_km2: float) -> str:
    return f"{area_km2 * 1e6 / M2_PER_MU:,.1f} 亩"


def test_the_zone_page_shows_the_target_in_the_plans_unit() -> None:
    snapshot = _snapshot(1800)
    pages = zone_tables(snapshot, {"targets": snapshot.report.targets})
    title, table = pages["A"][0]
    assert title.startswith("面积目标")
    measured_km2 = float(snapshot.report.targets.set_index("id")["measured_km2"]["A"])
    cells = [str(v) for v in table.to_numpy().ravel()]
    assert "1,800 亩" in cells and _mu_text(measured_km2) in cells
    assert 1_790 < measured_km2 * 1e6 / M2_PER_MU < 1_810  # the zone is about 1,800 亩
    assert not any("km" in c or c.startswith("0.") for c in cells), cells
    assert len(table) == 1 and pages["B1"][0][1].empty  # B1 has no target


@pytest.mark.parametrize("value_mu", [1000, 2500])
def test_a_failed_target_in_mu_is_explained_in_mu(value_mu: float) -> None:
    targets = _snapshot(value_mu).report.targets.set_index("id")
    row = targets.loc["A"]
    assert row["status"] == "FAIL"
    reason = str(row["reason"])
    assert reason.startswith(f"{_mu_text(float(row['measured_km2']))} is ")
    assert f"from {value_mu:,} 亩 (tolerance ±5%)" in reason
    assert "km²" not in reason
