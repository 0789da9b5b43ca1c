"""三区三线 conflicts by the land they occupy: each conflict split by the land-use layer's class.

A conflict (a zone's part in 永久基本农田 or 生态保护红线, or outside 城镇开发边界:
the rows of the conflicts table, per constraint, zone and constraint class) is
cut by the land-use layer's parcels, as the 用地平衡表 cuts a zone
(:func:`spatial.review.balance.balance_table`, the same function): the pieces
are moved into the land-use layer's storage frame (a Gauss–Krüger survey stays
in its plane; the pieces, made in the frame of the check and given in lon/lat,
are moved into it with their edges densified) and cut there; each part is
measured by the survey rule (:func:`spatial.measure.record.area_of_record_m2`)
and summed per class; the part of a conflict no parcel covers is a row of its
own (``landuse_class`` None, ``landuse_name`` 未覆盖, as the balance names it).
A row under :data:`SLIVER_M2` (a parcel the conflict only touches) is left out.

The rows of one conflict are then reconciled to the conflict's own figure (the
``area_m2`` of its row in the conflicts table, itself reconciled to the rule's
figure) by the land survey's proportional adjustment
(:func:`spatial.measure.reconcile.reconcile_groups`): they add up to it exactly,
``area_raw_m2`` keeps each as measured. Class names come from the published
2023 code list (:func:`spatial.landuse.classes.load_classes`).

Units: ``area_m2`` square metres, ``area_ha`` hectares, ``area_mu`` 亩.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS

from spatial.checked.report import CUT_FRAMES_ATTR
from spatial.crs import reproject
from spatial.landuse.classes import load_classes
from spatial.landuse.fields import CLASS_CODE_FIELD
from spatial.measure.reconcile import reconcile_groups
from spatial.measure.record import area_of_record_m2
from spatial.measure.rings import polygonal
from spatial.review.balance import UNCOVERED_NAME, balance_table
from spatial.units import M2_PER_HA, M2_PER_MU
from spatial.validate.frame import into_crs

__all__ = [
    "CONFLICT_KEYS",
    "LANDUSE_COLUMNS",
    "ON_GRID_M",
    "RETURN_GRID_M",
    "SLIVER_M2",
    "conflicts_by_landuse",
    "largest_adjustment",
    "pieces_by_landuse",
]

#: The columns naming one conflict (a row of the conflicts table without land use).
CONFLICT_KEYS = ["constraint", "zone_id", "class_code"]
#: Columns of the conflicts table split by land-use class, in order.
LANDUSE_COLUMNS = [
    *CONFLICT_KEYS,
    "landuse_class",
    "landuse_name",
    "area_m2",
    "area_ha",
    "area_mu",
    "area_raw_m2",
]
#: Grid (metres) a conflict's vertices are put on when they come back into the projected frame
#: they were cut in (:func:`_in_frame`): finer than any survey's coordinates, coarser than
#: PROJ's round trip through lon/lat (about 1e-10 m).
RETURN_GRID_M = 1e-6
#: A vertex back within this of that grid was on it (metres: the round trip moves it about
#: 1e-10 m); one further off (full-precision coordinates, reprojected data) stays where the
#: round trip put it, 2e-9 m from the cut's, not moved up to half the grid (5e-7 m) further.
ON_GRID_M = 1e-8
#: A conflict's class row (or 未覆盖 row) below this area, as measured, is a sliver left out,
#: m²: 1,000 mm², far above the residue of moving a piece's vertices to lon/lat and back
#: (about 1e-7 m² on the survey coverage's 1.2 km edges) and below anything a survey states.
SLIVER_M2 = 1e-3
_Frames = Mapping[str, CRS]
#: About how many vertices of a conflict's land one tile holds (:func:`_tiles`).
_TILE_VERTICES = 5_000
#: The conflicts layer's name in messages (the pieces of the check, not a file).
_PIECES = "conflict pieces"
#: The toolkit's id column of the conflicts when cut (one id per conflict, its position).
_ID = "conflict"


def _conflicts(pieces: gpd.GeoDataFrame) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Return the conflicts (keys and ``area_m2``) and each one's land, its pieces unioned.

    Grouped as the conflicts table groups them (a missing class as ``-``); the
    land keeps the pieces' CRS and gets a text id, the conflict's position.
    """
    keyed = pd.DataFrame(pieces.drop(columns="geometry")).assign(
        class_code=pieces["class_code"].fillna("-")
    )
    grouped = keyed.groupby(CONFLICT_KEYS, sort=False, dropna=False)
    conflicts = grouped["area_m2"].sum().reset_index()
    geoms = np.asarray(pieces.geometry.array, dtype=object)
    lands = [shapely.union_all(geoms[at]) for at in grouped.indices.values()]
    land = gpd.GeoDataFrame(
        {_ID: [str(k) for k in range(len(conflicts))]}, geometry=lands, crs=pieces.crs
    )
    return conflicts, land


def _cut_frames(pieces: gpd.GeoDataFrame) -> dict[str, CRS]:
    """Return, by constraint, the CRS the check cut its pieces in, as the pieces carry it.

    :func:`spatial.checks.constraints.conflict_pieces` names them in its
    ``attrs``; pieces from elsewhere name none (then ``frames`` must).
    """
    named = pieces.attrs.get(CUT_FRAMES_ATTR) or {}
    return {str(name): CRS.from_wkt(str(wkt)) for name, wkt in named.items()}


def _in_frame(
    land: gpd.GeoDataFrame, constraints: pd.Series, landuse: gpd.GeoDataFrame, frames: _Frames
) -> gpd.GeoDataFrame:
    """Return the conflicts' land in the land-use layer's CRS, as valid polygons.

    A conflict cut in that CRS (``frames``, by constraint) and given in lon/lat
    had its vertices converted one by one: they are converted back one by one
    (``to_crs``) and put on a :data:`RETURN_GRID_M` grid, so its edges are again
    those of the cut. PROJ's round trip leaves them about 1e-10 m off: a zone's
    1.2 km edge, its ends moved apart so, crosses the road's edge it lay on,
    and the cut puts a vertex there that the road's edge lacks (a lens of
    8.5 m² off the road's row). Vertices of a survey (mm, or any decimal grid
    as fine as 1e-6 m) come back as they were; a vertex off that grid (full
    precision) stays where the round trip put it, about 2e-9 m off. Any other
    is moved with its edges densified
    (:func:`spatial.validate.frame.into_crs`), its lon/lat-straight edges
    followed in the plane. A piece whose move folds a sliver onto itself is
    made valid (``shapely.make_valid``), its polygonal part kept.
    """
    crs = CRS.from_user_input(landuse.crs)
    back = np.array(
        [frames.get(str(c)) is not None and crs.equals(frames[str(c)]) for c in constraints]
    )
    moved = land.copy()
    if back.any():
        returned = np.asarray(reproject(land[back], crs).geometry.array, dtype=object)
        if _in_metres(crs):  # the round trip's 1e-10 m off the cut's vertices, snapped back
            returned = shapely.transform(returned, _back_on_grid)
        moved.loc[back, "geometry"] = returned
    if (~back).any():
        densified, _ = into_crs(land[~back], _PIECES, crs, "the land-use layer", "cut by class")
        moved.loc[~back, "geometry"] = densified.geometry.to_numpy()
    geoms = np.asarray(moved.geometry.array, dtype=object)
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms[bad] = polygonal(shapely.make_valid(geoms[bad]))
    return gpd.GeoDataFrame({_ID: land[_ID].to_numpy()}, geometry=list(geoms), crs=crs)


def _in_metres(crs: CRS) -> bool:
    """Whether ``crs`` is projected with metre axes (where :data:`RETURN_GRID_M` is metres)."""
    axes = crs.axis_info
    return crs.is_projected and bool(axes) and all(a.unit_conversion_factor == 1.0 for a in axes)


def _back_on_grid(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Put back on the :data:`RETURN_GRID_M` grid the vertices within :data:`ON_GRID_M` of it.

    ``xy`` (n, 2), metres of the frame. A vertex rounds as GEOS's fixed precision
    model rounds it (``round(x · 1/grid) / grid``); the others are left as given.
    """
    scale = 1.0 / RETURN_GRID_M
    rounded = np.round(xy * scale) / scale
    near = np.all(np.abs(rounded - xy) <= ON_GRID_M, axis=1)
    out = xy.copy()
    out[near] = rounded[near]
    return out


def _tiles(land: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, npt.NDArray[np.intp]]:
    """Return the conflicts' land in tiles of their own parts, and each tile's conflict.

    A conflict of many vertices (a district's 永久基本农田 in a zone: thousands of
    parts) is cut by each parcel slowly, whole. Its parts (disjoint polygons)
    are grouped by where their box's centre falls on a grid over the conflict,
    about :data:`_TILE_VERTICES` vertices a tile; no part is cut, so each
    conflict's land is the union of its tiles and its rows their sum. A conflict
    of fewer vertices is one tile, itself.
    """
    geoms = np.asarray(land.geometry.array, dtype=object)
    tiles: list[shapely.Geometry] = []
    owner: list[int] = []
    for k, geom in enumerate(geoms):
        side = int(np.ceil(np.sqrt(shapely.get_num_coordinates(geom) / _TILE_VERTICES)))
        if side <= 1:
            tiles.append(geom)
            owner.append(k)
            continue
        parts = shapely.get_parts(geom)
        box = shapely.bounds(parts)
        x0, y0, x1, y1 = shapely.bounds(geom)
        col = np.minimum(((box[:, 0] + box[:, 2]) / 2 - x0) / max(x1 - x0, 1e-300) * side, side - 1)
        row = np.minimum(((box[:, 1] + box[:, 3]) / 2 - y0) / max(y1 - y0, 1e-300) * side, side - 1)
        cell = row.astype(np.intp) * side + col.astype(np.intp)
        for c in np.unique(cell):
            mine = parts[cell == c]
            tiles.append(mine[0] if len(mine) == 1 else shapely.MultiPolygon(list(mine)))
            owner.append(k)
    frame = gpd.GeoDataFrame(
        {_ID: [str(t) for t in range(len(tiles))]}, geometry=tiles, crs=land.crs
    )
    return frame, np.asarray(owner, dtype=np.intp)


def _by_conflict(cut: pd.DataFrame, owner: npt.NDArray[np.intp]) -> pd.DataFrame:
    """Return the balance's rows of the tiles summed per conflict and class (未覆盖 last)."""
    rows = pd.DataFrame(
        {
            "zone_id": owner[cut["zone_id"].astype(int).to_numpy()],
            "class_code": cut["class_code"].to_numpy(dtype=object),
            "class_name": cut["class_name"].to_numpy(dtype=object),
            "area_raw_m2": cut["area_raw_m2"].to_numpy(dtype=float),
        }
    )
    grouped = rows.groupby(["zone_id", "class_code"], sort=True, dropna=False)
    summed = grouped.agg(class_name=("class_name", "first"), area_raw_m2=("area_raw_m2", "sum"))
    return summed.reset_index().astype({"class_code": object})


def _with_area(cut: pd.DataFrame) -> pd.DataFrame:
    """Return the balance's rows less the slivers (:data:`SLIVER_M2`) of a conflict.

    A parcel a conflict only touches along an edge gives a row without area, or
    with the residue of the pieces' vertices converted to lon/lat and back
    (nanometres along an edge); such a row is left out and the reconciliation
    spreads what it held. A conflict whose every row is a sliver keeps them.
    """
    raw = cut["area_raw_m2"].to_numpy(dtype=float)
    largest = cut.groupby("zone_id", sort=False)["area_raw_m2"].transform("max").to_numpy()
    keep = (raw >= SLIVER_M2) | (largest < SLIVER_M2)
    return cut[keep].reset_index(drop=True)


def largest_adjustment(table: pd.DataFrame) -> str:
    """Return one line: the largest adjustment of a class row to its conflict, m² and relative.

    ``table`` a conflicts table split by class (:func:`conflicts_by_landuse`); empty
    text when it has no row.

    Examples
    --------
    >>> rows = pd.DataFrame({"zone_id": ["A", "A"], "constraint": ["永久基本农田"] * 2,
    ...     "class_code": ["-"] * 2, "area_m2": [60.006, 39.994], "area_raw_m2": [60.0, 39.99]})
    >>> largest_adjustment(rows)
    "class rows reconciled to each conflict's m² (spatial.measure.reconcile): largest adjustment 0.006000 m² (6.00e-05 of A's 永久基本农田 conflict)"
    """  # noqa: E501 - a doctest's one line of output
    if not len(table):
        return ""
    change = (table["area_m2"] - table["area_raw_m2"]).abs().to_numpy(dtype=float)
    whole = table.groupby(CONFLICT_KEYS, sort=False, dropna=False)["area_m2"].transform("sum")
    at = int(np.argmax(change))
    row, total = table.iloc[at], float(whole.iloc[at])
    rel = change[at] / total if total > 0 else 0.0
    return (
        f"class rows reconciled to each conflict's m² (spatial.measure.reconcile): largest "
        f"adjustment {change[at]:.6f} m² ({rel:.2e} of {row['zone_id']}'s "
        f"{row['constraint']} conflict)"
    )


def conflicts_by_landuse(
    pieces: gpd.GeoDataFrame,
    landuse: gpd.GeoDataFrame,
    *,
    class_field: str = CLASS_CODE_FIELD,
    source: str = "landuse",
    repair: bool = False,
    frames: _Frames | None = None,
) -> pd.DataFrame:
    """Return the conflicts table split by the land-use class each conflict lies on.

    Parameters
    ----------
    pieces : geopandas.GeoDataFrame
        The conflict pieces of a check (:func:`spatial.checks.constraints.conflict_pieces`:
        ``constraint``, ``zone_id``, ``class_code``, ``area_m2``; any explicit CRS,
        EPSG:4326 as the check gives them).
    landuse : geopandas.GeoDataFrame
        The land-use parcels with their class code in ``class_field`` (any
        explicit CRS: the cut is made in it).
    class_field : str
        The land-use layer's class code field (``YDYHFLDM``).
    source : str
        The land-use layer's name in messages (its file).
    repair : bool
        Repair invalid land-use geometries instead of refusing them (as the balance).
    frames : mapping of str to pyproj.CRS, optional
        By constraint, the CRS its conflicts were cut in
        (:func:`spatial.checks.prepare.frame_of` of the checked and the
        constraint layers), where the pieces do not carry it (the check names it,
        :data:`spatial.checked.report.CUT_FRAMES_ATTR`, the one source): conflicts cut in
        the land-use layer's CRS go back into it vertex by vertex; the others
        (and all, when neither names it) are moved with their edges densified.
        A conflict cut in a Gauss–Krüger survey's frame but moved in densified
        would have its edges bowed off the zone's by the lens (1.6 cm on a
        1.2 km edge at Bishan): slivers of the parcels along them (4.5 m² of a
        水田 south of zone B2's edge).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LANDUSE_COLUMNS`: one row per conflict (constraint, zone,
        constraint class ``-`` when none) and land-use class, in the conflicts'
        order then the class codes', the part on no parcel last (``landuse_class``
        None, ``landuse_name`` 未覆盖); a class it only touches (a row under
        :data:`SLIVER_M2`) has none. A conflict's rows add up to its ``area_m2``
        exactly (m², with ha and 亩); ``area_raw_m2`` as measured in the land-use
        layer's frame (the columns of the conflicts table without land use, and
        the two of the class: the largest adjustment is
        ``|area_m2 - area_raw_m2|``, :func:`largest_adjustment`, its line in
        ``attrs["largest_adjustment"]``).

    Raises
    ------
    LayerError
        The land-use layer holds an unknown or blank code, or parcels that overlap
        beyond the balance's tolerance (as ``spatial balance`` refuses them).
    """
    frames = {**(frames or {}), **_cut_frames(pieces)}  # what the pieces name wins
    conflicts, land = _conflicts(pieces)
    if not len(conflicts):
        return pd.DataFrame(columns=LANDUSE_COLUMNS)
    tiles, of_tile = _tiles(_in_frame(land, conflicts["constraint"], landuse, frames or {}))
    cut = balance_table(
        landuse,
        tiles,
        class_field=class_field,
        id_field=_ID,
        names=(source, _PIECES),
        repair=repair,
    )
    cut = _with_area(_by_conflict(cut, of_tile))
    owner = cut["zone_id"].to_numpy(dtype=np.intp)  # the conflict's position
    raw = cut["area_raw_m2"].to_numpy(dtype=float)
    fitted = reconcile_groups(raw, owner, conflicts["area_m2"].to_numpy(dtype=float))
    area = fitted.area_m2
    table = conflicts.drop(columns="area_m2").iloc[owner].reset_index(drop=True)
    table["landuse_class"] = cut["class_code"].to_numpy(dtype=object)
    table["landuse_name"] = cut["class_name"].to_numpy(dtype=object)
    table["area_m2"], table["area_ha"], table["area_mu"] = area, area / M2_PER_HA, area / M2_PER_MU
    table["area_raw_m2"] = raw
    table = table[LANDUSE_COLUMNS]
    table.attrs["largest_adjustment"] = largest_adjustment(table)  # the line pages print
    return table


def _cut_by_class(
    geoms: npt.NDArray[np.object_], parcels: npt.NDArray[np.object_], codes: npt.NDArray[np.object_]
) -> tuple[list[int], list[str | None], list[shapely.Geometry]]:
    """Return each piece's parts by class (the part on no parcel with class None), in order."""
    piece, parcel = shapely.STRtree(parcels).query(geoms, predicate="intersects")
    owners: list[int] = []
    classes: list[str | None] = []
    parts: list[shapely.Geometry] = []
    for i, geom in enumerate(geoms):
        hit = parcel[piece == i]
        for code in sorted({str(c) for c in codes[hit]}):
            owners.append(i)
            classes.append(code)
            parts.append(
                shapely.intersection(geom, shapely.union_all(parcels[hit][codes[hit] == code]))
            )
        owners.append(i)
        classes.append(None)
        parts.append(shapely.difference(geom, shapely.union_all(parcels[hit])))
    return owners, classes, parts


def pieces_by_landuse(
    pieces: gpd.GeoDataFrame,
    landuse: gpd.GeoDataFrame,
    *,
    class_field: str = CLASS_CODE_FIELD,
    frames: _Frames | None = None,
) -> gpd.GeoDataFrame:
    """Return the conflict pieces cut by the land-use class they lie on: the layer written.

    Parameters
    ----------
    pieces : geopandas.GeoDataFrame
        The conflict pieces of a check (as :func:`conflicts_by_landuse` takes them).
    landuse : geopandas.GeoDataFrame
        The land-use parcels, their class code in ``class_field`` (already
        accepted by :func:`conflicts_by_landuse`: known codes, no overlap).
    class_field : str
        The land-use layer's class code field (``YDYHFLDM``).
    frames : mapping of str to pyproj.CRS, optional
        As :func:`conflicts_by_landuse`'s.

    Returns
    -------
    geopandas.GeoDataFrame
        One feature per piece and land-use class it lies on, the part on no
        parcel one more (class None, ``landuse_name`` 未覆盖); a part under
        :data:`SLIVER_M2` left out (unless all of a piece's are). The pieces'
        columns, the class in a column named ``class_field`` (``landuse_class``
        when the pieces already have that column) and its name in
        ``landuse_name``; cut in the land-use layer's CRS, measured by the area
        of record and reconciled to the piece's ``area_m2`` (m², with ha and 亩;
        ``area_raw_m2`` the part as measured), in the pieces' CRS.
    """
    named = "landuse_class" if class_field in pieces.columns else class_field
    if not len(pieces):
        empty = pieces.copy()
        empty[named], empty["landuse_name"] = pd.Series(dtype=object), pd.Series(dtype=object)
        return empty
    land = gpd.GeoDataFrame(
        {_ID: [str(k) for k in range(len(pieces))]},
        geometry=pieces.geometry.to_numpy(),
        crs=pieces.crs,
    )
    frames = {**(frames or {}), **_cut_frames(pieces)}  # as conflicts_by_landuse: one source
    moved = _in_frame(land, pieces["constraint"], landuse, frames)
    parcels = np.asarray(landuse.geometry.array, dtype=object)
    codes = np.array([str(c).strip() for c in landuse[class_field]], dtype=object)
    owners, classes, parts = _cut_by_class(
        np.asarray(moved.geometry.array, dtype=object), parcels, codes
    )
    geoms = polygonal(np.asarray(parts, dtype=object))
    raw = area_of_record_m2(geoms, moved.crs, "conflict pieces by class")
    owner = np.asarray(owners, dtype=np.intp)
    largest = pd.Series(raw).groupby(owner).transform("max").to_numpy()
    keep = (raw >= SLIVER_M2) | (largest < SLIVER_M2)
    owner, raw, geoms = owner[keep], raw[keep], geoms[keep]
    kept = [c for c, k in zip(classes, keep, strict=True) if k]
    area = reconcile_groups(raw, owner, pieces["area_m2"].to_numpy(dtype=float)).area_m2
    names = load_classes()
    out = pd.DataFrame(pieces.drop(columns=pieces.geometry.name)).iloc[owner].reset_index(drop=True)
    out[named] = pd.Series(kept, dtype=object)
    known = [names.get(c) if c is not None else None for c in kept]
    out["landuse_name"] = [UNCOVERED_NAME if k is None else k.name_zh for k in known]
    out["area_m2"], out["area_ha"], out["area_mu"] = area, area / M2_PER_HA, area / M2_PER_MU
    out["area_raw_m2"] = raw
    cut = gpd.GeoDataFrame(out, geometry=list(geoms), crs=moved.crs)
    return cut if pieces.crs is None else cut.to_crs(pieces.crs)
