"""The terminal table (``--format table``, ``.txt`` or no file): aligned plain text.

Numbers right-aligned and rounded for reading (areas to 4 decimals of km²,
percentages to 2, distances to 0.1 m), missing figures ``-``, CJK characters
two columns wide, control characters shown as escapes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spatial.errors import printable
from spatial.table_formats import TableFormat, TableWrite, write_text
from spatial.table_formats._cells import cell, display_width, is_numeric, pad

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FORMAT", "format_table"]


def format_table(frame: pd.DataFrame) -> str:
    """Render ``frame`` as an aligned plain-text table (numbers right-aligned, text printable)."""
    columns = [printable(c) for c in frame.columns]
    cells = [
        [printable(cell(v, c)) for v, c in zip(row, columns, strict=True)]
        for row in frame.itertuples(index=False)
    ]
    widths = [
        max([display_width(c), *(display_width(r[i]) for r in cells)])
        for i, c in enumerate(columns)
    ]
    right = [is_numeric(frame, c) for c in frame.columns]
    lines = [  # headings aligned as their numbers are
        "  ".join(pad(c, w, r) for c, w, r in zip(columns, widths, right, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += [
        "  ".join(pad(v, w, r) for v, w, r in zip(row, widths, right, strict=True)).rstrip()
        for row in cells
    ]
    return "\n".join(lines)


def _render(frame: pd.DataFrame) -> str:
    return format_table(frame) + "\n"


def _write(request: TableWrite) -> None:
    write_text(FORMAT, request)


FORMAT = TableFormat("table", (".txt",), _write, _render, kind="document", order=0)
