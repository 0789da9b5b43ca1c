"""``spatial qc LAYER... [--id-field F] [--class-field F] [--area-field F] ...``: 成果质检.

Inspects each polygon layer against the rules of the chosen packs
(:mod:`spatial.qc`): coverage topology in the layer's own CRS (gaps, overlaps,
slivers, invalid geometry), the 2023 用地用海 codes and names, blanks, types,
duplicate ids, and the area field against the area of record. Every finding
names its rule and its source. The work is :func:`spatial.qc.inspect`; this
module parses, reads, prints.

Exit status: 0 nothing of severity ``error`` found, 1 something is, 2 bad input
or call.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from spatial.cli._options import (
    COMMAND_HELP,
    Input,
    add_input_options,
    add_option,
    read_options,
)
from spatial.cli._output import say_notes
from spatial.cli._outputs import add_output_options, emit_frames
from spatial.commands.qc import QcRequest, run_qc

if TYPE_CHECKING:
    from spatial.io.where import Where
    from spatial.qc.findings import QcResult as Findings
from spatial.errors import UsageError, printable

__all__ = ["register", "request_of", "run"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``qc`` subcommand."""
    parser = subparsers.add_parser(
        "qc",
        help=COMMAND_HELP["qc"],
        description=(
            "成果质检: inspect polygon layers (topology in their own CRS, 用地用海 codes, ids, "
            "areas) against rule packs; every finding names its source. Exit 0 no error "
            "found, 1 errors found, 2 bad input."
        ),
    )
    parser.add_argument(
        "layers",
        nargs="*",
        metavar="LAYER",
        help="GeoPackage, GeoJSON, ... (default: the project's land-use layer)",
    )
    fields = (
        ("--id-field", "feature ids, checked for blanks and duplicates (e.g. BSM)"),
        ("--class-field", "用地用海 class code, checked against the 2023 guide (e.g. YDYHFLDM)"),
        ("--class-name-field", "class name, compared with the code's name (e.g. YDYHFLMC)"),
        ("--area-field", "stated area in m², compared with the area of record (e.g. TBMJ)"),
    )
    for flag, text in fields:
        parser.add_argument(flag, metavar="F", help=f"the field of the {text}")
    add_option(parser, "--pack", action="append")
    add_output_options(parser)
    parser.add_argument(
        "--errors-out",
        metavar="FILE.gpkg",
        help="write one feature per finding (the gap, overlap or sliver piece, or the "
        "feature) in the data's CRS, styled for QGIS",
    )
    add_input_options(parser, polygonize=False, flags=("--crs", "--input-frame"))
    parser.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="[LAYER:]FIELD=VALUE",
        help="inspect only these features (FIELD!=VALUE, FIELD=V1,V2); repeatable",
    )
    parser.set_defaults(handler=run)


def _wheres(specs: list[str], inputs: list[Input]) -> dict[str, list[Where]]:
    """``--where`` by input: ``LAYER:`` (a file stem or name) prefixed, else for every input."""
    from spatial.io.where import parse_where  # noqa: PLC0415

    chosen: dict[str, list[Where]] = {item.role: [] for item in inputs}
    known = {key: item.role for item in inputs for key in item.keys}
    for spec in specs:
        prefix, sep, rest = spec.partition(":")
        if sep and prefix in known:
            chosen[known[prefix]].append(parse_where(rest))
        else:
            for item in inputs:
                chosen[item.role].append(parse_where(spec))
    return chosen


def _check_call(args: argparse.Namespace) -> None:
    if args.errors_out is not None and not args.errors_out.lower().endswith(".gpkg"):
        raise UsageError(f"{args.errors_out}: --errors-out is written as a GeoPackage (.gpkg)")


def _id_fields(args: argparse.Namespace) -> dict[str, str]:
    """Return the standard id field of each layer neither ``--id-field`` nor the project names.

    The one rule of a layer's ids (:meth:`spatial.commands.qc.QcRequest.id_field_of`):
    (1) ``--id-field`` names every layer's; (2) a project layer whose id field
    the project states is read by that one (``layer_fields``, :mod:`spatial.cli._project`);
    (3) every other layer takes its own unique, never-blank standard field
    (:func:`spatial.io.fields.file_id_field`: ``BSM`` in the land use, ``DYBH``
    in the units), said on standard error, one line a layer; (4) a layer with
    none names its features by position (``#N``).
    """
    if args.id_field is not None:
        return {}
    stated = getattr(args, "layer_fields", {})
    paths = [p for p in args.layers if "id_field" not in stated.get(p, {})]
    if not paths or not all(os.path.exists(str(p).partition("::")[0]) for p in paths):
        return {}  # a missing file is refused by the reader, before GDAL loads
    from spatial.io.fields import file_id_field, id_note  # noqa: PLC0415

    found = {path: file_id_field(path) for path in paths}
    chosen = {path: field for path, field in found.items() if field is not None}
    for path, field in chosen.items():
        print(f"spatial qc: note: {printable(id_note(path, field))}", file=sys.stderr)
    return chosen


def request_of(args: argparse.Namespace) -> QcRequest:
    """Return the :class:`QcRequest` the parsed call says."""
    if not args.layers:
        raise UsageError(
            "give the layers to inspect (LAYER...), or run it where a spatial.toml names your "
            "land-use layer (spatial init writes one)"
        )
    if len(set(args.layers)) != len(args.layers):
        raise UsageError("a LAYER is given twice: name each once")
    inputs = [Input(path, path) for path in args.layers]
    return QcRequest(
        layers=tuple(args.layers),
        id_field=args.id_field,
        id_fields=_id_fields(args),
        class_field=args.class_field,
        class_name_field=args.class_name_field,
        area_field=args.area_field,
        packs=tuple(args.pack or ("default",)),
        options=read_options(args, inputs),
        wheres={role: tuple(w) for role, w in _wheres(args.where, inputs).items()},
        layer_fields=getattr(args, "layer_fields", {}),  # a project layer's own (cli._project)
    )


def _text(findings: Findings, fmt: str, *, terminal: bool, id_field: str | None = None) -> str:
    """Render the findings; as a terminal table, led by each rule's count (those that found any).

    A findings table longer than the screen shows its head only
    (:data:`~spatial.table_formats.txt.IN_ORDER`): the counts before it say
    what every row holds, rule by rule, as a summary prints whole. On a
    terminal (``terminal``) the table names each layer by its file and cuts a
    source short (:func:`spatial.qc.outputs.terminal_frame`); whole in ``--out``.
    """
    from spatial.qc.outputs import render, summary_frame  # noqa: PLC0415

    text = render(findings, fmt, terminal=terminal, id_field=id_field)
    if fmt != "table" or not findings.findings:
        return text
    from spatial.table_formats.txt import format_summary  # noqa: PLC0415

    counts = summary_frame(findings)
    counts = counts[counts["count"] > 0].drop(columns="source")
    parts = ["Findings by rule", "", format_summary(counts), "", "Findings", "", text]
    return "\n".join(parts)


def run(args: argparse.Namespace) -> int:
    """Inspect the layers, print or write the findings; return 0, or 1 when errors are found."""
    from spatial.io.sandbox import refuse_missing_source  # noqa: PLC0415

    _check_call(args)
    request = request_of(args)
    refuse_missing_source(request.layers[0])  # the first read: before the readers load
    from spatial.qc.outputs import (  # noqa: PLC0415
        findings_id_field,
        workbook_sheets,
        write_error_layers,
    )

    result = run_qc(request)
    say_notes("qc", result.notes)
    findings = result.findings
    from spatial.table_formats.txt import IN_ORDER  # noqa: PLC0415 - findings: one row each

    terminal = args.out is None  # the file's name and a source cut short; whole in --out
    named = findings_id_field(findings, request.layer_id_fields())  # feature_id as BSM
    text = lambda fmt: _text(findings, fmt, terminal=terminal, id_field=named)  # noqa: E731
    emit_frames(args, workbook_sheets(findings, named), text, IN_ORDER)
    if args.errors_out is not None:  # each layer's ids under its own field
        for name in write_error_layers(findings, args.errors_out, request.layer_id_fields()):
            print(f"spatial qc: wrote {printable(name)}", file=sys.stderr)
    print(f"spatial qc: {result.summary}", file=sys.stderr)
    return result.exit_status
