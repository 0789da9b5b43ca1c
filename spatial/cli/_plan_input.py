"""The plan layers a map or report shows: the bundled ones, with the planner's own in place.

``--zones PATH`` (and ``--clusters``, ``--corridor``...) replace a bundled layer;
``--layer NAME=PATH`` adds a planner's layer drawn beneath the plan. Every file
is validated (as ``spatial validate`` does) before anything measures or draws it,
once, where it is checked or drawn.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd

from spatial.cli._options import layer_flag
from spatial.errors import UsageError
from spatial.io.layers import LAYER_NAMES, load_plan_layers, read_layer

__all__ = ["add_plan_input", "check_style_field", "read_plan_input"]


def add_plan_input(parser: argparse.ArgumentParser) -> None:
    """Add the layer flags, ``--layer NAME=PATH`` and ``--crs``."""
    for name in LAYER_NAMES:
        parser.add_argument(
            layer_flag(name), type=Path, metavar="PATH", help=f"your own {name} layer"
        )
    parser.add_argument(
        "--layer",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="an extra layer of yours, drawn beneath the plan (repeatable); NAME names it in "
        "the legend and must not be a plan layer name (use --zones etc. for those)",
    )
    parser.add_argument("--crs", help="CRS of input files that declare none, e.g. EPSG:4490")


def _extra_layers(specs: list[str], crs: str | None) -> dict[str, tuple[gpd.GeoDataFrame, str]]:
    layers: dict[str, tuple[gpd.GeoDataFrame, str]] = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            raise UsageError(f"--layer {spec!r}: expected NAME=PATH")
        if name in LAYER_NAMES:
            raise UsageError(
                f"--layer {spec!r}: {name!r} is a plan layer; use {layer_flag(name)} {path} "
                "to replace it"
            )
        if name in layers:
            raise UsageError(f"--layer {spec!r}: the name {name!r} is given twice")
        layers[name] = (read_layer(path, crs=crs), path)
    return layers


def read_plan_input(
    args: argparse.Namespace,
) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, str], dict[str, gpd.GeoDataFrame]]:
    """Return (plan layers, the file of each layer the planner gave, extra layers).

    Files are read, not yet validated: each layer is validated once, by the
    check (:func:`spatial.checks.run_checks`) or the map (``prepare_inputs``).
    """
    layers = load_plan_layers()
    files: dict[str, str] = {}
    for name in LAYER_NAMES:
        path = getattr(args, name)
        if path is not None:
            layers[name] = read_layer(path, crs=args.crs)  # validated once, where checked
            files[name] = str(path)
    extra = _extra_layers(args.layer, args.crs)
    files.update({name: file_name for name, (_, file_name) in extra.items()})
    return layers, files, {name: gdf for name, (gdf, _) in extra.items()}


def check_style_field(field: str | None, extra: dict) -> None:
    """Refuse ``--style-field`` without a ``--layer``, or naming a field no extra layer has."""
    if field is None:
        return
    if not extra:
        raise UsageError(f"--style-field {field!r}: give the layer to style with --layer")
    if any(field in gdf.columns for gdf in extra.values()):
        return  # layers without the field keep their geometry-kind style
    name, gdf = next(iter(extra.items()))
    columns = ", ".join(c for c in gdf.columns if c != "geometry")
    raise UsageError(
        f"--style-field {field!r}: no --layer has this field (layer {name!r} has: {columns})"
    )
