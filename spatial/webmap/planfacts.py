"""The plan's facts as the map needs them: the zones' area check and the headline figures.

The check belongs to :func:`spatial.check.check_targets` and the plan's data to
:mod:`spatial.plan`; this module is the one place the map calls them, and it
joins the check onto the zones by ``id``.
"""

from __future__ import annotations

from dataclasses import asdict

import geopandas as gpd
import pandas as pd

from spatial.check import check_targets
from spatial.plan import load_headlines, load_targets

__all__ = ["AREA_COLUMNS", "headlines", "with_area_checks"]

#: Columns joined onto each zone (areas in km², ellipsoidal on CGCS2000/GRS80).
AREA_COLUMNS: tuple[str, ...] = (
    "target_km2",
    "measured_km2",
    "diff_pct",
    "tolerance_pct",
    "status",
)
NO_TARGET = "NO TARGET"


def headlines() -> list[dict]:
    """Return the plan's headline figures as dicts (``label_zh``, ``label_en``, ``value``…).

    Examples
    --------
    >>> [h["value"] for h in headlines()][:2]
    [170.0, 629.0]
    """
    return [asdict(h) for h in load_headlines()]


def _checks(zones: gpd.GeoDataFrame) -> pd.DataFrame:
    targets = [t for t in load_targets() if t.layer == "zones" and t.id in set(zones["id"])]
    table = check_targets(zones, targets)
    tolerance = pd.Series({t.id: t.tolerance_pct for t in targets}, name="tolerance_pct")
    return table.join(tolerance, on="id")[["id", *AREA_COLUMNS]]


def with_area_checks(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the zones with the area-check columns of :data:`AREA_COLUMNS` joined by ``id``.

    Zones without a target in ``seeds/plan.toml`` get ``status`` ``"NO TARGET"``.

    Examples
    --------
    >>> from spatial.layers import bundled_layer_path, read_layer
    >>> checked = with_area_checks(read_layer(bundled_layer_path("zones")))
    >>> row = checked.set_index("id").loc["zone-szjj"]
    >>> float(row["target_km2"]), round(float(row["measured_km2"]), 2), row["status"]
    (10.0, 10.0, 'PASS')
    """
    if "id" not in zones.columns:
        return zones.assign(status=NO_TARGET)
    kept = zones.drop(columns=[c for c in AREA_COLUMNS if c in zones.columns])
    merged = kept.merge(_checks(zones), on="id", how="left")
    merged["status"] = merged["status"].fillna(NO_TARGET)
    return merged
