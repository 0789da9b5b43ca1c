"""``spatial balance LANDUSE [--zones ZONES]``: the 用地平衡表 (land-use balance table).

One row per zone and land-use class (``zone_id, class_code, class_name, level,
construction_land, area_m2, area_ha, area_mu, share_of_zone, zone_area_m2``,
then ``area_raw_m2, largest_adjustment_m2, largest_adjustment_rel,
overlap_m2``); without ``--zones`` one row per class for the whole layer
(``zone_id`` null). ``--existing A --planned B`` sets two land-use layers side
by side with the change per class (``existing_m2, planned_m2, change_m2`` and
the same in ha, 亩, then the raw rows and the largest adjustment per zone).
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
import sys
from typing import TYPE_CHECKING

import pandas as pd

from spatial.cli._options import (
    COMMAND_HELP,
    Input,
    add_input_options,
    add_output_options,
    add_repair_option,
    emit_frames,
    read_options,
)
from spatial.cli._output import ExitCode, printed_warnings
from spatial.errors import UsageError
from spatial.formats import format_from_suffix
from spatial.io.layers import read_layer
from spatial.io.postgis import database_label
from spatial.landuse import CLASS_CODE_FIELD, CLASS_NAME_FIELD, load_classes
from spatial.report import (
    format_frame,
    format_markdown,
    format_table,
)
from spatial.review.balance import (
    balance_table,
    compare_balance,
    name_problems,
    reconciliation,
    subtotals,
)

if TYPE_CHECKING:
    import geopandas as gpd

    from spatial.io.options import ReadOptions

__all__ = ["register", "run"]


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
    parser.add_argument(
        "--class-name-field",
        default=CLASS_NAME_FIELD,
        help=f"class name field, checked against the code when present ({CLASS_NAME_FIELD})",
    )
    parser.add_argument(
        "--zone-id-field", help="zone id field (default: the project's zones' id field, else id)"
    )
    parser.add_argument(
        "--level",
        type=int,
        choices=(1, 2, 3),
        help="tabulate at this level: 1 (2-digit), 2 (4-digit), 3 (6-digit codes)",
    )
    parser.add_argument(
        "--construction",
        metavar="CODES",
        help="comma-separated codes or prefixes counted as 建设用地 (e.g. 07,08,09); "
        "the classification data carry no such flag (no source was found)",
    )
    add_output_options(parser)
    add_input_options(parser, polygonize=False, flags=("--crs", "--input-frame"))
    add_repair_option(parser)
    parser.set_defaults(handler=run)


def _check_call(args: argparse.Namespace) -> list[str]:
    args.format = format_from_suffix(args.format, args.out)
    pair = args.existing is not None or args.planned is not None
    if pair and (args.existing is None or args.planned is None):
        raise UsageError("--existing and --planned go together: give both")
    if pair and args.landuse is not None:
        raise UsageError("give LANDUSE or --existing/--planned, not both")
    if not pair and args.landuse is None:
        raise UsageError("give a land-use layer (LANDUSE), or --existing A --planned B")
    return [args.existing, args.planned] if pair else [args.landuse]


def _construction(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    codes = tuple(c.strip() for c in text.split(",") if c.strip())
    classes = load_classes()
    for code in codes:
        if code not in classes:
            raise UsageError(f"--construction: {code!r} is not a code of the 2023 classification")
    return codes


def _name_problems(gdf: gpd.GeoDataFrame, path: str, args: argparse.Namespace) -> int:
    found = name_problems(gdf, path, args.class_field, args.class_name_field)
    for problem in found:
        print(f"spatial balance: {problem}", file=sys.stderr)
    return len(found)


def _table(
    args: argparse.Namespace,
    paths: list[str],
    layers: list[gpd.GeoDataFrame],
    zones: gpd.GeoDataFrame | None,
) -> pd.DataFrame:
    construction = _construction(args.construction)
    tables = []
    for path, gdf in zip(paths, layers, strict=True):
        table = balance_table(
            gdf,
            zones,
            class_field=args.class_field,
            zone_id_field=args.zone_id_field,
            level=args.level,
            construction=construction,
            names=(database_label(path), database_label(args.zones or "")),
            repair=args.repair,
        )
        _say_overlaps(database_label(path), table)
        _say_coarser(database_label(path), table, args.level)
        tables.append(table)
    return tables[0] if len(tables) == 1 else compare_balance(*tables)


def _say_coarser(path: str, table: pd.DataFrame, level: int | None) -> None:
    """Say when ``--level`` asked for finer codes than the layer holds (they stay as they are)."""
    if level is None:
        return
    rows = zip(table["class_code"], table["level"], strict=True)
    coarser = sorted({code for code, held in rows if held and held < level})
    if coarser:
        shown = ", ".join(coarser[:5]) + (" ..." if len(coarser) > 5 else "")
        print(
            f"spatial balance: note: {path}: --level {level} asked for finer codes than "
            f"{len(coarser)} class(es) hold ({shown}); those rows stay at their own level",
            file=sys.stderr,
        )


def _say_overlaps(path: str, table: pd.DataFrame) -> None:
    """Name on stderr each overlap tolerated, and which feature's row counts it."""
    for o in table.attrs.get("overlaps", []):
        where = f" in zone {o['zone_id']}" if o["zone_id"] is not None else ""
        print(
            f"spatial balance: note: {path}: features {o['kept_by']} and {o['trimmed_from']} "
            f"overlap by {o['overlap_m2']:.3f} m²{where} (tolerated; counted once, "
            f"in {o['kept_by']})",
            file=sys.stderr,
        )


def _adjustments(table: pd.DataFrame, single: bool) -> pd.DataFrame:
    """Return per zone how its rows were reconciled, or (a comparison) the largest adjustment."""
    if single:
        return reconciliation(table)
    cols = ["zone_id", "largest_adjustment_m2", "largest_adjustment_rel"]
    return table[cols].drop_duplicates("zone_id").reset_index(drop=True)


def _readable(adjustments: pd.DataFrame) -> pd.DataFrame:
    """Show the relative adjustment as ``3.2e-10``: a table's four decimals would say 0."""
    rel = adjustments["largest_adjustment_rel"].map(lambda v: f"{v:.1e}")
    return adjustments.assign(largest_adjustment_rel=rel)


def _compare_subtotals(table: pd.DataFrame) -> pd.DataFrame:
    """Per zone: 建设用地 (when known) and total, existing against planned, m² and ha."""
    rows = []
    for zone_id, group in table.groupby("zone_id", dropna=False, sort=False):
        parts = [("合计 total", group)]
        if group["construction_land"].notna().any():
            built = group[group["construction_land"].fillna(False).astype(bool)]
            parts.insert(0, ("建设用地 construction land", built))
        for label, part in parts:
            row = {"zone_id": None if pd.isna(zone_id) else zone_id, "row": label}
            for kind in ("existing", "planned", "change"):
                row[f"{kind}_m2"] = float(part[f"{kind}_m2"].sum())
                row[f"{kind}_ha"] = float(part[f"{kind}_ha"].sum())
            rows.append(row)
    return pd.DataFrame(rows)


def _render(table: pd.DataFrame, fmt: str, single: bool) -> str:
    if fmt not in {"table", "markdown"}:  # the machine-readable rows only
        return format_frame(table, fmt)
    render = format_table if fmt == "table" else format_markdown
    per_zone = ("zone_area_m2", "largest_adjustment_m2", "largest_adjustment_rel", "overlap_m2")
    shown = table.drop(columns=[c for c in per_zone if c in table.columns])
    if shown["construction_land"].isna().all():
        shown = shown.drop(columns=["construction_land"])
    heading = "" if fmt == "table" else "## "
    title = "用地平衡表 Land-use balance" if single else "现状与规划 Existing against planned"
    totals = subtotals(table) if single else _compare_subtotals(table)
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
        render(_readable(_adjustments(table, single))),
        "",
        f"分类 Classes: {load_classes().citation()}; 面积按CGCS2000椭球计算 (areas ellipsoidal); "
        "各行按面积比例平差至单元面积 (rows adjusted in proportion to add up to the zone).",
    ]
    return "\n".join(parts) + "\n"


def _open_sources(
    inputs: list[Input], options: dict[str, ReadOptions], n_landuse: int
) -> tuple[list[gpd.GeoDataFrame], gpd.GeoDataFrame | None]:
    """Open the land-use layers and the zones (if given): the one place the sources are read."""
    layers = [read_layer(item.path, **vars(options[item.role])) for item in inputs[:n_landuse]]
    zones = [read_layer(item.path, **vars(options[item.role])) for item in inputs[n_landuse:]]
    return layers, (zones[0] if zones else None)


def run(args: argparse.Namespace) -> int:
    """Tabulate, print or write the table; return 0, or 1 when class names disagree."""
    paths = _check_call(args)
    args.class_field = args.class_field or CLASS_CODE_FIELD
    args.zone_id_field = args.zone_id_field or "id"
    roles = ["existing", "planned"] if len(paths) == 2 else ["landuse"]
    inputs = [Input(role, path) for role, path in zip(roles, paths, strict=True)]
    inputs += [Input("zones", args.zones)] if args.zones is not None else []
    layers, zones = _open_sources(inputs, read_options(args, inputs), len(paths))
    with printed_warnings("balance"):  # CRS mismatches and repairs, one line each
        table = _table(args, paths, layers, zones)
    disagreements = sum(_name_problems(g, p, args) for p, g in zip(paths, layers, strict=True))
    single = len(paths) == 1
    sheets = {
        "balance": table,
        "totals": subtotals(table) if single else _compare_subtotals(table),
        "adjustment": _adjustments(table, single),
    }
    emit_frames(args, sheets, lambda fmt: _render(table, fmt, single=single))
    return ExitCode.PROBLEMS if disagreements else ExitCode.OK
