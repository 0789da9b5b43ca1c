"""The two versions of a layer on the compare map, and the 调入/调出 pieces between them.

The old version (旧版) is drawn blue, the new (新版) orange, each in its own pane
so the swipe control can clip one against the other; 调入 (area added) pieces
are green and 调出 (area removed) red, above both. These are plain colours of
the toolkit, not the land-use classification's standard colours (none could be
sourced).
"""

from __future__ import annotations

from spatial.webmap.styles._base import Field, LayerStyle, LegendEntry, Row
from spatial.webmap.styles.conflicts import area_lines, synthetic_lines

__all__ = ["DIFF_NEW", "DIFF_OLD", "DIFF_PIECES"]


def _outline(colour: str) -> dict[str, dict[str, object]]:
    return {"feature": {"color": colour, "weight": 1.5, "fillColor": colour, "fillOpacity": 0.3}}


_CLASS = (Field("YDYHFLDM", "地类代码 Class code"), Field("YDYHFLMC", "地类名称 Class name"))

DIFF_OLD = LayerStyle(
    name="diff_old",
    title_zh="旧版（左）",
    title_en="Old version (left)",
    paths=_outline("#2166ac"),
    classify=lambda row: "feature",
    legend=(LegendEntry("feature", "polygon", "旧版要素", "old version's features"),),
    z_index=450,
    popup_rows=synthetic_lines,
    fields=_CLASS,
    hidden=frozenset({"synthetic"}),
)
DIFF_NEW = LayerStyle(
    name="diff_new",
    title_zh="新版（右）",
    title_en="New version (right)",
    paths=_outline("#e08214"),
    classify=lambda row: "feature",
    legend=(LegendEntry("feature", "polygon", "新版要素", "new version's features"),),
    z_index=455,
    popup_rows=synthetic_lines,
    fields=_CLASS,
    hidden=frozenset({"synthetic"}),
)


def _piece_rows(row: Row) -> list[tuple[str, object]]:
    change = "调入 added" if row.get("change") == "added" else "调出 removed"
    return [*synthetic_lines(row), ("变化 Change", change), *area_lines(row.get("area_m2"))]


DIFF_PIECES = LayerStyle(
    name="diff_pieces",
    title_zh="调入/调出",
    title_en="Area added / removed",
    paths={
        "added": {"color": "#1a9850", "weight": 1, "fillColor": "#1a9850", "fillOpacity": 0.6},
        "removed": {"color": "#d73027", "weight": 1, "fillColor": "#d73027", "fillOpacity": 0.6},
    },
    classify=lambda row: "added" if row.get("change") == "added" else "removed",
    legend=(
        LegendEntry("added", "polygon", "调入（新版增加）", "area added in the new version"),
        LegendEntry("removed", "polygon", "调出（新版减少）", "area removed in the new version"),
    ),
    z_index=470,
    popup_rows=_piece_rows,
    fields=(Field("class_code", "地类 Land-use class"),),
    hidden=frozenset({"change", "area_m2", "synthetic"}),
)
