r"""``spatial review``: the whole review in one command, written into one folder.

Examples::

    spatial review --out review/                       # the project here (spatial.toml)
    spatial review --zones zones.gpkg --id-field zones=DYBH --plan plan.toml --rules rules.toml \\
        --landuse landuse.gpkg --class-field YDYHFLDM --id-field landuse=BSM \\
        --constraint 永久基本农田=farmland.gpkg --within 城镇开发边界=ukb.gpkg \\
        --previous landuse=landuse_2024.gpkg --qc --out review/

The plan inputs are ``spatial check``'s (the project, ``--zones``..., ``--plan``,
``--rules``, the per-input options; ``LAYER=`` keys a plan layer's name,
``landuse``, a constraint's name or ``previous_<layer>``). ``DIR`` receives
``report.html`` (one offline page), ``report.pdf`` (the A3 atlas),
``tables.xlsx``, ``tables.json``, ``findings.gpkg`` and ``manifest.json``, all
at once (:mod:`spatial.commands.review`). The figures are those of ``check``,
``balance``, ``check --constraint``, ``diff`` and ``qc`` on the same files.

Exit status: 0 every target and rule passes (and 质检 finds no error), 1 problems
found (each named on standard error), 2 bad input or call (nothing written).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from spatial.cli._constraints import add_constraint_options
from spatial.cli._options import (
    COMMAND_HELP,
    Input,
    add_input_options,
    add_option,
    add_plan_files,
    add_repair_option,
    construction_codes,
    layer_flag,
    named,
    read_options,
    standard_id_options,
)
from spatial.cli._output import ExitCode, printed_warnings
from spatial.cli._project import own_plan, plan_title
from spatial.errors import UsageError, printable
from spatial.io.bundled import LAYER_NAMES
from spatial.landuse.fields import CLASS_CODE_FIELD

if TYPE_CHECKING:
    from spatial.commands.review import ReviewRequest
    from spatial.io.options import ReadOptions

__all__ = ["register", "run"]

_LANDUSE = "landuse"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``review`` subcommand."""
    parser = subparsers.add_parser(
        "review",
        help=COMMAND_HELP["review"],
        description="Check the plan, its 三区三线 conflicts, its 用地平衡表, its changes since "
        "earlier versions and (--qc) its quality, and write the review into one folder: "
        "report.html, report.pdf, tables.xlsx, tables.json, findings.gpkg, manifest.json. "
        "Exit 0 all pass, 1 problems found, 2 bad input.",
    )
    for layer in LAYER_NAMES:
        parser.add_argument(
            layer_flag(layer),
            dest=f"layer_{layer}",
            metavar="PATH",
            help=f"your own {layer} layer in place of the bundled one",
        )
    add_input_options(parser)
    add_plan_files(parser)
    add_constraint_options(parser, conflicts=False)
    add_option(parser, "--landuse")
    add_option(
        parser,
        "--class-field",
        metavar="F",
        help=f"its 用地用海 class code field (default: the project's, else {CLASS_CODE_FIELD})",
    )
    add_option(parser, "--construction")
    add_option(parser, "--previous")
    parser.add_argument("--qc", action="store_true", help="成果质检 of the land-use layer")
    add_option(parser, "--pack", action="append")
    parser.add_argument("--out", required=True, metavar="DIR", help="the folder to write")
    add_repair_option(parser)
    parser.set_defaults(handler=run)


def _previous(specs: list[str]) -> tuple[tuple[str, str], ...]:
    found = []
    for spec in specs:
        layer, path = named("--previous", spec)
        if layer not in (*LAYER_NAMES, _LANDUSE):
            raise UsageError(
                f"--previous {spec!r}: expected LAYER=PATH, LAYER one of "
                f"{', '.join((*LAYER_NAMES, _LANDUSE))}"
            )
        found.append((layer, path))
    return tuple(found)


def _named(option: str, specs: list[str]) -> tuple[tuple[str, str], ...]:
    """Split each ``NAME=PATH`` of ``option`` by the one parser (:func:`named`)."""
    return tuple(named(option, spec) for spec in specs)


def _text(path: str | os.PathLike[str] | None) -> str | None:
    """Return a path as text (a project names its plan files as paths)."""
    return None if path is None else os.fspath(path)


def _settings(args: argparse.Namespace) -> dict[str, object]:
    """Return the options as given (after the project), JSON values only, for the manifest.

    A planner's own plan leaves out the bundled plan's layer options it left
    unset (``layer_corridor``...): they do not apply to it.
    """
    kept = (str, int, float, bool, list, type(None))
    given = {k: os.fspath(v) if isinstance(v, os.PathLike) else v for k, v in vars(args).items()}
    own = own_plan(args)
    return {
        k: v
        for k, v in sorted(given.items())
        if k != "handler"
        and not k.startswith("_")
        and isinstance(v, kept)
        and not (own and v is None and k.startswith("layer_"))
    }


def _options(args: argparse.Namespace, inputs: list[Input]) -> dict[str, ReadOptions]:
    """Return every input's reading options, each layer's ids by the one rule of a layer's ids.

    ``--id-field`` or the project's field first; else a unique, never-blank
    standard field, said on standard error (as ``check`` reads its layers):
    taken on reading for the plan and constraint layers (``DYBH`` as ``id``),
    and found before reading for the land use, which keeps its ids in their
    own field (``BSM``) for its versions and its 质检.
    """
    options = read_options(args, inputs, find_ids=True)  # zones by DYBH, unnamed
    landuse = [i for i in inputs if i.role == _LANDUSE]
    return standard_id_options("review", landuse, options)  # BSM, read as stored


def _request(args: argparse.Namespace) -> ReviewRequest:
    from spatial.commands.review import ReviewRequest  # noqa: PLC0415

    layers = {n: getattr(args, f"layer_{n}") for n in LAYER_NAMES if getattr(args, f"layer_{n}")}
    constraints = _named("--constraint", args.constraint)
    within = _named("--within", args.within)
    previous = _previous(args.previous)
    inputs = [Input(name, path) for name, path in layers.items()]
    inputs += [Input(name, path, main=False) for name, path in (*constraints, *within)]
    inputs += [Input(_LANDUSE, args.landuse, main=False)] if args.landuse else []
    inputs += [Input(f"previous_{layer}", path, main=False) for layer, path in previous]
    return ReviewRequest(
        out=args.out,
        layers=layers,
        options=_options(args, inputs),
        plan=_text(args.plan),
        rules=_text(args.rules),
        own_plan=own_plan(args),
        title=plan_title(args),
        constraints=constraints,
        within=within,
        tolerance_m2=args.tolerance_m2,
        landuse=args.landuse,
        class_field=args.class_field or CLASS_CODE_FIELD,
        class_name_field=getattr(args, "class_name_field", None),  # the project's (cli._project)
        construction=construction_codes(args.construction),
        previous=previous,
        qc=args.qc,
        packs=tuple(args.pack or ("default",)),
        repair=args.repair,
        command_line=tuple(getattr(args, "_argv", sys.argv)),
        settings=_settings(args),
        project=getattr(args, "project_file", None),
    )


def _refuse_missing(args: argparse.Namespace) -> None:
    """Refuse the first missing layer file, in the order the review reads them, before it loads.

    Plan layers, constraints, the land use, then the previous versions: a missing
    ``--previous`` (read last) was refused only after the review's modules had
    loaded and every other layer had been read (6 s); now at once, in the readers'
    own words (:func:`spatial.io.sandbox.refuse_missing_source`), after the call's
    own refusals (:func:`spatial.commands._review_call.check_review_call`). A
    review folder that cannot be written is said after it.
    """
    from spatial.commands._review_call import check_review_call  # noqa: PLC0415 - no reader
    from spatial.io.sandbox import refuse_missing_source  # noqa: PLC0415 - no reader

    layers = {n: getattr(args, f"layer_{n}") for n in LAYER_NAMES if getattr(args, f"layer_{n}")}
    previous = _previous(args.previous)
    construction = construction_codes(args.construction)
    check_review_call(layers, args.landuse, previous, construction, args.tolerance_m2)
    paths = [*layers.values()]
    paths += [
        p for _, p in (*_named("--constraint", args.constraint), *_named("--within", args.within))
    ]
    paths += [args.landuse] if args.landuse else []
    for path in [*paths, *(p for _, p in previous)]:
        refuse_missing_source(path)


def run(args: argparse.Namespace) -> int:
    """Review and write the folder; return 0 when all passes, 1 when problems are found."""
    _refuse_missing(args)  # before the review's modules load (geopandas, matplotlib)
    from spatial.commands.review import run_review  # noqa: PLC0415

    request = _request(args)
    with printed_warnings("review"):
        result = run_review(request)
    for line in result.notes:
        print(f"spatial review: note: {printable(line)}", file=sys.stderr)
    layers = ", ".join(result.layers) or "no piece"
    print(
        f"spatial review: wrote {result.out}: report.html, report.pdf ({result.pages} pages), "
        f"tables.xlsx, tables.json ({len(result.tables)} tables), findings.gpkg ({layers}), "
        f"manifest.json (sha256 {result.manifest_sha256[:16]}...)"
    )
    for name, table in result.tables.items():  # diff's status tables, with --previous
        if name.startswith("status_targets_"):
            layer = name.removeprefix("status_targets_")
            rules = result.tables[f"status_rules_{layer}"]
            print(
                f"spatial review: since the previous {layer}: {len(table)} target(s) and "
                f"{len(rules)} rule row(s) changed status"
            )
    for line in result.problems:
        print(f"spatial review: FAIL {printable(line)}", file=sys.stderr)
    print(f"spatial review: {printable(result.closing_line())}")  # all it judged, and where
    return ExitCode.OK if result.passed else ExitCode.PROBLEMS
