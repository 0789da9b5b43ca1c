"""The compare map of ``spatial diff --map``: two versions of a layer under a swipe, offline.

The old version is drawn on the left of a draggable divider, the new one on the
right (the npm package ``leaflet-side-by-side``, vendored with the other
Leaflet plugins in ``static/vendor/`` and listed in its ``MANIFEST.json`` with
its licence, version and sha256, and inlined like Leaflet itself); the 调入/调出
pieces lie on top, unclipped, the removed ones (dashed outlines) above the added
ones (filled) so both show; features whose land-use class changed are outlined,
their popup giving old → new class (named from the 2023 classification).
Re-identified features (same land, new ids: a road split in two, a parcel
renumbered) have no pieces and are drawn in a thin grey outline, unfilled,
their popup naming the old and the new ids (:func:`reids`). No
tiles: the page makes no network request; the page embeds its font (Noto Sans
SC, :mod:`spatial.webmap.font`), so its Chinese shows without system fonts. On a
narrow screen the layer control folds to its button, clear of the title.
Layers marked ``synthetic`` put a 示例数据 warning in the title panel.

A large diff (a version of ``tiles_from`` features or more, the threshold of
``spatial map``'s vector tiles, :data:`spatial.webmap.choices.TILES_FROM`) gets
another page (:func:`build_large_compare_map`): its unchanged features, the same
in both versions, are one layer of vector tiles (:mod:`spatial.webmap.tiles`,
embedded in the page or written beside it); the changed ones (added, removed,
geometry, class or other attributes changed: :func:`changed_features`) lie above
as GeoJSON, a colour per kind counted in the legend, their popups naming the
id by the planner's field (编号 BSM), old → new class and old and new area in m²;
the map opens on the changes. Without a swipe: both sides of it would be the
same tiles.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from functools import cache
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from spatial.crs import WGS84, reproject
from spatial.io.atomic import write_text_atomic
from spatial.io.fields import FIELD_NAMES
from spatial.landuse.classes import load_classes
from spatial.preconditions import id_texts
from spatial.publish.escape import escape_text, script_json
from spatial.synthetic import SYNTHETIC_NOTE, is_synthetic, marked_only
from spatial.webmap import controls
from spatial.webmap.assets import add_assets, plugin
from spatial.webmap.choices import TILES_FROM
from spatial.webmap.font import with_embedded_font
from spatial.webmap.layer import GeoJsonLayer, styled_layer
from spatial.webmap.legend import legend_html
from spatial.webmap.page import RawElement, page_of
from spatial.webmap.styles._base import LayerStyle, LegendEntry, Row
from spatial.webmap.styles.conflicts import synthetic_lines
from spatial.webmap.styles.versions import (
    DIFF_CLASSES,
    DIFF_NEW,
    DIFF_OLD,
    DIFF_PIECES,
    DIFF_UNCHANGED,
    changes_style,
)
from spatial.webmap.tiles import add_tiled_layer

__all__ = [
    "REID_STYLE",
    "SIDE_BY_SIDE",
    "UNCHANGED_LAYER",
    "build_compare_map",
    "build_large_compare_map",
    "change_kinds",
    "changed_features",
    "class_changes",
    "is_large_diff",
    "reids",
    "render_compare_map",
    "side_by_side_js",
    "unchanged_features",
]

#: The npm package of the swipe control, as static/vendor/MANIFEST.json names it.
SIDE_BY_SIDE = "leaflet-side-by-side"
TITLE_ZH = "版本对比（左：旧版，右：新版）"
TITLE_EN = "Compare versions (left: old, right: new); drag the divider"
#: The title's warning (示例数据) stays on a phone, where controls.css folds the other notes.
WARNING_ON_PHONE_CSS = (
    "@media (max-width: 600px) { .sp-title p.sp-note.sp-gcj:not(.sp-verdict) { display: block; } }"
)


@cache
def side_by_side_js() -> str:
    """Return the plugin's CommonJS source wrapped to run on the page's global ``L``."""
    swipe = plugin(SIDE_BY_SIDE)
    # The package starts with `var L = require('leaflet')`, which shadows the global L
    # inside the wrapper: hand require() the global before that line runs.
    shim = (
        "var module = {exports: {}}, leaflet = window.L;"
        " var require = function (n) { return n === 'leaflet' ? leaflet : {}; };"
    )
    return f"{swipe.banner}\n(function () {{ {shim}\n{swipe.js()}\n}})();"


@cache
def side_by_side_css() -> str:
    """Return the plugin's CSS, its range icon inlined as a ``data:`` URI."""
    return plugin(SIDE_BY_SIDE).css()


def _fit(m: folium.Map, layers: Sequence[gpd.GeoDataFrame]) -> None:
    """Fit the view to every layer; folium takes (lat, lon) corners."""
    bounds = np.array([reproject(g, WGS84).total_bounds for g in layers if len(g)])
    west, south = bounds[:, 0].min(), bounds[:, 1].min()
    east, north = bounds[:, 2].max(), bounds[:, 3].max()
    corners = [[float(south), float(west)], [float(north), float(east)]]
    m.fit_bounds(corners)
    controls.add_keep_fitted(m, corners)  # fitted again at a new size


def _swipe(m: folium.Map, left: str, right: str) -> str:
    panes = script_json([f"spatial-{DIFF_OLD.name}", f"spatial-{DIFF_NEW.name}"])
    return (
        f"(function () {{ var map = {m.get_name()}, panes = {panes};"
        f" {left}.getContainer = function () {{ return map.getPane(panes[0]); }};"
        f" {right}.getContainer = function () {{ return map.getPane(panes[1]); }};"
        f" window.spatialSwipe = L.control.sideBySide({left}, {right}).addTo(map); }})();"
    )


def _class_text(code: object) -> str:
    """Return a class code with its 2023 class name (the code alone when not a class)."""
    classes = load_classes()
    text = str(code)
    return f"{text} {classes[text].name_zh}" if text in classes else text


def class_changes(
    new: gpd.GeoDataFrame, features: pd.DataFrame, id_field: str = "id"
) -> gpd.GeoDataFrame:
    """Return NEW's features whose land-use class differs from OLD's, with old → new in words.

    Parameters
    ----------
    new : geopandas.GeoDataFrame
        The new version (any explicit CRS; kept).
    features : pandas.DataFrame
        :attr:`spatial.review.diff.LayerDiff.features` (``id``, ``old_class``,
        ``new_class``); a feature in one version only has no class change.
    id_field : str
        NEW's field holding the ids of ``features``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``id``, ``old_class``, ``new_class``, ``class_change`` (e.g. ``"1001
        工业用地 → 0701 城镇住宅用地"``) and ``synthetic`` where NEW marks it.
    """
    both = features["old_class"].notna() & features["new_class"].notna()
    rows = features[both & (features["old_class"].astype(str) != features["new_class"].astype(str))]
    by_id = rows.set_index(id_texts(rows["id"]))
    part = new[id_texts(new[id_field]).isin(by_id.index).to_numpy()]
    ids = id_texts(part[id_field]).to_numpy(dtype=object)
    matched = by_id.reindex(ids)
    old_class, new_class = matched["old_class"], matched["new_class"]
    columns: dict[str, object] = {
        "id": ids,
        "old_class": old_class.astype(str).to_numpy(),
        "new_class": new_class.astype(str).to_numpy(),
        "class_change": [
            f"{_class_text(a)} → {_class_text(b)}"
            for a, b in zip(old_class, new_class, strict=True)
        ],
    }
    if "synthetic" in part.columns:
        columns["synthetic"] = part["synthetic"].to_numpy()
    return gpd.GeoDataFrame(columns, geometry=part.geometry.to_numpy(), crs=new.crs)


def _reid_rows(row: Row) -> list[tuple[str, object]]:
    return [
        *synthetic_lines(row),
        ("旧编号 Old ids", row.get("old_ids")),
        ("新编号 New ids", row.get("new_ids")),
        ("地类变化 Class change", row.get("class_change")),
    ]


#: Re-identified land: a neutral thin outline, no fill, no hatch (it is no change of land).
REID_STYLE = LayerStyle(
    name="diff_reids",
    title_zh="重新编号",
    title_en="Re-identified (same land, new ids)",
    paths={"reid": {"color": "#636363", "weight": 1.5, "fillOpacity": 0.0, "fill": False}},
    classify=lambda row: "reid",
    legend=(LegendEntry("reid", "polygon", "重新编号（地块不变）", "same land, new ids"),),
    z_index=455,
    popup_rows=_reid_rows,
    hidden=frozenset({"old_ids", "new_ids", "class_change", "synthetic"}),
)


def reids(new: gpd.GeoDataFrame, features: pd.DataFrame, id_field: str = "id") -> gpd.GeoDataFrame:
    """Return NEW's re-identified features, each with the OLD ids its land had.

    Parameters
    ----------
    new : geopandas.GeoDataFrame
        The new version (any explicit CRS; kept).
    features : pandas.DataFrame
        :attr:`spatial.review.diff.LayerDiff.features`; re-ids are the rows of
        NEW's side: status ``added``, ``old_ids`` naming OLD's features. Without
        the ``old_ids`` column there is none.
    id_field : str
        NEW's field holding the ids of ``features``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``id`` and ``new_ids`` (this feature's id), ``old_ids``, ``class_change`` ("old →
        new" class where the land's class changed, else None) and ``synthetic``
        where NEW marks it.
    """
    if "old_ids" not in features.columns:  # no re-id
        return gpd.GeoDataFrame({"id": [], "old_ids": [], "new_ids": []}, geometry=[], crs=new.crs)
    rows = features[features["old_ids"].fillna("").astype(str) != ""]  # NEW's side
    by_id = rows.set_index(id_texts(rows["id"]))
    part = new[id_texts(new[id_field]).isin(by_id.index).to_numpy()]
    ids = id_texts(part[id_field]).to_numpy(dtype=object)
    matched = by_id.reindex(ids)
    old_class = features.set_index(id_texts(features["id"]))["old_class"]
    columns: dict[str, object] = {
        "id": ids,
        "old_ids": matched["old_ids"].astype(str).to_numpy(),
        "new_ids": ids,
        "class_change": [
            _reid_class(old_class, str(before), after)
            for before, after in zip(matched["old_ids"], matched["new_class"], strict=True)
        ],
    }
    if "synthetic" in part.columns:
        columns["synthetic"] = part["synthetic"].to_numpy()
    return gpd.GeoDataFrame(columns, geometry=part.geometry.to_numpy(), crs=new.crs)


def _reid_class(old_class: pd.Series, old_ids: str, new_class: object) -> str | None:
    """Return "old → new" class of re-identified land when its class changed, else None."""
    if _is_blank(new_class):
        return None
    before = {str(c) for c in old_class.reindex(old_ids.split(", ")) if not _is_blank(c)}
    if not before or before == {str(new_class)}:
        return None
    return f"{'、'.join(_class_text(c) for c in sorted(before))} → {_class_text(new_class)}"


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _removed_on_top(pieces: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the pieces with the removed ones last, drawn over the added (stable otherwise)."""
    if "change" not in pieces.columns:
        return pieces
    order = np.argsort((pieces["change"] != "added").to_numpy(), kind="stable")
    return pieces.iloc[order]


def build_compare_map(
    old: gpd.GeoDataFrame,
    new: gpd.GeoDataFrame,
    pieces: gpd.GeoDataFrame,
    names: tuple[str, str] = ("old", "new"),
    *,
    changes: gpd.GeoDataFrame | None = None,
    reidentified: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """Build the compare map of two versions of a layer and their 调入/调出 pieces.

    Parameters
    ----------
    old, new : geopandas.GeoDataFrame
        The two versions (any explicit CRS; drawn in WGS84 lon/lat).
    pieces : geopandas.GeoDataFrame
        :attr:`spatial.review.diff.LayerDiff.pieces`.
    names : (str, str)
        The versions' file names, shown in the layer control (escaped here).
    changes : geopandas.GeoDataFrame, optional
        Features whose class changed (:func:`class_changes`); a layer when any.
    reidentified : geopandas.GeoDataFrame, optional
        Re-identified features (:func:`reids`); a grey outline layer when any.
    """
    m = folium.Map(location=None, tiles=None, control_scale=False, zoom_snap=0.25)
    page_of(m).title = escape_text(f"{TITLE_ZH} {TITLE_EN}")
    add_assets(m)
    header = page_of(m).header
    # written as they are, never compiled as templates (see spatial.webmap.page)
    header.add_child(RawElement(f"<style>{side_by_side_css()}</style>"), name="sbs_css")
    header.add_child(RawElement(f"<style>{WARNING_ON_PHONE_CSS}</style>"), name="warning_css")
    header.add_child(RawElement(f"<script>{side_by_side_js()}</script>"), name="sbs_js")
    drawn = []
    layers: list[tuple[gpd.GeoDataFrame, LayerStyle, str | None]] = [
        (old, DIFF_OLD, f"{DIFF_OLD.title_zh} {DIFF_OLD.title_en} ({Path(names[0]).name})"),
        (new, DIFF_NEW, f"{DIFF_NEW.title_zh} {DIFF_NEW.title_en} ({Path(names[1]).name})"),
    ]
    if changes is not None and len(changes):
        layers.append((changes, DIFF_CLASSES, None))
    if reidentified is not None and len(reidentified):
        layers.append((reidentified, REID_STYLE, None))
    layers.append((_removed_on_top(pieces), DIFF_PIECES, None))
    for gdf, style, label in layers:
        layer = styled_layer(gdf, style, name=label)
        layer.add_to(m)
        drawn.append((style, layer))
    _fit(m, [old, new])
    controls.add_layer_control(m)
    controls.add_layer_control_fold(m)
    m.add_child(controls.MapScript(_swipe(m, drawn[0][1].get_name(), drawn[1][1].get_name())))
    notes = ["面积按CGCS2000椭球计算 Areas are ellipsoidal (CGCS2000)."]
    warning = SYNTHETIC_NOTE if is_synthetic(old, new, pieces) else None
    controls.add_title(m, TITLE_ZH, TITLE_EN, notes, warning)
    controls.add_legend(m, legend_html([(style, layer.classes) for style, layer in drawn]))
    controls.add_scale(m)
    controls.add_ready_flag(m)
    return m


def render_compare_map(  # noqa: PLR0913 - the versions, then how the large page is written
    path: str | os.PathLike[str],
    old: gpd.GeoDataFrame,
    new: gpd.GeoDataFrame,
    pieces: gpd.GeoDataFrame,
    names: tuple[str, str] = ("old", "new"),
    *,
    features: pd.DataFrame | None = None,
    id_field: str = "id",
    class_field: str | None = None,
    tiles_from: int = TILES_FROM,
    archive_dir: Path | None = None,
) -> Path:
    """Build the compare map and write it as one HTML file at ``path`` (atomically).

    With ``features`` (:attr:`~spatial.review.diff.LayerDiff.features`, ids in
    NEW's ``id_field``), the features whose class changed are a layer of their
    own, and the re-identified ones (same land, new ids) a grey outline.
    The page embeds its font (:func:`~spatial.webmap.font.with_embedded_font`).

    A large diff (:func:`is_large_diff`: a version of ``tiles_from`` features or
    more, with ``features``) is drawn by :func:`build_large_compare_map`: the
    unchanged features' vector tiles embedded in the page, or written to
    ``archive_dir`` as ``unchanged.pmtiles`` (:data:`UNCHANGED_LAYER`) for
    ``spatial serve`` to hand out.
    """
    if features is not None and is_large_diff(old, new, tiles_from):
        m = build_large_compare_map(
            old,
            new,
            pieces,
            names,
            features=features,
            fields=(id_field, class_field),
            archive_dir=archive_dir,
        )
        return write_text_atomic(path, with_embedded_font(m.get_root().render()))
    changes = None if features is None else class_changes(new, features, id_field)
    again = None if features is None else reids(new, features, id_field)
    m = build_compare_map(old, new, pieces, names, changes=changes, reidentified=again)
    html = m.get_root().render()
    return write_text_atomic(path, with_embedded_font(html))


#: The unchanged features' layer on a large diff's map: its archive is ``unchanged.pmtiles``.
UNCHANGED_LAYER = "unchanged"
TITLE_LARGE_ZH = "版本对比：变化要素"
TITLE_LARGE_EN = "Compare versions: the changed features over the unchanged ones"


def is_large_diff(old: gpd.GeoDataFrame, new: gpd.GeoDataFrame, tiles_from: int) -> bool:
    """Whether the compare map draws the unchanged features as vector tiles.

    One rule with ``spatial map``'s layers: a version of ``tiles_from`` features or
    more (:data:`~spatial.webmap.choices.TILES_FROM`, 50,000, by default).
    """
    return max(len(old), len(new)) >= tiles_from


def change_kinds(features: pd.DataFrame) -> pd.Series:
    """Return each feature's kind of change on the large diff's map (None: not drawn as one).

    The feature table's status (added, removed, geometry_changed,
    attributes_changed), ``class_changed`` for an ``attributes_changed`` row whose
    ``old_class`` and ``new_class`` differ; None for the unchanged and for re-ids
    (same land, new ids: drawn apart, :func:`reids`).

    Examples
    --------
    >>> table = pd.DataFrame({"status": ["unchanged", "attributes_changed", "attributes_changed",
    ...     "removed"], "old_class": ["a", "a", "a", "a"], "new_class": ["a", "b", "a", None]})
    >>> change_kinds(table).tolist()
    [None, 'class_changed', 'attributes_changed', 'removed']
    """
    status = features["status"].astype(object)
    old, new = features["old_class"], features["new_class"]
    differs = old.notna() & new.notna() & (old.astype(str) != new.astype(str))
    kinds = status.where(~((status == "attributes_changed") & differs), "class_changed")
    kinds = kinds.where(status != "unchanged", None)
    if "old_ids" in features.columns:  # re-ids are drawn by reids()
        blank = features["old_ids"].fillna("").astype(str).eq("")
        blank &= features["new_ids"].fillna("").astype(str).eq("")
        kinds = kinds.where(blank, None)
    return kinds


def _rows_of(version: gpd.GeoDataFrame, id_field: str, ids: pd.Index) -> gpd.GeoDataFrame:
    """Return the features of ``version`` whose id (as text) is one of ``ids``."""
    return version[id_texts(version[id_field]).isin(ids).to_numpy()]


def changed_features(
    old: gpd.GeoDataFrame, new: gpd.GeoDataFrame, features: pd.DataFrame, id_field: str = "id"
) -> gpd.GeoDataFrame:
    """Return the changed features to draw: NEW's outline, OLD's for a removed one.

    Parameters
    ----------
    old, new : geopandas.GeoDataFrame
        The two versions as compared (one explicit CRS, kept), ids in ``id_field``.
    features : pandas.DataFrame
        :attr:`spatial.review.diff.LayerDiff.features`.
    id_field : str
        The versions' id field.

    Returns
    -------
    geopandas.GeoDataFrame
        ``id``, ``change`` (:func:`change_kinds`), ``old_class``, ``new_class``,
        ``old_m2``, ``new_m2`` (areas of record, m²) and ``synthetic`` where the
        versions mark a feature so, in NEW's CRS.
    """
    kinds = change_kinds(features)
    rows = features[kinds.notna().to_numpy()].assign(change=kinds[kinds.notna()])
    rows = rows.set_index(id_texts(rows["id"]))
    gone = rows.index[rows["change"] == "removed"]
    parts = [_rows_of(new, id_field, rows.index.difference(gone)), _rows_of(old, id_field, gone)]
    ids = np.concatenate([id_texts(p[id_field]).to_numpy(dtype=object) for p in parts])
    matched = rows.reindex(ids)
    columns = ["change", "old_class", "new_class", "old_m2", "new_m2"]
    frame = pd.DataFrame({"id": ids, **{c: matched[c].to_numpy() for c in columns}})
    if any("synthetic" in p.columns for p in parts):
        flags = [p.get("synthetic", pd.Series(False, index=p.index)) for p in parts]
        frame["synthetic"] = np.concatenate([f.fillna(False).astype(bool) for f in flags])
    geoms = np.concatenate([np.asarray(p.geometry.values) for p in parts])
    return marked_only(gpd.GeoDataFrame(frame, geometry=geoms, crs=new.crs))


def unchanged_features(
    new: gpd.GeoDataFrame, features: pd.DataFrame, id_field: str, class_field: str | None
) -> gpd.GeoDataFrame:
    """Return the features no version changed, as the tiles carry them: ``id`` and the class.

    NEW's outline (the same as OLD's within the diff's geometry tolerance); ``id``
    read from ``id_field``, so a click names it by the planner's field (``BSM: ...``,
    :data:`~spatial.io.fields.FIELD_NAMES`); the class field as it is, when given.
    """
    same = pd.Index(id_texts(features.loc[features["status"] == "unchanged", "id"]))
    part = _rows_of(new, id_field, same)
    columns = {"id": id_texts(part[id_field]).to_numpy(dtype=object)}
    if class_field is not None and class_field in part.columns:
        columns[class_field] = part[class_field].to_numpy()
    frame = gpd.GeoDataFrame(columns, geometry=part.geometry.to_numpy(), crs=new.crs)
    if id_field != "id":
        frame.attrs[FIELD_NAMES] = {"id": id_field}
    return frame


def _crs_note(crs: object) -> str:
    """Return the title's line naming the versions' CRS (compared in it, drawn in WGS84)."""
    from pyproj import CRS  # noqa: PLC0415 - geopandas has it loaded

    given = CRS.from_user_input(crs)
    code = given.to_epsg()
    name = f"{given.name} (EPSG:{code})" if code else given.name
    return f"坐标系 CRS: {name}; 地图按 WGS84 经纬度显示 drawn in WGS84 lon/lat."


def _count_note(counts: pd.Series, unchanged: int) -> str:
    changed = int(counts.sum())
    return (
        f"{changed:,} 个变化要素 changed features over {unchanged:,} unchanged ones"
        " (矢量切片 vector tiles)."
    )


def _large_layers(
    m: folium.Map,
    old: gpd.GeoDataFrame,
    new: gpd.GeoDataFrame,
    pieces: gpd.GeoDataFrame,
    features: pd.DataFrame,
    fields: tuple[str, str | None],
) -> tuple[list[tuple[LayerStyle, GeoJsonLayer]], list[gpd.GeoDataFrame], pd.Series]:
    """Add the changed features, the re-ids and the pieces; return them drawn, and the counts."""
    id_field, class_field = fields
    changed = changed_features(old, new, features, id_field)
    counts = changed["change"].value_counts()
    again = reids(new, features, id_field)
    theirs = {"id": id_field} if id_field != "id" else None
    layers = [
        (changed, changes_style({str(k): int(n) for k, n in counts.items()}, class_field), theirs),
        (again, REID_STYLE, None),
        (_removed_on_top(pieces), DIFF_PIECES, None),
    ]
    drawn: list[tuple[LayerStyle, GeoJsonLayer]] = []
    for gdf, style, named in layers:
        if not len(gdf) and style is not DIFF_PIECES:
            continue
        layer = styled_layer(gdf, style, fields=named)
        layer.add_to(m)
        drawn.append((style, layer))
    return drawn, [changed, again, pieces], counts


def build_large_compare_map(
    old: gpd.GeoDataFrame,
    new: gpd.GeoDataFrame,
    pieces: gpd.GeoDataFrame,
    names: tuple[str, str] = ("old", "new"),
    *,
    features: pd.DataFrame,
    fields: tuple[str, str | None] = ("id", None),
    archive_dir: Path | None = None,
) -> folium.Map:
    """Build the compare map of a large diff: the unchanged as tiles, the changes above.

    Parameters
    ----------
    old, new : geopandas.GeoDataFrame
        The two versions as compared (one explicit CRS, stated on the page; drawn
        in WGS84 lon/lat).
    pieces : geopandas.GeoDataFrame
        :attr:`spatial.review.diff.LayerDiff.pieces`.
    names : (str, str)
        The versions' file names, shown in the title (escaped there) and the tiles' layer name.
    features : pandas.DataFrame
        :attr:`spatial.review.diff.LayerDiff.features`.
    fields : (str, str or None)
        The versions' id field (``BSM``) and land-use class field (``YDYHFLDM``).
    archive_dir : Path, optional
        Write the tiles here as ``unchanged.pmtiles``; by default embedded in the page.
    """
    id_field, class_field = fields
    m = folium.Map(location=None, tiles=None, control_scale=False, zoom_snap=0.25)
    page_of(m).title = escape_text(f"{TITLE_LARGE_ZH} {TITLE_LARGE_EN}")
    add_assets(m)
    page_of(m).header.add_child(
        RawElement(f"<style>{WARNING_ON_PHONE_CSS}</style>"), name="warning_css"
    )
    same = unchanged_features(new, features, id_field, class_field)
    legend: list[tuple[LayerStyle, Collection[str]]] = []
    if len(same):  # every feature changed (a survey renumbered): no tiles to draw
        label = f"{DIFF_UNCHANGED.title_zh} {DIFF_UNCHANGED.title_en} ({Path(names[1]).name})"
        tiled = add_tiled_layer(
            m,
            same,
            DIFF_UNCHANGED,
            label,
            class_field,
            None,
            archive_dir,
            layer_name=UNCHANGED_LAYER,
        )
        tiled.add_to(m)
        legend.append((DIFF_UNCHANGED, tiled.classes))
    drawn, shown, counts = _large_layers(m, old, new, pieces, features, fields)
    _fit(m, [g for g in shown if len(g)] or [old, new])
    controls.add_layer_control(m)
    controls.add_layer_control_fold(m)
    notes = [
        "面积按CGCS2000椭球计算 Areas are ellipsoidal (CGCS2000).",
        f"旧版 Old: {Path(names[0]).name}; 新版 New: {Path(names[1]).name}",
        _crs_note(new.crs),
        _count_note(counts, len(same)),
    ]
    warning = SYNTHETIC_NOTE if is_synthetic(old, new, pieces) else None
    controls.add_title(m, TITLE_LARGE_ZH, TITLE_LARGE_EN, notes, warning)
    legend += [(style, layer.classes) for style, layer in drawn]
    controls.add_legend(m, legend_html(legend))
    controls.add_scale(m)
    controls.add_ready_flag(m)
    return m
