"""``run_check``: the plan's layers against its area targets and spatial rules.

The library function behind ``spatial check`` (:mod:`spatial.cli.check`): the
planner's layers in place of the bundled ones, the planner's plan whole (or the
bundled one), 三区三线 constraints; areas of record are ellipsoidal (CGCS2000),
rules and cuts decided in the layers' own CRS (:mod:`spatial.measure.reconcile`).
The bundled plan judges only its own layers (a revised copy of the bundled
zones), never a planner's zones standing in for them
(:func:`spatial.commands._inputs.bundled_plan_skipped`): then only the constraints
given are checked, and one note says so.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from spatial.commands._inputs import (
    PlanInput,
    PlanLayers,
    bundled_plan_skipped,
    constraint_rules,
    named_check_tables,
    output_frame_for,
    read_notes,
    read_plan_layer,
    refuse_first_missing,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from spatial.checked.report import CheckReport
    from spatial.export.frame import OutputFrame
    from spatial.plan import Rule, Target

__all__ = ["CheckRequest", "CheckResult", "run_check"]


@dataclass(frozen=True)
class CheckRequest:
    """What ``spatial check`` is asked: the plan, the planner's layers, how to judge.

    Attributes
    ----------
    plan : PlanInput
        The targets and rules that judge (default: the bundled plan).
    inputs : PlanLayers
        The planner's plan layers (in place of the bundled ones), constraint
        layers and their reading options (``extra`` is not used by ``check``).
    class_field : str, optional
        The zones' (else the constraint layer's) land-use class field, for the
        conflicts per class (default ``YDYHFLDM``).
    repair : bool
        Repair invalid geometries (``make_valid``) instead of refusing them.
    out_crs : str, optional
        The CRS layers are written in (EPSG code, WKT...); default: the
        planner's layers' common CRS, EPSG:4326 for the bundled plan.
    landuse, landuse_class_field : str, optional
        A land-use layer (``--landuse``, else the project's) and its class field
        (``--class-field``, else the project's, else ``YDYHFLDM``): the conflicts
        table split by the class each conflict lies on (read with the options
        of ``inputs``' role ``landuse``, only when there are conflicts).
    conflicts : bool
        Make the 三区三线 conflict pieces (:attr:`CheckResult.conflicts`). False
        when no output reads them (a CSV or a workbook holds the targets and
        rules only): the same rule rows, the constraint's land per class never
        made, ``conflicts`` None. A ``landuse`` given makes them still (it is
        read, and refused when invalid, through them).
    """

    plan: PlanInput = field(default_factory=PlanInput)
    inputs: PlanLayers = field(default_factory=PlanLayers)
    class_field: str | None = None
    repair: bool = False
    out_crs: str | None = None
    landuse: str | None = None
    landuse_class_field: str | None = None
    conflicts: bool = True


@dataclass(frozen=True)
class CheckResult:
    """What ``spatial check`` found.

    Attributes
    ----------
    report : CheckReport
        The target and rule tables and the checked layers (the planner's only,
        when their plan judges or the bundled one judges none of their layers:
        never Bishan's reference layers beside theirs).
    frame : OutputFrame
        The CRS and field names layers are written in (``report`` layers,
        ``conflicts``), the targets named as their layer's ids.
    conflicts : GeoDataFrame, optional
        The constraint conflict pieces, in ``frame`` (None without constraints,
        or when the request did not ask for them: ``CheckRequest.conflicts``).
    notes : tuple of str
        What the command says on the way (read notes, matches by name, hints).
    """

    report: CheckReport
    frame: OutputFrame
    conflicts: gpd.GeoDataFrame | None = None
    notes: tuple[str, ...] = ()

    @property
    def targets(self) -> pd.DataFrame:
        """The target table (``id, name_zh, target_km2, measured_km2, ..., status, reason``)."""
        return self.report.targets

    @property
    def rules(self) -> pd.DataFrame:
        """The rule table (``rule, kind, id, status, ...``)."""
        return self.report.rules

    @property
    def summary(self) -> str:
        """One line: how many targets and rules pass and fail."""
        return self.report.summary()

    @property
    def exit_status(self) -> int:
        """0 every target and rule passes, 1 any fails."""
        return 0 if self.report.passed else 1


@dataclass(frozen=True)
class _Plan:
    """The targets and rules that judge, and whether the plan judges (False: constraints only)."""

    targets: tuple[Target, ...]
    rules: tuple[Rule, ...]
    judged: bool = True


#: The note of a project naming no targets and no rules, but constraint layers (三区三线).
_CONSTRAINTS_ONLY = (
    "the project names no targets and no rules ([project] plan = ..., rules = ..., or "
    "[[targets]] in it): targets are not judged (no plan); its constraints (三区三线) are"
)


def _read(
    request: CheckRequest, plan: _Plan, notes: list[str]
) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, str], _Plan, OutputFrame]:
    """Read the planner's layers in place of the bundled ones; return what judges them.

    The bundled plan judges only its own layers
    (:func:`spatial.commands._inputs.bundled_plan_skipped`): where it does not, its
    targets and rules are dropped (one note says so) and only the constraints
    given for the call are checked.
    """
    from spatial.io.layers import load_plan_layers  # noqa: PLC0415
    from spatial.io.postgis import database_label  # noqa: PLC0415

    inputs = request.inputs
    layers = load_plan_layers()
    sources: dict[str, str] = {}  # so validation messages name the planner's files
    for name, path in inputs.layers.items():
        layers[name] = read_plan_layer(name, path, inputs.options_of(name))
        notes += read_notes(layers[name])
        sources[name] = database_label(path)  # a PostGIS URL without its password
    given = {name: layers[name] for name in inputs.layers}
    why = bundled_plan_skipped(request.plan, given, sources, (plan.targets, plan.rules))
    if why is not None:
        notes.append(why)
        plan = _Plan((), (), judged=False)
    rules = plan.rules + constraint_rules(inputs, layers, sources, plan.rules)
    roles = [*inputs.layers, *(c.name for c in inputs.constraints)]
    theirs = {role: layers[role] for role in roles}  # the planner's layers, as read
    options = {role: inputs.options_of(role) for role in roles}
    frame = output_frame_for(request.out_crs, theirs, options)
    notes += frame.notes
    return layers, sources, dataclasses.replace(plan, rules=rules), frame


def _by_landuse(
    request: CheckRequest,
    layers: dict[str, gpd.GeoDataFrame],
    rules: tuple[Rule, ...],
    report: CheckReport,
    frame: OutputFrame,
) -> tuple[CheckReport, OutputFrame]:
    """Return the report with its conflicts split by the land use's class, and the frame naming it.

    The land-use layer is read only when the report has conflicts; the class
    column is written as its field (``YDYHFLDM``).
    """
    if request.landuse is None or report.conflicts is None or not len(report.conflicts):
        return report, frame
    from spatial.commands._conflicts import split_by_landuse  # noqa: PLC0415
    from spatial.io.layers import read_layer  # noqa: PLC0415
    from spatial.io.postgis import database_label  # noqa: PLC0415
    from spatial.landuse.fields import CLASS_CODE_FIELD  # noqa: PLC0415

    options = request.inputs.options_of("landuse")  # its ids and names stay in their fields
    stored = dataclasses.replace(options, id_field=None, name_field=None, find_id=False)
    landuse = read_layer(request.landuse, **vars(stored))
    field = request.landuse_class_field or CLASS_CODE_FIELD
    source = database_label(request.landuse)
    split = split_by_landuse(
        report, layers, rules, landuse, class_field=field, source=source, repair=request.repair
    )
    if split is report:
        return report, frame
    named = {**frame.ids.get("conflicts", {}), "landuse_class": field}
    return split, frame.with_ids("conflicts", named)


def _with_conflict_class(
    report: CheckReport, layers: dict[str, gpd.GeoDataFrame], rules: tuple[Rule, ...], field: str
) -> CheckReport:
    """Return the report saying what its conflicts' class is (the zones', the constraint's)."""
    if report.conflicts is None:
        return report
    from spatial.commands._conflicts import class_source  # noqa: PLC0415

    return dataclasses.replace(report, conflict_class=class_source(layers, rules, field))


def run_check(request: CheckRequest) -> CheckResult:
    """Run the plan's targets and rules on the layers; return the tables and the verdict.

    Parameters
    ----------
    request : CheckRequest
        The plan, the planner's layers, the class field, repair, the output CRS.

    Returns
    -------
    CheckResult
        ``exit_status`` 0 when every target and rule passes, 1 when any fails.

    Raises
    ------
    SpatialError
        An input cannot be read or is invalid (exit 2 on the command line).
    """
    targets, rules, notes_ = request.plan.resolve()
    refuse_first_missing(request.inputs)  # before the readers load
    from spatial.checks import run_checks  # noqa: PLC0415
    from spatial.checks.prepare import select_layers  # noqa: PLC0415
    from spatial.landuse.fields import CLASS_CODE_FIELD  # noqa: PLC0415

    notes = list(notes_)
    layers, sources, plan, frame = _read(request, _Plan(targets, rules), notes)
    targets, rules = plan.targets, plan.rules
    if notes_ and rules:  # no plan, but the constraints given judge: say which are judged
        notes[: len(notes_)] = [_CONSTRAINTS_ONLY]
    frame = frame.naming("targets", {t.layer for t in targets})  # ids named as their layer's
    frame = named_check_tables(frame, targets, rules)
    report = run_checks(
        layers,
        targets=targets,
        rules=rules,
        repair=request.repair,
        sources=sources,
        class_field=request.class_field or CLASS_CODE_FIELD,
        conflicts=request.conflicts or request.landuse is not None,
    )
    report = _with_conflict_class(report, layers, rules, request.class_field or CLASS_CODE_FIELD)
    report, frame = _by_landuse(request, layers, rules, report, frame)
    pieces = report.conflict_pieces_by_landuse  # cut by the land use's class, when it is known
    pieces = report.conflicts if pieces is None else pieces
    conflicts = None if pieces is None else frame.layer("conflicts", pieces)
    notes += report.matches
    if request.plan.is_own or not plan.judged:  # their layers go out, never Bishan's beside
        theirs = select_layers(report.layers, sources)  # none moved to lon/lat here
        report = dataclasses.replace(report, layers=theirs)
    report = dataclasses.replace(report, table_ids={n: dict(c) for n, c in frame.ids.items()})
    return CheckResult(report=report, frame=frame, conflicts=conflicts, notes=tuple(notes))
