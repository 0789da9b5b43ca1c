"""``spatial check``: the plan's layers against its area targets and spatial rules.

Prints (or writes with ``--out``) the target table (``id, name_zh, target_km2,
measured_km2, planar_km2, geodesic_km2, planar_diff_m2, geodesic_diff_m2, diff_km2,
diff_pct, status, reason``: the area of record, then the two cross-checks, planar
Gauss–Krüger and geodesic edges, and their differences from it in m²; only
``measured_km2``, the area of record by the survey rule, is judged against the
target: ``planar_diff_m2`` is mostly the Gauss–Krüger plane's scale error (about
+0.03 %, hundreds of m² on a km² zone) and ``geodesic_diff_m2`` the edge model's
(288 m² on the 15 km² zone-kcxz, hundredths of a m² on a parcel): neither counts)
and the rule
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
import sys

from spatial.cli._constraints import (
    add_constraint_options,
    check_constraint_call,
    constraint_inputs,
    write_conflicts,
)
from spatial.cli._options import (
    COMMAND_HELP,
    Input,
    add_input_options,
    add_option,
    add_plan_files,
    add_repair_option,
    layer_flag,
    read_options,
)
from spatial.cli._output import printed_warnings
from spatial.cli._outputs import add_output_options, emit_report
from spatial.cli._project import plan_request
from spatial.commands._inputs import Constraint, PlanLayers
from spatial.commands.check import CheckRequest, run_check
from spatial.errors import UsageError, printable
from spatial.io.bundled import LAYER_NAMES

__all__ = ["register", "request_of", "run"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``check`` subcommand."""
    parser = subparsers.add_parser(
        "check",
        help=COMMAND_HELP["check"],
        description=(
            "Compare every area target of the plan with the measured (ellipsoidal, CGCS2000) "
            "area of its feature and run the plan's spatial rules. "
            "measured_km2 is the area of record (the survey rule) and the only figure judged; "
            "planar_km2/geodesic_km2 and their *_diff_m2 from it are cross-checks that count "
            "for nothing (the Gauss-Kruger plane's scale error, the geodesic edge model). "
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
    add_option(
        parser,
        "--landuse",
        help="land-use layer: the 三区三线 conflicts split by its class (--class-field, default: "
        "the project's, else YDYHFLDM), as spatial review does (default: the project's)",
    )
    add_repair_option(parser)
    parser.set_defaults(handler=run)


def request_of(args: argparse.Namespace) -> CheckRequest:
    """Return the :class:`CheckRequest` the parsed call (and the project) says."""
    given = {
        layer: getattr(args, f"layer_{layer}")
        for layer in LAYER_NAMES
        if getattr(args, f"layer_{layer}") is not None
    }
    constraints = constraint_inputs(args)
    inputs = [Input(layer, path) for layer, path in given.items()]
    inputs += [Input(c.name, c.path, main=False) for c in constraints]
    landuse = getattr(args, "landuse", None)  # --landuse, or the project's: conflicts by class
    inputs += [Input("landuse", landuse, main=False)] if landuse else []
    options = read_options(args, inputs, find_ids=True)  # zones by DYBH, unnamed
    check_constraint_call(args, constraints)
    _check_landuse_call(args, constraints)
    read = _conflicts_read(args)  # a table of rows or a workbook: no pieces, no split by class
    return CheckRequest(
        plan=plan_request(args),
        inputs=PlanLayers(
            layers=given,
            constraints=tuple(constraints),
            options=options,
            tolerance_m2=args.tolerance_m2,
        ),
        class_field=args.class_field,
        repair=args.repair,
        out_crs=getattr(args, "out_crs", None),
        landuse=landuse if constraints and read else None,
        landuse_class_field=args.class_field or getattr(args, "landuse_class_field", None),
        conflicts=read,
    )


#: Kinds of table (:mod:`spatial.table_formats`) holding the targets and the rules alone.
_NO_CONFLICTS = frozenset({"rows", "workbook"})


def _conflicts_read(args: argparse.Namespace) -> bool:
    """Whether an output of the call reads the conflict pieces (``CheckRequest.conflicts``).

    A table of rows (CSV, TSV) and a workbook hold the targets and the rules
    only; the terminal, JSON, Markdown, the checked layers (``--out`` a
    GeoPackage, ``--db``) and ``--conflicts-out`` read the pieces. The land
    use (``--landuse``, the project's ``[landuse]``) splits the pieces by class
    only for those: with a table of rows it is neither read nor cut.
    """
    from spatial.export.layers import is_layer_destination  # noqa: PLC0415
    from spatial.formats import format_from_suffix  # noqa: PLC0415
    from spatial.table_formats import table_format  # noqa: PLC0415

    if args.conflicts_out is not None or getattr(args, "db", None) is not None:
        return True
    if is_layer_destination(args.out):
        return True
    try:
        kind = table_format(format_from_suffix(args.format, args.out)).kind
    except (UsageError, ValueError):  # refused where the report is written, in its words
        return True
    return kind not in _NO_CONFLICTS


def _check_landuse_call(args: argparse.Namespace, constraints: list[Constraint]) -> None:
    """Refuse a typed ``--landuse`` without a constraint: it splits their conflicts (exit 2).

    The project's land use (set with its class field) splits them when there are some.
    """
    typed = args.landuse is not None and getattr(args, "landuse_class_field", None) is None
    if typed and not constraints:
        raise UsageError(
            "--landuse splits the 三区三线 conflicts by land-use class: give --constraint or "
            "--within too"
        )


def run(args: argparse.Namespace) -> int:
    """Run the checks and return 0 (all pass) or 1 (any fails)."""
    request = request_of(args)
    with printed_warnings("check"):
        result = run_check(request)
    for line in result.notes:
        print(f"spatial check: note: {printable(line)}", file=sys.stderr)
    if args.conflicts_out is not None and result.conflicts is not None:  # with constraints
        write_conflicts(result.conflicts, args.conflicts_out)
    to_terminal = emit_report(args, result.report, result.frame)
    if not to_terminal:
        print(f"spatial check: {result.summary}", file=sys.stderr)
        for line in result.report.failures:
            print(f"spatial check: FAIL {line}", file=sys.stderr)
    return result.exit_status
