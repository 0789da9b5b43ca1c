"""The two versions of a layer on the compare map, and the 调入/调出 pieces between them.

The old version (旧版) is drawn blue, the new (新版) orange, each in its own pane
so the swipe control can clip one against the other; 调入 (area added) pieces
are filled green and 调出 (area removed) drawn above them as a red dashed outline
over a light fill, so that where both lie (one feature gone, another come) both
stay visible. Features whose land-use class changed are outlined purple, their
popup saying old → new class. These are plain colours of the toolkit, not the
land-use classification's standard colours (none could be sourced).

On the compare map of a large diff (:func:`spatial.webmap.compare.render_compare_map`,
a version of ``tiles_from`` features or more) the unchanged features are one pale
grey tile layer (:data:`DIFF_UNCHANGED`), and the changed ones lie above it in a
colour per kind of change (:func:`changes_style`, counted in the legend): 新增 added
green, 删除 removed red and dashed, 图形变化 geometry changed magenta, 地类变化
class changed purple, 属性变化 other attributes changed brown.
"""

from __future__ import annotations

from collections.abc import Mapping

from spatial.checked.figures import number_text
from spatial.webmap.styles._base import Field, LayerStyle, LegendEntry, Row, is_blank
from spatial.webmap.styles.conflicts import area_lines, synthetic_lines

__all__ = [
    "CHANGE_KINDS",
    "CLASS_CHANGE_COLOUR",
    "DIFF_CLASSES",
    "DIFF_NEW",
    "DIFF_OLD",
    "DIFF_PIECES",
    "DIFF_UNCHANGED",
    "changes_style",
]

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


#: The unchanged features of a large diff, as vector tiles: pale grey, thin edges. Their one
#: class is ``other``, so a click shows the class field's value as it is (``YDYHFLDM: 0701``,
#: ``static/tiles.js``), not this legend line.
DIFF_UNCHANGED = LayerStyle(
    name="diff_unchanged",
    title_zh="未变化要素",
    title_en="Unchanged features",
    paths={
        "other": {"color": "#969696", "weight": 0.6, "fillColor": "#d9d9d9", "fillOpacity": 0.5}
    },
    classify=lambda row: "other",
    legend=(LegendEntry("other", "polygon", "未变化要素（两版相同）", "unchanged in both"),),
    z_index=440,
)

#: The kinds of change on a large diff's map: (key, 中文, English, Leaflet path options), in
#: the order of the legend; ``class_changed`` is an ``attributes_changed`` row whose class
#: changed, the others are the feature table's statuses.
CHANGE_KINDS: tuple[tuple[str, str, str, dict[str, object]], ...] = (
    ("added", "新增", "added", {"color": "#1a9850", "fillColor": "#1a9850"}),
    (
        "removed",
        "删除",
        "removed",
        {"color": "#d73027", "fillColor": "#d73027", "dashArray": "6 4"},
    ),
    (
        "geometry_changed",
        "图形变化",
        "geometry changed",
        {"color": "#c51b7d", "fillColor": "#c51b7d"},
    ),
    (
        "class_changed",
        "地类变化",
        "class changed",
        {"color": CLASS_CHANGE_COLOUR, "fillColor": CLASS_CHANGE_COLOUR},
    ),
    (
        "attributes_changed",
        "属性变化",
        "other attributes changed",
        {"color": "#8c510a", "fillColor": "#8c510a"},
    ),
)


def _m2_text(area_m2: object) -> str:
    return f"{number_text(float(str(area_m2)), 1)} m²"


def _class_line(row: Row, class_field: str | None) -> list[tuple[str, object]]:
    """Return the popup's class line: ``old → new`` when it changed, the one class otherwise."""
    if class_field is None:
        return []
    old, new = row.get("old_class"), row.get("new_class")
    known = [str(v) for v in (old, new) if not is_blank(v)]
    if not known:
        return []
    text = f"{known[0]} → {known[1]}" if len(known) == 2 and known[0] != known[1] else known[-1]
    return [(f"地类 {class_field}", text)]


def changes_style(counts: Mapping[str, int], class_field: str | None = None) -> LayerStyle:
    """Return the style of a large diff's changed features: a colour a kind, counted.

    Parameters
    ----------
    counts : mapping of str to int
        Features of each kind (:data:`CHANGE_KINDS` keys); a kind not given counts 0.
    class_field : str, optional
        The versions' land-use class field (``YDYHFLDM``): the popup's class line is
        labelled by it.

    Examples
    --------
    >>> style = changes_style({"added": 3, "class_changed": 1200}, "YDYHFLDM")
    >>> [entry.label_zh for entry in style.legend][:2], style.legend[3].label_en
    (['新增 3', '删除 0'], 'class changed: 1,200')
    >>> style.popup_rows({"change": "class_changed", "old_class": "0101", "new_class": "0701",
    ...                   "old_m2": 600.0, "new_m2": 600.0})[:2]
    [('变化 Change', '地类变化 class changed'), ('地类 YDYHFLDM', '0101 → 0701')]
    """
    names = {key: f"{zh} {en}" for key, zh, en, _ in CHANGE_KINDS}

    def rows(row: Row) -> list[tuple[str, object]]:
        areas = [("旧面积 Old area", row.get("old_m2")), ("新面积 New area", row.get("new_m2"))]
        return [
            *synthetic_lines(row),
            ("变化 Change", names.get(str(row.get("change")), row.get("change"))),
            *_class_line(row, class_field),
            *((label, _m2_text(m2)) for label, m2 in areas if not is_blank(m2)),
        ]

    paths = {key: {"weight": 3, "fillOpacity": 0.35, **path} for key, _, _, path in CHANGE_KINDS}
    legend = tuple(
        LegendEntry(key, "polygon", f"{zh} {counts.get(key, 0):,}", f"{en}: {counts.get(key, 0):,}")
        for key, zh, en, _ in CHANGE_KINDS
    )
    return LayerStyle(
        name="diff_changes",
        title_zh="变化要素",
        title_en="Changed features",
        paths=paths,
        classify=lambda row: str(row.get("change")),
        legend=legend,
        z_index=480,  # above the 调入/调出 pieces: a reshaped feature's outline is not read as 调出
        popup_rows=rows,
        hidden=frozenset({"change", "old_class", "new_class", "old_m2", "new_m2", "synthetic"}),
    )
