"""The checked plan's facts as the map shows them: each zone's area check joined onto the zone.

The check itself is the snapshot's (:attr:`spatial.checked.snapshot.PlanSnapshot.zone_checks`,
taken once by :func:`spatial.checks.snapshot.take_snapshot`); this module only
joins it onto the zones by ``id`` and measures the zones no target names.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from spatial.checked.snapshot import PLAN_FIGURE_COLUMNS, ZONE_CHECK_COLUMNS
from spatial.checked.status import Status
from spatial.measure.area import ellipsoidal_area_m2
from spatial.units import M2_PER_KM2

__all__ = ["AREA_COLUMNS", "with_area_checks"]

#: Columns joined onto each zone (areas in km², ellipsoidal on CGCS2000/GRS80), then the
#: target as the plan gave it (``1000``, ``"mu"``), so the popup prints it in the plan's unit.
AREA_COLUMNS: tuple[str, ...] = (*ZONE_CHECK_COLUMNS, *PLAN_FIGURE_COLUMNS)


def with_area_checks(zones: gpd.GeoDataFrame, checks: pd.DataFrame | None) -> gpd.GeoDataFrame:
    """Return the zones with the area-check columns of :data:`AREA_COLUMNS` joined by ``id``.

    Every polygon gets its ``measured_km2`` (ellipsoidal, CGCS2000/GRS80); zones
    without a row in ``checks`` (the snapshot's ``zone_checks``; None: no check)
    get ``status`` ``"NO TARGET"`` and no target, difference or tolerance.

    Examples
    --------
    >>> from spatial.checks.snapshot import take_snapshot
    >>> from spatial.io.layers import load_plan_layers
    >>> snap = take_snapshot(load_plan_layers())
    >>> checked = with_area_checks(snap.drawn["zones"], snap.zone_checks)
    >>> row = checked.set_index("id").loc["zone-szjj"]
    >>> float(row["target_km2"]), round(float(row["measured_km2"]), 2), row["status"]
    (10.0, 10.0, 'PASS')
    >>> with_area_checks(snap.drawn["zones"], None)["status"].unique().tolist()
    ['NO TARGET']
    """
    kept = zones.drop(columns=[c for c in AREA_COLUMNS if c in zones.columns])
    measured_km2 = ellipsoidal_area_m2(kept) / M2_PER_KM2
    if "id" not in kept.columns or checks is None:
        return kept.assign(measured_km2=measured_km2, status=str(Status.NO_TARGET))
    rows = checks.drop(columns="measured_km2").drop_duplicates("id")
    merged = kept.merge(rows, on="id", how="left")
    merged["measured_km2"] = measured_km2
    merged["status"] = merged["status"].fillna(str(Status.NO_TARGET))
    return merged.reindex(columns=[*kept.columns, *AREA_COLUMNS])  # a plan's unit may be absent
