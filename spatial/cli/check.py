"""``spatial check``: placeholder until the subcommand lands."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``check`` subcommand."""
    parser = subparsers.add_parser("check", help="(not implemented yet)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Report that the subcommand is not available yet."""
    print("spatial check: not implemented yet", file=sys.stderr)
    return 2
