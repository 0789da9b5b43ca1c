"""Tooltip and popup text of a feature, built only from escaped pieces.

The tooltip is the feature's name, 中文 first with the English beside it; the
popup adds the layer, any style-specific lines (measured against target area
for zones), the accuracy (官方 official / 示意 indicative), the source, the id
and every other property. Every value *and* every field name passes through
:func:`~spatial.webmap.escape.escape_text`; the only markup is written here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from spatial.webmap.escape import escape_text
from spatial.webmap.styles import LayerStyle

__all__ = ["OTHER_HEADING", "popup_html", "tooltip_html"]

_ACCURACY = {"official": "官方 official", "indicative": "示意 indicative"}
_SHOWN = {"id", "name_zh", "name_en", "source", "accuracy", "geometry"}
OTHER_HEADING = "其他属性 Other properties"


def _blank(value: Any) -> bool:
    return value is None or (
        np.ndim(value) == 0 and not isinstance(value, dict) and bool(pd.isna(value))
    )


def tooltip_html(row: pd.Series) -> str:
    """Return the feature's bilingual name as safe HTML (中文 first, English beside).

    Examples
    --------
    >>> tooltip_html(pd.Series({"name_zh": "璧山区", "name_en": "Bishan <District>"}))
    '<b>璧山区</b> <span class="sp-en">Bishan &lt;District&gt;</span>'
    >>> tooltip_html(pd.Series({"id": "p-1"}))
    '<b>p-1</b>'
    """
    name_zh = row.get("name_zh")
    name_en = row.get("name_en")
    if _blank(name_zh) and _blank(name_en):
        return f"<b>{escape_text(row.get('id', ''))}</b>"
    head = f"<b>{escape_text(name_zh)}</b>" if not _blank(name_zh) else ""
    tail = f'<span class="sp-en">{escape_text(name_en)}</span>' if not _blank(name_en) else ""
    return " ".join(part for part in (head, tail) if part)


def _tr(label: Any, value: Any) -> str:
    return f"<tr><th>{escape_text(label)}</th><td>{escape_text(value)}</td></tr>"


def _other_rows(row: pd.Series, style: LayerStyle) -> list[str]:
    shown = _SHOWN | style.shown
    rows = [_tr(f, v) for f, v in row.items() if f not in shown and not _blank(v)]
    if not rows:
        return []
    heading = f'<tr><th colspan="2" class="sp-other">{escape_text(OTHER_HEADING)}</th></tr>'
    return [heading, *rows]


def popup_html(row: pd.Series, style: LayerStyle) -> str:
    """Return the popup of a feature as safe HTML.

    First the layer and the style's curated, bilingually labelled lines (area
    check, platform kind…), then accuracy, source and id, then every other
    property that is not internal to the style, under "其他属性 Other properties".

    Examples
    --------
    >>> from spatial.webmap.styles import style_for
    >>> html = popup_html(pd.Series({"id": "x", "<b>": "<i>"}), style_for("parcels"))
    >>> "<th>&lt;b&gt;</th><td>&lt;i&gt;</td>" in html
    True
    """
    accuracy = row.get("accuracy")
    rows = [
        _tr("图层 Layer", f"{style.title_zh} {style.title_en}"),
        *(_tr(label, value) for label, value in style.curated_rows(row)),
        _tr("精度 Accuracy", _ACCURACY.get(str(accuracy), "" if _blank(accuracy) else accuracy)),
        _tr("来源 Source", row.get("source")),
        _tr("编号 ID", row.get("id")),
        *_other_rows(row, style),
    ]
    return (
        f'<div class="sp-popup"><div class="sp-popup-title">{tooltip_html(row)}</div>'
        f"<table>{''.join(rows)}</table></div>"
    )
