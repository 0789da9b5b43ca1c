"""``spatial map``: write the plan as an interactive HTML map (maps/bishan.html by default).

Examples::

    spatial map                              # OpenStreetMap tiles
    spatial map --offline                    # one self-contained file, no network at all
    spatial map --basemap amap               # overlays shifted to GCJ-02 for display
    TIANDITU_KEY=... spatial map --basemap tianditu
    spatial map --zones my_zones.gpkg        # a planner's own zones, checked and styled
    spatial map --layer parcels=parcels.parquet --simplify-m 2
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import geopandas as gpd

from spatial.checks.targets import match_by_name
from spatial.cli._options import (
    COMMAND_HELP,
    Input,
    add_input_options,
    layer_flag,
    print_notes,
    read_options,
    require_in_range,
)
from spatial.errors import UsageError, printable
from spatial.io.layers import LAYER_NAMES, load_plan_layers, read_layer
from spatial.io.options import ReadOptions
from spatial.io.postgis import database_label
from spatial.io.properties import parse_properties
from spatial.plan import load_targets
from spatial.report import format_table
from spatial.webmap import BASEMAP_NAMES, LayerOptions, MapOptions, render_map
from spatial.webmap.planfacts import missing_targets, with_area_checks

__all__ = ["register", "run"]

DEFAULT_OUT = Path("maps") / "bishan.html"
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
        "Every layer you give is validated first (as `spatial validate` does). "
        "Exit status: 0 map written and every zone target met; 1 map written but a zone "
        "fails its area check (drawn red) or a target has no zone; 2 unreadable or "
        "invalid input, no map written.",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"default {DEFAULT_OUT}")
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
        help="an extra layer drawn as parcels (repeatable); NAME must not be a plan layer "
        "name (use --zones etc. for those)",
    )
    add_input_options(parser)
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


def _read(path: str, options: ReadOptions) -> gpd.GeoDataFrame:
    gdf = read_layer(path, **vars(options))  # validated once, in build_map
    print_notes("map", gdf)
    return gdf


def _layers(args: argparse.Namespace) -> tuple[dict, dict[str, str]]:
    given = {name: getattr(args, name) for name in LAYER_NAMES if getattr(args, name) is not None}
    extra = _extra_specs(args.layer)
    options = read_options(args, [Input(n, p) for n, p in {**given, **extra}.items()])
    layers = load_plan_layers()
    for name, path in {**given, **extra}.items():
        layers[name] = _read(path, options[name])
        if name in given:  # plan layers' typed properties (corridor_town, order...) by their type
            layers[name] = parse_properties(layers[name], name, str(path))
    if "zones" in given:  # a target whose id the file lacks is found by its name
        layers["zones"], matched = match_by_name(layers["zones"], load_targets(), given["zones"])
        for line in matched:
            print(f"spatial map: note: {printable(line)}", file=sys.stderr)
    sources = {name: database_label(path) for name, path in {**given, **extra}.items()}
    return layers, sources


def _describe(path: Path, options: MapOptions) -> str:
    size_mb = path.stat().st_size / 1e6
    mode = "offline" if options.offline else "online"
    basemap = options.basemap or ("none" if options.offline else "osm")
    return f"wrote {path} ({size_mb:.2f} MB, {mode}, base map {basemap})"


def _area_check(checked: gpd.GeoDataFrame, missing: list[str]) -> str:
    columns = [c for c in ("id", "name_zh") if c in checked.columns]
    columns += ["measured_km2", "target_km2", "diff_pct", "status"]
    lines = ["zones coloured by their area check (areas ellipsoidal, CGCS2000):"]
    lines.append(format_table(checked[columns]))
    lines += [f"{target}: no feature with this id in the zones layer" for target in missing]
    return "\n".join(lines)


def _check_options(args: argparse.Namespace) -> None:
    """Refuse option values out of range before any file is read (one line, exit 2)."""
    low, high = DECIMALS_RANGE
    require_in_range(args.decimals, "--decimals", low, high, "decimal places")
    require_in_range(args.simplify_m, "--simplify-m", 0, SIMPLIFY_MAX_M, "metres")


def run(args: argparse.Namespace) -> int:
    """Build the map, write it, print the area check it shows.

    Returns 0 when every zone target is met, 1 when a zone fails its area
    check or a target has no zone (the map is still written, that zone red).
    Bad input raises a SpatialError (exit status 2) before anything is written.
    """
    _check_options(args)
    layers, sources = _layers(args)
    options = MapOptions(
        basemap=args.basemap,
        offline=args.offline,
        tiles_dir=args.tiles,
        tianditu_key=os.environ.get(TIANDITU_ENV),
        layer=LayerOptions(decimals=args.decimals, simplify_m=args.simplify_m),
        layer_sources=sources,
    )
    path = render_map(args.out, layers, options)
    print(_describe(path, options))
    if "zones" not in layers:
        return 0
    checked = with_area_checks(layers["zones"])
    missing = missing_targets(layers["zones"])
    print(_area_check(checked, missing))
    failed = (checked["status"] == "FAIL").any() or bool(missing)
    return 1 if failed else 0
