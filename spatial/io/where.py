"""Choosing features of a layer: ``--where FIELD=VALUE`` (or ``FIELD!=VALUE``, ``FIELD=V1,V2``).

Values are compared as text, so ``--where code=7`` picks a numeric 7 too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from spatial.errors import LayerError, UsageError

if TYPE_CHECKING:  # parse_where checks a call before geopandas loads
    import geopandas as gpd

__all__ = ["Where", "parse_where", "select_features"]

_EXPRESSION = re.compile(r"^\s*([^=!\s][^=!]*?)\s*(!=|=)\s*(.*?)\s*$")
_MAX_LISTED = 8


@dataclass(frozen=True)
class Where:
    """A choice of features: ``field`` equal (or not) to one of ``values``."""

    field: str
    values: tuple[str, ...]
    negate: bool = False

    def __str__(self) -> str:
        return f"{self.field}{'!=' if self.negate else '='}{','.join(self.values)}"


def parse_where(text: str) -> Where:
    """Parse ``FIELD=VALUE``, ``FIELD!=VALUE`` or ``FIELD=V1,V2``.

    Examples
    --------
    >>> parse_where("kind=avenue"), str(parse_where("kind != band"))
    (Where(field='kind', values=('avenue',), negate=False), 'kind!=band')
    >>> parse_where("kind")
    Traceback (most recent call last):
    ...
    spatial.errors.UsageError: --where kind: expected FIELD=VALUE, FIELD!=VALUE or FIELD=V1,V2
    """
    match = _EXPRESSION.match(text)
    if not match or not match.group(3):
        raise UsageError(f"--where {text}: expected FIELD=VALUE, FIELD!=VALUE or FIELD=V1,V2")
    field, op, values = match.groups()
    return Where(field, tuple(v.strip() for v in values.split(",")), op == "!=")


def select_features(gdf: gpd.GeoDataFrame, source: str, where: Where) -> gpd.GeoDataFrame:
    """Return the features ``where`` chooses; refuse a missing field or an empty choice.

    Raises
    ------
    LayerError
        The field is not in the layer (its fields listed), or no feature is
        chosen (the values the field holds listed).
    """
    if where.field not in gdf.columns:
        fields = ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name)
        raise LayerError(f"{source}: --where {where}: no field {where.field!r}; fields: {fields}")
    text = gdf[where.field].astype(str)
    chosen = text.isin(where.values)
    if where.negate:
        chosen = ~chosen
    if not chosen.any():
        held = sorted(set(text))
        listed = ", ".join(held[:_MAX_LISTED]) + (" ..." if len(held) > _MAX_LISTED else "")
        raise LayerError(
            f"{source}: --where {where} chooses no feature; {where.field} holds {listed}"
        )
    return gdf[chosen].reset_index(drop=True)
