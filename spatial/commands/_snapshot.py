"""The one checked plan ``map`` and ``report`` render: the planner's layers read, checked once.

:func:`checked_plan` reads the planner's layers (their plan layers in place of
the bundled ones, extra layers drawn beneath, constraint layers) and takes one
:class:`~spatial.checked.snapshot.PlanSnapshot` with the plan that judges
(:func:`spatial.checks.snapshot.take_snapshot`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from spatial.commands._inputs import (
    PlanInput,
    PlanLayers,
    bundled_plan_skipped,
    constraint_rules,
    named_check_tables,
    read_fields,
    read_notes,
    read_plan_layer,
    refuse_first_missing,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from spatial.checked.snapshot import PlanSnapshot
    from spatial.plan import Rule, Target

__all__ = ["CheckedTables", "check_style_field", "checked_plan"]


class CheckedTables:
    """The check's tables and verdict, for a result holding the snapshot it drew (map, report)."""

    snapshot: PlanSnapshot

    @property
    def targets(self) -> pd.DataFrame:
        """The target table, as ``spatial check`` has it."""
        return self.snapshot.report.targets

    @property
    def rules(self) -> pd.DataFrame:
        """The rule table, as ``spatial check`` has it."""
        return self.snapshot.report.rules

    @property
    def summary(self) -> str:
        """One line: how many targets and rules pass and fail."""
        return self.snapshot.report.summary()

    @property
    def exit_status(self) -> int:
        """0 every target and rule passes, 1 any fails (the output is written either way)."""
        return 0 if self.snapshot.passed else 1


def check_style_field(field: str | None, extra: dict[str, gpd.GeoDataFrame]) -> None:
    """Refuse a style field without an extra layer, or naming a field no extra layer has."""
    from spatial.errors import UsageError  # noqa: PLC0415

    if field is None:
        return
    if not extra:
        raise UsageError(f"--style-field {field!r}: give the layer to style with --layer")
    if any(field in gdf.columns for gdf in extra.values()):
        return  # layers without the field keep their geometry-kind style
    name, gdf = next(iter(extra.items()))
    columns = ", ".join(c for c in gdf.columns if c != "geometry")
    raise UsageError(
        f"--style-field {field!r}: no --layer has this field (layer {name!r} has: {columns})"
    )


def _read(
    inputs: PlanLayers, notes: list[str]
) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, str], dict[str, gpd.GeoDataFrame]]:
    """Return the plan layers (the planner's in place), the planner's files, the extra layers."""
    from spatial.io.layers import load_plan_layers, read_layer  # noqa: PLC0415
    from spatial.io.postgis import database_label  # noqa: PLC0415

    layers = load_plan_layers()
    for name, path in inputs.layers.items():
        layers[name] = read_plan_layer(name, path, inputs.options_of(name))
        notes += read_notes(layers[name])
    extra = {}
    for name, path in inputs.extra.items():
        extra[name] = read_layer(path, **vars(inputs.options_of(name)))
        notes += read_notes(extra[name])
    files = {name: database_label(path) for name, path in {**inputs.layers, **inputs.extra}.items()}
    return layers, files, extra


def _judging(
    plan: PlanInput,
    inputs: PlanLayers,
    layers: dict[str, gpd.GeoDataFrame],
    files: dict[str, str],
    judging: tuple[tuple[Target, ...], tuple[Rule, ...]],
    notes: list[str],
) -> tuple[tuple[Target, ...], tuple[Rule, ...], PlanInput]:
    """Return the targets and rules that judge the layers read, and the plan as drawn.

    The bundled plan judges only its own layers
    (:func:`spatial.commands._inputs.bundled_plan_skipped`); where it does not, no
    bundled target or rule runs (one note says so) and the planner's layers are
    drawn alone, as a project's are: titled by their zones file (its stem), no
    Bishan figure quoted.
    """
    targets, rules = judging
    given = {name: layers[name] for name in inputs.layers}
    why = bundled_plan_skipped(plan, given, files, judging)
    if why is None:
        return targets, rules, plan
    notes.append(why)
    return (), (), replace(plan, own=True, title=inputs.stem)


def checked_plan(
    plan: PlanInput,
    inputs: PlanLayers,
    *,
    style_field: str | None = None,
    repair: bool = False,
) -> tuple[PlanSnapshot, tuple[str, ...]]:
    """Read the planner's layers and check them once; return the snapshot and the notes said.

    Parameters
    ----------
    plan : PlanInput
        The targets and rules that judge (the planner's whole, or the bundled plan).
    inputs : PlanLayers
        The planner's plan layers, extra layers (drawn beneath, styled by
        ``style_field``) and constraint layers, with their reading options.
    style_field : str, optional
        The extra layers' field whose categories colour them.
    repair : bool
        Repair invalid geometries instead of refusing them.
    """
    targets, rules, notes_ = plan.resolve()
    refuse_first_missing(inputs, style_field=style_field)  # before the readers load
    from spatial.checks.snapshot import take_snapshot  # noqa: PLC0415 - heavy
    from spatial.checks.targets import match_by_name  # noqa: PLC0415

    notes = list(notes_)
    layers, files, extra = _read(inputs, notes)
    targets, rules, plan = _judging(plan, inputs, layers, files, (targets, rules), notes)
    if "zones" in inputs.layers:  # a target whose id the file lacks is found by its name
        layers["zones"], matched = match_by_name(layers["zones"], targets, inputs.layers["zones"])
        notes += matched
    check_style_field(style_field, extra)
    rules += constraint_rules(inputs, layers, files, rules)
    snapshot = take_snapshot(
        layers,
        files,
        extra,
        targets=targets,
        rules=rules,
        headlines=plan.headlines(),  # Bishan's figures never headline a planner's plan
        repair=repair,
        # a planner's plan over their own layers is drawn alone, under its own title
        bundled=not (plan.is_own and bool(inputs.layers)),
        title=plan.title,
    )
    return _named_tables(snapshot, inputs, targets, rules), tuple(notes)


def _named_tables(
    snapshot: PlanSnapshot, inputs: PlanLayers, targets: tuple[Target, ...], rules: tuple[Rule, ...]
) -> PlanSnapshot:
    """Return ``snapshot`` with its tables' ids named as ``check`` names them (``DYBH``, ``DYMC``).

    From the layers' reading options (``--id-field``, ``--name-field``, the
    project's), by :func:`spatial.commands._inputs.named_check_tables`: the pages
    head the targets' id and name columns with the planner's fields.
    """
    from spatial.export.frame import OutputFrame  # noqa: PLC0415

    options = {role: inputs.options_of(role) for role in inputs.layers}
    frame = named_check_tables(OutputFrame(fields=read_fields(options)), targets, rules)
    ids = {name: dict(columns) for name, columns in frame.ids.items() if columns}
    return replace(snapshot, report=replace(snapshot.report, table_ids=ids))
