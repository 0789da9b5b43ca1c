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
import sys
import warnings
from pathlib import Path

import pandas as pd

from spatial.cli._options import COMMAND_HELP, add_repair_option
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
#: Tables longer than this are written as CSV by pyarrow, streamed (pandas: 5 s a million rows).
_STREAM_MIN_ROWS = 10_000
#: GeoParquet layers of more features than this are tabulated batch by batch (row groups).
_BATCH_MIN_ROWS = 2_000_000
_PARQUET = {".parquet", ".geoparquet"}
OPERATIONS = ("intersection", "difference", "overlaps", "matrix", "coverage", "assign")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``overlay`` subcommand."""
    parser = subparsers.add_parser(
        "overlay",
        help=COMMAND_HELP["overlay"],
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
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS|processes",
        help="--op intersection on dask, by partitions of A (a GeoParquet file or partitioned "
        "folder: each worker reads its own partitions): 'processes' starts a local cluster of "
        "worker processes, ADDRESS (tcp://host:8786) uses a running dask.distributed scheduler; "
        "same numbers (needs the dask extra)",
    )
    add_repair_option(parser)
    parser.set_defaults(handler=run)


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
        matrix = overlay.overlap_matrix(a, args.a_id, repair=repair)
        repairs = matrix.attrs["repairs"]
        table = matrix.reset_index(names=args.a_id)
        table.attrs["repairs"] = repairs
        return table
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
    if args.distance_m is not None and not (0 < args.distance_m < float("inf")):
        raise LayerError(f"--distance-m must be a positive number of metres, got {args.distance_m}")
    if args.format == "geojson" and args.op != "difference":
        raise LayerError("--format geojson is only for --op difference (the others are tables)")


def _batched(args: argparse.Namespace) -> bool:
    """Whether A is a GeoParquet file large enough to tabulate batch by batch."""
    if args.op != "intersection" or args.repair or Path(args.a).suffix.lower() not in _PARQUET:
        return False
    if not Path(args.a).is_file():
        return False
    from spatial.overlay.batches import ParquetLayer  # noqa: PLC0415

    return ParquetLayer(args.a).rows > _BATCH_MIN_ROWS


def _read_a(args: argparse.Namespace):
    """Layer A; a GeoParquet file for --op intersection: its id and geometry columns only."""
    path = Path(args.a)
    if args.op == "intersection" and path.suffix.lower() in _PARQUET and path.is_file():
        from spatial.overlay.batches import ParquetLayer  # noqa: PLC0415

        return ParquetLayer(path).read(args.a_id, threads=overlay._usable_cpus())
    return read_layer(args.a, crs=args.crs)


def _report_warnings(caught: list[warnings.WarningMessage]) -> None:
    for warning in caught:
        print(f"spatial overlay: warning: {warning.message}", file=sys.stderr)


def _run_batches(args: argparse.Namespace) -> int:
    """Tabulate a GeoParquet layer larger than memory, batch by batch, streaming the table out."""
    from spatial.io.csvstream import write_csv_batches  # noqa: PLC0415
    from spatial.overlay.batches import tabulate_parquet_batches  # noqa: PLC0415

    b = read_layer(args.b, crs=args.crs)
    overlay.require_geometry(b, args.b, "polygon", args.b_id)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CRSMismatchWarning)
        frames = tabulate_parquet_batches(args.a, b, args.a_id, args.b_id, names=(args.a, args.b))
        if args.format == "csv":
            write_csv_batches(frames, args.out)
        else:
            table = pd.concat(list(frames), ignore_index=True)
            emit(format_frame(table, args.format), args.out)
    _report_warnings(caught)
    return 0


def _dask_result(args: argparse.Namespace) -> pd.DataFrame:
    """Tabulate A by partitions on a dask.distributed cluster (local processes or ADDRESS)."""
    try:
        import dask_geopandas  # noqa: PLC0415 - optional dependency
        from distributed import Client, LocalCluster  # noqa: PLC0415
    except ImportError:
        raise LayerError("--scheduler needs the dask extra: uv sync --extra dask") from None
    from spatial.overlay.distributed import tabulate_intersection_dask  # noqa: PLC0415

    if args.op != "intersection":
        raise LayerError(f"--scheduler applies to --op intersection only, not --op {args.op}")
    path = Path(args.a)
    if path.is_dir() or path.suffix.lower() in _PARQUET:
        if not path.exists():
            raise LayerError(f"{path}: file not found")
        a = dask_geopandas.read_parquet(path)  # lazily: each worker reads its own partitions
    else:
        a = read_layer(args.a, crs=args.crs)
    b = read_layer(args.b, crs=args.crs)
    overlay.require_geometry(b, args.b, "polygon", args.b_id)
    cluster = None
    try:
        if args.scheduler == "processes":
            cluster = LocalCluster(processes=True, threads_per_worker=1, dashboard_address=None)
            client = Client(cluster)
        else:
            client = Client(args.scheduler, timeout="10s")
    except OSError as exc:
        raise LayerError(f"cannot reach the dask scheduler {args.scheduler}: {exc}") from None
    try:
        npartitions = None if hasattr(a, "npartitions") else 2 * len(client.nthreads())
        return tabulate_intersection_dask(a, b, args.a_id, args.b_id, npartitions)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run(args: argparse.Namespace) -> int:
    """Run one overlay operation and print or write its result; return 0."""
    _check_call(args)
    if args.scheduler is None and _batched(args):
        return _run_batches(args)
    if args.scheduler is not None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", CRSMismatchWarning)
            result = _dask_result(args)
        _report_warnings(caught)
        return _write(args, result)
    a = _read_a(args)
    b = read_layer(args.b, crs=args.crs) if args.b is not None else None
    kind_a, kind_b = _KINDS_BY_OP[args.op]
    overlay.require_geometry(a, args.a, kind_a, args.a_id)  # here, so messages name the file
    if b is not None:
        overlay.require_geometry(b, args.b, kind_b, args.b_id)
    if not args.repair and args.op != "intersection":
        ensure_valid(a, args.a)
        if b is not None:
            ensure_valid(b, args.b)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CRSMismatchWarning)
        result = _compute(args, a, b)
    _report_warnings(caught)
    for repair in result.attrs.get("repairs", []):
        print(
            f"spatial overlay: repaired {repair['layer']} feature {repair['id']} "
            f"({repair['reason']}): area changed by {repair['area_changed_m2']:+,.1f} m²",
            file=sys.stderr,
        )
    return _write(args, result)


def _write(args: argparse.Namespace, result: pd.DataFrame) -> int:
    """Print or write the result in the format asked; return 0."""
    if args.format == "geojson":
        emit(result.to_json(ensure_ascii=False, drop_id=True), args.out)
        return 0
    table = result.drop(columns=result.geometry.name) if hasattr(result, "geometry") else result
    if args.format in ("csv", "json") and len(table) > _STREAM_MIN_ROWS:
        from spatial.io import csvstream  # noqa: PLC0415 - large tables only

        write = (
            csvstream.write_csv_streamed if args.format == "csv" else csvstream.write_json_streamed
        )
        if write(pd.DataFrame(table), args.out):
            return 0
    emit(format_frame(pd.DataFrame(table), args.format), args.out)
    return 0
