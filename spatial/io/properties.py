"""Plan properties read by their type: a yes/no is a yes/no, a length a number, an order an integer.

GeoJSON and GDAL keep whatever a planner typed: ``"corridor_town": "false"``
is a non-empty text, true to Python, and would show as 是 yes. So the plan
layers' typed properties are parsed here, by :data:`PROPERTY_TYPES`: a value
that reads right (``"false"``, ``"否"``, ``"30.9"``) is converted, any other is
refused in one line naming the file, the feature, the property and the value.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from spatial.errors import LayerError

__all__ = ["PROPERTY_TYPES", "parse_properties"]

#: Typed properties of the plan layers: ``boolean``, ``number`` (finite) or ``integer``.
PROPERTY_TYPES: dict[str, dict[str, str]] = {
    "towns": {"corridor_town": "boolean"},
    "corridor": {"length_km": "number", "half_width_m": "number"},
    "clusters": {"order_north_to_south": "integer"},
}

_TRUE = frozenset({"true", "yes", "y", "1", "是"})
_FALSE = frozenset({"false", "no", "n", "0", "否"})
_HINTS = {
    "boolean": "true or false (是/否)",
    "number": "a finite number",
    "integer": "a whole number (digits 0-9)",
}


def _blank(value: Any) -> bool:
    return value is None or (np.ndim(value) == 0 and bool(pd.isna(value)))


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool | np.bool_) or np.ndim(value) != 0:
        return None
    try:
        number = float(value.strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _integer(value: Any) -> int | None:
    if isinstance(value, str):
        text = value.strip()
        return int(text) if text.isascii() and text.isdigit() else None
    number = _number(value)
    return int(number) if number is not None and number.is_integer() else None


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "boolean": _boolean,
    "number": _number,
    "integer": _integer,
}


def _label(gdf: gpd.GeoDataFrame, position: int) -> str:
    value = gdf["id"].iloc[position] if "id" in gdf.columns else None
    return f"#{position}" if _blank(value) else str(value)


def parse_properties(gdf: gpd.GeoDataFrame, layer: str, source: str) -> gpd.GeoDataFrame:
    """Return ``gdf`` with the typed properties of plan layer ``layer`` converted.

    Blank values stay blank (the popup leaves them out). Other layers are
    returned as they are.

    Raises
    ------
    LayerError
        A value that is not of its type, e.g. ``towns.geojson: feature t1:
        corridor_town is 'maybe', not true or false (是/否)``.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> towns = gpd.GeoDataFrame({"id": ["t"], "corridor_town": ["false"]},
    ...                          geometry=[Point(106.2, 29.6)], crs=4326)
    >>> parse_properties(towns, "towns", "towns.geojson")["corridor_town"].tolist()
    [False]
    """
    types = PROPERTY_TYPES.get(layer, {})
    out = gdf
    for column, kind in types.items():
        if column not in gdf.columns:
            continue
        values = []
        for position, value in enumerate(gdf[column].tolist()):
            parsed = None if _blank(value) else _PARSERS[kind](value)
            if parsed is None and not _blank(value):
                raise LayerError(
                    f"{source}: feature {_label(gdf, position)}: {column} is {value!r}, not "
                    f"{_HINTS[kind]}; correct it in the file"
                )
            values.append(parsed)
        out = out.assign(**{column: pd.Series(values, index=gdf.index, dtype=object)})
    return out
