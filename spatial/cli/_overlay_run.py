"""The work of ``spatial overlay`` (see :mod:`spatial.cli.overlay` for the command).

Imported by :func:`spatial.cli.overlay.run` once the arguments are parsed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from spatial.cli import _overlay_args as command
from spatial.cli._options import (
    Input,
    emit_frames,
    output_destination,
    output_frame_of,
    print_notes,
    read_options,
    require_in_range,
)
from spatial.cli._output import ExitCode, printed_warnings
from spatial.errors import UsageError, printable
from spatial.export.layers import is_layer_destination, write_layers
from spatial.formats import format_from_suffix
from spatial.io.layers import read_layer
from spatial.io.options import ReadOptions
from spatial.io.postgis import database_label
from spatial.io.where import Where, parse_where, select_features
from spatial.overlay import operations as overlay
from spatial.overlay.operations import RECONCILED_COLUMNS
from spatial.report import emit, format_frame
from spatial.table_formats import table_format
from spatial.units import M2_PER_KM2

if TYPE_CHECKING:
    import geopandas as gpd

    from spatial.overlay.scan import ParquetScan

__all__ = ["run"]

#: Tables longer than this are written as CSV by pyarrow, streamed (pandas: 5 s a million rows).
_STREAM_MIN_ROWS = 10_000


def _matrix(args: argparse.Namespace, a: gpd.GeoDataFrame) -> pd.DataFrame:
    form = "square" if args.square else "long"
    name = database_label(args.a)
    matrix = overlay.overlap_matrix(a, args.a_id, repair=args.repair, form=form, name=name)
    return matrix if form == "long" else matrix.reset_index(names=args.a_id)


def _names(args: argparse.Namespace) -> tuple[str, Any]:
    """Name A and B as messages do: a file by its path, a database without its password.

    B is None for an operation on A alone, as ``args.b`` is.
    """
    return database_label(args.a), database_label(args.b) if args.b is not None else None


def _needed_b(args: argparse.Namespace, b: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """Return B, which :func:`_check_call` has already required for ``--op`` (narrows the type)."""
    if b is None:
        raise UsageError(f"--op {args.op} needs a second layer B")
    return b


def _compute(
    args: argparse.Namespace, a: gpd.GeoDataFrame, b: gpd.GeoDataFrame | None
) -> pd.DataFrame:
    """Run the operation; every input is validated once, inside it, named by its file."""
    repair, names = args.repair, _names(args)
    if args.op == "intersection":
        return overlay.tabulate_intersection(
            a, _needed_b(args, b), args.a_id, args.b_id, repair=repair, names=names
        )
    if args.op == "difference":
        return overlay.difference(a, _needed_b(args, b), args.a_id, repair=repair, names=names)
    if args.op == "overlaps":
        return overlay.overlaps(a, args.a_id, repair=repair, name=names[0])
    if args.op == "matrix":
        return _matrix(args, a)
    if args.op == "coverage":
        return overlay.buffer_coverage(
            a, _needed_b(args, b), args.distance_m, args.a_id, repair=repair, names=names
        )
    return overlay.assign_points(
        a, _needed_b(args, b), args.a_id, args.b_id, repair=repair, names=names
    )


def _check_call(args: argparse.Namespace) -> None:
    args.out = output_destination(args)  # --db URL --table T: the same as --out URL?table=T
    if is_layer_destination(args.out):
        if args.format is not None:
            raise UsageError(f"{args.out}: results are written as a layer; drop --format")
        args.format = "layer"
    else:
        args.format = format_from_suffix(args.format, args.out)
    if args.op in command.NEED_B and args.b is None:
        raise UsageError(f"--op {args.op} needs a second layer B")
    if args.op not in command.NEED_B and args.b is not None:
        raise UsageError(
            f"--op {args.op} compares the features of A with each other and does not use B "
            f"({args.b}): drop it"
        )
    if args.op == "coverage" and args.distance_m is None:
        raise UsageError("--op coverage needs --distance-m (metres)")
    if args.op != "coverage" and args.distance_m is not None:
        raise UsageError(f"--distance-m applies to --op coverage only, not --op {args.op}")
    require_in_range(
        args.distance_m, "--distance-m", 0, command.DISTANCE_MAX_M, "metres", low_open=True
    )
    if args.square and args.op != "matrix":
        raise UsageError(f"--square applies to --op matrix only, not --op {args.op}")
    if args.format == "geojson" and args.op != "difference":
        raise UsageError("--format geojson is only for --op difference (the others are tables)")


def _plain(options: ReadOptions, wheres: list[Where]) -> bool:
    """Whether an input is read as it is: no --crs, frame, field options or --where."""
    return not wheres and options == type(options)()


def _parquet_result(
    args: argparse.Namespace, b: gpd.GeoDataFrame | None, scan: ParquetScan[Any] | None
) -> pd.DataFrame:
    """Tabulate a GeoParquet A from the file (its scan, if started): GEOS only where B may touch."""
    from spatial.overlay.parquet import tabulate_parquet  # noqa: PLC0415

    source = scan if scan is not None else args.a
    return tabulate_parquet(source, _needed_b(args, b), args.a_id, args.b_id, names=_names(args))


def _dask_result(args: argparse.Namespace, b: gpd.GeoDataFrame | None) -> pd.DataFrame:
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
    if not (path.is_dir() or path.suffix.lower() in command.PARQUET):
        raise UsageError(f"{path}: --scheduler reads a GeoParquet file or a partitioned folder")
    if not path.exists():
        raise UsageError(f"{path}: file not found")
    if not path.is_dir():
        from spatial.io.sandbox import require_named_source  # noqa: PLC0415 - no GDAL needed

        require_named_source(path)  # a FIFO or device is refused, not waited on
    a = dask_geopandas.read_parquet(path)  # lazily: each worker reads its own partitions
    cluster = None
    try:
        if args.scheduler == "processes":
            # distributed leaves these calls unannotated
            cluster = LocalCluster(processes=True, threads_per_worker=1, dashboard_address=":0")  # type: ignore[no-untyped-call]
            client = Client(cluster)  # type: ignore[no-untyped-call]
        else:
            client = Client(args.scheduler, timeout="10s")  # type: ignore[no-untyped-call]
    except OSError as exc:
        raise UsageError(f"cannot reach the dask scheduler {args.scheduler}: {exc}") from None
    try:
        return tabulate_intersection_dask(a, _needed_b(args, b), args.a_id, args.b_id)
    finally:
        client.close()  # type: ignore[no-untyped-call]  # distributed's Client.close is unannotated
        if cluster is not None:
            cluster.close()


def run(args: argparse.Namespace, scan: ParquetScan[Any] | None = None) -> int:
    """Run one overlay operation and print or write its result; return the exit status.

    ``scan`` is A's scan when :func:`spatial.cli.overlay.run` started one.
    """
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
    if command.from_parquet_file(args):
        with printed_warnings("overlay"):
            return _write(args, _parquet_result(args, b, scan))
    a = _read(args.a, options["a"], wheres["a"])
    if args.square and len(a) > command.SQUARE_MAX_FEATURES:
        raise UsageError(
            f"{args.a}: --square with {len(a):,} features would write {len(a) ** 2:,} cells; "
            f"it is for up to {command.SQUARE_MAX_FEATURES:,} features: drop --square for one row "
            "per non-zero cell"
        )
    if args.op == "coverage" and b is not None:  # B is there: _check_call requires it
        overlay.require_one_dimension(b, _names(args)[1])  # here, so the message names the file
    with printed_warnings("overlay"):
        result = _compute(args, a, b)
    return _write(args, result, {"a": a} | ({"b": b} if b is not None else {}))


def adjustment_note(table: pd.DataFrame) -> str | None:
    """Word the largest reconciling adjustment of a tabulation as a note (None if none).

    Relative to the smaller of the piece's two features (their areas of record,
    from the row's areas and shares).
    """
    if "adjustment_m2" not in table.columns or not len(table):
        return None
    adjust_m2 = table["adjustment_m2"].to_numpy(float)
    i = int(np.argmax(adjust_m2))
    if not adjust_m2[i] > 0:
        return None

    def column(name: str) -> float:
        return float(table[name].to_numpy(float)[i])

    features_m2 = [
        column(area) * M2_PER_KM2 / column(share)
        for area, share in (("area_km2", "share_of_a"), ("raw_area_km2", "share_of_b"))
        if column(share) > 0
    ]
    relative = adjust_m2[i] / min(features_m2) if features_m2 else 0.0
    pair = f"{table['a_id'].iloc[i]} x {table['b_id'].iloc[i]}"
    return (
        "pieces cut in the layers' projected CRS are reconciled to each feature's area of "
        "record (area_km2, shares; the pieces as cut with --raw-areas); largest adjustment "
        f"{adjust_m2[i]:.3g} m² ({relative:.1e} of its feature), {printable(pair)}"
    )


def _write(
    args: argparse.Namespace,
    result: pd.DataFrame,
    inputs: dict[str, gpd.GeoDataFrame] | None = None,
) -> int:
    """Print or write the result where ``--out``/``--format`` say; return 0.

    ``inputs`` are A and B as read: layers are written in their common CRS
    (or ``--out-crs``); None (a GeoParquet or dask run) writes them as computed.
    """
    note = adjustment_note(result) if args.op == "intersection" else None
    if note is not None:
        print(f"spatial overlay: note: {note}", file=sys.stderr)
    if args.op == "intersection" and not args.raw_areas:  # the tabulation's five columns, as stated
        result = result.drop(columns=list(RECONCILED_COLUMNS), errors="ignore")
    if args.format == "geojson":
        layer = cast("gpd.GeoDataFrame", result)  # geojson is --op difference only: a layer
        emit(_lonlat(args, layer).to_json(ensure_ascii=False, drop_id=True), args.out)
        return ExitCode.OK
    if args.format == "layer":  # GeoPackage, File GDB or PostGIS; --op difference with its parts
        if inputs is not None or args.out_crs is not None:
            result = output_frame_of(args, inputs or {}).layer(args.op, result)
        written = write_layers({args.op: result}, args.out, table=args.table)
        for name in written:
            print(f"spatial overlay: wrote {name}", file=sys.stderr)
        return ExitCode.OK
    table = result.drop(columns=result.geometry.name) if hasattr(result, "geometry") else result
    table = pd.DataFrame(table)
    stream = table_format(args.format).stream  # CSV and JSON are streamed, when they can be
    if stream is not None and len(table) > _STREAM_MIN_ROWS:
        if stream(table, args.out, not args.no_bom):
            return ExitCode.OK
    emit_frames(args, {args.op: table}, lambda fmt: format_frame(table, fmt))
    return ExitCode.OK


def _lonlat(args: argparse.Namespace, layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``layer`` in EPSG:4326, as GeoJSON (RFC 7946) has it; say so to ``--out-crs``."""
    from spatial.crs import WGS84  # noqa: PLC0415
    from spatial.io.frames import resolve_crs  # noqa: PLC0415

    if args.out_crs is not None and not resolve_crs(args.out_crs, "--out-crs").equals(WGS84):
        print(
            f"spatial overlay: note: GeoJSON is lon/lat (EPSG:4326, RFC 7946): --out-crs "
            f"{printable(args.out_crs)} is not applied; write .gpkg for another CRS",
            file=sys.stderr,
        )
    return layer.to_crs(WGS84) if layer.crs is not None else layer


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
