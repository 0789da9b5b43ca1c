"""The district outline (璧山区): a dark line, no fill, so everything inside stays visible."""

from __future__ import annotations

from spatial.webmap.styles._base import Field, LayerStyle, LegendEntry

__all__ = ["DISTRICT"]

DISTRICT = LayerStyle(
    name="district",
    title_zh="璧山区界",
    title_en="District boundary",
    paths={"district": {"color": "#252525", "weight": 2.5, "fill": False}},
    classify=lambda row: "district",
    legend=(LegendEntry("district", "line", "区界（官方）", "district boundary (official)"),),
    z_index=410,
    fields=(Field("adcode", "行政区划代码 Division code"),),
    hidden=frozenset({"kind"}),
)
