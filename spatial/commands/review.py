"""``spatial review``: the whole review in one call, written into one folder.

:func:`run_review` reads every input once and composes the single commands'
work on it: the targets and rules with the 三区三线 constraints
(:func:`spatial.checks.snapshot.take_snapshot`, as ``spatial check
--constraint ... --class-field F``), the 用地平衡表 per zone
(:func:`spatial.review.balance.balance_table`, as ``spatial balance``), the
changes since each previous version (:func:`spatial.review.diff.diff_layers`,
as ``spatial diff``) and, on request, the 成果质检 of the land-use layer
(:func:`spatial.qc.inspection.inspect`, as ``spatial qc``). The figures are
theirs, computed by the same functions on the same layers.

The folder (:mod:`spatial.commands._review_folder`) holds ``report.html``,
``report.pdf``, ``tables.xlsx``, ``tables.json``, ``findings.gpkg`` and
``manifest.json``, written beside it first and moved into place whole.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from spatial.checked.provenance import (
    AREA_RULE,
    InputFile,
    LayerRead,
    digest_text,
    input_files,
    layer_read,
)
from spatial.checked.snapshot import PlanSnapshot
from spatial.checks.constraints import constraint_rule
from spatial.checks.snapshot import take_snapshot
from spatial.commands._conflicts import split_by_landuse
from spatial.commands._inputs import (
    named_check_tables,
    read_constraint_layer,
    read_notes,
    read_plan_layer,
)
from spatial.commands._review_call import LANDUSE, check_review_call
from spatial.commands._review_folder import verdict_of, write_review_folder
from spatial.commands._review_page import LandUse
from spatial.crs import crs_label
from spatial.errors import UsageError
from spatial.export.frame import OutputFrame, output_frame
from spatial.io.layers import load_plan_layers, read_layer
from spatial.io.options import ReadOptions
from spatial.io.postgis import database_label
from spatial.landuse.fields import CLASS_CODE_FIELD, require_field
from spatial.plan import Headline, Rule, Target, load_headlines, load_plan_input, plan_path
from spatial.plan import rules_path as bundled_rules_path
from spatial.project import Project, ProjectLayer
from spatial.qc.findings import QcResult
from spatial.qc.outputs import ERRORS_LAYER
from spatial.report import format_json, records
from spatial.review.balance import balance_table, reconciliation, subtotals
from spatial.review.diff import LayerDiff, diff_layers, reid_rows

__all__ = [
    "LANDUSE",
    "ReviewRequest",
    "ReviewResult",
    "layers_read",
    "read_project_layer",
    "review_request",
    "run_review",
    "tables_json",
]

#: Area a zone may occupy of a constraint (or have outside) before it fails, m² (as check's).
DEFAULT_TOLERANCE_M2 = 1.0


@dataclass(frozen=True)
class ReviewRequest:
    """What to review and where to write it.

    Attributes
    ----------
    out : path-like
        The folder to write (replaced whole when it holds an earlier review).
    layers : mapping of str to str
        The planner's plan layers by name (``zones``...), each a file,
        ``FILE.gdb::LAYER`` or ``postgresql://...?table=T``; the bundled ones
        stand for the rest.
    options : mapping of str to ReadOptions
        How to read each input, by role: a plan layer's name, ``landuse``, a
        constraint's name, ``previous_<layer>``.
    plan, rules : str, optional
        The planner's targets and rules files (either replaces the bundled plan
        whole); ``own_plan`` a project's plan that names neither (nothing judged).
    title : str, optional
        The planner's plan's title on the report, the map and the atlas (the
        project's, else the plan's); None for the bundled plan's.
    constraints, within : tuple of (name, path)
        三区三线 layers the zones must not occupy / must lie within.
    tolerance_m2 : float
        Area occupied or outside tolerated per zone, m².
    landuse : str, optional
        The land-use layer: the 用地平衡表 per zone, and the layer ``qc`` inspects.
    class_field : str
        Its 用地用海 class code field (and the zones' or constraints' for conflicts).
    class_name_field : str, optional
        Its class name field, compared with the code by ``qc`` (the project's;
        else ``YDYHFLMC`` beside ``YDYHFLDM``, when the layer holds it).
    construction : tuple of str, optional
        Codes or prefixes counted as 建设用地 (the subtotal); none when None.
    previous : tuple of (layer, path)
        Earlier versions: of a plan layer given in ``layers``, or of ``landuse``.
    qc : bool
        Inspect the land-use layer (else the zones) against ``packs``.
    packs : tuple of str
        成果质检 rule packs, bundled names or TOML files.
    repair : bool
        Repair invalid geometries instead of refusing them.
    command_line : tuple of str
        The call as typed, for the manifest.
    settings : mapping of str to object
        The options as given (JSON values), for the manifest.
    project : str, optional
        The project file the call read (``spatial.toml``), hashed into the manifest.
    """

    out: str | os.PathLike[str]
    layers: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, ReadOptions] = field(default_factory=dict)
    plan: str | None = None
    rules: str | None = None
    own_plan: bool = False
    title: str | None = None
    constraints: tuple[tuple[str, str], ...] = ()
    within: tuple[tuple[str, str], ...] = ()
    tolerance_m2: float = DEFAULT_TOLERANCE_M2
    landuse: str | None = None
    class_field: str = CLASS_CODE_FIELD
    class_name_field: str | None = None
    construction: tuple[str, ...] | None = None
    previous: tuple[tuple[str, str], ...] = ()
    qc: bool = False
    packs: tuple[str, ...] = ("default",)
    repair: bool = False
    command_line: tuple[str, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)
    project: str | None = None


def _project_options(layer: ProjectLayer) -> ReadOptions:
    """Return how the project says to read one of its layers (CRS, frame, id and name fields)."""
    return ReadOptions(
        crs=layer.crs,
        input_frame=layer.input_frame,
        id_field=layer.id_field,
        name_field=layer.name_field,
    )


def review_request(
    project: Project,
    out: str | os.PathLike[str],
    *,
    previous: Mapping[str, str | os.PathLike[str]] | None = None,
    qc: bool = False,
    packs: tuple[str, ...] = ("default",),
) -> ReviewRequest:
    r"""Return the review of a project (:func:`spatial.project.load_project`), as the CLI's.

    The project's layers, constraints, land use (its class and id fields) and
    plan files, nothing bundled added to the check: a project naming no plan
    judges no target or rule. ``previous`` maps a layer (``landuse``, ``zones``)
    to its earlier version, read as the current one (its fields, its CRS).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from spatial.project import load_project
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("zones.gpkg", "landuse.gpkg", "landuse_2024.shp"):
    ...     _ = (folder / name).write_bytes(b"")
    >>> _ = (folder / "spatial.toml").write_text(
    ...     '[layers.zones]\npath = "zones.gpkg"\nid_field = "DYBH"\n'
    ...     '[landuse]\npath = "landuse.gpkg"\nclass_field = "YDYHFLDM"\nid_field = "BSM"\n',
    ...     encoding="utf-8")
    >>> request = review_request(load_project(folder / "spatial.toml"), folder / "review-out",
    ...                          previous={"landuse": folder / "landuse_2024.shp"}, qc=True)
    >>> request.options["zones"].id_field, request.options["landuse"].id_field, request.class_field
    ('DYBH', 'BSM', 'YDYHFLDM')
    >>> request.plan, request.own_plan, request.project == str(folder / "spatial.toml")
    (None, True, True)
    """
    options = {name: _project_options(layer) for name, layer in project.layers.items()}
    for name, layer in (*project.constraints.items(), *project.within.items()):
        options[name] = _project_options(layer)
    if project.landuse is not None:
        options[LANDUSE] = _project_options(project.landuse)
    landuse = project.landuse
    for key in previous or {}:
        current = options.get(key, ReadOptions())
        options[f"previous_{key}"] = ReadOptions(crs=current.crs, input_frame=current.input_frame)
    return ReviewRequest(
        out=out,
        layers={name: layer.path for name, layer in project.layers.items()},
        options=options,
        plan=None if project.targets_file is None else str(project.targets_file),
        rules=None if project.rules_file is None else str(project.rules_file),
        own_plan=True,
        title=project.title,
        constraints=tuple((n, layer.path) for n, layer in project.constraints.items()),
        within=tuple((n, layer.path) for n, layer in project.within.items()),
        landuse=None if landuse is None else landuse.path,
        class_field=(landuse.class_field if landuse else None) or CLASS_CODE_FIELD,
        previous=tuple((layer, os.fspath(path)) for layer, path in (previous or {}).items()),
        qc=qc,
        packs=packs,
        command_line=("review_request", os.fspath(project.file)),
        project=os.fspath(project.file),
    )


def read_project_layer(project: Project, role: str) -> gpd.GeoDataFrame:
    r"""Return one of the project's layers read as ``spatial review`` and ``check`` read it.

    Parameters
    ----------
    project : Project
        The project (:func:`spatial.project.load_project`).
    role : str
        A plan layer's name (``zones``), ``landuse``, or a constraint's or a
        ``[within]`` layer's name (``永久基本农田``).

    Returns
    -------
    geopandas.GeoDataFrame
        In the layer's own CRS (or the project's ``crs``). A plan layer's ids in
        ``id`` and names in ``name_zh``, from the project's ``id_field`` and
        ``name_field`` (:func:`spatial.io.fields.planner_field` gives the file's
        field back); a constraint's ids in ``id`` from its ``id_field``, else its
        standard id field (``BSM``), else numbered ``NAME#i``; the land use as
        stored, its ids in the project's ``id_field`` (``BSM``; ``id`` when none).

    Raises
    ------
    UsageError
        The project names no such layer.
    FieldError
        The land use lacks the ``id_field`` the project names.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import geopandas as gpd, shapely
    >>> from spatial.project import load_project
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> gpd.GeoDataFrame({"BSM": ["J1"]}, geometry=[shapely.box(0, 0, 1, 1)],
    ...                  crs="EPSG:4544").to_file(folder / "jbnt.gpkg")
    >>> _ = (folder / "spatial.toml").write_text(
    ...     '[constraints."永久基本农田"]\npath = "jbnt.gpkg"\n', encoding="utf-8")
    >>> read_project_layer(load_project(folder / "spatial.toml"), "永久基本农田")["id"].tolist()
    ['J1']
    """
    lines = {**project.constraints, **project.within}
    if role == LANDUSE and project.landuse is not None:
        return _read_landuse(project.landuse.path, _project_options(project.landuse), [])
    if role in project.layers:
        layer = project.layers[role]
        return read_plan_layer(role, layer.path, _project_options(layer))
    if role in lines:
        return read_constraint_layer(role, lines[role].path, _project_options(lines[role]))
    known = [*project.layers, *([LANDUSE] if project.landuse else []), *lines]
    raise UsageError(
        f"{project.file}: no layer {role!r}; its layers are {', '.join(known) or 'none'}"
    )


@dataclass(frozen=True)
class ReviewResult:
    """What the review found and wrote.

    Attributes
    ----------
    out : Path
        The folder written.
    snapshot : PlanSnapshot
        The checked plan (targets, rules, conflicts in ``snapshot.report``).
    tables : dict of str to DataFrame
        Every table, by name, as ``tables.json`` and ``tables.xlsx`` hold them.
    changes : dict of str to LayerDiff
        The comparison with each previous version, by layer.
    qc : QcResult or None
        The 成果质检 findings (with ``qc``).
    manifest : dict
        ``manifest.json`` as written; ``manifest_sha256`` its digest.
    pages : int
        Pages of ``report.pdf``.
    layers : list of str
        The layers of ``findings.gpkg``.
    notes : list of str
        What reading and checking said (one line each).
    """

    out: Path
    snapshot: PlanSnapshot
    tables: dict[str, pd.DataFrame]
    changes: dict[str, LayerDiff]
    qc: QcResult | None
    manifest: dict[str, Any]
    manifest_sha256: str
    pages: int
    layers: list[str]
    notes: list[str]

    @property
    def problems(self) -> list[str]:
        """One line per failed target or rule and per quality error found."""
        return list(verdict_of(self.snapshot, self.qc).problems)

    @property
    def passed(self) -> bool:
        """True when every target and rule passes and no quality error was found."""
        return verdict_of(self.snapshot, self.qc).passed

    def closing_line(self) -> str:
        """Return one line summing all the review judged, and where the folder is.

        Targets and rules passed, conflict pieces and their area (ha), 质检
        errors and warnings, each previous version's changes, then the folder;
        a part not asked for says so (``no --previous``).
        """
        report = self.snapshot.report
        ok_t = int((report.targets["status"] == "PASS").sum())
        ok_r = int((report.rules["status"] == "PASS").sum())
        parts = [
            f"{'PASS' if self.passed else 'FAIL'}: {ok_t}/{len(report.targets)} targets PASS",
            f"{ok_r}/{len(report.rules)} rule checks PASS",
            _conflicts_text(report.conflicts),
            _qc_text(self.qc),
            _changes_text(self.tables.get("changes")),
        ]
        return f"{'; '.join(parts)}; review in {self.out}"


def _conflicts_text(conflicts: gpd.GeoDataFrame | None) -> str:
    """Return the conflicts in a few words: pieces and their area in ha (4 decimals)."""
    if conflicts is None:
        return "conflicts not checked (no --constraint or --within)"
    area_ha = float(conflicts["area_m2"].sum()) / 10_000
    return f"{len(conflicts)} conflict piece(s), {area_ha:.4f} ha"


def _qc_text(qc: QcResult | None) -> str:
    """Return the 质检 result in a few words: errors and warnings found."""
    if qc is None:
        return "qc not run (no --qc)"
    from spatial.qc.kinds import Severity  # noqa: PLC0415

    errors = sum(f.severity is Severity.ERROR for f in qc.findings)
    return f"qc {errors} error(s), {len(qc.findings) - errors} warning(s)"


def _changes_text(changes: pd.DataFrame | None) -> str:
    """Return each previous version's changes: added, removed, changed, renumbered features."""
    if changes is None or changes.empty:
        return "changes not compared (no --previous)"
    said = []
    for row in changes.to_dict("records"):
        changed = int(row["geometry_changed"]) + int(row["attributes_changed"])
        reid = f", {int(row['reid'])} renumbered" if int(row["reid"]) else ""  # same land, new ids
        said.append(
            f"{row['layer']} {int(row['added'])} added, {int(row['removed'])} removed, "
            f"{changed} changed{reid} since the previous version"
        )
    return "changes: " + ", ".join(said)


# --- reading every input once


@dataclass
class _Inputs:
    """The layers as read: the plan's (bundled, theirs in place, constraints), the others."""

    layers: dict[str, gpd.GeoDataFrame]
    files: dict[str, str]
    theirs: dict[str, gpd.GeoDataFrame]
    landuse: gpd.GeoDataFrame | None
    previous: dict[str, gpd.GeoDataFrame]
    notes: list[str]
    #: False where the bundled plan does not judge the planner's layers (:func:`_rules`).
    bundled_judges: bool = True


def _options(request: ReviewRequest, role: str) -> ReadOptions:
    return request.options.get(role, ReadOptions())


def _read(path: str, options: ReadOptions, notes: list[str]) -> gpd.GeoDataFrame:
    gdf = read_layer(path, **vars(options))
    notes += read_notes(gdf)
    return gdf


def _as_stored(options: ReadOptions) -> ReadOptions:
    """Return the options without field mapping: a land-use layer keeps its ids in their field."""
    return replace(options, id_field=None, name_field=None, find_id=False)


def _previous_options(request: ReviewRequest, layer: str) -> ReadOptions:
    """Return how to read a previous version: as the current one (ids, names from its fields)."""
    own = _options(request, f"previous_{layer}")
    if layer == LANDUSE:
        return _as_stored(own)
    current = _options(request, layer)
    return replace(
        own,
        id_field=own.id_field or current.id_field,
        name_field=own.name_field or current.name_field,
    )


def _read_previous(request: ReviewRequest, notes: list[str]) -> dict[str, gpd.GeoDataFrame]:
    return {
        layer: _read(path, _previous_options(request, layer), notes)
        for layer, path in request.previous
    }


def _read_inputs(request: ReviewRequest) -> _Inputs:
    notes: list[str] = []
    layers = load_plan_layers()
    files: dict[str, str] = {}
    theirs: dict[str, gpd.GeoDataFrame] = {}
    for name, path in request.layers.items():
        layers[name] = theirs[name] = read_plan_layer(name, path, _options(request, name))
        notes += read_notes(theirs[name])
        files[name] = database_label(path)
    for option, name, path in _constraint_specs(request):
        if name in layers:
            raise UsageError(f"{option} {name}={path}: the name {name!r} is already a layer's name")
        layers[name] = read_constraint_layer(name, path, _options(request, name))
        notes += read_notes(layers[name])
        files[name] = database_label(path)
    landuse = None
    if request.landuse is not None:
        landuse = _read_landuse(request.landuse, _options(request, LANDUSE), notes)
    previous = _read_previous(request, notes)
    return _Inputs(layers, files, theirs, landuse, previous, notes)


def _read_landuse(path: str, options: ReadOptions, notes: list[str]) -> gpd.GeoDataFrame:
    """Read the land use as stored, its named id field (the field itself) required."""
    landuse = _read(path, _as_stored(options), notes)
    if options.id_field is not None:
        require_field(landuse, database_label(path), options.id_field, "--id-field")
    return landuse


def _constraint_specs(request: ReviewRequest) -> list[tuple[str, str, str]]:
    return [("--constraint", n, p) for n, p in request.constraints] + [
        ("--within", n, p) for n, p in request.within
    ]


# --- the plan and the check


def _plan(request: ReviewRequest) -> tuple[tuple[Target, ...], tuple[Rule, ...]]:
    if request.own_plan and request.plan is None and request.rules is None:
        return (), ()  # a project naming no plan: nothing is judged
    return load_plan_input(request.plan, request.rules)


def _headlines(request: ReviewRequest) -> tuple[Headline, ...] | None:
    """Return the plan's own headline figures, never Bishan's for a planner's plan."""
    if not (request.own_plan or request.plan or request.rules):
        return None
    return () if request.plan is None else load_headlines(request.plan, optional=True)


def _check_request(request: ReviewRequest) -> None:
    """Refuse a request's bad values before anything is read (one line each)."""
    check_review_call(  # the one place, the command line's too
        request.layers,
        request.landuse,
        request.previous,
        request.construction,
        request.tolerance_m2,
    )


def _constraint_rules(request: ReviewRequest, rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
    stated = {(r.kind, r.params.get("constraint_layer")) for r in rules}
    kinds = [("must_not_occupy", n) for n, _ in request.constraints]
    kinds += [("must_lie_within", n) for n, _ in request.within]
    return tuple(
        constraint_rule(kind, name, "zones", request.tolerance_m2)
        for kind, name in kinds
        if (kind, name) not in stated  # a rules-file rule for it sets its own tolerance
    )


def _rules(request: ReviewRequest, inputs: _Inputs) -> tuple[tuple[Target, ...], tuple[Rule, ...]]:
    """Return the plan's targets and rules, the constraints' rules added.

    The bundled plan judges a planner's zones only when they hold a feature of its
    own (the one rule of ``check``, ``map`` and ``diff``:
    :func:`spatial.checks.run.bundled_plan_note`); where they do not, no bundled
    target or rule runs, the line saying so is added to ``inputs.notes``
    (``inputs.bundled_judges`` set False) and the constraints are still checked.
    """
    from spatial.checks.run import bundled_plan_note  # noqa: PLC0415

    targets, rules = _plan(request)
    if not _is_own(request) and inputs.theirs:
        versions = {role: (gdf,) for role, gdf in inputs.theirs.items()}
        files = {role: (inputs.files.get(role, role),) for role in inputs.theirs}
        why = bundled_plan_note(versions, files, (targets, rules))
        if why is not None:
            inputs.notes.append(why)
            inputs.bundled_judges = False
            targets, rules = (), ()
    return targets, rules + _constraint_rules(request, rules)


def _check(
    request: ReviewRequest, inputs: _Inputs, plan: tuple[tuple[Target, ...], tuple[Rule, ...]]
) -> PlanSnapshot:
    targets, rules = plan
    return take_snapshot(
        inputs.layers,
        inputs.files,
        targets=targets,
        rules=rules,
        headlines=_headlines(request) if inputs.bundled_judges else (),  # no Bishan figure
        repair=request.repair,
        class_field=request.class_field,
        # a planner's plan over their own layers is drawn alone, under its own title (as map)
        bundled=not (bool(inputs.theirs) and (_is_own(request) or not inputs.bundled_judges)),
        title=request.title or _own_title(request, inputs),
    )


def _own_title(request: ReviewRequest, inputs: _Inputs) -> str | None:
    """Return the planner's zones file's name where the bundled plan does not judge them.

    As ``check`` and ``map`` title them (:attr:`spatial.commands._inputs.PlanLayers.stem`);
    None where the bundled plan judges (its own title) or a plan of theirs does.
    """
    from spatial.commands._inputs import PlanLayers  # noqa: PLC0415

    if inputs.bundled_judges:
        return None
    return PlanLayers(dict(request.layers)).stem


def _is_own(request: ReviewRequest) -> bool:
    """Whether the planner's plan judges (their project's, or --plan/--rules), not the bundled."""
    return bool(request.own_plan or request.plan or request.rules)


# --- balance, changes, quality


def _balance(request: ReviewRequest, inputs: _Inputs) -> pd.DataFrame | None:
    if inputs.landuse is None or request.landuse is None:
        return None
    zones = inputs.theirs.get("zones")
    zones_file = request.layers.get("zones", "")
    return balance_table(
        inputs.landuse,
        zones,
        class_field=request.class_field,
        id_field="id",  # read through the zones' --id-field, as check reads them
        construction=request.construction,
        names=(database_label(request.landuse), database_label(zones_file)),
        repair=request.repair,
    )


def _id_field(request: ReviewRequest, layer: str) -> str:
    """Return the field matching a layer's versions: the land use's own, else ``id`` (mapped)."""
    if layer == LANDUSE:
        return _options(request, LANDUSE).id_field or "id"
    return "id"


def _previous_label(path: str) -> str:
    """Return how messages name a previous version: its file, said to be the previous version.

    >>> _previous_label("landuse_2023.gpkg")
    'landuse_2023.gpkg (the previous version, --previous)'
    """
    return f"{database_label(path)} (the previous version, --previous)"


def _changes(request: ReviewRequest, inputs: _Inputs) -> dict[str, LayerDiff]:
    changes = {}
    paths = dict(request.previous)
    for layer, old in inputs.previous.items():
        new = inputs.landuse if layer == LANDUSE else inputs.theirs[layer]
        assert new is not None  # _read_previous refused a previous version without a current
        current = request.landuse if layer == LANDUSE else request.layers[layer]
        both = request.class_field in old.columns and request.class_field in new.columns
        changes[layer] = diff_layers(
            old,
            new,
            id_field=_id_field(request, layer),
            class_field=request.class_field if both else None,
            names=(_previous_label(paths[layer]), database_label(current or "")),
            repair=request.repair,
        )
    return changes


def _status_changes(
    request: ReviewRequest,
    inputs: _Inputs,
    plan: tuple[tuple[Target, ...], tuple[Rule, ...]],
    snapshot: PlanSnapshot,
) -> dict[str, pd.DataFrame]:
    """Return, per previous plan layer, the targets and rules whose status changed since it.

    The previous version is checked in the current one's place, against the same
    plan; the tables are ``spatial diff``'s (:func:`spatial.commands.diff.status_changes`).
    """
    from spatial.checks import run_checks  # noqa: PLC0415
    from spatial.commands.diff import status_changes  # noqa: PLC0415 - diff's one comparison

    targets, rules = plan
    tables: dict[str, pd.DataFrame] = {}
    for layer, old in inputs.previous.items():
        if layer == LANDUSE:
            continue  # no target or rule judges the land use itself
        report = run_checks(
            {**inputs.layers, layer: old},
            targets=targets,
            rules=rules,
            repair=request.repair,
            sources={**inputs.files, layer: _previous_label(dict(request.previous)[layer])},
        )
        versions = (old, inputs.theirs[layer])
        t, r, _ = status_changes(report, snapshot.report, versions, request.class_field)
        tables[f"status_targets_{layer}"], tables[f"status_rules_{layer}"] = t, r
    return tables


def _qc(request: ReviewRequest, inputs: _Inputs) -> QcResult | None:
    if not request.qc:
        return None
    from spatial.qc.inspection import inspect, layer_field_names  # noqa: PLC0415 - only with --qc
    from spatial.validate.vectorised import ensure_text_decoded  # noqa: PLC0415

    if inputs.landuse is not None and request.landuse is not None:
        layer, path, id_field = inputs.landuse, request.landuse, _id_field(request, LANDUSE)
    elif "zones" in inputs.theirs:
        layer, path, id_field = inputs.theirs["zones"], request.layers["zones"], "id"
    else:
        raise UsageError("--qc inspects the land-use layer (--landuse) or your zones (--zones)")
    name = database_label(path)
    ensure_text_decoded(layer, name, id_field)  # refused as spatial qc refuses it
    fields = layer_field_names(
        layer.columns,
        id_field=id_field if id_field in layer.columns else None,
        class_field=request.class_field if request.class_field in layer.columns else None,
        class_name_field=request.class_name_field
        if request.class_name_field in layer.columns
        else None,
    )
    return inspect({name: layer}, packs=request.packs, layer_fields={name: fields})


# --- the tables


def _by_landuse(
    request: ReviewRequest,
    inputs: _Inputs,
    plan: tuple[tuple[Target, ...], tuple[Rule, ...]],
    snapshot: PlanSnapshot,
) -> PlanSnapshot:
    """Return the snapshot with its conflicts split by the land-use class they lie on.

    Only with a land-use layer holding the class field (``--landuse``,
    ``--class-field``, the project's); otherwise the snapshot as it is.
    """
    report = snapshot.report
    if inputs.landuse is None or request.landuse is None:
        return snapshot
    split = split_by_landuse(
        report,
        inputs.layers,
        plan[1],
        inputs.landuse,
        class_field=request.class_field,
        source=database_label(request.landuse),
        repair=request.repair,
    )
    return snapshot if split is report else replace(snapshot, report=split)


def _conflict_tables(snapshot: PlanSnapshot) -> dict[str, pd.DataFrame]:
    report = snapshot.report
    if report.conflicts is None:
        return {}
    pieces = pd.DataFrame(report.conflicts).drop(columns="geometry")
    return {"conflicts": report._conflicts_by_class(), "conflict_pieces": pieces}


def _change_summary(changes: Mapping[str, LayerDiff]) -> pd.DataFrame:
    rows = []
    for layer, diff in changes.items():
        features = diff.features
        reid = reid_rows(features)  # same land, new ids: not added or removed land
        counts = features.loc[~reid, "status"].value_counts()
        row: dict[str, object] = {"layer": layer}
        for status in ("added", "removed", "geometry_changed", "attributes_changed", "unchanged"):
            row[status] = int(counts.get(status, 0))
        # OLD's features renumbered on the same land, as diff's headline counts them
        row["reid"] = int((reid & (features["status"] == "removed")).sum())
        row["added_m2"] = float(features["added_m2"].sum())  # 调入
        row["removed_m2"] = float(features["removed_m2"].sum())  # 调出
        rows.append(row)
    return pd.DataFrame(rows)


def _tables(
    snapshot: PlanSnapshot,
    balance: pd.DataFrame | None,
    changes: Mapping[str, LayerDiff],
    qc: QcResult | None,
) -> dict[str, pd.DataFrame]:
    tables = {"targets": snapshot.report.targets, "rules": snapshot.report.rules}
    tables.update(_conflict_tables(snapshot))
    if balance is not None:
        tables["balance"] = balance
        tables["balance_totals"] = subtotals(balance)
        tables["balance_adjustment"] = reconciliation(balance)
    if changes:
        tables["changes"] = _change_summary(changes)
    for layer, diff in changes.items():
        tables[f"changes_{layer}"] = diff.features
        if diff.matrix is not None:
            tables[f"matrix_{layer}"] = diff.matrix.reset_index(names="from_class")
    if qc is not None:
        from spatial.qc.outputs import findings_frame, summary_frame  # noqa: PLC0415

        tables["qc_summary"] = summary_frame(qc)
        tables["qc_findings"] = findings_frame(qc)
    return tables


def tables_json(tables: Mapping[str, pd.DataFrame]) -> str:
    """Return every table as one JSON object ``{name: [row, ...]}`` (NaN as null)."""
    return format_json({name: records(table) for name, table in tables.items()})


# --- the manifest


def _version() -> str:
    import importlib.metadata  # noqa: PLC0415

    try:
        return importlib.metadata.version("bishan-spatial")
    except importlib.metadata.PackageNotFoundError:  # run from a bare source tree
        return "(source tree)"


def _pack_file(name: str) -> Path:
    from spatial.qc.packs import PACK_DIR  # noqa: PLC0415

    if name.lower().endswith(".toml") or "/" in name or os.sep in name:
        return Path(name)
    return PACK_DIR / f"{name}.toml"


def _input_records(request: ReviewRequest) -> list[InputFile]:
    given = [*request.layers.items()]
    given += [(n, p) for _, n, p in _constraint_specs(request)]
    given += [(LANDUSE, request.landuse)] if request.landuse is not None else []
    given += [(f"previous_{layer}", path) for layer, path in request.previous]
    found: list[InputFile] = []
    for role, path in given:
        found += input_files(role, path, database_label(path))
    return found


def _plan_records(request: ReviewRequest) -> list[InputFile]:
    bundled = not _is_own(request)
    plan = str(plan_path()) if bundled else request.plan
    rules = str(bundled_rules_path()) if bundled else request.rules
    found: list[InputFile] = []
    for role, path in (("plan", plan), ("rules", rules)):
        if path is not None:
            found += input_files(f"{role} (bundled)" if bundled else role, path)
    return found


def _no_secret(text: str) -> str:
    """Return ``text`` with a database URL's password left out (``URL`` or ``NAME=URL``).

    >>> _no_secret("zones=postgresql://planner:S3cret@db/gis?table=zones")
    'zones=postgresql://planner@db/gis?table=zones'
    >>> _no_secret("--qc")
    '--qc'
    """
    if "://" not in text:
        return text
    name, sep, rest = text.partition("=")
    if sep and "://" not in name:
        return f"{name}={database_label(rest)}"
    return database_label(text)


def _no_secrets(value: object) -> object:
    """Return a manifest option's value with every database password left out."""
    if isinstance(value, str):
        return _no_secret(value)
    if isinstance(value, list):
        return [_no_secrets(v) for v in value]
    return value


def _manifest(
    request: ReviewRequest,
    frame: OutputFrame,
    tables: Mapping[str, pd.DataFrame],
    made: str,
    inputs: _Inputs,
) -> dict[str, Any]:
    packs = [asdict(f) for name in request.packs for f in input_files(name, _pack_file(name))]
    records_in = _input_records(request)
    return {
        "tool": "spatial review",
        "version": _version(),
        "made_utc": made,
        "command_line": [_no_secret(word) for word in request.command_line],
        "options": {k: _no_secrets(v) for k, v in request.settings.items()},
        "crs": crs_label(frame.crs) if frame.crs is not None else None,
        "inputs": [asdict(f) for f in records_in],
        "plan": [asdict(f) for f in _plan_records(request)],
        "rule_packs": packs if request.qc else [],
        "tables_sha256": digest_text(tables_json(tables)),
        "table_sha256": {n: digest_text(format_json(records(t))) for n, t in tables.items()},
        # the evidence of what was read (additive: the keys above keep their meaning)
        "commit": _commit(),
        "commit_dirty": _commit_dirty(),
        "made_local": _local_time(made),
        "project": _project_record(request),
        "area_rule": dict(AREA_RULE),
        "layers_read": [asdict(r) for r in layers_read(request, inputs, records_in)],
    }


def _source_root() -> Path:
    """Return the folder of the toolkit's source tree (a git checkout or an installed package)."""
    return Path(__file__).resolve().parents[2]


def _git(root: Path, *args: str) -> str | None:
    """Return ``git -C root ARGS``'s output, None when ``root`` is no checkout or git fails."""
    import subprocess  # noqa: PLC0415

    if not (root / ".git").exists():
        return None  # an installed package: its version says which
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _commit(root: Path | None = None) -> str | None:
    """Return the git commit of the toolkit's source tree, None when not run from a checkout."""
    out = _git(root or _source_root(), "rev-parse", "HEAD")
    commit = (out or "").strip()
    return commit if len(commit) == 40 else None


def _commit_dirty(root: Path | None = None) -> bool | None:
    """Return whether the source tree differs from its commit (``git status --porcelain``).

    None when not run from a checkout (or git fails): then ``commit`` is null too.
    """
    out = _git(root or _source_root(), "status", "--porcelain")
    return None if out is None else out.strip() != ""


def _local_time(made_utc: str) -> str:
    """Return ``made_utc`` in the machine's local time, with its offset (``+08:00`` in China)."""
    return dt.datetime.fromisoformat(made_utc).astimezone().isoformat(timespec="seconds")


def _project_record(request: ReviewRequest) -> dict[str, Any] | None:
    """Return the project file's record (path, bytes, sha256), None when no project was read."""
    if request.project is None:
        return None
    record = input_files("project", request.project)[0]
    return {"path": record.path, "bytes": record.bytes, "sha256": record.sha256}


def _read_layers(
    request: ReviewRequest, inputs: _Inputs
) -> list[tuple[str, str, gpd.GeoDataFrame, ReadOptions]]:
    """Return each layer read: its role, path, the layer as read and its reading options."""
    found = [(n, p, inputs.theirs[n], _options(request, n)) for n, p in request.layers.items()]
    found += [
        (n, p, inputs.layers[n], _options(request, n)) for _, n, p in _constraint_specs(request)
    ]
    if inputs.landuse is not None and request.landuse is not None:
        found.append((LANDUSE, request.landuse, inputs.landuse, _options(request, LANDUSE)))
    for layer, path in request.previous:
        options = _previous_options(request, layer)
        found.append((f"previous_{layer}", path, inputs.previous[layer], options))
    return found


def _id_column(gdf: gpd.GeoDataFrame, stored: str) -> str | None:
    """Return the file's field the ids were read from (``DYBH``, ``BSM``), None when numbered."""
    from spatial.io.fields import FIELD_NAMES  # noqa: PLC0415
    from spatial.project import ID_FIELDS  # noqa: PLC0415

    mapped = gdf.attrs.get(FIELD_NAMES, {}).get("id")
    if mapped is not None:
        return str(mapped)
    if stored not in gdf.columns:
        return None
    if stored == "id":  # a constraint's ids may come from its standard field (BSM)
        ids = gdf["id"].astype(str)
        for name in (f for f in ID_FIELDS if f in gdf.columns and f != "id"):
            if gdf[name].astype(str).equals(ids):
                return str(name)
        if ids.str.fullmatch(r".+#\d+").all():
            return None  # numbered NAME#i: the layer has no id field
    return stored


def _fields_used(request: ReviewRequest, role: str, gdf: gpd.GeoDataFrame) -> dict[str, str | None]:
    """Return the file's fields the review used: ids, 用地用海 class, names."""
    from spatial.io.fields import FIELD_NAMES  # noqa: PLC0415

    landuse = role in (LANDUSE, f"previous_{LANDUSE}")
    stored = _id_field(request, LANDUSE) if landuse else "id"
    name = gdf.attrs.get(FIELD_NAMES, {}).get("name_zh")
    if name is None and "name_zh" in gdf.columns:
        name = "name_zh"
    return {
        "id": _id_column(gdf, stored),
        "class": request.class_field if request.class_field in gdf.columns else None,
        "name": None if name is None else str(name),
    }


def layers_read(
    request: ReviewRequest, inputs: _Inputs, records_in: list[InputFile]
) -> list[LayerRead]:
    """Return the evidence of every layer the review read (manifest.json's ``layers_read``)."""
    hashes = {f.path: f for f in records_in}
    return [
        layer_read(
            role,
            path,
            gdf,
            fields=_fields_used(request, role, gdf),
            hashes=hashes,
            crs_given=options.crs is not None,
            label=database_label(path),
        )
        for role, path, gdf, options in _read_layers(request, inputs)
    ]


# --- the whole review


def _frame(
    request: ReviewRequest, inputs: _Inputs, plan: tuple[tuple[Target, ...], tuple[Rule, ...]]
) -> OutputFrame:
    """Return the project's CRS and the planner's field names, the findings' named after them.

    The CRS is the planner's layers' common one (EPSG:4326 for the bundled plan);
    the findings' id columns are named by :func:`_naming_findings`.
    """
    theirs = dict(inputs.theirs)
    if inputs.landuse is not None:
        theirs[LANDUSE] = inputs.landuse
    constraints = {name for _, name, _ in _constraint_specs(request)}
    fields = {
        role: {k: v for k, v in (("id", o.id_field), ("name_zh", o.name_field)) if v is not None}
        for role, o in request.options.items()
        if role in inputs.theirs or role in constraints
    }
    if _id_field(request, LANDUSE) != "id":  # the land use keeps its ids in their own field
        fields[LANDUSE] = {"id": _id_field(request, LANDUSE)}
    frame = output_frame(theirs, None, fields)
    return _naming_findings(frame, inputs, plan, request.class_field)


def _naming_findings(
    frame: OutputFrame,
    inputs: _Inputs,
    plan: tuple[tuple[Target, ...], tuple[Rule, ...]],
    class_field: str,
) -> OutputFrame:
    """Return ``frame`` naming the ids of ``findings.gpkg`` as the layers they come from.

    The 调入/调出 pieces of a layer take its id field (``BSM``, ``DYBH``); the
    conflict pieces' ``zone_id`` the checked layer's (``constraint_ids``, several
    features' ids, keeps its name, as ``check --conflicts-out`` writes it).
    The 质检 findings' ``feature_id`` takes the inspected layer's (the land use's,
    else the zones'); ``other_id`` (the same layer's) keeps its name. The
    tables (``tables.json``, ``tables.xlsx``) name their id columns alike,
    ``qc_findings`` too (its ``feature_id`` as ``BSM``, as the layer); the
    conflicts table's ``landuse_class`` is written as the land use's class
    field (``YDYHFLDM``).
    """
    for layer in inputs.previous:
        frame = frame.naming_ids(f"diff_pieces_{layer}", {"id": [layer]})
        frame = frame.naming_table(f"changes_{layer}", {"id": [layer]})
    inspected = LANDUSE if inputs.landuse is not None else "zones"
    frame = frame.naming_ids(ERRORS_LAYER, {"feature_id": [inspected]})
    frame = frame.naming_table(ERRORS_LAYER, {"feature_id": [inspected]})  # the layer's name
    for table in ("balance", "balance_totals", "balance_adjustment"):
        frame = frame.naming_table(table, {"zone_id": ["zones"]})
    frame = named_check_tables(frame, *plan)
    pieces = frame.ids["conflicts"]
    if inputs.landuse is not None:  # the land-use class the conflicts lie on, as its field
        frame = frame.with_ids("conflicts", {**pieces, "landuse_class": class_field})
    ids = {**frame.ids, "conflict_pieces": pieces}
    for layer in inputs.previous:  # the status tables are rows of the targets' and rules' tables
        ids[f"status_targets_{layer}"] = ids.get("targets", {})
        ids[f"status_rules_{layer}"] = ids.get("rules", {})
    return replace(frame, ids=ids)


def _landuse(request: ReviewRequest, inputs: _Inputs) -> LandUse | None:
    """Return the land use read, for the report's map and its list of layers."""
    if inputs.landuse is None or request.landuse is None:
        return None
    return LandUse(str(request.landuse), inputs.landuse, request.class_field)


def run_review(request: ReviewRequest) -> ReviewResult:
    """Review the plan: check, conflicts, balance, changes and quality; write the folder.

    Returns
    -------
    ReviewResult
        What was found and written; ``passed`` as ``spatial check`` (and ``qc``) judge.

    Raises
    ------
    SpatialError
        An input cannot be read or the call is wrong (nothing is written), or the
        folder cannot be written (an earlier review there is left as it was).
    """
    from spatial.commands._review_folder import refuse_folder  # noqa: PLC0415

    out = Path(os.path.abspath(os.fspath(request.out)))  # "review/", ".": a folder with a name
    _check_request(request)
    refuse_folder(out, _input_paths(request))
    inputs = _read_inputs(request)
    plan = _rules(request, inputs)
    snapshot = _check(request, inputs, plan)
    balance = _balance(request, inputs)  # refuses a bad land use first, naming the zones
    snapshot = _by_landuse(request, inputs, plan, snapshot)
    changes = _changes(request, inputs)
    qc = _qc(request, inputs)
    tables = _tables(snapshot, balance, changes, qc)
    tables.update(_status_changes(request, inputs, plan, snapshot))
    frame = _frame(request, inputs, plan)
    made = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    written_tables = frame.tables(tables, "json")  # ids under the planner's fields beside
    manifest = _manifest(request, frame, written_tables, made, inputs)
    manifest_text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    written = write_review_folder(
        out,
        snapshot=snapshot,
        tables=tables,
        changes=changes,
        qc=qc,
        frame=frame,
        manifest_text=manifest_text,
        tables_text=tables_json(written_tables),
        landuse=_landuse(request, inputs),
    )
    return ReviewResult(
        out=out,
        snapshot=snapshot,
        tables=tables,
        changes=changes,
        qc=qc,
        manifest=manifest,
        manifest_sha256=digest_text(manifest_text),
        pages=written.pages,
        layers=written.layers,
        notes=[*inputs.notes, *snapshot.notes],
    )


def _input_paths(request: ReviewRequest) -> list[str]:
    paths = [*request.layers.values(), *(p for _, _, p in _constraint_specs(request))]
    paths += [p for _, p in request.previous]
    paths += [p for p in (request.landuse, request.plan, request.rules) if p is not None]
    paths += [p for p in request.packs if Path(p).is_file()]  # a pack file, not a bundled name
    return [p for p in paths if "://" not in p]
