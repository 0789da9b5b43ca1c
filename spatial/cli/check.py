"""``spatial check``: the plan's layers against its area targets and spatial rules.

Prints (or writes with ``--out``) the target table (``id, name_zh, target_km2,
measured_km2, planar_km2, geodesic_km2, planar_diff_m2, geodesic_diff_m2, diff_km2,
diff_pct, status, reason``: the area of record, then the two cross-checks, planar
Gauss–Krüger and geodesic edges, and their differences from it in m²) and the rule
table as a terminal table, CSV (UTF-8 with a BOM, for Excel/WPS, unless ``--no-bom``),
JSON (``{"targets": [...], "rules": [...]}``), Markdown or an Excel workbook
(``--format xlsx``, sheets ``targets`` and ``rules``). ``--out results.gpkg``
writes the checked plan as a GeoPackage styled for QGIS (layers ``targets``,
``rules`` and every plan layer), ``--out results.gdb`` as a File Geodatabase, and
``--out postgresql://...?table=T`` (or ``--db URL --table T``) as PostGIS tables
``T`` (the targets with their features' geometry) and ``T_rules``.
``--zones PATH`` (and ``--clusters``, ``--corridor``... for the other layers)
checks a planner's own layer in place of the bundled one; a target whose id is
not in the file is found by its name (``name_zh``) and the output says so. The
targets and rules are the planner's plan whole (``--plan``, ``--rules``, or the
project's, ``spatial.toml``: with a plan and no rules file no rule runs), or,
when none is given, the bundled plan (``seeds/plan.toml``, ``seeds/rules.toml``).

三区三线: ``--constraint NAME=PATH`` (生态保护红线, 永久基本农田: must not be
occupied) and ``--within NAME=PATH`` (城镇开发边界: must lie within) add one rule
row per zone and constraint (``kind``, ``id``, ``constraint``, ``status``,
``occupied_m2`` or ``outside_m2``; FAIL above ``--tolerance-m2``);
``--conflicts-out FILE.gpkg`` writes the conflict pieces as a layer (draw it with
``spatial map --layer conflicts=FILE.gpkg``, red, with popups). A constraint
layer counts as land: a place several of its features cover counts once, and
the features are named (``constraint_ids``). Rules and cuts are decided in the
layers' own CRS (a Gauss–Krüger survey layer is not moved to lon/lat first);
the model is in :mod:`spatial.measure.reconcile`.

Exit status: 0 every target and rule passes, 1 any fails (each failure is named
on standard error), 2 an input could not be read.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import TYPE_CHECKING

from spatial.checks import run_checks
from spatial.cli._constraints import (
    add_constraint_options,
    constraint_inputs,
    constraint_rules,
    write_conflicts,
)
from spatial.cli._options import (
    COMMAND_HELP,
    Input,
    add_input_options,
    add_output_options,
    add_plan_files,
    add_repair_option,
    emit_report,
    layer_flag,
    output_frame_of,
    read_options,
)
from spatial.cli._output import ExitCode, printed_warnings
from spatial.cli._plan_input import read_plan_layer
from spatial.cli._project import own_plan, plan_input
from spatial.errors import printable
from spatial.export.frame import OutputFrame
from spatial.io.layers import LAYER_NAMES, load_plan_layers
from spatial.io.postgis import database_label
from spatial.landuse.fields import CLASS_CODE_FIELD

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from spatial.plan import Rule

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``check`` subcommand."""
    parser = subparsers.add_parser(
        "check",
        help=COMMAND_HELP["check"],
        description=(
            "Compare every area target of the plan with the measured (ellipsoidal, CGCS2000) "
            "area of its feature and run the plan's spatial rules. "
            "Exit 0 all pass, 1 any fails, 2 unreadable input."
        ),
    )
    add_output_options(parser, layers=True)
    for layer in LAYER_NAMES:
        parser.add_argument(
            layer_flag(layer),
            dest=f"layer_{layer}",
            metavar="PATH",
            help=f"check this file (or FILE.gdb::LAYER, postgresql://...?table=T) in place "
            f"of the bundled {layer} layer",
        )
    add_input_options(parser)
    add_plan_files(parser)
    add_constraint_options(parser)
    add_repair_option(parser)
    parser.set_defaults(handler=run)


def _read_layers(
    args: argparse.Namespace, rules: tuple[Rule, ...]
) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, str], tuple[Rule, ...], OutputFrame]:
    given = {
        layer: getattr(args, f"layer_{layer}")
        for layer in LAYER_NAMES
        if getattr(args, f"layer_{layer}") is not None
    }
    constraints = constraint_inputs(args)
    inputs = [Input(layer, path) for layer, path in given.items()]
    inputs += [Input(name, path, main=False) for _, _, name, path in constraints]
    options = read_options(args, inputs)
    layers = load_plan_layers()
    sources: dict[str, str] = {}  # so validation messages name the planner's files
    for layer, path in given.items():
        layers[layer] = read_plan_layer(layer, path, options[layer], "check")
        sources[layer] = database_label(path)  # a PostGIS URL without its password
    rules += constraint_rules(args, layers, sources, rules, options)
    theirs = {role: layers[role] for role in options}  # the planner's layers, as read
    return layers, sources, rules, output_frame_of(args, theirs, options)


def _hint_own_plan(args: argparse.Namespace, targets: pd.DataFrame) -> None:
    """Say how to give their own plan when the bundled one names none of their zones."""
    zones = args.layer_zones
    if zones is None or own_plan(args) or targets["measured_km2"].notna().any():
        return
    print(
        f"spatial check: note: no target of the bundled plan names a feature of "
        f"{database_label(zones)}: give your own targets with --plan FILE, or write a "
        "project with 'spatial init'",
        file=sys.stderr,
    )


def run(args: argparse.Namespace) -> int:
    """Run the checks and return 0 (all pass) or 1 (any fails)."""
    targets, rules = plan_input(args)  # the planner's plan whole, or the bundled one
    layers, sources, rules, frame = _read_layers(args, rules)
    frame = frame.naming("targets", {t.layer for t in targets})  # ids named as their layer's
    with printed_warnings("check"):
        report = run_checks(
            layers,
            targets=targets,
            rules=rules,
            repair=args.repair,
            sources=sources,
            class_field=args.class_field or CLASS_CODE_FIELD,  # the project's, if any
        )
    if args.conflicts_out is not None and report.conflicts is not None:  # with constraints
        write_conflicts(
            frame.layer("conflicts", report.conflicts),
            args.conflicts_out,
        )
    for line in report.matches:
        print(f"spatial check: note: {printable(line)}", file=sys.stderr)
    _hint_own_plan(args, report.targets)
    if own_plan(args):  # their plan: their layers go out, never Bishan's reference layers beside
        theirs = {name: gdf for name, gdf in report.layers.items() if name in sources}
        report = dataclasses.replace(report, layers=theirs)
    to_terminal = emit_report(args, report, frame)
    if not to_terminal:
        print(f"spatial check: {report.summary()}", file=sys.stderr)
        for line in report.failures:
            print(f"spatial check: FAIL {line}", file=sys.stderr)
    return ExitCode.OK if report.passed else ExitCode.PROBLEMS
