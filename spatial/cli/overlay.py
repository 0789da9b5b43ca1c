"""``spatial overlay A [B]``: overlay analyses between two layers.

Operations (``--op``):

* ``intersection`` (default): for each pair (a, b) that share area,
  ``a_id, b_id, area_km2, share_of_a, share_of_b``;
* ``difference``: the part of each feature of A outside B, ``area_km2, share_of_a``
  (``--format geojson`` writes the parts themselves);
* ``overlaps``: pairs of features of A that overlap each other (B not used);
* ``matrix``: the conflict matrix of A, shared areas in km² (B not used), in long
  form by default, one row per non-zero cell ``a_id, b_id, area_km2`` (each
  feature with itself, and both orders of every pair sharing area); ``--square``
  writes the n × n table instead (up to :data:`SQUARE_MAX_FEATURES` features);
* ``coverage``: the share of each polygon of A within ``--distance-m`` metres of B;
* ``assign``: each point of A to the polygon(s) of B containing it (or the nearest).

Areas are ellipsoidal (GRS80/CGCS2000), distances metres in the Gauss–Krüger zone.
Exit status: 0 done, 2 an input could not be read or the call was wrong.
"""

from __future__ import annotations

import argparse
import sys
import warnings

import pandas as pd

from spatial.cli._options import add_repair_option, require_in_range
from spatial.errors import CRSMismatchWarning, LayerError
from spatial.io.layers import read_layer
from spatial.overlay import operations as overlay
from spatial.report import FORMATS, emit, format_frame, format_from_suffix
from spatial.validate.problems import ensure_valid

__all__ = ["OPERATIONS", "register", "run"]

#: Operations that need a second layer B.
_NEED_B = {"intersection", "difference", "coverage", "assign"}
#: Geometry kinds each operation needs of A and of B (see overlay.require_geometry).
_KINDS_BY_OP = {
    "intersection": ("polygon", "polygon"),
    "difference": ("polygon", "polygon"),
    "overlaps": ("polygon", "any"),
    "matrix": ("polygon", "any"),
    "coverage": ("polygon", "any"),
    "assign": ("point", "polygon"),
}
OPERATIONS = ("intersection", "difference", "overlaps", "matrix", "coverage", "assign")
#: ``--distance-m`` at most 100 km: the Gauss–Krüger zone the buffer is drawn in holds no more.
DISTANCE_MAX_M = 100_000.0
#: Above this many features ``--square`` is refused: n² cells (10,000 zones: 100 million).
SQUARE_MAX_FEATURES = 2_000


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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
        "--square",
        action="store_true",
        help="--op matrix: write the n x n table instead of one row per non-zero cell "
        f"(up to {SQUARE_MAX_FEATURES:,} features)",
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


def _matrix(args: argparse.Namespace, a) -> pd.DataFrame:
    form = "square" if args.square else "long"
    matrix = overlay.overlap_matrix(a, args.a_id, repair=args.repair, form=form, name=args.a)
    if form == "long":
        return matrix
    table = matrix.reset_index(names=args.a_id)
    table.attrs["repairs"] = matrix.attrs["repairs"]
    return table


def _compute(args: argparse.Namespace, a, b) -> pd.DataFrame:
    repair = args.repair
    if args.op == "intersection":
        # validated inside, by the same route as the API (the full validator up to
        # 2,000 features, vectorised checks above), with messages naming the files
        return overlay.tabulate_intersection(
            a, b, args.a_id, args.b_id, repair=repair, names=(args.a, args.b)
        )
    if args.op == "difference":
        return overlay.difference(a, b, args.a_id, repair=repair)
    if args.op == "overlaps":
        return overlay.overlaps(a, args.a_id, repair=repair)
    if args.op == "matrix":
        return _matrix(args, a)
    if args.op == "coverage":
        return overlay.buffer_coverage(a, b, args.distance_m, args.a_id, repair=repair)
    return overlay.assign_points(a, b, args.a_id, args.b_id, repair=repair)


def _check_call(args: argparse.Namespace) -> None:
    args.format = format_from_suffix(args.format, args.out)
    if args.op in _NEED_B and args.b is None:
        raise LayerError(f"--op {args.op} needs a second layer B")
    if args.op == "coverage" and args.distance_m is None:
        raise LayerError("--op coverage needs --distance-m (metres)")
    if args.op != "coverage" and args.distance_m is not None:
        raise LayerError(f"--distance-m applies to --op coverage only, not --op {args.op}")
    require_in_range(args.distance_m, "--distance-m", 0, DISTANCE_MAX_M, "metres", low_open=True)
    if args.square and args.op != "matrix":
        raise LayerError(f"--square applies to --op matrix only, not --op {args.op}")
    if args.format == "geojson" and args.op != "difference":
        raise LayerError("--format geojson is only for --op difference (the others are tables)")


def run(args: argparse.Namespace) -> int:
    """Run one overlay operation and print or write its result; return 0."""
    _check_call(args)
    a = read_layer(args.a, crs=args.crs)
    b = read_layer(args.b, crs=args.crs) if args.b is not None else None
    if args.square and len(a) > SQUARE_MAX_FEATURES:
        raise LayerError(
            f"{args.a}: --square with {len(a):,} features would write {len(a) ** 2:,} cells; "
            f"it is for up to {SQUARE_MAX_FEATURES:,} features: drop --square for one row "
            "per non-zero cell"
        )
    overlay.require_id_column(a, args.a, args.a_id)
    if b is not None and args.op in {"intersection", "assign"}:
        overlay.require_id_column(b, args.b, args.b_id)
    kind_a, kind_b = _KINDS_BY_OP[args.op]
    overlay.require_geometry(a, args.a, kind_a, args.a_id)  # here, so messages name the file
    if b is not None:
        overlay.require_geometry(b, args.b, kind_b, args.b_id)
    # intersection and matrix validate inside (full validator up to 2,000 features,
    # vectorised checks above), with messages naming the file
    if not args.repair and args.op not in {"intersection", "matrix"}:
        ensure_valid(a, args.a)
        if b is not None:
            ensure_valid(b, args.b)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CRSMismatchWarning)
        result = _compute(args, a, b)
    for warning in caught:
        print(f"spatial overlay: warning: {warning.message}", file=sys.stderr)
    for repair in result.attrs.get("repairs", []):
        print(
            f"spatial overlay: repaired {repair['layer']} feature {repair['id']} "
            f"({repair['reason']}): area changed by {repair['area_changed_m2']:+,.1f} m²",
            file=sys.stderr,
        )
    if args.format == "geojson":
        text = result.to_json(ensure_ascii=False, drop_id=True)
    else:
        table = result.drop(columns=result.geometry.name) if hasattr(result, "geometry") else result
        text = format_frame(pd.DataFrame(table), args.format)
    emit(text, args.out)
    return 0
