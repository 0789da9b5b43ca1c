"""``spatial map``: write the plan as an interactive HTML map (maps/<project>.html by default).

Examples::

    spatial map                              # OpenStreetMap tiles
    spatial map --offline                    # one self-contained file, no network at all
    spatial map --basemap amap               # overlays shifted to GCJ-02 for display
    TIANDITU_KEY=... spatial map --basemap tianditu
    spatial map --zones my_zones.gpkg        # a planner's own zones, checked and styled
    spatial map --layer parcels=parcels.parquet --simplify-m 2
    spatial map --offline --layer parcels=city.parquet --out city_map/   # a folder: spatial serve
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from spatial.cli._options import (
    COMMAND_HELP,
    add_plan_files,
    add_repair_option,
    require_in_range,
    require_suffix,
)
from spatial.cli._output import say_notes
from spatial.cli._outputs import guard_outputs
from spatial.cli._plan_input import add_plan_input, plan_layers_of
from spatial.cli._project import plan_request
from spatial.cli._tables import zone_areas_text
from spatial.commands.map import DEFAULT_MAP, MAP_FOLDER, MapRequest, default_map, run_map
from spatial.errors import printable
from spatial.webmap.choices import BASEMAP_NAMES, TILES_FROM

if TYPE_CHECKING:  # the help and a refused call load neither (geopandas, folium)
    import geopandas as gpd

    from spatial.commands._inputs import PlanLayers
    from spatial.webmap import MapOptions

__all__ = ["register", "run"]

TIANDITU_ENV = "TIANDITU_KEY"
#: ``--decimals`` range: 4 places of a degree is about 11 m, 10 about 0.01 mm.
DECIMALS_RANGE = (4, 10)
#: ``--simplify-m`` range, metres: beyond a kilometre outlines turn into triangles.
SIMPLIFY_MAX_M = 1_000.0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``map`` subcommand."""
    parser = subparsers.add_parser(
        "map",
        help=COMMAND_HELP["map"],
        description="Write the plan as an interactive Leaflet map in one HTML file. "
        "Every layer you give is validated first (as `spatial validate` does) and the plan "
        "checked against the same targets and rules as `spatial check`. "
        "Exit status: 0 map written and every target and rule passes; 1 map written but "
        "something fails (shown in red, each failed rule listed by its id); 2 unreadable or "
        "invalid input or a bad call, no map written.",
    )
    parser.add_argument(
        "--out",
        default=None,  # text, not a Path: a trailing slash asks for a folder
        help=f"default {MAP_FOLDER / '<name>.html'}: the project's name (its folder's), else "
        "the --plan (or --rules) file's stem, else the --zones file's (a plan layer's); "
        f"{DEFAULT_MAP}, the bundled example, only without a project, --plan or --rules and "
        "without a plan layer of yours; a folder (DIR/, ending in a slash) gets index.html "
        "and the large layers' vector tiles beside it, for spatial serve DIR",
    )
    parser.add_argument(
        "--tiles-from",
        type=int,
        metavar="COUNT",
        help=f"draw a --layer of at least COUNT features as vector tiles (default {TILES_FROM:,})",
    )
    parser.add_argument(
        "--basemap",
        choices=BASEMAP_NAMES,
        help="tiles under the plan: osm (default online), amap (GCJ-02), tianditu "
        f"(key from ${TIANDITU_ENV}), none (default offline)",
    )
    parser.add_argument(
        "--offline", action="store_true", help="self-contained file that makes no network request"
    )
    parser.add_argument("--tiles", type=Path, metavar="DIR", help="local {z}/{x}/{y} tile folder")
    add_plan_input(parser)
    add_plan_files(parser)
    add_repair_option(parser)
    parser.add_argument(
        "--simplify-m",
        type=float,
        help=f"simplify outlines (tolerance, metres, 0 to {SIMPLIFY_MAX_M:g})",
    )
    parser.add_argument(
        "--decimals",
        type=int,
        help=f"decimal places of a degree kept ({DECIMALS_RANGE[0]}, about 11 m, "
        f"to {DECIMALS_RANGE[1]})",
    )
    parser.set_defaults(handler=run)


def _describe(path: Path, options: MapOptions) -> str:
    size_mb = path.stat().st_size / 1e6
    mode = "offline" if options.offline else "online"
    basemap = options.basemap or ("none" if options.offline else "osm")
    return f"wrote {path} ({size_mb:.2f} MB, {mode}, base map {basemap})"


def _folder_lines(
    archives: tuple[Path, ...], stale: tuple[Path, ...], folder: Path | None
) -> list[str]:
    """Say what else ``--out DIR/`` holds (each layer's tiles) and that it opens through a server.

    Examples
    --------
    >>> _folder_lines((), (), Path("bigmap"))  # nothing tiled: the page opens from disk
    []
    """
    if folder is None:
        return []
    lines = [
        f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB): the {path.stem} layer's vector tiles"
        for path in archives
    ]
    lines += [
        f"spatial map: note: {path} is not read by this page (an earlier map's); delete it "
        "if no other page uses it"
        for path in stale
    ]
    if not archives:  # no layer tiled: the page reads nothing beside it
        return lines
    lines.append(
        f"spatial map: open it with `spatial serve {shlex.quote(str(folder))}` (a browser reads "
        "no tiles from file://)"
    )
    return lines


def _area_check(checked: gpd.GeoDataFrame, missing: list[str], inputs: PlanLayers) -> str:
    """Return the zones' area check, ``id``/``name_zh`` headed by the planner's fields (DYBH)."""
    from spatial.report import format_table  # noqa: PLC0415 - pandas: the map is drawn by now
    from spatial.table_formats._ids import planner_ids  # noqa: PLC0415 - as every table

    columns = [c for c in ("id", "name_zh") if c in checked.columns]
    columns += ["measured_km2", "target_km2", "diff_pct", "status"]
    zones = inputs.options_of("zones")
    theirs = {"id": zones.id_field, "name_zh": zones.name_field}
    fields = {c: f for c, f in theirs.items() if f is not None and f != c}
    lines = ["zones coloured by their area check (areas ellipsoidal, CGCS2000):"]
    lines.append(format_table(planner_ids(checked[columns], fields, "table")))
    lines += [f"{target}: no feature with this id in the zones layer" for target in missing]
    return "\n".join(lines)


def _check_options(args: argparse.Namespace) -> None:
    """Refuse option values out of range before any file is read (one line, exit 2)."""
    low, high = DECIMALS_RANGE
    require_in_range(args.decimals, "--decimals", low, high, "decimal places")
    require_in_range(args.simplify_m, "--simplify-m", 0, SIMPLIFY_MAX_M, "metres")
    require_in_range(args.tiles_from, "--tiles-from", 1, 10**9, "features")


def _precision_note(decimals: int | None) -> str | None:
    """Return a note when --decimals keeps coordinates coarser than the data's accuracy supports."""
    from spatial.webmap.geojson import DECIMALS_BY_ACCURACY  # noqa: PLC0415 - geopandas

    finest = max(DECIMALS_BY_ACCURACY.values())
    if decimals is None or decimals >= finest:
        return None
    step_m = 111_320 * 10.0**-decimals
    return (
        f"note: --decimals {decimals} keeps a grid of about {step_m:,.0f} m; the official "
        f"outline holds {finest} places (about 1 m), indicative ones "
        f"{DECIMALS_BY_ACCURACY['indicative']}"
    )


def _map_path(args: argparse.Namespace) -> tuple[Path, Path | None]:
    """Return the page to write and the folder of its tiles (None: tiles embedded in the page).

    ``--out DIR/`` (the trailing slash asks for it) writes ``DIR/index.html`` with each
    tiled layer's ``.pmtiles`` beside it; a file name, one offline page. An existing
    folder named without the slash is refused as for every command (one line, exit 2):
    a map is never written into a folder the planner did not ask for.
    """
    given = os.fspath(args.out)
    if given.endswith(("/", os.sep)):
        folder = Path(given)  # made when the map is written, never for a refused call
        return folder / "index.html", folder
    require_suffix(args.out, (".html", ".htm"), "an interactive map")
    return Path(given), None


def run(args: argparse.Namespace) -> int:
    """Check the plan as ``spatial check`` does, draw it, write the map; return the check's status.

    Returns 0 when every target and rule passes, 1 when any fails (the map is
    still written: failed zones edged red, overlap and outside pieces in red,
    each failed rule listed by its id). Bad input or a bad call raises a
    SpatialError (exit status 2) before anything is written.
    """
    _check_options(args)
    inputs = plan_layers_of(args)  # the call's files only: nothing is read yet
    if args.out is None:
        args.out = default_map(plan_request(args), inputs)  # named after the planner's input
        guard_outputs(args)  # the default, checked as a given --out was
    out, archive_dir = _map_path(args)
    result = run_map(
        MapRequest(
            plan=plan_request(args),
            inputs=inputs,
            out=out,
            archive_dir=archive_dir,
            tiles_from=args.tiles_from,
            basemap=args.basemap,
            offline=args.offline,
            tiles_dir=args.tiles,
            tianditu_key=os.environ.get(TIANDITU_ENV),
            decimals=args.decimals,
            simplify_m=args.simplify_m,
            style_field=args.style_field,
            repair=args.repair,
        )
    )
    say_notes("map", result.notes)
    snapshot = result.snapshot
    print(_describe(result.path, result.options))
    for line in _folder_lines(result.archives, result.stale_archives, archive_dir):
        print(line)
    note = _precision_note(args.decimals)
    if note:
        print(f"spatial map: {note}", file=sys.stderr)
    for line in snapshot.notes:
        print(f"spatial map: {printable(line)}")
    unjudged = zone_areas_text(snapshot, inputs)
    if unjudged is not None:  # every zone with its measured area, as the page shows it
        print(unjudged)
    elif result.zones is not None:
        print(_area_check(result.zones, snapshot.missing_zone_targets, inputs))
    print(f"spatial map: {result.summary}")
    for line in snapshot.report.failures:
        print(f"spatial map: FAIL {printable(line)}", file=sys.stderr)
    return result.exit_status
