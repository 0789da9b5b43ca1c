"""The ``spatial`` command line: ``spatial map``, ``check``, ``overlay``, ``validate``.

Each subcommand lives in its own module of this package, exposing
``register(subparsers)``, which adds its parser and sets ``handler`` to a function
``(argparse.Namespace) -> int`` returning the exit status.

Exit status everywhere: 0 all good, 1 the input was read and problems were found
(a failed check, an invalid feature), 2 an input could not be read or the call
was wrong, 3 an internal error (a bug: please report it). Errors are one line on
standard error, never a traceback (``spatial --traceback`` shows it for a bug report).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import sys
import warnings
from collections.abc import Sequence

from spatial.cli import check, map, overlay, validate
from spatial.errors import LayerReadWarning, SpatialError, one_line

__all__ = ["build_parser", "main"]

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_UNREADABLE = 2
EXIT_INTERNAL = 3


def _version() -> str:
    try:
        return importlib.metadata.version("bishan-spatial")
    except importlib.metadata.PackageNotFoundError:  # run from a bare source tree
        return "(source tree)"


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="spatial",
        description=(
            "Bishan (璧山) spatial planning toolkit: maps, area checks, overlays, validation."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument(
        "--traceback",
        action="store_true",
        help="on an internal error, show Python's traceback (for a bug report)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (map, check, overlay, validate):
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = _run_saying_warnings(args)
        sys.stdout.flush()  # surface a closed pipe here, not at interpreter exit
        return status
    except SpatialError as exc:
        print(f"spatial {args.command}: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_UNREADABLE
    except KeyboardInterrupt:
        print(f"spatial {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) closed the pipe: stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        # A bug of ours, not the user's input: one line, a distinct status, and the
        # trace on request. Never exit 1, which means "problems found in the data".
        if args.traceback:
            raise
        print(
            f"spatial {args.command}: internal error: {type(exc).__name__}: {exc} "
            "(please report it; rerun with 'spatial --traceback ...' for details)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _run_saying_warnings(args: argparse.Namespace) -> int:
    """Run the handler; a :class:`LayerReadWarning` is one line on standard error, as it comes."""

    def say(message, category, filename, lineno, file=None, line=None) -> None:
        print(f"spatial {args.command}: warning: {one_line(str(message))}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.simplefilter("always", LayerReadWarning)
        warnings.showwarning = say
        return int(args.handler(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
