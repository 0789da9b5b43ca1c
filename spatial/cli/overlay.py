"""``spatial overlay A [B]``: overlay analyses between two layers.

Operations (``--op``):

* ``intersection`` (default): for each pair (a, b) that share area,
  ``a_id, b_id, area_km2, share_of_a, share_of_b``;
* ``difference``: the part of each feature of A outside B, ``area_km2, share_of_a``
  (``--format geojson`` writes the parts themselves);
* ``overlaps``: pairs of features of A that overlap each other (B not used);
* ``matrix``: the conflict matrix of A, shared areas in km² (B not used);
* ``coverage``: the share of each polygon of A within ``--distance-m`` metres of B;
* ``assign``: each point of A to the polygon(s) of B containing it (or the nearest).

Areas are ellipsoidal (GRS80/CGCS2000), distances metres in the Gauss–Krüger zone.
Exit status: 0 done, 2 an input could not be read or the call was wrong.
"""

from __future__ import annotations

import argparse

import geopandas as gpd
import pandas as pd

from spatial.cli._options import add_repair_option
from spatial.cli._output import ExitCode, printed_warnings
from spatial.errors import UsageError
from spatial.io.layers import read_layer
from spatial.overlay import operations as overlay
from spatial.report import FORMATS, emit, format_frame, format_from_suffix

__all__ = ["OPERATIONS", "register", "run"]

#: Operations that need a second layer B.
_NEED_B = {"intersection", "difference", "coverage", "assign"}
OPERATIONS = ("intersection", "difference", "overlaps", "matrix", "coverage", "assign")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``overlay`` subcommand."""
    parser = subparsers.add_parser(
        "overlay",
        help="tabulate intersections, differences, overlaps, buffer coverage, point assignment",
        description="Overlay layer A with layer B (areas ellipsoidal, km²; distances in metres).",
    )
    parser.add_argument("a", metavar="A", help="first layer (polygons; points for --op assign)")
    parser.add_argument("b", metavar="B", nargs="?", help="second layer")
    parser.add_argument("--op", choices=OPERATIONS, default="intersection", help="operation")
    parser.add_argument("--a-id", default="id", help="id column of A (default: id)")
    parser.add_argument("--b-id", default="id", help="id column of B (default: id)")
    parser.add_argument(
        "--distance-m", type=float, help="buffer distance for --op coverage, metres"
    )
    parser.add_argument(
        "--format",
        choices=(*FORMATS, "geojson"),
        help="output format (geojson: --op difference only; default: from the --out suffix "
        ".csv/.json/.md/.geojson, else table)",
    )
    parser.add_argument("--out", metavar="PATH", help="write the result to PATH (atomically)")
    parser.add_argument("--crs", help="CRS to assume for a file that declares none")
    add_repair_option(parser)
    parser.set_defaults(handler=run)


def _compute(args: argparse.Namespace, a, b) -> pd.DataFrame:
    """Run the operation; every input is validated once, inside it, named by its file."""
    repair, names = args.repair, (args.a, args.b)
    if args.op == "intersection":
        return overlay.tabulate_intersection(a, b, args.a_id, args.b_id, repair=repair, names=names)
    if args.op == "difference":
        return overlay.difference(a, b, args.a_id, repair=repair, names=names)
    if args.op == "overlaps":
        return overlay.overlaps(a, args.a_id, repair=repair, name=args.a)
    if args.op == "matrix":
        matrix = overlay.overlap_matrix(a, args.a_id, repair=repair, name=args.a)
        return matrix.reset_index(names=args.a_id)
    if args.op == "coverage":
        return overlay.buffer_coverage(a, b, args.distance_m, args.a_id, repair=repair, names=names)
    return overlay.assign_points(a, b, args.a_id, args.b_id, repair=repair, names=names)


def _check_call(args: argparse.Namespace) -> None:
    args.format = format_from_suffix(args.format, args.out)
    if args.op in _NEED_B and args.b is None:
        raise UsageError(f"--op {args.op} needs a second layer B")
    if args.op == "coverage" and args.distance_m is None:
        raise UsageError("--op coverage needs --distance-m (metres)")
    if args.op != "coverage" and args.distance_m is not None:
        raise UsageError(f"--distance-m applies to --op coverage only, not --op {args.op}")
    if args.distance_m is not None and not (0 < args.distance_m < float("inf")):
        raise UsageError(f"--distance-m must be a positive number of metres, got {args.distance_m}")
    if args.format == "geojson" and args.op != "difference":
        raise UsageError("--format geojson is only for --op difference (the others are tables)")


def run(args: argparse.Namespace) -> int:
    """Run one overlay operation and print or write its result; return 0."""
    _check_call(args)
    a = read_layer(args.a, crs=args.crs)
    b = read_layer(args.b, crs=args.crs) if args.b is not None else None
    with printed_warnings("overlay"):
        result = _compute(args, a, b)
    if args.format == "geojson" and isinstance(result, gpd.GeoDataFrame):  # --op difference
        text = result.to_json(ensure_ascii=False, drop_id=True)
    else:
        table = result.drop(columns=result.geometry.name) if hasattr(result, "geometry") else result
        text = format_frame(pd.DataFrame(table), args.format)
    emit(text, args.out)
    return ExitCode.OK
