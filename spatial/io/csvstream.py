"""CSV and JSON of a large result table, streamed (CSV written by pyarrow).

``pandas.DataFrame.to_csv`` formats floats in Python (about 1 µs each: 5 s for
a million-row tabulation); pyarrow's writer formats them in C++ (shortest
round-trip digits, as pandas) and streams to the file. Strings are quoted;
numbers keep full precision; booleans are written ``True``/``False`` and a text
cell starting with ``= + - @``, tab or CR that a spreadsheet would run as a
formula gets a leading ``'``, both in arrow, as :func:`spatial.report.format_csv`
writes them. A table of other cells (mixed objects) is left to ``format_csv``:
the caller falls back to it.
"""

from __future__ import annotations

import io
import json
import math
import os
import sys
from collections.abc import Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from spatial.io.atomic import atomic_path

__all__ = ["csv_text", "write_csv_streamed", "write_json_streamed"]

_FORMULA_START = r"^[=+\-@\t\r]"


def _defused(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Text cells a spreadsheet would run as a formula with a leading ``'``, as format_csv does."""
    formula = pc.match_substring_regex(column, _FORMULA_START)
    if not pc.any(formula).as_py():
        return column
    quote, empty = pa.scalar("'", column.type), pa.scalar("", column.type)
    return pc.if_else(formula, pc.binary_join_element_wise(quote, column, empty), column)


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Booleans as pandas writes them: ``True``, ``False``, empty when missing."""
    return pc.if_else(column, "True", "False")


def _arrow_table(frame: pd.DataFrame) -> pa.Table | None:
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    columns = []
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            columns.append(_defused(column))
        elif pa.types.is_boolean(column.type):
            columns.append(_as_text(column))
        elif pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
            columns.append(column)
        else:
            return None
    names = [("'" + n) if n.startswith(tuple("=+-@\t\r")) else n for n in table.column_names]
    return pa.table(columns, names=names)


_BOM = "\ufeff".encode()


def write_csv_streamed(
    frame: pd.DataFrame, out: str | os.PathLike[str] | None, *, bom: bool = True
) -> bool:
    """Write ``frame`` as CSV to ``out`` (atomically) or standard output; False if it cannot.

    Returns False, writing nothing, when the table holds cells this writer
    would render differently from :func:`spatial.report.format_csv`.
    """
    table = _arrow_table(frame)
    if table is None:
        return False
    # CRLF rows, as spatial.report.format_csv writes them (RFC 4180)
    options = pacsv.WriteOptions(quoting_style="needed", batch_size=65_536, eol="\r\n")
    if out is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(_BOM if bom else b"")
        pacsv.write_csv(table, sys.stdout.buffer, options)
        sys.stdout.buffer.flush()
        return True
    with atomic_path(out) as tmp, open(tmp, "wb") as sink:
        sink.write(_BOM if bom else b"")
        pacsv.write_csv(table, sink, options)
    return True


def csv_text(frame: pd.DataFrame) -> str | None:
    """Return ``frame`` as CSV text written by arrow (CRLF rows, no BOM); None if it cannot.

    The values :func:`spatial.report.format_csv` writes (strings quoted, floats in
    their shortest round-trip digits), made in C++: for the large tables a command
    renders as text before writing.
    """
    table = _arrow_table(frame)
    if table is None:
        return None
    sink = io.BytesIO()
    options = pacsv.WriteOptions(quoting_style="needed", batch_size=65_536, eol="\r\n")
    pacsv.write_csv(table, sink, options)
    return sink.getvalue().decode("utf-8")


def _json_cells(series: pd.Series) -> list[str] | None:
    """Each cell of a column as JSON text, as :func:`json.dumps` writes it; None if not plain."""
    values = series.to_numpy()
    if pd.api.types.is_bool_dtype(series):
        return None
    if pd.api.types.is_integer_dtype(series):
        return [str(int(v)) for v in values]
    if pd.api.types.is_float_dtype(series):
        return ["null" if not math.isfinite(v) else repr(float(v)) for v in values]
    if all(isinstance(v, str) for v in values):
        return [json.dumps(v, ensure_ascii=False) for v in values]
    return None


def write_json_streamed(frame: pd.DataFrame, out: str | os.PathLike[str] | None) -> bool:
    """Write ``frame`` as :func:`spatial.report.format_json` does, streamed; False if it cannot.

    The same text (an indented list of records; NaN as null), built column by
    column and written in blocks of rows, for tables of strings and numbers only.
    """
    cells = [_json_cells(frame[c]) for c in frame.columns]
    if any(c is None for c in cells) or not all(isinstance(c, str) for c in frame.columns):
        return False
    keys = [f"    {json.dumps(c, ensure_ascii=False)}: " for c in frame.columns]

    def blocks() -> Iterator[str]:
        if len(frame) == 0:
            yield "[]\n"
            return
        yield "[\n"
        rows = list(zip(*cells, strict=True))
        for lo in range(0, len(rows), 10_000):
            yield ",\n".join(
                "  {\n" + ",\n".join(k + v for k, v in zip(keys, row, strict=True)) + "\n  }"
                for row in rows[lo : lo + 10_000]
            ) + (",\n" if lo + 10_000 < len(rows) else "\n")
        yield "]\n"

    if out is None:
        for block in blocks():
            sys.stdout.write(block)
        return True
    with atomic_path(out) as tmp, open(tmp, "w", encoding="utf-8") as sink:
        for block in blocks():
            sink.write(block)
    return True
