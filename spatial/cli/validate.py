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
to OUT, named by its suffix or URL: any format of the layer registry
(:mod:`spatial.export.layer_formats`: GeoPackage, FlatGeobuf, File GDB, PostGIS),
GeoJSON or GeoParquet, in the input's CRS (GeoJSON in lon/lat, RFC 7946) and
with its field names (``--id-field DYBH`` written back as ``DYBH``); the area
each repair changed is printed. The exit status still describes the input.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from spatial.cli._options import (
    COMMAND_HELP,
    Input,
    add_input_options,
    add_option,
    read_options,
    standard_id_options,
)
from spatial.cli._output import ExitCode, say_notes
from spatial.cli._project import project_class_field, project_options
from spatial.commands.validate import ValidateRequest, required_for, run_validate
from spatial.errors import LayerError, first_line, printable
from spatial.io.atomic import write_bytes_atomic
from spatial.io.postgis import database_label, is_postgis_url, postgis_table

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from spatial.export.frame import OutputFrame

__all__ = ["register", "request_of", "required_for", "run"]

#: Output drivers by suffix for ``--repair`` beside the layer registry's formats (one file each,
#: written atomically).
_DRIVERS = {".geojson": "GeoJSON", ".json": "GeoJSON"}
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
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="GeoJSON, GeoPackage, ... (none: every layer the project names)",
    )
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
    add_option(parser, "--repair OUT")
    parser.add_argument(
        "--class-field",
        metavar="FIELD",
        help="also check this land-use class field (e.g. YDYHFLDM) against the 2023 "
        "用地用海分类: unknown or blank codes, names that disagree, wrong levels",
    )
    add_option(  # default None: run_validate's CLASS_NAME_FIELD (landuse.fields loads geopandas)
        parser,
        "--class-name-field",
        metavar="FIELD",
        help="class name field compared with the code when present (default YDYHFLMC)",
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


def _write_layer(gdf: gpd.GeoDataFrame, out: str, frame: OutputFrame, name: str) -> None:
    """Write the repaired layer ``name`` to ``out``, in ``frame`` (the input's CRS and fields).

    A destination of the layer registry (:mod:`spatial.export.layer_formats`:
    GeoPackage, FlatGeobuf, File GDB, PostGIS) goes through it, written as it is
    (no style column); GeoJSON (lon/lat, RFC 7946) and GeoParquet, one file each.
    """
    import pyogrio  # noqa: PLC0415 - loads geopandas: only to write a repair

    from spatial.crs import WGS84, reproject  # noqa: PLC0415 - pyproj: only to write a repair
    from spatial.export.layers import is_layer_destination, write_layers  # noqa: PLC0415
    from spatial.io.geoparquet import write_geoparquet  # noqa: PLC0415 - pyarrow

    layer = frame.layer(name, gdf)
    if is_layer_destination(out):
        table = postgis_table(out).table if is_postgis_url(out) else Path(out).stem
        write_layers({table: layer}, out, styled=False)
        return
    suffix = Path(out).suffix.lower()
    if suffix not in _DRIVERS and suffix not in _PARQUET:
        from spatial.export.layer_formats import layer_suffixes  # noqa: PLC0415

        choices = ", ".join(sorted({*_DRIVERS, *_PARQUET, *layer_suffixes()}))
        raise LayerError(f"{out}: cannot write {suffix or 'a file without suffix'}; use {choices}")
    buffer = io.BytesIO()
    try:
        if suffix in _PARQUET:
            write_geoparquet(layer, buffer)  # GeoParquet 1.1: sorted spatially, bbox covering
        else:
            lonlat = reproject(layer, WGS84) if layer.crs is not None else layer
            pyogrio.write_dataframe(lonlat, buffer, driver=_DRIVERS[suffix], layer=Path(out).stem)
    except Exception as exc:  # a writer failure is one line, and nothing is written
        raise LayerError(f"{out}: cannot write the repaired layer ({first_line(exc)})") from None
    write_bytes_atomic(out, buffer.getvalue())


def _print_repairs(path: Path | str, report: pd.DataFrame, out: str) -> None:
    for row in report.itertuples(index=False):
        print(
            printable(
                f"{path}: feature {row.id}: repaired ({row.reason}): area "
                f"{row.area_before_m2:,.0f} m² -> {row.area_after_m2:,.0f} m² "
                f"(changed {row.area_changed_m2:+,.0f} m²)"
            )
        )
    shown = printable(database_label(out))  # a PostGIS URL without its password
    print(f"{shown}: written, {len(report)} feature(s) repaired", file=sys.stderr)


def request_of(args: argparse.Namespace) -> ValidateRequest:
    """Return the :class:`ValidateRequest` the parsed call says.

    A file that is one of the project's layers is read with the project's reading
    options where the call leaves them open, and the land-use layer is checked
    with the project's class field.
    """
    inputs = [Input(f"#{i}", str(p)) for i, p in enumerate(args.paths)]
    read = read_options(args, inputs)
    given = {i.role: project_options(args, i.path, read[i.role]) for i in inputs}
    options = standard_id_options("validate", inputs, given)
    levels = _levels(args.class_level)
    return ValidateRequest(
        paths=tuple(args.paths),
        require=args.require,
        class_field=args.class_field,
        class_name_field=args.class_name_field,
        class_levels=None if levels is None else frozenset(levels),
        options=tuple(options[item.role] for item in inputs),
        class_fields=tuple(project_class_field(args, str(p)) for p in args.paths),
        repair=args.repair is not None,
        out_crs=getattr(args, "out_crs", None),
    )


def run(args: argparse.Namespace) -> int:
    """Validate every PATH, print the problems and return the exit status."""
    if args.repair and len(args.paths) != 1:
        print("spatial validate: --repair takes exactly one PATH", file=sys.stderr)
        return ExitCode.UNREADABLE
    result = run_validate(request_of(args))
    for checked in result.files:
        if checked.error is not None:
            print(f"spatial validate: {printable(checked.error)}", file=sys.stderr)
        for problem in checked.problems:
            print(printable(problem))
    if result.repaired is not None and result.repairs is not None and result.frame is not None:
        say_notes("validate", result.frame.notes)
        _write_layer(result.repaired, args.repair, result.frame, "input")
        _print_repairs(args.paths[0], result.repairs, args.repair)
    print(f"spatial validate: {result.summary}", file=sys.stderr)
    return result.exit_status
