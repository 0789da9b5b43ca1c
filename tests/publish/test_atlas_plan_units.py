"""The atlas speaks the plan's units and names its maker once (a new planner's findings).

Synthetic survey (示例数据, ``tests/survey.py``, EPSG:4544): zone A (1200 m x 1000 m)
with a target of 1.2 km², zone B2 (1200 m x 500 m) with a target of 900 亩 as the plan
gives it. The measured areas and differences are the tests' own oracle's
(``oracle_area_m2``: vertices to lon/lat, then a strip integral), not the toolkit's.
Found: page 1's footer said "spatial report" on an atlas ``spatial review`` made;
a target of 1000 亩 read "0.666667 km²"; a difference of −0.03 % read "-0.0%".
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from survey import oracle_area_m2, survey_zones

from spatial.checks.snapshot import take_snapshot
from spatial.plan import load_targets
from spatial.publish.atlas import draw_zone_sheet, write_atlas
from spatial.publish.fonts import in_noto
from spatial.publish.sheet import draw_sheet

M2_PER_MU = 10_000 / 15
PLAN_TOML = """
[[targets]]
id = "A"
layer = "zones"
name_zh = "示例单元A"
value = 1.2
unit = "km2"
phrase = "示例数据"

[[targets]]
id = "B2"
layer = "zones"
name_zh = "示例单元B2"
value = 900
unit = "mu"
phrase = "示例数据"
"""


def _zones():
    return survey_zones().rename(columns={"DYBH": "id", "DYMC": "name_zh"})


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    plan = tmp_path_factory.mktemp("plan") / "plan.toml"
    plan.write_text(PLAN_TOML, encoding="utf-8")
    layers = {"zones": _zones()}
    return take_snapshot(layers, {"zones": "zones.shp"}, targets=load_targets(plan), rules=())


def _oracle_m2(zone_id: str) -> float:
    zones = _zones()
    return oracle_area_m2(zones.geometry[zones["id"] == zone_id].iloc[0])


def _texts(build) -> list[str]:
    with in_noto(build) as fig:
        return [t.get_text() for t in fig.findobj() if hasattr(t, "get_text")]


def _signed(pct: float) -> str:
    return f"{pct:+.2f} %".replace("-", "\u2212")


def test_a_target_in_mu_is_shown_in_mu_with_the_difference_readable(snapshot):
    measured_mu = _oracle_m2("B2") / M2_PER_MU
    diff_pct = (measured_mu / 900 - 1) * 100
    assert -0.05 < diff_pct < -0.005  # the grid's scale factor: a small loss, not zero
    lines = [t for t in _texts(lambda: draw_zone_sheet(snapshot, "B2", [])) if "Area target" in t]
    measured = f"{measured_mu:,.1f} 亩 ({_signed(diff_pct)})"
    assert lines == [f"面积目标 Area target 900 亩, 实测 measured {measured}: PASS"]


def test_a_target_in_km2_keeps_its_sign_and_size(snapshot):
    measured_km2 = _oracle_m2("A") / 1e6
    diff_pct = (measured_km2 / 1.2 - 1) * 100
    assert _signed(diff_pct) == "\u22120.03 %"
    lines = [t for t in _texts(lambda: draw_zone_sheet(snapshot, "A", [])) if "Area target" in t]
    assert lines == [
        f"面积目标 Area target 1.2 km², 实测 measured {measured_km2:.4f} km² (\u22120.03 %): PASS"
    ]


def test_the_overview_table_shows_each_target_in_its_plan_unit(snapshot):
    texts = _texts(lambda: draw_sheet(snapshot))
    measured_mu = _oracle_m2("B2") / M2_PER_MU
    for cell in ("900 亩", f"{measured_mu:,.1f} 亩", "1.2 km²", "\u22120.03 %"):
        assert cell in texts, cell
    assert not any("-0.0%" in t for t in texts)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_every_atlas_page_names_the_command_that_made_it(snapshot, tmp_path):
    path = tmp_path / "report.pdf"
    pages = write_atlas(path, snapshot, {})
    for page in range(1, pages + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        assert "spatial review" in text and "spatial report" not in text, page
