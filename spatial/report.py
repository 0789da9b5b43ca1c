"""Rendering result tables: terminal text, CSV, JSON, Markdown and every other table format.

Each format is one module of :mod:`spatial.table_formats` (the registry); this
module is their users' one door: :func:`format_frame` renders a table in any
registered text format, :func:`emit` prints text or writes it atomically, and
the formats' own renderers are named here as the commands use them (a result
is written through its format's writer by :func:`spatial.export.tables.write_tables`).

Terminal tables and Markdown round figures for reading (areas to 4 decimals of
km², i.e. 100 m²; percentages to 2 decimals; distances to 0.1 m); CSV and JSON
keep full precision. Missing figures print as ``-`` (text) or ``null`` (JSON).
Files are written through :mod:`spatial.io.atomic`, never half-written.

Cells come from the planner's files and may be hostile. CSV and Markdown
cells whose text a spreadsheet would run as a formula get a leading ``'``
(:func:`spreadsheet_safe`, OWASP's CSV-injection advice); numbers stay numbers
and JSON keeps the text exact. Terminal tables and Markdown show control
characters as escapes (:func:`~spatial.errors.printable`), and Markdown cells
cannot open HTML tags or break out of their column.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"id": ["zone-kcxz"], "area_km2": [15.000281], "status": ["PASS"]})
>>> print(format_table(frame))
id         area_km2  status
---------  --------  ------
zone-kcxz   15.0003  PASS
>>> print(format_markdown(frame))
| id | area_km2 | status |
|---|---:|---|
| zone-kcxz | 15.0003 | PASS |
"""

from __future__ import annotations

import os
import sys

import pandas as pd

from spatial.table_formats import table_format
from spatial.table_formats._cells import FORMULA_STARTS, records, spreadsheet_safe
from spatial.table_formats.csv import format_csv
from spatial.table_formats.json import format_json
from spatial.table_formats.md import format_markdown
from spatial.table_formats.txt import format_table

__all__ = [
    "FORMULA_STARTS",
    "emit",
    "format_csv",
    "format_frame",
    "format_json",
    "format_markdown",
    "format_table",
    "records",
    "spreadsheet_safe",
]


def format_frame(frame: pd.DataFrame, fmt: str) -> str:
    r"""Render one table in ``fmt``, any text format of :mod:`spatial.table_formats`.

    Raises
    ------
    ValueError
        ``fmt`` names no format, or a binary one (``xlsx``: see
        :func:`spatial.export.tables.write_tables`).

    Examples
    --------
    >>> format_frame(pd.DataFrame({"id": ["a"], "n": [1.5]}), "tsv")
    'id\tn\r\na\t1.5\r\n'
    """
    render = table_format(fmt).render
    if render is None:
        raise ValueError(f"format {fmt!r} is not text; write it with write_tables")
    return render(frame)


def emit(text: str, out: str | os.PathLike[str] | None) -> None:
    """Print ``text`` to standard output, or write it atomically to ``out`` (UTF-8)."""
    from spatial.io.atomic import write_text_atomic  # noqa: PLC0415

    if out is None:
        sys.stdout.write(text)
    else:
        write_text_atomic(out, text)
