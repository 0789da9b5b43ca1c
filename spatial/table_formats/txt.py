"""The terminal table (``--format table``, ``.txt`` or no file): aligned plain text.

Numbers right-aligned and rounded for reading (areas to 4 decimals of km²,
percentages to 2, distances to 0.1 m), missing figures ``-``, CJK characters
two columns wide, control characters shown as escapes.

A table longer than a screen, printed on a terminal, shows its head
(:data:`HEAD_ROWS` rows) and one line saying how many rows follow, the totals
of its measured area columns over every row, and how to get them all
(:func:`format_table`'s ``max_rows``; the command line sets it for the
terminal with :func:`screen_rows`). Piped or written to a file, every row.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from spatial.errors import printable
from spatial.table_formats import TableFormat, TableWrite, write_text
from spatial.table_formats._cells import cell, display_width, is_numeric, pad

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["AREA_SUFFIXES", "FORMAT", "HEAD_ROWS", "format_table", "screen_rows"]

#: The rows a table longer than a screen shows on the terminal.
HEAD_ROWS = 20
#: Column suffixes of measured areas (m², km², ha, 亩): totalled under a cut table.
AREA_SUFFIXES: tuple[str, ...] = ("_m2", "_km2", "_ha", "_mu")

#: The most rows a terminal table shows whole, inside :func:`screen_rows`; None: every row.
_SCREEN_ROWS: ContextVar[int | None] = ContextVar("screen_rows", default=None)


@contextmanager
def screen_rows(rows: int | None) -> Iterator[None]:
    """Within the block, a terminal table of more than ``rows`` rows shows its head and totals.

    Set by the command line while it renders a result for a terminal
    (:func:`spatial.cli._outputs.emit_frames`); None (the default) shows every row.
    """
    token = _SCREEN_ROWS.set(rows)
    try:
        yield
    finally:
        _SCREEN_ROWS.reset(token)


def format_table(frame: pd.DataFrame, max_rows: int | None = None) -> str:
    """Render ``frame`` as an aligned plain-text table (numbers right-aligned, text printable).

    Parameters
    ----------
    frame : DataFrame
        The table.
    max_rows : int, optional
        A table of more rows shows its first :data:`HEAD_ROWS` (at most
        ``max_rows``) and a line: the rows left out, the totals of its area
        columns (``*_m2``, ``*_km2``, ``*_ha``, ``*_mu``) over every row, and
        how to get every row. By default the one :func:`screen_rows` sets, or
        every row.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"BSM": ["a", "b", "c"], "area_m2": [1.0, 2.0, 3.5]})
    >>> head, rule, first, cut = format_table(frame, max_rows=1).splitlines()
    >>> first
    'a     1.0000'
    >>> cut.split("; ")[:2]
    ['… 2 more rows (3 in all)', 'totals of all rows: area_m2 6.5000']
    """
    limit = _SCREEN_ROWS.get() if max_rows is None else max_rows
    if limit is None or len(frame) <= limit:
        return _aligned(frame)
    shown = frame.head(max(1, min(HEAD_ROWS, limit)))
    return _aligned(shown) + "\n" + _cut_line(frame, len(shown))


def _aligned(frame: pd.DataFrame) -> str:
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


def _cut_line(frame: pd.DataFrame, shown: int) -> str:
    """Return the line under a cut table: rows left out, area totals, how to get every row."""
    totals = [
        f"{printable(column)} {cell(float(frame[column].sum()), str(column))}"
        for column in frame.columns
        if str(column).endswith(AREA_SUFFIXES) and is_numeric(frame, column)
    ]
    said = f"; totals of all rows: {', '.join(totals)}" if totals else ""
    return (
        f"… {len(frame) - shown:,} more rows ({len(frame):,} in all){said}; "
        "every row: --out FILE.csv or --format csv"
    )


def _render(frame: pd.DataFrame) -> str:
    return format_table(frame) + "\n"


def _write(request: TableWrite) -> None:
    write_text(FORMAT, request)


FORMAT = TableFormat("table", (".txt",), _write, _render, kind="document", order=0)
