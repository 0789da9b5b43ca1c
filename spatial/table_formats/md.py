"""Markdown (``.md``, ``.markdown``): GitHub-flavoured tables, figures rounded for reading.

``|``, ``<`` and ``>`` in cells are backslash-escaped (shown as typed, never a
column break or an HTML tag), control characters are shown as escapes and
formula-like text gets a leading ``'``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from spatial.errors import printable
from spatial.table_formats import TableFormat, TableWrite, write_text
from spatial.table_formats._cells import cell, is_numeric, no_rows, spreadsheet_safe

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FORMAT", "format_markdown"]

_MARKDOWN_ESCAPES = str.maketrans({"|": "\\|", "<": "\\<", ">": "\\>"})


def _markdown_cell(value: Any, column: str) -> str:
    text = cell(value, column)
    if isinstance(value, str):
        text = spreadsheet_safe(text)
    return printable(text).translate(_MARKDOWN_ESCAPES)


def format_markdown(frame: pd.DataFrame) -> str:
    r"""Render ``frame`` as a GitHub-flavoured Markdown table.

    ``|``, ``<`` and ``>`` in cells are backslash-escaped (shown as typed, never
    a column break or an HTML tag), control characters are shown as escapes
    and formula-like text gets a leading ``'``. A table with no rows is ``无 none``.

    Examples
    --------
    >>> import pandas as pd
    >>> print(format_markdown(pd.DataFrame({"id": ["=1+1", "<b>|x"], "n": [-1.0, 2.0]})))
    | id | n |
    |---|---:|
    | '=1+1 | -1.0000 |
    | \<b\>\|x | 2.0000 |
    """
    empty = no_rows(frame)
    if empty is not None:  # headers over nothing read as a table cut off
        return empty
    columns = [str(c) for c in frame.columns]
    align = ["---:" if is_numeric(frame, c) else "---" for c in frame.columns]

    def line(values: list[str]) -> str:
        return "| " + " | ".join(values) + " |"

    rows = [
        line([_markdown_cell(v, c) for v, c in zip(row, columns, strict=True)])
        for row in frame.itertuples(index=False)
    ]
    heading = line([_markdown_cell(c, "") for c in frame.columns])
    return "\n".join([heading, "|" + "|".join(align) + "|", *rows])


def _render(frame: pd.DataFrame) -> str:
    return format_markdown(frame) + "\n"


def _write(request: TableWrite) -> None:
    write_text(FORMAT, request)


FORMAT = TableFormat("markdown", (".md", ".markdown"), _write, _render, kind="document", order=30)
