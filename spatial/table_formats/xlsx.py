"""Excel workbooks (``.xlsx``, openpyxl): one sheet per table, units in the headers.

Every column whose name carries a unit (``area_km2``, ``diff_pct``, ``dist_m``)
gets it spelled out in its header (``area_km2 (km²)``); numbers are written as
numbers (not text), with a display format of the precision the terminal table
shows, and missing figures as empty cells. Text is always written as text, never
as a formula. A workbook is a file: it cannot go to the terminal.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

from spatial.errors import UsageError
from spatial.table_formats import TableFormat, TableWrite

if TYPE_CHECKING:
    import pandas as pd
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["FORMAT", "UNIT_SUFFIXES", "unit_header", "xlsx_bytes"]

#: Column-name suffixes and the unit each means, longest first.
UNIT_SUFFIXES: tuple[tuple[str, str, str], ...] = (
    ("_km2", "km²", "0.0000"),
    ("_m2", "m²", "#,##0.0"),
    ("_ha", "ha", "0.00"),
    ("_mu", "亩", "0.0"),
    ("_pct", "%", "0.00"),
    ("_km", "km", "0.000"),
    ("_m", "m", "0.0"),
)


def _unit(column: str) -> tuple[str, str] | None:
    for suffix, unit, number_format in UNIT_SUFFIXES:
        if column.endswith(suffix):
            return unit, number_format
    return None


def unit_header(column: str) -> str:
    """Return the column's header with its unit spelled out.

    Examples
    --------
    >>> unit_header("measured_km2"), unit_header("diff_pct"), unit_header("status")
    ('measured_km2 (km²)', 'diff_pct (%)', 'status')
    """
    unit = _unit(column)
    return column if unit is None else f"{column} ({unit[0]})"


def _value(value: object) -> object:
    import numpy as np  # noqa: PLC0415
    import pandas as pd  # noqa: PLC0415

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.generic):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    if isinstance(value, bool | int | float | str):
        return value
    # pd.isna takes any scalar (NaT, NA, Timestamp...); pandas-stubs has no overload for object.
    return None if pd.isna(value) else str(value)  # type: ignore[call-overload]


def _sheet(sheet: Worksheet, frame: pd.DataFrame) -> None:
    from openpyxl.styles import Font  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # noqa: PLC0415

    columns = [str(c) for c in frame.columns]
    sheet.append([unit_header(c) for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.data_type = "s"  # a planner's field as a header (``=...``) is never a formula
    formats = [(_unit(c) or (None, None))[1] for c in columns]
    for row in frame.itertuples(index=False):
        sheet.append([_value(v) for v in row])
        for cell, number_format in zip(sheet[sheet.max_row], formats, strict=True):
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text: "=..." is never a formula
            elif number_format is not None and isinstance(cell.value, int | float):
                cell.number_format = number_format
    sheet.freeze_panes = "A2"
    for i, column in enumerate(columns, start=1):
        width = max([len(unit_header(column)), *(len(str(v)) for v in frame.iloc[:, i - 1])])
        sheet.column_dimensions[get_column_letter(i)].width = min(60, width + 2)


def xlsx_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """Return an Excel workbook (.xlsx) with one sheet per table, in order.

    Examples
    --------
    >>> import openpyxl, pandas as pd
    >>> data = xlsx_bytes({"areas": pd.DataFrame({"id": ["a"], "area_km2": [1.5]})})
    >>> sheet = openpyxl.load_workbook(io.BytesIO(data))["areas"]
    >>> [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    (['id', 'area_km2 (km²)'], ['a', 1.5])
    """
    from openpyxl import Workbook  # noqa: PLC0415 - only for --format xlsx

    book = Workbook()
    first = book.active  # a new workbook opens with one empty sheet
    if first is not None:
        book.remove(first)
    for name, frame in sheets.items():
        _sheet(book.create_sheet(title=name[:31]), frame)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write(request: TableWrite) -> None:
    from spatial.io.atomic import write_bytes_atomic  # noqa: PLC0415

    if request.out is None:
        raise UsageError("--format xlsx writes a workbook: give --out FILE.xlsx")
    write_bytes_atomic(request.out, xlsx_bytes(request.sheets))


FORMAT = TableFormat("xlsx", (".xlsx",), _write, kind="workbook", order=40)
