"""The legend: one heading per layer, one swatch per class, and the plan's headline figures.

Swatches are drawn from the same path options the layers use, so legend and
map cannot disagree. All text is escaped.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from spatial.publish.escape import escape_text
from spatial.webmap.styles import LayerStyle, LegendEntry

__all__ = ["headlines_html", "legend_html", "swatch_html"]


def _alpha_hex(opacity: Any) -> str:
    return f"{round(max(0.0, min(1.0, float(opacity))) * 255):02x}"


def swatch_html(shape: str, path: Mapping[str, Any]) -> str:
    """Return the legend swatch of a class drawn with Leaflet path options ``path``.

    Examples
    --------
    >>> swatch_html("line", {"color": "#8c2d04", "weight": 4})
    '<span class="sp-swatch sp-swatch-line" style="border-top:4px solid #8c2d04"></span>'
    """
    colour = escape_text(path.get("color", "#3388ff"))
    fill = escape_text(path.get("fillColor", path.get("color", "#3388ff")))
    line = "dashed" if path.get("dashArray") else "solid"
    weight = min(float(path.get("weight", 2)), 4)
    if shape == "line":
        css = f"border-top:{weight:g}px {line} {colour}"
    elif shape == "point":
        edge = "#666666" if path.get("color", "").lower() == "#ffffff" else colour
        css = f"background:{fill};border:1px solid {escape_text(edge)}"
    else:
        alpha = _alpha_hex(path.get("fillOpacity", 0.2)) if path.get("fill", True) else "00"
        css = f"background:{fill}{alpha};border:{max(weight, 1.5):g}px {line} {colour}"
    return f'<span class="sp-swatch sp-swatch-{escape_text(shape)}" style="{css}"></span>'


def _entry_html(entry: LegendEntry, style: LayerStyle) -> str:
    swatch = swatch_html(entry.shape, style.paths.get(entry.key, {}))
    return f"<li>{swatch}{escape_text(entry.label_zh)} {escape_text(entry.label_en)}</li>"


def _layer_html(style: LayerStyle, present: Collection[str]) -> str:
    entries = [e for e in style.legend if e.always or e.key in present]
    items = "".join(_entry_html(entry, style) for entry in entries)
    return f"<h3>{escape_text(style.title_zh)} {escape_text(style.title_en)}</h3><ul>{items}</ul>"


def _headline_row(figure: Mapping[str, Any]) -> str:
    zh, en = escape_text(figure.get("label_zh")), escape_text(figure.get("label_en"))
    label = f"{zh}<br><small>{en}</small>"
    number = figure.get("value")
    number = f"{number:g}" if isinstance(number, (int, float)) else number
    value = f"{escape_text(number)} {escape_text(figure.get('unit'))}"
    return f'<tr><td>{label}</td><td class="sp-num">{value}</td></tr>'


def headlines_html(figures: Sequence[Mapping[str, Any]]) -> str:
    """Return the plan's headline figures as a collapsed ``<details>`` table ('' when none)."""
    if not figures:
        return ""
    rows = "".join(_headline_row(f) for f in figures)
    return (
        "<details><summary>规划要点数据 Headline figures</summary>"  # the plan's own, any year
        f"<table>{rows}</table></details>"
    )


def legend_html(
    layers: Iterable[tuple[LayerStyle, Collection[str]]], figures: Sequence[Mapping[str, Any]] = ()
) -> str:
    """Return the legend panel's body HTML (its title is the panel's toggle button).

    Parameters
    ----------
    layers : iterable of (LayerStyle, collection of str)
        Each drawn layer's style and the class keys its features have.
    figures : sequence of mapping
        The plan's headline figures (``label_zh``, ``label_en``, ``value``, ``unit``).
    """
    body = "".join(_layer_html(style, present) for style, present in layers)
    return f"{body}{headlines_html(figures)}"
