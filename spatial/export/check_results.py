"""A check report as result layers: the targets with their features, the rules, the plan.

For a GeoPackage or File Geodatabase the checked plan goes along (every layer
as checked, EPSG:4326, zones with their area check), so that QGIS opens the
plan as the web map shows it; PostGIS gets the targets and rules only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from spatial.checked.report import CheckReport
from spatial.crs import WGS84

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

__all__ = ["check_result_layers"]

_CHECK_COLUMNS = ["target_km2", "measured_km2", "diff_pct", "status"]


def _targets_with_geometry(report: CheckReport) -> gpd.GeoDataFrame:
    geoms: dict[object, BaseGeometry] = {}
    for layer in report.layers.values():
        for ident, geom in zip(layer["id"], layer.geometry, strict=True):
            geoms.setdefault(ident, geom)
    targets = report.targets.astype({"status": str})
    # A target without a feature gets None, a missing geometry, which GeoDataFrame takes;
    # types-geopandas leaves None out of geometry=.
    geometry = [geoms.get(i) for i in targets["id"]]
    return gpd.GeoDataFrame(targets, geometry=geometry, crs=WGS84)  # type: ignore[arg-type]


def _zones_checked(zones: gpd.GeoDataFrame, targets: pd.DataFrame) -> gpd.GeoDataFrame:
    kept = zones.drop(columns=[c for c in _CHECK_COLUMNS if c in zones.columns])
    merged = kept.merge(
        targets[["id", *_CHECK_COLUMNS]].astype({"status": str}), on="id", how="left"
    )
    merged["status"] = merged["status"].fillna("NO TARGET")
    return gpd.GeoDataFrame(merged, geometry=kept.geometry.name, crs=zones.crs)


def check_result_layers(report: CheckReport, with_plan: bool = True) -> dict[str, pd.DataFrame]:
    """Return ``targets`` (a layer: each target with its feature's geometry), ``rules``, the plan.

    Parameters
    ----------
    report : CheckReport
        From :func:`spatial.checks.run_checks`.
    with_plan : bool
        Add every checked layer after the two tables (``zones`` with its area check).
    """
    layers: dict[str, pd.DataFrame] = {
        "targets": _targets_with_geometry(report),
        "rules": report.rules.astype(object).where(report.rules.notna(), None),
    }
    if with_plan:
        for name, gdf in report.layers.items():
            layers[name] = _zones_checked(gdf, report.targets) if name == "zones" else gdf
    return layers
