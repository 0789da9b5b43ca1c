"""What every subcommand shares on its way out: exit codes and the warnings it prints."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from enum import IntEnum

from spatial.errors import CRSMismatchWarning, RepairWarning, printable

__all__ = ["ExitCode", "printed_warnings", "say_notes", "say_wrote"]


class ExitCode(IntEnum):
    """The exit status of every ``spatial`` command.

    0 all good; 1 the input was read and problems were found (a failed target
    or rule, an invalid feature); 2 an input could not be read or the call was
    wrong; 3 an internal error (a bug); 130 interrupted.
    """

    OK = 0
    PROBLEMS = 1
    UNREADABLE = 2
    INTERNAL = 3
    INTERRUPTED = 130


@contextmanager
def printed_warnings(command: str) -> Iterator[None]:
    """Print the toolkit's warnings raised inside the block, one line each, on stderr.

    CRS mismatches read ``spatial COMMAND: warning: ...``; repairs made on
    request read ``spatial COMMAND: repaired LAYER feature ID (...): area changed by ...``.
    Both quote the planner's text through :func:`~spatial.errors.printable`.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CRSMismatchWarning)
        warnings.simplefilter("always", RepairWarning)
        yield
    for warning in caught:
        if issubclass(warning.category, RepairWarning):
            print(f"spatial {command}: {printable(warning.message)}", file=sys.stderr)
        elif issubclass(warning.category, CRSMismatchWarning):
            print(f"spatial {command}: warning: {printable(warning.message)}", file=sys.stderr)
        else:
            warnings.showwarning(
                warning.message, warning.category, warning.filename, warning.lineno
            )


def say_notes(command: str, notes: Iterable[str]) -> None:
    """Print a command's notes (a result's ``notes``), ``spatial COMMAND: note: ...`` on stderr."""
    for note in notes:
        print(f"spatial {command}: note: {printable(note)}", file=sys.stderr)


def say_wrote(command: str, path: object, detail: str | None = None) -> None:
    """Print ``spatial COMMAND: wrote PATH [(DETAIL)]`` on stderr (standard output: the data)."""
    extra = "" if detail is None else f" ({detail})"
    print(f"spatial {command}: wrote {printable(str(path))}{extra}", file=sys.stderr)
