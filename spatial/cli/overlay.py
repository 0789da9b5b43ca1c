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

``--where [a:|b:]FIELD=VALUE`` chooses the features of A, of B, or (without a
prefix) of both; ``--format xlsx`` writes an Excel workbook, CSV has a UTF-8 BOM.
Areas are ellipsoidal (GRS80/CGCS2000), distances metres in the Gauss–Krüger zone.
Exit status: 0 done, 2 an input could not be read or the call was wrong.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pandas as pd

from spatial.cli._options import (
    COMMAND_HELP,
    Input,
    add_input_options,
    add_output_options,
    add_repair_option,
    emit_frames,
    output_destination,
    print_notes,
    read_options,
    require_in_range,
)
from spatial.cli._output import ExitCode, printed_warnings
from spatial.errors import UsageError, printable
from spatial.export.layers import is_layer_destination, write_layers
from spatial.io.layers import read_layer
from spatial.io.options import ReadOptions
from spatial.io.where import Where, parse_where, select_features
from spatial.overlay import operations as overlay
from spatial.report import emit, format_frame, format_from_suffix

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["OPERATIONS", "register", "run"]

#: Operations that need a second layer B.
_NEED_B = {"intersection", "difference", "coverage", "assign"}
OPERATIONS = ("intersection", "difference", "overlaps", "matrix", "coverage", "assign")
#: Tables longer than this are written as CSV by pyarrow, streamed (pandas: 5 s a million rows).
_STREAM_MIN_ROWS = 10_000
#: GeoParquet layers of more features than this are tabulated batch by batch (row groups).
_BATCH_MIN_ROWS = 2_000_000
_PARQUET = {".parquet", ".geoparquet"}
#: ``--distance-m`` at most 100 km: the Gauss–Krüger zone the buffer is drawn in holds no more.
DISTANCE_MAX_M = 100_000.0
#: Above this many features ``--square`` is refused: n² cells (10,000 zones: 100 million).
SQUARE_MAX_FEATURES = 2_000


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
    parser.add_argument("--a-id", default="id", help="id column of A (default: id)")
    parser.add_argument("--b-id", default="id", help="id column of B (default: id)")
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
        "--square",
        action="store_true",
        help="--op matrix: write the n x n table instead of one row per non-zero cell "
        f"(up to {SQUARE_MAX_FEATURES:,} features)",
    )
    add_repair_option(parser)
    parser.set_defaults(handler=run)


def _matrix(args: argparse.Namespace, a: gpd.GeoDataFrame) -> pd.DataFrame:
    form = "square" if args.square else "long"
    matrix = overlay.overlap_matrix(a, args.a_id, repair=args.repair, form=form, name=args.a)
    return matrix if form == "long" else matrix.reset_index(names=args.a_id)


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
        return _matrix(args, a)
    if args.op == "coverage":
        return overlay.buffer_coverage(a, b, args.distance_m, args.a_id, repair=repair, names=names)
    return overlay.assign_points(a, b, args.a_id, args.b_id, repair=repair, names=names)


def _check_call(args: argparse.Namespace) -> None:
    args.out = output_destination(args)  # --db URL --table T: the same as --out URL?table=T
    if is_layer_destination(args.out):
        if args.format is not None:
            raise UsageError(f"{args.out}: results are written as a layer; drop --format")
        args.format = "layer"
    else:
        args.format = format_from_suffix(args.format, args.out)
    if args.op in _NEED_B and args.b is None:
        raise UsageError(f"--op {args.op} needs a second layer B")
    if args.op not in _NEED_B and args.b is not None:
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


def _plain(options: ReadOptions, wheres: list[Where]) -> bool:
    """Whether an input is read as it is: no --crs, frame, field options or --where."""
    return not wheres and options == type(options)()


def _batched(args: argparse.Namespace, plain: bool) -> bool:
    """Whether A is a GeoParquet file large enough to tabulate batch by batch."""
    path = Path(args.a)
    if args.op != "intersection" or args.repair or not plain or path.suffix.lower() not in _PARQUET:
        return False
    if not path.is_file() or args.format not in {"csv", "json", "table", "markdown"}:
        return False
    from spatial.overlay.batches import ParquetLayer  # noqa: PLC0415

    return ParquetLayer(args.a).rows > _BATCH_MIN_ROWS


def _read_a(
    args: argparse.Namespace, options: ReadOptions, wheres: list[Where]
) -> gpd.GeoDataFrame:
    """Layer A; a plain GeoParquet file for --op intersection: its id and geometry only."""
    path = Path(args.a)
    parquet = path.suffix.lower() in _PARQUET and path.is_file()
    if args.op == "intersection" and parquet and _plain(options, wheres):
        from spatial.overlay.batches import ParquetLayer  # noqa: PLC0415

        return ParquetLayer(path).read(args.a_id, threads=overlay._usable_cpus())
    return _read(args.a, options, wheres)


def _run_batches(args: argparse.Namespace, b) -> int:
    """Tabulate a GeoParquet layer larger than memory, batch by batch, streaming the table out."""
    from spatial.io.csvstream import write_csv_batches  # noqa: PLC0415
    from spatial.overlay.batches import tabulate_parquet_batches  # noqa: PLC0415

    with printed_warnings("overlay"):
        frames = tabulate_parquet_batches(args.a, b, args.a_id, args.b_id, names=(args.a, args.b))
        if args.format == "csv":
            write_csv_batches(frames, args.out, bom=not args.no_bom)
        else:
            table = pd.concat(list(frames), ignore_index=True)
            emit(format_frame(table, args.format), args.out)
    return ExitCode.OK


def _dask_result(args: argparse.Namespace, b) -> pd.DataFrame:
    """Tabulate A by partitions on a dask.distributed cluster (local processes or ADDRESS)."""
    try:
        import dask_geopandas  # noqa: PLC0415 - optional dependency
        from distributed import Client, LocalCluster  # noqa: PLC0415
    except ImportError:
        raise UsageError("--scheduler needs the dask extra: uv sync --extra dask") from None
    from spatial.overlay.distributed import tabulate_intersection_dask  # noqa: PLC0415

    if args.op != "intersection":
        raise UsageError(f"--scheduler applies to --op intersection only, not --op {args.op}")
    path = Path(args.a)
    if not (path.is_dir() or path.suffix.lower() in _PARQUET):
        raise UsageError(f"{path}: --scheduler reads a GeoParquet file or a partitioned folder")
    if not path.exists():
        raise UsageError(f"{path}: file not found")
    a = dask_geopandas.read_parquet(path)  # lazily: each worker reads its own partitions
    cluster = None
    try:
        if args.scheduler == "processes":
            cluster = LocalCluster(processes=True, threads_per_worker=1, dashboard_address=":0")
            client = Client(cluster)
        else:
            client = Client(args.scheduler, timeout="10s")
    except OSError as exc:
        raise UsageError(f"cannot reach the dask scheduler {args.scheduler}: {exc}") from None
    try:
        return tabulate_intersection_dask(a, b, args.a_id, args.b_id)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run(args: argparse.Namespace) -> int:
    """Run one overlay operation and print or write its result; return 0."""
    _check_call(args)
    inputs = [Input("a", args.a)] + ([Input("b", args.b)] if args.b is not None else [])
    options = read_options(args, inputs)
    wheres = _wheres(args.where, inputs)
    b = _read(args.b, options["b"], wheres["b"]) if args.b is not None else None
    plain_a = _plain(options["a"], wheres["a"])
    if args.scheduler is not None:
        if not plain_a:
            raise UsageError("--scheduler reads A as it is: drop --where and A's reading options")
        with printed_warnings("overlay"):
            return _write(args, _dask_result(args, b))
    if _batched(args, plain_a):
        return _run_batches(args, b)
    a = _read_a(args, options["a"], wheres["a"])
    if args.square and len(a) > SQUARE_MAX_FEATURES:
        raise UsageError(
            f"{args.a}: --square with {len(a):,} features would write {len(a) ** 2:,} cells; "
            f"it is for up to {SQUARE_MAX_FEATURES:,} features: drop --square for one row "
            "per non-zero cell"
        )
    if args.op == "coverage" and b is not None:  # B is there: _check_call requires it
        overlay.require_one_dimension(b, args.b)  # here, so that the message names the file
    with printed_warnings("overlay"):
        result = _compute(args, a, b)
    return _write(args, result)


def _write(args: argparse.Namespace, result: pd.DataFrame) -> int:
    """Print or write the result where ``--out``/``--format`` say; return 0."""
    if args.format == "geojson":
        layer = cast("gpd.GeoDataFrame", result)  # geojson is --op difference only: a layer
        emit(layer.to_json(ensure_ascii=False, drop_id=True), args.out)
        return ExitCode.OK
    if args.format == "layer":  # GeoPackage, File GDB or PostGIS; --op difference with its parts
        for name in write_layers({args.op: result}, args.out, table=args.table):
            print(f"spatial overlay: wrote {name}", file=sys.stderr)
        return ExitCode.OK
    table = result.drop(columns=result.geometry.name) if hasattr(result, "geometry") else result
    table = pd.DataFrame(table)
    if args.format in ("csv", "json") and len(table) > _STREAM_MIN_ROWS:
        from spatial.io import csvstream  # noqa: PLC0415 - large tables only

        if args.format == "csv" and csvstream.write_csv_streamed(
            table, args.out, bom=not args.no_bom
        ):
            return ExitCode.OK
        if args.format == "json" and csvstream.write_json_streamed(table, args.out):
            return ExitCode.OK
    emit_frames(args, {args.op: table}, lambda fmt: format_frame(table, fmt))
    return ExitCode.OK


def _wheres(specs: list[str], inputs: list[Input]) -> dict[str, list[Where]]:
    """``--where`` by input role: ``a:``/``b:`` (or a file stem) prefixed, else for all."""
    chosen: dict[str, list[Where]] = {"a": [], "b": []}
    known = {key: item.role for item in inputs for key in item.keys}
    for spec in specs:
        prefix, sep, rest = spec.partition(":")
        if sep and prefix in known:
            chosen[known[prefix]].append(parse_where(rest))
        elif sep and "=" not in prefix and prefix in {"a", "b"}:
            raise UsageError(f"--where {spec}: there is no layer {prefix.upper()} here")
        else:
            for item in inputs:
                chosen[item.role].append(parse_where(spec))
    return chosen


def _read(path: str, options: ReadOptions, wheres: list[Where]) -> gpd.GeoDataFrame:
    gdf = read_layer(path, **vars(options))
    print_notes("overlay", gdf)
    for where in wheres:
        gdf = select_features(gdf, path, where)
    if wheres:
        chosen = " and ".join(str(w) for w in wheres)
        print(
            f"spatial overlay: note: {printable(path)}: {len(gdf)} feature(s) chosen by "
            f"{printable(chosen)}",
            file=sys.stderr,
        )
    return gdf
