"""The preconditions every operation checks, each stated once with its one message.

An operation names its inputs (``names=``: a planner's file, or "layer A") and
calls these helpers; a message then reads ``FILE: feature ID: problem`` wherever
the problem is found.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> naive = gpd.GeoDataFrame({"id": ["p"]}, geometry=[Point(106.2, 29.6)])
>>> require_crs(naive, "mine.geojson")
Traceback (most recent call last):
spatial.errors.CRSError: mine.geojson: the layer carries no CRS; declare it (...)
>>> feature_error("zones.geojson", 7, "invalid geometry").args[0]
'zones.geojson: feature 7: invalid geometry'
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import numpy as np
from pyproj import CRS

if TYPE_CHECKING:
    import pandas as pd

from spatial.errors import CRSError, IdColumnError, LayerError, printable

__all__ = [
    "feature_error",
    "feature_label",
    "id_text",
    "require_crs",
    "require_frame",
    "require_id_column",
    "require_unique_ids",
]


def require_frame(gdf: Any, name: str) -> None:
    """Refuse anything but a GeoDataFrame (a programming error: ``TypeError``)."""
    import geopandas as gpd  # noqa: PLC0415 - labels and ids need no geopandas (spatial validate)

    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(f"{name}: expected a GeoDataFrame, got {type(gdf).__name__}")


def require_crs(gdf: Any, name: str) -> CRS:
    """Refuse a layer without a CRS: its coordinates could be degrees or metres; else return it.

    Raises
    ------
    CRSError
        ``NAME: the layer carries no CRS; declare it (...)``.
    """
    require_frame(gdf, name)
    if gdf.crs is None:
        raise CRSError(
            f"{name}: the layer carries no CRS; declare it (a crs member, a .prj file, "
            "or --crs EPSG:4326)"
        )
    crs: CRS = gdf.crs
    return crs


def require_id_column(gdf: Any, name: str, column: str) -> None:
    """Refuse a layer that lacks the column identifying its features, listing the columns it has.

    Raises
    ------
    LayerError
        ``NAME: 'geometry' is the geometry column, not an id column; ...``.
    IdColumnError
        ``NAME: no field 'id' for --id-field; its fields are ...``.
    """
    columns = tuple(str(c) for c in gdf.columns if c != gdf.geometry.name)
    if column == gdf.geometry.name:
        raise LayerError(
            f"{name}: {column!r} is the geometry column, not an id column; name a property "
            f"column ({', '.join(columns) or 'none'})"
        )
    if column not in gdf.columns:
        raise IdColumnError(name, column, columns)


def require_unique_ids(gdf: Any, name: str, column: str) -> None:
    """Refuse a layer whose id column repeats a value (results keyed by id would merge them)."""
    duplicated = gdf[column][gdf[column].duplicated()]
    if len(duplicated):
        raise LayerError(
            f"{name}: feature {feature_label(duplicated.iloc[0])}: id appears more than once "
            f"in {column!r}"
        )


def id_text(value: object) -> str | None:
    """Return a feature id as text (``7`` and ``7.0`` -> ``"7"``); None when it is missing.

    Examples
    --------
    >>> id_text("zone-kcxz"), id_text(7.0), id_text(float("nan")), id_text(None)
    ('zone-kcxz', '7', None, None)
    """
    pandas = sys.modules.get("pandas")  # pd.NA exists only once pandas is loaded
    if value is None or (pandas is not None and value is pandas.NA):
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def id_texts(ids: pd.Series) -> pd.Series:
    """Return each id as text (:func:`id_text`: ``7.0`` is ``"7"``), dtype object.

    A value that is already a ``str`` is kept as it is (what ``id_text`` returns
    for it) without a call per feature: a survey's million text ids pass in one
    sweep. The same values as ``ids.map(id_text).astype(object)``. How ``check``,
    ``diff`` and the compare map match features by id.
    """
    import pandas as pd  # noqa: PLC0415 - loaded by whoever holds a Series

    if ids.isna().any():  # missing ids as pandas maps them (NA kept in a string column)
        return ids.map(id_text).astype(object)
    values = ids.to_numpy(dtype=object)
    texts = [v if type(v) is str else id_text(v) for v in values]
    return pd.Series(texts, index=ids.index, dtype=object, name=ids.name)


def feature_label(value: object, position: int | None = None) -> str:
    r"""Name a feature in a message: its id as text, else ``#position`` (0-based).

    Control characters in the id are shown as escapes (:func:`~spatial.errors.printable`),
    so a terminal shows the id the file holds.

    Examples
    --------
    >>> feature_label("zone-kcxz"), feature_label(7), feature_label(None, 3)
    ('zone-kcxz', '7', '#3')
    >>> feature_label("zone-1\r\x1b[32m ok")
    'zone-1\\r\\x1b[32m ok'
    >>> feature_label(float("nan"), 0), feature_label("  ", 2)
    ('#0', '#2')
    """
    text = id_text(value)
    if text is None or not text.strip():
        return f"#{position}" if position is not None else "(no id)"
    return printable(text.strip())


def feature_error(source: str, feature: object, problem: str) -> LayerError:
    """Return the one-line error ``SOURCE: feature LABEL: PROBLEM`` (raise it)."""
    return LayerError(f"{source}: feature {feature_label(feature)}: {problem}")
