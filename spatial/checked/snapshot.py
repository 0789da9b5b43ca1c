"""One checked state of the plan, shared by ``check``, the map, the report, the sheet, the exports.

Taken once by :func:`spatial.checks.snapshot.take_snapshot`; the renderers draw
it and derive nothing from the plan themselves, so that every page shows the
targets and statuses ``spatial check`` reports on the same files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from spatial.checked.provenance import LayerProvenance
from spatial.checked.report import CheckReport

__all__ = ["PLAN_FIGURE_COLUMNS", "ZONE_CHECK_COLUMNS", "PlanSnapshot"]

#: Columns of :attr:`PlanSnapshot.zone_checks` after ``id`` (areas in km², ellipsoidal, CGCS2000).
ZONE_CHECK_COLUMNS: tuple[str, ...] = (
    "target_km2",
    "measured_km2",
    "diff_pct",
    "tolerance_pct",
    "status",
)

#: Columns of :attr:`PlanSnapshot.zone_checks` after those: the target as the plan gave it
#: (``1000``, ``"mu"``), for pages that show it in the planner's unit.
PLAN_FIGURE_COLUMNS: tuple[str, ...] = ("target_value", "target_unit")


def _no_zone_checks() -> pd.DataFrame:
    return pd.DataFrame(columns=["id", *ZONE_CHECK_COLUMNS, *PLAN_FIGURE_COLUMNS])


@dataclass(frozen=True)
class PlanSnapshot:
    """The plan's layers with their check, failure pieces and provenance.

    Attributes
    ----------
    layers : dict of str to GeoDataFrame
        Every layer checked (bundled ones with the planner's in their place).
    drawn : dict of str to GeoDataFrame
        The layers a page draws, validated once, in EPSG:4326 (lon/lat): the
        checked plan layers (those derived from replaced zones left out) and
        the planner's extra layers.
    files : dict of str to str
        The planner's file name of each layer they gave.
    report : CheckReport
        Targets and rules, as ``spatial check`` reports them.
    pieces : GeoDataFrame
        Overlap and outside pieces of the failed rules (EPSG:4326).
    provenance : list of LayerProvenance
        Accuracy and sources of each drawn layer.
    title_zh, title_en : str
        The title the layers' accuracy allows.
    notes : list of str
        Notes every page shows (layers left out, CRS warnings).
    zone_checks : DataFrame
        One row per zone target of the plan checked (``id`` and
        :data:`ZONE_CHECK_COLUMNS`, then :data:`PLAN_FIGURE_COLUMNS`), the rows of
        ``report.targets``.
    missing_zone_targets : list of str
        Ids of the plan's zone targets that no zone carries.
    headlines : list of dict
        The plan's headline figures (``label_zh``, ``label_en``, ``value``...).
    made : datetime.date
        The day the snapshot was taken (UTC).
    """

    layers: dict[str, gpd.GeoDataFrame]
    drawn: dict[str, gpd.GeoDataFrame]
    files: dict[str, str]
    report: CheckReport
    pieces: gpd.GeoDataFrame
    provenance: list[LayerProvenance]
    title_zh: str
    title_en: str
    notes: list[str] = field(default_factory=list)
    zone_checks: pd.DataFrame = field(default_factory=_no_zone_checks)
    missing_zone_targets: list[str] = field(default_factory=list)
    headlines: list[dict[str, Any]] = field(default_factory=list)
    made: dt.date = field(default_factory=lambda: dt.datetime.now(dt.UTC).date())

    def target_unit(self, target_id: object) -> str:
        """Return the unit the plan gives target ``target_id`` in (``mu``, ``ha``, ``m2``, ``km2``).

        A zone target's (:attr:`zone_checks`' ``target_unit``); ``km2`` for any
        other, as the check's table has it. Pages print a target and its
        measured area in this unit (:func:`spatial.checked.figures.area_text`).
        """
        checks = self.zone_checks
        if "target_unit" not in checks.columns:
            return "km2"
        found = checks["target_unit"][checks["id"].astype(str) == str(target_id)]
        return str(found.iloc[0]) if len(found) else "km2"

    @property
    def passed(self) -> bool:
        """True when every target and rule passes (``spatial check`` would exit 0)."""
        return self.report.passed
