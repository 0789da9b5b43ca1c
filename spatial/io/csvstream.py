"""CSV of a large result table, written by pyarrow in one streamed pass.

``pandas.DataFrame.to_csv`` formats floats in Python (about 1 µs each: 5 s for
a million-row tabulation); pyarrow's writer formats them in C++ (shortest
round-trip digits, as pandas) and streams to the file. Strings are quoted;
numbers keep full precision. A table this path cannot write exactly as the
standard formatter would (cells that are not plain strings or numbers, or a
cell starting with ``= + - @`` that a spreadsheet would run as a formula) is
left to :func:`spatial.report.format_csv`: the caller falls back to it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from spatial.io.atomic import atomic_path

__all__ = ["write_csv_batches", "write_csv_streamed"]

_FORMULA_START = r"^[=+\-@\t\r]"


def _arrow_table(frame: pd.DataFrame) -> pa.Table | None:
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            if pc.any(pc.match_substring_regex(column, _FORMULA_START)).as_py():
                return None
        elif not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)):
            return None
    return table


def write_csv_streamed(frame: pd.DataFrame, out: str | os.PathLike[str] | None) -> bool:
    """Write ``frame`` as CSV to ``out`` (atomically) or standard output; False if it cannot.

    Returns False, writing nothing, when the table holds cells this writer
    would render differently from :func:`spatial.report.format_csv`.
    """
    table = _arrow_table(frame)
    if table is None:
        return False
    options = pacsv.WriteOptions(quoting_style="needed", batch_size=65_536)
    if out is None:
        sys.stdout.flush()
        pacsv.write_csv(table, sys.stdout.buffer, options)
        sys.stdout.buffer.flush()
        return True
    with atomic_path(out) as tmp:
        pacsv.write_csv(table, str(tmp), options)
    return True


def write_csv_batches(frames: Iterable[pd.DataFrame], out: str | os.PathLike[str] | None) -> int:
    """Write tables of the same columns one after another as one CSV; return the rows written.

    Each table is written by pyarrow when it can be (see :func:`write_csv_streamed`),
    else by :func:`spatial.report.format_csv`; the header is written once. With
    ``out`` the file appears only when complete (atomically).
    """
    from spatial.report import format_csv  # noqa: PLC0415 - pandas-based fallback

    def write_all(sink: BinaryIO) -> int:
        rows, first = 0, True
        for frame in frames:
            table = _arrow_table(frame)
            if table is not None:
                options = pacsv.WriteOptions(quoting_style="needed", include_header=first)
                pacsv.write_csv(table, sink, options)
            else:
                text = format_csv(frame)
                sink.write((text if first else text.split("\n", 1)[1]).encode("utf-8"))
            rows, first = rows + len(frame), False
        return rows

    if out is None:
        sys.stdout.flush()
        rows = write_all(sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return rows
    with atomic_path(out) as tmp, open(tmp, "wb") as sink:
        return write_all(sink)
