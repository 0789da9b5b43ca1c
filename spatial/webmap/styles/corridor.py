"""黛山大道 (the avenue) as a strong line and the corridor band as a light translucent band."""

from __future__ import annotations

import pandas as pd

from spatial.webmap.styles._base import LayerStyle, LegendEntry

__all__ = ["CORRIDOR"]


def _classify(row: pd.Series) -> str:
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
)
