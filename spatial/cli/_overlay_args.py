"""The arguments of ``spatial overlay`` that its command and its work both read.

:mod:`spatial.cli.overlay` (the parser and the entry) and :mod:`spatial.cli._overlay_run`
(the work, imported once the arguments are parsed) both take these from here, so that
neither imports the other. Imports no geopandas.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from spatial.cli._options import require_in_range
from spatial.cli._outputs import output_destination
from spatial.commands.overlay import (
    DISTANCE_MAX_M,
    NEED_B,
    OGR_SCANNED,
    OPERATIONS,
    PARQUET,
    SCANNED_OPERATIONS,
    SQUARE_MAX_FEATURES,
)
from spatial.errors import UsageError
from spatial.export.layers import is_layer_destination
from spatial.formats import format_from_suffix

__all__ = [
    "DISTANCE_MAX_M",
    "NEED_B",
    "OGR_SCANNED",
    "OPERATIONS",
    "PARQUET",
    "SQUARE_MAX_FEATURES",
    "check_call",
    "from_parquet_file",
    "read_as_given",
    "refuse_missing_inputs",
]

# The constants are the command's (one place); named here for the parser and the call checks.
#: The per-input reading options; any of them given means A is not read as it is.
_READING_OPTIONS = ("crs", "input_frame", "id_field", "name_field", "polygonize")


def from_parquet_file(args: argparse.Namespace) -> bool:
    """Whether A is a GeoParquet, GeoPackage, Shapefile or FlatGeobuf file to tabulate as read.

    That is an operation of :data:`SCANNED_OPERATIONS` with a B, A read as it is (no ``--where``, no
    reading option, no ``--repair``) and not on dask (``--scheduler``).
    """
    path = Path(args.a)
    return (
        args.op in SCANNED_OPERATIONS
        and args.b is not None
        and not args.repair
        and args.scheduler is None
        and read_as_given(args)
        and path.suffix.lower() in PARQUET | OGR_SCANNED
        and path.is_file()
    )


def read_as_given(args: argparse.Namespace) -> bool:
    """Whether A and B are read as they are: no ``--where``, no reading option."""
    return not args.where and not any(getattr(args, name, None) for name in _READING_OPTIONS)


def refuse_missing_inputs(args: argparse.Namespace) -> None:
    """Refuse A, then B, when it names no file, before the readers load (in their words).

    A is named first when both are missing. B is left to its reader when A is
    read from the file (:func:`from_parquet_file`: A's scan opens it first), and
    both are when a ``--where`` or a reading option is given (parsed, and maybe
    refused, first) or on dask (``--scheduler``: A may be a folder of partitions).
    Call it once the call is checked (:func:`check_call`).

    Raises
    ------
    LayerReadError
        A or B names no file (or a remote source), in the readers' own words.
    """
    from spatial.io.sandbox import refuse_missing_source  # noqa: PLC0415

    if not read_as_given(args) or args.scheduler is not None:
        return
    refuse_missing_source(args.a)
    if args.b is not None and not from_parquet_file(args):
        refuse_missing_source(args.b)


def check_call(args: argparse.Namespace) -> None:
    """Refuse a call that cannot run (one line, exit 2), before any file is opened.

    Sets ``args.out`` (``--db URL --table T`` as ``--out URL?table=T``) and
    ``args.format`` (``layer`` for a layer destination, else from the suffix).
    """
    args.out = output_destination(args)  # --db URL --table T: the same as --out URL?table=T
    if is_layer_destination(args.out):
        if args.format is not None:
            raise UsageError(f"{args.out}: results are written as a layer; drop --format")
        args.format = "layer"
    else:
        args.format = format_from_suffix(args.format, args.out)
    if args.op in NEED_B and args.b is None:
        raise UsageError(f"--op {args.op} needs a second layer B")
    if args.op not in NEED_B and args.b is not None:
        raise UsageError(
            f"--op {args.op} compares the features of A with each other and does not use B "
            f"({args.b}): drop it"
        )
    if args.op == "coverage" and args.distance_m is None:
        raise UsageError("--op coverage needs --distance-m (metres)")
    if args.op != "coverage" and args.distance_m is not None:
        raise UsageError(f"--distance-m applies to --op coverage only, not --op {args.op}")
    require_in_range(args.distance_m, "--distance-m", 0, DISTANCE_MAX_M, "metres", low_open=True)
    if args.square and args.op != "matrix":
        raise UsageError(f"--square applies to --op matrix only, not --op {args.op}")
    if args.format == "geojson" and args.op != "difference":
        raise UsageError("--format geojson is only for --op difference (the others are tables)")
