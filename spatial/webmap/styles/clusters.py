"""The four clusters (四组团), north to south, in four muted colours with dashed outlines."""

from __future__ import annotations

import pandas as pd

from spatial.webmap.styles._base import Field, LayerStyle, LegendEntry, Row

__all__ = ["CLUSTERS"]

# Blues, purple and tan: kept clear of the zones' green (PASS) and red (FAIL).
_COLOURS = {"1": "#4292c6", "2": "#807dba", "3": "#b8860b", "4": "#5f9ea0", "other": "#bdbdbd"}
_NAMES = {
    "1": ("科技创新小镇组团", "Science and Technology Innovation Town"),
    "2": ("璧泉组团", "Biquan"),
    "3": ("青杠—来凤组团", "Qinggang–Laifeng"),
    "4": ("丁家组团", "Dingjia"),
}


def _classify(row: Row) -> str:
    order = row.get("order_north_to_south")
    key = str(int(order)) if pd.notna(order) and str(order).strip().isdigit() else "other"
    return key if key in _NAMES else "other"


def _path(colour: str) -> dict[str, object]:
    return {
        "color": colour,
        "weight": 2,
        "dashArray": "8 5",
        "fillColor": colour,
        "fillOpacity": 0.15,
    }


CLUSTERS = LayerStyle(
    name="clusters",
    title_zh="四组团",
    title_en="Four clusters",
    paths={key: _path(colour) for key, colour in _COLOURS.items()},
    classify=_classify,
    legend=(
        *(LegendEntry(k, "polygon", zh, en) for k, (zh, en) in _NAMES.items()),
        LegendEntry("other", "polygon", "其他组团", "other cluster", always=False),
    ),
    z_index=430,
    fields=(Field("order_north_to_south", "自北向南 Order north to south", lambda v: f"{v} / 4"),),
    hidden=frozenset({"kind"}),
)
