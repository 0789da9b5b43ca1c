"""CSV (``.csv``): one table of rows, full precision, UTF-8 with the byte-order mark.

Text cells and headings a spreadsheet would run as a formula get a leading
``'``; numbers are written as numbers. Rows end in CRLF (RFC 4180). A large
table is streamed by pyarrow (:func:`spatial.io.csvstream.write_csv_streamed`)
when it can be written exactly as :func:`format_csv` would.
"""

from __future__ import annotations

import io
import os
from typing import TYPE_CHECKING

from spatial.table_formats import TableFormat, TableWrite, write_text
from spatial.table_formats._cells import is_numeric, spreadsheet_safe

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ARROW_MIN_ROWS", "FORMAT", "format_csv"]

#: Rows from which a table of strings, numbers and booleans is written by arrow
#: (the same values; strings quoted, floats in shortest digits: ``1`` for ``1.0``).
ARROW_MIN_ROWS = 50_000


def format_csv(frame: pd.DataFrame) -> str:
    r"""Render ``frame`` as CSV (UTF-8 text, full precision, empty cells for missing values).

    Text cells and headings a spreadsheet would run as a formula get a leading
    ``'`` (:func:`~spatial.table_formats._cells.spreadsheet_safe`); numbers are
    written as numbers; from :data:`ARROW_MIN_ROWS` rows arrow writes them
    (:func:`spatial.io.csvstream.csv_text`). Rows end in CRLF (RFC 4180), so a cell holding a lone
    CR or LF is quoted: a spreadsheet cannot split it into a new row whose cell
    is a formula.

    Examples
    --------
    >>> import pandas as pd
    >>> format_csv(pd.DataFrame({"id": ["@SUM(A1)", "x\r=1"], "d": [-2.5, 1]}))
    'id,d\r\n\'@SUM(A1),-2.5\r\n"x\r=1",1.0\r\n'
    """
    import pandas as pd  # noqa: PLC0415

    if len(frame) >= ARROW_MIN_ROWS:
        from spatial.io.csvstream import csv_text  # noqa: PLC0415 - pyarrow

        text = csv_text(frame)
        if text is not None:
            return text
    safe = frame.copy(deep=False)
    safe.columns = [spreadsheet_safe(str(c)) for c in frame.columns]
    for position, column in enumerate(frame.columns):
        if not is_numeric(frame, column) and not pd.api.types.is_bool_dtype(frame[column]):
            safe.isetitem(position, frame[column].map(spreadsheet_safe).to_numpy())
    buffer = io.StringIO()
    safe.to_csv(buffer, index=False, lineterminator="\r\n")
    return buffer.getvalue()


def _stream(frame: pd.DataFrame, out: str | os.PathLike[str] | None, bom: bool) -> bool:
    from spatial.io.csvstream import write_csv_streamed  # noqa: PLC0415 - pyarrow

    return write_csv_streamed(frame, out, bom=bom)


def _write(request: TableWrite) -> None:
    write_text(FORMAT, request)


FORMAT = TableFormat(
    "csv", (".csv",), _write, format_csv, kind="rows", bom=True, stream=_stream, order=10
)
