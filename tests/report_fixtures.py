"""Edited zones for report and map tests: one zone moved onto another, zones marked official."""

from __future__ import annotations

import geopandas as gpd

from spatial.crs import gk_zone_crs
from spatial.io.layers import bundled_layer_path, read_layer


def moved_zones(zone_id: str = "zone-kcxz", onto: str = "zone-cjrh", share: float = 0.6):
    """The bundled zones with ``zone_id`` moved ``share`` of the way to ``onto``'s centroid."""
    zones = read_layer(bundled_layer_path("zones"))
    local = zones.to_crs(gk_zone_crs(106.2))
    by_id = local.set_index("id").geometry
    dx = (by_id[onto].centroid.x - by_id[zone_id].centroid.x) * share
    dy = (by_id[onto].centroid.y - by_id[zone_id].centroid.y) * share
    pick = local["id"] == zone_id
    local.loc[pick, "geometry"] = local.loc[pick].geometry.translate(dx, dy)
    return local.to_crs(zones.crs)


def official_zones() -> gpd.GeoDataFrame:
    """The bundled zones marked as a planner's official survey."""
    zones = read_layer(bundled_layer_path("zones"))
    return zones.assign(accuracy="official", source="planner's survey 2026 (test)")
