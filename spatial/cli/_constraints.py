"""The 三区三线 constraint options shared by ``spatial check`` and ``spatial diff``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping

import geopandas as gpd

from spatial.checks.constraints import constraint_rule
from spatial.errors import UsageError
from spatial.io.atomic import write_gpkg_atomic
from spatial.io.layers import read_layer
from spatial.io.options import ReadOptions
from spatial.io.postgis import database_label
from spatial.landuse.fields import CLASS_CODE_FIELD
from spatial.plan import Rule

__all__ = [
    "DEFAULT_TOLERANCE_M2",
    "add_constraint_options",
    "constraint_rules",
    "write_conflicts",
]

#: Area occupied (or outside) a zone may have before a constraint rule fails, m²:
#: slivers where a zone is drawn along a protected line's edge stay under it.
DEFAULT_TOLERANCE_M2 = 1.0


def add_constraint_options(parser: argparse.ArgumentParser, conflicts: bool = True) -> None:
    """Add ``--constraint``, ``--within``, ``--tolerance-m2`` (and ``--conflicts-out``)."""
    parser.add_argument(
        "--constraint",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="a protected layer the zones must not occupy (must_not_occupy), e.g. "
        "生态保护红线=redline.gpkg; repeatable",
    )
    parser.add_argument(
        "--within",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="a layer the zones must lie within (must_lie_within), e.g. 城镇开发边界=ukb.gpkg",
    )
    parser.add_argument(
        "--tolerance-m2",
        type=float,
        default=DEFAULT_TOLERANCE_M2,
        help=f"area occupied or outside tolerated per zone, m² (default {DEFAULT_TOLERANCE_M2:g})",
    )
    if conflicts:
        parser.add_argument(
            "--conflicts-out", metavar="FILE.gpkg", help="write the conflict pieces as a layer"
        )
        parser.add_argument(
            "--class-field",
            help=f"land-use class field of the zones (else of the constraint layer), for "
            f"conflicts per class (default: the project's land-use class field, else "
            f"{CLASS_CODE_FIELD})",
        )


def _spec(option: str, spec: str) -> tuple[str, str]:
    name, sep, path = spec.partition("=")
    if not sep or not name.strip() or not path:
        raise UsageError(f"{option} {spec!r}: expected NAME=PATH (e.g. 生态保护红线=redline.gpkg)")
    return name.strip(), path


def constraint_inputs(args: argparse.Namespace) -> list[tuple[str, str, str, str]]:
    """Return ``(kind, option, name, path)`` of every --constraint and --within given."""
    kinds = [("must_not_occupy", "--constraint", s) for s in args.constraint]
    kinds += [("must_lie_within", "--within", s) for s in args.within]
    return [(kind, option, *_spec(option, spec)) for kind, option, spec in kinds]


def _constraint_layer(name: str, path: str, options: ReadOptions) -> gpd.GeoDataFrame:
    gdf = read_layer(path, **vars(options))
    if "id" not in gdf.columns:  # protected-line layers rarely carry our id field
        gdf = gdf.assign(id=[f"{name}#{i}" for i in range(len(gdf))])
    return gdf


def constraint_rules(
    args: argparse.Namespace,
    layers: dict[str, gpd.GeoDataFrame],
    sources: dict[str, str],
    rules: tuple[Rule, ...],
    options: Mapping[str, ReadOptions],
) -> tuple[Rule, ...]:
    """Read the --constraint/--within layers into ``layers``; return the rules they add.

    ``options`` holds each input's reading options by role (the constraint's NAME).
    """
    kinds = constraint_inputs(args)
    if not (args.tolerance_m2 >= 0 and args.tolerance_m2 < float("inf")):
        raise UsageError(f"--tolerance-m2 must be a number of m² >= 0, got {args.tolerance_m2}")
    stated = {(r.kind, r.params.get("constraint_layer")) for r in rules}
    added = []
    for kind, option, name, path in kinds:
        if name in layers:
            raise UsageError(f"{option} {name}={path}: the name {name!r} is already a layer's name")
        layers[name] = _constraint_layer(name, path, options[name])
        sources[name] = database_label(path)  # a PostGIS URL without its password
        if (kind, name) not in stated:  # a rules-file rule for it sets its own tolerance
            added.append(constraint_rule(kind, name, "zones", args.tolerance_m2))
    out = getattr(args, "conflicts_out", None)
    if out is not None and not kinds:
        raise UsageError("--conflicts-out needs --constraint or --within")
    if out is not None and not out.lower().endswith(".gpkg"):
        raise UsageError(f"{out}: --conflicts-out writes a GeoPackage (.gpkg)")
    return tuple(added)


def write_conflicts(pieces: gpd.GeoDataFrame, out: str) -> None:
    """Write the conflict pieces as a GeoPackage layer named ``conflicts`` (atomically)."""
    write_gpkg_atomic(out, pieces, layer="conflicts")
    print(f"spatial check: wrote {len(pieces)} conflict pieces to {out}", file=sys.stderr)
