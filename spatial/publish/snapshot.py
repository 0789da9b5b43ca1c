"""One checked state of the plan, shared by the map, the report and the map sheet.

:func:`take_snapshot` runs the same targets and rules as ``spatial check``
(:func:`spatial.checks.run_checks`) on the layers given, finds the ground of
each failure (:func:`spatial.checks.pieces.failure_pieces`), and records the
layers' provenance, the title it allows and the date. Every page drawn from a
snapshot shows the same verdict as ``spatial check`` on the same files.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import geopandas as gpd

from spatial.checks import run_checks
from spatial.checks.pieces import failure_pieces
from spatial.checks.report import CheckReport
from spatial.errors import CRSMismatchWarning, RepairWarning
from spatial.plan import Rule, Target, load_rules, load_targets
from spatial.publish.provenance import (
    LayerProvenance,
    drawn_layers,
    layer_provenance,
    plan_title,
    stale_note,
)
from spatial.validate.inputs import LayerInput, prepare_inputs

__all__ = ["PlanSnapshot", "take_snapshot"]


@dataclass(frozen=True)
class PlanSnapshot:
    """The plan's layers with their check, failure pieces and provenance.

    Attributes
    ----------
    layers : dict of str to GeoDataFrame
        Every layer checked (bundled ones with the planner's in their place).
    drawn : dict of str to GeoDataFrame
        The layers a page draws (those derived from replaced zones left out).
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
    made: dt.date = field(default_factory=lambda: dt.datetime.now(dt.UTC).date())

    @property
    def passed(self) -> bool:
        """True when every target and rule passes (``spatial check`` would exit 0)."""
        return self.report.passed


def _valid_extra(
    extra: Mapping[str, gpd.GeoDataFrame], files: Mapping[str, str]
) -> dict[str, gpd.GeoDataFrame]:
    """Validate the planner's extra layers once (any geometry, no id needed), in EPSG:4326."""
    if not extra:
        return {}
    inputs = [LayerInput(gdf, files.get(name, name), "", "any") for name, gdf in extra.items()]
    prepared = prepare_inputs(inputs, purpose="drawn")
    return dict(zip(extra, prepared.layers, strict=True))


def take_snapshot(
    layers: Mapping[str, gpd.GeoDataFrame],
    files: Mapping[str, str] | None = None,
    extra: Mapping[str, gpd.GeoDataFrame] | None = None,
    *,
    targets: Iterable[Target] | None = None,
    rules: Iterable[Rule] | None = None,
    repair: bool = False,
) -> PlanSnapshot:
    """Check ``layers`` as ``spatial check`` does and record what a page needs to show them.

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame
        Plan layers by name (the bundled ones with the planner's in place).
    files : mapping of str to str, optional
        File of each layer the planner gave; those plan layers count as replaced.
    extra : mapping of str to GeoDataFrame, optional
        The planner's own layers (``--layer NAME=PATH``): drawn beneath the plan,
        not checked.
    targets, rules : optional
        Defaults: ``seeds/plan.toml`` and ``seeds/rules.toml``.
    repair : bool
        Repair invalid geometries instead of refusing them.

    Examples
    --------
    >>> from spatial.io.layers import load_plan_layers
    >>> snap = take_snapshot(load_plan_layers())
    >>> snap.passed, snap.title_zh, len(snap.pieces)
    (True, '西部（重庆）科学城璧山片区规划示意图', 0)
    """
    files = dict(files or {})
    targets = load_targets() if targets is None else tuple(targets)
    rules = load_rules() if rules is None else tuple(rules)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CRSMismatchWarning)
        warnings.simplefilter("always", RepairWarning)
        report = run_checks(layers, targets=targets, rules=rules, repair=repair, sources=files)
        extra_valid = _valid_extra(extra or {}, files)
    notes = [
        str(w.message) for w in caught if issubclass(w.category, CRSMismatchWarning | RepairWarning)
    ]
    drawn = {**drawn_layers(layers, files), **extra_valid}
    stale = stale_note(layers, files)
    if stale:
        notes.insert(0, stale)
    provenance = layer_provenance(drawn, files)
    title_zh, title_en = plan_title(provenance)
    return PlanSnapshot(
        layers=dict(layers),
        drawn=drawn,
        files=files,
        report=report,
        pieces=failure_pieces(layers, report.rules, rules),
        provenance=provenance,
        title_zh=title_zh,
        title_en=title_en,
        notes=notes,
    )
