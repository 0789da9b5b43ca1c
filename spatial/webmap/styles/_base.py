"""What a layer style is: classes of features, how each class is drawn, its legend."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

__all__ = ["LayerStyle", "LegendEntry"]

Shape = Literal["polygon", "line", "point"]


@dataclass(frozen=True)
class LegendEntry:
    """One line of the legend: a class key, its swatch shape and its bilingual label.

    ``always`` lines show even when no feature is of that class (a zone outside
    tolerance, say); the others only when the class occurs.
    """

    key: str
    shape: Shape
    label_zh: str
    label_en: str
    always: bool = True


def _no_rows(row: pd.Series) -> list[tuple[str, Any]]:
    return []


@dataclass(frozen=True)
class LayerStyle:
    """How one layer is drawn.

    Attributes
    ----------
    name : str
        Layer name, e.g. ``"zones"``; also names the map pane the layer draws in.
    title_zh, title_en : str
        The layer's name in the layer control and legend (中文 first).
    paths : mapping of str to dict
        Leaflet path options (``color``, ``weight``, ``fillColor``…) per class key;
        point layers also give ``radius`` in screen pixels.
    classify : callable
        ``row -> class key`` for each feature.
    legend : tuple of LegendEntry
        Legend lines, in order.
    z_index : int
        Stacking order of the layer's pane (higher draws on top).
    label : bool
        Show the feature's name as a permanent label instead of a hover tooltip.
    show : bool
        Whether the layer is switched on when the map opens.
    popup_rows : callable
        ``row -> [(label, value), …]`` extra popup lines (e.g. measured area).
    """

    name: str
    title_zh: str
    title_en: str
    paths: Mapping[str, dict[str, Any]]
    classify: Callable[[pd.Series], str]
    legend: tuple[LegendEntry, ...]
    z_index: int
    label: bool = False
    show: bool = True
    popup_rows: Callable[[pd.Series], list[tuple[str, Any]]] = field(default=_no_rows)
