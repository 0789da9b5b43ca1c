"""A table's id columns under the planner's own field names (``zone_id`` written as ``DYBH``).

A command reads a planner's ids from their own field (``--id-field zones=DYBH``,
``--zone-id-field``, ``--a-id BSM``, the project's ``id_field``) into the
toolkit's id columns (``id``, ``zone_id``, ``a_id``). On the way out a table
names each such column by the field it was read from: :func:`id_names` decides
the names, :func:`planner_ids` gives them to a table in a format. The terminal
table, CSV, TSV, Markdown and the workbook rename the column; JSON keeps the
toolkit's key (``id``, ``zone_id``, ``a_id``: the interface scripts read) and
adds the planner's field beside it, before it, with the same values.

Imports no pandas: the tables come from the caller.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["id_names", "planner_ids"]

_Table = TypeVar("_Table", bound="pd.DataFrame")

#: The toolkit's own id field: a column read from it keeps the toolkit's name.
_TOOLKIT_ID = "id"


def _role_name(column: str, theirs: str) -> str:
    """Return ``column`` with its trailing ``id`` as ``theirs``: ``a_id`` -> ``a_BSM``.

    >>> _role_name("a_id", "BSM"), _role_name("id", "BSM"), _role_name("other_id", "DYBH")
    ('a_BSM', 'BSM', 'other_DYBH')
    """
    if column == _TOOLKIT_ID or column.endswith(f"_{_TOOLKIT_ID}"):
        return column[: -len(_TOOLKIT_ID)] + theirs
    return f"{column}_{theirs}"


def id_names(fields: Mapping[str, str | None]) -> dict[str, str]:
    """Return, by toolkit id column, the name a table writes it under.

    Parameters
    ----------
    fields : mapping of str to str or None
        By toolkit id column (``zone_id``, ``a_id``), the planner's field its ids
        were read from (``DYBH``); None (not known, or the layers it holds name
        their ids differently) or ``id`` (the toolkit's own) leave it as it is.

    Returns
    -------
    dict of str to str
        The columns renamed: each to its field; two columns read from one field
        (A and B both ``BSM``) are told apart by their role, the toolkit's
        column with its ``id`` as the field (``a_BSM``, ``b_BSM``), as with
        ``id`` they are ``a_id`` and ``b_id``.

    Examples
    --------
    >>> id_names({"a_id": "BSM", "b_id": "DYBH"})
    {'a_id': 'BSM', 'b_id': 'DYBH'}
    >>> id_names({"a_id": "BSM", "b_id": "BSM"})
    {'a_id': 'a_BSM', 'b_id': 'b_BSM'}
    >>> id_names({"zone_id": "DYBH", "b_id": "id", "point_id": None})
    {'zone_id': 'DYBH'}
    """
    given = {c: f for c, f in fields.items() if f is not None and f not in (_TOOLKIT_ID, c)}
    shared = Counter(given.values())
    named = {c: f if shared[f] == 1 else _role_name(c, f) for c, f in given.items()}
    taken = set(fields) - set(named)  # a toolkit column that stays is not renamed onto
    kept: dict[str, str] = {}
    for column, name in named.items():
        if name not in taken and name not in kept.values():
            kept[column] = name
    return kept


def planner_ids(table: _Table, names: Mapping[str, str], fmt: str) -> _Table:
    """Return ``table`` with its id columns under the planner's names, as ``fmt`` writes them.

    Parameters
    ----------
    table : DataFrame
        A result table with the toolkit's id columns.
    names : mapping of str to str
        From :func:`id_names`: toolkit column to the planner's name. A column
        the table lacks, or a name the table already has, is left alone.
    fmt : str
        The table format (``--format``): JSON (a format of data) keeps the
        toolkit's column and inserts the planner's before it; every other
        format renames the column.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"zone_id": ["A"], "area_m2": [1.5]})
    >>> list(planner_ids(table, {"zone_id": "DYBH"}, "csv").columns)
    ['DYBH', 'area_m2']
    >>> planner_ids(table, {"zone_id": "DYBH"}, "json").to_dict("records")
    [{'DYBH': 'A', 'zone_id': 'A', 'area_m2': 1.5}]
    >>> planner_ids(table, {}, "csv") is table
    True
    """
    from spatial.table_formats import table_format  # noqa: PLC0415 - the registry

    columns = set(table.columns)
    renames = {c: n for c, n in names.items() if c in columns and n not in columns}
    if not renames:
        return table
    if table_format(fmt).kind != "data":
        return table.rename(columns=renames)
    beside = table.copy(deep=False)
    for column, name in renames.items():
        beside.insert(list(beside.columns).index(column), name, beside[column])
    return beside
