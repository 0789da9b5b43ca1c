"""The plan's facts as the map needs them: the zones' area check and the headline figures.

The check belongs to :mod:`spatial.check` (``check_targets``) and the plan's
data to :mod:`spatial.plan`; this module is the one place the map calls them.
"""

from __future__ import annotations

import tomllib

import geopandas as gpd
import pandas as pd
from pyproj import Geod

from spatial._bundled import bundled_dir

__all__ = ["AREA_COLUMNS", "headlines", "with_area_checks"]

#: Columns the check adds to each zone (areas in km², ellipsoidal on CGCS2000/GRS80).
AREA_COLUMNS: tuple[str, ...] = (
    "target_km2",
    "measured_km2",
    "diff_pct",
    "tolerance_pct",
    "status",
)
_UNIT_TO_KM2 = {"km2": 1.0, "m2": 1e-6, "ha": 0.01}


def _plan() -> dict:
    return tomllib.loads((bundled_dir("seeds") / "plan.toml").read_text(encoding="utf-8"))


def headlines() -> list[dict]:
    """Return the plan's headline figures (``[[headlines]]`` of ``seeds/plan.toml``).

    Examples
    --------
    >>> [h["value"] for h in headlines()][:2]
    [170, 629]
    """
    return list(_plan()["headlines"])


def _check_targets(zones: gpd.GeoDataFrame) -> pd.DataFrame:
    """Stand-in for ``spatial.check.check_targets`` until it lands (same columns)."""
    plan = _plan()
    targets = {t["id"]: t for t in plan["targets"] if t.get("layer") == "zones"}
    geod = Geod(ellps="GRS80")
    rows = []
    for zone_id, geom in zip(zones["id"], zones.geometry.to_crs(4490), strict=True):
        target = targets.get(zone_id)
        if target is None:
            continue
        measured_km2 = abs(geod.geometry_area_perimeter(geom)[0]) / 1e6
        target_km2 = target["value"] * _UNIT_TO_KM2[target["unit"]]
        diff_pct = (measured_km2 - target_km2) / target_km2 * 100
        status = "PASS" if abs(diff_pct) <= target["tolerance_pct"] else "FAIL"
        rows.append((zone_id, target_km2, measured_km2, diff_pct, target["tolerance_pct"], status))
    return pd.DataFrame(rows, columns=["id", *AREA_COLUMNS])


def with_area_checks(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the zones with the area-check columns of :data:`AREA_COLUMNS` joined by ``id``.

    Zones without a target in ``seeds/plan.toml`` get ``status`` ``"NO TARGET"``.

    Examples
    --------
    >>> from spatial.layers import bundled_layer_path, read_layer
    >>> checked = with_area_checks(read_layer(bundled_layer_path("zones")))
    >>> checked.set_index("id").loc["zone-szjj", "target_km2"]
    np.float64(10.0)
    """
    if "id" not in zones.columns:
        return zones.assign(status="NO TARGET")
    checks = _check_targets(zones)
    merged = zones.drop(columns=[c for c in AREA_COLUMNS if c in zones.columns]).merge(
        checks, on="id", how="left"
    )
    merged["status"] = merged["status"].fillna("NO TARGET")
    return merged
