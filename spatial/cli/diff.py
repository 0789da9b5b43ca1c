"""``spatial diff OLD NEW``: what changed between two versions of a layer.

Prints (or writes with ``--out``) ``{"features": [...], "targets": [...],
"rules": [...]}`` as JSON (and ``"matrix"`` with ``--class-field``), or the same
tables as text, CSV or Markdown. Feature rows: ``id, status, added_m2,
removed_m2, old_m2, new_m2, changed_fields, old_class, new_class``; status is
one of added, removed, geometry_changed, attributes_changed, unchanged
(geometry wins over attributes). A removed or added feature whose land is
exactly that of features in the other version only (a road split in two, a
parcel renumbered) is a re-id: it names them in the added ``new_ids``/``old_ids``
columns and has no 调入/调出; the summary line counts re-ids apart. The two versions are
compared, differenced and cut in their own frame (the CRS they share, or the larger one's: a
Gauss–Krüger survey layer stays in its plane), areas by the survey rule
(:mod:`spatial.measure.reconcile` states the model). The plan's targets and rules (``--plan``,
``--rules``, ``--constraint``, ``--within``, or the project's; the bundled plan
when none is given) are run on both versions, the layer standing in for
``--layer`` (zones by default); the rows whose status changed are listed with
``old_status`` and ``new_status``. A target neither version holds a feature of
is not run (the zones' targets do not judge land-use parcels). A plan judges
only the layer it is written for: the bundled plan a version holding one of its
own features (a revised bundled zones file, never a planner's parcels), a
project's plan its zones, not its land use (a version that is the project's
land-use file, or matched by its id field); ``--plan``/``--rules`` judge what
they are given. Where no plan judges, one note says so and the run is a compare
(with the ``--constraint``/``--within`` typed for the call). With
``--class-field``, a feature that changed class on a constraint's land and fails
there is listed too (``old_class``, ``new_class``): 水田 turned 城镇住宅用地 on
永久基本农田 fails in both versions, and is the change to see.

``--pieces-out FILE.gpkg`` writes the 调入 (added) / 调出 (removed) pieces;
``--map FILE.html`` writes an offline compare map (a swipe between the two
versions, the pieces on top). When a version holds 50,000 features or more
(``spatial map``'s threshold for vector tiles, :data:`spatial.webmap.choices.TILES_FROM`),
the unchanged features are drawn as vector tiles and the changed ones above them,
coloured by kind and counted in the legend, the map opening on them: in one file
(the tiles embedded), or with ``--map DIR/`` (a trailing slash) as
``DIR/index.html`` and ``DIR/unchanged.pmtiles`` beside it, for ``spatial serve DIR``.

Exit status: 0 no target or rule went to FAIL (from PASS, or a new row) and no
feature changed class on a constraint's land; 1 one did; 2 an input could not be
read or the call was wrong.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from spatial.cli._constraints import add_constraint_options, constraint_inputs
from spatial.cli._options import (
    COMMAND_HELP,
    Input,
    add_input_options,
    add_plan_files,
    add_repair_option,
    read_options,
)
from spatial.cli._output import printed_warnings, say_notes, say_wrote
from spatial.cli._outputs import add_out_crs_option, add_output_options, emit_frames
from spatial.cli._project import plan_request
from spatial.commands._inputs import PlanLayers
from spatial.errors import UsageError, printable
from spatial.formats import format_from_suffix
from spatial.io.atomic import write_gpkg_atomic
from spatial.io.bundled import LAYER_NAMES
from spatial.io.postgis import database_label
from spatial.review.terms import GEOMETRY_TOLERANCE_M2, STATUSES
from spatial.table_formats import table_format
from spatial.table_formats.txt import FeatureHead, format_summary

if TYPE_CHECKING:  # the help and a refused call load neither (pandas, geopandas)
    import pandas as pd

    from spatial.commands.diff import DiffRequest, DiffResult

__all__ = ["register", "request_of", "run"]


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
    parser.add_argument(
        "new",
        metavar="NEW",
        nargs="?",
        help="the revised version (default: the project's land use, [landuse] path)",
    )
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
    parser.add_argument(
        "--map",
        metavar="FILE.html|DIR/",
        help="write an offline compare map; from 50,000 features a version, the unchanged "
        "ones as vector tiles (embedded; a folder, DIR/ ending in a slash, gets index.html and "
        "unchanged.pmtiles beside it, for spatial serve DIR)",
    )
    add_input_options(parser, polygonize=False, flags=("--crs", "--input-frame"))
    add_repair_option(parser)
    parser.set_defaults(handler=run)


def _check_call(args: argparse.Namespace) -> None:
    args.format = format_from_suffix(args.format, args.out)
    if args.pieces_out is not None and not args.pieces_out.lower().endswith(".gpkg"):
        raise UsageError(f"{args.pieces_out}: --pieces-out writes a GeoPackage (.gpkg)")
    if args.map is not None and not args.map.lower().endswith((".html", ".htm", "/", os.sep)):
        raise UsageError(f"{args.map}: --map writes an HTML page (.html) or a folder (DIR/)")
    if args.map is not None:
        from spatial.io.atomic import check_output_name  # noqa: PLC0415 - light

        check_output_name(_map_path(args.map)[0])  # DIR/ a file: refused before the diff runs
    tol = args.geometry_tolerance_m2
    if not (0 <= tol < float("inf")):
        raise UsageError(f"--geometry-tolerance-m2 must be a number of m² >= 0, got {tol}")


def _render(result: DiffResult, fmt: str) -> str:
    from spatial.report import (  # noqa: PLC0415 - pandas: the diff is done by now
        format_frame,
        format_json,
        format_markdown,
        format_table,
        records,
    )

    steady, matrix = result.steady, result.matrix
    features = result.frame.table("features", result.features, fmt)  # id as --id-field (BSM)
    targets = result.frame.table("targets", result.targets, fmt)  # DYBH, as the features
    rules = result.frame.table("rules", result.rules, fmt)
    if fmt == "json":
        data = {
            "features": records(features),
            "targets": records(targets),
            "rules": records(rules),
        }
        if matrix is not None:
            data["matrix"] = records(matrix)
        return format_json(data)
    if table_format(fmt).kind == "rows":  # CSV, TSV: the features
        return format_frame(features, fmt)
    render = format_summary if fmt == "table" else format_markdown  # summaries: every row
    head = "" if fmt == "table" else "## "
    parts = [f"{head}Features", "", (format_table if fmt == "table" else render)(features)]
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


def changed_first(features: pd.DataFrame) -> pd.DataFrame:
    """Return the changed features: added, removed, geometry/attributes changed, then re-ids.

    The head of a diff's feature table on a terminal (:data:`CHANGED_FIRST`):
    unchanged features are left out (counted under the head), each status in
    file order; a re-id (removed or added, the same land under new ids) after
    the real changes.
    """
    from spatial.review.diff import reid_rows  # noqa: PLC0415 - pandas, as the features

    rank = features["status"].map({s: i for i, s in enumerate(STATUSES) if s != "unchanged"})
    rank = rank.where(~reid_rows(features), len(STATUSES))  # re-ids after the changes
    kept = rank.notna().to_numpy()
    order = rank[kept].to_numpy(dtype=float).argsort(kind="stable")
    return features[kept].iloc[order]


#: A diff's feature table on a terminal: changes first, then the count of each status.
CHANGED_FIRST = FeatureHead(lead=changed_first, counts="status", order=STATUSES)


def _project_context(args: argparse.Namespace) -> tuple[str | None, tuple[str, ...]]:
    """Return what the project said of the call: the versions' role, the constraints it added.

    Both are decided where the project is applied (:func:`spatial.cli._project.apply_project`):
    the versions are its land use (``"landuse"``) when one of them is its land-use file
    or no ``--id-field`` was typed; the constraints it added are those of its
    ``[constraints]``/``[within]`` the command line did not name.
    """
    role = getattr(args, "versions_role", None)
    return role, tuple(getattr(args, "project_constraints", ()))


def _versions_id_field(args: argparse.Namespace) -> str | None:
    """Return the field matching OLD and NEW: ``--id-field`` (or the project's), else standard.

    The one rule of a layer's ids, for each version: without ``--id-field``,
    OLD's and NEW's unique, never-blank standard fields (``BSM``), each said on
    standard error; one found in a version only is taken (the diff then
    refuses the other in its own words).

    Raises
    ------
    UsageError
        OLD and NEW each hold a different one (``BSM`` in OLD, ``DYBH`` in NEW):
        which matches the features is the planner's to say (exit 2).
    """
    if args.id_field not in (None, "id"):
        return str(args.id_field)
    found = {path: _standard_field(path) for path in (args.old, args.new)}
    old, new = found[args.old], found[args.new]
    if old is not None and new is not None and old != new:
        raise UsageError(
            f"{database_label(args.old)} names its features by {old}, {database_label(args.new)} "
            f"by {new} (each its unique standard field): say which field matches them with "
            "--id-field FIELD"
        )
    from spatial.io.fields import id_note  # noqa: PLC0415

    for path, field in found.items():
        if field is not None:
            print(f"spatial diff: note: {printable(id_note(path, field))}", file=sys.stderr)
    return old or new or args.id_field


def _standard_field(path: str) -> str | None:
    """Return the version's standard id field (:func:`spatial.io.fields.file_id_field`), or None."""
    if not os.path.exists(path.partition("::")[0]):
        return None  # a missing file (a database) is the reader's to refuse, in its words
    from spatial.io.fields import file_id_field  # noqa: PLC0415

    return file_id_field(path)


def request_of(args: argparse.Namespace) -> DiffRequest:
    """Return the :class:`DiffRequest` the parsed call (and the project) says."""
    from spatial.commands.diff import DiffRequest  # noqa: PLC0415 - pandas, the checks

    role, added = _project_context(args)
    args.id_field = _versions_id_field(args)  # BSM in both, when no --id-field is given
    constraints = constraint_inputs(args)
    inputs = [Input("old", args.old), Input("new", args.new)]
    inputs += [Input(c.name, c.path, main=False) for c in constraints]
    return DiffRequest(
        old=args.old,
        new=args.new,
        id_field=args.id_field or "id",
        class_field=args.class_field,
        geometry_tolerance_m2=args.geometry_tolerance_m2,
        layer=args.layer,
        role=role,
        project_plan=bool(getattr(args, "own_plan", False)),
        project_constraints=added,
        checks=not args.no_checks,
        plan=plan_request(args),
        inputs=PlanLayers(
            constraints=tuple(constraints),
            options=read_options(args, inputs),
            tolerance_m2=args.tolerance_m2,
        ),
        repair=args.repair,
        out_crs=args.out_crs,
    )


def _let_go_of_versions(result: DiffResult) -> None:
    """Drop the compared versions' features once drawn: only the tables are written after.

    A million parcels' geometries and properties (about 0.6 GB) are freed before
    the tables are laid out as text; the versions keep their columns and CRS.
    Read as compared (``compared``): asking for ``versions`` would orient the
    twins left as read, only to drop them.
    """
    old, new = result.diff.compared
    result.diff.versions = (old.head(0).copy(), new.head(0).copy())


def _map_path(given: str) -> tuple[Path, Path | None]:
    """Return the compare map's page and the folder of its tiles (None: one file).

    As ``spatial map --out``: ``DIR/`` (the trailing slash asks for it) is
    ``DIR/index.html`` with the tiles beside it, a file name one page.

    Examples
    --------
    >>> _map_path("cmp.html"), _map_path("cmp/")
    ((PosixPath('cmp.html'), None), (PosixPath('cmp/index.html'), PosixPath('cmp')))
    """
    if given.endswith(("/", os.sep)):
        return Path(given) / "index.html", Path(given)
    return Path(given), None


def _write_map(args: argparse.Namespace, result: DiffResult) -> None:
    """Write the compare map (``--map``) and say what was written, and how to open a folder."""
    from spatial.io.atomic import made_folder  # noqa: PLC0415
    from spatial.webmap.compare import (  # noqa: PLC0415 - folium is slow
        UNCHANGED_LAYER,
        is_large_diff,
        render_compare_map,
    )
    from spatial.webmap.layer import LayerOptions  # noqa: PLC0415 - folium is slow

    page, folder = _map_path(args.map)
    shown = (database_label(args.old), database_label(args.new))  # no password on the page
    tiles_from = LayerOptions().tiles_from  # spatial map's threshold, one rule
    with made_folder(folder):  # no empty folder left when drawing fails
        render_compare_map(
            page,
            *result.diff.versions,
            result.diff.pieces,
            names=shown,
            features=result.features,
            id_field=args.id_field or "id",
            class_field=args.class_field,
            tiles_from=tiles_from,
            archive_dir=folder,
        )
    say_wrote("diff", page)
    if not is_large_diff(*result.diff.versions, tiles_from):
        return
    if not (result.features["status"] == "unchanged").any():  # nothing tiled
        return
    if folder is None:
        print(
            f"spatial diff: the unchanged features are vector tiles in the page "
            f"(a version holds {tiles_from:,} features or more); --map DIR/ writes them beside it",
            file=sys.stderr,
        )
        return
    archive = folder / f"{UNCHANGED_LAYER}.pmtiles"
    if not archive.is_file():  # nothing was tiled (the page says so)
        return
    say_wrote("diff", archive, f"{archive.stat().st_size / 1e6:.2f} MB")
    print(
        f"spatial diff: open it with `spatial serve {shlex.quote(str(folder))}` (a browser "
        "reads no tiles from file://)",
        file=sys.stderr,
    )


def run(args: argparse.Namespace) -> int:
    """Compare, print or write the report; return 1 when a check went PASS -> FAIL."""
    if args.new is None:  # a project's [landuse] fills it in (spatial.cli._project)
        raise UsageError(
            "the following arguments are required: NEW (or run it where a spatial.toml names "
            "the land use: [landuse] path is then NEW)"
        )
    _check_call(args)  # a bad call is refused before pandas and the checks load
    from spatial.commands.diff import run_diff  # noqa: PLC0415

    request = request_of(args)
    with printed_warnings("diff"):  # CRS mismatches and repairs, one line each
        result = run_diff(request)
    say_notes("diff", result.notes)
    if args.pieces_out is not None:
        say_notes("diff", result.frame.notes)
        write_gpkg_atomic(args.pieces_out, result.pieces, layer="diff_pieces")
    if args.map is not None:
        _write_map(args, result)
    _let_go_of_versions(result)
    sheets = {"features": result.features, "targets": result.targets, "rules": result.rules}
    if result.matrix is not None:
        sheets["matrix"] = result.matrix
    tables = result.frame.tables(sheets, "xlsx")
    emit_frames(args, tables, lambda fmt: _render(result, fmt), CHANGED_FIRST)
    print(f"spatial diff: {result.summary}", file=sys.stderr)
    for line in result.worse:
        print(f"spatial diff: {line}", file=sys.stderr)
    return result.exit_status
