"""Area targets: the ellipsoidal area of each target's feature against the plan's figure."""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from spatial.checks.report import TARGET_COLUMNS
from spatial.checks.status import Status
from spatial.measure.area import ellipsoidal_area_m2, planar_area_m2
from spatial.plan import Target
from spatial.preconditions import require_crs, require_id_column
from spatial.units import M2_PER_KM2

__all__ = ["check_targets"]

PASS, FAIL = Status.PASS, Status.FAIL


def _target_row(target: Target, layer: gpd.GeoDataFrame, id_col: str) -> dict[str, object]:
    matches = layer[layer[id_col] == target.id]
    row = {
        "id": target.id,
        "name_zh": target.name_zh,
        "target_km2": target.target_km2,
        "measured_km2": np.nan,
        "planar_km2": np.nan,
        "diff_km2": np.nan,
        "diff_pct": np.nan,
        "status": FAIL,
        "reason": "",
    }
    if len(matches) != 1:
        problem = "not found in the layer" if matches.empty else f"id appears {len(matches)} times"
        return row | {"reason": problem}
    measured_km2 = float(ellipsoidal_area_m2(matches)[0]) / M2_PER_KM2
    diff_km2 = measured_km2 - target.target_km2
    diff_pct = 100.0 * diff_km2 / target.target_km2
    row |= {
        "measured_km2": measured_km2,
        "planar_km2": float(planar_area_m2(matches)[0]) / M2_PER_KM2,
        "diff_km2": diff_km2,
        "diff_pct": diff_pct,
        "status": PASS if abs(diff_pct) <= target.tolerance_pct else FAIL,
    }
    if row["status"] == FAIL:
        row["reason"] = (
            f"{measured_km2:.4f} km² is {diff_pct:+.2f}% from {target.target_km2:g} km² "
            f"(tolerance ±{target.tolerance_pct:g}%)"
        )
    return row


def check_targets(
    zones: gpd.GeoDataFrame,
    targets: Iterable[Target],
    id_col: str = "id",
    *,
    name: str = "zones",
) -> pd.DataFrame:
    """Compare each target with the ellipsoidal area of its feature in ``zones``.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        The layer holding the targets' features, with a CRS.
    targets : iterable of Target
        The targets (see :func:`spatial.plan.load_targets`), matched by id.
    id_col : str
        Column identifying the features.
    name : str
        How to name the layer in error messages (its file, say).

    Returns
    -------
    pandas.DataFrame
        Columns exactly :data:`TARGET_COLUMNS`: ``target_km2``, ``measured_km2``
        (ellipsoidal, GRS80), ``planar_km2`` (Gauss–Krüger cross-check),
        ``diff_km2`` (measured minus target), ``diff_pct`` (of the target),
        ``status`` PASS when ``|diff_pct|`` is within the target's tolerance.
        ``reason`` says why a row failed: its feature is missing or repeated
        (FAIL with NaN figures), or its area is off target.

    Examples
    --------
    >>> from spatial.io.layers import bundled_layer_path, read_layer
    >>> zones = read_layer(bundled_layer_path("zones"))
    >>> from spatial.plan import load_targets
    >>> table = check_targets(zones, load_targets())
    >>> row = table.set_index("id").loc["zone-cjrh"]
    >>> float(row["target_km2"]), round(float(row["measured_km2"]), 3), row["status"]
    (20.0, 20.0, 'PASS')
    >>> check_targets(zones.iloc[1:], load_targets()[:1])["reason"].tolist()
    ['not found in the layer']
    """
    require_crs(zones, name)
    require_id_column(zones, name, id_col)
    rows = [_target_row(target, zones, id_col) for target in targets]
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)
