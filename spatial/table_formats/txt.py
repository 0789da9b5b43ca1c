"""The terminal table (``--format table``, ``.txt`` or no file): aligned plain text.

Numbers right-aligned and rounded for reading (areas to 4 decimals of km²,
percentages to 2, distances to 0.1 m), missing figures ``-``, CJK characters
two columns wide, control characters shown as escapes.

A table of one row per feature (overlay rows, diff features, qc findings),
longer than a screen and printed on a terminal, shows its head
(:data:`HEAD_ROWS` rows, :class:`FeatureHead` says which lead) and one line
saying how many rows follow, what they count (by status, by zone), the totals
of its measured area columns over every row, and how to get them all
(:func:`format_table`'s ``max_rows``; the command line sets it for the
terminal with :func:`screen_rows` for per-feature tables only). A summary
(a balance, targets, rules, a class matrix) always prints whole. Piped or
written to a file, every row in order. A table with no rows prints
:data:`~spatial.table_formats._cells.NO_ROWS` (``无 none``), not bare headers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from spatial.errors import printable
from spatial.table_formats import TableFormat, TableWrite, write_text
from spatial.table_formats._cells import cell, display_width, is_numeric, no_rows, pad

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "AREA_SUFFIXES",
    "FORMAT",
    "HEAD_ROWS",
    "IN_ORDER",
    "FeatureHead",
    "format_summary",
    "format_table",
    "screen_rows",
]

#: The rows a table longer than a screen shows on the terminal.
HEAD_ROWS = 20
#: The most values counted on the line under a cut table; more go in lines of their own.
INLINE_COUNTS = 8
#: The most lines of counts under a cut table; the values left out are summed in one more.
COUNT_LINES = 6
#: Column suffixes of measured areas (m², km², ha, 亩): totalled under a cut table.
AREA_SUFFIXES: tuple[str, ...] = ("_m2", "_km2", "_ha", "_mu")


@dataclass(frozen=True)
class FeatureHead:
    """How a per-feature table is cut on a terminal: the rows that lead, what is counted.

    Attributes
    ----------
    lead : callable, optional
        ``frame -> frame``: the rows the head is taken from, in the order shown
        (a diff's changed features first, unchanged ones left out). None: the
        table's own order.
    counts : str, optional
        What is counted over every row in the line under the head, as said
        there: a column's name (``status: added 3, unchanged 199,990``) or,
        with ``key``, a label (``points per zone: Z1 12, outside any zone 3``).
    key : callable, optional
        ``frame -> Series``: the value counted for each row (default: the
        column ``counts``; a missing value is ``-``).
    order : tuple of str
        The values said first, in this order (a diff's statuses); the others
        follow, most first, or in their own order (``by_value``: zone ids).
    last : tuple of str
        The values said last, in this order (the points outside every zone).
    by_value : bool
        The values not in ``order`` or ``last`` in sorted order, not most first.
    """

    lead: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    counts: str | None = None
    key: Callable[[pd.DataFrame], pd.Series] | None = None
    order: tuple[str, ...] = ()
    last: tuple[str, ...] = ()
    by_value: bool = False


#: A per-feature table in the table's own order, with its area totals.
IN_ORDER = FeatureHead()

#: The most rows a terminal table shows whole and how it is cut, inside :func:`screen_rows`.
_SCREEN: ContextVar[tuple[int | None, FeatureHead]] = ContextVar(
    "screen_rows", default=(None, IN_ORDER)
)


@contextmanager
def screen_rows(rows: int | None, head: FeatureHead = IN_ORDER) -> Iterator[None]:
    """Within the block, a terminal table of more than ``rows`` rows shows its head and totals.

    Set by the command line while it renders a per-feature table for a
    terminal (:func:`spatial.cli._outputs.emit_frames`), cut as ``head`` says;
    None (the default) shows every row.
    """
    token = _SCREEN.set((rows, head))
    try:
        yield
    finally:
        _SCREEN.reset(token)


def format_summary(frame: pd.DataFrame) -> str:
    """Render a summary table (totals, a class matrix, targets): every row, wherever printed.

    Beside a per-feature table in one report (a diff's matrix under its
    features), it is never cut on a terminal; no rows print ``无 none``.
    """
    return no_rows(frame) or _aligned(frame)


def format_table(frame: pd.DataFrame, max_rows: int | None = None) -> str:
    """Render ``frame`` as an aligned plain-text table (numbers right-aligned, text printable).

    Parameters
    ----------
    frame : DataFrame
        The table.
    max_rows : int, optional
        A table of more rows shows its first :data:`HEAD_ROWS` (at most
        ``max_rows``; those the :class:`FeatureHead` of :func:`screen_rows`
        leads with) and a line: the rows left out, the head's counts, the
        totals of its area columns (``*_m2``, ``*_km2``, ``*_ha``, ``*_mu``)
        over every row, and how to get every row. By default the one
        :func:`screen_rows` sets, or every row. A table with no rows is
        ``无 none``.

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
    screen, head = _SCREEN.get()
    limit = screen if max_rows is None else max_rows
    empty = no_rows(frame)
    if empty is not None:
        return empty
    if limit is None or len(frame) <= limit:
        return _aligned(frame)
    lead = frame if head.lead is None else head.lead(frame)
    shown = lead.head(max(1, min(HEAD_ROWS, limit)))
    if not len(shown):  # nothing leads (a diff with no change): the header and the counts
        return _aligned(frame.head(0)) + "\n" + _cut_line(frame, 0, head)
    return _aligned(shown) + "\n" + _cut_line(frame, len(shown), head)


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


def _tally(frame: pd.DataFrame, head: FeatureHead) -> list[tuple[str, int]]:
    """Return the rows by ``head``'s key, every row, in the order said (empty: nothing counted)."""
    if head.counts is None:
        return []
    if head.key is not None:
        values = head.key(frame)
    elif head.counts in frame.columns:
        values = frame[head.counts]
    else:
        return []
    tally = values.astype(object).where(values.notna(), "-").map(str).value_counts()  # most first
    if head.by_value:
        tally = tally.sort_index(kind="stable")
    first = [v for v in head.order if v in tally.index]
    last = [v for v in head.last if v in tally.index and v not in first]
    rest = [v for v in tally.index if v not in first and v not in last]
    return [(str(v), int(tally[v])) for v in [*first, *rest, *last]]


def _said(tally: list[tuple[str, int]]) -> list[str]:
    return [f"{printable(v)} {n:,}" for v, n in tally]


def _count_lines(
    label: str, tally: list[tuple[str, int]], last: tuple[str, ...], width: int | None = None
) -> list[str]:
    """Return the counts of many values as lines of their own, each within ``width`` columns.

    ``width`` defaults to the terminal's. At most :data:`COUNT_LINES` lines of
    values; the values left out are counted in one line, and those said last
    (the points outside every zone) end the list.

    Examples
    --------
    >>> tally = [(f"Z{i:03d}", 10) for i in range(40)] + [("outside any zone", 7)]
    >>> for line in _count_lines("points per zone", tally, ("outside any zone",), width=40):
    ...     print(line)
    points per zone (41 values):
      Z000 10, Z001 10, Z002 10, Z003 10,
      Z004 10, Z005 10, Z006 10, Z007 10,
      Z008 10, Z009 10, Z010 10, Z011 10,
      Z012 10, Z013 10, Z014 10, Z015 10,
      Z016 10, Z017 10, Z018 10, Z019 10,
      Z020 10, Z021 10, Z022 10, Z023 10,
      … 16 more: 160 rows,
      outside any zone 7
    """
    if width is None:
        import shutil  # noqa: PLC0415

        width = max(shutil.get_terminal_size(fallback=(100, 24)).columns, 40)
    tail = _said([(v, n) for v, n in tally if v in last])
    rest = [(v, n) for v, n in tally if v not in last]
    items = _said(rest)
    lines: list[str] = []
    while items and len(lines) < COUNT_LINES:
        line = "  " + items.pop(0)
        while items and display_width(f"{line}, {items[0]},") <= width:
            line += ", " + items.pop(0)
        lines.append(line + ("," if items or tail else ""))
    if items:
        left = rest[len(rest) - len(items) :]
        more = f"  … {len(left):,} more: {sum(n for _, n in left):,} rows"
        lines.append(more + ("," if tail else ""))
    if tail:
        lines.append("  " + ", ".join(tail))
    return [f"{printable(label)} ({len(tally):,} values):", *lines]


def _cut_line(frame: pd.DataFrame, shown: int, head: FeatureHead = IN_ORDER) -> str:
    """Return the line under a cut table: rows left out, counts, area totals, every row.

    A few counts (:data:`INLINE_COUNTS` values at most: a diff's statuses) are
    said on the line; more (the points of many zones) in lines of their own
    under it (:func:`_count_lines`).
    """
    totals = [
        f"{printable(column)} {cell(float(frame[column].sum()), str(column))}"
        for column in frame.columns
        if str(column).endswith(AREA_SUFFIXES) and is_numeric(frame, column)
    ]
    said = f"; totals of all rows: {', '.join(totals)}" if totals else ""
    tally = _tally(frame, head)
    label = str(head.counts)
    inline = f"; {printable(label)}: {', '.join(_said(tally))}" if tally else ""
    below = [] if len(tally) <= INLINE_COUNTS else _count_lines(label, tally, head.last)
    line = (
        f"… {len(frame) - shown:,} more rows ({len(frame):,} in all){'' if below else inline}"
        f"{said}; "
        "every row: --out FILE.csv or --format csv"
    )
    return "\n".join([line, *below])


def _render(frame: pd.DataFrame) -> str:
    return format_table(frame) + "\n"


def _write(request: TableWrite) -> None:
    write_text(FORMAT, request)


FORMAT = TableFormat("table", (".txt",), _write, _render, kind="document", order=0)
