"""``spatial diff OLD NEW``: what changed between two versions of a layer.

Prints (or writes with ``--out``) ``{"features": [...], "targets": [...],
"rules": [...]}`` as JSON (and ``"matrix"`` with ``--class-field``), or the same
tables as text, CSV or Markdown. Feature rows: ``id, status, added_m2,
removed_m2, old_m2, new_m2, changed_fields, old_class, new_class``; status is
one of added, removed, geometry_changed, attributes_changed, unchanged
(geometry wins over attributes). The two versions are compared, differenced and
cut in their own frame (the CRS they share, or the larger one's: a
Gauss–Krüger survey layer stays in its plane), areas by the survey rule
(:mod:`spatial.measure.reconcile` states the model). The plan's targets and rules (``--plan``,
``--rules``, ``--constraint``, ``--within``, or the project's; the bundled plan
when none is given) are run on both versions, the layer standing in for
``--layer`` (zones by default); the rows whose status changed are listed with
``old_status`` and ``new_status``. A target neither version holds a feature of
is not run (the zones' targets do not judge land-use parcels). With
``--class-field``, a feature that changed class on a constraint's land and fails
there is listed too (``old_class``, ``new_class``): 水田 turned 城镇住宅用地 on
永久基本农田 fails in both versions, and is the change to see.

``--pieces-out FILE.gpkg`` writes the 调入 (added) / 调出 (removed) pieces;
``--map FILE.html`` writes an offline compare map (a swipe between the two
versions, the pieces on top).

Exit status: 0 no target or rule went to FAIL (from PASS, or a new row) and no
feature changed class on a constraint's land; 1 one did; 2 an input could not be
read or the call was wrong.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

import pandas as pd

from spatial.checks import run_checks
from spatial.checks.constraints import CONSTRAINT_KINDS
from spatial.cli._constraints import add_constraint_options, constraint_inputs, constraint_rules
from spatial.cli._options import (
    COMMAND_HELP,
    Input,
    add_input_options,
    add_out_crs_option,
    add_output_options,
    add_plan_files,
    add_repair_option,
    emit_frames,
    output_frame_of,
    read_options,
)
from spatial.cli._output import ExitCode, printed_warnings
from spatial.cli._project import plan_input
from spatial.errors import UsageError
from spatial.formats import format_from_suffix
from spatial.io.atomic import write_gpkg_atomic
from spatial.io.layers import LAYER_NAMES, load_plan_layers, read_layer
from spatial.io.postgis import database_label
from spatial.landuse.fields import CLASS_CODE_FIELD
from spatial.report import (
    format_csv,
    format_json,
    format_markdown,
    format_table,
    records,
)
from spatial.review.diff import GEOMETRY_TOLERANCE_M2, LayerDiff, diff_layers

if TYPE_CHECKING:
    import geopandas as gpd

    from spatial.io.options import ReadOptions

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``diff`` subcommand."""
    parser = subparsers.add_parser(
        "diff",
        help=COMMAND_HELP["diff"],
        description="Compare two versions of a layer feature by feature (ids matched by "
        "--id-field, geometry compared by area), and run the plan's checks on both. "
        "Exit 0 no check went PASS->FAIL, 1 one did, 2 unreadable input.",
    )
    parser.add_argument("old", metavar="OLD", help="the filed (earlier) version")
    parser.add_argument("new", metavar="NEW", help="the revised version")
    parser.add_argument("--id-field", help="field matching features (default: id)")
    parser.add_argument("--class-field", help="land-use class field: from-class x to-class matrix")
    parser.add_argument(
        "--geometry-tolerance-m2",
        type=float,
        default=GEOMETRY_TOLERANCE_M2,
        help=f"area change up to which a geometry is unchanged (default {GEOMETRY_TOLERANCE_M2:g})",
    )
    parser.add_argument(
        "--layer",
        default="zones",
        choices=LAYER_NAMES,
        help="the plan layer the two versions stand in for in the checks (default: zones)",
    )
    parser.add_argument("--no-checks", action="store_true", help="compare only; run no checks")
    add_plan_files(parser)
    add_constraint_options(parser, conflicts=False)
    add_output_options(parser)
    parser.add_argument("--pieces-out", metavar="FILE.gpkg", help="write the 调入/调出 pieces")
    add_out_crs_option(parser)
    parser.add_argument("--map", metavar="FILE.html", help="write an offline compare map")
    add_input_options(parser, polygonize=False, flags=("--crs", "--input-frame"))
    add_repair_option(parser)
    parser.set_defaults(handler=run)


def _check_call(args: argparse.Namespace) -> None:
    args.format = format_from_suffix(args.format, args.out)
    if args.pieces_out is not None and not args.pieces_out.lower().endswith(".gpkg"):
        raise UsageError(f"{args.pieces_out}: --pieces-out writes a GeoPackage (.gpkg)")
    if args.map is not None and not args.map.lower().endswith((".html", ".htm")):
        raise UsageError(f"{args.map}: --map writes an HTML page (.html)")
    tol = args.geometry_tolerance_m2
    if not (0 <= tol < float("inf")):
        raise UsageError(f"--geometry-tolerance-m2 must be a number of m² >= 0, got {tol}")


#: The rule measure whose ``other_id`` names whatever the feature overlaps, so it changes with
#: the status: such rows are matched without it.
_VARYING_OTHER = "largest overlap with one feature"


def _with_key(rules: pd.DataFrame) -> pd.DataFrame:
    """Add ``key``: ``other_id`` where it names a fixed counterpart, "" where it varies."""
    key = rules["other_id"].where(rules["measure"] != _VARYING_OTHER, "").fillna("")
    return rules.assign(key=key.astype(str))


def _status_changes(
    old: pd.DataFrame, new: pd.DataFrame, keys: list[str], shown: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Rows of two check tables matched by ``keys``, where the status differs.

    With a ``class`` column (a constraint rule's row on a land-use layer), a row
    whose feature changed class on the protected land and fails in the new
    version is a change too (``old_class``, ``new_class``): 水田 turned 城镇住宅用地
    on 永久基本农田 fails in both versions, and is the change to see.
    """
    cols = [*keys, "status", *(["class"] if "class" in old.columns else [])]
    both = old[cols].merge(new[[*cols, *shown]], on=keys, how="outer", suffixes=("_old", "_new"))
    both = both.rename(
        columns={
            "status_old": "old_status",
            "status_new": "new_status",
            "class_old": "old_class",
            "class_new": "new_class",
        }
    )
    both = both.astype({"old_status": object, "new_status": object})
    both = both.where(both.notna(), None)
    changed = both["old_status"] != both["new_status"]
    if "old_class" in both.columns:
        reclassed = both["old_class"].notna() & both["new_class"].notna()
        reclassed &= both["old_class"] != both["new_class"]
        changed |= reclassed & (both["new_status"] == "FAIL")
    return (
        both[changed]
        .drop(columns=[c for c in ("key",) if c in both.columns])
        .reset_index(drop=True)
    )


def _with_class(
    rules: pd.DataFrame, version: gpd.GeoDataFrame, class_field: str | None
) -> pd.DataFrame:
    """Add ``class``: the checked feature's land-use class on a constraint rule's row."""
    if class_field is None or class_field not in version.columns:
        return rules
    classes = dict(zip(version["id"].astype(str), version[class_field], strict=True))
    on_constraint = rules["kind"].isin(tuple(CONSTRAINT_KINDS))
    found = rules["id"].astype(str).map(classes)
    return rules.assign(class_=found.where(on_constraint, None)).rename(columns={"class_": "class"})


def _judged(old: pd.DataFrame, new: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Drop the targets neither version holds a feature of (they name other layers' features).

    Returns the two target tables kept and how many targets were dropped: a
    land-use layer standing in for the zones is not judged by the zones' targets.
    """
    held = set(old.loc[old["measured_km2"].notna(), "id"]) | set(
        new.loc[new["measured_km2"].notna(), "id"]
    )
    return old[old["id"].isin(held)], new[new["id"].isin(held)], int((~old["id"].isin(held)).sum())


def _ids_as_id(gdf: gpd.GeoDataFrame, id_field: str) -> gpd.GeoDataFrame:
    """Return the layer with ``id_field`` as ``id``, the field the checks name features by."""
    if id_field == "id":
        return gdf
    return gdf.drop(columns=["id"], errors="ignore").rename(columns={id_field: "id"})


def _steady(table: pd.DataFrame, what: str, unheld: int = 0) -> str:
    """Say what an empty "status changed" section means: how many were checked, and how."""
    if table.empty:
        if unheld:
            return f"(none: the plan's {unheld} {what} name no feature of either version)"
        return f"(none: no {what} checked)"
    counts = table["status"].astype(str).value_counts()
    standing = ", ".join(f"{n} {status}" for status, n in counts.items())
    return f"(none: all {len(table)} {what} as before, in both versions {standing})"


def _checks(
    args: argparse.Namespace,
    old: gpd.GeoDataFrame,
    new: gpd.GeoDataFrame,
    options: dict[str, ReadOptions],
) -> tuple[pd.DataFrame, pd.DataFrame, tuple[str, str]]:
    """Targets and rules whose status changed, and what "none changed" means for each."""
    empty_t = pd.DataFrame(columns=["id", "old_status", "new_status"])
    empty_r = pd.DataFrame(
        columns=["rule", "kind", "id", "old_status", "new_status", "other_id", "reason"]
    )
    if args.no_checks:
        return empty_t, empty_r, ("(not checked: --no-checks)",) * 2
    layers = load_plan_layers()
    sources: dict[str, str] = {}
    targets, rules = plan_input(args)  # the planner's plan whole, or the bundled one
    rules += constraint_rules(args, layers, sources, rules, options)
    reports, versions = [], []
    for version, path in ((old, args.old), (new, args.new)):
        versions.append(_ids_as_id(version, args.id_field))
        reports.append(
            run_checks(
                {**layers, args.layer: versions[-1]},
                targets=targets,
                rules=rules,
                repair=args.repair,
                sources={**sources, args.layer: path},
            )
        )
    old_t, new_t, unheld = _judged(reports[0].targets, reports[1].targets)
    t = _status_changes(old_t, new_t, ["id"])
    r = _status_changes(
        _with_class(_with_key(reports[0].rules), versions[0], args.class_field),
        _with_class(_with_key(reports[1].rules), versions[1], args.class_field),
        ["rule", "kind", "id", "key"],
        shown=("other_id", "reason"),
    )
    return t, r, (_steady(new_t, "targets", unheld), _steady(reports[1].rules, "rules"))


def _render(
    result: LayerDiff,
    targets: pd.DataFrame,
    rules: pd.DataFrame,
    steady: tuple[str, str],
    fmt: str,
) -> str:
    matrix = None if result.matrix is None else result.matrix.reset_index(names="from_class")
    if fmt == "json":
        data = {
            "features": records(result.features),
            "targets": records(targets),
            "rules": records(rules),
        }
        if matrix is not None:
            data["matrix"] = records(matrix)
        return format_json(data)
    if fmt == "csv":
        return format_csv(result.features)
    render = format_table if fmt == "table" else format_markdown
    head = "" if fmt == "table" else "## "
    parts = [f"{head}Features", "", render(result.features)]
    if matrix is not None:
        parts += ["", f"{head}From class x to class (m²)", "", render(matrix)]
    parts += [
        "",
        f"{head}Targets whose status changed",
        "",
        render(targets) if len(targets) else steady[0],
        "",
        f"{head}Rules whose status changed",
        "",
        render(rules) if len(rules) else steady[1],
    ]
    return "\n".join(parts) + "\n"


def _summary(result: LayerDiff) -> str:
    counts = result.features["status"].value_counts()
    text = ", ".join(f"{counts[s]} {s}" for s in counts.index)
    added = result.features["added_m2"].sum()
    removed = result.features["removed_m2"].sum()
    return f"{text}; 调入 {added:,.1f} m², 调出 {removed:,.1f} m²"


def _say_worse(targets: list[dict[Hashable, Any]], rules: list[dict[Hashable, Any]]) -> bool:
    """Name on stderr each row gone to FAIL or changed class where it fails; True if any."""
    worse = [row for row in [*targets, *rules] if row["new_status"] == "FAIL"]
    for row in worse:
        if row["old_status"] != "FAIL":
            print(
                f"spatial diff: {row['old_status'] or 'new'} -> FAIL: "
                f"{row.get('rule', 'target')}: {row['id']}",
                file=sys.stderr,
            )
        else:  # a change of use on a constraint's land (old_class -> new_class)
            print(
                "spatial diff: class changed where a constraint fails: "
                f"{row['rule']}: {row['id']}: class {row['old_class']} -> {row['new_class']}",
                file=sys.stderr,
            )
    return bool(worse)


def _open_versions(
    args: argparse.Namespace, options: dict[str, ReadOptions]
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Open the two versions: the one place the command reads its sources."""
    old = read_layer(args.old, **vars(options["old"]))
    new = read_layer(args.new, **vars(options["new"]))
    return old, new


def run(args: argparse.Namespace) -> int:
    """Compare, print or write the report; return 1 when a check went PASS -> FAIL."""
    _check_call(args)
    args.id_field = args.id_field or "id"
    inputs = [Input("old", args.old), Input("new", args.new)]
    inputs += [Input(name, path, main=False) for _, _, name, path in constraint_inputs(args)]
    options = read_options(args, inputs)
    old, new = _open_versions(args, options)
    if args.class_field is None and CLASS_CODE_FIELD in old.columns and CLASS_CODE_FIELD in new:
        print(
            f"spatial diff: note: both layers have a {CLASS_CODE_FIELD} field; "
            f"--class-field {CLASS_CODE_FIELD} adds the from-class x to-class matrix",
            file=sys.stderr,
        )
    with printed_warnings("diff"):  # CRS mismatches and repairs, one line each
        result = diff_layers(
            old,
            new,
            id_field=args.id_field,
            class_field=args.class_field,
            tolerance_m2=args.geometry_tolerance_m2,
            names=(database_label(args.old), database_label(args.new)),
            repair=args.repair,
        )
        targets, rules, steady = _checks(args, old, new, options)
    if args.pieces_out is not None:
        frame = output_frame_of(args, {"old": old, "new": new})
        write_gpkg_atomic(
            args.pieces_out,
            frame.layer("diff_pieces", result.pieces),
            layer="diff_pieces",
        )
    if args.map is not None:
        from spatial.webmap.compare import render_compare_map  # noqa: PLC0415 - folium is slow

        shown = (database_label(args.old), database_label(args.new))  # no password on the page
        render_compare_map(args.map, *result.versions, result.pieces, names=shown)
        print(f"spatial diff: wrote {args.map}", file=sys.stderr)
    sheets = {"features": result.features, "targets": targets, "rules": rules}
    if result.matrix is not None:
        sheets["matrix"] = result.matrix.reset_index(names="from_class")
    emit_frames(args, sheets, lambda fmt: _render(result, targets, rules, steady, fmt))
    print(f"spatial diff: {_summary(result)}", file=sys.stderr)
    worse = _say_worse(targets.to_dict("records"), rules.to_dict("records"))
    return ExitCode.PROBLEMS if worse else ExitCode.OK
