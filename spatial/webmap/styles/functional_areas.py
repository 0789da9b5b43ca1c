"""The functional areas inside the science town: pale yellow, off when the map opens.

They lie inside ``zone-kcxz``; drawn on top they would hide the zone's
area-check colour, so a planner switches them on from the layer control.
"""

from __future__ import annotations

from spatial.webmap.styles._base import Field, LayerStyle, LegendEntry

__all__ = ["FUNCTIONAL_AREAS"]

FUNCTIONAL_AREAS = LayerStyle(
    name="functional_areas",
    title_zh="科技创新小镇功能区",
    title_en="Functional areas of the science town",
    paths={
        "functional_area": {
            "color": "#b8860b",
            "weight": 1,
            "fillColor": "#fee08b",
            "fillOpacity": 0.45,
        }
    },
    classify=lambda row: "functional_area",
    legend=(
        LegendEntry("functional_area", "polygon", "功能区（示意）", "functional area (indicative)"),
    ),
    z_index=450,
    show=False,
    fields=(Field("zone_id", "所在分区 In zone"),),
    hidden=frozenset({"kind"}),
)
