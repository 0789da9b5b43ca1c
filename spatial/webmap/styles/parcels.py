"""Any other polygon, line or point layer (a planner's parcels, say): thin blue outlines."""

from __future__ import annotations

from spatial.webmap.styles._base import LayerStyle, LegendEntry

__all__ = ["PARCELS"]

PARCELS = LayerStyle(
    name="parcels",
    title_zh="地块",
    title_en="Parcels",
    paths={
        "parcel": {
            "color": "#2171b5",
            "weight": 0.8,
            "fillColor": "#6baed6",
            "fillOpacity": 0.25,
            "radius": 3,
        }
    },
    classify=lambda row: "parcel",
    legend=(LegendEntry("parcel", "polygon", "地块", "parcel"),),
    z_index=460,
)
