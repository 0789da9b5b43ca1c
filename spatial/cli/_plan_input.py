"""The plan layers a map or report shows: the bundled ones, with the planner's own in place.

``--zones PATH`` (and ``--clusters``, ``--corridor``...) replace a bundled layer;
``--layer NAME=PATH`` adds a planner's layer drawn beneath the plan; the
per-input reading options (``--crs``, ``--input-frame``, ``--id-field``,
``--name-field``) are :func:`spatial.cli._options.add_input_options`'. Files are
read here and validated once, where they are checked or drawn.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

import geopandas as gpd

from spatial.checks.targets import match_by_name
from spatial.cli._constraints import add_constraint_options, constraint_inputs, constraint_rules
from spatial.cli._options import Input, add_input_options, layer_flag, print_notes, read_options
from spatial.cli._project import own_plan, plan_headlines, plan_input, plan_title
from spatial.errors import UsageError, printable
from spatial.io.layers import LAYER_NAMES, load_plan_layers, read_layer
from spatial.io.options import ReadOptions
from spatial.io.postgis import database_label
from spatial.io.properties import parse_properties

if TYPE_CHECKING:
    from spatial.checked.snapshot import PlanSnapshot
    from spatial.plan import Target

__all__ = ["add_plan_input", "check_style_field", "read_plan_input", "read_plan_layer"]


def add_plan_input(parser: argparse.ArgumentParser) -> None:
    """Add the layer flags, ``--layer NAME=PATH``, ``--style-field`` and the reading options."""
    for name in LAYER_NAMES:
        parser.add_argument(
            layer_flag(name),
            metavar="PATH",
            help=f"your own {name} layer (a file, FILE.gdb::LAYER or postgresql://...?table=T)",
        )
    parser.add_argument(
        "--layer",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="an extra layer of yours, drawn beneath the plan (repeatable); NAME names it in "
        "the legend and must not be a plan layer name (use --zones etc. for those)",
    )
    parser.add_argument(
        "--style-field",
        metavar="FIELD",
        help="colour the --layer features by the categories of this field (e.g. 用地性质)",
    )
    add_input_options(parser)
    add_constraint_options(parser, conflicts=False)  # 三区三线 judged as check judges them


def _extra_specs(specs: list[str]) -> dict[str, str]:
    layers: dict[str, str] = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            raise UsageError(f"--layer {spec!r}: expected NAME=PATH")
        if name in LAYER_NAMES:
            raise UsageError(
                f"--layer {spec!r}: {name!r} is a plan layer; use {layer_flag(name)} {path} "
                "to replace it"
            )
        if name in layers:
            raise UsageError(f"--layer {spec!r}: the name {name!r} is given twice")
        layers[name] = path
    return layers


def _read(path: str, options: ReadOptions, command: str) -> gpd.GeoDataFrame:
    gdf = read_layer(path, **vars(options))  # validated once, where checked or drawn
    print_notes(command, gdf)
    return gdf


def read_plan_layer(name: str, path: str, options: ReadOptions, command: str) -> gpd.GeoDataFrame:
    """Read a planner's plan layer ``name``: its notes said, its typed properties checked.

    The one place a plan layer given on the command line (or in the project) is
    read, so ``check``, ``map`` and ``report`` refuse the same values (a towns
    file's ``corridor_town: "maybe"``: :func:`spatial.io.properties.parse_properties`).
    """
    return parse_properties(_read(path, options, command), name, database_label(path))


def read_plan_input(
    args: argparse.Namespace, command: str, targets: tuple[Target, ...] | None = None
) -> tuple[
    dict[str, gpd.GeoDataFrame], dict[str, str], dict[str, gpd.GeoDataFrame], dict[str, ReadOptions]
]:
    """Return (plan layers, the file of each layer the planner gave, extra layers, read options).

    The reading options are by role, constraint layers' included (they are read
    with the rules they add: :func:`spatial.cli._constraints.constraint_rules`).

    ``targets``: those a zone whose id the file lacks is matched to by name
    (the plan that judges, :func:`spatial.cli._project.plan_input`, by default).
    """
    given = {name: getattr(args, name) for name in LAYER_NAMES if getattr(args, name) is not None}
    extra_specs = _extra_specs(args.layer)
    inputs = [Input(n, p) for n, p in given.items()]
    inputs += [Input(n, p, main=False) for n, p in extra_specs.items()]
    inputs += [Input(name, path, main=False) for _, _, name, path in constraint_inputs(args)]
    options = read_options(args, inputs)
    layers = load_plan_layers()
    for name, path in given.items():
        layers[name] = read_plan_layer(name, path, options[name], command)
    extra = {name: _read(path, options[name], command) for name, path in extra_specs.items()}
    if "zones" in given:  # a target whose id the file lacks is found by its name
        targets = plan_input(args)[0] if targets is None else targets
        layers["zones"], matched = match_by_name(layers["zones"], targets, given["zones"])
        for line in matched:
            print(f"spatial {command}: note: {printable(line)}", file=sys.stderr)
    files = {name: database_label(path) for name, path in {**given, **extra_specs}.items()}
    return layers, files, extra, options


def check_style_field(field: str | None, extra: dict[str, gpd.GeoDataFrame]) -> None:
    """Refuse ``--style-field`` without a ``--layer``, or naming a field no extra layer has."""
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


def checked_snapshot(args: argparse.Namespace, command: str) -> PlanSnapshot:
    """Read the plan's layers as the options say and check them once (map and report share it).

    Reads the planner's layers (:func:`read_plan_input`), checks ``--style-field``
    against the extra layers, and runs the targets and rules of the planner's plan
    (the project's, ``--plan`` and ``--rules``: no bundled one then) or the bundled
    plan (:func:`spatial.checks.snapshot.take_snapshot`). A planner's plan over
    their own layers is drawn alone, under its own title (:func:`plan_title`).
    """
    from spatial.checks.snapshot import take_snapshot  # noqa: PLC0415 - matplotlib-free, but heavy

    targets, rules = plan_input(args)  # the project's, --plan's, or the bundled plan whole
    layers, files, extra, options = read_plan_input(args, command, targets)
    check_style_field(args.style_field, extra)
    rules += constraint_rules(args, layers, files, rules, options)
    return take_snapshot(
        layers,
        files,
        extra,
        targets=targets,
        rules=rules,
        headlines=plan_headlines(args),  # Bishan's figures never headline a planner's plan
        repair=args.repair,
        bundled=not (own_plan(args) and any(name in files for name in LAYER_NAMES)),
        title=plan_title(args),
    )
