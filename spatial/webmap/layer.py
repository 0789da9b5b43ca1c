"""One styled vector layer on the map: compact GeoJSON, a style per class, tooltips and popups.

This replaces :class:`folium.GeoJson` for our layers because that class writes
feature ids and a style map keyed by them, embeds every property, and inserts
property text into tooltips as raw HTML. Here the page receives only a class
key (``s``), an escaped tooltip (``t``) and, for layers up to
``detail_limit`` features, an escaped popup (``p``) per feature. The features
and the layer's name reach the page through :func:`~spatial.webmap.page.page_json`
(the data block), never through the template.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from folium.map import Layer
from folium.template import Template

from spatial.publish.escape import escape_text, script_json
from spatial.webmap.choices import TILES_FROM
from spatial.webmap.content import popup_html, tooltip_html
from spatial.webmap.geojson import decimals_for, feature_collection_json, to_display_crs
from spatial.webmap.page import RawMacroElement, page_json
from spatial.webmap.styles import LayerStyle, Row

__all__ = ["GeoJsonLayer", "LayerOptions", "styled_layer"]


@dataclass(frozen=True)
class LayerOptions:
    """How much detail a layer carries into the page.

    Attributes
    ----------
    decimals : int, optional
        Decimal places of a degree kept for every feature; by default they
        follow each feature's ``accuracy`` (see :func:`~spatial.webmap.geojson.decimals_for`).
    simplify_m : float, optional
        Simplification tolerance in metres (Gauss–Krüger), none by default.
    detail_limit : int
        Layers with more features than this carry tooltips only, no popups.
    canvas_from : int
        Layers with at least this many features draw on a canvas instead of SVG.
    tiles_from : int
        A planner's layer (``--layer``) of at least this many features is drawn as
        vector tiles (:mod:`spatial.webmap.tiles`), not GeoJSON.
    """

    decimals: int | None = None
    simplify_m: float | None = None
    detail_limit: int = 5_000
    canvas_from: int = 5_000
    tiles_from: int = TILES_FROM


class GeoJsonLayer(Layer, RawMacroElement):
    """A Leaflet ``L.geoJSON`` layer drawn in its own pane, listed in the layer control.

    ``data`` (the features' GeoJSON text) goes into the page's data block when
    the layer is rendered; the template only holds the expression reading it.
    ``label`` is the plain-text name the layer control shows.
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
    var {{ this.get_name() }}_pane =
        {{ this._parent.get_name() }}.createPane({{ this.pane|tojson }});
    {{ this.get_name() }}_pane.style.zIndex = {{ this.z_index }};
    var {{ this.get_name() }}_styles = {{ this.styles }};
    var {{ this.get_name() }}_options = {pane: {{ this.pane|tojson }}};
    {%- if this.canvas %}
    {{ this.get_name() }}_options.renderer = L.canvas({pane: {{ this.pane|tojson }}});
    {%- endif %}
    var {{ this.get_name() }} = L.geoJSON({{ this.data_ref }}, L.extend({
        style: function (f) { return {{ this.get_name() }}_styles[f.properties.s]; },
        pointToLayer: function (f, latlng) {
            return L.circleMarker(latlng, L.extend(
                {}, {{ this.get_name() }}_options, {{ this.get_name() }}_styles[f.properties.s]));
        },
        {%- if this.labels %}
        onEachFeature: function (f, layer) {
            layer.bindTooltip(
                f.properties.t, f.properties.l ? {{ this.label_options }} : {sticky: true});
        }
        {%- endif %}
    }, {{ this.get_name() }}_options));
    {%- if not this.labels %}
    {{ this.get_name() }}.bindTooltip(
        function (layer) { return layer.feature.properties.t; }, {{ this.tooltip_options }});
    {%- endif %}
    {%- if this.popups %}
    {{ this.get_name() }}.bindPopup(
        function (layer) { return layer.feature.properties.p; });
    {%- endif %}
    SpatialControls.register({{ this.layer_key|tojson }}, {{ this.get_name() }});
    {%- if this.label_zoom %}
    SpatialControls.labelZoom({{ this._parent.get_name() }}, {{ this.layer_key|tojson }},
        {{ this.label_zoom[0]|tojson }}, {{ this.label_zoom[1]|tojson }});
    {%- endif %}
{% endmacro %}
"""
    )

    def __init__(
        self,
        data_json: str,
        style: LayerStyle,
        label: str,
        *,
        canvas: bool = False,
        popups: bool = True,
    ) -> None:
        super().__init__(overlay=True, control=True, show=style.show)
        self._name = "SpatialGeoJson"
        self.label = label
        self.data = data_json
        self.data_ref = "null"
        self.styles = script_json(dict(style.paths))
        self.layer_key = style.name
        self.pane = f"spatial-{style.name}"
        self.z_index = int(style.z_index)
        self.canvas = canvas
        self.popups = popups
        self.labels = style.label
        permanent = {
            "permanent": True,
            "direction": style.label_direction,
            "className": f"sp-label sp-label-{style.name}",
        }
        self.label_options = script_json(permanent)
        self.label_zoom = style.label_zoom if style.label else None
        self.tooltip_options = script_json({"sticky": True})
        self.classes: frozenset[str] = frozenset()

    def render(self, **kwargs: object) -> None:  # type: ignore[override]  # see RawMacroElement
        """Put the features into the page's data block, then render the script."""
        self.data_ref = page_json(self, self.data, key=f"{self.get_name()}.data")
        super().render(**kwargs)  # type: ignore[no-untyped-call]  # folium's Layer.render is unannotated


def _rows(gdf: gpd.GeoDataFrame) -> list[Row]:
    """Each feature's properties as a plain dict, taken column by column in one pass.

    ``to_dict("records")`` keeps each column's own type (an integer column stays
    integer beside a float one) and costs a few µs a feature, where
    ``iterrows`` built a Series per feature (about 70 µs, with its geometry).
    """
    records = gdf.drop(columns=gdf.geometry.name).to_dict("records")
    return [{str(name): value for name, value in record.items()} for record in records]


def _properties(
    gdf: gpd.GeoDataFrame,
    style: LayerStyle,
    label: str,
    popups: bool,
    fields: Mapping[str, str] | None = None,
) -> list[dict[str, object]]:
    props: list[dict[str, object]] = []
    for row in _rows(gdf):
        note = style.tooltip_note(row) if style.tooltip_note else ""
        tip = tooltip_html(row) + (
            f'<br><span class="sp-area">{escape_text(note)}</span>' if note else ""
        )
        item: dict[str, object] = {"s": style.classify(row), "t": tip}
        if style.labelled(row):
            item["l"] = 1
        if popups:
            item["p"] = popup_html(row, style, label, fields)
        props.append(item)
    return props


def _decimals(gdf: gpd.GeoDataFrame, options: LayerOptions) -> list[int] | int:
    if options.decimals is not None:
        return options.decimals
    if "accuracy" not in gdf.columns:
        return decimals_for(None)
    return [decimals_for(a) for a in gdf["accuracy"]]


def styled_layer(
    gdf: gpd.GeoDataFrame,
    style: LayerStyle,
    options: LayerOptions | None = None,
    *,
    name: str | None = None,
    display: Callable[[np.ndarray], np.ndarray] | None = None,
    fields: Mapping[str, str] | None = None,
) -> GeoJsonLayer:
    """Build the map layer of a GeoDataFrame drawn in ``style``.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Features in any explicit CRS; drawn in WGS84 lon/lat.
    style : LayerStyle
        How to draw and label the features.
    options : LayerOptions, optional
        Rounding, simplification and large-layer thresholds.
    name : str, optional
        Name in the layer control and the popups (plain text, shown as typed);
        the style's title by default.
    display : callable, optional
        Applied to the WGS84 geometries for display only (the GCJ-02 shift for AMap tiles).
    fields : mapping of str to str, optional
        The planner's field each toolkit column was read from (``{"id": "DYBH"}``),
        for the popups' labels (:func:`spatial.webmap.content.popup_html`).
    """
    options = options or LayerOptions()
    keep = ~(gdf.geometry.isna() | gdf.geometry.is_empty)
    gdf = gdf[keep.to_numpy()]
    # polygons first, then lines, then points: a line inside a polygon stays clickable
    gdf = gdf.iloc[np.argsort(-shapely.get_dimensions(gdf.geometry.values), kind="stable")]
    geoms = to_display_crs(gdf, options.simplify_m)
    if display is not None:
        geoms = gpd.GeoSeries(display(np.asarray(geoms.values)), crs=geoms.crs)
    count = len(gdf)
    popups = count <= options.detail_limit
    label = name if name is not None else f"{style.title_zh} {style.title_en}"
    props = _properties(gdf, style, label, popups=popups, fields=fields)
    ids = gdf["id"] if "id" in gdf.columns else range(count)
    names = [f"{label}: feature {i}" for i in ids]
    data = feature_collection_json(geoms, props, _decimals(gdf, options), names)
    layer = GeoJsonLayer(data, style, label, canvas=count >= options.canvas_from, popups=popups)
    layer.classes = frozenset(str(p["s"]) for p in props)
    return layer
