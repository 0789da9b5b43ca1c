"""Town and subdistrict seats: small dots with their names as labels; corridor towns in black."""

from __future__ import annotations

from spatial.webmap.styles._base import Field, LayerStyle, LegendEntry, Row

__all__ = ["TOWNS"]


def _classify(row: Row) -> str:
    return "corridor_town" if row.get("corridor_town") is True else "town"


TOWNS = LayerStyle(
    name="towns",
    title_zh="镇街驻地",
    title_en="Town seats",
    paths={
        "corridor_town": {
            "radius": 5,
            "color": "#ffffff",
            "weight": 1.5,
            "fillColor": "#000000",
            "fillOpacity": 1,
        },
        "town": {
            "radius": 4,
            "color": "#ffffff",
            "weight": 1,
            "fillColor": "#737373",
            "fillOpacity": 1,
        },
    },
    classify=_classify,
    legend=(
        LegendEntry("corridor_town", "point", "走廊沿线镇街", "corridor town"),
        LegendEntry("town", "point", "其他镇街", "other town"),
    ),
    z_index=480,
    label=True,
    fields=(
        Field("corridor_town", "走廊沿线镇街 Corridor town", lambda v: "是 yes" if v else "否 no"),
        Field("point_type", "点位 Point"),
    ),
    hidden=frozenset({"kind"}),
)
