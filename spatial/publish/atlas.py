"""The review's A3 atlas: an overview sheet, then one page per zone with that zone's tables.

A minimal stand-in for the atlas of issue 21 (the framed zone sheets with their
own legend, scale and north arrow come with :mod:`spatial.publish.atlas`'s full
version): page 1 is the A3 map sheet of the checked plan
(:func:`spatial.publish.sheet.draw_sheet`), each further page names one zone and
sets its tables as text. Every page is built in the embedded Noto Sans SC
subset (:func:`spatial.publish.fonts.in_noto`), so Chinese is drawn on a
machine without CJK fonts, and written atomically.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from functools import partial

import matplotlib
import pandas as pd
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from spatial.checked.snapshot import PlanSnapshot
from spatial.io.atomic import atomic_path
from spatial.publish.fonts import in_noto
from spatial.publish.sheet import A3_LANDSCAPE_MM, MM_PER_INCH, draw_sheet
from spatial.report import format_table

__all__ = ["write_atlas"]

#: Lines of table text one zone page holds before the rest is cut (and the cut said).
_MAX_LINES = 70
_TEXT_PT = 6.5


def _table_lines(title: str, table: pd.DataFrame) -> list[str]:
    body = format_table(table).splitlines() if len(table) else ["(无 none)"]
    return [title, *body, ""]


def _zone_lines(tables: Sequence[tuple[str, pd.DataFrame]]) -> list[str]:
    lines = [line for title, table in tables for line in _table_lines(title, table)]
    if len(lines) > _MAX_LINES:
        cut = len(lines) - _MAX_LINES
        lines = [*lines[:_MAX_LINES], f"... {cut} more lines in tables.xlsx"]
    return lines


def _zone_page(
    snapshot: PlanSnapshot, zone_id: str, tables: Sequence[tuple[str, pd.DataFrame]]
) -> Figure:
    """Return one A3 landscape page: the zone named, then its tables set as text."""
    w_mm, h_mm = A3_LANDSCAPE_MM
    fig = Figure(figsize=(w_mm / MM_PER_INCH, h_mm / MM_PER_INCH))
    FigureCanvasBase(fig)
    fig.text(0.03, 0.96, f"分区 Zone {zone_id}", fontsize=18, va="top")
    fig.text(0.03, 0.92, snapshot.title_zh, fontsize=10, va="top", color="#444444")
    line_h = _TEXT_PT * 1.5 / 72 / fig.get_figheight()
    y = 0.88
    for line in _zone_lines(tables):
        fig.text(0.03, y, line, fontsize=_TEXT_PT, va="top")
        y -= line_h
    return fig


def write_atlas(
    path: str | os.PathLike[str],
    snapshot: PlanSnapshot,
    zone_tables: Mapping[str, Sequence[tuple[str, pd.DataFrame]]],
    *,
    style_field: str | None = None,
) -> int:
    """Write the atlas PDF (A3 landscape, fonts embedded) atomically; return its page count.

    Parameters
    ----------
    path : path-like
        The PDF to write.
    snapshot : PlanSnapshot
        The checked plan: page 1 is its map sheet.
    zone_tables : mapping of str to sequence of (str, DataFrame)
        By zone id, in page order: each zone's tables with their titles (units in
        the column names: ``area_m2``, ``area_ha``...).
    style_field : str, optional
        Colour the planner's extra layers on the overview by this field.

    Returns
    -------
    int
        ``1 + len(zone_tables)``.
    """
    pages = 0
    with (
        matplotlib.rc_context({"pdf.fonttype": 42}),
        atomic_path(path) as tmp,
        PdfPages(tmp, metadata={"Title": snapshot.title_zh, "Creator": "spatial review"}) as pdf,
    ):
        with in_noto(lambda: draw_sheet(snapshot, style_field)) as fig:
            pdf.savefig(fig)
        pages += 1
        for zone_id, tables in zone_tables.items():
            with in_noto(partial(_zone_page, snapshot, zone_id, tables)) as fig:
                pdf.savefig(fig)
            pages += 1
    return pages
