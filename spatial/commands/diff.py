"""``run_diff``: what changed between two versions of a layer, and which checks changed status.

The library function behind ``spatial diff OLD NEW`` (:mod:`spatial.cli.diff`).
Feature rows: ``id, status, added_m2, removed_m2, old_m2, new_m2,
changed_fields, old_class, new_class`` (and ``old_ids, new_ids`` when some
feature is a re-id: same land, new ids); the two versions are compared, differenced
and cut in their own frame (the CRS they share, or the larger one's), areas by
the survey rule (:mod:`spatial.measure.reconcile`). The plan's targets and rules
(the planner's, else the bundled plan; constraints added) are run on both
versions, the layer standing in for ``layer`` (zones by default); the rows whose
status changed are kept with ``old_status`` and ``new_status``. A plan judges
only the layer it is written for: the bundled plan a version holding one of its
own layer's features (:func:`spatial.checks.run.holds_plan_features`: a revised
bundled zones file, not a planner's parcels), a project's plan its zones, not its
land use; a plan given for the call (``--plan``, ``--rules``) whatever it is
given. Where no plan judges, one note says so and the run is a compare (with the
constraints given for the call only). With a class
field, a feature that changed class on a constraint's land and fails there is
a change too: 水田 turned 城镇住宅用地 on 永久基本农田 fails in both versions, and
is the change to see.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import pandas as pd

from spatial.checks.constraints import CONSTRAINT_KINDS
from spatial.commands._inputs import PlanInput, PlanLayers, constraint_rules, output_frame_for
from spatial.review.diff import GEOMETRY_TOLERANCE_M2

if TYPE_CHECKING:
    import geopandas as gpd

    from spatial.checked.report import CheckReport
    from spatial.export.frame import OutputFrame
    from spatial.plan import Rule, Target
    from spatial.review._twins import UndecodedTwins
    from spatial.review.diff import LayerDiff

__all__ = ["DiffRequest", "DiffResult", "run_diff", "status_changes"]


@dataclass(frozen=True)
class DiffRequest:
    """What ``spatial diff`` is asked.

    Attributes
    ----------
    old, new : str
        The filed (earlier) and the revised version: a file, ``FILE.gdb::LAYER``
        or ``postgresql://...?table=T``.
    id_field : str
        The field matching features (default ``id``).
    class_field : str, optional
        The land-use class field: a from-class x to-class matrix (m²), and the
        class of a constraint rule's feature.
    geometry_tolerance_m2 : float
        Area change up to which a geometry is unchanged, m².
    layer : str
        The plan layer the two versions stand in for in the checks.
    role : str, optional
        What the versions are, when known otherwise: ``"landuse"`` for a
        project's land-use layer (its plan, written for its zones, does not
        judge them); None: the ``layer``.
    project_plan : bool
        The plan is a project's (not named for this call): it judges its own
        layers, never its land use.
    project_constraints : tuple of str
        The constraints (names in ``inputs``) that came with the project's plan:
        they judge its zones, and run only where its plan does.
    checks : bool
        Run the plan's checks on both versions (False: compare only).
    plan : PlanInput
        The targets and rules that judge (default: the bundled plan).
    inputs : PlanLayers
        Constraint layers, the tolerance, and the reading options by role
        (``old``, ``new``, each constraint's name); its ``layers`` are not used.
    repair : bool
        Repair invalid geometries instead of refusing them.
    out_crs : str, optional
        The CRS the pieces are written in (default: the versions' common CRS).
    """

    old: str
    new: str
    id_field: str = "id"
    class_field: str | None = None
    geometry_tolerance_m2: float = GEOMETRY_TOLERANCE_M2
    layer: str = "zones"
    role: str | None = None
    project_plan: bool = False
    project_constraints: tuple[str, ...] = ()
    checks: bool = True
    plan: PlanInput = field(default_factory=PlanInput)
    inputs: PlanLayers = field(default_factory=PlanLayers)
    repair: bool = False
    out_crs: str | None = None


@dataclass(frozen=True)
class DiffResult:
    """What changed.

    Attributes
    ----------
    diff : LayerDiff
        The feature table, the 调入/调出 pieces (EPSG:4326), the class matrix,
        the versions as compared.
    targets, rules : DataFrame
        The target and rule rows whose status changed (``old_status``,
        ``new_status``; rules with ``other_id``, ``reason`` and, with a class
        field, ``old_class``, ``new_class``).
    steady : (str, str)
        What an empty targets (rules) section means: how many were checked, and how.
    frame : OutputFrame
        The CRS layers are written in (``pieces``), and their id field (the pieces'
        ``id`` written as ``--id-field``, ``BSM``); its notes say what was chosen.
    notes : tuple of str
        What the command says on the way.
    """

    diff: LayerDiff
    targets: pd.DataFrame
    rules: pd.DataFrame
    steady: tuple[str, str]
    frame: OutputFrame
    notes: tuple[str, ...] = ()

    @property
    def features(self) -> pd.DataFrame:
        """One row per id: status, 调入 ``added_m2``, 调出 ``removed_m2``, areas, fields."""
        return self.diff.features

    @property
    def matrix(self) -> pd.DataFrame | None:
        """From-class (``from_class``) x to-class area in m², with a class field."""
        if self.diff.matrix is None:
            return None
        return self.diff.matrix.reset_index(names="from_class")

    @property
    def pieces(self) -> gpd.GeoDataFrame:
        """The 调入/调出 pieces in :attr:`frame` (the CRS, the id field they are written with)."""
        return self.frame.layer("diff_pieces", self.diff.pieces)

    @property
    def summary(self) -> str:
        """One line: features by status, 调入 and 调出 in m², then the re-ids apart.

        A re-id (same land, new ids: :func:`spatial.review.diff.diff_layers`) is
        no change of land: it is counted after the 调入/调出, as the OLD
        features re-identified, and not among the statuses.
        """
        from spatial.review.diff import reid_rows  # noqa: PLC0415

        features = self.diff.features
        reid = reid_rows(features)
        counts = features.loc[~reid, "status"].value_counts()
        text = ", ".join(f"{counts[s]} {s}" for s in counts.index)
        added, removed = features["added_m2"].sum(), features["removed_m2"].sum()
        line = f"{text}; 调入 {added:,.1f} m², 调出 {removed:,.1f} m²"
        if not reid.any():
            return line
        reids = int((reid & (features["status"] == "removed")).sum())  # OLD's, given new ids
        return f"{line}; {reids} features re-identified (same land, new ids)"

    @property
    def worse(self) -> list[str]:
        """Each row gone to FAIL, or changed class where it fails, in one line."""
        rows = [*self.targets.to_dict("records"), *self.rules.to_dict("records")]
        lines = []
        for row in rows:
            if row["new_status"] != "FAIL":
                continue
            if row["old_status"] != "FAIL":
                lines.append(
                    f"{row['old_status'] or 'new'} -> FAIL: {row.get('rule', 'target')}: "
                    f"{row['id']}"
                )
            else:  # a change of use on a constraint's land (old_class -> new_class)
                lines.append(
                    f"class changed where a constraint fails: {row['rule']}: {row['id']}: "
                    f"class {row['old_class']} -> {row['new_class']}"
                )
        return lines

    @property
    def exit_status(self) -> int:
        """0 no check went to FAIL and no class changed where one fails; 1 one did."""
        return 1 if self.worse else 0


#: The rule measure whose ``other_id`` names whatever the feature overlaps, so it changes with
#: the status: such rows are matched without it.
_VARYING_OTHER = "largest overlap with one feature"


def _with_key(rules: pd.DataFrame) -> pd.DataFrame:
    """Add ``key``: ``other_id`` where it names a fixed counterpart, "" where it varies."""
    key = rules["other_id"].where(rules["measure"] != _VARYING_OTHER, "").fillna("")
    return rules.assign(key=key.astype(str))


def _status_changes(
    old: pd.DataFrame, new: pd.DataFrame, keys: list[str], shown: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Rows of two check tables matched by ``keys``, where the status differs.

    With a ``class`` column (a constraint rule's row on a land-use layer), a row
    whose feature changed class on the protected land and fails in the new
    version is a change too (``old_class``, ``new_class``): 水田 turned 城镇住宅用地
    on 永久基本农田 fails in both versions, and is the change to see.
    """
    cols = [*keys, "status", *(["class"] if "class" in old.columns else [])]
    both = old[cols].merge(new[[*cols, *shown]], on=keys, how="outer", suffixes=("_old", "_new"))
    both = both.rename(
        columns={
            "status_old": "old_status",
            "status_new": "new_status",
            "class_old": "old_class",
            "class_new": "new_class",
        }
    )
    both = both.astype({"old_status": object, "new_status": object})
    both = both.where(both.notna(), None)
    changed = both["old_status"] != both["new_status"]
    if "old_class" in both.columns:
        reclassed = both["old_class"].notna() & both["new_class"].notna()
        reclassed &= both["old_class"] != both["new_class"]
        changed |= reclassed & (both["new_status"] == "FAIL")
    return (
        both[changed]
        .drop(columns=[c for c in ("key",) if c in both.columns])
        .reset_index(drop=True)
    )


def _with_class(
    rules: pd.DataFrame, version: gpd.GeoDataFrame, class_field: str | None
) -> pd.DataFrame:
    """Add ``class``: the checked feature's land-use class on a constraint rule's row."""
    if class_field is None or class_field not in version.columns:
        return rules
    # ids are unique in a version: looked up by a hash index, not a dict built per feature
    classes = pd.Series(
        version[class_field].to_numpy(dtype=object), index=version["id"].astype(str).to_numpy()
    )
    on_constraint = rules["kind"].isin(tuple(CONSTRAINT_KINDS))
    found = rules["id"].astype(str).map(classes)
    return rules.assign(class_=found.where(on_constraint, None)).rename(columns={"class_": "class"})


def _judged(old: pd.DataFrame, new: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Drop the targets neither version holds a feature of (they name other layers' features).

    Returns the two target tables kept and how many targets were dropped: a
    land-use layer standing in for the zones is not judged by the zones' targets.
    """
    held = set(old.loc[old["measured_km2"].notna(), "id"]) | set(
        new.loc[new["measured_km2"].notna(), "id"]
    )
    return old[old["id"].isin(held)], new[new["id"].isin(held)], int((~old["id"].isin(held)).sum())


def _ids_as_id(gdf: gpd.GeoDataFrame, id_field: str) -> gpd.GeoDataFrame:
    """Return the layer with ``id_field`` as ``id``, the field the checks name features by."""
    if id_field == "id":
        return gdf
    return gdf.drop(columns=["id"], errors="ignore").rename(columns={id_field: "id"})


def _steady(table: pd.DataFrame, what: str, unheld: int = 0) -> str:
    """Say what an empty "status changed" section means: how many were checked, and how."""
    if table.empty:
        if unheld:
            return f"(none: the plan's {unheld} {what} name no feature of either version)"
        return f"(none: no {what} checked)"
    counts = table["status"].astype(str).value_counts()
    standing = ", ".join(f"{n} {status}" for status, n in counts.items())
    return f"(none: all {len(table)} {what} as before, in both versions {standing})"


def _not_judged(
    request: DiffRequest,
    plan: tuple[tuple[Target, ...], tuple[Rule, ...]],
    versions: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
) -> str | None:
    """Return why the plan does not judge the two versions (one line), or None when it does.

    The bundled plan judges a version holding one of its own layer's features
    (:func:`spatial.checks.run.holds_plan_features`); a project's plan its zones,
    not its land use; a plan named for the call whatever it is given.
    """
    from spatial.checks.run import bundled_plan_note  # noqa: PLC0415
    from spatial.io.postgis import database_label  # noqa: PLC0415

    targets, rules = plan
    if not targets and not rules:
        return None  # nothing to run (a project naming no plan says so itself)
    if request.plan.is_own:
        if not (request.project_plan and request.role == "landuse"):
            return None
        return (
            f"the project's plan judges its {request.layer}, not its land use: its "
            f"{len(targets)} targets and {len(rules)} rules were not run on the two versions "
            "(to judge them, give --plan FILE or --rules FILE; a constraint on the land use, "
            "--constraint NAME=FILE)"
        )
    names = tuple(database_label(p) for p in (request.old, request.new))
    return bundled_plan_note(  # the one rule and message of check, map and report
        {request.layer: versions}, {request.layer: names}, plan, request.id_field
    )


#: What an empty status section says when no plan judged and no constraint was given.
_NOT_JUDGED = "(not checked: no plan judges these layers)"


@dataclass(frozen=True)
class _Judging:
    """What judges the two versions: targets, rules, the constraints to read, and notes."""

    targets: tuple[Target, ...]
    rules: tuple[Rule, ...]
    inputs: PlanLayers
    layers: bool  # the plan's own layers beside the versions (the plan judges)
    notes: tuple[str, ...]

    @property
    def runs(self) -> bool:
        """Whether any check runs (a plan judges, or a constraint was given)."""
        return self.layers or bool(self.inputs.constraints)


#: Stands in for the judging when ``--no-checks`` asks for none.
_NO_CHECKS = _Judging((), (), PlanLayers(), False, ())


def _judging(request: DiffRequest, versions: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]) -> _Judging:
    """Decide what judges the versions (as read): the plan, or only the constraints given."""
    targets, rules, notes = request.plan.resolve()  # the planner's plan whole, or the bundled one
    why = _not_judged(request, (targets, rules), versions)
    if why is None:
        return _Judging(targets, rules, request.inputs, True, notes)
    given = tuple(
        c for c in request.inputs.constraints if c.name not in request.project_constraints
    )
    return _Judging((), (), replace(request.inputs, constraints=given), False, (*notes, why))


def _named_status_tables(
    frame: OutputFrame, request: DiffRequest, judging: _Judging
) -> OutputFrame:
    """Return ``frame`` naming the status tables' ``id`` as the versions' id field (``DYBH``).

    Only when every target and rule judging them is on the versions' layer (their
    ids are the versions'); with another layer judged (the bundled plan's) ``id``
    stays, as :func:`spatial.commands._inputs.named_check_tables` decides for check.
    """
    judged = {t.layer for t in judging.targets} | {r.layer for r in judging.rules}
    judged |= {"zones"} if judging.inputs.constraints else set()  # constraint rules check zones
    if judged - {request.layer}:
        return frame
    ids = {"id": request.id_field}
    return frame.with_ids("targets", ids).with_ids("rules", ids)


def _checks(
    request: DiffRequest,
    judging: _Judging,
    versions_read: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame] | None,
) -> tuple[pd.DataFrame, pd.DataFrame, tuple[str, str]]:
    """Targets and rules whose status changed, and what "none changed" means."""
    from spatial.checks import run_checks  # noqa: PLC0415
    from spatial.io.layers import load_plan_layers  # noqa: PLC0415

    empty_t = pd.DataFrame(columns=["id", "old_status", "new_status"])
    empty_r = pd.DataFrame(
        columns=["rule", "kind", "id", "old_status", "new_status", "other_id", "reason"]
    )
    if not request.checks:
        return empty_t, empty_r, ("(not checked: --no-checks)",) * 2
    if versions_read is None or not judging.runs:
        return empty_t, empty_r, (_NOT_JUDGED,) * 2
    layers = load_plan_layers() if judging.layers else {}
    sources: dict[str, str] = {}
    rules = judging.rules + constraint_rules(judging.inputs, layers, sources, judging.rules)
    reports, versions = [], []
    for version, path in zip(versions_read, (request.old, request.new), strict=True):
        versions.append(_ids_as_id(version, request.id_field))
        reports.append(
            run_checks(
                {**layers, request.layer: versions[-1]},
                targets=judging.targets,
                rules=rules,
                repair=request.repair,
                sources={**sources, request.layer: path},
                # diff_layers validated both versions as read: not a second time
                validated=(request.layer,),
            )
        )
    t, r, steady = status_changes(reports[0], reports[1], versions, request.class_field)
    if not judging.layers:
        steady = (_NOT_JUDGED, steady[1])
    return t, r, steady


def status_changes(
    old: CheckReport,
    new: CheckReport,
    versions: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame] | list[gpd.GeoDataFrame],
    class_field: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, tuple[str, str]]:
    """Return the targets and the rules whose status changed between two checks of a layer.

    ``old`` and ``new`` check the layer's two ``versions`` (ids as ``id``); a
    constraint rule's row also changes when its feature changed class (``class_field``)
    where it fails. The third item says what an empty table means (targets, rules).
    ``spatial diff`` and ``spatial review --previous`` both show these.
    """
    old_t, new_t, unheld = _judged(old.targets, new.targets)
    t = _status_changes(old_t, new_t, ["id"])
    r = _status_changes(
        _with_class(_with_key(old.rules), versions[0], class_field),
        _with_class(_with_key(new.rules), versions[1], class_field),
        ["rule", "kind", "id", "key"],
        shown=("other_id", "reason"),
    )
    return t, r, (_steady(new_t, "targets", unheld), _steady(new.rules, "rules"))


def _read_versions(request: DiffRequest) -> tuple[list[gpd.GeoDataFrame], UndecodedTwins | None]:
    """Read OLD and NEW as ``read_layer`` does; a large pair's unchanged geometries built once.

    Two large GeoParquet or GeoPackage versions read without options go through
    :func:`spatial.review._twins.read_twins_undecoded`: the same frames, but a
    NEW feature whose bytes are its OLD twin's holds the twin's geometry object,
    or, where the convex test settles the twin, None in both (the second item
    says which: build them with ``UndecodedTwins.filled``). A large OLD read so
    beside a NEW that is not (small, another format) is read once: NEW alone
    then goes through ``read_layer``.
    """
    from spatial.cpus import usable_cpus  # noqa: PLC0415
    from spatial.io.layers import read_layer  # noqa: PLC0415
    from spatial.io.options import ReadOptions  # noqa: PLC0415
    from spatial.review._twins import read_twins_undecoded  # noqa: PLC0415

    options = [request.inputs.options_of(role) for role in ("old", "new")]
    if all(o == ReadOptions() for o in options):
        twins = read_twins_undecoded(
            request.old, request.new, request.id_field, usable_cpus(), read_layer
        )
        if twins is not None:
            return [twins[0], twins[1]], twins[2]
    old = read_layer(request.old, **vars(options[0]))
    return [old, read_layer(request.new, **vars(options[1]))], None


def run_diff(request: DiffRequest) -> DiffResult:
    """Compare two versions of a layer and run the plan's checks on both.

    Returns
    -------
    DiffResult
        ``exit_status`` 1 when a check went to FAIL (from PASS, or a new row) or
        a feature changed class on a constraint's land where it fails, else 0.

    Raises
    ------
    SpatialError
        An input cannot be read or is invalid (exit 2 on the command line).
    """
    from spatial.io.postgis import database_label  # noqa: PLC0415
    from spatial.landuse.fields import CLASS_CODE_FIELD  # noqa: PLC0415
    from spatial.review.diff import diff_layers  # noqa: PLC0415

    versions, undecoded = _read_versions(request)
    old, new = versions
    notes = []
    if request.class_field is None and CLASS_CODE_FIELD in old.columns and CLASS_CODE_FIELD in new:
        notes.append(
            f"both layers have a {CLASS_CODE_FIELD} field; --class-field {CLASS_CODE_FIELD} "
            "adds the from-class x to-class matrix"
        )
    frame = output_frame_for(request.out_crs, {"old": old, "new": new})
    frame = frame.with_fields("diff_pieces", {"id": request.id_field})  # BSM written as BSM
    judging = _judging(request, (old, new)) if request.checks else None
    if undecoded is not None and judging is not None and judging.runs:  # checks see them all
        old, new = versions[:] = undecoded.filled(old, new)
        undecoded = None
    checked = (old, new) if judging is not None and judging.runs else None
    del old, new
    result = diff_layers(
        # handed over: each version as read is freed once readied, unless checks need it
        versions.pop(0),
        versions.pop(0),
        id_field=request.id_field,
        class_field=request.class_field,
        tolerance_m2=request.geometry_tolerance_m2,
        names=(database_label(request.old), database_label(request.new)),
        repair=request.repair,
        undecoded=undecoded,
    )
    plan_notes: tuple[str, ...] = () if judging is None else judging.notes
    targets, rules, steady = _checks(request, judging or _NO_CHECKS, checked)
    frame = frame.with_ids("features", {"id": request.id_field})  # in tables too
    frame = _named_status_tables(frame, request, judging or _NO_CHECKS)
    return DiffResult(
        diff=result,
        targets=targets,
        rules=rules,
        steady=steady,
        frame=frame,
        notes=(*plan_notes, *notes),
    )
