"""The ``spatial`` command line: ``map``, ``check``, ``overlay``, ``validate``, ``balance``, ...

The subcommands: ``map``, ``check``, ``overlay``, ``validate``, ``balance``, ``diff``, ``report``,
``init``, ``qc``. Every one reads the project (``spatial.toml`` here, or ``--project FILE``)
for what its command line leaves unsaid (:mod:`spatial.cli._project`); ``serve`` (a map
folder on loopback) reads none.

Each subcommand lives in its own module of this package, exposing
``register(subparsers)``, which adds its parser and sets ``handler`` to a function
``(argparse.Namespace) -> int`` returning the exit status. Only the module of the
subcommand being run is imported (``spatial --help`` lists them from
:data:`spatial.cli._options.COMMAND_HELP`, importing no geopandas, folium or dask).

Exit status everywhere: 0 all good, 1 the input was read and problems were found
(a failed check, an invalid feature), 2 an input could not be read or the call
was wrong, 3 an internal error (a bug: please report it). Errors are one line on
standard error, never a traceback (``spatial --traceback`` shows it for a bug report).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import signal
import sys
import warnings
from collections.abc import Sequence
from typing import Any, NoReturn, TextIO

from spatial.cli._options import COMMAND_HELP, id_field_defaulted, id_field_option
from spatial.cli._output import ExitCode
from spatial.cli._outputs import guard_outputs
from spatial.cli._project import add_project_option, apply_project, project_hint
from spatial.errors import IdColumnError, LayerReadWarning, SpatialError, printable

__all__ = ["build_parser", "console", "main"]

#: The collector's thresholds in the command's process (CPython's are 700, 10, 10): the
#: libraries a command imports make about a million objects that live as long as the
#: process, and with the defaults the collector walks them again and again while they load
#: (0.1-0.3 s of a 1.5 s command). Garbage in reference cycles is still collected.
_GC_THRESHOLDS = (100_000, 50, 50)
#: Commands that read no project: init writes it; serve hands out a folder's files.
_NO_PROJECT = frozenset({"init", "serve"})


def _version() -> str:
    import importlib.metadata  # noqa: PLC0415 - 0.2 s, only for --version

    try:
        return importlib.metadata.version("bishan-spatial")
    except importlib.metadata.PackageNotFoundError:  # run from a bare source tree
        return "(source tree)"


class _VersionAction(argparse.Action):
    """``--version``: looks the version up only when asked (importlib.metadata is slow)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(
            option_strings, dest, nargs=0, help="show program's version number and exit"
        )

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        print(f"{parser.prog} {_version()}")
        parser.exit()


def _command_in(argv: Sequence[str]) -> str | None:
    """Return the subcommand named in ``argv`` (its first word not an option), if any."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in COMMAND_HELP else None
    return None


class _Parser(argparse.ArgumentParser):
    """A parser whose call errors are one line (``spatial map: error: ...``), exit status 2.

    argparse prints the whole usage before its message; the toolkit's errors are
    one line everywhere (``spatial COMMAND --help`` shows the usage).
    """

    def error(self, message: str) -> NoReturn:
        self.exit(
            ExitCode.UNREADABLE,
            f"{self.prog}: error: {printable(message)} (see {self.prog} --help)\n",
        )


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Return the top-level parser with every subcommand registered.

    With ``only``, that subcommand is registered in full and the others as
    names with their help line, so that only its module is imported.
    """
    parser = _Parser(
        prog="spatial",
        description=(
            "Bishan (璧山) spatial planning toolkit: maps, area checks, overlays, validation."
        ),
    )
    parser.add_argument("--version", action=_VersionAction)
    parser.add_argument(
        "--traceback",
        action="store_true",
        help="on an internal error, show Python's traceback (for a bug report)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, help_line in COMMAND_HELP.items():
        if only is None or name == only:
            importlib.import_module(f"spatial.cli.{name}").register(subparsers)
            if name not in _NO_PROJECT:
                add_project_option(subparsers.choices[name])
        else:
            subparsers.add_parser(name, help=help_line, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    words = sys.argv[1:] if argv is None else list(argv)
    command = _command_in(words)
    try:  # loading a command's modules takes a second: Ctrl-C then is no bug either
        parser = build_parser(only=command or "")
        args = parser.parse_args(words)
        args._argv = ["spatial", *words]  # the call as typed (spatial review's manifest)
    except KeyboardInterrupt:
        return _interrupted(command)
    finally:
        _loaded()
    try:
        if args.command not in _NO_PROJECT:
            apply_project(args)  # spatial.toml: what the command line left unsaid
        guard_outputs(args)
        status = _run_saying_warnings(args)
        sys.stdout.flush()  # surface a closed pipe here, not at interpreter exit
        return status
    except SpatialError as exc:
        print(f"spatial {args.command}: {_said(args, exc)}", file=sys.stderr)
        return ExitCode.UNREADABLE
    except KeyboardInterrupt:
        return _interrupted(args.command)
    except BrokenPipeError:
        # The reader (e.g. `| head`) closed the pipe: stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitCode.OK
    except Exception as exc:
        if args.traceback and not _INTERRUPTED:
            raise
        return _internal_error(args.command, exc)


def _internal_error(command: str, exc: Exception) -> int:
    """Say a bug of ours in one line and return status 3 (or 130 for a Ctrl-C it stands for).

    Not the user's input: one line, a distinct status, and the trace on request
    (``--traceback``). Never exit 1, which means "problems found in the data". A
    Ctrl-C inside a module's import may come out as that import's ImportError:
    it is the interrupt it was.
    """
    if _INTERRUPTED:
        return _interrupted(command)
    print(
        f"spatial {command}: internal error: {type(exc).__name__}: {printable(exc)} "
        "(please report it; rerun with 'spatial --traceback ...' for details)",
        file=sys.stderr,
    )
    return ExitCode.INTERNAL


def _said(args: argparse.Namespace, exc: SpatialError) -> str:
    """Return ``exc`` as said to the planner.

    A missing id column names this command's option, and is said to be the
    default ``id`` when nothing named it; a missing field the project named names
    the project file (the planner typed no option).
    """
    if isinstance(exc, IdColumnError):
        default = id_field_defaulted(args, exc.column)
        exc = exc.naming(id_field_option(args, exc.source), default=default)
    text = str(exc)
    return text + project_hint(args, text)


def _exit_while_loading(signum: int, frame: object) -> None:
    """Ctrl-C while the console script loads its modules: say so and leave at once, status 130.

    Nothing is written while modules load; and a KeyboardInterrupt raised there
    may land in a callback of the import machinery, which swallows it (the
    command then ran on), so the console script leaves from the handler itself.
    """
    os.write(2, f"spatial{f' {_LOADING[0]}' if _LOADING else ''}: interrupted\n".encode())
    os._exit(ExitCode.INTERRUPTED)


#: The command the console script is loading (set by :func:`console` until :func:`_loaded`).
_LOADING: list[str] = []


#: Set by :func:`_interrupt` once Ctrl-C is pressed while the command runs.
_INTERRUPTED: list[bool] = []


def _interrupt(signum: int, frame: object) -> None:
    """Ctrl-C while the command runs: a KeyboardInterrupt, remembered.

    Commands import libraries as they need them; an interrupt inside an extension
    module's initialisation may come out as that import's ImportError, which
    :func:`main` then reports as the interrupt it was, not as an internal error.
    """
    _INTERRUPTED.append(True)
    raise KeyboardInterrupt


def _loaded() -> None:
    """End the loading phase: Ctrl-C is a KeyboardInterrupt again (reported by :func:`main`)."""
    if signal.getsignal(signal.SIGINT) is _exit_while_loading:
        signal.signal(signal.SIGINT, _interrupt)


def _interrupted(command: str | None) -> int:
    """Say ``spatial COMMAND: interrupted`` (Ctrl-C) in one line; return exit status 130."""
    print(f"spatial{f' {command}' if command else ''}: interrupted", file=sys.stderr)
    return ExitCode.INTERRUPTED


def _run_saying_warnings(args: argparse.Namespace) -> int:
    """Run the handler; a :class:`LayerReadWarning` is one line on standard error, as it comes."""

    def say(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        print(f"spatial {args.command}: warning: {printable(str(message))}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.simplefilter("always", LayerReadWarning)
        warnings.showwarning = say
        return int(args.handler(args))


def console() -> NoReturn:
    """Run the ``spatial`` command (the console script) and exit with its status.

    :func:`main` with the garbage collector tuned for a short process: fewer
    passes while the libraries load, and none over them at exit (``gc.freeze``:
    everything the command made is freed by the process ending, 0.1 s sooner).
    Tests and scripts call :func:`main`, which leaves the collector alone.
    """
    gc.set_threshold(*_GC_THRESHOLDS)
    _LOADING[:] = [name for name in [_command_in(sys.argv[1:])] if name]
    signal.signal(signal.SIGINT, _exit_while_loading)
    try:
        status = main()
    except KeyboardInterrupt:  # a second Ctrl-C while the first is being reported
        status = _interrupted(_command_in(sys.argv[1:]))
    gc.freeze()
    sys.exit(status)


if __name__ == "__main__":  # pragma: no cover
    console()
