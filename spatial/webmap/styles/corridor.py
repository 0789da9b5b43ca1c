"""黛山大道 (the avenue) as a strong line and the corridor band as a light translucent band."""

from __future__ import annotations

from spatial.webmap.styles._base import Field, LayerStyle, LegendEntry, Row

_DIRECTIONS = {"north_to_south": "自北向南 north to south"}

__all__ = ["CORRIDOR"]


def _classify(row: Row) -> str:
    return "avenue" if row.get("kind") == "avenue" else "corridor"


CORRIDOR = LayerStyle(
    name="corridor",
    title_zh="黛山大道与科创走廊",
    title_en="Daishan Avenue and corridor",
    paths={
        "avenue": {"color": "#8c2d04", "weight": 4, "opacity": 0.9},
        "corridor": {
            "color": "#e6550d",
            "weight": 1,
            "dashArray": "6 4",
            "fillColor": "#fdae6b",
            "fillOpacity": 0.18,
        },
    },
    classify=_classify,
    legend=(
        LegendEntry("avenue", "line", "黛山大道（示意）", "Daishan Avenue (indicative)"),
        LegendEntry(
            "corridor", "polygon", "科创走廊（两侧各2公里）", "corridor band (2 km each side)"
        ),
    ),
    z_index=420,
    fields=(
        Field("direction", "走向 Direction", lambda v: _DIRECTIONS.get(str(v), str(v))),
        Field("length_km", "长度 Length", lambda v: f"{float(v):g} km"),
        Field("half_width_m", "半宽 Half-width", lambda v: f"{float(v) / 1000:g} km"),
    ),
    hidden=frozenset({"kind"}),
)
