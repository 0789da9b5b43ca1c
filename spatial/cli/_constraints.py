"""The 三区三线 constraint options shared by ``spatial check``, ``diff``, ``map`` and ``report``.

Parsing only: the constraint layers are read, and the rules they add built, by
:func:`spatial.commands._inputs.constraint_rules`.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from spatial.cli._options import add_option, named
from spatial.commands._inputs import DEFAULT_TOLERANCE_M2, Constraint, ConstraintKind
from spatial.errors import UsageError
from spatial.io.atomic import write_gpkg_atomic
from spatial.landuse.fields import CLASS_CODE_FIELD

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "DEFAULT_TOLERANCE_M2",
    "add_constraint_options",
    "check_constraint_call",
    "constraint_inputs",
    "write_conflicts",
]


def add_constraint_options(parser: argparse.ArgumentParser, conflicts: bool = True) -> None:
    """Add ``--constraint``, ``--within``, ``--tolerance-m2`` (and ``--conflicts-out``)."""
    add_option(parser, "--constraint")
    add_option(parser, "--within")
    add_option(parser, "--tolerance-m2", type=float, default=DEFAULT_TOLERANCE_M2)
    if conflicts:
        add_option(parser, "--conflicts-out")
        add_option(
            parser,
            "--class-field",
            help=f"land-use class field of the zones (else of the constraint layer), for "
            f"conflicts per class (default: the project's land-use class field, else "
            f"{CLASS_CODE_FIELD})",
        )


def constraint_inputs(args: argparse.Namespace) -> list[Constraint]:
    """Return every ``--constraint`` and ``--within`` given, in order."""
    kinds: list[tuple[ConstraintKind, str, str]] = [
        ("must_not_occupy", "--constraint", s) for s in args.constraint
    ]
    kinds += [("must_lie_within", "--within", s) for s in args.within]
    return [Constraint(kind, *named(option, spec)) for kind, option, spec in kinds]


def check_constraint_call(args: argparse.Namespace, constraints: list[Constraint]) -> None:
    """Refuse ``--conflicts-out`` without a constraint, or not a GeoPackage (one line, exit 2)."""
    out = getattr(args, "conflicts_out", None)
    if out is not None and not constraints:
        raise UsageError("--conflicts-out needs --constraint or --within")
    if out is not None and not out.lower().endswith(".gpkg"):
        raise UsageError(f"{out}: --conflicts-out writes a GeoPackage (.gpkg)")


def write_conflicts(pieces: gpd.GeoDataFrame, out: str) -> None:
    """Write the conflict pieces as a GeoPackage layer named ``conflicts`` (atomically)."""
    write_gpkg_atomic(out, pieces, layer="conflicts")
    print(f"spatial check: wrote {len(pieces)} conflict pieces to {out}", file=sys.stderr)
