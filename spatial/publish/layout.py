"""Layout of the printed sheets: text measured in the font it is set in, kept inside its frame.

Three pieces the A3 sheet and the atlas share:

* :class:`Panel`, a column of the page filled top-down with wrapped text and
  tables; a block that does not fit is set smaller, then cut with a line saying
  where the rest is, so no text runs past the panel's bottom;
* :func:`draw_table`, a table whose cells wrap to their column (via :class:`Panel`);
* :func:`declutter`, which places map labels (the zones' id markers,
  the platforms' and towns' names) so that none hides another or a point
  symbol, moving a label out along eight directions and leading it back to its
  point with a thin line.

Widths are measured with matplotlib's text-to-path engine in the font of the
current settings (the embedded Noto Sans SC when built inside
:func:`spatial.publish.fonts.in_noto`), in points (1/72 inch).
"""

from __future__ import annotations

import math
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import rcParams
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.text import Annotation, Text
from matplotlib.textpath import text_to_path
from matplotlib.transforms import Bbox

from spatial.checked.figures import table_number_text
from spatial.table_formats._cells import no_rows

__all__ = [
    "LINE_SPACING",
    "MapLabel",
    "Panel",
    "declutter",
    "draw_table",
    "label_box",
    "measuring_renderer",
    "ring_offsets",
    "text_width_pt",
    "wrap_to",
]

#: Line height as a multiple of the font size.
LINE_SPACING = 1.4
#: Smallest font size (pt) a block is set in before it is cut.
MIN_SIZE_PT = 5.0
_RULE_GREY = "#444444"


def text_width_pt(text: str, size_pt: float) -> float:
    """Return the width (points) of one line of ``text`` at ``size_pt`` in the current font."""
    return _width(text, size_pt, tuple(rcParams["font.family"]))


@lru_cache(maxsize=65536)
def _width(text: str, size_pt: float, family: tuple[str, ...]) -> float:
    if not text:
        return 0.0
    prop = FontProperties(family=list(family), size=size_pt)
    with warnings.catch_warnings():
        # a glyph the font lacks is measured as its blank box; the drawing warns, once
        warnings.simplefilter("ignore", UserWarning)
        width, _, _ = text_to_path.get_text_width_height_descent(text, prop, ismath=False)
    return float(width)


def _tokens(text: str) -> Iterable[str]:
    """Break points of mixed Chinese/Latin text: each CJK character, each word with its space."""
    word = ""
    for char in text:
        if unicodedata.east_asian_width(char) in "WF":
            if word:
                yield word
                word = ""
            yield char
        elif char == " ":
            yield word + " "
            word = ""
        else:
            word += char
    if word:
        yield word


def _split_long(token: str, width_pt: float, size_pt: float) -> list[str]:
    """Cut a token wider than the line (a long path or URL) into pieces that fit."""
    pieces, piece = [], ""
    for char in token:
        if piece and text_width_pt(piece + char, size_pt) > width_pt:
            pieces.append(piece)
            piece = ""
        piece += char
    return [*pieces, piece] if piece else pieces


def wrap_to(text: str, width_pt: float, size_pt: float) -> list[str]:
    """Wrap ``text`` into lines no wider than ``width_pt`` points at ``size_pt``.

    Lines break between words and between Chinese characters; a word wider
    than the line is cut. Each line keeps its leading spaces (an indent).
    """
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        for part in _split_long(token, width_pt, size_pt) or [token]:
            if line.strip() and text_width_pt((line + part).rstrip(), size_pt) > width_pt:
                lines.append(line.rstrip())
                line = part.lstrip()
            else:
                line += part
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


@dataclass
class Panel:
    """A column of a page, filled from the top.

    ``x``, ``top``, ``width`` and ``bottom`` are figure fractions (0-1 of the
    page's width or height).

    Every text added lies inside the column: lines are wrapped to ``width`` and a
    block taller than the room left is set smaller (down to :data:`MIN_SIZE_PT`),
    then cut, its last line saying how much was left out and where it is.
    """

    fig: Figure
    x: float
    top: float
    width: float
    bottom: float
    y: float = field(init=False)

    def __post_init__(self) -> None:
        self.y = self.top

    @property
    def width_pt(self) -> float:
        """The column's width in points."""
        return self.width * float(self.fig.get_figwidth()) * 72

    def _line_h(self, size_pt: float) -> float:
        return size_pt * LINE_SPACING / 72 / float(self.fig.get_figheight())

    def room_pt(self) -> float:
        """Return the height (points) left in the column."""
        return max(self.y - self.bottom, 0.0) * float(self.fig.get_figheight()) * 72

    def skip(self, size_pt: float) -> None:
        """Leave a gap of one line at ``size_pt``."""
        self.y -= self._line_h(size_pt)

    def text(
        self,
        lines: Sequence[str],
        size_pt: float,
        colour: str = "#222222",
        *,
        more: str = "… 其余见报告 more in the report",
        red_prefix: str = "× ",
    ) -> int:
        """Write ``lines`` wrapped to the column, shrunk or cut to fit; return lines left out.

        A line starting with ``red_prefix`` is drawn in the failure red.
        """
        size, wrapped = self._fit(lines, size_pt)
        room = int(self.room_pt() // (size * LINE_SPACING))
        left_out = 0
        if len(wrapped) > room:
            kept = wrapped[: max(room - 1, 0)]
            left_out = len({source for source, _ in wrapped[len(kept) :]})
            wrapped = [*kept, (-1, f"{more} (+{left_out})")] if room else []
        for source, part in wrapped:
            red = source >= 0 and lines[source].startswith(red_prefix)
            self.fig.text(
                self.x, self.y, part, fontsize=size, va="top", color="#d7191c" if red else colour
            )
            self.y -= self._line_h(size)
        return left_out

    def _fit(self, lines: Sequence[str], size_pt: float) -> tuple[float, list[tuple[int, str]]]:
        """Return the largest size from ``size_pt`` down whose wrapped lines fit, and the lines."""
        size = size_pt
        while True:
            wrapped = [
                (i, part)
                for i, line in enumerate(lines)
                for part in wrap_to(line, self.width_pt, size)
            ]
            if len(wrapped) * size * LINE_SPACING <= self.room_pt() or size <= MIN_SIZE_PT:
                return size, wrapped
            size = max(size - 0.5, MIN_SIZE_PT)

    def rule(self, colour: str = _RULE_GREY, width_pt: float = 0.5) -> None:
        """Draw a horizontal line across the column at the current height."""
        self.fig.add_artist(
            Line2D(
                [self.x, self.x + self.width],
                [self.y, self.y],
                transform=self.fig.transFigure,
                color=colour,
                linewidth=width_pt,
            )
        )

    def table(self, title: str, frame: pd.DataFrame, size_pt: float = 7.0) -> int:
        """Draw ``frame`` under ``title``; return the number of rows left out (0: all fit)."""
        return draw_table(self, title, frame, size_pt)


#: Space between two table rows, in lines.
_ROW_GAP = 0.3


def _cell_text(value: object, column: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float | np.floating):  # as the review's page prints the column
        return table_number_text(float(value), column)
    if isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_):
        return f"{int(value):,}"
    return str(value)


def _column_widths(cells: list[list[str]], width_pt: float, size_pt: float) -> list[float]:
    """Natural widths of the columns (widest cell plus a gap), shrunk to fit ``width_pt``."""
    gap = size_pt
    natural = [
        max(text_width_pt(c, size_pt) for c in column) + gap for column in zip(*cells, strict=True)
    ]
    total = sum(natural)
    if total <= width_pt:
        return [w + (width_pt - total) / len(natural) for w in natural]
    fair = width_pt / len(natural)
    narrow = [w for w in natural if w <= fair]
    share = (width_pt - sum(narrow)) / max(len(natural) - len(narrow), 1)
    return [w if w <= fair else share for w in natural]


def _numeric(frame: pd.DataFrame) -> list[bool]:
    return [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]


def draw_table(panel: Panel, title: str, frame: pd.DataFrame, size_pt: float = 7.0) -> int:
    """Draw ``frame`` in ``panel`` with its title, header and rules; cells wrap in their column.

    Numbers are right-aligned, floats with thousands separators and the decimals of
    their column's unit (``area_ha`` 4, ``area_m2`` 1:
    :func:`spatial.checked.figures.table_number_text`), never a nonzero figure as 0.
    Rows that do not fit the panel (after the text is set down to
    :data:`MIN_SIZE_PT`) are left out and a last line says how many, naming
    ``tables.xlsx`` where the whole table is. Returns the rows left out. A
    table with no rows is its title and one line, ``无 none``
    (:func:`spatial.table_formats._cells.no_rows`), not headers over nothing.
    """
    empty = no_rows(frame)
    if empty is not None:
        panel.text([title], size_pt + 1)
        panel.rule(width_pt=0.8)
        panel.text([empty], size_pt)
        return 0
    header = [str(c) for c in frame.columns]
    body = [
        [_cell_text(v, c) for v, c in zip(row, header, strict=True)]
        for row in frame.itertuples(index=False)
    ]
    size = size_pt
    while True:
        widths = _column_widths([header, *body], panel.width_pt, size)
        wrapped = [_wrap_row(r, widths, size) for r in [header, *body]]
        heights = [max(len(c) for c in cells) + _ROW_GAP for cells in wrapped]
        need = (sum(heights) + 2 * LINE_SPACING) * size * LINE_SPACING  # rows, title, a note
        if need <= panel.room_pt() or size <= MIN_SIZE_PT:
            break
        size = max(size - 0.5, MIN_SIZE_PT)
    panel.text([title], size + 1)
    panel.rule(width_pt=0.8)
    numeric = [False] * len(header), _numeric(frame)
    shown = 0
    for i, (cells, height) in enumerate(zip(wrapped, heights, strict=True)):
        last = i == len(wrapped) - 1
        note = 0.0 if last else LINE_SPACING  # room kept for the line saying what is left out
        if i > 0 and (height + note) * size * LINE_SPACING > panel.room_pt():
            break
        _draw_row(panel, cells, widths, size, numeric[min(i, 1)], bold=i == 0)
        panel.rule(width_pt=0.8 if i == 0 or last else 0.2)
        shown = i
    left_out = len(body) - shown
    if left_out:
        panel.text([f"… 另有 {left_out} 行见 tables.xlsx ({left_out} more rows)"], size)
    return left_out


def _wrap_row(cells: Sequence[str], widths: Sequence[float], size_pt: float) -> list[list[str]]:
    return [wrap_to(cell, w - size_pt, size_pt) for cell, w in zip(cells, widths, strict=True)]


def _draw_row(
    panel: Panel,
    cells: list[list[str]],
    widths: Sequence[float],
    size_pt: float,
    numeric: Sequence[bool],
    *,
    bold: bool,
) -> None:
    fig_w_pt = float(panel.fig.get_figwidth()) * 72
    line_h = panel._line_h(size_pt)
    left = panel.x
    top = panel.y - line_h * _ROW_GAP / 2
    for lines, width, right in zip(cells, widths, numeric, strict=True):
        x = left + (width - size_pt / 2) / fig_w_pt if right else left
        for k, line in enumerate(lines):
            panel.fig.text(
                x,
                top - k * line_h,
                line,
                fontsize=size_pt,
                va="top",
                ha="right" if right else "left",
                color="#000000" if bold else "#333333",
            )
        left += width / fig_w_pt
    panel.y -= (max(len(c) for c in cells) + _ROW_GAP) * line_h


def measuring_renderer(fig: Figure) -> RendererBase:
    """Return a renderer of ``fig``'s size and resolution, to measure texts before saving."""
    width_px, height_px = fig.bbox.width, fig.bbox.height
    return RendererAgg(int(width_px), int(height_px), fig.dpi)  # type: ignore[no-untyped-call]


@dataclass
class MapLabel:
    """A text to place near a point of the map.

    ``xy`` is the point in data coordinates (metres of the map's grid); ``style``
    the keyword arguments of the annotation (font size, colour, box); ``gid``
    names it in the figure (tests find it so). A label with ``symbol_pt`` (the
    width of the point's symbol, points) is a name set beside its symbol: right,
    left, above or below it, else further out on rings and led back by a line.
    One without is a marker set on its point, else moved out and led back.
    """

    text: str
    xy: tuple[float, float]
    style: dict[str, Any]
    gid: str
    leader_colour: str = "#252525"
    symbol_pt: float | None = None

    @property
    def own_places(self) -> int:
        """How many of :meth:`offsets` are the label's usual places (no leader line)."""
        return 1 if self.symbol_pt is None else 4

    def offsets(self) -> list[tuple[float, float]]:
        """Return the offsets (points) of the text's centre from the point, in the order tried.

        Measured in the current font, so called only for a label that is drawn.
        """
        if self.symbol_pt is None:
            return [(0.0, 0.0), *ring_offsets((14.0, 22.0, 32.0, 44.0, 58.0))]
        size = float(self.style.get("fontsize", 7.0))
        half_w, half_h = text_width_pt(self.text, size) / 2, size * 0.6
        gap = self.symbol_pt / 2 + 2.0
        own = [(half_w + gap, 0.0), (-half_w - gap, 0.0), (0.0, half_h + gap), (0.0, -half_h - gap)]
        return [*own, *ring_offsets((gap + 8.0, gap + 18.0, gap + 30.0), (half_w, half_h))]


#: Directions a label moves out along (unit vectors), first right-up as a map reader looks.
_DIRECTIONS = [(math.cos(a), math.sin(a)) for a in np.radians([45, 0, 90, 315, 135, 270, 180, 225])]


def ring_offsets(
    radii_pt: Sequence[float], half_size_pt: tuple[float, float] = (0.0, 0.0)
) -> list[tuple[float, float]]:
    """Offsets (points) on rings around a point: per radius, eight directions.

    ``half_size_pt`` (half the label's width and height) is added along each
    direction, so that a wide label moved sideways clears its point.
    """
    hw, hh = half_size_pt
    return [(dx * (hw + r), dy * (hh + r)) for r in radii_pt for dx, dy in _DIRECTIONS]


def _overlap_px2(box: Bbox, others: Iterable[Bbox]) -> float:
    total = 0.0
    for other in others:
        w = min(box.x1, other.x1) - max(box.x0, other.x0)
        h = min(box.y1, other.y1) - max(box.y0, other.y0)
        if w > 0 and h > 0:
            total += w * h
    return total


def _outside_px2(box: Bbox, frame: Bbox) -> float:
    w = min(box.x1, frame.x1) - max(box.x0, frame.x0)
    h = min(box.y1, frame.y1) - max(box.y0, frame.y0)
    inside = float(max(w, 0.0) * max(h, 0.0))
    return float(box.width * box.height) - inside


def label_box(ann: Annotation, renderer: RendererBase) -> Bbox:
    """Return the box a label covers (pixels): its text and the box around it, not its leader.

    (``Annotation.get_window_extent`` would add the leader line.)
    """
    ann.update_positions(renderer)
    box = Text.get_window_extent(ann, renderer)
    patch = ann.get_bbox_patch()
    if patch is None:
        return box
    ann.update_bbox_position_size(renderer)
    return Bbox.union([box, patch.get_window_extent(renderer)])


def _text_box(ann: Annotation, renderer: RendererBase, margin_px: float) -> Bbox:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # as in _width: measuring, not drawing
        return label_box(ann, renderer).padded(margin_px)


def declutter(
    ax: Axes, labels: Sequence[MapLabel], obstacles_px: Sequence[Bbox] = ()
) -> list[Annotation]:
    """Place ``labels`` on ``ax`` in order so that none covers another or an obstacle.

    Each label takes the first of its offsets at which its box (text and
    surrounding box, plus a 1 pt margin) overlaps nothing placed before, the
    obstacles (point symbols, in pixels) and stays inside the axes; failing
    that, the offset with the least overlap. A label moved off its point is
    led back to it by a thin line. Labels whose point lies outside the axes are
    not drawn. Returns the annotations, in order.
    """
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    renderer = measuring_renderer(fig)
    ax.apply_aspect()
    frame = ax.get_window_extent(renderer)
    margin = fig.dpi / 72
    placed: list[Bbox] = list(obstacles_px)
    drawn = []
    for label in labels:
        anchor = ax.transData.transform(label.xy)
        if not frame.contains(*anchor):
            continue
        ann, box = _best_place(ax, label, renderer, placed, frame, margin)
        placed.append(box)
        drawn.append(ann)
    return drawn


def _annotate(ax: Axes, label: MapLabel, offset: tuple[float, float], lead: bool) -> Annotation:
    arrow = None
    if lead:
        arrow = {
            "arrowstyle": "-",
            "color": label.leader_colour,
            "lw": 0.6,
            "shrinkA": 0,
            "shrinkB": 0,
        }
    ann = ax.annotate(
        label.text,
        label.xy,
        xytext=offset,
        textcoords="offset points",
        ha="center",
        va="center",
        arrowprops=arrow,
        **label.style,
    )
    ann.set_gid(label.gid)
    return ann


def _best_place(
    ax: Axes,
    label: MapLabel,
    renderer: RendererBase,
    placed: list[Bbox],
    frame: Bbox,
    margin: float,
) -> tuple[Annotation, Bbox]:
    best: tuple[float, int] | None = None
    offsets = label.offsets()
    for k, offset in enumerate(offsets):
        ann = _annotate(ax, label, offset, lead=False)
        box = _text_box(ann, renderer, margin)
        ann.remove()
        cost = _overlap_px2(box, placed) + 10 * _outside_px2(box, frame)
        if best is None or cost < best[0]:
            best = (cost, k)
        if cost == 0:
            break
    assert best is not None
    offset = offsets[best[1]]
    ann = _annotate(ax, label, offset, lead=best[1] >= label.own_places)
    return ann, _text_box(ann, renderer, margin)
