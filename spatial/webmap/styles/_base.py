"""What a layer style is: classes of features, how each class is drawn, its legend."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

import numpy as np
import pandas as pd

__all__ = ["Field", "LayerStyle", "LegendEntry", "Row", "is_blank"]

#: One feature's properties, by column name (the geometry apart), as a style reads them.
Row: TypeAlias = Mapping[str, Any]

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


def _no_rows(row: Row) -> list[tuple[str, Any]]:
    return []


def _as_text(value: Any) -> str:
    return str(value)


def is_blank(value: Any) -> bool:
    """Whether a property value is missing: None, NaN or NA (a list or a dict never is).

    Examples
    --------
    >>> is_blank(None), is_blank(float("nan")), is_blank(""), is_blank([])
    (True, True, False, False)
    """
    return value is None or (
        np.ndim(value) == 0 and not isinstance(value, dict) and bool(pd.isna(value))
    )


@dataclass(frozen=True)
class Field:
    """A property shown in the popup under a bilingual label, formatted by ``fmt``.

    Examples
    --------
    >>> length = Field("length_km", "长度 Length", lambda v: f"{v:g} km")
    >>> length.row({"length_km": 30.86})
    ('长度 Length', '30.86 km')
    """

    column: str
    label: str
    fmt: Callable[[Any], str] = _as_text

    def row(self, row: Row) -> tuple[str, str] | None:
        """Return ``(label, text)`` for this feature, or None when the value is blank."""
        value = row.get(self.column)
        return None if is_blank(value) else (self.label, self.fmt(value))


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
    label_when : callable, optional
        ``row -> bool``: which features get the permanent label (all by default);
        the others keep the hover tooltip.
    label_zoom : (float, float), optional
        Zoom levels ``[min, max)`` at which the labels show (always by default).
    label_direction : str
        Leaflet tooltip direction of the label: ``"right"`` of a point, ``"center"``
        of a polygon.
    show : bool
        Whether the layer is switched on when the map opens.
    popup_rows : callable
        ``row -> [(label, value), …]`` computed popup lines (e.g. measured area).
    fields : tuple of Field
        Properties shown under bilingual labels after the computed lines.
    tooltip_note : callable, optional
        ``row -> text`` shown on a second line of the tooltip and label (a zone's area).
    hidden : frozenset of str
        Internal properties never listed (those the computed lines already
        show, codes like ``kind``); every other property is listed under
        "其他属性 Other properties", so a planner's own fields still show.
    """

    name: str
    title_zh: str
    title_en: str
    paths: Mapping[str, dict[str, Any]]
    classify: Callable[[Row], str]
    legend: tuple[LegendEntry, ...]
    z_index: int
    label: bool = False
    label_when: Callable[[Row], bool] | None = None
    label_direction: str = "right"
    label_zoom: tuple[float, float] | None = None
    show: bool = True
    popup_rows: Callable[[Row], list[tuple[str, Any]]] = field(default=_no_rows)
    fields: tuple[Field, ...] = ()
    hidden: frozenset[str] = frozenset()
    tooltip_note: Callable[[Row], str] | None = None

    def curated_rows(self, row: Row) -> list[tuple[str, Any]]:
        """Return the popup's labelled lines: computed ones, then the curated fields."""
        rows = [f.row(row) for f in self.fields]
        return [*self.popup_rows(row), *(r for r in rows if r is not None)]

    def labelled(self, row: Row) -> bool:
        """Whether this feature carries a permanent label."""
        return self.label and (self.label_when is None or bool(self.label_when(row)))

    @property
    def shown(self) -> frozenset[str]:
        """Properties not to list again under "other properties"."""
        return self.hidden | {f.column for f in self.fields}
