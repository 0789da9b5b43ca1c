"""The output formats of every command, and the one a file's suffix names.

Kept apart from :mod:`spatial.report` (which formats tables with pandas) so that
a command's parser and its call checks load no pandas.
"""

from __future__ import annotations

import os

from spatial.errors import UsageError

__all__ = ["FORMATS", "SUFFIX_FORMATS", "format_from_suffix"]

#: The output formats every command offers.
FORMATS: tuple[str, ...] = ("table", "csv", "json", "markdown")

#: The format each output file suffix names.
SUFFIX_FORMATS = {
    ".csv": "csv",
    ".json": "json",
    ".md": "markdown",
    ".markdown": "markdown",
    ".geojson": "geojson",
    ".xlsx": "xlsx",
}


def format_from_suffix(fmt: str | None, out: str | os.PathLike[str] | None) -> str:
    """Return the output format: ``fmt`` when given, else the one the ``out`` suffix names.

    Suffixes: ``.csv``, ``.json``, ``.md``/``.markdown``, ``.geojson``, ``.xlsx``;
    ``.txt`` or no file
    means the terminal table. A suffix that names no format, or another format
    than ``fmt``, is refused rather than written under a misleading name.

    Raises
    ------
    UsageError
        One line naming the file and the formats that fit.

    Examples
    --------
    >>> format_from_suffix(None, "report.md"), format_from_suffix("csv", "report.txt")
    ('markdown', 'csv')
    >>> format_from_suffix(None, None), format_from_suffix(None, "report.txt")
    ('table', 'table')
    >>> format_from_suffix("json", "report.csv")
    Traceback (most recent call last):
    ...
    spatial.errors.UsageError: report.csv: --format json does not match the .csv suffix
    """
    if out is None:
        return fmt or "table"
    suffix = os.path.splitext(os.fspath(out))[1].lower()
    named = SUFFIX_FORMATS.get(suffix)
    if suffix in {"", ".txt"}:
        return fmt or "table"
    if named is None:
        known = ", ".join(sorted(SUFFIX_FORMATS))
        raise UsageError(f"{out}: the suffix {suffix} names no output format; use {known} or .txt")
    if fmt is not None and fmt != named:
        raise UsageError(f"{out}: --format {fmt} does not match the {suffix} suffix")
    return named
