"""JSON (``.json``): the result as data, indented UTF-8, full precision, missing as null.

A command with several tables writes one object of them; a large single table
is streamed (:func:`spatial.io.csvstream.write_json_streamed`) as the same text.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from spatial.table_formats import TableFormat, TableWrite, write_text
from spatial.table_formats._cells import records

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FORMAT", "format_json"]


def format_json(data: Any) -> str:
    """Render ``data`` (a DataFrame, or any JSON-ready object) as indented UTF-8 JSON."""
    import pandas as pd  # noqa: PLC0415

    if isinstance(data, pd.DataFrame):
        data = records(data)
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def _stream(frame: pd.DataFrame, out: str | os.PathLike[str] | None, bom: bool) -> bool:
    from spatial.io.csvstream import write_json_streamed  # noqa: PLC0415 - pyarrow

    return write_json_streamed(frame, out)


def _write(request: TableWrite) -> None:
    write_text(FORMAT, request)


FORMAT = TableFormat("json", (".json",), _write, format_json, kind="data", stream=_stream, order=20)
