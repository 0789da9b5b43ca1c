"""The full validator on a large in-memory layer: every check vectorised, itself where flagged.

:func:`spatial.validate.problems.validate_layer` tests feature by feature in
Python (about 25 s per million features). :func:`validate_layer_vectorised`
returns exactly what it returns, problem for problem, in its order and words,
in a second or two a million:

* each check runs once as one vectorised call over every feature, and flags
  the rows it could report (a superset: a flag may turn out to be nothing):
  null, empty and GeometryCollection geometries, ``shapely.is_valid`` (on
  threads; GEOS finds a NaN or infinite x or y invalid, and a non-finite box
  or length flags the row too), the validator's coordinate tests on each box
  (:mod:`spatial.validate.boxes`), missing required properties, ``accuracy``
  values, text that is not ASCII (each distinct value looked at once);
* the validator's own checks then run on the flagged rows only, so each line
  is the one it writes; duplicate ids are found from the ids of the whole
  layer (in one pass) and worded as the validator words them.

A layer without a CRS, without features or holding values the vectorised
checks cannot read (lists in a column, say) goes to the full validator whole.
:func:`clean_under_validator` is the review's question ("would the validator
find anything, and is every geometry polygonal?") answered the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from pyproj import CRS

from spatial.crs import WGS84, transformer
from spatial.errors import CRSError, LayerError
from spatial.preconditions import feature_label, id_text
from spatial.validate.boxes import geographic_mask, projected_mask
from spatial.validate.convex import settled_geometries
from spatial.validate.ids import ids_unique
from spatial.validate.messages import _text_message, label_field
from spatial.validate.problems import (
    ACCURACY_VALUES,
    Problem,
    _collect,
    _coordinate_findings,
    _geometry_findings,
    _is_missing,
    _property_findings,
    _text_findings,
    validate_layer,
)

__all__ = [
    "clean_under_validator",
    "ensure_text_decoded",
    "ensure_valid_vectorised",
    "flagged_rows",
    "on_threads",
    "validate_layer_vectorised",
]

#: Fewest features worth a thread of their own.
_MIN_CHUNK = 20_000

Finding = tuple[int, str]  # position, message (as the validator's checks give them)


class _Unreadable(Exception):
    """A column holds values the vectorised checks cannot read: the full validator decides."""


def on_threads(
    func: Callable[[npt.NDArray[np.object_]], npt.NDArray[Any]],
    geoms: npt.NDArray[np.object_],
    threads: int,
) -> npt.NDArray[Any]:
    """Apply a vectorised shapely ``func`` to ``geoms`` in contiguous chunks on threads.

    GEOS releases the GIL; the result is the same as ``func(geoms)``, in order.
    """
    chunks = max(1, min(threads, len(geoms) // _MIN_CHUNK))
    if chunks == 1:
        return func(geoms)
    cuts = np.linspace(0, len(geoms), chunks + 1).astype(np.int64)
    with ThreadPoolExecutor(max_workers=chunks) as pool:
        parts = list(pool.map(lambda k: func(geoms[cuts[k] : cuts[k + 1]]), range(chunks)))
    return np.concatenate(parts)


# --- the flags: which rows a check could report -------------------------------------------


def _geometry_flags(geoms: npt.NDArray[np.object_], threads: int) -> npt.NDArray[np.bool_]:
    """Rows the validator's geometry check could report: null, empty, collection, invalid."""
    valid = settled_geometries(geoms, threads)  # single convex rings: valid without GEOS
    rest = np.flatnonzero(~valid)
    with np.errstate(invalid="ignore"):
        valid[rest] = on_threads(shapely.is_valid, geoms[rest], threads)  # null: False
        length = shapely.length(geoms)
    flags: npt.NDArray[np.bool_] = ~valid | shapely.is_empty(geoms)
    flags |= shapely.get_type_id(geoms) == shapely.GeometryType.GEOMETRYCOLLECTION
    flags |= ~np.isfinite(length)  # a NaN or infinite coordinate, whatever GEOS makes of it
    return flags


def _coordinate_flags(
    gdf: gpd.GeoDataFrame, bounds: npt.NDArray[np.float64]
) -> npt.NDArray[np.bool_]:
    """Rows whose box the validator's coordinate tests report, in the layer's CRS.

    A box with a non-finite bound is flagged too (the validator skips it here
    but reports the feature's geometry).
    """
    crs = CRS.from_user_input(gdf.crs)
    if crs.is_geographic:
        flags = geographic_mask(bounds)
    else:  # the validator's own transformer, so that a box at China's edge is judged alike
        flags = projected_mask(bounds, transformer(crs, WGS84))
    with np.errstate(invalid="ignore", over="ignore"):
        if not np.isfinite(bounds.sum()):
            flags = flags | ~np.isfinite(bounds).all(axis=1)
    return flags


def _missing_flags(values: pd.Series) -> npt.NDArray[np.bool_]:
    """Rows the validator could count missing: null, NaN, NA or blank text (a superset)."""
    missing = values.isna().to_numpy(dtype=bool)
    kind = values.dtype
    numbers = pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_datetime64_any_dtype(kind)
    if not numbers:  # text, objects, categories: blank text is missing too
        text = pd.Series(values.to_numpy(dtype=object))
        blank = text.str.strip().eq("").to_numpy(dtype=bool)  # not text: False
        missing = missing | blank
    return missing


def _property_flags(gdf: gpd.GeoDataFrame, required: Sequence[str]) -> npt.NDArray[np.bool_]:
    """Rows missing a required property, or with an ``accuracy`` out of its values."""
    flags = np.zeros(len(gdf), dtype=bool)
    for name in required:
        if name not in gdf.columns:
            return np.ones(len(gdf), dtype=bool)  # every feature misses it
        flags |= _missing_flags(gdf[name])
    if "accuracy" in gdf.columns:
        values = gdf["accuracy"]
        try:
            allowed = values.isin(ACCURACY_VALUES).to_numpy(dtype=bool)
        except TypeError:  # unhashable values
            raise _Unreadable from None
        # the validator's own "missing" on the few values not allowed (NaT is not missing there)
        given = values.to_numpy(dtype=object)
        for row in np.flatnonzero(~allowed):
            flags[row] |= not _is_missing(given[row])
    return flags


def _text_flags(values: pd.Series, name: str) -> npt.NDArray[np.bool_]:
    """Rows of one column holding text the validator calls mis-encoded.

    Each distinct value that is not ASCII is asked once; a column arrow holds as
    numbers, booleans or times holds no text.
    """
    try:
        array = pa.array(values, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        array = None
    if array is not None and (
        pa.types.is_string(array.type) or pa.types.is_large_string(array.type)
    ):
        high = pc.fill_null(pc.invert(pc.string_is_ascii(array)), False)
        if not pc.any(high).as_py():
            return np.zeros(len(values), dtype=bool)
        said = [v for v in pc.unique(array.filter(high)).to_pylist() if _text_message(name, v)]
        if not said:
            return np.zeros(len(values), dtype=bool)
        found = pc.is_in(array, value_set=pa.array(said, array.type))
        flags: npt.NDArray[np.bool_] = pc.fill_null(found, False).to_numpy(zero_copy_only=False)
        return flags
    if array is not None and (
        pa.types.is_integer(array.type)
        or pa.types.is_floating(array.type)
        or pa.types.is_boolean(array.type)
        or pa.types.is_temporal(array.type)
        or pa.types.is_null(array.type)
    ):
        return np.zeros(len(values), dtype=bool)
    # mixed values (text among numbers, categories...): each value as the validator reads it,
    # each distinct text asked once
    asked: dict[str, bool] = {}

    def wrong(value: object) -> bool:
        if not isinstance(value, str) or value.isascii():
            return False
        if value not in asked:
            asked[value] = _text_message(name, value) is not None
        return asked[value]

    return np.fromiter((wrong(v) for v in values.tolist()), dtype=bool, count=len(values))


def flagged_rows(
    gdf: gpd.GeoDataFrame,
    required: Sequence[str] = (),
    threads: int = 1,
    *,
    bounds: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.bool_] | None:
    """Which features a check of the validator (but the duplicate ids) could report.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The layer, with a CRS, in that CRS.
    required : sequence of str
        Properties every feature must carry (as for ``validate_layer``).
    threads : int
        Threads for ``shapely.is_valid`` (GEOS releases the GIL).
    bounds : numpy.ndarray, shape (n, 4), optional
        ``shapely.bounds`` of the geometries, if the caller has them.

    Returns
    -------
    numpy.ndarray of bool or None
        A superset of the rows the validator's coordinate, geometry, property
        and text checks report; None when a column cannot be read vectorised.
    """
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    if bounds is None:
        bounds = on_threads(shapely.bounds, geoms, threads)
    flags = _geometry_flags(geoms, threads) | _coordinate_flags(gdf, bounds)
    try:
        flags |= _property_flags(gdf, required)
        for name in gdf.columns:
            if name != gdf.geometry.name:
                flags |= _text_flags(gdf[name], str(name))
    except _Unreadable:
        return None
    return flags


# --- duplicate ids ------------------------------------------------------------------------


def _id_texts(values: pd.Series) -> pd.Series:
    """Each id as the validator compares it: text, stripped; None when missing or blank."""
    if values.dtype.kind in "iu":  # numpy integers: never missing, never padded
        return pd.Series(values.to_numpy().astype(str), dtype=object)
    if pd.api.types.infer_dtype(values, skipna=False) == "string":  # every value a str
        text = pd.Series(values.to_numpy(dtype=object)).str.strip()
    else:
        text = pd.Series([id_text(v) for v in values], dtype=object).str.strip()
    return text.where(text.notna() & (text != ""), None)


def _ids_unique(values: pd.Series) -> bool | None:
    """:func:`~spatial.validate.ids.ids_unique` of an id column (None: it cannot say).

    A category column (Arrow's dictionary) is asked as the text it holds.
    """
    try:
        ids = pa.array(values, from_pandas=True)
        if pa.types.is_dictionary(ids.type):
            ids = ids.dictionary_decode()
        return ids_unique(ids)
    except (pa.ArrowException, TypeError, ValueError):
        return None


def _duplicate_findings(gdf: gpd.GeoDataFrame) -> list[Finding]:
    """Return the validator's duplicate-id findings, from one pass over the ids.

    A text column Arrow finds without a repeat (:func:`_ids_unique`) has none,
    and no id is made a Python object.
    """
    if "id" not in gdf.columns or _ids_unique(gdf["id"]):
        return []
    return _repeated_ids(gdf["id"])


def _repeated_ids(ids: pd.Series) -> list[Finding]:
    """Return a finding for each id repeating an earlier one (the validator's comparison)."""
    texts = _id_texts(ids)
    given = texts.notna().to_numpy()
    repeated = np.zeros(len(texts), dtype=bool)
    repeated[given] = texts[given].duplicated(keep=False).to_numpy()
    first: dict[object, int] = {}
    findings = []
    values = texts.to_numpy(dtype=object)
    for position in np.flatnonzero(repeated):
        text = values[position]
        if text not in first:
            first[text] = int(position)
            continue
        findings.append(
            (
                int(position),
                f"duplicate id: feature #{position} reuses the id of feature #{first[text]}",
            )
        )
    return findings


# --- the validator where flagged ----------------------------------------------------------


def _flagged_findings(
    gdf: gpd.GeoDataFrame, rows: npt.NDArray[np.intp], required: Sequence[str]
) -> list[Finding]:
    """Return the validator's findings on ``rows`` (and duplicate ids), in its check order."""
    if not len(rows):
        return _duplicate_findings(gdf)
    part = gdf.iloc[rows]
    back = rows.tolist()

    def placed(found: list[Finding]) -> list[Finding]:
        return [(back[position], message) for position, message in found]

    findings = placed(_coordinate_findings(part))
    findings += placed(_geometry_findings(part, frozenset()))
    findings += _duplicate_findings(gdf)
    findings += placed(_property_findings(part, required))
    findings += placed(_text_findings(part))
    return findings


def validate_layer_vectorised(
    gdf: gpd.GeoDataFrame,
    source: str,
    required: Sequence[str] = (),
    threads: int = 1,
    *,
    id_field: str | None = "id",
) -> list[Problem]:
    """Return what :func:`~spatial.validate.problems.validate_layer` returns, vectorised.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The layer, in any CRS (checked in it; a missing CRS is itself reported).
    source : str
        The file or layer name used in each problem line.
    required : sequence of str
        Properties every feature must carry (none by default, as ``ensure_valid``).
    threads : int
        Threads for ``shapely.is_valid``; the problems do not depend on it.
    id_field : str, optional
        The column a problem names its feature by (None: the layer's own,
        :func:`~spatial.validate.messages.label_field`); ``#N`` without one.

    Returns
    -------
    list of Problem
        The validator's problems, in its order and words; empty when the layer is clean.
    """
    if gdf.crs is None or gdf.empty:
        return validate_layer(gdf, source, required, id_field=id_field)
    flags = flagged_rows(gdf, required, threads)
    if flags is None:
        return validate_layer(gdf, source, required, id_field=id_field)
    rows = np.flatnonzero(flags)
    findings = _flagged_findings(gdf, rows, required)
    if not findings:
        return []
    labels = [""] * len(gdf)
    column = label_field(gdf, id_field)  # only now: a layer's standard field is sought once
    ids = gdf[column] if column in gdf.columns else None
    for position, _ in findings:
        value = None if ids is None else ids.iat[position]
        labels[position] = feature_label(value, position)
    return _collect(source, labels, findings)


def ensure_valid_vectorised(
    gdf: gpd.GeoDataFrame,
    source: str,
    *,
    required: Sequence[str] = (),
    threads: int = 1,
    id_field: str | None = "id",
) -> None:
    """Raise what :func:`~spatial.validate.problems.ensure_valid` raises, vectorised.

    Raises
    ------
    CRSError
        The layer has no CRS (the validator's words).
    LayerError
        One line: the first problem, plus "and N more" when there are others.
    """
    problems = validate_layer_vectorised(gdf, source, required, threads, id_field=id_field)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        if gdf.crs is None:
            raise CRSError(f"{problems[0]}{more}")
        raise LayerError(f"{problems[0]}{more}")


def clean_under_validator(gdf: gpd.GeoDataFrame, threads: int = 1) -> bool:
    """Whether the full validator would find no problem at all in a polygon layer.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The layer in its own CRS (as the validator checks it).
    threads : int
        Threads for ``shapely.is_valid`` (GEOS releases the GIL).

    Returns
    -------
    bool
        True only when :func:`spatial.validate.ensure_valid` would pass and every
        geometry is a (Multi)Polygon; False sends the caller the plain way,
        which names what is wrong.
    """
    if gdf.crs is None or not len(gdf):
        return False
    type_id = shapely.get_type_id(np.asarray(gdf.geometry.array, dtype=object))
    polygonal = (type_id == shapely.GeometryType.POLYGON) | (
        type_id == shapely.GeometryType.MULTIPOLYGON
    )
    if not polygonal.all():
        return False
    with ThreadPoolExecutor(max_workers=1) as pool:  # the ids on another core meanwhile
        no_repeats = pool.submit(_no_duplicate_ids, gdf)
        flags = flagged_rows(gdf, (), threads)
        if flags is None:
            return False
        if flags.any():
            return not validate_layer_vectorised(gdf, "layer", (), threads)
        return no_repeats.result()


def _no_duplicate_ids(gdf: gpd.GeoDataFrame) -> bool:
    """Whether the validator finds no repeated id: from Arrow where it can say (a text column)."""
    if "id" not in gdf.columns:
        return True
    unique = _ids_unique(gdf["id"])  # Arrow asked once: its "cannot say" not asked again
    return unique if unique is not None else not _repeated_ids(gdf["id"])


def ensure_text_decoded(gdf: gpd.GeoDataFrame, source: str, id_field: str | None = None) -> None:
    """Refuse a layer holding mis-encoded text (a GBK Shapefile without a ``.cpg``).

    The validator's text check alone, in its words
    (:func:`spatial.validate.messages.text_message`), for a command that reports
    the layer's other problems itself (``qc``); every other command refuses the
    layer through the whole validator, with the same line. Each distinct
    non-ASCII value is looked at once.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The layer as read (any CRS: no geometry is looked at).
    source : str
        The file or layer name the message starts with.
    id_field : str, optional
        The field naming the features (``BSM``); else ``id``, else ``#N``.

    Raises
    ------
    LayerError
        One line: the first mis-encoded value, plus "and N more" when there are others.
    """
    flags = np.zeros(len(gdf), dtype=bool)
    for name in gdf.columns:
        if name != gdf.geometry.name:
            flags |= _text_flags(gdf[name], str(name))
    rows = np.flatnonzero(flags)
    if not len(rows):
        return
    back = rows.tolist()
    findings = [(back[position], message) for position, message in _text_findings(gdf.iloc[rows])]
    if not findings:
        return
    column = id_field if id_field in gdf.columns else "id"
    ids = gdf[column] if column in gdf.columns else None
    labels = [""] * len(gdf)
    for position, _ in findings:
        labels[position] = feature_label(None if ids is None else ids.iat[position], position)
    problems = _collect(source, labels, findings)
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    raise LayerError(f"{problems[0]}{more}")
