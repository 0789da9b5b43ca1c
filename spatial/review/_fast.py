"""The review's fast path for large layers: is a layer clean, and which features can take part.

The plain path (:func:`spatial.review._pieces.ready_layers`) runs the full
validator feature by feature in Python (about 25 s per million features), then
cuts every feature. For a layer of more than :data:`FAST_MIN_FEATURES` features
the review first asks :func:`~spatial.validate.vectorised.clean_under_validator`
(the validator vectorised: every check on every feature in one call, the
validator itself only where a check flags a feature) whether the validator
would find *any* problem in the layer, and whether every geometry is polygonal.

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

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from spatial.preconditions import require_crs, require_id_column
from spatial.validate.frame import into_frame
from spatial.validate.inputs import LayerInput, prepare_inputs
from spatial.validate.vectorised import clean_under_validator, on_threads

__all__ = [
    "FAST_MIN_FEATURES",
    "box_candidates",
    "clean_under_validator",
    "on_threads",
    "orient_in_place",
    "oriented_frame",
    "ready_fast",
]

#: A layer of more features than this may take the fast path (fewer get the full validator).
FAST_MIN_FEATURES = 2_000
#: Most boxes of the small layer tested against every feature box one by one (numpy).
_LOOP_MAX_BOXES = 64
#: Geometries oriented at once by one thread (each slice's originals are released as it is done).
_ORIENT_SLICE = 65_536


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


def orient_in_place(
    geoms: npt.NDArray[np.object_],
    threads: int = 1,
    at: npt.NDArray[np.bool_] | None = None,
) -> npt.NDArray[np.object_]:
    """Orient polygon rings (exteriors counter-clockwise, holes clockwise) in ``geoms`` itself.

    The same geometries as ``shapely.orient_polygons(geoms)``, bit for bit, written
    back slice by slice: where ``geoms`` holds the only reference to a geometry, the
    original is released as soon as its slice is done, so the two sets never exist
    whole at once (a million parcels: about 0.5 GB less at the peak). Slices run on
    ``threads`` threads (GEOS releases the GIL). ``at``: a mask of the positions
    oriented (slices of those positions; the others left as they are), every
    position when None. Returns ``geoms``.

    Examples
    --------
    >>> cw = shapely.Polygon([(0, 0), (0, 1), (1, 1), (1, 0)])
    >>> geoms = np.array([cw, cw, None], dtype=object)
    >>> done = orient_in_place(geoms, at=np.array([False, True, True]))
    >>> done is geoms, geoms[0] is cw, bool(shapely.is_ccw(geoms[1].exterior)), geoms[2]
    (True, True, True, None)
    """
    positions = None if at is None else np.flatnonzero(at)

    def one(start: int) -> None:
        part: slice | npt.NDArray[np.intp] = (
            slice(start, start + _ORIENT_SLICE)
            if positions is None
            else positions[start : start + _ORIENT_SLICE]
        )
        geoms[part] = shapely.orient_polygons(geoms[part])

    starts = range(0, len(geoms) if positions is None else len(positions), _ORIENT_SLICE)
    if threads <= 1 or len(starts) <= 1:
        for start in starts:
            one(start)
        return geoms
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, starts))
    return geoms


def oriented_frame(
    read: Callable[[], gpd.GeoDataFrame | None], threads: int = 1
) -> gpd.GeoDataFrame | None:
    """Read a layer by ``read()`` and return it with its rings oriented as the review orients them.

    The columns, their order and the CRS are kept (None when ``read`` gives
    None). The layer is read here so that no caller holds the unoriented
    geometries: they are released slice by slice as they are oriented
    (:func:`orient_in_place`). The validator's findings do not depend on ring
    orientation, so the layer is checked after.
    """
    frame = read()
    if frame is None:
        return None
    name, crs, columns = frame.geometry.name, frame.crs, list(frame.columns)
    geoms = np.array(frame.geometry.array, dtype=object)  # its own references
    rest = pd.DataFrame(frame.drop(columns=[name]))
    del frame  # the last reference to the originals, but for ``geoms``
    orient_in_place(geoms, threads)
    rest[name] = gpd.GeoSeries(geoms, index=rest.index, crs=crs)
    return gpd.GeoDataFrame(rest, geometry=name, crs=crs)[columns]
