"""Planned zones coloured by their area check: green within tolerance, red outside, grey unchecked.

The class of a zone is the ``status`` column that :mod:`spatial.webmap.areas`
adds (``PASS``, ``FAIL`` or ``NO TARGET``); the popup shows measured against
target area.
"""

from __future__ import annotations

import pandas as pd

from spatial.webmap.styles._base import LayerStyle, LegendEntry

__all__ = ["ZONES"]


def _classify(row: pd.Series) -> str:
    status = row.get("status")
    return status if status in {"PASS", "FAIL"} else "NO TARGET"


def _km2(value: object) -> str:
    return "—" if value is None or pd.isna(value) else f"{float(value):.3f} km²"


def _pct(value: object) -> str:
    return "—" if value is None or pd.isna(value) else f"{float(value):+.1f}%"


def _rows(row: pd.Series) -> list[tuple[str, object]]:
    tolerance = row.get("tolerance_pct")
    tolerance_text = "—" if tolerance is None or pd.isna(tolerance) else f"±{float(tolerance):g}%"
    return [
        ("实测面积 Measured area", _km2(row.get("measured_km2"))),
        ("规划目标 Target area", _km2(row.get("target_km2"))),
        ("差异 Difference", f"{_pct(row.get('diff_pct'))} (容差 tolerance {tolerance_text})"),
        ("面积核查 Area check", _classify(row)),
    ]


def _fill(colour: str) -> dict[str, object]:
    return {"color": colour, "weight": 2, "fillColor": colour, "fillOpacity": 0.35}


ZONES = LayerStyle(
    name="zones",
    title_zh="规划分区（面积核查）",
    title_en="Planned zones (area check)",
    paths={"PASS": _fill("#1a9850"), "FAIL": _fill("#d73027"), "NO TARGET": _fill("#969696")},
    classify=_classify,
    legend=(
        LegendEntry("PASS", "polygon", "面积符合目标", "area within tolerance"),
        LegendEntry("FAIL", "polygon", "面积超出容差", "area outside tolerance"),
        LegendEntry("NO TARGET", "polygon", "无面积目标", "no area target", always=False),
    ),
    z_index=440,
    popup_rows=_rows,
)
