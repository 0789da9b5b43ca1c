"""The review's fast path for large layers: is a layer clean, and which features can take part.

The plain path (:func:`spatial.review._pieces.ready_layers`) runs the full
validator feature by feature in Python (about 25 s per million features), then
cuts every feature. For a layer of more than :data:`FAST_MIN_FEATURES` features
the review first asks :func:`clean_under_validator`, a vectorised mirror of the
validator that says whether it would find *any* problem in the layer:

* no feature null, empty, a GeometryCollection, with a NaN or infinite
  coordinate or invalid (``shapely.is_valid`` on every feature, on threads);
* no box the validator's coordinate tests flag (:mod:`spatial.validate.boxes`);
* no duplicate ``id``, no ``accuracy`` out of its values, no mis-encoded text
  (each distinct text value of each field tested once);
* every geometry polygonal (the review's layers are polygons).

When it says clean, the review takes the fast path; when it says anything else,
the plain path runs and names the problem in the validator's own words, so
the outcome (a refusal, its message, the table) is the same either way. Then
only the features whose box meets a box of the small layer
(:func:`box_candidates`) are cut: one whose box meets none shares no area with it.

Every test here is conservative: it may send a clean layer the plain way, never
a layer with a problem the fast way.
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
from pyproj import CRS, Transformer

from spatial.preconditions import id_text, require_crs, require_id_column
from spatial.validate.boxes import geographic_mask, projected_mask
from spatial.validate.frame import into_frame
from spatial.validate.inputs import LayerInput, prepare_inputs
from spatial.validate.problems import ACCURACY_VALUES, _text_message

__all__ = [
    "FAST_MIN_FEATURES",
    "box_candidates",
    "clean_under_validator",
    "on_threads",
    "ready_fast",
]

#: A layer of more features than this may take the fast path (fewer get the full validator).
FAST_MIN_FEATURES = 2_000
#: Fewest features worth a thread of their own.
_MIN_CHUNK = 20_000
#: Most boxes of the small layer tested against every feature box one by one (numpy).
_LOOP_MAX_BOXES = 64


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


def _geometries_clean(geoms: npt.NDArray[np.object_], threads: int) -> bool:
    """Whether every geometry is a non-empty, finite, valid (Multi)Polygon."""
    type_id = shapely.get_type_id(geoms)
    polygonal = (type_id == shapely.GeometryType.POLYGON) | (
        type_id == shapely.GeometryType.MULTIPOLYGON
    )
    if not polygonal.all() or shapely.is_empty(geoms).any():
        return False
    if not np.isfinite(shapely.get_coordinates(geoms)).all():
        return False
    return bool(on_threads(shapely.is_valid, geoms, threads).all())


def _boxes_clean(crs: CRS, bounds: npt.NDArray[np.float64]) -> bool:
    """Whether the validator's coordinate tests flag no feature box (in the layer's ``crs``)."""
    if crs.is_geographic:
        return not geographic_mask(bounds).any()
    # to the CRS's own lon/lat, as the cheap checks do (the same degrees as EPSG:4326 to
    # centimetres, without PROJ's 0.2 s search for a datum step)
    to_lonlat = Transformer.from_crs(crs, crs.geodetic_crs or 4326, always_xy=True)
    return not projected_mask(bounds, to_lonlat).any()


def _ids_clean(values: pd.Series) -> bool:
    """Whether no feature reuses another's ``id`` (as text, stripped; blanks ignored)."""
    if pd.api.types.is_integer_dtype(values.dtype):
        return not values.duplicated().any()
    if pd.api.types.infer_dtype(values) == "string" and not values.isna().any():  # all str
        text = values.astype(str).str.strip()
    else:
        text = pd.Series([id_text(v) for v in values], dtype=object)
        text = text[text.notna()].astype(str).str.strip()
    text = text[text != ""]
    return not text.duplicated().any()


def _non_ascii(values: pd.Series) -> npt.NDArray[np.object_]:
    """Return the distinct values of a field that could be mis-encoded text.

    ASCII text never is (the validator's tests look for non-ASCII characters), and
    a field arrow holds as numbers, booleans or times has no text; anything else is kept.
    """
    try:
        array = pa.array(values, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        return np.asarray(pd.unique(values.to_numpy(dtype=object)), dtype=object)
    kind = array.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        odd = pc.fill_null(pc.invert(pc.string_is_ascii(array)), False)
        found = array.filter(odd).to_numpy(zero_copy_only=False)
        return np.asarray(pd.unique(found), dtype=object)
    if any(
        test(kind) for test in (pa.types.is_integer, pa.types.is_floating, pa.types.is_boolean)
    ) or pa.types.is_temporal(kind):
        return np.zeros(0, dtype=object)
    return np.asarray(pd.unique(values.to_numpy(dtype=object)), dtype=object)


def _texts_clean(gdf: gpd.GeoDataFrame) -> bool:
    """Whether no field holds mis-encoded text, nor an ``accuracy`` out of its values."""
    for name in gdf.columns:
        if name == gdf.geometry.name:
            continue
        try:
            if name == "accuracy":
                distinct = np.asarray(pd.unique(gdf[name].to_numpy(dtype=object)), dtype=object)
                if any(_present(v) and v not in ACCURACY_VALUES for v in distinct):
                    return False
            distinct = _non_ascii(gdf[name])
        except TypeError:  # unhashable values (lists): the validator decides
            return False
        if any(isinstance(v, str) and _text_message(str(name), v) for v in distinct):
            return False
    return True


def _present(value: object) -> bool:
    """Return the validator's "not missing": not None, NA, NaN or blank text."""
    if value is None or value is pd.NA:
        return False
    if isinstance(value, float) and np.isnan(value):
        return False
    return not (isinstance(value, str) and not value.strip())


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
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    if shapely.is_missing(geoms).any() or not _geometries_clean(geoms, threads):
        return False
    if not _boxes_clean(gdf.crs, shapely.bounds(geoms)):
        return False
    if "id" in gdf.columns and not _ids_clean(gdf["id"]):
        return False
    return _texts_clean(gdf)


def box_candidates(
    bounds: npt.NDArray[np.float64], small: npt.NDArray[np.object_]
) -> npt.NDArray[np.intp]:
    """Positions of the boxes (rows of ``minx, miny, maxx, maxy``) that meet a box of ``small``.

    Closed boxes, in one CRS: a feature whose box meets no box of the small
    layer's geometries shares no area with them. In order.
    """
    boxes = shapely.bounds(small)
    if len(boxes) <= _LOOP_MAX_BOXES:
        near = np.zeros(len(bounds), dtype=bool)
        for x0, y0, x1, y1 in boxes:
            near |= (
                (bounds[:, 2] >= x0)
                & (bounds[:, 0] <= x1)
                & (bounds[:, 3] >= y0)
                & (bounds[:, 1] <= y1)
            )
        return np.flatnonzero(near)
    tree = shapely.STRtree(np.asarray(shapely.box(*boxes.T), dtype=object))
    hit, _ = tree.query(np.asarray(shapely.box(*bounds.T), dtype=object))
    return np.unique(hit)


def ready_fast(
    layers: Sequence[tuple[gpd.GeoDataFrame, str, str]], threads: int = 1
) -> list[gpd.GeoDataFrame] | None:
    """Return the layers as :func:`~spatial.review._pieces.ready_layers` does, or None.

    Each layer ``(frame, name in messages, id column or "")`` of more than
    :data:`FAST_MIN_FEATURES` features is asked :func:`clean_under_validator`
    instead of going through the full validator; a smaller one gets the full
    validator, in the same order as the plain path, so its refusal reads the
    same. None when a large layer is not clean: the plain path then names the
    problem. The layers come in the CRS of the one with most features, with a
    plain index and their rings oriented, as the plain path gives them.
    """
    for gdf, name, id_field in layers:
        if len(gdf) <= FAST_MIN_FEATURES:
            item = LayerInput(gdf, name, id_field, "polygon")
            prepare_inputs([item], policy="full", frame="largest")
            continue
        if gdf.crs is None or not clean_under_validator(gdf, threads):
            return None
        require_crs(gdf, name)
        if id_field:
            require_id_column(gdf, name, id_field)
    aligned = into_frame([(gdf, name) for gdf, name, _ in layers], "combined", stacklevel=4)
    out = []
    for gdf in aligned:
        plain = gdf.reset_index(drop=True)
        rings = shapely.orient_polygons(np.asarray(plain.geometry.array, dtype=object))
        out.append(plain.set_geometry(gpd.GeoSeries(rings, index=plain.index, crs=plain.crs)))
    return out
