"""``spatial check``: the plan's layers against its area targets and spatial rules.

Prints (or writes with ``--out``) the target table (``id, name_zh, target_km2,
measured_km2, planar_km2, geodesic_km2, planar_diff_m2, geodesic_diff_m2, diff_km2,
diff_pct, status``: the area of record, then the two cross-checks, planar
Gauss–Krüger and geodesic edges, and their differences from it in m²) and the rule table as a
terminal table, CSV, JSON (``{"targets": [...], "rules": [...]}``) or Markdown.
``--zones PATH`` (and ``--clusters``, ``--corridor``... for the other layers)
checks a planner's own layer in place of the bundled one, against the same
targets (``seeds/plan.toml``) and rules (``seeds/rules.toml``).

Exit status: 0 every target and rule passes, 1 any fails (each failure is named
on standard error), 2 an input could not be read.
"""

from __future__ import annotations

import argparse
import sys
import warnings

from spatial.checks import run_checks
from spatial.cli._options import COMMAND_HELP, add_repair_option, layer_flag
from spatial.errors import CRSMismatchWarning, LayerError
from spatial.io.layers import LAYER_NAMES, load_plan_layers, read_layer
from spatial.plan import load_rules, load_targets
from spatial.report import FORMATS, emit, format_from_suffix

__all__ = ["register", "run"]

EXIT_OK, EXIT_PROBLEMS = 0, 1


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="output format (default: from the --out suffix .csv/.json/.md, else table)",
    )
    parser.add_argument("--out", metavar="PATH", help="write the report to PATH (atomically)")
    for layer in LAYER_NAMES:
        parser.add_argument(
            layer_flag(layer),
            dest=f"layer_{layer}",
            metavar="PATH",
            help=f"check this file in place of the bundled {layer} layer",
        )
    parser.add_argument("--crs", help="CRS to assume for a given file that declares none")
    parser.add_argument("--plan", metavar="TOML", help="targets file (default: seeds/plan.toml)")
    parser.add_argument("--rules", metavar="TOML", help="rules file (default: seeds/rules.toml)")
    add_repair_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the checks and return 0 (all pass) or 1 (any fails)."""
    layers = load_plan_layers()
    sources: dict[str, str] = {}  # so validation messages name the planner's files
    for layer in LAYER_NAMES:
        path = getattr(args, f"layer_{layer}")
        if path is not None:
            layers[layer] = read_layer(path, crs=args.crs)
            sources[layer] = path
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CRSMismatchWarning)
        report = run_checks(
            layers,
            targets=load_targets(args.plan),
            rules=load_rules(args.rules),
            repair=args.repair,
            sources=sources,
        )
    for warning in caught:
        print(f"spatial check: warning: {warning.message}", file=sys.stderr)
    for repair in report.repairs:
        print(
            f"spatial check: repaired {repair['layer']} feature {repair['id']} "
            f"({repair['reason']}): area changed by {repair['area_changed_m2']:+,.1f} m²",
            file=sys.stderr,
        )
    fmt = format_from_suffix(args.format, args.out)
    if fmt not in FORMATS:
        raise LayerError(f"{args.out}: a check report is a table: use .csv, .json, .md or .txt")
    emit(report.render(fmt), args.out)
    if args.out is not None or fmt != "table":
        print(f"spatial check: {report.summary()}", file=sys.stderr)
        for line in report.failures:
            print(f"spatial check: FAIL {line}", file=sys.stderr)
    return EXIT_OK if report.passed else EXIT_PROBLEMS
