"""The title of a planner's plan that nothing names: the zones file's stem as it is, not "<stem>图".

``spatial map/report/review`` title a planner's plan by the project's ``title``,
else the plan's ``[document] title``, else the zones file's stem. A Chinese name
becomes a map's title with 图 (示意图 when indicative); a stem such as ``zones``
or ``dy_survey`` is shown as it is, with the English line saying what the page is.
"""

from __future__ import annotations

import pytest

from spatial.checked.provenance import LayerProvenance, plan_title


def _zones(accuracy: str) -> list[LayerProvenance]:
    return [LayerProvenance("zones", "zones.geojson", (accuracy,), (), 3)]


@pytest.mark.parametrize(
    ("name", "accuracy", "expected"),
    [
        ("zones", "official", ("zones", "Plan map")),
        ("dy_survey-2024", "indicative", ("dy_survey-2024", "Indicative plan map")),
        ("zones", "synthetic", ("zones（示例数据）", "Plan map (synthetic example data)")),
        ("璧山示例单元", "official", ("璧山示例单元图", "Plan map")),
        ("璧山示例单元", "indicative", ("璧山示例单元示意图", "Indicative plan map")),
        ("璧山示例单元规划图", "official", ("璧山示例单元规划图", "Plan map")),
    ],
)
def test_a_plans_own_title(name: str, accuracy: str, expected: tuple[str, str]) -> None:
    assert plan_title(_zones(accuracy), name) == expected
    assert not plan_title(_zones(accuracy), name)[0].startswith(f"{name}图") or not name.isascii()
