"""Area targets: the area of record of each target's feature against the plan's figure.

The figure checked is the area of record (:func:`spatial.measure.area.ellipsoidal_area_m2`:
CGCS2000, edges straight in lon/lat, the figure every tabulation also uses). Beside
it, for a reviewer, the two other edge models and their differences from it, in m²:
``planar`` (the Gauss–Krüger plane of the data, its scale error included) and
``geodesic`` (pyproj.Geod, what PostGIS geography and QGIS report).
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from spatial.checks.report import TARGET_COLUMNS
from spatial.checks.status import Status
from spatial.errors import CRSError, LayerError
from spatial.measure.area import ellipsoidal_area_m2, geodesic_area_m2, planar_area_m2
from spatial.plan import Target
from spatial.units import M2_PER_KM2

__all__ = ["check_targets"]

PASS, FAIL = Status.PASS, Status.FAIL


def _target_row(target: Target, layer: gpd.GeoDataFrame, id_col: str) -> tuple[dict, str]:
    matches = layer[layer[id_col] == target.id]
    row = {
        "id": target.id,
        "name_zh": target.name_zh,
        "target_km2": target.target_km2,
        "measured_km2": np.nan,
        "planar_km2": np.nan,
        "geodesic_km2": np.nan,
        "planar_diff_m2": np.nan,
        "geodesic_diff_m2": np.nan,
        "diff_km2": np.nan,
        "diff_pct": np.nan,
        "status": FAIL,
    }
    if len(matches) != 1:
        problem = "not found in the layer" if matches.empty else f"id appears {len(matches)} times"
        return row, problem
    measured_m2 = float(ellipsoidal_area_m2(matches)[0])
    planar_m2 = float(planar_area_m2(matches)[0])
    geodesic_m2 = float(geodesic_area_m2(matches)[0])
    measured_km2 = measured_m2 / M2_PER_KM2
    diff_km2 = measured_km2 - target.target_km2
    diff_pct = 100.0 * diff_km2 / target.target_km2
    row |= {
        "measured_km2": measured_km2,
        "planar_km2": planar_m2 / M2_PER_KM2,
        "geodesic_km2": geodesic_m2 / M2_PER_KM2,
        "planar_diff_m2": planar_m2 - measured_m2,
        "geodesic_diff_m2": geodesic_m2 - measured_m2,
        "diff_km2": diff_km2,
        "diff_pct": diff_pct,
        "status": PASS if abs(diff_pct) <= target.tolerance_pct else FAIL,
    }
    reason = (
        ""
        if row["status"] == PASS
        else (
            f"{measured_km2:.4f} km² is {diff_pct:+.2f}% "
            f"from {target.target_km2:g} km² "
            f"(tolerance ±{target.tolerance_pct:g}%)"
        )
    )
    return row, reason


def check_targets(
    zones: gpd.GeoDataFrame, targets: Iterable[Target], id_col: str = "id"
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

    Returns
    -------
    pandas.DataFrame
        Columns exactly :data:`TARGET_COLUMNS`: ``target_km2``, ``measured_km2``
        (the area of record), the cross-checks ``planar_km2`` (Gauss–Krüger
        plane) and ``geodesic_km2`` (geodesic edges) with their differences
        from the record ``planar_diff_m2`` and ``geodesic_diff_m2`` (m²),
        ``diff_km2`` (measured minus target), ``diff_pct`` (of the target),
        ``status`` PASS when ``|diff_pct|`` is within the target's tolerance.
        A target whose feature is missing or repeated is FAIL with NaN figures;
        the reason is in ``attrs["reasons"]`` (target id -> text).

    Examples
    --------
    >>> from spatial.io.layers import bundled_layer_path, read_layer
    >>> zones = read_layer(bundled_layer_path("zones"))
    >>> from spatial.plan import load_targets
    >>> table = check_targets(zones, load_targets())
    >>> row = table.set_index("id").loc["zone-cjrh"]
    >>> float(row["target_km2"]), round(float(row["measured_km2"]), 3), row["status"]
    (20.0, 20.0, 'PASS')
    >>> check_targets(zones.iloc[1:], load_targets()[:1]).attrs["reasons"]
    {'zone-kcxz': 'not found in the layer'}
    """
    if zones.crs is None:
        raise CRSError("zones: the layer carries no CRS; areas cannot be measured")
    if id_col not in zones.columns:
        raise LayerError(f"zones: no id column {id_col!r}")
    rows, reasons = [], {}
    for target in targets:
        row, reason = _target_row(target, zones, id_col)
        rows.append(row)
        if row["status"] == FAIL:
            reasons[target.id] = reason
    table = pd.DataFrame(rows, columns=TARGET_COLUMNS)
    table.attrs["reasons"] = reasons
    return table
