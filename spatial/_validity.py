"""Refuse invalid geometries, or repair them on request, before measuring them.

Delegates to :mod:`spatial.validate` (``ensure_valid`` / ``repair_layer``) when
that module is present; until then a minimal equivalent built on shapely's
validator gives the same one-line refusal.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from spatial.area import M2_PER_KM2, ellipsoidal_area_m2
from spatial.errors import LayerError

__all__ = ["prepare_valid"]


def _feature_name(gdf: gpd.GeoDataFrame, pos: int, id_col: str) -> str:
    if id_col in gdf.columns:
        return f"feature {gdf[id_col].iloc[pos]!s}"
    return f"feature #{pos}"


def _ensure_valid_fallback(gdf: gpd.GeoDataFrame, source: str, id_col: str) -> None:
    geoms = gdf.geometry.array
    missing = np.flatnonzero(gdf.geometry.isna().to_numpy())
    if missing.size:
        raise LayerError(f"{source}: {_feature_name(gdf, int(missing[0]), id_col)}: no geometry")
    invalid = np.flatnonzero(~shapely.is_valid(geoms))
    if invalid.size:
        pos = int(invalid[0])
        reason = shapely.is_valid_reason(geoms[pos])
        more = f" (and {invalid.size - 1} more)" if invalid.size > 1 else ""
        raise LayerError(
            f"{source}: {_feature_name(gdf, pos, id_col)}: invalid geometry ({reason}){more}; "
            "fix it or ask for repair"
        )


def _repair_fallback(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    fixed = shapely.make_valid(gdf.geometry.array, method="structure", keep_collapsed=False)
    out = gdf.copy()
    out[gdf.geometry.name] = gpd.GeoSeries(fixed, index=gdf.index, crs=gdf.crs)
    return out


def _ensure_valid(gdf: gpd.GeoDataFrame, source: str, id_col: str) -> None:
    try:
        from spatial.validate import ensure_valid  # noqa: PLC0415 - lands on another branch
    except ImportError:
        _ensure_valid_fallback(gdf, source, id_col)
    else:
        ensure_valid(gdf, source)


def _repair(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    try:
        from spatial.validate import repair_layer  # noqa: PLC0415 - lands on another branch
    except ImportError:
        return _repair_fallback(gdf)
    repaired = repair_layer(gdf)
    return repaired[0] if isinstance(repaired, tuple) else repaired


def prepare_valid(
    gdf: gpd.GeoDataFrame, source: str, id_col: str = "id", repair: bool = False
) -> tuple[gpd.GeoDataFrame, list[dict[str, object]]]:
    """Return ``gdf`` checked (or repaired) and the list of repairs made.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The layer, with a CRS.
    source : str
        How to name the layer in messages (a file path or a layer name).
    id_col : str
        Column naming the features in messages and in the repair list.
    repair : bool
        Repair invalid geometries instead of refusing them.

    Returns
    -------
    (geopandas.GeoDataFrame, list of dict)
        The layer, and one ``{"layer", "id", "area_change_km2"}`` per repaired
        feature (ellipsoidal area after minus before).

    Raises
    ------
    LayerError
        A geometry is missing or invalid and ``repair`` is False: the message
        is the validator's, naming the layer and the feature.
    """
    if not repair:
        _ensure_valid(gdf, source, id_col)
        return gdf, []
    invalid = ~shapely.is_valid(gdf.geometry.array)
    if not invalid.any():
        return gdf, []
    before = ellipsoidal_area_m2(gdf)
    fixed = _repair(gdf)
    after = ellipsoidal_area_m2(fixed)
    repairs = [
        {
            "layer": source,
            "id": str(gdf[id_col].iloc[pos]) if id_col in gdf.columns else f"#{pos}",
            "area_change_km2": float((after[pos] - before[pos]) / M2_PER_KM2),
        }
        for pos in np.flatnonzero(invalid)
    ]
    return fixed, repairs
