r"""Tab-separated values (``.tsv``, IANA ``text/tab-separated-values``): one table of rows.

The example of a table format added as one module: this file is all it took
for every command that writes a table (``spatial overlay ... --out pairs.tsv``,
``balance``, ``qc``, ``check``, ``diff``) to write TSV, and for ``--format tsv``
to be offered.

Fields are separated by a tab and rows end in CRLF, as the CSV's; TSV has no
quoting, so a tab, line break or backslash inside a cell is written as ``\t``,
``\n``, ``\r`` or ``\\`` (the convention of PostgreSQL's ``COPY`` text format),
and every row has exactly as many fields as the heading. Numbers keep full
precision (shortest round-trip digits), missing values are empty, text a
spreadsheet would run as a formula gets a leading ``'``, and the file starts
with the UTF-8 byte-order mark unless ``--no-bom``, as the CSV does.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from spatial.table_formats import TableFormat, TableWrite, write_text
from spatial.table_formats._cells import is_numeric, spreadsheet_safe

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FORMAT", "format_tsv"]

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value: Any) -> str:
    return str(spreadsheet_safe(value)).translate(_ESCAPES)


def _number(value: Any) -> str:
    import numpy as np  # noqa: PLC0415

    if isinstance(value, float | np.floating):
        return "" if math.isnan(value) else repr(float(value))
    return str(value.item() if isinstance(value, np.generic) else value)


def _column(frame: pd.DataFrame, position: int) -> list[str]:
    import pandas as pd  # noqa: PLC0415

    series = frame.iloc[:, position]
    values = series.to_numpy(dtype=object)
    missing = series.isna().to_numpy()
    if is_numeric(frame, frame.columns[position]):
        return ["" if gone else _number(v) for v, gone in zip(values, missing, strict=True)]
    if pd.api.types.is_bool_dtype(series):
        return [str(bool(v)) for v in values]
    return ["" if gone else _text(v) for v, gone in zip(values, missing, strict=True)]


def format_tsv(frame: pd.DataFrame) -> str:
    r"""Render ``frame`` as tab-separated values (UTF-8 text, CRLF rows, no quoting).

    Examples
    --------
    >>> import pandas as pd
    >>> format_tsv(pd.DataFrame({"id": ["=1+1", "a\tb", None], "area_km2": [0.1, -2.5, None]}))
    "id\tarea_km2\r\n'=1+1\t0.1\r\na\\tb\t-2.5\r\n\t\r\n"
    """
    heading = "\t".join(_text(str(c)) for c in frame.columns)
    columns = [_column(frame, i) for i in range(frame.shape[1])]
    rows = ["\t".join(row) for row in zip(*columns, strict=True)] if columns else []
    return "".join(line + "\r\n" for line in [heading, *rows])


def _write(request: TableWrite) -> None:
    write_text(FORMAT, request)


FORMAT = TableFormat("tsv", (".tsv",), _write, format_tsv, kind="rows", bom=True, order=35)
