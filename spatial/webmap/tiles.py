"""A planner layer too large for GeoJSON, drawn as vector tiles from a PMTiles archive.

A planner's layer of ``LayerOptions.tiles_from`` features or more is
not written into the page as GeoJSON: GDAL's PMTiles driver (in pyogrio's wheel)
cuts it into Mapbox vector tiles from zoom :data:`MIN_ZOOM` to :data:`MAX_ZOOM`
(Web Mercator, EPSG:3857, 4096 units a tile), simplified below the last zoom and
exact at it; below the parcel zoom (:func:`parcel_zoom`) features under 4 px are
merged by class into cells (:func:`class_cells`); each zoom is written on its own
and the archives joined (:mod:`spatial.webmap.pmtiles_merge`). The page draws them
with ``protomaps-leaflet`` through the ``pmtiles`` reader (both vendored from npm,
see ``static/vendor/MANIFEST.json``) and the toolkit's ``static/tiles.js``. The
archive is embedded in the page as base64 (one offline file that makes no
request), or written beside the page for ``spatial serve`` to hand out by HTTP
range requests.

Each feature carries into the tiles only its class key (``s``: the colour of its
category, as the GeoJSON layer's), its id and the style field, which a click
shows; the tiles are styled from the same :class:`~spatial.webmap.styles.LayerStyle`
as the GeoJSON layer, so palette and legend are the same.
"""

from __future__ import annotations

import base64
import os
import re
import tempfile
import warnings
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from folium.map import Layer
from folium.template import Template

from spatial.cpus import usable_cpus
from spatial.crs import WGS84
from spatial.io.fields import FIELD_NAMES
from spatial.webmap.assets import plugin, plugins
from spatial.webmap.geojson import round_or_refuse, to_display_crs
from spatial.webmap.layer import LayerOptions
from spatial.webmap.page import RawElement, RawMacroElement, page_of, page_value
from spatial.webmap.pmtiles_merge import join_archives
from spatial.webmap.styles import LayerStyle
from spatial.webmap.styles.planner import geometry_shape

__all__ = [
    "DATA_LAYER",
    "MAX_ZOOM",
    "MIN_ZOOM",
    "TiledLayer",
    "add_tiled_layer",
    "archive_name",
    "label_chars",
    "tile_fields",
    "tiled_layer",
    "tiles_js",
    "write_archive",
]

_STATIC = Path(__file__).with_name("static")

#: First zoom level of the tiles at most: zoom 10's tiles are about 34 km wide at Bishan's
#: latitude. A wider layer starts lower (:func:`first_zoom`): the page must draw it at the
#: zoom it opens on, which protomaps-leaflet draws from the tiles one zoom below.
MIN_ZOOM = 10
#: The smallest window a map opens in, CSS px (a phone, less its panels): the layer's first
#: zoom is the one below the zoom that fits the layer in it.
SMALLEST_VIEW_PX = (360, 600)
_WORLD_M = 40_075_016.686  # the Web Mercator world's width, metres (EPSG:3857)
#: Screen pixels a data tile covers: protomaps-leaflet draws zoom z + 1 from zoom z's tiles.
TILE_PX = 512
#: Below the parcel zoom (:func:`parcel_zoom`), small features are merged by class in square
#: cells of this many screen pixels (:func:`class_cells`).
CELL_PX = 2
#: A feature this many cells wide or more is kept as it is below the parcel zoom (4 px).
KEEP_CELLS = 2
#: The parcel zoom is the first where this share of the features is kept as it is.
PARCEL_SHARE = 0.9
#: From this many features, the zoom levels are written in parallel processes.
PARALLEL_FROM = 20_000
#: Last zoom level: 4096 units over a 2.1 km tile, about 0.5 m a unit at 29.6°N, drawn
#: without simplification; deeper zooms enlarge these tiles.
MAX_ZOOM = 14
#: Simplification below :data:`MAX_ZOOM`, in tile units (4096 a tile, 16 a screen pixel of a
#: 256 px tile): half a pixel, invisible at the zoom it is drawn.
SIMPLIFY_UNITS = 8
#: The tiles' one layer name.
DATA_LAYER = "features"
#: The column naming a feature: the reader's ``id``, from ``--id-field LAYER=FIELD`` or the
#: project's ``id_field`` (:func:`spatial.io.fields.map_fields`).
ID_FIELD = "id"
#: Outlines are drawn from the display zoom where the typical feature (the size
#: :data:`PARCEL_SHARE` of them reach) is this many screen pixels wide (:func:`stroke_zoom`):
#: a 60 m parcel at zoom 14 (7 px), a 20 m one at 16 (10 px); below, fills alone.
STROKE_PX = 6
#: Labels (the style field's value) show from this display zoom at the earliest; each only
#: where it fits in its feature's box on screen, none touching another (``static/tiles.js``).
LABEL_FROM = 16
#: No tile is thinned: GDAL's default drops features beyond 200,000 a tile or 500 kB.
_NO_LIMIT = {"MAX_FEATURES": 100_000_000, "MAX_SIZE": 100_000_000}


def tile_fields(gdf: gpd.GeoDataFrame, style_field: str | None) -> list[str]:
    """Return the columns carried into the tiles: the layer's ``id`` and the style field.

    The id is the reader's (:data:`ID_FIELD`): a survey's ``BSM`` is carried when it
    is named the layer's id field (``--id-field parcels=BSM``, or the project's).

    Examples
    --------
    >>> gdf = gpd.GeoDataFrame({"id": [1], "YDYHFLDM": ["0701"], "BSM": [0]}, geometry=[None])
    >>> tile_fields(gdf, "YDYHFLDM"), tile_fields(gdf, None), tile_fields(gdf[["BSM"]], None)
    (['id', 'YDYHFLDM'], ['id'], [])
    """
    ids = [ID_FIELD] if ID_FIELD in gdf.columns else []
    styled = [style_field] if style_field and style_field in gdf.columns else []
    return [*ids, *[name for name in styled if name not in ids]]


def _class_keys(gdf: gpd.GeoDataFrame, style: LayerStyle, fields: list[str]) -> np.ndarray:
    """Return each feature's class key, from the tiled columns only (a survey has dozens more).

    The styles tiled (:func:`~spatial.webmap.styles.planner.planner_style`, the parcels
    style) read the style field at most, not the id: one feature of each distinct
    value of the other tiled columns is classified, and its key given to the rest.
    """
    frame = pd.DataFrame(gdf[fields]).reset_index(drop=True)
    keyed = [name for name in fields if name != ID_FIELD]
    if keyed:
        groups = frame.groupby(keyed, dropna=False, sort=False).ngroup().to_numpy()
    else:
        groups = np.zeros(len(frame), dtype=np.int64)
    _, first = np.unique(groups, return_index=True)  # groups are numbered 0, 1, ...
    rows = frame.iloc[first].to_dict("records")
    keys = [style.classify({str(k): v for k, v in row.items()}) for row in rows]
    return np.array(keys, dtype=object)[groups]


def _as_text(values: pd.Series) -> pd.Series:
    """Return a column as text for the tiles (MVT values are typed; text reads alike anywhere)."""
    return values.map(lambda v: None if pd.isna(v) else str(v)).astype(object)


def first_zoom(gdf: gpd.GeoDataFrame) -> int:
    """Return the first zoom of the layer's tiles: :data:`MIN_ZOOM`, lower for a wide layer.

    The map opens on the layer at the zoom that fits it (in the smallest window, at
    worst, :data:`SMALLEST_VIEW_PX`), and protomaps-leaflet draws a zoom from the tiles
    of the zoom below: the tiles start one zoom below the fit, so the layer is drawn
    as the map opens on any screen.

    Parameters
    ----------
    gdf : GeoDataFrame
        The layer, any explicit CRS (measured in Web Mercator, EPSG:3857).

    Examples
    --------
    >>> from shapely import box
    >>> city = gpd.GeoDataFrame(geometry=[box(105.9, 29.3, 106.6, 29.9)], crs=4326)  # ~68 km
    >>> town = gpd.GeoDataFrame(geometry=[box(106.2, 29.6, 106.23, 29.63)], crs=4326)  # ~3 km
    >>> first_zoom(city), first_zoom(town)
    (8, 10)
    """
    west, south, east, north = gdf.to_crs(3857).total_bounds
    width_px, height_px = SMALLEST_VIEW_PX
    span = min(width_px / max(east - west, 1.0), height_px / max(north - south, 1.0))
    fit = np.log2(span * _WORLD_M / 256)
    return int(min(MIN_ZOOM, max(0, np.floor(fit) - 1)))


def write_archive(
    gdf: gpd.GeoDataFrame,
    path: Path,
    *,
    min_zoom: int = MIN_ZOOM,
    max_zoom: int = MAX_ZOOM,
    simplify_units: int = SIMPLIFY_UNITS,
) -> Path:
    """Write ``gdf`` as a PMTiles archive of vector tiles at ``path`` with GDAL's driver.

    Parameters
    ----------
    gdf : GeoDataFrame
        Features in any explicit CRS (GDAL projects them to Web Mercator, EPSG:3857);
        every column is written as a tile property.
    path : Path
        The ``.pmtiles`` file to write (replaced if it exists).
    min_zoom, max_zoom : int
        Zoom levels written. Below :data:`MAX_ZOOM` outlines are simplified by
        ``simplify_units`` tile units; at :data:`MAX_ZOOM` they are kept as they
        are, to 1/4096 of the tile (about 0.5 m at zoom 14 at Bishan's latitude).
        No tile is thinned: every feature is in every zoom level written.
    """
    path.unlink(missing_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "a tile exceeded ..." as GDAL sees fit
        pyogrio.write_dataframe(
            gdf,
            path,
            driver="PMTiles",
            layer=DATA_LAYER,
            MINZOOM=min_zoom,
            MAXZOOM=max_zoom,
            SIMPLIFICATION=simplify_units,
            SIMPLIFICATION_MAX_ZOOM=0 if max_zoom == MAX_ZOOM else simplify_units,
            **_NO_LIMIT,
        )
    return path


def _cell_m(zoom: int) -> float:
    """Return the side of the low-zoom cells at ``zoom``, Web Mercator metres (CELL_PX px)."""
    return float(_WORLD_M / 2**zoom / TILE_PX * CELL_PX)


def feature_sizes_m(merc: gpd.GeoDataFrame) -> np.ndarray:
    """Each feature's size: the longer side of its bounding box, Web Mercator metres."""
    bounds = shapely.bounds(np.asarray(merc.geometry.values))
    return np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])


def parcel_zoom(sizes_m: np.ndarray, first: int) -> int:
    """Return the first zoom at which the layer's features are drawn one by one.

    The zoom where :data:`PARCEL_SHARE` of the features are at least
    :data:`KEEP_CELLS` cells (:func:`_cell_m`) wide; below it the layer is drawn
    merged by class (:func:`class_cells`). ``sizes_m`` are the features' sizes,
    Web Mercator metres (:func:`feature_sizes_m`); ``first`` the archive's first zoom.

    Examples
    --------
    >>> parcel_zoom(np.full(10, 69.0), 8), parcel_zoom(np.full(10, 5_000.0), 8)
    (13, 8)
    """
    if not len(sizes_m):
        return first
    typical_m = float(np.quantile(sizes_m, 1 - PARCEL_SHARE))
    for zoom in range(first, MAX_ZOOM):
        if typical_m >= KEEP_CELLS * _cell_m(zoom):
            return zoom
    return MAX_ZOOM


def _cells_covered(
    geoms: np.ndarray, cell_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the cells each small feature covers: feature, column, row and area in each (m²).

    A feature under :data:`KEEP_CELLS` cells wide spans at most three cells a side.
    Its area in a cell is its area times the share of its bounding box in that cell
    (exact for the rectangles of a survey grid): every cell a feature reaches gets
    its part, so a coverage without gaps gives cells without gaps, whatever the
    features' size against the cell's (by their centres alone, 23 m parcels over
    19 m cells left every sixth column of cells empty: white lines on the map).
    Columns and rows count cells from the Web Mercator world's west and south edges.
    """
    half = _WORLD_M / 2
    bounds = (shapely.bounds(geoms) + half) / cell_m  # in cells from the world's corner
    area_m2 = shapely.area(geoms)
    box_cells = (bounds[:, 2] - bounds[:, 0]) * (bounds[:, 3] - bounds[:, 1])
    per_box_cell_m2 = np.divide(area_m2, box_cells, out=np.zeros_like(area_m2), where=box_cells > 0)
    first_x, first_y = np.floor(bounds[:, 0]), np.floor(bounds[:, 1])
    # cells spanned a side: 1 to KEEP_CELLS + 1 (a box ending on a cell's edge ends there)
    span_x = np.clip(np.ceil(bounds[:, 2]) - first_x, 1, KEEP_CELLS + 1)
    span_y = np.clip(np.ceil(bounds[:, 3]) - first_y, 1, KEEP_CELLS + 1)
    feature, ix, iy, covered = [], [], [], []
    for dx in range(KEEP_CELLS + 1):
        for dy in range(KEEP_CELLS + 1):
            some = np.flatnonzero((span_x > dx) & (span_y > dy))  # most features: 1 to 4 cells
            x0, y0, box = first_x[some] + dx, first_y[some] + dy, bounds[some]
            wide = np.minimum(box[:, 2], x0 + 1) - np.maximum(box[:, 0], x0)
            high = np.minimum(box[:, 3], y0 + 1) - np.maximum(box[:, 1], y0)
            feature.append(some)
            ix.append(x0.astype(np.int64))
            iy.append(y0.astype(np.int64))
            covered.append(per_box_cell_m2[some] * np.clip(wide, 0, 1) * np.clip(high, 0, 1))
    return (
        np.concatenate(feature),
        np.concatenate(ix),
        np.concatenate(iy),
        np.concatenate(covered),
    )


def stroke_zoom(sizes_m: np.ndarray) -> int:
    """Return the first display zoom at which the layer's outlines are drawn.

    The zoom where the typical feature (the size :data:`PARCEL_SHARE` of them reach)
    is :data:`STROKE_PX` screen pixels wide or more: below it, a 0.6 px grey edge
    on every few pixels would grey the class colours. ``sizes_m`` are the features'
    sizes, Web Mercator metres (:func:`feature_sizes_m`); a display tile is 256 px.

    Examples
    --------
    >>> stroke_zoom(np.full(10, 69.0)), stroke_zoom(np.full(10, 23.0)), stroke_zoom(np.array([]))
    (14, 16, 0)
    """
    if not len(sizes_m):
        return 0
    typical_m = max(float(np.quantile(sizes_m, 1 - PARCEL_SHARE)), 1e-3)
    zoom = np.ceil(np.log2(STROKE_PX * _WORLD_M / (256 * typical_m)))
    return int(min(max(zoom, 0), 22))


def _lonlat_sizes_m(frame: gpd.GeoDataFrame) -> np.ndarray:
    """Each WGS84 feature's size in Web Mercator metres (:func:`feature_sizes_m`), from its box.

    Web Mercator grows with longitude and latitude each on its own, so the corners of
    a feature's lon/lat box are the corners of its Web Mercator box.
    """
    radius_m = 6_378_137.0
    bounds = np.radians(shapely.bounds(np.asarray(frame.geometry.values)))
    y = radius_m * np.log(np.tan(np.pi / 4 + bounds[:, [1, 3]] / 2))
    return np.maximum(radius_m * (bounds[:, 2] - bounds[:, 0]), y[:, 1] - y[:, 0])


def class_cells(merc: gpd.GeoDataFrame, sizes_m: np.ndarray, zoom: int) -> gpd.GeoDataFrame:
    """Return the layer as drawn at ``zoom``, below its parcel zoom: small features merged by class.

    A feature :data:`KEEP_CELLS` cells wide or more is kept (one of more than eight
    vertices simplified by a screen pixel, its topology kept). The others fall in
    square cells of :data:`CELL_PX` screen pixels (aligned with the zoom's tiles), each
    in every cell it reaches (:func:`_cells_covered`); each cell takes the class (``s``)
    covering most of it; a row's adjacent cells of a class are one rectangle, and a
    tile's rectangles of a class in its even rows one multipolygon, in its odd rows
    another, marked ``merged``: a few features a tile, where the parcels would be
    hundreds of thousands of sub-pixel polygons. Rows apart, no two rectangles of a
    feature touch, so each multipolygon is valid without a union (GEOS took 40 s for
    100,000 parcels' checkerboard; GDAL repairing touching ones, 50 s for 300,000).
    The cells lie inside their tile, and GDAL is to write them unsimplified (its
    simplification would cut a lone cell's corner, and a parcel's centre with it).

    Parameters
    ----------
    merc : GeoDataFrame
        The tiles' frame (:func:`_tile_frame`) in Web Mercator, EPSG:3857.
    sizes_m : ndarray
        Each feature's size, metres (:func:`feature_sizes_m`).
    zoom : int
        The data zoom the layer is cut for.
    """
    cell_m = _cell_m(zoom)
    small = sizes_m < KEEP_CELLS * cell_m
    parts = merc[small]
    if not len(parts):
        return merc
    half = _WORLD_M / 2
    side = 2 ** (zoom + 8)  # cells across the world at this zoom (TILE_PX / CELL_PX a tile)
    classes, names = pd.factorize(parts["s"])
    feature, ix, iy, covered_m2 = _cells_covered(np.asarray(parts.geometry.values), cell_m)
    cells, where = np.unique(ix * side + iy, return_inverse=True)
    weight = np.bincount(
        where * len(names) + classes[feature],
        weights=covered_m2,
        minlength=len(cells) * len(names),
    ).reshape(len(cells), len(names))
    winner = weight.argmax(axis=1)
    cx, cy = np.divmod(cells, side)
    per_tile = TILE_PX // CELL_PX
    tile = (cx // per_tile) * 2**zoom + cy // per_tile
    group = (tile * len(names) + winner) * 2 + cy % 2  # odd rows apart from even ones
    # runs of cells along a row, of one tile and class: one rectangle each
    order = np.lexsort((cx, cy, group))
    cx, cy, group = cx[order], cy[order], group[order]
    starts = np.flatnonzero(
        np.r_[True, (group[1:] != group[:-1]) | (cy[1:] != cy[:-1]) | (cx[1:] != cx[:-1] + 1)]
    )
    ends = np.r_[starts[1:], len(cx)] - 1
    runs = shapely.box(
        cx[starts] * cell_m - half,
        cy[starts] * cell_m - half,
        (cx[ends] + 1) * cell_m - half,
        (cy[starts] + 1) * cell_m - half,
    )
    keys, first = np.unique(group[starts], return_index=True)
    keys = keys // 2  # the tile and class
    feature = np.repeat(np.arange(len(keys)), np.diff(np.r_[first, len(starts)]))
    # a tile's rectangles of a class in even (odd) rows: one feature, valid, none touching
    merged = shapely.multipolygons(runs, indices=feature)
    cells_frame = gpd.GeoDataFrame(
        {"s": np.asarray(names)[keys % len(names)], "merged": "1"}, geometry=merged, crs=merc.crs
    )
    kept = merc[~small].copy()
    outlines = np.asarray(kept.geometry.values)
    detailed = shapely.get_num_coordinates(outlines) > 8  # a square has nothing to lose
    outlines[detailed] = shapely.simplify(outlines[detailed], cell_m / CELL_PX)
    kept.geometry = outlines
    return pd.concat([kept, cells_frame], ignore_index=True)


def _web_mercator(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``frame`` in Web Mercator (EPSG:3857): from WGS84 by the projection's formula.

    EPSG:3857 is the sphere of radius 6,378,137 m: x = R λ, y = R ln tan(π/4 + φ/2),
    the same figures as pyproj's (to a nanometre) at a tenth of its time.
    """
    if frame.crs is None or not frame.crs.equals(WGS84):
        return frame.to_crs(3857)
    radius_m = 6_378_137.0

    def project(lonlat: np.ndarray) -> np.ndarray:
        lon, lat = np.radians(lonlat[:, 0]), np.radians(lonlat[:, 1])
        return np.column_stack([radius_m * lon, radius_m * np.log(np.tan(np.pi / 4 + lat / 2))])

    geoms = shapely.transform(np.asarray(frame.geometry.values), project)
    return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=3857))


def _write_job(job: tuple[gpd.GeoDataFrame, Path, int, int]) -> Path:
    """Write one zoom range's archive (a thread of its own: see :func:`write_layer_archive`).

    Zooms from the parcel zoom on are simplified by :data:`SIMPLIFY_UNITS`, the
    merged cells below it not at all (:func:`class_cells`).
    """
    frame, path, min_zoom, max_zoom = job
    units = SIMPLIFY_UNITS if "merged" not in frame.columns else 0
    return write_archive(frame, path, min_zoom=min_zoom, max_zoom=max_zoom, simplify_units=units)


def write_layer_archive(frame: gpd.GeoDataFrame, path: Path) -> Path:
    """Write the tiled layer's archive at ``path``: merged by class at low zoom, then every feature.

    From :func:`first_zoom` to the zoom below :func:`parcel_zoom`, each zoom holds
    :func:`class_cells`; from the parcel zoom to :data:`MAX_ZOOM`, every feature as
    it is (exact at :data:`MAX_ZOOM`). Each zoom is written by GDAL as an archive of
    its own, in a thread for each usable CPU for a layer of :data:`PARALLEL_FROM` features or
    more, and the archives are joined (:func:`~spatial.webmap.pmtiles_merge.join_archives`).

    Parameters
    ----------
    frame : GeoDataFrame
        The tiles' frame (:func:`_tile_frame`), any explicit CRS.
    path : Path
        The ``.pmtiles`` file written.
    """
    merc = _web_mercator(frame)
    first = first_zoom(merc)
    sizes_m = feature_sizes_m(merc)
    parcels_from = parcel_zoom(sizes_m, first)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".tiles-") as tmp:
        jobs = [(merc, Path(tmp) / f"{z}.pmtiles", z, z) for z in range(parcels_from, MAX_ZOOM + 1)]
        jobs += [
            (class_cells(merc, sizes_m, z), Path(tmp) / f"{z}.pmtiles", z, z)
            for z in range(first, parcels_from)
        ]
        workers = min(usable_cpus(), len(jobs))
        if workers > 1 and len(merc) >= PARALLEL_FROM:
            with ThreadPoolExecutor(workers) as pool:  # GDAL cuts the tiles without the GIL
                written = list(pool.map(_write_job, jobs))
        else:
            written = [_write_job(job) for job in jobs]
        join_archives(sorted(written, key=lambda p: int(p.stem)), path)
    return path


def _tile_frame(
    gdf: gpd.GeoDataFrame,
    style: LayerStyle,
    fields: list[str],
    display: Callable[[np.ndarray], np.ndarray] | None,
    outline: LayerOptions,
) -> gpd.GeoDataFrame:
    """Return the features as the tiles hold them: class key, id and style field, in WGS84.

    Outlines are simplified (``outline.simplify_m``, metres, in the layer's
    Gauss-Krüger zone) and rounded (``outline.decimals`` places of a degree) as
    the GeoJSON layer's are; a feature the rounding would make vanish is refused
    (:class:`~spatial.webmap.geojson.PrecisionError`).
    """
    keep = ~(gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy()
    gdf = gdf[keep]
    geoms = to_display_crs(gdf, outline.simplify_m)
    if outline.decimals is not None:
        names = [str(v) for v in gdf[ID_FIELD]] if ID_FIELD in gdf.columns else None
        places = np.full(len(geoms), outline.decimals)
        rounded = round_or_refuse(np.asarray(geoms.values), places, names)
        geoms = gpd.GeoSeries(rounded, crs=WGS84, index=geoms.index)
    if display is not None:
        geoms = gpd.GeoSeries(display(np.asarray(geoms.values)), crs=WGS84, index=geoms.index)
    columns = {"s": _class_keys(gdf, style, fields)} | {
        name: _as_text(gdf[name]) for name in fields
    }
    return gpd.GeoDataFrame(columns, geometry=geoms.values, crs=WGS84)


class TiledLayer(Layer, RawMacroElement):
    """A planner layer drawn from vector tiles by ``static/tiles.js``, listed in the layer control.

    ``archive`` is the PMTiles file's bytes, embedded into the page when it is
    rendered, or None when the page reads ``url`` (a file beside it) instead.
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
    var {{ this.get_name() }} = SpatialTiles.layer(
        {{ this._parent.get_name() }}, {{ this.spec_ref }});
    {%- if this.show %}
    {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
    {%- endif %}
    SpatialControls.register({{ this.layer_key|tojson }}, {{ this.get_name() }});
{% endmacro %}
"""
    )

    def __init__(self, spec: dict[str, object], style: LayerStyle, label: str) -> None:
        super().__init__(overlay=True, control=True, show=style.show)
        self._name = "SpatialTiles"
        self.label = label
        self.spec = spec
        self.spec_ref = "null"
        self.layer_key = style.name
        self.archive: bytes | None = None
        self.classes: frozenset[str] = frozenset()

    @property
    def element_id(self) -> str:
        """The ``id`` of the page element holding the embedded archive."""
        return f"spatial-tiles-{self.get_name()}"

    def render(self, **kwargs: object) -> None:  # type: ignore[override]  # see RawMacroElement
        """Embed the archive (if any) and the layer's description, then render the script."""
        spec = dict(self.spec)
        if self.archive is not None:
            text = base64.b64encode(self.archive).decode("ascii")
            element = (
                f'<script type="application/octet-stream" id="{self.element_id}">{text}</script>'
            )
            page_of(self).html.add_child(RawElement(element), name=self.element_id)
            spec["source"] = {"element": self.element_id, "name": f"{self.layer_key}.pmtiles"}
        self.spec_ref = page_value(self, spec, key=f"{self.get_name()}.spec")
        super().render(**kwargs)  # type: ignore[no-untyped-call]  # folium's Layer.render is unannotated


def label_chars(frame: pd.DataFrame, field: object) -> str:
    """Return the distinct characters of the labels the tiles hold (``field``'s values), sorted.

    The labels are drawn on the tiles' canvases from the archive, where the page's
    font subset (:func:`spatial.webmap.font.with_embedded_font`, made from the page's
    own text) cannot see them: written into the layer's description, they are
    part of the page and of its font, whatever class shares the "other" colour.

    Examples
    --------
    >>> label_chars(pd.DataFrame({"DLMC": ["水田", "旱地", None, "水田"]}), "DLMC")
    '地旱水田'
    >>> label_chars(pd.DataFrame({"DLMC": ["水田"]}), None)
    ''
    """
    if not isinstance(field, str) or field not in frame.columns:
        return ""
    values = frame[field].dropna().astype(str).unique()
    return "".join(sorted(set("".join(values))))


def _spec(
    style: LayerStyle, label: str, fields: list[str], style_field: str | None
) -> dict[str, object]:
    """Return what ``tiles.js`` needs to draw the layer (JSON, through the data block)."""
    styled = style_field if style_field in fields else None
    return {
        "dataLayer": DATA_LAYER,
        "pane": f"spatial-{style.name}",
        "zIndex": int(style.z_index),
        "styles": dict(style.paths),
        "maxZoom": MAX_ZOOM,
        "strokeFrom": MAX_ZOOM,
        "labelField": styled,
        "labelFrom": LABEL_FROM,
        "title": label,
        "fields": fields,
        "styleField": styled,
        "classLabels": {entry.key: entry.label_zh for entry in style.legend},
    }


def tiled_layer(
    gdf: gpd.GeoDataFrame,
    style: LayerStyle,
    *,
    name: str,
    style_field: str | None = None,
    display: Callable[[np.ndarray], np.ndarray] | None = None,
    archive_dir: Path | None = None,
    outline: LayerOptions | None = None,
    file_name: str | None = None,
) -> TiledLayer:
    """Build the vector-tile layer of ``gdf`` drawn in ``style``.

    Parameters
    ----------
    gdf : GeoDataFrame
        Features in any explicit CRS; tiled in Web Mercator from WGS84 lon/lat.
    style : LayerStyle
        The layer's style (its classes, colours and legend), as for the GeoJSON layer.
    name : str
        Name in the layer control and at the head of a clicked feature's fields.
    style_field : str, optional
        The field the style colours by: carried into the tiles, shown on click
        with its class's legend line, and drawn on polygons as a label from zoom
        :data:`LABEL_FROM`.
    display : callable, optional
        Applied to the WGS84 geometries for display only (the GCJ-02 shift for AMap tiles).
    archive_dir : Path, optional
        Write the archive here as ``<pane name>.pmtiles``, read by the page over
        HTTP; by default it is embedded in the page.
    outline : LayerOptions, optional
        Its ``simplify_m`` and ``decimals`` (``--simplify-m``, ``--decimals``) apply to
        the tiles as to a GeoJSON layer; its other fields are not read here.
    file_name : str, optional
        The archive's file name in ``archive_dir`` (:func:`archive_name`); by default
        ``<pane name>.pmtiles``.
    """
    fields = tile_fields(gdf, style_field)
    frame = _tile_frame(gdf, style, fields, display, outline or LayerOptions())
    shape = geometry_shape(gdf)
    spec = _spec(style, name, fields, style_field)
    if shape != "polygon":  # labels name areas: a road's or a point's class is its colour
        spec["labelField"] = None
    else:
        spec["labelChars"] = label_chars(frame, spec["labelField"])
    spec["strokeFrom"] = stroke_zoom(_lonlat_sizes_m(frame))
    planner_names = gdf.attrs.get(FIELD_NAMES, {})  # ``id`` read from the planner's BSM
    spec["fieldNames"] = {f: str(planner_names[f]) for f in fields if f in planner_names}
    layer = TiledLayer({**spec, "shape": shape}, style, name)
    layer.classes = frozenset(frame["s"])
    file_name = file_name or f"{style.name}.pmtiles"
    if archive_dir is not None:
        write_layer_archive(frame, archive_dir / file_name)
        layer.spec = {**layer.spec, "source": {"url": file_name}}
        return layer
    with tempfile.TemporaryDirectory() as tmp:
        path = write_layer_archive(frame, Path(tmp) / file_name)
        layer.archive = path.read_bytes()
    return layer


#: Names Windows keeps for its devices, whatever the extension (``con.pmtiles`` cannot be made).
_DEVICE_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL", *(f"{kind}{i}" for kind in ("COM", "LPT") for i in range(1, 10))]
)


def archive_name(layer_name: str, fallback: str, taken: Collection[str] = ()) -> str:
    """Return the file name of a layer's archive in a map folder: ``<layer name>.pmtiles``.

    Letters (Chinese too), digits, ``-`` and ``_`` are kept, every other run of
    characters becomes one ``-`` (no path, no dot file, at most 60 characters);
    a name left empty or one of Windows' device names takes ``fallback`` (the
    layer's pane, ``extra-0``), and a name already ``taken`` (compared without
    case) gets ``-2``, ``-3``... .

    Examples
    --------
    >>> archive_name("parcels", "extra-0"), archive_name("永久基本农田", "extra-1")
    ('parcels.pmtiles', '永久基本农田.pmtiles')
    >>> archive_name("../a b/.c", "extra-0"), archive_name("..", "extra-2")
    ('a-b-c.pmtiles', 'extra-2.pmtiles')
    >>> archive_name("CON", "extra-0"), archive_name("a", "x", {"a.pmtiles"})
    ('extra-0.pmtiles', 'a-2.pmtiles')
    """
    stem = re.sub(r"[^\w-]+", "-", layer_name)
    stem = re.sub(r"-{2,}", "-", stem).strip("-_")[:60].strip("-_")
    if not stem or stem.upper() in _DEVICE_NAMES:
        stem = fallback
    name, count = f"{stem}.pmtiles", 1
    while name.casefold() in {t.casefold() for t in taken}:
        count += 1
        name = f"{stem}-{count}.pmtiles"
    return name


@cache
def tiles_js() -> str:
    """Return the vendored ``pmtiles``, ``protomaps-leaflet`` (licences ahead) and ``tiles.js``."""
    vendored = [plugin(p.name) for p in plugins() if p.maps == "tiles"]
    own = (_STATIC / "tiles.js").read_text(encoding="utf-8")
    if "</script" in own.lower():
        raise ValueError("static/tiles.js contains '</script'; it cannot be embedded")
    return "\n".join([*(f"{p.banner}\n{p.js()}" for p in vendored), own])


def add_tiled_layer(  # noqa: PLR0913 - the tiled layer's options, then its archive's name
    m: folium.Map,
    gdf: gpd.GeoDataFrame,
    style: LayerStyle,
    label: str,
    style_field: str | None,
    display: Callable[[np.ndarray], np.ndarray] | None,
    archive_dir: str | os.PathLike[str] | None,
    outline: LayerOptions | None = None,
    *,
    layer_name: str | None = None,
) -> TiledLayer:
    """Build the tiled layer (:func:`tiled_layer`) and put the tile scripts in ``m``'s page once.

    The caller adds the layer to the map, as it does a GeoJSON layer. Its archive in
    ``archive_dir`` is named after ``layer_name`` (the layer's role or the planner's
    name for it, ``parcels.pmtiles``: :func:`archive_name`), else after its pane.
    """
    header = page_of(m).header
    if "spatial_tiles_js" not in header._children:
        header.add_child(RawElement(f"<script>{tiles_js()}</script>"), name="spatial_tiles_js")
    folder = Path(archive_dir) if archive_dir is not None else None
    taken: set[str] = m.__dict__.setdefault("_spatial_archive_names", set())
    file_name = archive_name(layer_name or style.name, style.name, taken)
    taken.add(file_name.casefold())
    return tiled_layer(
        gdf,
        style,
        name=label,
        style_field=style_field,
        display=display,
        archive_dir=folder,
        outline=outline,
        file_name=file_name,
    )
