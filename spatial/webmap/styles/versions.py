"""The two versions of a layer on the compare map, and the 调入/调出 pieces between them.

The old version (旧版) is drawn blue, the new (新版) orange, each in its own pane
so the swipe control can clip one against the other; 调入 (area added) pieces
are filled green and 调出 (area removed) drawn above them as a red dashed outline
over a light fill, so that where both lie (one feature gone, another come) both
stay visible. Features whose land-use class changed are outlined purple, their
popup saying old → new class. These are plain colours of the toolkit, not the
land-use classification's standard colours (none could be sourced).
"""

from __future__ import annotations

from spatial.webmap.styles._base import Field, LayerStyle, LegendEntry, Row
from spatial.webmap.styles.conflicts import area_lines, synthetic_lines

__all__ = ["CLASS_CHANGE_COLOUR", "DIFF_CLASSES", "DIFF_NEW", "DIFF_OLD", "DIFF_PIECES"]

#: Outline of a feature whose land-use class changed.
CLASS_CHANGE_COLOUR = "#7b3294"


def _outline(colour: str) -> dict[str, dict[str, object]]:
    return {"feature": {"color": colour, "weight": 1.5, "fillColor": colour, "fillOpacity": 0.3}}


_CLASS = (Field("YDYHFLDM", "地类代码 Class code"), Field("YDYHFLMC", "地类名称 Class name"))


def _version_style(
    name: str, title: tuple[str, str], legend: tuple[str, str], colour: str, z_index: int
) -> LayerStyle:
    """One version of a compared layer: outlined in ``colour``, its class fields in the popup.

    ``title`` and ``legend`` are (Chinese, English) pairs.
    """
    return LayerStyle(
        name=name,
        title_zh=title[0],
        title_en=title[1],
        paths=_outline(colour),
        classify=lambda row: "feature",
        legend=(LegendEntry("feature", "polygon", *legend),),
        z_index=z_index,
        popup_rows=synthetic_lines,
        fields=_CLASS,
        hidden=frozenset({"synthetic"}),
    )


DIFF_OLD = _version_style(
    "diff_old",
    ("旧版（左）", "Old version (left)"),
    ("旧版要素", "old version's features"),
    "#2166ac",
    450,
)
DIFF_NEW = _version_style(
    "diff_new",
    ("新版（右）", "New version (right)"),
    ("新版要素", "new version's features"),
    "#e08214",
    455,
)


def _piece_rows(row: Row) -> list[tuple[str, object]]:
    change = "调入 added" if row.get("change") == "added" else "调出 removed"
    return [*synthetic_lines(row), ("变化 Change", change), *area_lines(row.get("area_m2"))]


DIFF_PIECES = LayerStyle(
    name="diff_pieces",
    title_zh="调入/调出",
    title_en="Area added / removed",
    paths={
        "added": {"color": "#1a9850", "weight": 1, "fillColor": "#1a9850", "fillOpacity": 0.55},
        # drawn after the added pieces (build_compare_map orders them): outline over a light fill
        "removed": {
            "color": "#d73027",
            "weight": 2.5,
            "dashArray": "6 4",
            "fillColor": "#d73027",
            "fillOpacity": 0.15,
        },
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


def _class_rows(row: Row) -> list[tuple[str, object]]:
    return [*synthetic_lines(row), ("地类变化 Class change", row.get("class_change"))]


DIFF_CLASSES = LayerStyle(
    name="diff_classes",
    title_zh="地类变化",
    title_en="Land-use class changed",
    paths={
        "changed": {
            "color": CLASS_CHANGE_COLOUR,
            "weight": 3,
            "fillColor": CLASS_CHANGE_COLOUR,
            "fillOpacity": 0.2,
        }
    },
    classify=lambda row: "changed",
    legend=(LegendEntry("changed", "polygon", "地类变化（旧 → 新）", "class changed (old → new)"),),
    z_index=460,
    popup_rows=_class_rows,
    fields=(Field("id", "编号 Id"),),
    hidden=frozenset({"class_change", "old_class", "new_class", "synthetic"}),
)
