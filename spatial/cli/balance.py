"""``spatial balance LANDUSE [--zones ZONES]``: the 用地平衡表 (land-use balance table).

One row per zone and land-use class (``zone_id, class_code, class_name, level,
construction_land, area_m2, area_ha, area_mu, share_of_zone, zone_area_m2``,
then ``area_raw_m2, largest_adjustment_m2, largest_adjustment_rel,
overlap_m2``); without ``--zones`` one row per class for the whole layer
(``zone_id`` null). ``zone_id`` is headed as the zones' id field (``DYBH``) when
read from one (JSON: ``zone_id`` and ``DYBH`` beside). ``--existing A --planned B``
sets two land-use layers side by side with the change per class
(``existing_m2, planned_m2, change_m2`` and the same in ha, 亩, then the raw
rows and the largest adjustment per zone).
Layers are cut in their own frame and areas are of record (the survey rule,
CGCS2000); each zone's rows are reconciled to its area
(:mod:`spatial.measure.reconcile`). JSON and CSV carry the rows only (they sum to
each zone); the terminal table and Markdown add the 建设用地 subtotal (with
``--construction``), the total of each zone and the largest adjustment per zone.
An overlap between land-use features small enough to be tolerated is counted
once and named on stderr.

Exit status: 0 done; 1 done, but class names disagree with their codes or codes
are not at ``--level-required``; 2 unreadable input, an unknown or blank class
code, overlapping land-use features, or a bad call.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from typing import TYPE_CHECKING

from spatial.cli._options import (
    COMMAND_HELP,
    Input,
    add_input_options,
    add_option,
    add_repair_option,
    construction_codes,
    read_options,
    standard_field,
    standard_id_options,
)
from spatial.cli._output import printed_warnings, say_notes, say_wrote
from spatial.cli._outputs import add_output_options, emit_frames
from spatial.commands.balance import BalanceRequest, BalanceResult, run_balance
from spatial.errors import UsageError
from spatial.formats import format_from_suffix
from spatial.landuse.classes import load_classes
from spatial.landuse.fields import CLASS_CODE_FIELD, CLASS_NAME_FIELD
from spatial.table_formats import table_format

if TYPE_CHECKING:  # pandas is loaded by the table, not to refuse a call or a missing file
    import pandas as pd

    from spatial.export.frame import OutputFrame

__all__ = ["register", "request_of", "run"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``balance`` subcommand."""
    parser = subparsers.add_parser(
        "balance",
        help=COMMAND_HELP["balance"],
        description="Tabulate a land-use layer's area by class (用地用海分类 2023), per zone "
        "or for the whole layer; or an existing and a planned layer side by side. "
        "Exit 0 done, 1 class names disagree with codes, 2 unreadable or invalid input.",
    )
    parser.add_argument("landuse", metavar="LANDUSE", nargs="?", help="land-use layer")
    parser.add_argument("--zones", metavar="ZONES", help="zones to tabulate by")
    parser.add_argument("--existing", metavar="PATH", help="existing (现状) land-use layer")
    parser.add_argument("--planned", metavar="PATH", help="planned (规划) land-use layer")
    parser.add_argument(
        "--class-field",
        help=f"class code field (default: the project's, else {CLASS_CODE_FIELD})",
    )
    add_option(
        parser,
        "--class-name-field",
        default=CLASS_NAME_FIELD,
        help=f"class name field, checked against the code when present ({CLASS_NAME_FIELD})",
    )
    add_option(parser, "--zone-id-field")
    parser.add_argument(
        "--level",
        type=int,
        choices=(1, 2, 3),
        help="tabulate at this level: 1 (2-digit), 2 (4-digit), 3 (6-digit codes)",
    )
    add_option(parser, "--construction")
    add_output_options(parser)
    add_input_options(parser, polygonize=False, flags=("--crs", "--input-frame", "--id-field"))
    add_repair_option(parser)
    parser.set_defaults(handler=run)


def _check_call(args: argparse.Namespace) -> None:
    args.format = format_from_suffix(args.format, args.out)


def _readable(adjustments: pd.DataFrame) -> pd.DataFrame:
    """Show the relative adjustment as ``3.2e-10``: a table's four decimals would say 0."""
    rel = adjustments["largest_adjustment_rel"].map(lambda v: f"{v:.1e}")
    return adjustments.assign(largest_adjustment_rel=rel)


def _render(result: BalanceResult, fmt: str, frame: OutputFrame) -> str:
    from spatial.report import format_frame, format_markdown, format_table  # noqa: PLC0415

    table, single = frame.table("balance", result.table, fmt), result.single
    if table_format(fmt).kind != "document":  # the machine-readable rows only
        return format_frame(table, fmt)
    render = format_table if fmt == "table" else format_markdown
    per_zone = ("zone_area_m2", "largest_adjustment_m2", "largest_adjustment_rel", "overlap_m2")
    shown = table.drop(columns=[c for c in per_zone if c in table.columns])
    if shown["construction_land"].isna().all():
        shown = shown.drop(columns=["construction_land"])
    heading = "" if fmt == "table" else "## "
    title = "用地平衡表 Land-use balance" if single else "现状与规划 Existing against planned"
    totals = frame.table("totals", result.totals, fmt)
    parts = [
        f"{heading}{title}",
        "",
        render(shown),
        "",
        f"{heading}小计与合计 Subtotals and totals",
        "",
        render(totals),
        "",
        f"{heading}平差 Largest adjustment per zone (rows reconciled to the zone's area)",
        "",
        render(_readable(frame.table("adjustment", result.adjustment, fmt))),
        "",
        f"分类 Classes: {load_classes().citation()}; 面积按CGCS2000椭球计算 (areas ellipsoidal); "
        "各行按面积比例平差至单元面积 (rows adjusted in proportion to add up to the zone).",
    ]
    return "\n".join(parts) + "\n"


def _zone_id_field(args: argparse.Namespace, keyed: str | None) -> str | None:
    """Return the zones' id field: ``--zone-id-field``, or ``--id-field zones=FIELD``.

    Where both are set and differ, the one the project filled in
    (``spatial.toml``'s ``[layers.zones] id_field``) gives way to the one typed;
    two typed are a bad call.
    """
    typed: str | None = args.zone_id_field
    if typed is None or keyed is None or typed == keyed:
        return typed if typed is not None else keyed
    project = {v for key, dest, v in getattr(args, "project_fields", []) if dest == "id_field"}
    if typed in project and keyed not in project:
        return keyed
    if keyed in project and typed not in project:
        return typed
    raise UsageError(
        f"--zone-id-field {typed} and --id-field zones={keyed} name different fields: give one"
    )


def _zone_field_note(args: argparse.Namespace, field: str) -> str | None:
    """Return the note naming the zones' id field the project (or ``--id-field zones=``) names.

    Said as ``check`` says it, with the other notes once the table is made
    (a refusal stays one line). A ``--zone-id-field`` typed is the command's
    own option, read as it is (as ``overlay --a-id``), and not said.
    """
    from spatial.io.fields import named_id_note  # noqa: PLC0415
    from spatial.io.postgis import database_label  # noqa: PLC0415

    project = ("layers.zones", "id_field", field) in getattr(args, "project_fields", [])
    if project or args.zone_id_field != field:
        return named_id_note(database_label(args.zones), field)
    return None


def request_of(args: argparse.Namespace) -> BalanceRequest:
    """Return the :class:`BalanceRequest` the parsed call (and the project) says.

    ``--id-field [LAYER=]FIELD`` names the land-use layers' id field (a bare
    FIELD: every land-use layer), which names a feature in messages;
    ``--id-field zones=FIELD`` the zones', as ``--zone-id-field`` does.
    """
    request = BalanceRequest(
        landuse=args.landuse,
        existing=args.existing,
        planned=args.planned,
        zones=args.zones,
        class_field=args.class_field or CLASS_CODE_FIELD,
        class_name_field=args.class_name_field,
        level=args.level,
        construction=construction_codes(args.construction),
        repair=args.repair,
    )
    inputs = [Input(role, path) for role, path in request.roles().items()]
    inputs += [Input("zones", args.zones, main=False)] if args.zones is not None else []
    options = read_options(args, inputs)
    present = all(os.path.exists(i.path.partition("::")[0]) for i in inputs)  # else refused first
    zones = options.get("zones")
    zone_field = _zone_id_field(args, zones.id_field if zones is not None else None)
    if zones is not None:  # the zones' ids are read by name (request.id_field), not renamed
        if zone_field is None and present:  # none named: the zones' standard field (DYBH)
            zone_field = standard_field("balance", args.zones)
        elif zone_field is not None:
            args._zone_field_note = _zone_field_note(args, zone_field)
        options["zones"] = dataclasses.replace(zones, id_field=None, find_id=False)
    landuse = [item for item in inputs if item.role != "zones"]  # BSM, read as the ids
    if present:
        options = standard_id_options("balance", landuse, options)
    return dataclasses.replace(request, id_field=zone_field or "id", options=options)


def run(args: argparse.Namespace) -> int:
    """Tabulate, print or write the table; return 0, or 1 when class names disagree."""
    _check_call(args)
    request = request_of(args)
    with printed_warnings("balance"):  # CRS mismatches and repairs, one line each
        result = run_balance(request)
    named = getattr(args, "_zone_field_note", None)  # the zones' field, as check says it
    say_notes("balance", ([named] if named else []) + list(result.notes))
    for problem in result.problems:
        print(f"spatial balance: {problem}", file=sys.stderr)
    sheets = {"balance": result.table, "totals": result.totals, "adjustment": result.adjustment}
    from spatial.export.frame import OutputFrame  # noqa: PLC0415 - geopandas, pyproj

    frame = OutputFrame()  # zone_id written as the zones' id field (DYBH)
    for name in sheets:
        frame = frame.with_ids(name, {"zone_id": request.id_field})
    emit_frames(args, frame.tables(sheets, "xlsx"), lambda fmt: _render(result, fmt, frame))
    if args.out is not None:
        say_wrote("balance", args.out)
    return result.exit_status
