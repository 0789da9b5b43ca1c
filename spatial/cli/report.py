"""``spatial report``: the plan checked and written as one offline HTML report and an A3 PDF sheet.

Examples::

    spatial report --out report.html                         # the bundled plan
    spatial report --zones my_zones.gpkg --out report.html --pdf sheet.pdf
    spatial report --layer parcels=parcels.gpkg --style-field 用地性质 --out report.html

The HTML holds the map, the area targets with a chart of target against
measured, every rule row, the overlap and outside pieces of failed rules and
each layer's accuracy and sources; it makes no network request. The PDF is an
A3 landscape map sheet (legend, north arrow, scale bar, coordinate system,
sources, date) with its fonts embedded, Chinese included.

Exit status: 0 written and every target and rule passes, 1 written and some
fail (as ``spatial check`` on the same files), 2 unreadable input or bad call.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from spatial.cli._options import COMMAND_HELP, add_plan_files, add_repair_option, require_suffix
from spatial.cli._output import say_notes
from spatial.cli._plan_input import add_plan_input, plan_layers_of
from spatial.cli._project import plan_request
from spatial.cli._tables import zone_areas_text
from spatial.commands.report import ReportRequest, run_report
from spatial.errors import printable

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``report`` subcommand."""
    parser = subparsers.add_parser(
        "report",
        help=COMMAND_HELP["report"],
        description="Check the plan as `spatial check` does and write it as one self-contained "
        "HTML report (no network request) and, with --pdf, an A3 landscape map sheet with "
        "embedded fonts. Exit 0 all pass, 1 any fails, 2 unreadable input or bad call.",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="HTML", help="the report")
    parser.add_argument("--pdf", type=Path, metavar="PDF", help="also write the A3 map sheet")
    add_plan_input(parser)
    add_plan_files(parser)
    add_repair_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Write the report (and the sheet); return 0 when every check passes, else 1."""
    require_suffix(args.out, (".html", ".htm"), "a report")
    if args.pdf is not None:
        require_suffix(args.pdf, (".pdf",), "a map sheet")
    inputs = plan_layers_of(args)
    result = run_report(
        ReportRequest(
            out=args.out,
            pdf=args.pdf,
            plan=plan_request(args),
            inputs=inputs,
            style_field=args.style_field,
            repair=args.repair,
        )
    )
    say_notes("report", result.notes)
    snapshot = result.snapshot
    print(f"wrote {args.out} ({result.html_bytes / 1e6:.2f} MB, offline)")
    if args.pdf is not None:
        print(f"wrote {args.pdf} (A3 landscape, fonts embedded)")
    for line in snapshot.notes:
        print(f"spatial report: {printable(line)}")
    unjudged = zone_areas_text(snapshot, inputs)
    if unjudged is not None:  # every zone with its measured area, as the map lists them
        print(unjudged)
    print(f"spatial report: {result.summary}")
    for line in snapshot.report.failures:
        print(f"spatial report: FAIL {printable(line)}", file=sys.stderr)
    return result.exit_status
