"""QGIS layer styles (QML) made from the web map's styles, stored in a GeoPackage.

QGIS reads a GeoPackage's ``layer_styles`` table (the schema QGIS itself writes)
and applies the style marked ``useAsDefault`` when the layer is opened. Each
style here is a categorized renderer on the ``style_class`` column, which holds
the web map's class of each feature (:attr:`LayerStyle.classify`: ``PASS``,
``FAIL``... for zones), with the web map's colours, widths and opacities, so
QGIS opens the plan drawn as the web map draws it. Widths are in pixels, as
Leaflet's are.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast
from xml.sax.saxutils import quoteattr

import geopandas as gpd

from spatial.webmap.styles import LayerStyle, style_for

__all__ = ["STYLE_CLASS", "classify", "layer_qml", "store_styles"]

#: The column holding each feature's style class.
STYLE_CLASS = "style_class"

_LAYER_STYLES_SQL = """
CREATE TABLE IF NOT EXISTS layer_styles (
    id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
    f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT,
    styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
    update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
)"""


def classify(gdf: gpd.GeoDataFrame, layer_name: str) -> gpd.GeoDataFrame:
    """Return the layer with its web-map class in :data:`STYLE_CLASS`, as the style needs."""
    style = style_for(layer_name)
    # a row as a dict of column name to value, as classify expects (iterrows built a Series
    # a row: 6 s for 100,000 rows of eight columns, the records 0.2 s)
    rows = cast("list[Mapping[str, Any]]", gdf.to_dict("records"))
    return gdf.assign(**{STYLE_CLASS: [style.classify(row) for row in rows]})


def _rgba(colour: str, opacity: float) -> str:
    colour = colour.lstrip("#")
    r, g, b = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{round(255 * max(0.0, min(1.0, opacity)))}"


def _option(name: str, value: object) -> str:
    return f'<Option type="QString" name={quoteattr(name)} value={quoteattr(str(value))}/>'


def _symbol_layer(shape: str, path: Mapping[str, Any]) -> tuple[str, str]:
    """Return (symbol type, symbol layer XML) for Leaflet path options ``path``."""
    stroke = path.get("color", "#3388ff")
    width = path.get("weight", 3)
    opacity = path.get("opacity", 1.0)
    dash = "dash" if path.get("dashArray") else "solid"
    if shape == "point":
        options = [
            _option("name", "circle"),
            _option("color", _rgba(path.get("fillColor", stroke), path.get("fillOpacity", 0.2))),
            _option("outline_color", _rgba(stroke, opacity)),
            _option("outline_width", width),
            _option("outline_width_unit", "Pixel"),
            _option("size", 2 * path.get("radius", 5)),
            _option("size_unit", "Pixel"),
        ]
        return "marker", _layer("SimpleMarker", options)
    if shape == "line":
        options = [
            _option("line_color", _rgba(stroke, opacity)),
            _option("line_width", width),
            _option("line_width_unit", "Pixel"),
            _option("line_style", dash),
        ]
        return "line", _layer("SimpleLine", options)
    filled = path.get("fill", True)
    options = [
        _option("color", _rgba(path.get("fillColor", stroke), path.get("fillOpacity", 0.2))),
        _option("style", "solid" if filled else "no"),
        _option("outline_color", _rgba(stroke, opacity)),
        _option("outline_width", width),
        _option("outline_width_unit", "Pixel"),
        _option("outline_style", dash),
    ]
    return "fill", _layer("SimpleFill", options)


def _layer(cls: str, options: list[str]) -> str:
    body = "".join(options)
    head = f'<layer class="{cls}" enabled="1" pass="0" locked="0">'
    return f'{head}<Option type="Map">{body}</Option></layer>'


def _shape(geom_types: set[str]) -> str:
    if geom_types <= {"Point", "MultiPoint"}:
        return "point"
    if geom_types <= {"LineString", "MultiLineString"}:
        return "line"
    return "polygon"


def _labels(style: LayerStyle) -> dict[str, str]:
    return {e.key: f"{e.label_zh} {e.label_en}" for e in style.legend}


def layer_qml(layer_name: str, geom_types: set[str]) -> str:
    """Return the QML of a layer's style: categories by :data:`STYLE_CLASS`, web-map colours.

    Parameters
    ----------
    layer_name : str
        A plan layer name (``zones``...); any other name gets the parcels style.
    geom_types : set of str
        The layer's geometry types; they decide marker, line or fill symbols.

    Examples
    --------
    >>> qml = layer_qml("zones", {"Polygon"})
    >>> 'attr="style_class"' in qml, 'value="FAIL"' in qml, 'value="215,48,39,89"' in qml
    (True, True, True)
    """
    style = style_for(layer_name)
    shape = _shape(geom_types)
    labels = _labels(style)
    categories, symbols = [], []
    for i, (key, path) in enumerate(style.paths.items()):
        label = labels.get(key, key)
        categories.append(
            f'<category value={quoteattr(key)} symbol="{i}" '
            f'label={quoteattr(label)} render="true"/>'
        )
        kind, symbol_layer = _symbol_layer(shape, path)
        symbols.append(
            f'<symbol type="{kind}" name="{i}" alpha="1" clip_to_extent="1" force_rhr="0">'
            f"{symbol_layer}</symbol>"
        )
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        '<qgis version="3.28.0" styleCategories="Symbology">'
        f'<renderer-v2 type="categorizedSymbol" attr="{STYLE_CLASS}" symbollevels="0" '
        'enableorderby="0" forceraster="0">'
        f"<categories>{''.join(categories)}</categories><symbols>{''.join(symbols)}</symbols>"
        "</renderer-v2></qgis>\n"
    )


def store_styles(
    gpkg: Path, layers: Mapping[str, gpd.GeoDataFrame], styles: Mapping[str, str] | None = None
) -> None:
    """Store each layer's QML as its default style in the GeoPackage's ``layer_styles`` table.

    ``layers`` maps each GeoPackage layer (table) name to its GeoDataFrame; the
    style is the web map's of that name (:func:`spatial.webmap.styles.style_for`),
    or of ``styles[name]`` when given (``{"targets": "zones"}``).
    """
    styles = styles or {}
    with sqlite3.connect(gpkg) as db:
        db.execute(_LAYER_STYLES_SQL)
        db.execute(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier) "
            "VALUES ('layer_styles', 'attributes', 'layer_styles')"
        )
        db.executemany(  # a layer written again into a kept GeoPackage: its old style goes
            "DELETE FROM layer_styles WHERE lower(f_table_name) = lower(?)",
            [(name,) for name in layers],
        )
        for name, gdf in layers.items():
            style = styles.get(name, name)
            geom_types = set(gdf.geom_type.dropna().unique())
            (column,) = db.execute(
                "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (name,)
            ).fetchone()
            db.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description) "
                "VALUES ('', '', ?, ?, ?, ?, '', 1, ?)",
                (
                    name,
                    column,
                    f"{name} (web map)",
                    layer_qml(style, geom_types),
                    f"{style_for(style).title_zh} {style_for(style).title_en}: as on the web map",
                ),
            )
