"""The plan map from Python: the layers checked once, then drawn (``spatial.build_map``).

The web map (:mod:`spatial.webmap`) renders a checked plan and judges nothing
itself. Called from Python without one (``MapOptions.snapshot`` unset), these
functions take it first, on the one path every page takes
(:func:`spatial.checks.snapshot.take_snapshot`), so a zone's colour, popup,
legend entry and the verdict all say what ``spatial check`` says of the same
layers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import folium
import geopandas as gpd

from spatial.checks.run import bundled_plan_note
from spatial.checks.snapshot import take_snapshot
from spatial.io.layers import LAYER_NAMES, load_plan_layers
from spatial.io.postgis import source_stem
from spatial.plan import load_rules, load_targets
from spatial.webmap import build as webmap
from spatial.webmap.build import MapOptions

__all__ = ["build_map", "render_map"]


def _checked(
    layers: Mapping[str, gpd.GeoDataFrame] | None, options: MapOptions
) -> tuple[Mapping[str, gpd.GeoDataFrame] | None, MapOptions]:
    """Return the layers and options to draw: with the snapshot taken, if none was given.

    Plan layers given replace the bundled ones and are checked against the
    bundled plan's targets and rules only when it judges them, by the rule of
    ``spatial map --zones`` (:func:`spatial.checks.run.bundled_plan_note`: a
    revised copy of its own zones); zones of yours that hold none of its
    features are drawn alone, titled by their source (``options.layer_sources``,
    else the layer's name), with no Bishan target or rule run and a note saying
    so. Only the layers given are drawn (all the bundled ones when none is
    given); any other layer name is drawn beneath the plan.
    """
    if options.snapshot is not None:
        return layers, options
    given = dict(layers) if layers is not None else {}
    plan = {name: gdf for name, gdf in given.items() if name in LAYER_NAMES}
    extra = {name: gdf for name, gdf in given.items() if name not in LAYER_NAMES}
    files = {name: str(options.layer_sources.get(name, name)) for name in plan}
    targets, rules = load_targets(), load_rules()
    versions = {name: (gdf,) for name, gdf in plan.items()}
    why = bundled_plan_note(versions, {n: (f,) for n, f in files.items()}, (targets, rules))
    layers = {**load_plan_layers(), **plan}
    if why is None:
        snapshot = take_snapshot(layers, files, extra, bundled=not plan)
    else:  # theirs alone, under their own title, no Bishan target, rule or figure
        snapshot = take_snapshot(
            layers,
            files,
            extra,
            targets=(),
            rules=(),
            headlines=(),
            bundled=False,
            title=_title(files),
        )
        snapshot = replace(snapshot, notes=[why, *snapshot.notes])
    return None, replace(options, snapshot=snapshot)


def _title(files: Mapping[str, str]) -> str:
    """Return the title of a planner's layers no plan judges: their zones' (else first) source."""
    role = "zones" if "zones" in files else next(iter(files))
    return source_stem(files[role])


def build_map(
    layers: Mapping[str, gpd.GeoDataFrame] | None = None, options: MapOptions | None = None
) -> folium.Map:
    """Check the plan once and build its interactive map.

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame, optional
        Layers by name (any explicit CRS; drawn in WGS84 lon/lat). A plan layer
        name (``"zones"``...) replaces the bundled layer and is checked against
        the bundled plan; any other name is drawn beneath the plan. By default
        the bundled plan's layers.
    options : MapOptions, optional
        Base map, offline mode, level of detail; with ``snapshot`` set (the
        plan checked against your own targets: :func:`spatial.take_snapshot`),
        that check is drawn and nothing is taken again.

    Returns
    -------
    folium.Map
        Ready to save or to show in a notebook.

    Examples
    --------
    >>> html = build_map(options=MapOptions(offline=True)).get_root().render()
    >>> "核查通过 all pass" in html
    True
    """
    layers, options = _checked(layers, options or MapOptions())
    return webmap.build_map(layers, options)


def render_map(
    path: str | os.PathLike[str],
    layers: Mapping[str, gpd.GeoDataFrame] | None = None,
    options: MapOptions | None = None,
) -> Path:
    """Check the plan once, build its map and write it as one HTML file at ``path``.

    As :func:`build_map`; the output path comes first (as in ``save(path)``).
    """
    webmap.check_map_path(path)
    layers, options = _checked(layers, options or MapOptions())
    return webmap.render_map(path, layers, options)
