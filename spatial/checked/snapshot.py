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

__all__ = ["PLAN_FIGURE_COLUMNS", "UNJUDGED_COLUMNS", "ZONE_CHECK_COLUMNS", "PlanSnapshot"]

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


#: Columns of :attr:`PlanSnapshot.unjudged_zones`: every zone with its area of record, m².
UNJUDGED_COLUMNS: tuple[str, ...] = ("id", "name_zh", "measured_m2")


def _no_unjudged() -> pd.DataFrame:
    return pd.DataFrame(columns=list(UNJUDGED_COLUMNS))


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
    unjudged_zones : DataFrame
        When zones are drawn and no target judges any of them (a planner's zones
        without a plan of theirs, a project naming no targets): every zone's
        ``id``, ``name_zh`` and ``measured_m2`` (area of record, CGCS2000
        ellipsoid), in the zones' order; empty otherwise.
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
    unjudged_zones: pd.DataFrame = field(default_factory=_no_unjudged)
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
    def zone_units(self) -> tuple[str, ...]:
        """The units a zone's measured area is shown in when no target judges it.

        m², and the unit the plan's zone targets share when they share one
        (``("m2", "mu")`` for a plan in 亩): as the terminal, the map and the
        report list :attr:`unjudged_zones`.
        """
        units = set() if self.zone_checks.empty else set(self.zone_checks["target_unit"])
        shared = units.pop() if len(units) == 1 else None
        return ("m2",) if shared in (None, "m2") else ("m2", str(shared))

    @property
    def passed(self) -> bool:
        """True when every target and rule passes (``spatial check`` would exit 0)."""
        return self.report.passed
