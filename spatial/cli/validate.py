"""``spatial validate PATH... [--require id,name_zh] [--crs EPSG:4544] [--repair OUT]``.

Prints one line per problem on standard output, ``PATH: feature ID: problem``
(``feature -`` for a problem about the whole file), and a one-line summary on
standard error. Every file is checked even when an earlier one is unreadable.

Required properties: a file in the bundled ``geodata/`` folder must carry all of
:data:`spatial.layers.REQUIRED_PROPERTIES`; any other file (a planner's own)
needs only ``id`` unless ``--require`` names others (``--require ''`` requires none).

``--class-field YDYHFLDM`` also checks a land-use class field against the 2023
用地用海分类 (unknown or blank code, a ``--class-name-field`` that disagrees with the
code, a code off the ``--class-level`` levels), one line per feature.

Exit status: 0 no problems, 1 problems found, 2 an input could not be read
(the highest applies when several files are given). With ``--repair OUT`` the
single input's invalid geometries are repaired with ``make_valid`` and written
to OUT (GeoJSON, GeoPackage, FlatGeobuf or GeoParquet, by its suffix); the area
each repair changed is printed. The exit status still describes the input.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from spatial.cli._options import COMMAND_HELP, Input, add_input_options, read_options
from spatial.cli._output import ExitCode
from spatial.errors import LayerError, SpatialError, first_line, printable
from spatial.io.atomic import write_bytes_atomic, write_gpkg_atomic
from spatial.io.bundled import bundled_dir
from spatial.io.geoparquet import write_geoparquet
from spatial.io.layers import REQUIRED_PROPERTIES, read_layer, read_layer_tolerant
from spatial.io.options import ReadOptions
from spatial.io.postgis import is_postgis_url
from spatial.landuse.fields import CLASS_NAME_FIELD, ClassFieldProblem, check_class_field
from spatial.validate.batched import validate_file_batched
from spatial.validate.problems import Problem, repair_layer

__all__ = ["register", "required_for", "run"]

#: Output drivers by suffix for ``--repair`` (one-file formats only, so writes stay atomic).
_DRIVERS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG", ".fgb": "FlatGeobuf"}
_PARQUET = {".parquet", ".geoparquet"}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``validate`` subcommand."""
    parser = subparsers.add_parser(
        "validate",
        help=COMMAND_HELP["validate"],
        description=(
            "Check layer files and print one line per problem: PATH: feature ID: problem. "
            "Exit 0 clean, 1 problems found, 2 an input could not be read."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="GeoJSON, GeoPackage, ...")
    parser.add_argument(
        "--require",
        metavar="NAMES",
        help=(
            "comma-separated properties every feature must carry "
            "(default: all of id,name_zh,name_en,kind,source,accuracy for the bundled "
            "geodata/ layers, only id for other files; '' for none)"
        ),
    )
    add_input_options(parser, polygonize=False)
    parser.add_argument(
        "--repair",
        metavar="OUT",
        help="write the (single) input with invalid geometries repaired to OUT",
    )
    parser.add_argument(
        "--class-field",
        metavar="FIELD",
        help="also check this land-use class field (e.g. YDYHFLDM) against the 2023 "
        "用地用海分类: unknown or blank codes, names that disagree, wrong levels",
    )
    parser.add_argument(
        "--class-name-field",
        default=CLASS_NAME_FIELD,
        metavar="FIELD",
        help=f"class name field compared with the code when present ({CLASS_NAME_FIELD})",
    )
    parser.add_argument(
        "--class-level",
        metavar="LEVELS",
        help="comma-separated levels allowed with --class-field: 1 (2-digit), 2, 3 (6-digit)",
    )
    parser.set_defaults(handler=run)


def _levels(text: str | None) -> set[int] | None:
    if text is None:
        return None
    try:
        levels = {int(v) for v in text.split(",") if v.strip()}
    except ValueError:
        levels = set()
    if not levels or not levels <= {1, 2, 3}:
        raise LayerError(f"--class-level {text!r}: give levels among 1, 2, 3 (e.g. 2,3)")
    return levels


def _class_problems(
    path: Path | str, args: argparse.Namespace, options: ReadOptions
) -> list[ClassFieldProblem]:
    if args.class_field is None:
        return []
    gdf = read_layer_tolerant(path, crs=options.crs)
    return check_class_field(
        gdf,
        str(path),
        code_field=args.class_field,
        name_field=args.class_name_field,
        levels=_levels(args.class_level),
    )


def required_for(path: Path, require: str | None) -> tuple[str, ...]:
    """Return the properties required of ``path``: ``--require`` if given, else the default.

    Examples
    --------
    >>> required_for(Path("mine.geojson"), None)
    ('id',)
    >>> required_for(Path("mine.geojson"), "id, name_zh")
    ('id', 'name_zh')
    >>> required_for(Path("mine.geojson"), "")
    ()
    """
    if require is not None:
        return tuple(name.strip() for name in require.split(",") if name.strip())
    try:
        bundled = bundled_dir("geodata").resolve()
    except FileNotFoundError:
        bundled = None
    if bundled is not None and path.resolve().parent == bundled:
        return REQUIRED_PROPERTIES
    return ("id",)


def _check_one(path: Path | str, args: argparse.Namespace, options: ReadOptions) -> int:
    try:
        required = required_for(Path(path), args.require) if isinstance(path, Path) else ("id",)
        problems: Sequence[Problem | ClassFieldProblem] = validate_file_batched(
            path,
            required=required,
            crs=options.crs,
            input_frame=options.input_frame,
            id_field=options.id_field,
            name_field=options.name_field,
        )
        problems = [*problems, *_class_problems(path, args, options)]
    except SpatialError as exc:
        print(f"spatial validate: {printable(str(exc))}", file=sys.stderr)
        return ExitCode.UNREADABLE
    for problem in problems:
        print(printable(str(problem)))
    return ExitCode.PROBLEMS if problems else ExitCode.OK


def _write_layer(gdf: gpd.GeoDataFrame, out: Path) -> None:
    suffix = out.suffix.lower()
    if suffix not in _DRIVERS and suffix not in _PARQUET:
        choices = ", ".join(sorted({*_DRIVERS, *_PARQUET}))
        raise LayerError(f"{out}: cannot write {suffix or 'a file without suffix'}; use {choices}")
    if suffix == ".gpkg":  # into an existing GeoPackage: its other layers are kept
        write_gpkg_atomic(out, gdf, layer=out.stem)
        return
    buffer = io.BytesIO()
    try:
        if suffix in _PARQUET:
            write_geoparquet(gdf, buffer)  # GeoParquet 1.1: sorted spatially, bbox covering
        else:
            pyogrio.write_dataframe(gdf, buffer, driver=_DRIVERS[suffix], layer=out.stem)
    except Exception as exc:  # a writer failure is one line, and nothing is written
        raise LayerError(f"{out}: cannot write the repaired layer ({first_line(exc)})") from None
    write_bytes_atomic(out, buffer.getvalue())


def _print_repairs(path: Path | str, report: pd.DataFrame, out: Path) -> None:
    for row in report.itertuples(index=False):
        print(
            printable(
                f"{path}: feature {row.id}: repaired ({row.reason}): area "
                f"{row.area_before_m2:,.0f} m² -> {row.area_after_m2:,.0f} m² "
                f"(changed {row.area_changed_m2:+,.0f} m²)"
            )
        )
    print(f"{printable(out)}: written, {len(report)} feature(s) repaired", file=sys.stderr)


def _repair(path: Path | str, out: Path, options: ReadOptions) -> None:
    repaired, report = repair_layer(read_layer(path, **vars(options)), str(path))
    _write_layer(repaired, out)
    _print_repairs(path, report, out)


def run(args: argparse.Namespace) -> int:
    """Validate every PATH, print the problems and return the exit status."""
    paths: Sequence[Path | str] = [p if is_postgis_url(p) else Path(p) for p in args.paths]
    if args.repair and len(paths) != 1:
        print("spatial validate: --repair takes exactly one PATH", file=sys.stderr)
        return ExitCode.UNREADABLE
    options = read_options(args, [Input(f"#{i}", str(p)) for i, p in enumerate(paths)])
    statuses = [_check_one(p, args, options[f"#{i}"]) for i, p in enumerate(paths)]
    status = max(statuses)
    if args.repair and status != ExitCode.UNREADABLE:
        _repair(paths[0], Path(args.repair), options["#0"])
    bad = sum(1 for s in statuses if s != ExitCode.OK)
    summary = "no problems found" if status == ExitCode.OK else f"{bad} with problems or unreadable"
    print(f"spatial validate: {len(paths)} file(s) checked, {summary}", file=sys.stderr)
    return status
