"""Options shared by several subcommands, defined once."""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from spatial.errors import OutputError, UsageError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from spatial.export.frame import OutputFrame
    from spatial.io.options import ReadOptions

__all__ = [
    "COMMAND_HELP",
    "EVERY_INPUT_OPTIONS",
    "Input",
    "add_input_options",
    "add_out_crs_option",
    "add_output_options",
    "add_plan_files",
    "add_repair_option",
    "emit_frames",
    "emit_report",
    "keyed_value",
    "layer_flag",
    "output_destination",
    "output_frame_of",
    "print_notes",
    "read_options",
    "require_in_range",
    "require_suffix",
]

#: Each subcommand's one-line help, shown by ``spatial --help`` without importing the
#: subcommand's module (which imports geopandas, folium...; ``spatial --help`` stays fast).
COMMAND_HELP: dict[str, str] = {
    "map": "write the plan as an interactive HTML map",
    "check": "check zones against the plan's area targets and spatial rules",
    "overlay": "tabulate intersections, differences, overlaps, buffer coverage, point assignment",
    "validate": "check layer files: geometry, coordinates, CRS, ids, properties, encoding",
    "balance": "用地平衡表: area by land-use class per zone (ha, 亩, %%)",
    "diff": "what changed between two versions of a layer (调入/调出, status changes)",
    "report": "write the checked plan as an offline HTML report and an A3 PDF map sheet",
    "init": "write a commented spatial.toml project from your files (fields and CRS detected)",
    "qc": "成果质检: inspect layers (topology, 用地用海 codes, ids, areas), each finding sourced",
    "review": "the whole review in one folder: report, A3 atlas, tables, findings, manifest",
    "serve": "serve a map folder (map --out DIR/) on this machine, with HTTP range requests",
}


def layer_flag(layer: str) -> str:
    """Return the command-line flag naming a plan layer, e.g. ``--functional-areas``.

    Examples
    --------
    >>> layer_flag("functional_areas")
    '--functional-areas'
    """
    return "--" + layer.replace("_", "-")


def add_plan_files(parser: argparse.ArgumentParser) -> None:
    """Add ``--plan`` and ``--rules``: the planner's targets and rules files.

    Either replaces the bundled plan whole (:func:`spatial.plan.load_plan_input`).
    """
    parser.add_argument(
        "--plan",
        metavar="TOML",
        help="your targets file: your plan replaces the bundled one whole (no bundled rule "
        "runs without --rules); default: the project's, else seeds/plan.toml",
    )
    parser.add_argument(
        "--rules",
        metavar="TOML",
        help="your rules file (default: the project's; seeds/rules.toml only when no plan "
        "and no project is given)",
    )


def add_repair_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--repair``: repair invalid geometries on request, reporting the area changed."""
    parser.add_argument(
        "--repair",
        action="store_true",
        help="repair invalid geometries (make_valid) instead of refusing them; "
        "reports the area each repair changed",
    )


def require_suffix(path: os.PathLike[str] | str, suffixes: tuple[str, ...], what: str) -> None:
    """Refuse an output file whose suffix does not name what is written to it (exit 2).

    Examples
    --------
    >>> require_suffix("map.html", (".html", ".htm"), "an interactive map")
    >>> require_suffix("map.png", (".html", ".htm"), "an interactive map")
    Traceback (most recent call last):
    ...
    spatial.errors.UsageError: map.png: an interactive map is written as .html or .htm, not .png
    """
    if os.path.isdir(path):
        raise OutputError(f"{path}: is a folder; give the output a file name")
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix not in suffixes:
        wanted = " or ".join(suffixes)
        raise UsageError(f"{path}: {what} is written as {wanted}, not {suffix or 'no suffix'}")


# --- how to read each input: --crs, --input-frame, --id-field, --name-field, --polygonize

#: Per-input options: (flag, attribute of ReadOptions, metavar, help).
_PER_INPUT = (
    ("--crs", "crs", "[LAYER=]CRS",
     "CRS of the coordinates (supplies a missing one, overrides a wrong one, e.g. a GeoJSON "
     "in metres): every input, or LAYER=CRS for one (e.g. zones=EPSG:4544); repeatable"),
    ("--input-frame", "input_frame", "[LAYER=]FRAME",
     "gcj02 for AMap/奥维 exports, converted to WGS84 on reading (default wgs84): every "
     "input, or LAYER=gcj02 for one; repeatable"),
    ("--id-field", "id_field", "[LAYER=]FIELD",
     "the field holding feature ids (default id; a KML's id2 is found by itself): the "
     "plan layers given (not --constraint/--within/--layer ones), or LAYER=FIELD for one; "
     "repeatable"),
    ("--name-field", "name_field", "[LAYER=]FIELD",
     "the field holding Chinese names (default name_zh), used to find a target whose id "
     "is not in the file: the plan layers given, or LAYER=FIELD for one; repeatable"),
)  # fmt: skip
#: ``LAYER=VALUE``: a layer key, then ``=``; CRS strings such as ``+proj=...`` or WKT never match.
_KEYED = re.compile(r"^([^\W\d][\w.-]*)=(.+)$")  # a letter first: 永久基本农田=BSM too


def add_input_options(
    parser: argparse.ArgumentParser,
    polygonize: bool = True,
    flags: tuple[str, ...] = ("--crs", "--input-frame", "--id-field", "--name-field"),
) -> None:
    """Add the per-input ``flags`` (all four by default) and ``--polygonize``."""
    for flag, dest, metavar, text in _PER_INPUT:
        if flag not in flags:
            continue
        parser.add_argument(
            flag, dest=dest, action="append", default=[], metavar=metavar, help=text
        )
    if polygonize:
        parser.add_argument(
            "--polygonize",
            action="store_true",
            help="make polygons of a CAD drawing's (DXF) closed polylines and hatches; the "
            "CAD layer name is kept in the Layer field, open polylines are reported by handle",
        )


@dataclass(frozen=True)
class Input:
    """One input of a command: its role (``zones``, ``a``), its path, and the keys naming it.

    ``main``: a bare ``--id-field``/``--name-field`` applies to it (the zones, the one
    layer a command is about), not to a constraint or extra layer beside it.
    """

    role: str
    path: str
    main: bool = True

    @property
    def keys(self) -> tuple[str, ...]:
        """Names a ``LAYER=`` prefix may use: the role, the file's stem and its name."""
        name = os.fspath(self.path).partition("::")[2] or Path(os.fspath(self.path)).name
        # a PostGIS table is named by its table, a file by its stem (k.geojson -> k)
        stem = name.rpartition("?table=")[2] if "?table=" in name else Path(name).stem
        return tuple(dict.fromkeys([self.role, stem, name]))


#: Per-input options whose bare value applies to every input; a bare ``--id-field`` or
#: ``--name-field`` applies to the main inputs only (:class:`Input`).
EVERY_INPUT_OPTIONS = ("crs", "input_frame")


def keyed_value(value: str) -> tuple[str | None, str]:
    """Split a per-input option's value into its ``LAYER`` key (None when bare) and value.

    Examples
    --------
    >>> keyed_value("永久基本农田=BSM")
    ('永久基本农田', 'BSM')
    >>> keyed_value("+proj=tmerc +lon_0=105")
    (None, '+proj=tmerc +lon_0=105')
    """
    match = _KEYED.match(value)
    return (match.group(1), match.group(2)) if match else (None, value)


def _split(flag: str, values: list[str]) -> tuple[str | None, dict[str, str]]:
    every, keyed = None, {}
    for value in values:
        key, text = keyed_value(value)
        if key is not None:
            keyed[key] = text
        elif every is not None and every != value:
            raise UsageError(f"{flag} is given twice for every input ({every}, {value})")
        else:
            every = value
    return every, keyed


def _check_value(flag: str, value: str) -> None:
    from spatial.io.frames import INPUT_FRAMES, resolve_crs  # noqa: PLC0415 - pyproj is heavy

    if flag == "--crs":
        resolve_crs(value)
    elif flag == "--input-frame" and value not in INPUT_FRAMES:
        raise UsageError(f"--input-frame {value}: choose one of {', '.join(INPUT_FRAMES)}")


def read_options(args: argparse.Namespace, inputs: list[Input]) -> dict[str, ReadOptions]:
    """Return the ReadOptions of every input, by role, from the per-input flags.

    A ``LAYER=`` prefix must name one of ``inputs`` (by role or file stem);
    ``--crs`` must name a CRS and ``--input-frame`` a frame. Each is a bad call
    (exit 2), refused in one line before anything is read.
    """
    from spatial.io.options import ReadOptions  # noqa: PLC0415

    known = {key: item for item in inputs for key in item.keys}
    chosen: dict[str, dict[str, str]] = {item.role: {} for item in inputs}
    for flag, dest, _, _ in _PER_INPUT:
        given = getattr(args, dest, None)
        if not isinstance(given, list):  # not added by add_input_options on this command
            continue
        every, keyed = _split(flag, given)
        for value in [every, *keyed.values()]:
            if value is not None:
                _check_value(flag, value)
        for key, value in keyed.items():
            if key not in known and not inputs:
                raise UsageError(
                    f"{flag} {key}={value}: no input file is given, so there is no {key!r} to "
                    "apply it to (the bundled plan is read as it is)"
                )
            if key not in known:
                from spatial.io.postgis import database_label  # noqa: PLC0415

                named = ", ".join(f"{i.role} ({database_label(i.path)})" for i in inputs)
                raise UsageError(f"{flag} {key}={value}: no input {key!r} here; inputs: {named}")
            chosen[known[key].role][dest] = value
        if every is not None:
            for item in inputs:
                if item.main or dest in EVERY_INPUT_OPTIONS:
                    chosen[item.role].setdefault(dest, every)
    polygonize = bool(getattr(args, "polygonize", False))
    return {role: ReadOptions(polygonize=polygonize, **values) for role, values in chosen.items()}


def print_notes(command: str, gdf: object) -> None:
    """Print what reading did to a layer (``attrs["read_notes"]``), one line each, on stderr."""
    for note in getattr(gdf, "attrs", {}).get("read_notes", []):
        print(f"spatial {command}: note: {note}", file=sys.stderr)


# --- where results go: --format, --out, --no-bom, --db/--table


def add_output_options(
    parser: argparse.ArgumentParser, layers: bool = False, extra: tuple[str, ...] = ()
) -> None:
    """Add ``--format`` (terminal table, CSV, JSON, Markdown, xlsx), ``--out``, ``--no-bom``.

    With ``layers``, ``--out`` also takes ``.gpkg``, ``.gdb`` and ``postgresql://`` and
    ``--db URL --table T`` name a PostGIS destination.
    """
    from spatial.table_formats import table_formats  # noqa: PLC0415 - the registry, no pandas

    suffixes = "/".join(f.suffixes[0] for f in table_formats() if f.suffixes[0] != ".txt")
    parser.add_argument(
        "--format",
        choices=(*(f.name for f in table_formats()), *extra),
        help=f"output format (default: from the --out suffix {suffixes}"
        + ("/.geojson" if "geojson" in extra else "")
        + ", else table); xlsx: an Excel workbook, units in the headers, numbers as numbers",
    )
    where = "PATH"
    if layers:
        from spatial.export.layer_formats import layer_formats  # noqa: PLC0415 - no pandas

        named = [f"FILE{fmt.suffixes[0]} ({fmt.name})" for fmt in layer_formats() if fmt.suffixes]
        where = f"PATH, {', '.join(named)} or postgresql://...?table=T"
    parser.add_argument("--out", metavar="PATH", help=f"write the result to {where} (atomically)")
    parser.add_argument(
        "--no-bom",
        action="store_true",
        help="CSV without the UTF-8 byte-order mark (by default CSV starts with one, so "
        "Excel and WPS on Chinese Windows read the Chinese names)",
    )
    if layers:
        parser.add_argument(
            "--db", metavar="URL", help="write the results to this PostGIS database"
        )
        parser.add_argument("--table", metavar="T", help="the PostGIS table for --db")
        add_out_crs_option(parser)


def add_out_crs_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--out-crs``: the CRS layers are written in (default: the inputs' common CRS)."""
    parser.add_argument(
        "--out-crs",
        metavar="CRS",
        help="write layers in this CRS (e.g. EPSG:4490); default: the inputs' common CRS "
        "(EPSG:4544 when every input is CGCS2000 Gauss-Kruger CM 105E), EPSG:4326 for the "
        "bundled plan; GeoJSON is always EPSG:4326 (RFC 7946)",
    )


def output_frame_of(
    args: argparse.Namespace,
    inputs: dict[str, gpd.GeoDataFrame],
    options: dict[str, ReadOptions] | None = None,
) -> OutputFrame:
    """Return the frame layers are written in: ``--out-crs``, else the ``inputs``' common CRS.

    ``inputs`` are the planner's layers as read, by role; ``options`` their reading
    options, whose ``--id-field``/``--name-field`` are written back as the planner's names.
    Notes on the frame chosen are printed on stderr.
    """
    from spatial.export.frame import output_frame  # noqa: PLC0415
    from spatial.io.frames import resolve_crs  # noqa: PLC0415

    value = getattr(args, "out_crs", None)
    out_crs = None if value is None else resolve_crs(value, "--out-crs")
    fields = {
        role: {
            toolkit: theirs
            for toolkit, theirs in (("id", opts.id_field), ("name_zh", opts.name_field))
            if theirs is not None
        }
        for role, opts in (options or {}).items()
    }
    frame = output_frame(inputs, out_crs, fields)
    for note in frame.notes:
        print(f"spatial {args.command}: note: {note}", file=sys.stderr)
    return frame


def output_destination(args: argparse.Namespace) -> str | None:
    """Return where results go: ``--out``, or the ``--db`` URL (its table in ``--table``).

    A PostGIS URL is parsed here, before any work: a malformed part or a table
    named twice is one line (exit 2) that never shows the password.
    """
    from spatial.io.postgis import database_label, is_postgis_url, postgis_table  # noqa: PLC0415

    db, table = getattr(args, "db", None), getattr(args, "table", None)
    if db is None:
        if table is not None:
            raise UsageError("--table names a PostGIS table: give the database with --db URL")
        if is_postgis_url(args.out):
            postgis_table(args.out)
        out: str | None = args.out
        return out
    if args.out is not None:
        raise UsageError("give either --out or --db, not both")
    if not is_postgis_url(db):
        label = database_label(db)
        raise UsageError(f"--db {label}: expected a postgresql://USER@HOST:PORT/DB URL")
    postgis_table(db, table)
    return str(db)


def emit_frames(args: argparse.Namespace, sheets: dict[str, pd.DataFrame], text: object) -> bool:
    """Write ``sheets`` (xlsx) or ``text(fmt)`` as ``--format``/``--out`` say; True if a table.

    ``sheets`` maps sheet names to DataFrames; ``text`` is ``fmt -> str``.
    CSV gets the UTF-8 BOM unless ``--no-bom``.
    """
    from spatial.export.tables import write_tables  # noqa: PLC0415
    from spatial.formats import format_from_suffix  # noqa: PLC0415
    from spatial.table_formats import table_formats  # noqa: PLC0415

    fmt = format_from_suffix(args.format, args.out)
    if args.command != "overlay" and fmt not in {f.name for f in table_formats()}:
        from spatial.export.layer_formats import layer_suffixes  # noqa: PLC0415

        tables = ", ".join(f.suffixes[0] for f in table_formats() if f.suffixes[0] != ".txt")
        layers = f" (or {', '.join(layer_suffixes())}, postgresql://... for the checked layers)"
        raise UsageError(
            f"{args.out}: a {args.command} report is a table: use {tables} or .txt"
            + (layers if args.command == "check" else "")
        )
    write_tables(sheets, args.out, fmt, text=text, bom=not args.no_bom)  # type: ignore[arg-type]
    return args.out is None and fmt == "table"


def emit_report(args: argparse.Namespace, report: object, frame: OutputFrame | None = None) -> bool:
    """Write a check report where ``--out``/``--db``/``--format`` say.

    Layers go out in ``frame`` (:func:`output_frame_of`; EPSG:4326 when None).
    Returns True when the report went to the terminal as a table.
    """
    out = output_destination(args)
    from spatial.export.layers import is_layer_destination, write_layers  # noqa: PLC0415

    if out is not None and is_layer_destination(out):
        if args.format is not None:
            raise UsageError(f"{out}: layers are written as they are; drop --format {args.format}")
        from spatial.export.check_results import check_result_layers  # noqa: PLC0415
        from spatial.io.postgis import is_postgis_url  # noqa: PLC0415

        layers = check_result_layers(report, with_plan=not is_postgis_url(out))  # type: ignore[arg-type]
        if frame is not None:
            layers = frame.layers(layers)
        for name in write_layers(
            layers,
            out,
            table=getattr(args, "table", None),
            styles={"targets": "zones"},
        ):
            print(f"spatial {args.command}: wrote {name}", file=sys.stderr)
        return False
    return emit_frames(args, report.sheets(), report.render)  # type: ignore[attr-defined]


def require_in_range(
    value: float | None, flag: str, low: float, high: float, unit: str, *, low_open: bool = False
) -> None:
    """Refuse an option value that is not finite or lies outside ``[low, high]`` (one line).

    ``low_open`` excludes ``low`` itself (a distance that must be positive).
    Checked before any work starts, so no option value reaches an internal error.

    Raises
    ------
    UsageError
        Naming the option, the value, the range and its unit.

    Examples
    --------
    >>> require_in_range(5.0, "--simplify-m", 0, 1000, "metres")
    >>> require_in_range(float("nan"), "--simplify-m", 0, 1000, "metres")
    Traceback (most recent call last):
    ...
    spatial.errors.UsageError: --simplify-m must be a number from 0 to 1,000 metres, got nan
    """
    if value is None:
        return
    below = value <= low if low_open else value < low
    if not math.isfinite(value) or below or value > high:
        lower = f"above {low:,g}" if low_open else f"from {low:,g}"
        raise UsageError(f"{flag} must be a number {lower} to {high:,g} {unit}, got {value:g}")
