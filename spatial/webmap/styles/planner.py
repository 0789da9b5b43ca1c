"""A planner's own layer (``--layer NAME=PATH``): styled by geometry kind or by a field.

Each extra layer gets a style of its own, named after the layer: points as
dots, lines as lines, polygons as light fills; with a ``style_field``, one
colour per category from ColorBrewer Set3 (:func:`spatial.publish.palette.category_colours`),
which is a neutral qualitative palette, not the land-use standard's colours
(the 2023 用地用海分类 data in :mod:`spatial.landuse` could source none; a category
that is one of its codes is named after its class in the legend). Class keys are positions
(``c0``, ``c1``…), so no text of the file reaches the page's styles.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from spatial.webmap.styles._base import LayerStyle, LegendEntry, Row, Shape

__all__ = ["EXTRA_Z_INDEX", "geometry_shape", "planner_style"]

#: Panes of planner layers stack from here, beneath every plan layer (410 and up).
EXTRA_Z_INDEX = 401
_GREY = "#525252"
#: At most this many categories get their own colour; the rest share "other".
MAX_CATEGORIES = 24


def geometry_shape(gdf: gpd.GeoDataFrame) -> Shape:
    """Return ``"point"``, ``"line"`` or ``"polygon"``: the layer's geometry kind for its swatches.

    Examples
    --------
    >>> from shapely import Point
    >>> geometry_shape(gpd.GeoDataFrame(geometry=[Point(0, 0)], crs=4326))
    'point'
    """
    types = set(gdf.geometry.geom_type.dropna())
    if types and types <= {"Point", "MultiPoint"}:
        return "point"
    if types and types <= {"LineString", "MultiLineString", "LinearRing"}:
        return "line"
    return "polygon"


def _path(shape: Shape, colour: str) -> dict[str, object]:
    if shape == "point":
        return {
            "color": "#ffffff",
            "weight": 1,
            "fillColor": colour,
            "fillOpacity": 0.9,
            "radius": 4,
        }
    if shape == "line":
        return {"color": colour, "weight": 2, "opacity": 0.9}
    edge = _GREY if colour != _GREY else colour
    return {"color": edge, "weight": 0.6, "fillColor": colour, "fillOpacity": 0.55}


def _category_label(field: str, value: str) -> str:
    """Return a category's legend line; a 用地用海 code (2023) gets its class name beside it.

    Examples
    --------
    >>> _category_label("YDYHFLDM", "070101"), _category_label("用途", "R2")
    ('YDYHFLDM = 070101 一类城镇住宅用地', '用途 = R2')
    """
    from spatial.landuse import load_classes  # noqa: PLC0415 - only for legends of codes

    if not value:
        return f"{field} = (空 blank)"
    classes = load_classes()
    name = f" {classes[value].name_zh}" if value in classes else ""
    return f"{field} = {value}{name}"


def _categories(values: pd.Series) -> list[str]:
    counts = values.map(lambda v: "" if pd.isna(v) else str(v)).value_counts(sort=False)
    return list(counts.index[:MAX_CATEGORIES])


def _layer_colour(shape: Shape, position: int) -> str:
    """Return the colour of a layer drawn in one colour: the pages' one (the PDF atlas's too).

    :func:`spatial.publish.palette.layer_colour`: blue first, then ColorBrewer Set3.
    """
    from spatial.publish.palette import layer_colour  # noqa: PLC0415 - shared palette

    return layer_colour(shape, position)


def planner_style(
    name: str, position: int, gdf: gpd.GeoDataFrame, style_field: str | None = None
) -> LayerStyle:
    """Return the style of the planner's layer ``name``, the ``position``-th extra layer.

    Parameters
    ----------
    name : str
        The layer's name as given (``--layer NAME=PATH``): its legend heading.
    position : int
        Order among the extra layers; sets its pane (``extra-0``…) and stacking.
    gdf : GeoDataFrame
        The layer, to find its geometry kind and categories.
    style_field : str, optional
        Colour by the categories of this field when the layer has it.
    """
    from spatial.publish.palette import category_colours  # noqa: PLC0415 - shared palette

    shape = geometry_shape(gdf)
    if style_field and style_field in gdf.columns:
        values = _categories(gdf[style_field])
        colours = category_colours(values)
        keys = {value: f"c{i}" for i, value in enumerate(values)}
        paths = {keys[v]: _path(shape, colours[v]) for v in values}
        paths["other"] = _path(shape, _GREY)
        legend = [LegendEntry(keys[v], shape, _category_label(style_field, v), "") for v in values]
        legend.append(LegendEntry("other", shape, "其他 other", "", always=False))

        def classify(row: Row) -> str:
            value = row.get(style_field)
            return keys.get("" if pd.isna(value) else str(value), "other")

        note = (
            f"按 {style_field} 分类 by {style_field} (ColorBrewer Set3, not a standard's colours)"
        )
    else:
        paths = {"feature": _path(shape, _layer_colour(shape, position))}
        legend = [LegendEntry("feature", shape, name, "")]

        def classify(row: Row) -> str:
            return "feature"

        note = ""
    return LayerStyle(
        name=f"extra-{position}",
        title_zh=name,
        title_en=note,
        paths=paths,
        classify=classify,
        legend=tuple(legend),
        z_index=EXTRA_Z_INDEX + position,
        show=True,
    )
