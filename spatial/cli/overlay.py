"""``spatial overlay A [B]``: overlay analyses between two layers.

Operations (``--op``):

* ``intersection`` (default): for each pair (a, b) that share area,
  ``a_id, b_id, area_km2, share_of_a, share_of_b``;
* ``difference``: the part of each feature of A outside B, ``area_km2, share_of_a``
  (``--format geojson`` writes the parts themselves);
* ``overlaps``: pairs of features of A that overlap each other (B refused: not used);
* ``matrix``: the conflict matrix of A, shared areas in km² (B refused: not used), in
  long form by default, one row per non-zero cell ``a_id, b_id, area_km2`` (each
  feature with itself, and both orders of every pair sharing area); ``--square``
  writes the n × n table instead (up to :data:`SQUARE_MAX_FEATURES` features);
* ``coverage``: the share of each polygon of A within ``--distance-m`` metres of B
  (B must hold one kind of geometry: choose with ``--where b:kind=avenue``);
* ``assign``: each point of A to the polygon(s) of B containing it (or the nearest).

Id columns are headed as ``--a-id``/``--b-id`` (``a_id`` as ``BSM``; both one field:
``a_BSM``, ``b_BSM``); JSON keeps ``a_id``/``b_id`` with the field beside.
``--where [a:|b:]FIELD=VALUE`` chooses the features of A, of B, or (without a
prefix) of both; ``--format xlsx`` writes an Excel workbook, CSV has a UTF-8 BOM.
Areas are ellipsoidal (GRS80/CGCS2000), distances metres in the Gauss–Krüger zone.
Exit status: 0 done, 2 an input could not be read or the call was wrong.

This module holds the command's arguments and its entry only, and imports no
geopandas: ``spatial overlay --help`` answers at once, and for a GeoParquet
layer A the reading starts (:class:`spatial.overlay.scan.ParquetScan`) while
the rest of the toolkit loads. The work is in :mod:`spatial.cli._overlay_run`.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from spatial.cli._options import (
    COMMAND_HELP,
    add_input_options,
    add_option,
    add_repair_option,
    default_ids,
    standard_ids,
)
from spatial.cli._outputs import add_output_options
from spatial.cli._overlay_args import (
    OPERATIONS,
    SQUARE_MAX_FEATURES,
    check_call,
    from_parquet_file,
    refuse_missing_inputs,
)
from spatial.errors import LayerReadError

if TYPE_CHECKING:
    from spatial.overlay.scan import ParquetScan

__all__ = ["OPERATIONS", "register", "run"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``overlay`` subcommand."""
    parser = subparsers.add_parser(
        "overlay",
        help=COMMAND_HELP["overlay"],
        description="Overlay layer A with layer B (areas ellipsoidal, km²; distances in metres).",
    )
    parser.add_argument("a", metavar="A", help="first layer (polygons; points for --op assign)")
    parser.add_argument("b", metavar="B", nargs="?", help="second layer")
    parser.add_argument("--op", choices=OPERATIONS, default="intersection", help="operation")
    add_option(parser, "--a-id")  # None: no one named it (the default id, said so)
    add_option(parser, "--b-id")
    parser.add_argument(
        "--distance-m", type=float, help="buffer distance for --op coverage, metres"
    )
    parser.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="[a:|b:]FIELD=VALUE",
        help="choose features: FIELD=VALUE, FIELD!=VALUE or FIELD=V1,V2, of A (a:), of B (b:) "
        "or of both (no prefix); repeatable, all must hold",
    )
    add_output_options(parser, extra=("geojson",), layers=True)
    add_input_options(parser)
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS|processes",
        help="--op intersection on dask, by partitions of A (a GeoParquet file or partitioned "
        "folder: each worker reads its own partitions): 'processes' starts a local cluster of "
        "worker processes, ADDRESS (tcp://host:8786) uses a running dask.distributed scheduler; "
        "same numbers (needs the dask extra)",
    )
    parser.add_argument(
        "--raw-areas",
        action="store_true",
        help="--op intersection: add raw_area_km2 (each piece's area of record as cut) and "
        "adjustment_m2 (the change reconciling it made) after the five columns",
    )
    parser.add_argument(
        "--square",
        action="store_true",
        help="--op matrix: write the n x n table instead of one row per non-zero cell "
        f"(up to {SQUARE_MAX_FEATURES:,} features)",
    )
    add_repair_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run one overlay operation and print or write its result; return the exit status."""
    check_call(args)
    refuse_missing_inputs(args)  # A, then B: before geopandas, pyarrow and GDAL load
    # overlaps and matrix: both ids are A's; without --a-id, the file's standard field (BSM)
    standard_ids(args, "overlay", {"a_id": args.a, "b_id": args.b or args.a})
    default_ids(args, ("a_id", "b_id"))
    scan = _early_scan(args)
    try:
        from spatial.cli._overlay_run import run as run_overlay  # noqa: PLC0415 - the heavy part

        return run_overlay(args, scan)
    except LayerReadError as refused:
        _a_first(args, refused)
        raise
    finally:
        if scan is not None:
            scan.close()


def _a_first(args: argparse.Namespace, refused: LayerReadError) -> None:
    """Name A when B was refused as missing and A is missing too: the first input first.

    With ``--where``, a reading option or ``--scheduler`` both are left to the
    readers (:func:`~spatial.cli._overlay_args.refuse_missing_inputs`), and the
    operation reads B before A: both missing, B was named.

    Raises
    ------
    LayerReadError
        A names no file, in its reader's words.
    """
    from spatial.io.sandbox import refuse_missing_source  # noqa: PLC0415

    if args.b is None:
        return
    try:
        refuse_missing_source(args.b)
    except LayerReadError as missing:
        if str(missing) == str(refused):  # B refused as missing: A, if missing, is said first
            refuse_missing_source(args.a)


def _early_scan(args: argparse.Namespace) -> ParquetScan[Any] | None:
    """Start reading a GeoParquet A at once, before the toolkit loads; None for other inputs.

    A point layer (``--op assign``) is read as points: coordinates from the WKB.
    """
    if not from_parquet_file(args):
        return None
    from spatial.overlay.scan import ParquetScan  # noqa: PLC0415 - numpy, pyarrow, geoarrow only

    if args.op == "assign":
        from spatial.overlay._points import point_bounds  # noqa: PLC0415 - numpy, pyarrow

        return ParquetScan(args.a, args.a_id, boxes=point_bounds)
    return ParquetScan(args.a, args.a_id)
