"""The project (``spatial.toml`` or ``--project FILE``) as every command's defaults.

:func:`apply_project` reads the project once, before the command runs, and fills
in what the command line left unsaid: the plan layers' paths and reading options,
the targets and rules, the constraint layers and the land-use layer. An option
given on the command line always wins; a layer's reading options (``id_field``,
``crs``...) apply only when its path comes from the project.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from spatial.cli._options import EVERY_INPUT_OPTIONS, keyed_value, named
from spatial.commands._inputs import PlanInput
from spatial.project import Project, ProjectLayer, find_project

if TYPE_CHECKING:
    from spatial.plan import Headline, Rule, Target

__all__ = [
    "add_project_option",
    "apply_project",
    "own_plan",
    "plan_headlines",
    "plan_input",
    "plan_request",
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


def _add_options(args: argparse.Namespace, role: str, layer: ProjectLayer, main: bool) -> None:
    for dest, value in layer.options().items():
        given = getattr(args, dest, None)
        if isinstance(given, list) and not _said(given, role, dest, main):
            given.append(f"{role}={value}")


def _plan(args: argparse.Namespace, project: Project) -> None:
    if not hasattr(args, "plan") or args.plan is not None or args.rules is not None:
        return  # a plan on the command line replaces the project's whole
    args.plan, args.rules = project.targets_file, project.rules_file
    args.own_plan = True


def _layers(args: argparse.Namespace, project: Project) -> None:
    for name, layer in project.layers.items():
        for dest in (f"layer_{name}", name):  # check's dests, then map's and report's
            if hasattr(args, dest) and getattr(args, dest) is None:
                setattr(args, dest, layer.path)
                _add_options(args, name, layer, main=True)


def _constraints(args: argparse.Namespace, project: Project) -> None:
    for dest, layers in (("constraint", project.constraints), ("within", project.within)):
        given = getattr(args, dest, None)
        if not isinstance(given, list):
            continue
        said = {named(f"--{dest}", spec)[0] for spec in given}
        for name, layer in layers.items():
            if name not in said:
                given.append(f"{name}={layer.path}")
                _add_options(args, name, layer, main=False)


def _landuse(args: argparse.Namespace, project: Project) -> None:
    landuse = project.landuse
    if landuse is None:
        return
    if getattr(args, "class_field", "") is None and landuse.class_field is not None:
        args.class_field = landuse.class_field
    if args.command == "diff" and args.id_field is None:
        args.id_field = landuse.id_field
    if args.command == "balance" and args.landuse is None and args.existing is None:
        args.landuse = landuse.path
        _add_options(args, "landuse", landuse, main=True)


def _zone_ids(args: argparse.Namespace, project: Project) -> None:
    """``balance --zone-id-field``: the project's zones' id field, when its zones are used."""
    zones = project.layers.get("zones")
    if args.command != "balance" or zones is None or args.zone_id_field is not None:
        return
    if args.zones == zones.path:
        args.zone_id_field = zones.id_field


def _out_crs(args: argparse.Namespace, project: Project) -> None:
    """``--out-crs``, on the commands that have it: the project's output CRS, unless given."""
    if getattr(args, "out_crs", "") is None and project.out_crs is not None:
        args.out_crs = project.out_crs


def apply_project(args: argparse.Namespace) -> Project | None:
    """Read the project and fill in what the command line left unsaid; return it (or None)."""
    project = find_project(getattr(args, "project", None))
    args.own_plan = False
    if project is None:
        return None
    _plan(args, project)
    _layers(args, project)
    _constraints(args, project)
    _landuse(args, project)
    _zone_ids(args, project)
    _out_crs(args, project)
    return project


def own_plan(args: argparse.Namespace) -> bool:
    """Whether the planner's plan judges: a project's plan, or ``--plan``/``--rules`` given."""
    return bool(getattr(args, "own_plan", False)) or args.plan is not None or args.rules is not None


def plan_request(args: argparse.Namespace) -> PlanInput:
    """Return the plan that judges as the call and the project say (``--plan``, ``--rules``)."""
    return PlanInput(args.plan, args.rules, own=own_plan(args))


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
