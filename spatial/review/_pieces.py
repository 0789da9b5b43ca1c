"""Shared steps of the review: layers made ready, polygons cut against polygons, pieces measured.

Every layer is validated in its own CRS (the validator's one-line refusal, or
repair on request), then brought to WGS84 lon/lat (EPSG:4326); pieces are cut on
those coordinates and measured on the ellipsoid (GRS80/CGCS2000) by
:func:`spatial.measure.area.ellipsoidal_area_m2`, the one area of record.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely

from spatial.crs import WGS84, align_crs
from spatial.errors import LayerError
from spatial.measure.area import ellipsoidal_area_m2
from spatial.overlay.operations import require_geometry
from spatial.validate.prepare import prepare_valid

__all__ = ["area_m2", "cut_pairs", "polygonal", "ready_layers", "require_unique"]


def ready_layers(
    layers: Sequence[tuple[gpd.GeoDataFrame, str]], repair: bool = False
) -> tuple[list[gpd.GeoDataFrame], list[dict[str, object]]]:
    """Validate polygon layers (named as given) and bring them to EPSG:4326; return the repairs."""
    valid, repairs = [], []
    for gdf, source in layers:
        require_geometry(gdf, source, "polygon")
        checked, done = prepare_valid(gdf.reset_index(drop=True), source, repair)
        valid.append(checked)
        repairs.extend(done)
    aligned = align_crs(
        [(gdf, src) for gdf, (_, src) in zip(valid, layers, strict=True)], "combined", stacklevel=3
    )
    return [gdf.to_crs(WGS84) if not gdf.crs.equals(WGS84) else gdf for gdf in aligned], repairs


def require_unique(gdf: gpd.GeoDataFrame, source: str, field: str, option: str) -> list[str]:
    """Return ``field`` as text ids, refusing a missing field, a blank or a repeated id."""
    if field not in gdf.columns:
        fields = ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name)
        raise LayerError(
            f"{source}: no field {field!r} (use {option} to name another); fields are {fields}"
        )
    ids = [
        "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip()
        for v in gdf[field]
    ]
    seen: set[str] = set()
    for position, value in enumerate(ids):
        if not value:
            raise LayerError(f"{source}: feature #{position}: no {field}")
        if value in seen:
            raise LayerError(f"{source}: feature {value}: {field} repeated")
        seen.add(value)
    return ids


def area_m2(geoms: np.ndarray | Sequence[shapely.Geometry]) -> np.ndarray:
    """Ellipsoidal areas (m²) of lon/lat geometries; lines and points count 0."""
    return ellipsoidal_area_m2(gpd.GeoSeries(list(geoms), crs=WGS84))


def cut_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(a_index, b_index, piece)`` for each pair of polygons that share area.

    Pieces are polygons or multipolygons: the lines and points where two
    polygons only touch are dropped.
    """
    tree = shapely.STRtree(b)
    ai, bi = tree.query(a, predicate="intersects")
    pieces = polygonal(shapely.intersection(a[ai], b[bi]))
    has_area = ~shapely.is_empty(pieces)
    return ai[has_area], bi[has_area], pieces[has_area]


def polygonal(geoms: np.ndarray) -> np.ndarray:
    """Return each geometry's polygonal part (an empty polygon when it has none)."""
    out = np.asarray(geoms, dtype=object).copy()
    mixed = ~np.isin(shapely.get_type_id(out), (3, 6))
    for i in np.flatnonzero(mixed):
        parts = shapely.get_parts(shapely.get_parts(out[i]))
        polys = [g for g in parts if shapely.get_type_id(g) == 3]
        out[i] = shapely.multipolygons(polys) if polys else shapely.Polygon()
    return out
