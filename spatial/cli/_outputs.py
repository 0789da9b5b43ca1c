"""Where results go (the output options and their writers) and the one check every output passes.

The output options are rows of the option table (:data:`spatial.cli._options.OPTIONS`):
``--format``, ``--out``, ``--no-bom``, ``--db``/``--table``, ``--out-crs`` are added by
:func:`add_output_options`; tables and check reports are written where they say by
:func:`emit_frames` and :func:`emit_report`.

:func:`guard_outputs` runs in :func:`spatial.cli.main` after the call is parsed
and before the command starts. Every output option (:data:`spatial.cli._options.OUTPUT_OPTIONS`:
``--out``, ``--pdf``, ``--map``, ``--conflicts-out``, ``--pieces-out``,
``validate --repair OUT``) is checked:

- a PostGIS URL (``--out``, ``--db``) is parsed: a malformed part is one line, no password;
- a name no file system holds (over 255 bytes) or a path under a file: one line, exit 2;
- the same file as an input (after links, :func:`os.path.samefile`, so a
  symbolic or hard link to an input counts): refused, exit 2, whatever the
  format. A GeoPackage could take the results as new layers beside its own,
  but the input would then hold several layers and the next command reading it
  as one layer would be refused (a planner's workflow broken by its own output).

Inputs are every other file the call names: positional paths, ``--zones``,
``--layer NAME=PATH``, ``--plan``... (``PATH::LAYER`` and ``NAME=PATH`` forms
included).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from spatial.cli._options import OUTPUT_OPTIONS, add_option
from spatial.cli._output import say_wrote
from spatial.errors import OutputError, UsageError

if TYPE_CHECKING:
    import pandas as pd

    from spatial.export.frame import OutputFrame
    from spatial.table_formats.txt import FeatureHead

__all__ = [
    "add_out_crs_option",
    "add_output_options",
    "emit_frames",
    "emit_report",
    "guard_outputs",
    "output_destination",
    "terminal_rows",
]


def add_output_options(
    parser: argparse.ArgumentParser, layers: bool = False, extra: tuple[str, ...] = ()
) -> None:
    """Add ``--format`` (terminal table, CSV, JSON, Markdown, xlsx), ``--out``, ``--no-bom``.

    With ``layers``, ``--out`` also takes ``.gpkg``, ``.gdb`` and ``postgresql://`` and
    ``--db URL --table T`` name a PostGIS destination.
    """
    from spatial.table_formats import table_formats  # noqa: PLC0415 - the registry, no pandas
    from spatial.table_formats.txt import HEAD_ROWS  # noqa: PLC0415 - no pandas

    suffixes = "/".join(f.suffixes[0] for f in table_formats() if f.suffixes[0] != ".txt")
    add_option(
        parser,
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
    add_option(
        parser,
        "--out",
        help=f"write the result to {where} (atomically); without it, a table of features "
        f"longer than the terminal shows its first {HEAD_ROWS} rows, the rows left out, their "
        "counts and area totals (piped or redirected, e.g. | head or > FILE, every row); "
        "summaries print whole",
    )
    add_option(parser, "--no-bom")
    if layers:
        add_option(parser, "--db")
        add_option(parser, "--table")
        add_out_crs_option(parser)


def add_out_crs_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--out-crs``: the CRS layers are written in (default: the inputs' common CRS)."""
    add_option(parser, "--out-crs")


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


def emit_frames(
    args: argparse.Namespace,
    sheets: dict[str, pd.DataFrame],
    text: object,
    head: FeatureHead | None = None,
) -> bool:
    """Write ``sheets`` (xlsx) or ``text(fmt)`` as ``--format``/``--out`` say; True if a table.

    ``sheets`` maps sheet names to DataFrames; ``text`` is ``fmt -> str``.
    CSV gets the UTF-8 BOM unless ``--no-bom``. ``head`` says what the table
    is: None, a summary (a balance, targets, rules, a class matrix), printed
    whole everywhere; a :class:`~spatial.table_formats.txt.FeatureHead`, one
    row per feature (overlay rows, a diff's features, qc findings): on a
    terminal, longer than the screen, it shows its head (the rows ``head``
    leads with), the rows left out, their counts and area totals
    (:func:`terminal_rows`, :func:`spatial.table_formats.txt.screen_rows`).
    Piped, redirected or ``--out``, every row in order.
    """
    from spatial.export.tables import write_tables  # noqa: PLC0415
    from spatial.formats import format_from_suffix  # noqa: PLC0415
    from spatial.table_formats import table_formats  # noqa: PLC0415
    from spatial.table_formats.txt import IN_ORDER, screen_rows  # noqa: PLC0415

    fmt = format_from_suffix(args.format, args.out)
    if args.command != "overlay" and fmt not in {f.name for f in table_formats()}:
        from spatial.export.layer_formats import layer_suffixes  # noqa: PLC0415

        tables = ", ".join(f.suffixes[0] for f in table_formats() if f.suffixes[0] != ".txt")
        layers = f" (or {', '.join(layer_suffixes())}, postgresql://... for the checked layers)"
        raise UsageError(
            f"{args.out}: a {args.command} report is a table: use {tables} or .txt"
            + (layers if args.command == "check" else "")
        )
    to_terminal = args.out is None and fmt == "table"
    cut = to_terminal and head is not None
    with screen_rows(terminal_rows() if cut else None, head or IN_ORDER):
        write_tables(sheets, args.out, fmt, text=text, bom=not args.no_bom)  # type: ignore[arg-type]
    return to_terminal


def terminal_rows() -> int | None:
    """Return the rows a table may take on standard output before it is cut (None: no terminal).

    A terminal's height (``LINES``, else the terminal's own, else 24): a longer
    table shows its head and totals there. Piped (``| head``) or redirected
    (``> file``), a table keeps every row, as scripts read it.
    """
    import shutil  # noqa: PLC0415

    isatty = getattr(sys.stdout, "isatty", None)
    if isatty is None or not isatty():
        return None
    return max(shutil.get_terminal_size(fallback=(80, 24)).lines, 1)


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
            say_wrote(args.command, name)
        return False
    return emit_frames(args, report.sheets(), report.render)  # type: ignore[attr-defined]


# --- never write over an input


def _outputs(args: argparse.Namespace) -> Iterator[tuple[str, str]]:
    for dest, flag in OUTPUT_OPTIONS.items():
        value = getattr(args, dest, None)
        if isinstance(value, str | os.PathLike) and not _is_url(value):
            yield dest, flag


def _is_url(value: str | os.PathLike[str]) -> bool:
    return "://" in os.fspath(value)


def _candidates(value: object) -> Iterator[str]:
    """Yield the file names ``value`` may name: itself, before ``::``, after ``NAME=``."""
    if isinstance(value, list | tuple):
        for item in value:
            yield from _candidates(item)
        return
    if not isinstance(value, str | os.PathLike) or _is_url(value):
        return
    text = os.fspath(value)
    for word in (text, text.partition("=")[2]):
        if word:
            yield word
            yield word.partition("::")[0]


def _exists(path: str) -> bool:
    try:
        return os.path.exists(path)
    except (OSError, ValueError):
        return False


#: Namespace attributes that never name a file.
_NOT_PATHS = {"command", "format", "op", "handler"}


def _inputs(args: argparse.Namespace) -> list[str]:
    skip = set(OUTPUT_OPTIONS) | _NOT_PATHS
    found = []
    for dest, value in vars(args).items():
        if dest in skip or dest.startswith("_"):
            continue
        found += [word for word in _candidates(value) if _exists(word)]
    return list(dict.fromkeys(found))


def _same(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def guard_outputs(args: argparse.Namespace) -> None:
    """Refuse an output that cannot be written or is an input, before any work.

    Raises
    ------
    OutputError
        An output's name is too long, its parent is a file, or it is the same
        file as an input, whatever its format (one line, exit 2).
    """
    from spatial.io.atomic import check_output_name  # noqa: PLC0415

    if hasattr(args, "out"):
        output_destination(args)  # a PostGIS URL parsed now: a malformed one is refused first
    if getattr(args, "out_crs", None) is not None:
        from spatial.io.frames import resolve_crs  # noqa: PLC0415 - pyproj is heavy

        resolve_crs(args.out_crs, "--out-crs")  # refused before any work
    inputs: list[str] | None = None
    for dest, flag in _outputs(args):
        out = os.fspath(getattr(args, dest))
        check_output_name(out)
        if not (os.path.isfile(out) or os.path.isdir(out)):  # new, or a device: no input there
            continue
        inputs = _inputs(args) if inputs is None else inputs
        same = next((path for path in inputs if _same(out, path)), None)
        if same is not None:
            raise OutputError(
                f"{out}: {flag} is also an input ({same}); writing it would replace the input: "
                "choose another output path"
            )
