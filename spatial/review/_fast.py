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

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import numpy.typing as npt
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
    "ready_fast",
]

#: A layer of more features than this may take the fast path (fewer get the full validator).
FAST_MIN_FEATURES = 2_000
#: Most boxes of the small layer tested against every feature box one by one (numpy).
_LOOP_MAX_BOXES = 64


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
