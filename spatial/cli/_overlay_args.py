"""The arguments of ``spatial overlay`` that its command and its work both read.

:mod:`spatial.cli.overlay` (the parser and the entry) and :mod:`spatial.cli._overlay_run`
(the work, imported once the arguments are parsed) both take these from here, so that
neither imports the other. Imports no geopandas.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from spatial.commands.overlay import (
    DISTANCE_MAX_M,
    NEED_B,
    OGR_SCANNED,
    OPERATIONS,
    PARQUET,
    SCANNED_OPERATIONS,
    SQUARE_MAX_FEATURES,
)

__all__ = [
    "DISTANCE_MAX_M",
    "NEED_B",
    "OGR_SCANNED",
    "OPERATIONS",
    "PARQUET",
    "SQUARE_MAX_FEATURES",
    "from_parquet_file",
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
        and not args.where
        and not any(getattr(args, name, None) for name in _READING_OPTIONS)
        and path.suffix.lower() in PARQUET | OGR_SCANNED
        and path.is_file()
    )
