"""Refuse invalid geometries, or repair them on request, before measuring them.

A thin bridge to :mod:`spatial.validate.problems`: :func:`~spatial.validate.ensure_valid`
gives the one-line refusal, :func:`~spatial.validate.repair_layer` the repair and
the area each repair changed.
"""

from __future__ import annotations

import geopandas as gpd

from spatial.validate.problems import ensure_valid, repair_layer

__all__ = ["prepare_valid"]


def prepare_valid(
    gdf: gpd.GeoDataFrame, source: str, repair: bool = False
) -> tuple[gpd.GeoDataFrame, list[dict[str, object]]]:
    """Return ``gdf`` checked (or repaired, then checked) and the list of repairs made.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The layer, with a CRS.
    source : str
        How to name the layer in messages (a file path or a layer name).
    repair : bool
        Repair invalid geometries (``make_valid``) instead of refusing them.

    Returns
    -------
    (geopandas.GeoDataFrame, list of dict)
        The layer, and one ``{"layer", "id", "reason", "area_changed_m2"}`` per
        repaired feature (ellipsoidal area after minus before, m², the column
        :func:`~spatial.validate.repair_layer` reports under the same name).

    Raises
    ------
    LayerError
        A geometry is missing or invalid (and ``repair`` is False), ids repeat,
        or coordinates are implausible: the validator's one-line message.
    """
    repairs: list[dict[str, object]] = []
    if repair:
        gdf, report = repair_layer(gdf, source)
        columns = (report["id"], report["reason"], report["area_changed_m2"])
        repairs = [
            {"layer": source, "id": fid, "reason": reason, "area_changed_m2": float(change_m2)}
            for fid, reason, change_m2 in zip(*columns, strict=True)
        ]
    ensure_valid(gdf, source)
    return gdf, repairs
