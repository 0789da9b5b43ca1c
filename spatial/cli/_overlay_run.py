"""The request and the output of ``spatial overlay`` (the command: :mod:`spatial.cli.overlay`).

Imported by :func:`spatial.cli.overlay.run` once the call is checked
(:func:`spatial.cli._overlay_args.check_call`) and a missing A or B refused: the
request built, :func:`spatial.commands.overlay.run_overlay` run, its result
printed or written.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from spatial.cli import _overlay_args as command
from spatial.cli._options import Input, read_options
from spatial.cli._output import ExitCode, printed_warnings, say_notes
from spatial.cli._outputs import emit_frames
from spatial.commands.overlay import (
    OverlayRequest,
    OverlayResult,
    run_overlay,
)
from spatial.errors import UsageError, printable
from spatial.export.layers import write_layers
from spatial.io.where import Where, parse_where
from spatial.report import emit, format_frame
from spatial.table_formats import table_format

if TYPE_CHECKING:
    import geopandas as gpd

    from spatial.overlay.scan import ParquetScan
    from spatial.table_formats.txt import FeatureHead

__all__ = ["request_of", "run"]

#: Tables longer than this are written as CSV by pyarrow, streamed (pandas: 5 s a million rows).
_STREAM_MIN_ROWS = 10_000

#: By operation, its table's id columns and the layer (A or B) whose ids each holds;
#: ``difference`` and ``coverage`` already name theirs by ``--a-id``.
_ID_COLUMNS: dict[str, dict[str, str]] = {
    "intersection": {"a_id": "a", "b_id": "b"},
    "overlaps": {"a_id": "a", "b_id": "a"},
    "matrix": {"a_id": "a", "b_id": "a"},
    "assign": {"point_id": "a", "polygon_id": "b"},
}


def request_of(args: argparse.Namespace) -> OverlayRequest:
    """Return the :class:`OverlayRequest` the parsed call says."""
    inputs = [Input("a", args.a)] + ([Input("b", args.b)] if args.b is not None else [])
    wheres = _wheres(args.where, inputs)
    return OverlayRequest(
        a=args.a,
        b=args.b,
        op=args.op,
        a_id_field=args.a_id,
        b_id_field=args.b_id,
        distance_m=args.distance_m,
        wheres={role: tuple(chosen) for role, chosen in wheres.items()},
        options=read_options(args, inputs),
        square=args.square,
        square_max_features=command.SQUARE_MAX_FEATURES,
        scheduler=args.scheduler,
        raw_areas=args.raw_areas,
        repair=args.repair,
        out_crs=args.out_crs,
    )


def run(args: argparse.Namespace, scan: ParquetScan[Any] | None = None) -> int:
    """Run one overlay operation and print or write its result; return the exit status.

    ``scan`` is A's scan when :func:`spatial.cli.overlay.run` started one; the call
    is checked there first (:func:`spatial.cli._overlay_args.check_call`).
    """
    request = request_of(args)
    with printed_warnings("overlay"):
        result = run_overlay(request, scan)
    say_notes("overlay", result.notes)
    return _write(args, result)


def _write(args: argparse.Namespace, outcome: OverlayResult) -> int:
    """Print or write the result where ``--out``/``--format`` say; return 0.

    Layers are written in A's and B's common CRS (or ``--out-crs``); a GeoParquet
    or dask run's as computed.
    """
    result = outcome.table
    if args.format in ("geojson", "layer"):  # difference's layer: A's fields, no empty part
        result, notes = outcome.layer(args.op)
        say_notes("overlay", notes)
    if args.format == "geojson":
        layer = cast("gpd.GeoDataFrame", result)  # geojson is --op difference only: a layer
        emit(_lonlat(args, layer).to_json(ensure_ascii=False, drop_id=True), args.out)
        return ExitCode.OK
    if args.format == "layer":  # GeoPackage, File GDB or PostGIS; --op difference with its parts
        frame = outcome.frame()
        if frame is not None:
            say_notes("overlay", frame.notes)
            result = frame.layer(args.op, result)
        written = write_layers({args.op: result}, args.out, table=args.table)
        for name in written:
            print(f"spatial overlay: wrote {name}", file=sys.stderr)
        return ExitCode.OK
    plain = result.drop(columns=result.geometry.name) if hasattr(result, "geometry") else result
    table = _named_ids(args, pd.DataFrame(plain))
    stream = table_format(args.format).stream  # CSV and JSON are streamed, when they can be
    if stream is not None and len(table) > _STREAM_MIN_ROWS:
        if stream(table, args.out, not args.no_bom):
            return ExitCode.OK
    head = _head(args, list(plain.columns), list(table.columns))
    emit_frames(args, {args.op: table}, lambda fmt: format_frame(table, fmt), head)
    return ExitCode.OK


#: What the line under an assign table's head counts: the points in each zone, and outside.
POINTS_PER_ZONE = "points per zone"
#: The label of the points in no zone (their rows name the nearest zone, ``inside`` False).
OUTSIDE = "outside any zone"


def _head(args: argparse.Namespace, plain: list[str], named: list[str]) -> FeatureHead:
    """Return how the overlay's rows are cut on a terminal: in order; assign's points by zone.

    ``plain`` and ``named`` are the table's columns before and after the ids were
    named (:func:`_named_ids` keeps their places): an assign table counts its
    rows inside each zone (by the zone's id, ``--b-id``, in id order) and its
    points outside every zone (last), under the head.
    """
    from spatial.table_formats.txt import IN_ORDER, FeatureHead  # noqa: PLC0415 - no pandas

    if args.op != "assign" or "polygon_id" not in plain or "inside" not in plain:
        return IN_ORDER
    zone = named[plain.index("polygon_id")]

    def zone_or_outside(frame: pd.DataFrame) -> pd.Series:
        inside = frame["inside"].astype(bool)
        return frame[zone].astype(object).where(inside, OUTSIDE)

    return FeatureHead(counts=POINTS_PER_ZONE, key=zone_or_outside, last=(OUTSIDE,), by_value=True)


def _named_ids(args: argparse.Namespace, table: pd.DataFrame) -> pd.DataFrame:
    """Return ``table`` with its id columns named as ``--a-id``/``--b-id`` (``a_id`` as ``BSM``).

    Both from one field (``overlaps``, ``matrix``; or A and B both ``BSM``) are
    told apart by their role: ``a_BSM``, ``b_BSM``.
    """
    from spatial.export.frame import OutputFrame  # noqa: PLC0415 - geopandas, pyproj

    fields = {"a": args.a_id, "b": args.b_id}
    held = {} if args.square else _ID_COLUMNS.get(args.op, {})  # a square's columns are ids
    columns = {column: fields[role] for column, role in held.items()}
    return OutputFrame().with_ids(args.op, columns).table(args.op, table, args.format)


def _lonlat(args: argparse.Namespace, layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``layer`` in EPSG:4326, as GeoJSON (RFC 7946) has it; say so to ``--out-crs``."""
    from spatial.crs import WGS84, reproject  # noqa: PLC0415
    from spatial.io.frames import resolve_crs  # noqa: PLC0415

    if args.out_crs is not None and not resolve_crs(args.out_crs, "--out-crs").equals(WGS84):
        print(
            f"spatial overlay: note: GeoJSON is lon/lat (EPSG:4326, RFC 7946): --out-crs "
            f"{printable(args.out_crs)} is not applied; write .gpkg for another CRS",
            file=sys.stderr,
        )
    return reproject(layer, WGS84) if layer.crs is not None else layer


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
