"""The plan's facts as the map needs them: the zones' area check and the headline figures.

The check belongs to :func:`spatial.checks.check_targets` and the plan's data to
:mod:`spatial.plan`; this module is the one place the map calls them, and it
joins the check onto the zones by ``id``.
"""

from __future__ import annotations

from dataclasses import asdict

import geopandas as gpd
import pandas as pd

from spatial.checks import check_targets
from spatial.measure.area import ellipsoidal_area_m2
from spatial.plan import load_headlines, load_targets
from spatial.units import M2_PER_KM2

__all__ = ["AREA_COLUMNS", "headlines", "missing_targets", "with_area_checks"]

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


def missing_targets(zones: gpd.GeoDataFrame) -> list[str]:
    """Return the ids of the plan's zone targets that no feature of ``zones`` carries.

    Examples
    --------
    >>> from spatial.io.layers import bundled_layer_path, read_layer
    >>> zones = read_layer(bundled_layer_path("zones"))
    >>> missing_targets(zones), missing_targets(zones[zones["id"] != "zone-szjj"])
    ([], ['zone-szjj'])
    """
    ids = set(zones["id"]) if "id" in zones.columns else set()
    return [t.id for t in load_targets() if t.layer == "zones" and t.id not in ids]


def with_area_checks(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the zones with the area-check columns of :data:`AREA_COLUMNS` joined by ``id``.

    Every polygon gets its ``measured_km2`` (ellipsoidal, CGCS2000/GRS80); zones
    without a target in ``seeds/plan.toml`` get ``status`` ``"NO TARGET"`` and no
    target, difference or tolerance.

    The zones must have been validated (``build_map`` does it once, through
    :func:`spatial.validate.inputs.prepare_inputs`).

    Examples
    --------
    >>> from spatial.io.layers import bundled_layer_path, read_layer
    >>> checked = with_area_checks(read_layer(bundled_layer_path("zones")))
    >>> row = checked.set_index("id").loc["zone-szjj"]
    >>> float(row["target_km2"]), round(float(row["measured_km2"]), 2), row["status"]
    (10.0, 10.0, 'PASS')
    """
    kept = zones.drop(columns=[c for c in AREA_COLUMNS if c in zones.columns])
    measured_km2 = ellipsoidal_area_m2(kept) / M2_PER_KM2
    if "id" not in kept.columns:
        return kept.assign(measured_km2=measured_km2, status=NO_TARGET)
    checks = _checks(kept).drop(columns="measured_km2")
    merged = kept.merge(checks, on="id", how="left")
    merged["measured_km2"] = measured_km2
    merged["status"] = merged["status"].fillna(NO_TARGET)
    return merged[[*kept.columns, *AREA_COLUMNS]]
