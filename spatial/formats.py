"""The output formats of every command, and the one a file's suffix names.

The table formats are the registry's (:mod:`spatial.table_formats`, one module
each); the layer formats (``.gpkg``, ``.gdb``, ``.fgb``, PostGIS) are named by
:func:`spatial.export.layer_formats.format_for` before this is asked. Kept apart
from :mod:`spatial.report` (which formats tables with pandas) so that a
command's parser and its call checks load no pandas.
"""

from __future__ import annotations

import os

from spatial.errors import UsageError
from spatial.table_formats import table_formats

__all__ = ["FORMATS", "SUFFIX_FORMATS", "format_from_suffix"]

#: The output formats every command offers as text (on the terminal or in a file);
#: ``xlsx`` (a file only) is offered beside them.
FORMATS: tuple[str, ...] = tuple(fmt.name for fmt in table_formats() if fmt.render is not None)

#: The format each output file suffix names (``.txt``, the terminal table, aside).
SUFFIX_FORMATS: dict[str, str] = {
    **{s: fmt.name for fmt in table_formats() for s in fmt.suffixes if s != ".txt"},
    ".geojson": "geojson",  # the overlay's difference as a lon/lat layer (RFC 7946)
}


def format_from_suffix(fmt: str | None, out: str | os.PathLike[str] | None) -> str:
    """Return the output format: ``fmt`` when given, else the one the ``out`` suffix names.

    Suffixes: those of :data:`SUFFIX_FORMATS` (``.csv``, ``.json``,
    ``.md``/``.markdown``, ``.tsv``, ``.xlsx``, ``.geojson``); ``.txt`` or no
    file means the terminal table. A suffix that names no format, or another
    format than ``fmt``, is refused rather than written under a misleading name.

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
