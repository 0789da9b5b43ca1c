"""Writing result tables: in whichever format ``--format`` or the file's suffix names.

Each table format is one module of :mod:`spatial.table_formats` (terminal table,
CSV, JSON, Markdown, TSV, Excel workbooks...); this finds the format and hands
the result to its writer, which prints it or writes the file atomically. Layers
(GIS files, databases) go through :func:`spatial.export.layers.write_layers`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

import pandas as pd

from spatial.formats import format_from_suffix
from spatial.table_formats import TableWrite, table_format

__all__ = ["write_tables"]


def write_tables(
    sheets: Mapping[str, pd.DataFrame],
    out: str | os.PathLike[str] | None,
    fmt: str | None = None,
    *,
    text: Callable[[str], str] | None = None,
    bom: bool = True,
) -> str:
    r"""Print or atomically write a result's tables; return the format written.

    Parameters
    ----------
    sheets : mapping of str to DataFrame
        The result's tables by name, in order: a workbook's sheets; a text
        format without ``text`` renders the first.
    out : path or str, optional
        The file; None prints on standard output (a workbook is refused there).
    fmt : str, optional
        ``--format``; by default the one ``out``'s suffix names (the terminal
        table for ``.txt`` or no file).
    text : callable, optional
        ``text(fmt) -> str``: the command's own rendering of a text format
        (a check report's sections, say), used instead of the first table.
    bom : bool
        The UTF-8 byte-order mark, for the formats that start with one (CSV,
        TSV); ``--no-bom`` clears it.

    Raises
    ------
    UsageError
        The suffix names no table format or another than ``fmt``; a workbook
        asked for on the terminal.

    Examples
    --------
    >>> import tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "areas.tsv")
    >>> write_tables({"areas": pd.DataFrame({"id": ["a"], "area_km2": [1.5]})}, path, bom=False)
    'tsv'
    >>> with open(path, encoding="utf-8", newline="") as written:
    ...     written.read()
    'id\tarea_km2\r\na\t1.5\r\n'
    """
    name = format_from_suffix(fmt, out)
    found = table_format(name)
    body = text(name) if text is not None and found.render is not None else None
    found.write(TableWrite(out, dict(sheets), body, bom))
    return name
