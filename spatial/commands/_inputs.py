"""What several commands' requests share: the plan input, the planner's layers, constraints.

The plan that judges (:class:`PlanInput`: the planner's targets and rules files,
or the bundled plan), the planner's layers in place of the bundled ones with
their reading options (:class:`PlanLayers`), the 三区三线 constraint layers
(:class:`Constraint`), and the frame layers are written in
(:func:`output_frame_for`). Imports nothing heavy at module level: the command
line imports it to build requests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from spatial.io.postgis import source_stem  # what a planner's map is titled and named by

if TYPE_CHECKING:
    import geopandas as gpd

    from spatial.export.frame import OutputFrame
    from spatial.io.options import ReadOptions
    from spatial.plan import Headline, Rule, Target

__all__ = [
    "DEFAULT_TOLERANCE_M2",
    "Constraint",
    "ConstraintKind",
    "PlanInput",
    "PlanLayers",
    "bundled_plan_skipped",
    "constraint_rules",
    "named_check_tables",
    "output_frame_for",
    "read_constraint_layer",
    "read_fields",
    "read_notes",
    "read_plan_layer",
    "refuse_first_missing",
    "source_stem",
]

#: Area occupied (or outside) a zone may have before a constraint rule fails, m²:
#: slivers where a zone is drawn along a protected line's edge stay under it.
DEFAULT_TOLERANCE_M2 = 1.0

#: The note said when a project names neither targets nor rules.
_NOTHING_JUDGED = (
    "the project names no targets and no rules ([project] plan = ..., rules = ..., or "
    "[[targets]] in it): nothing is judged"
)


@dataclass(frozen=True)
class PlanInput:
    """The targets and rules that judge: the planner's plan whole, or the bundled one.

    Attributes
    ----------
    plan, rules : str, optional
        The planner's targets and rules files (TOML). Either replaces the bundled
        plan whole: with ``plan`` alone no rule runs.
    own : bool
        The planner's plan judges even when neither file is given (a project
        naming none: then nothing is judged). The bundled plan
        (``seeds/plan.toml``, ``seeds/rules.toml``) judges only when this is
        False and neither file is given.
    title : str, optional
        The title a planner's map or report carries (the project's, the plan's
        ``[document] title`` or the zones file's stem); None for the bundled plan's.
    name : str, optional
        The project's name (its folder's), which its outputs are named by.
    """

    plan: str | None = None
    rules: str | None = None
    own: bool = False
    title: str | None = None
    name: str | None = None

    @property
    def is_own(self) -> bool:
        """Whether the planner's plan judges (never a bundled target or rule then)."""
        return self.own or self.plan is not None or self.rules is not None

    def resolve(self) -> tuple[tuple[Target, ...], tuple[Rule, ...], tuple[str, ...]]:
        """Return the targets, the rules and a note when nothing is judged."""
        from spatial.plan import load_plan_input  # noqa: PLC0415 - only when a plan is read

        if self.is_own and self.plan is None and self.rules is None:
            return (), (), (_NOTHING_JUDGED,)
        targets, rules = load_plan_input(self.plan, self.rules)
        return targets, rules, ()

    def headlines(self) -> tuple[Headline, ...] | None:
        """Return the headline figures a page quotes: the plan's own, never Bishan's.

        None (the bundled plan's) only when the bundled plan judges.
        """
        from spatial.plan import load_headlines  # noqa: PLC0415

        if not self.is_own:
            return None
        return () if self.plan is None else load_headlines(self.plan, optional=True)


ConstraintKind = Literal["must_not_occupy", "must_lie_within"]


@dataclass(frozen=True)
class Constraint:
    """A 三区三线 layer the zones must not occupy (生态保护红线) or must lie within (开发边界).

    Attributes
    ----------
    kind : {"must_not_occupy", "must_lie_within"}
        The rule it adds per zone.
    name : str
        Its name (a layer name, a rule's ``constraint``, a reading options' role).
    path : str
        A file, ``FILE.gdb::LAYER`` or ``postgresql://...?table=T``.
    """

    kind: ConstraintKind
    name: str
    path: str

    @property
    def option(self) -> str:
        """The command-line flag that gives it (messages name it)."""
        return "--constraint" if self.kind == "must_not_occupy" else "--within"


@dataclass(frozen=True)
class PlanLayers:
    """The planner's layers: plan layers in place of the bundled ones, extra layers, constraints.

    Attributes
    ----------
    layers : mapping of str to str
        Plan layer name (``zones``, ``clusters``...) to the planner's path.
    extra : mapping of str to str
        Layers drawn beneath the plan (``--layer NAME=PATH``; map and report).
    constraints : tuple of Constraint
        三区三线 layers, each adding one rule row per zone.
    options : mapping of str to ReadOptions
        Reading options by role (a plan layer's name, an extra or constraint
        layer's name); a role without options is read as it is.
    tolerance_m2 : float
        Area occupied or outside tolerated per zone and constraint, m².
    """

    layers: Mapping[str, str] = field(default_factory=dict)
    extra: Mapping[str, str] = field(default_factory=dict)
    constraints: tuple[Constraint, ...] = ()
    options: Mapping[str, ReadOptions] = field(default_factory=dict)
    tolerance_m2: float = DEFAULT_TOLERANCE_M2

    @property
    def stem(self) -> str | None:
        """The name of the planner's plan layers: their zones file's (else their first's) stem.

        What their map is titled and named by when the bundled plan does not
        judge them and nothing else names their plan (None: no plan layer given).

        Examples
        --------
        >>> PlanLayers({"clusters": "c.gpkg", "zones": "d/mine.gpkg"}).stem
        'mine'
        >>> PlanLayers(extra={"parcels": "p.gpkg"}).stem is None
        True
        """
        if not self.layers:
            return None
        role = "zones" if "zones" in self.layers else next(iter(self.layers))
        return source_stem(self.layers[role])

    def options_of(self, role: str) -> ReadOptions:
        """Return the reading options of ``role`` (defaults when none are given)."""
        from spatial.io.options import ReadOptions  # noqa: PLC0415

        return self.options.get(role, ReadOptions())


def read_notes(gdf: object) -> list[str]:
    """Return what reading did to a layer (``attrs["read_notes"]``), one note each."""
    return list(getattr(gdf, "attrs", {}).get("read_notes", []))


def read_plan_layer(name: str, path: str, options: ReadOptions) -> gpd.GeoDataFrame:
    """Read a planner's plan layer ``name`` with its typed properties checked.

    The one place a planner's plan layer is read, so ``check``, ``map`` and
    ``report`` refuse the same values (a towns file's ``corridor_town: "maybe"``:
    :func:`spatial.io.properties.parse_properties`). Validated once, where it is
    checked or drawn.
    """
    from spatial.io.layers import read_layer  # noqa: PLC0415
    from spatial.io.postgis import database_label  # noqa: PLC0415
    from spatial.io.properties import parse_properties  # noqa: PLC0415

    return parse_properties(read_layer(path, **vars(options)), name, database_label(path))


def read_constraint_layer(name: str, path: str, options: ReadOptions) -> gpd.GeoDataFrame:
    """Read the 三区三线 layer ``name``; its features named by their id field.

    Without ``id`` (or ``--id-field``), the first of
    :data:`spatial.project.ID_FIELDS` that is unique and never blank (``BSM``)
    names the features, as ``qc`` and ``spatial init`` name them; failing
    that, they are numbered ``NAME#i``.
    """
    from spatial.io.layers import read_layer  # noqa: PLC0415
    from spatial.project import ID_FIELDS, unique_field  # noqa: PLC0415

    gdf = read_layer(path, **vars(options))
    if "id" in gdf.columns:
        return gdf
    found = unique_field(gdf.drop(columns=gdf.geometry.name), ID_FIELDS)
    if found is None:  # protected-line layers rarely carry our id field
        return gdf.assign(id=[f"{name}#{i}" for i in range(len(gdf))])
    gdf = gdf.assign(id=gdf[found].astype(str))
    gdf.attrs["read_notes"] = [*read_notes(gdf), f"{name}: ids from field {found!r}"]
    return gdf


def constraint_rules(
    inputs: PlanLayers,
    layers: dict[str, gpd.GeoDataFrame],
    sources: dict[str, str],
    rules: tuple[Rule, ...],
) -> tuple[Rule, ...]:
    """Read the constraint layers of ``inputs`` into ``layers``; return the rules they add.

    One rule per constraint (on the zones, with ``inputs.tolerance_m2``), unless
    ``rules`` already state one for it (a rules-file rule sets its own tolerance).
    ``sources`` takes each constraint's file (a PostGIS URL without its password).

    Raises
    ------
    UsageError
        The tolerance is not a number of m² >= 0, or a constraint's name is
        already a layer's name.
    """
    from spatial.checks.constraints import constraint_rule  # noqa: PLC0415
    from spatial.errors import UsageError  # noqa: PLC0415
    from spatial.io.postgis import database_label  # noqa: PLC0415

    tolerance = inputs.tolerance_m2
    if not (tolerance >= 0 and tolerance < float("inf")):
        raise UsageError(f"--tolerance-m2 must be a number of m² >= 0, got {tolerance}")
    stated = {(r.kind, r.params.get("constraint_layer")) for r in rules}
    added = []
    for item in inputs.constraints:
        if item.name in layers:
            raise UsageError(
                f"{item.option} {item.name}={item.path}: the name {item.name!r} is already a "
                "layer's name"
            )
        layers[item.name] = read_constraint_layer(
            item.name, item.path, inputs.options_of(item.name)
        )
        sources[item.name] = database_label(item.path)
        if (item.kind, item.name) not in stated:
            added.append(constraint_rule(item.kind, item.name, "zones", tolerance))
    return tuple(added)


def output_frame_for(
    out_crs: str | None,
    inputs: Mapping[str, gpd.GeoDataFrame],
    options: Mapping[str, ReadOptions] | None = None,
) -> OutputFrame:
    """Return the frame layers are written in: ``out_crs``, else the ``inputs``' common CRS.

    ``inputs`` are the planner's layers as read, by role; ``options`` their reading
    options, whose id and name fields are written back as the planner's names.
    The frame's ``notes`` say what was chosen.
    """
    from spatial.export.frame import output_frame  # noqa: PLC0415
    from spatial.io.frames import resolve_crs  # noqa: PLC0415

    crs = None if out_crs is None else resolve_crs(out_crs, "--out-crs")
    return output_frame(inputs, crs, read_fields(options or {}))


def read_fields(options: Mapping[str, ReadOptions]) -> dict[str, dict[str, str]]:
    """Return, by role, the planner's fields its ids and names were read from.

    ``{"zones": {"id": "DYBH", "name_zh": "DYMC"}}`` from the reading options
    (``--id-field``, ``--name-field``, the project's): the names the tables and
    pages give the toolkit's ``id`` and ``name_zh`` (:func:`named_check_tables`).
    """
    return {
        role: {
            toolkit: theirs
            for toolkit, theirs in (("id", opts.id_field), ("name_zh", opts.name_field))
            if theirs is not None
        }
        for role, opts in options.items()
    }


def named_check_tables(
    frame: OutputFrame, targets: Iterable[Target], rules: Iterable[Rule]
) -> OutputFrame:
    """Return ``frame`` naming the check's tables' ids and its conflicts layer's, as read.

    The target and rule tables' ``id`` is written as the id field every layer
    they judge shares (``DYBH``: one name for both, as CSV holds them in one
    table, and in the ``rules`` layer of ``--out FILE.gpkg``), the targets'
    ``name_zh`` as their name field (``DYMC``); the conflict
    pieces' ``zone_id`` as the checked layer's, in tables and layers alike;
    ``constraint_ids`` (several features' ids, joined) keeps its name. ``check``
    and ``review`` both name theirs here.
    """
    from spatial.checks.constraints import conflict_id_layers  # noqa: PLC0415

    rules = tuple(rules)
    judged = {"id": {t.layer for t in targets} | {r.layer for r in rules}}
    zones = {"zone_id": conflict_id_layers(rules)["zone_id"]}
    named = {**judged, "name_zh": judged["id"]}  # the targets' names as their name field (DYMC)
    frame = frame.naming_table("targets", named).naming_table("rules", judged)
    frame = frame.naming_ids("rules", judged)  # the rules layer of --out FILE.gpkg too
    return frame.naming_table("conflicts", zones).naming_ids("conflicts", zones)


def refuse_first_missing(inputs: PlanLayers, *, style_field: str | None = None) -> None:
    """Refuse the first file a plan's read opens when it names nothing, before the readers load.

    The planner's plan layers are read first, then the extra layers, then the
    constraint layers (:func:`constraint_rules`), each refused by its reader when
    its file is missing. The first of them is refused here, in the readers' own
    words (:func:`spatial.io.sandbox.refuse_missing_source`), before geopandas,
    pyarrow and GDAL load: the read would say the same first. A later file is left
    to the read (an earlier one may be refused otherwise first), and so is a first
    constraint layer the call may be refused before (a style field without an extra
    layer, a tolerance out of range, a constraint named as a plan layer). Call it
    once the plan is resolved (:meth:`PlanInput.resolve` refuses before any layer).

    Raises
    ------
    LayerReadError
        The first file names nothing (or a remote source), as its reader says.
    """
    from spatial.io.bundled import LAYER_NAMES  # noqa: PLC0415
    from spatial.io.sandbox import refuse_missing_source  # noqa: PLC0415

    first = next(iter((*inputs.layers.values(), *inputs.extra.values())), None)
    if first is None and inputs.constraints and style_field is None:
        constraint = inputs.constraints[0]
        in_range = 0 <= inputs.tolerance_m2 < float("inf")
        first = constraint.path if in_range and constraint.name not in LAYER_NAMES else None
    if first is not None:
        refuse_missing_source(first)


def bundled_plan_skipped(
    plan: PlanInput,
    theirs: Mapping[str, gpd.GeoDataFrame],
    files: Mapping[str, str],
    judging: tuple[tuple[Target, ...], tuple[Rule, ...]],
) -> str | None:
    """Return why the bundled plan does not judge the planner's layers (one line), or None.

    The bundled plan (Bishan) is an example: it judges the planner's plan layers
    only when each holds a feature of the bundled layer it stands for (a revised
    copy of the bundled zones, by id or by a target's name), decided and said by
    :func:`spatial.checks.run.bundled_plan_note` as for ``diff`` and
    :func:`spatial.build_map`. A plan of the planner's (``--plan``, ``--rules``, a
    project's) judges whatever it is given; without a layer of theirs the bundled
    example is checked as it is (None both ways).

    Parameters
    ----------
    plan : PlanInput
        The plan that judges.
    theirs : mapping of str to GeoDataFrame
        The planner's plan layers as read (ids in ``id``), by layer name.
    files : mapping of str to str
        Each layer's file, as messages name it.
    judging : tuple of (targets, rules)
        The bundled plan's targets and rules.
    """
    from spatial.checks.run import bundled_plan_note as not_judged  # noqa: PLC0415

    if plan.is_own or not theirs:
        return None
    versions = {role: (gdf,) for role, gdf in theirs.items()}
    return not_judged(versions, {role: (files.get(role, role),) for role in theirs}, judging)
