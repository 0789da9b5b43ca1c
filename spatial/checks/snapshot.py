"""Take the one checked state of the plan: what ``check``, map, report and exports render.

:func:`take_snapshot` runs the same targets and rules as ``spatial check``
(:func:`spatial.checks.run_checks`) on the layers given, once: every layer is
read, validated and brought into EPSG:4326 there, and nowhere again. It finds
the ground of each failure (:func:`spatial.checks.pieces.failure_pieces`), joins
each zone's target row, and records the layers' provenance, the title it allows
and the date in a :class:`~spatial.checked.snapshot.PlanSnapshot`, which the
renderers draw without importing the checks or the plan reader.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import asdict

import geopandas as gpd
import pandas as pd

from spatial.checked.provenance import drawn_layers, layer_provenance, plan_title, stale_note
from spatial.checked.report import CheckReport
from spatial.checked.snapshot import (
    PLAN_FIGURE_COLUMNS,
    UNJUDGED_COLUMNS,
    ZONE_CHECK_COLUMNS,
    PlanSnapshot,
)
from spatial.checks.pieces import failure_pieces
from spatial.checks.run import run_checks
from spatial.errors import CRSMismatchWarning, RepairWarning
from spatial.measure.area import ellipsoidal_area_m2
from spatial.plan import Headline, Rule, Target, load_headlines, load_rules, load_targets
from spatial.synthetic import is_synthetic
from spatial.validate.inputs import LayerInput, prepare_inputs

__all__ = ["UNJUDGED_NOTE", "take_snapshot"]


def _zone_checks(
    report: CheckReport, targets: tuple[Target, ...]
) -> tuple[pd.DataFrame, list[str]]:
    """Return each zone target's check row (with its tolerance) and the targets no zone has."""
    zone_targets = [t for t in targets if t.layer == "zones"]
    ids = [t.id for t in zone_targets]
    zones = report.layers.get("zones")
    present = set(zones["id"]) if zones is not None and "id" in zones.columns else set()
    table = report.targets[report.targets["id"].isin(ids)]
    stated = pd.DataFrame(
        {
            "tolerance_pct": [t.tolerance_pct for t in zone_targets],
            "target_value": [float(t.value) for t in zone_targets],  # the plan's figure
            "target_unit": [t.unit for t in zone_targets],  # and its unit (km2, ha, mu, m2)
        },
        index=pd.Index(ids, name="id"),
    )
    stated = stated[~stated.index.duplicated()]
    checks = table.join(stated, on="id")[["id", *ZONE_CHECK_COLUMNS, *PLAN_FIGURE_COLUMNS]]
    return checks.reset_index(drop=True), [i for i in ids if i not in present]


#: Said on every page (and the terminal) when no target judges the zones drawn.
UNJUDGED_NOTE = (
    "无面积目标 no target judges these zones: their areas are measured (m², ellipsoidal "
    "CGCS2000), not judged"
)


def _unjudged_zones(drawn: Mapping[str, gpd.GeoDataFrame], checks: pd.DataFrame) -> pd.DataFrame:
    """Return every drawn zone's id, name and area of record (m²) when no target judges any.

    Empty when no zones are drawn or a target row names one of them (the zones
    are then coloured by their check, a zone without a target said NO TARGET).
    """
    zones = drawn.get("zones")
    if zones is None or not len(zones):
        return pd.DataFrame(columns=list(UNJUDGED_COLUMNS))
    ids = zones["id"].astype(str) if "id" in zones.columns else pd.Series(dtype=str)
    judged = checks.dropna(subset=["measured_km2"])["id"].astype(str)
    if ids.isin(judged).any():
        return pd.DataFrame(columns=list(UNJUDGED_COLUMNS))
    names = zones["name_zh"] if "name_zh" in zones.columns else pd.Series([None] * len(zones))
    return pd.DataFrame(
        {
            "id": ids.to_numpy() if len(ids) else [str(i) for i in range(len(zones))],
            "name_zh": names.to_numpy(),
            "measured_m2": ellipsoidal_area_m2(zones),  # as a target's measured area
        }
    )


def _valid_extra(
    extra: Mapping[str, gpd.GeoDataFrame], files: Mapping[str, str]
) -> dict[str, gpd.GeoDataFrame]:
    """Validate the planner's extra layers once (any geometry, no id needed), in EPSG:4326."""
    if not extra:
        return {}
    inputs = [LayerInput(gdf, files.get(name, name), "", "any") for name, gdf in extra.items()]
    prepared = prepare_inputs(inputs, purpose="drawn")
    return dict(zip(extra, prepared.layers, strict=True))


def take_snapshot(  # noqa: PLR0913 - keyword-only options past the three layer sets
    layers: Mapping[str, gpd.GeoDataFrame],
    files: Mapping[str, str] | None = None,
    extra: Mapping[str, gpd.GeoDataFrame] | None = None,
    *,
    targets: Iterable[Target] | None = None,
    rules: Iterable[Rule] | None = None,
    repair: bool = False,
    headlines: Iterable[Headline] | None = None,
    class_field: str | None = None,
    bundled: bool = True,
    title: str | None = None,
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
    headlines : optional
        The plan's headline figures; default those of ``seeds/plan.toml``.
    repair : bool
        Repair invalid geometries instead of refusing them.
    class_field : str, optional
        Land-use class field copied to the constraint rules' conflict pieces
        (``report.conflicts``), as ``spatial check --class-field`` does.
    bundled : bool
        Draw the bundled layers the planner did not replace. False for a
        planner's own plan: only their layers (those in ``files``) are drawn;
        the bundled ones are still there for a rule that names them.
    title : str, optional
        The planner's plan's title (:func:`spatial.checked.provenance.plan_title`);
        by default the bundled plan's.

    Examples
    --------
    >>> from spatial.io.layers import load_plan_layers
    >>> snap = take_snapshot(load_plan_layers())
    >>> snap.passed, snap.title_zh, len(snap.pieces)
    (True, '西部（重庆）科学城璧山片区规划示意图', 0)
    >>> row = snap.zone_checks.set_index("id").loc["zone-cjrh"]
    >>> float(row["target_km2"]), row["status"]
    (20.0, 'PASS')
    """
    files = dict(files or {})
    plan_targets = load_targets() if targets is None else tuple(targets)
    plan_rules = load_rules() if rules is None else tuple(rules)
    figures = load_headlines() if headlines is None else tuple(headlines)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CRSMismatchWarning)
        warnings.simplefilter("always", RepairWarning)
        report = run_checks(
            layers,
            targets=plan_targets,
            rules=plan_rules,
            repair=repair,
            sources=files,
            class_field=class_field,
        )
        extra_valid = _valid_extra(extra or {}, files)
    notes = [
        str(w.message) for w in caught if issubclass(w.category, CRSMismatchWarning | RepairWarning)
    ]
    checked = report.layers  # validated once, in EPSG:4326: what the pages draw
    plan = drawn_layers(layers, files) if bundled else [n for n in layers if n in files]
    drawn = {**{name: checked[name] for name in plan}, **extra_valid}
    zone_checks, missing = _zone_checks(report, plan_targets)
    stale = stale_note(layers, files) if bundled else None
    if stale:
        notes.insert(0, stale)
    unjudged = _unjudged_zones(drawn, zone_checks)
    if len(unjudged):
        notes.append(UNJUDGED_NOTE)
    provenance = layer_provenance(drawn, files)
    synthetic = is_synthetic(*(drawn[name] for name in plan))  # marked so, feature by feature
    title_zh, title_en = plan_title(provenance, title, synthetic)
    return PlanSnapshot(
        layers=dict(layers),
        drawn=drawn,
        files=files,
        report=report,
        pieces=failure_pieces(layers, report.rules, plan_rules),
        provenance=provenance,
        title_zh=title_zh,
        title_en=title_en,
        notes=notes,
        zone_checks=zone_checks,
        missing_zone_targets=missing,
        headlines=[asdict(h) for h in figures],
        unjudged_zones=unjudged,
    )
