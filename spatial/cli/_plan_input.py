"""The plan layers a map or report shows: the bundled ones, with the planner's own in place.

``--zones PATH`` (and ``--clusters``, ``--corridor``...) replace a bundled layer;
``--layer NAME=PATH`` adds a planner's layer drawn beneath the plan. Every file
is validated (as ``spatial validate`` does) before anything measures or draws it.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import geopandas as gpd

from spatial.cli._options import layer_flag
from spatial.errors import LayerReadError
from spatial.io.layers import LAYER_GEOMETRY, LAYER_NAMES, load_plan_layers, read_layer
from spatial.overlay.operations import require_geometry
from spatial.validate.problems import ensure_valid

__all__ = ["add_plan_input", "read_plan_input"]


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


def _read_valid(
    path: str | os.PathLike[str],
    crs: str | None,
    required: tuple[str, ...] = (),
    geometry: str = "any",
) -> gpd.GeoDataFrame:
    """Read a planner's layer and refuse it (one line, exit 2) before anything measures it."""
    gdf = read_layer(path, crs=crs)
    require_geometry(gdf, str(path), geometry)
    ensure_valid(gdf, str(path), required=required)
    return gdf


def _extra_layers(specs: list[str], crs: str | None) -> dict[str, tuple[gpd.GeoDataFrame, str]]:
    layers: dict[str, tuple[gpd.GeoDataFrame, str]] = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            raise LayerReadError(f"--layer {spec!r}: expected NAME=PATH")
        if name in LAYER_NAMES:
            raise LayerReadError(
                f"--layer {spec!r}: {name!r} is a plan layer; use {layer_flag(name)} {path} "
                "to replace it"
            )
        if name in layers:
            raise LayerReadError(f"--layer {spec!r}: the name {name!r} is given twice")
        layers[name] = (_read_valid(path, crs), Path(path).name)
    return layers


def read_plan_input(
    args: argparse.Namespace,
) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, str], dict[str, gpd.GeoDataFrame]]:
    """Return (plan layers, file name of each layer the planner gave, extra layers)."""
    layers = load_plan_layers()
    files: dict[str, str] = {}
    for name in LAYER_NAMES:
        path = getattr(args, name)
        if path is not None:
            layers[name] = _read_valid(
                path, args.crs, required=("id",), geometry=LAYER_GEOMETRY[name]
            )
            files[name] = path.name
    extra = _extra_layers(args.layer, args.crs)
    files.update({name: file_name for name, (_, file_name) in extra.items()})
    return layers, files, {name: gdf for name, (gdf, _) in extra.items()}
