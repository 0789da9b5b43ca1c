"""Tooltip and popup text of a feature, built only from escaped pieces.

The tooltip is the feature's name, 中文 first with the English beside it; the
popup adds the layer, any style-specific lines (measured against target area
for zones), the accuracy (官方 official / 示意 indicative), the source, the id
and every other property. Every value *and* every field name passes through
:func:`~spatial.publish.escape.escape_text`; the only markup is written here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spatial.publish.escape import escape_text
from spatial.webmap.styles import LayerStyle, Row, is_blank

__all__ = ["OTHER_HEADING", "popup_html", "tooltip_html"]

_ACCURACY = {"official": "官方 official", "indicative": "示意 indicative"}
_SHOWN = {"id", "name_zh", "name_en", "source", "accuracy", "geometry"}
OTHER_HEADING = "其他属性 Other properties"


def tooltip_html(row: Row) -> str:
    """Return the feature's bilingual name as safe HTML (中文 first, English beside).

    Examples
    --------
    >>> tooltip_html({"name_zh": "璧山区", "name_en": "Bishan <District>"})
    '<b>璧山区</b> <span class="sp-en">Bishan &lt;District&gt;</span>'
    >>> tooltip_html({"id": "p-1"})
    '<b>p-1</b>'
    """
    name_zh = row.get("name_zh")
    name_en = row.get("name_en")
    if is_blank(name_zh) and is_blank(name_en):
        return f"<b>{escape_text(row.get('id', ''))}</b>"
    head = f"<b>{escape_text(name_zh)}</b>" if not is_blank(name_zh) else ""
    tail = f'<span class="sp-en">{escape_text(name_en)}</span>' if not is_blank(name_en) else ""
    return " ".join(part for part in (head, tail) if part)


def _tr(label: Any, value: Any) -> str:
    return f"<tr><th>{escape_text(label)}</th><td>{escape_text(value)}</td></tr>"


def _other_rows(row: Row, style: LayerStyle) -> list[str]:
    shown = _SHOWN | style.shown
    rows = [_tr(f, v) for f, v in row.items() if f not in shown and not is_blank(v)]
    if not rows:
        return []
    heading = f'<tr><th colspan="2" class="sp-other">{escape_text(OTHER_HEADING)}</th></tr>'
    return [heading, *rows]


def popup_html(
    row: Row, style: LayerStyle, layer: str | None = None, fields: Mapping[str, str] | None = None
) -> str:
    """Return the popup of a feature as safe HTML.

    First the layer (``layer``, plain text; the style's title by default) and
    the style's curated, bilingually labelled lines (area check, platform
    kind…), then accuracy, source and id (each when stated), then every other
    property that is not internal to the style, under "其他属性 Other properties".

    Examples
    --------
    >>> from spatial.webmap.styles import style_for
    >>> html = popup_html({"id": "x", "<b>": "<i>"}, style_for("parcels"))
    >>> "<th>&lt;b&gt;</th><td>&lt;i&gt;</td>" in html
    True
    >>> "<th>编号 DYBH</th><td>A</td>" in popup_html({"id": "A"}, style_for("zones"),
    ...     fields={"id": "DYBH"})
    True

    ``fields`` are the layer's toolkit columns and the planner's fields they were
    read from (``{"id": "DYBH", "name_zh": "DYMC"}``): the id is labelled by its
    field (``编号 DYBH``), the name given its row (``名称 DYMC``), as the tables name them.
    """
    fields = fields or {}
    name = row.get("name_zh") if "name_zh" in fields else None
    accuracy = row.get("accuracy")
    stated = [
        ("精度 Accuracy", None if is_blank(accuracy) else _ACCURACY.get(str(accuracy), accuracy)),
        ("来源 Source", row.get("source")),
        (f"编号 {fields['id']}" if "id" in fields else "编号 ID", row.get("id")),
        *([(f"名称 {fields['name_zh']}", name)] if "name_zh" in fields else []),
    ]
    rows = [
        _tr("图层 Layer", layer if layer is not None else f"{style.title_zh} {style.title_en}"),
        *(_tr(label, value) for label, value in style.curated_rows(row)),
        *(_tr(label, value) for label, value in stated if not is_blank(value)),  # no empty rows
        *_other_rows(row, style),
    ]
    return (
        f'<div class="sp-popup"><div class="sp-popup-title">{tooltip_html(row)}</div>'
        f"<table>{''.join(rows)}</table></div>"
    )
