"""CAD drawings (DXF) as planning layers: closed polylines and hatches made polygons.

GDAL's DXF driver reads every entity as a feature with its ``Layer`` (the CAD
layer name, kept as a field) and ``EntityHandle``; a closed polyline arrives as
a closed LineString, a hatch as a Polygon. :func:`polygonize` makes polygons of
both on request (``--polygonize``); an open polyline cannot be a polygon and is
left out, reported by its handle and CAD layer so it can be closed in CAD.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from spatial.errors import LayerError

__all__ = ["polygonize"]

_MAX_LISTED = 5


def _closed(geoms: np.ndarray) -> np.ndarray:
    lines = shapely.get_type_id(geoms) == 1  # LineString
    closed = np.zeros(len(geoms), dtype=bool)
    closed[lines] = shapely.is_closed(geoms[lines]) & (shapely.get_num_points(geoms[lines]) >= 4)
    return closed


def _describe(gdf: gpd.GeoDataFrame, mask: np.ndarray, what: str) -> str:
    rows = gdf[mask]
    handles = rows["EntityHandle"] if "EntityHandle" in rows.columns else rows.index.astype(str)
    cad_layers = rows["Layer"] if "Layer" in rows.columns else ["?"] * len(rows)
    listed = [f"handle {h} (layer {lyr})" for h, lyr in zip(handles, cad_layers, strict=False)]
    more = f" and {len(listed) - _MAX_LISTED} more" if len(listed) > _MAX_LISTED else ""
    return f"{len(rows)} {what} left out: {', '.join(listed[:_MAX_LISTED])}{more}"


def polygonize(gdf: gpd.GeoDataFrame, source: str) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Return the layer's polygons: hatches as they are, closed polylines filled; and notes.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        A layer as GDAL reads a DXF (any CRS; fields ``Layer`` and ``EntityHandle``).
    source : str
        How to name the drawing in the notes.

    Raises
    ------
    LayerError
        Nothing in the drawing can be a polygon.

    Returns
    -------
    (GeoDataFrame, list of str)
        Polygon features only, every field kept (``Layer`` is the CAD layer name),
        and one note per kind of entity left out: open polylines by handle and
        layer, other entities (text, points) by count.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> drawing = gpd.GeoDataFrame(
    ...     {"Layer": ["规划范围", "道路"], "EntityHandle": ["2F", "30"]},
    ...     geometry=[LineString([(0, 0), (1, 0), (1, 1), (0, 0)]), LineString([(0, 0), (5, 5)])],
    ... )
    >>> polygons, notes = polygonize(drawing, "plan.dxf")
    >>> polygons.geom_type.tolist()
    ['Polygon']
    >>> for note in notes:
    ...     print(note)
    plan.dxf: 1 closed polyline(s) made polygons, 0 hatch(es) kept
    plan.dxf: 1 open polyline(s) left out: handle 30 (layer 道路)
    """
    geoms = np.asarray(gdf.geometry.array)
    type_id = shapely.get_type_id(geoms)
    closed = _closed(geoms)
    polygons = np.isin(type_id, [3, 6])  # hatches: Polygon, MultiPolygon
    open_lines = np.isin(type_id, [1, 5]) & ~closed
    other = ~(closed | polygons | open_lines)
    filled = geoms.copy()
    filled[closed] = [shapely.Polygon(line.coords) for line in geoms[closed]]
    keep = closed | polygons
    if not keep.any():
        raise LayerError(
            f"{source}: --polygonize found no closed polyline or hatch to make a polygon of "
            f"({_describe(gdf, open_lines | other, 'entities')})"
        )
    kept = gdf[keep].set_geometry(filled[keep], crs=gdf.crs).reset_index(drop=True)
    notes = [
        f"{source}: {int(closed.sum())} closed polyline(s) made polygons, "
        f"{int(polygons.sum())} hatch(es) kept"
    ]
    if open_lines.any():
        notes.append(f"{source}: {_describe(gdf, open_lines, 'open polyline(s)')}")
    if other.any():
        notes.append(f"{source}: {int(other.sum())} other entities (text, points) left out")
    return kept, notes
