"""The project (``spatial.toml`` or ``--project FILE``) as every command's defaults.

:func:`apply_project` reads the project once, before the command runs, and fills
in what the command line left unsaid: the plan layers' paths and reading options,
the targets and rules, the constraint layers and the land-use layer. An option
given on the command line always wins; a layer's reading options (``id_field``,
``crs``...) apply only when its path comes from the project.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from spatial.cli._options import EVERY_INPUT_OPTIONS, keyed_value, named
from spatial.commands._inputs import PlanInput
from spatial.errors import SpatialError, UsageError, printable
from spatial.project import Project, ProjectLayer, find_project

if TYPE_CHECKING:
    from spatial.io.options import ReadOptions
    from spatial.plan import Headline, Rule, Target

#: Commands that run on the files they are given: a project fills in only what their
#: arguments leave open, and one in the folder that cannot be read is set aside with a
#: note (it is an error only when named with --project, or when the command needs it).
OPTIONAL_PROJECT = ("validate", "overlay")

__all__ = [
    "add_project_option",
    "apply_project",
    "own_plan",
    "plan_headlines",
    "plan_input",
    "plan_name",
    "plan_request",
    "plan_title",
    "project_class_field",
    "project_options",
]


def add_project_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--project FILE``: the project file (default: ``spatial.toml`` here, if any)."""
    parser.add_argument(
        "--project",
        metavar="FILE",
        help="the project file naming your layers, targets and rules (default: spatial.toml "
        "in this folder, if there is one); options given here override it",
    )


def _said(values: list[str], role: str, dest: str, main: bool) -> bool:
    """Return whether the command line already says ``dest`` for the input ``role``."""
    for value in values:
        key, _ = keyed_value(value)
        if key == role or (key is None and (main or dest in EVERY_INPUT_OPTIONS)):
            return True
    return False


def _add_options(
    args: argparse.Namespace, role: str, layer: ProjectLayer, main: bool, key: str
) -> None:
    """Give the input ``role`` the reading options of the project's layer ``key``, where unsaid."""
    for dest, value in layer.options().items():
        given = getattr(args, dest, None)
        if isinstance(given, list) and not _said(given, role, dest, main):
            given.append(f"{role}={value}")
            _remember(args, key, dest, value)


def _remember(args: argparse.Namespace, key: str, dest: str, value: str | None) -> None:
    """Note that the project's layer ``key``, not the command line, names the field ``dest``."""
    if value is not None and dest.endswith("_field"):
        args.project_fields = [*getattr(args, "project_fields", []), (key, dest, str(value))]


def project_hint(args: argparse.Namespace, message: str) -> str:
    """Return where a field a message finds missing was named, when the project named it.

    A planner who typed no ``--id-field`` is told the project file's
    ``id_field`` is the one to correct (or override); ``""`` otherwise.

    Examples
    --------
    >>> args = argparse.Namespace(project_file="spatial.toml",
    ...                           project_fields=[("layers.zones", "id_field", "DYBH2")])
    >>> print(project_hint(args, "z.shp: no field 'DYBH2' for --id-field; its fields are DYBH"))
    ; the project spatial.toml says [layers.zones] id_field = "DYBH2"
    """
    for key, dest, value in getattr(args, "project_fields", []):
        if f"no id column {value!r}" in message or f"no field {value!r}" in message:
            file = getattr(args, "project_file", "")
            return f'; the project {file} says [{key}] {dest} = "{value}"'
    return ""


def _plan(args: argparse.Namespace, project: Project) -> None:
    if not hasattr(args, "plan") or args.plan is not None or args.rules is not None:
        return  # a plan on the command line replaces the project's whole
    args.plan, args.rules = project.targets_file, project.rules_file
    args.own_plan = True


def _layers(args: argparse.Namespace, project: Project) -> None:
    """Give each plan layer the project's file where none is named, and its fields always.

    ``--zones OTHER.shp`` replaces the project's zones file, not its reading
    options: the role's id and name fields and CRS still apply unless given
    (``--id-field zones=id``), and a field the file lacks is blamed on the project line.
    """
    for name, layer in project.layers.items():
        for dest in (f"layer_{name}", name):  # check's dests, then map's and report's
            if not hasattr(args, dest):
                continue
            if getattr(args, dest) is None:
                setattr(args, dest, layer.path)
            _add_options(args, name, layer, main=True, key=f"layers.{name}")


def _constraints(args: argparse.Namespace, project: Project) -> None:
    tables = (
        ("constraint", "constraints", project.constraints),
        ("within", "within", project.within),
    )
    for dest, table, layers in tables:
        given = getattr(args, dest, None)
        if not isinstance(given, list):
            continue
        said = {named(f"--{dest}", spec)[0] for spec in given}
        for name, layer in layers.items():  # a name given with another file keeps its fields
            if name not in said:
                given.append(f"{name}={layer.path}")
                # what the project added, not the command line (diff runs them only where
                # the project's plan runs)
                args.project_constraints = [*getattr(args, "project_constraints", []), name]
            _add_options(args, name, layer, main=False, key=f'{table}."{name}"')


def _landuse(args: argparse.Namespace, project: Project) -> None:
    landuse = project.landuse
    if landuse is None:
        return
    if args.command == "diff" and args.new is None:  # spatial diff OLD: against the land use now
        args.new = landuse.path
        print(
            f"spatial diff: note: NEW is the project's land use, {printable(landuse.path)} "
            f"([landuse] path in {printable(project.file)})",
            file=sys.stderr,
        )
    of_landuse = _versions_of_landuse(args, landuse)
    if args.command == "diff" and of_landuse:
        args.versions_role = "landuse"  # the one place diff's versions are found the land use
    if args.command == "review":  # --qc compares names by it (its --landuse: a version of it)
        args.class_name_field = landuse.class_name_field
    of_landuse = of_landuse and args.command != "qc"  # qc: each layer given its own (_qc)
    if getattr(args, "class_field", "") is None and landuse.class_field is not None and of_landuse:
        args.class_field = landuse.class_field
        _remember(args, "landuse", "class_field", landuse.class_field)
    if args.command == "diff" and args.id_field is None:
        args.id_field = landuse.id_field
        _remember(args, "landuse", "id_field", landuse.id_field)
    unsaid = getattr(args, "landuse", "") is None and getattr(args, "existing", None) is None
    if args.command in ("balance", "review") and unsaid:
        args.landuse = landuse.path
        _add_options(args, "landuse", landuse, main=args.command == "balance", key="landuse")
    elif args.command == "review" and args.landuse is not None:
        # --landuse OTHER.gpkg is a version of the project's land use: its fields and CRS,
        # as diff matches any two versions by the project's land-use id field
        _add_options(args, "landuse", landuse, main=False, key="landuse")
    if args.command == "check" and landuse.class_field is not None:  # conflicts by its class
        if args.landuse is None:  # check --landuse OTHER.gpkg: that file, the project's fields
            args.landuse, args.landuse_class_field = landuse.path, landuse.class_field
        _add_options(args, "landuse", landuse, main=False, key="landuse")


#: The fields ``qc`` takes of a project layer it is given (each unless given on the command line).
_QC_FIELDS = ("id_field", "class_field", "class_name_field")


def _qc(args: argparse.Namespace, project: Project) -> None:
    """``qc``: the project's land-use layer when no LAYER is given; each project layer's fields.

    A file given gets the project's id, class and class name fields only when it
    is one of the project's layers (:func:`_layer_key`: the same path); any other
    file (zones, a constraint layer, a file from elsewhere) keeps the fields it
    has by the standard rules (:mod:`spatial.commands.qc`), never the land use's.
    An option given wins. ``args.layer_fields`` holds them by LAYER as given.
    """
    if not args.layers and project.landuse is not None:  # 成果质检 of the project's land use
        args.layers = [project.landuse.path]  # its CRS: the file's own
    layers = project.every_layer()
    args.layer_fields = {}
    for path in args.layers:
        key = _layer_key(str(path), layers)
        if key is None:
            continue
        stated = {dest: getattr(layers[key], dest, None) for dest in _QC_FIELDS}
        own = {d: str(v) for d, v in stated.items() if v is not None and getattr(args, d) is None}
        for dest, value in own.items():
            _remember(args, key, dest, value)
        args.layer_fields[path] = own


def _layer_key(path: str, layers: dict[str, ProjectLayer]) -> str | None:
    """Return the key of the project layer ``path`` is (``landuse``...), else None.

    The same file and layer, however spelt; ``FILE.gpkg`` is ``FILE.gpkg::LAYER``
    when the file holds that one layer only.
    """
    given = _path_key(path)
    for key, layer in layers.items():
        if _path_key(layer.path) == given:
            return key
    file, _, layer_name = given.partition("::")
    if layer_name or not os.path.isfile(file):
        return None
    for key, layer in layers.items():
        other, _, named = _path_key(layer.path).partition("::")
        if other == file and named and _only_layer(file) == named:
            return key
    return None


def _only_layer(file: str) -> str | None:
    """Return the name of the one layer of ``file``; None if it holds several or cannot be read."""
    import pyogrio  # noqa: PLC0415 - only for a multi-layer file named without its layer

    try:
        names = pyogrio.list_layers(file)
    except Exception:  # the read refuses it, in its own words
        return None
    return str(names[0][0]) if len(names) == 1 else None


def _versions_of_landuse(args: argparse.Namespace, landuse: ProjectLayer) -> bool:
    """Whether ``diff``'s versions are the land use: one is its file, or no ``--id-field`` is typed.

    ``spatial diff zones_a.shp zones_b.shp --id-field DYBH`` in a project compares
    zones, which have no land-use class field; every other command's call is the land use's.
    """
    if args.command != "diff" or args.id_field is None:
        return True
    return _path_key(landuse.path) in (_path_key(args.old), _path_key(args.new))


def _zone_ids(args: argparse.Namespace, project: Project) -> None:
    """``balance --zone-id-field``: the project's zones' id field, when its zones are used."""
    zones = project.layers.get("zones")
    if args.command != "balance" or zones is None or args.zone_id_field is not None:
        return
    if args.zones is not None and _path_key(str(args.zones)) == _path_key(str(zones.path)):
        args.zone_id_field = zones.id_field  # its zones file, however it is spelled
        _remember(args, "layers.zones", "id_field", zones.id_field)


def _out_crs(args: argparse.Namespace, project: Project) -> None:
    """``--out-crs``, on the commands that have it: the project's output CRS, unless given."""
    if getattr(args, "out_crs", "") is None and project.out_crs is not None:
        args.out_crs = project.out_crs


def _needs_project(args: argparse.Namespace) -> bool:
    """Whether an optional-project command has nothing to run on without the project."""
    return args.command == "validate" and not args.paths


def _find(args: argparse.Namespace) -> Project | None:
    """Return the project; one an optional-project command does not need is set aside if broken."""
    given = getattr(args, "project", None)
    try:
        return find_project(given)
    except SpatialError as exc:
        if args.command not in OPTIONAL_PROJECT or given is not None or _needs_project(args):
            raise
        print(f"spatial {args.command}: note: {exc} (not needed here: set aside)", file=sys.stderr)
        return None


def _warn_passwords(args: argparse.Namespace, project: Project) -> None:
    """Say once, on stderr, which layers' PostGIS URLs hold a password (never the password)."""
    from spatial.io.postgis import is_postgis_url, postgis_table  # noqa: PLC0415

    keys = []
    for key, layer in project.every_layer().items():
        if not is_postgis_url(layer.path):
            continue
        for table in (None, "-"):  # the table named in the URL, or not yet
            try:
                if postgis_table(layer.path, table=table).password is not None:
                    keys.append(f"{key}.path")
                break
            except SpatialError:  # a malformed URL is refused in its own line when read
                continue
    if keys:
        print(
            f"spatial {args.command}: warning: {project.file}: {', '.join(keys)}: the PostGIS URL "
            "holds a password, which anyone who can read the project file can read: use a "
            "~/.pgpass file or PGPASSWORD instead",
            file=sys.stderr,
        )


def _path_key(path: str) -> str:
    """Return ``path`` as project layers are matched: absolute, ``::LAYER`` kept; URLs as is."""
    if path.startswith(("postgresql://", "postgres://")):
        return path
    name, sep, layer = path.partition("::")
    return f"{os.path.abspath(os.path.expanduser(name))}{sep}{layer}"


def _files(args: argparse.Namespace, project: Project) -> None:
    """``validate`` and ``overlay``: the project's layers, where their arguments leave them open.

    ``spatial validate`` without a PATH checks every layer the project names;
    a file given that is one of them is read with its reading options
    (:func:`project_options`) and, the land-use layer, checked with its class
    field. ``overlay`` takes a project layer's id field as ``--a-id``/``--b-id``
    and its CRS and input frame, unless given.
    """
    layers = project.every_layer()
    args.project_layers = {_path_key(layer.path): layer for layer in layers.values()}
    keys = {_path_key(layer.path): key for key, layer in layers.items()}
    if args.command == "validate" and not args.paths:
        args.paths = list(dict.fromkeys(layer.path for layer in layers.values()))
    if args.command != "overlay":
        return
    for role, flag in (("a", "a_id"), ("b", "b_id")):
        path = getattr(args, role)
        layer = None if path is None else args.project_layers.get(_path_key(path))
        if layer is None:
            continue
        if getattr(args, flag) in (None, "id") and layer.id_field is not None:
            setattr(args, flag, layer.id_field)
            _remember(args, keys[_path_key(path)], "id_field", layer.id_field)
        if role == "b" or args.scheduler is None:  # dask reads A as it is
            reading = {k: v for k, v in layer.options().items() if k in EVERY_INPUT_OPTIONS}
            key = keys[_path_key(path)]
            _add_options(args, role, ProjectLayer(path, **reading), main=False, key=key)


def project_options(args: argparse.Namespace, path: str, options: ReadOptions) -> ReadOptions:
    """Return ``options`` with the project's for ``path`` (one of its layers) where left open."""
    layer = getattr(args, "project_layers", {}).get(_path_key(str(path)))
    if layer is None:
        return options
    return replace(
        options,
        **{k: v for k, v in layer.options().items() if getattr(options, k, None) is None},
    )


def project_class_field(args: argparse.Namespace, path: str) -> str | None:
    """Return the land-use class field the project states for ``path``, if it is its layer."""
    layer = getattr(args, "project_layers", {}).get(_path_key(str(path)))
    return None if layer is None else layer.class_field


def apply_project(args: argparse.Namespace) -> Project | None:
    """Read the project and fill in what the command line left unsaid; return it (or None)."""
    project = _find(args)
    args.own_plan = False
    args.project_title = args.project_name = None
    if project is None:
        if args.command == "validate" and not args.paths:
            raise UsageError(
                "give the files to check (PATH...), or run it where a spatial.toml names "
                "your layers (spatial init writes one)"
            )
        return None
    _warn_passwords(args, project)
    args.project_title, args.project_name = project.title, project.name
    args.project_file = str(project.file)
    if args.command in OPTIONAL_PROJECT:
        _files(args, project)
        _out_crs(args, project)
        return project
    _plan(args, project)
    _layers(args, project)
    _constraints(args, project)
    _landuse(args, project)
    if args.command == "qc":
        _qc(args, project)
    _zone_ids(args, project)
    _out_crs(args, project)
    return project


def own_plan(args: argparse.Namespace) -> bool:
    """Whether the planner's plan judges: a project's plan, or ``--plan``/``--rules`` given."""
    return bool(getattr(args, "own_plan", False)) or args.plan is not None or args.rules is not None


def plan_request(args: argparse.Namespace) -> PlanInput:
    """Return the plan that judges as the call and the project say (``--plan``, ``--rules``)."""
    name = getattr(args, "project_name", None)
    return PlanInput(args.plan, args.rules, own=own_plan(args), title=plan_title(args), name=name)


def plan_headlines(args: argparse.Namespace) -> tuple[Headline, ...] | None:
    """Return the headline figures a map or report quotes: the plan's own, never Bishan's.

    None (the bundled plan's, the snapshot's default) only when the bundled plan
    judges; a planner's ``--plan`` quotes its own ``[[headlines]]``, if any.
    """
    return plan_request(args).headlines()


def plan_input(args: argparse.Namespace) -> tuple[tuple[Target, ...], tuple[Rule, ...]]:
    """Return the targets and rules that judge: the planner's plan whole, or the bundled one.

    The bundled plan is the default only when no project and neither ``--plan``
    nor ``--rules`` is given (:meth:`spatial.commands._inputs.PlanInput.resolve`).
    """
    targets, rules, notes = plan_request(args).resolve()
    for note in notes:
        print(f"spatial {args.command}: note: {note}", file=sys.stderr)
    return targets, rules


def _stem(path: str) -> str:
    """Return a layer's name from its path: ``FILE.gdb::LAYER``'s layer, a URL's table, a stem."""
    from spatial.commands._inputs import source_stem  # noqa: PLC0415

    return source_stem(path)


def plan_title(args: argparse.Namespace) -> str | None:
    """Return the title a planner's map or report carries; None for the bundled plan's.

    The project's ``title``, else the plan's ``[document] title``, else the
    zones file's stem (the first layer's given, without zones).
    """
    from spatial.io.bundled import LAYER_NAMES  # noqa: PLC0415
    from spatial.plan import load_title  # noqa: PLC0415

    if not own_plan(args):
        return None
    if getattr(args, "project_title", None):
        return str(args.project_title)
    title = load_title(args.plan) if args.plan is not None else None
    names = ("zones", *LAYER_NAMES)
    # check, map, report: --zones...; review: its plan layers as layer_<name>
    given = [getattr(args, n, None) for n in names] + [
        getattr(args, f"layer_{n}", None) for n in names
    ]
    paths = [str(path) for path in given if path is not None]
    return title or (_stem(paths[0]) if paths else None)


def plan_name(args: argparse.Namespace, default: str) -> str:
    """Return the name a command's outputs take: the project's, else the plan file's stem.

    ``default`` (``bishan``) when the bundled plan judges.
    """
    if getattr(args, "project_name", None):
        return str(args.project_name)
    for path in (args.plan, args.rules):
        if path is not None:
            return Path(path).stem
    return default
