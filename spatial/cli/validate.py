"""``spatial validate PATH... [--require id,name_zh] [--crs EPSG:4544] [--repair OUT]``.

Prints one line per problem on standard output, ``PATH: feature ID: problem``
(``feature -`` for a problem about the whole file), and a one-line summary on
standard error. Every file is checked even when an earlier one is unreadable.

Required properties: a file in the bundled ``geodata/`` folder must carry all of
:data:`spatial.layers.REQUIRED_PROPERTIES`; any other file (a planner's own)
needs only ``id`` unless ``--require`` names others (``--require ''`` requires none).

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

from spatial.errors import LayerError, SpatialError, one_line
from spatial.io.atomic import write_bytes_atomic
from spatial.io.bundled import bundled_dir
from spatial.io.layers import REQUIRED_PROPERTIES, read_layer
from spatial.validate.problems import repair_layer, validate_file

__all__ = ["register", "required_for", "run"]

EXIT_OK, EXIT_PROBLEMS, EXIT_UNREADABLE = 0, 1, 2
#: Output drivers by suffix for ``--repair`` (one-file formats only, so writes stay atomic).
_DRIVERS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG", ".fgb": "FlatGeobuf"}
_PARQUET = {".parquet", ".geoparquet"}


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``validate`` subcommand."""
    parser = subparsers.add_parser(
        "validate",
        help="check layer files: geometry, coordinates, CRS, ids, properties, encoding",
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
    parser.add_argument("--crs", help="CRS to assume for a file that declares none, e.g. EPSG:4326")
    parser.add_argument(
        "--repair",
        metavar="OUT",
        help="write the (single) input with invalid geometries repaired to OUT",
    )
    parser.set_defaults(handler=run)


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


def _check_one(path: Path, args: argparse.Namespace) -> int:
    try:
        problems = validate_file(path, required=required_for(path, args.require), crs=args.crs)
    except SpatialError as exc:
        print(f"spatial validate: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_UNREADABLE
    for problem in problems:
        print(one_line(str(problem)))
    return EXIT_PROBLEMS if problems else EXIT_OK


def _write_layer(gdf: gpd.GeoDataFrame, out: Path) -> None:
    suffix = out.suffix.lower()
    if suffix not in _DRIVERS and suffix not in _PARQUET:
        choices = ", ".join(sorted({*_DRIVERS, *_PARQUET}))
        raise LayerError(f"{out}: cannot write {suffix or 'a file without suffix'}; use {choices}")
    buffer = io.BytesIO()
    try:
        if suffix in _PARQUET:
            gdf.to_parquet(buffer)
        else:
            pyogrio.write_dataframe(gdf, buffer, driver=_DRIVERS[suffix], layer=out.stem)
    except Exception as exc:  # a writer failure is one line, and nothing is written
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LayerError(f"{out}: cannot write the repaired layer ({reason})") from None
    write_bytes_atomic(out, buffer.getvalue())


def _print_repairs(path: Path, report: pd.DataFrame, out: Path) -> None:
    for row in report.itertuples(index=False):
        print(
            f"{path}: feature {row.id}: repaired ({row.reason}): area "
            f"{row.area_before_m2:,.0f} m² -> {row.area_after_m2:,.0f} m² "
            f"(changed {row.area_changed_m2:+,.0f} m²)"
        )
    print(f"{out}: written, {len(report)} feature(s) repaired", file=sys.stderr)


def _repair(path: Path, out: Path, crs: str | None) -> None:
    repaired, report = repair_layer(read_layer(path, crs=crs), str(path))
    _write_layer(repaired, out)
    _print_repairs(path, report, out)


def run(args: argparse.Namespace) -> int:
    """Validate every PATH, print the problems and return the exit status."""
    paths: Sequence[Path] = [Path(p) for p in args.paths]
    if args.repair and len(paths) != 1:
        print("spatial validate: --repair takes exactly one PATH", file=sys.stderr)
        return EXIT_UNREADABLE
    statuses = [_check_one(path, args) for path in paths]
    status = max(statuses)
    if args.repair and status != EXIT_UNREADABLE:
        _repair(paths[0], Path(args.repair), args.crs)
    bad = sum(1 for s in statuses if s != EXIT_OK)
    summary = "no problems found" if status == EXIT_OK else f"{bad} with problems or unreadable"
    print(f"spatial validate: {len(paths)} file(s) checked, {summary}", file=sys.stderr)
    return status
