"""The registry of table output formats: a new format is one module in this folder.

Each module here defines ``FORMAT``, a :class:`TableFormat`: its ``--format``
name, the suffixes naming it, how one table renders as text, whether it is
written as a stream for large tables, whether its text starts with the UTF-8
byte-order mark, and its writer, which goes to standard output or through
:mod:`spatial.io.atomic` (never half-written). The registry finds the modules
by itself (:func:`table_formats`): adding ``spatial/table_formats/NAME.py`` is
all a new format takes; :mod:`spatial.formats` (the suffix a file names),
:mod:`spatial.report` (:func:`~spatial.report.format_frame`), the commands'
``--format`` choices and their writing read it from here. Layer formats (GIS
files, databases) are the other registry, :mod:`spatial.export.layer_formats`.

Loading the registry imports no pandas: a format imports what it needs when it
renders or writes.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Literal

from spatial.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "TableFormat",
    "TableKind",
    "TableWrite",
    "table_format",
    "table_formats",
    "write_text",
]

#: What a format holds: ``document`` several headed tables for reading (the
#: terminal table, Markdown), ``rows`` one table of rows (CSV), ``data`` the
#: result as structured data (JSON), ``workbook`` one sheet per table (xlsx).
TableKind = Literal["document", "rows", "data", "workbook"]


@dataclass(frozen=True)
class TableWrite:
    """One call to write a result: what, where, and with the byte-order mark or not.

    Attributes
    ----------
    out : path or str, optional
        The file, written atomically; None prints on standard output.
    sheets : mapping of str to DataFrame
        The result's tables by name, in order (a workbook's sheets; a text
        format without ``text`` renders the first).
    text : str, optional
        The command's own rendering in this format (a check report's
        sections, say), written as it is.
    bom : bool
        Start the text with the UTF-8 byte-order mark when the format does
        (``--no-bom`` clears it).
    """

    out: str | os.PathLike[str] | None
    sheets: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    text: str | None = None
    bom: bool = True


@dataclass(frozen=True)
class TableFormat:
    """One table output format.

    Attributes
    ----------
    name : str
        The ``--format`` value (``csv``) and how messages name it.
    suffixes : tuple of str
        The file suffixes naming it, lower case with the dot (``(".csv",)``).
    write : callable
        ``write(TableWrite) -> None``: prints, or writes the file atomically.
    render : callable, optional
        ``render(frame) -> str``: one table as this format's text; None for a
        binary format (a workbook), which cannot go to the terminal.
    kind : {"document", "rows", "data", "workbook"}
        What it holds (:data:`TableKind`): a command with several tables
        renders them as sections (``document``), as one table of rows
        (``rows``), as one JSON object (``data``) or as sheets (``workbook``).
    bom : bool
        The text starts with the UTF-8 byte-order mark (so Excel and WPS on
        Chinese Windows read the Chinese names) unless ``--no-bom``.
    stream : callable, optional
        ``stream(frame, out, bom) -> bool``: writes a large table as it is
        rendered, without building its text; False when this table cannot be
        (the caller then renders it whole). None: not streamed.
    order : int
        Its place in lists (help texts, ``--format`` choices).
    """

    name: str
    suffixes: tuple[str, ...]
    write: Callable[[TableWrite], None]
    render: Callable[[pd.DataFrame], str] | None = None
    kind: TableKind = "rows"
    bom: bool = False
    stream: Callable[[pd.DataFrame, str | os.PathLike[str] | None, bool], bool] | None = None
    order: int = 100

    @property
    def streams(self) -> bool:
        """Whether a large table is written as a stream."""
        return self.stream is not None


@cache
def table_formats() -> tuple[TableFormat, ...]:
    """Return every registered table format (each module's ``FORMAT``), in their order.

    Examples
    --------
    >>> [fmt.name for fmt in table_formats()]
    ['table', 'csv', 'json', 'markdown', 'tsv', 'xlsx']
    """
    found = []
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("_"):
            continue
        loaded = importlib.import_module(f"{__name__}.{module.name}")
        if isinstance(getattr(loaded, "FORMAT", None), TableFormat):
            found.append(loaded.FORMAT)
    return tuple(sorted(found, key=lambda fmt: (fmt.order, fmt.name)))


def table_format(name: str) -> TableFormat:
    """Return the table format called ``name`` (a ``--format`` value).

    Raises
    ------
    ValueError
        No format has that name (a caller's mistake: ``--format`` is checked
        by its choices first).

    Examples
    --------
    >>> table_format("csv").suffixes, table_format("xlsx").render is None
    (('.csv',), True)
    """
    for fmt in table_formats():
        if fmt.name == name:
            return fmt
    known = ", ".join(f.name for f in table_formats())
    raise ValueError(f"unknown format {name!r}; choose one of {known}")


def write_text(fmt: TableFormat, request: TableWrite) -> None:
    """Print ``request``'s text (or its first table rendered in ``fmt``), or write it atomically.

    The writer of every text format: UTF-8, with the byte-order mark when the
    format has one and ``request.bom``.
    """
    from spatial.io.atomic import write_text_atomic  # noqa: PLC0415

    text = request.text
    if text is None:
        if fmt.render is None or not request.sheets:
            raise UsageError(f"{request.out}: nothing to write as {fmt.name}")
        text = fmt.render(next(iter(request.sheets.values())))
    if fmt.bom and request.bom:
        text = "\ufeff" + text
    if request.out is None:
        sys.stdout.write(text)
    else:
        write_text_atomic(request.out, text)
