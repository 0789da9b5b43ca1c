"""Shared steps of the review: layers made ready, polygons cut against polygons, pieces measured.

Every layer goes through :func:`spatial.validate.inputs.prepare_inputs` (the
full validator in its own CRS, or repair on request) into the layers' storage
frame (``frame="largest"``: nothing moved when they share a CRS, else the smaller
layer moved, densified, into the larger one's CRS). Pieces are cut, unioned and
differenced in that frame, never after moving a Gauss–Krüger layer to lon/lat,
and measured by the survey rule in that frame
(:func:`spatial.measure.record.area_of_record_m2`). Why pieces measured so add up
to their whole only to a lens, and how a table is reconciled to it:
:mod:`spatial.measure.reconcile`.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from pyproj import CRS

from spatial.measure.area import ellipsoidal_area_m2
from spatial.measure.rings import polygonal
from spatial.preconditions import feature_error, feature_label, id_text, require_unique_ids
from spatial.validate.ids import BLANK_PATTERN, ids_unique
from spatial.validate.inputs import LayerInput, Repair, prepare_inputs
from spatial.validate.pairs import inside_by_cells  # one copy, for the checks and the review

__all__ = [
    "area_m2",
    "cut_pairs",
    "cut_pairs_marked",
    "cut_run",
    "inside_by_cells",
    "overlapping_features",
    "polygonal",
    "ready_layers",
    "require_unique",
]


#: Most features measured at once by :func:`area_m2` (their vertices laid out together).
_AREA_SLICE = 131_072


def ready_layers(
    layers: Sequence[tuple[gpd.GeoDataFrame, str, str]], repair: bool = False
) -> tuple[list[gpd.GeoDataFrame], list[Repair]]:
    """Validate polygon layers and bring them into one storage frame (see :func:`prepare_inputs`).

    Each layer is ``(frame, name in messages, id column or "")``; every feature
    gets the full validator. Returns the layers, all in the CRS of the one with
    most features (``frame="largest"``; read it from ``layers[0].crs``), and the
    repairs made.
    """
    inputs = [LayerInput(gdf, source, id_field, "polygon") for gdf, source, id_field in layers]
    prepared = prepare_inputs(inputs, repair=repair, policy="full", frame="largest")
    return [_oriented(gdf) for gdf in prepared.layers], prepared.repairs


def _oriented(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the layer with exteriors counter-clockwise, holes clockwise.

    A Shapefile stores exteriors clockwise, a GeoPackage or GeoParquet as they
    were written: oriented alike, the same layer in any of them is cut and
    measured to the same last bit.
    """
    rings = shapely.orient_polygons(np.asarray(gdf.geometry.array, dtype=object))
    return gdf.set_geometry(gpd.GeoSeries(rings, index=gdf.index, crs=gdf.crs))


def require_unique(
    gdf: gpd.GeoDataFrame, source: str, field: str, *, validated: bool = False
) -> list[str]:
    """Return ``field`` (present: see :func:`ready_layers`) as text ids; refuse blanks, repeats.

    A text column without nulls is converted to Arrow once: with none padded
    (``str.strip`` would change none) the ids are its values, compared there
    (:func:`~spatial.validate.ids.ids_unique`); any other column value by value,
    repeats compared by pandas. ``validated``: the validator found no repeated
    ``id`` in the layer (``field`` is ``id``): no id, stripped, repeats among
    the given ones, so none repeats as read once blanks are refused; not
    compared again. A repeat is named by
    :func:`~spatial.preconditions.require_unique_ids`.
    """
    values = gdf[field]
    texts = _text_column(values)
    if texts is not None:
        blank = np.flatnonzero(
            pc.match_substring_regex(texts, BLANK_PATTERN).to_numpy(zero_copy_only=False)
        )
        if len(blank):
            raise feature_error(source, feature_label(None, int(blank[0])), f"no {field}")
        unique = ids_unique(texts)  # None: some id padded
        if unique is not None:
            if not (validated or unique):
                require_unique_ids(gdf, source, field)
            ids: list[str] = texts.to_pylist()
            return ids
    ids = _stripped_ids(values, source, field)
    if not validated:  # padded, not text or with nulls: compared as read, by pandas
        require_unique_ids(gdf, source, field)
        _refuse_stripped_repeat(values, ids, source)
    return ids


def _refuse_stripped_repeat(values: pd.Series, ids: list[str], source: str) -> None:
    """Refuse the first id equal, once stripped, to an earlier one (``" S01"`` and ``"S01"``).

    The validator's rule and words for ``id`` (it strips each id before comparing),
    for an id field of any name (``BSM``): the features would share one id in
    every table. ``ids`` are ``values`` stripped (:func:`_stripped_ids`).
    """
    again = np.flatnonzero(pd.Series(ids, dtype=object).duplicated().to_numpy())
    if not len(again):  # one hash pass: 0.19 s CPU at 1M padded ids (a dict loop 0.45 s)
        return
    position = int(again[0])
    earlier = ids.index(ids[position])
    raise feature_error(
        source,
        feature_label(values.iat[position], position),
        f"duplicate id: feature #{position} reuses the id of feature #{earlier}",
    )


def _text_column(values: pd.Series) -> pa.Array | None:
    """Return ``values`` as one Arrow text array, or None when they are not text or some is null."""
    try:
        texts = pa.array(values, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        return None
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if not (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)):
        return None
    return None if texts.null_count else texts


def _stripped_ids(values: pd.Series, source: str, field: str) -> list[str]:
    """Each value as a stripped text id (``7.0`` is ``"7"``); refuse the first missing or blank."""
    if pd.api.types.infer_dtype(values) == "string" and not values.isna().any():  # all str
        texts = values.astype(str).str.strip()
        blank = np.flatnonzero((texts == "").to_numpy())
        if len(blank):
            raise feature_error(source, feature_label(None, int(blank[0])), f"no {field}")
        ids: list[str] = texts.tolist()
        return ids
    ids = []
    for position, value in enumerate(values):
        text = id_text(value)
        if text is None or not text.strip():
            raise feature_error(source, feature_label(None, position), f"no {field}")
        ids.append(text.strip())
    return ids


def area_m2(geoms: np.ndarray | Sequence[shapely.Geometry], crs: CRS) -> np.ndarray:
    """Areas of record (m², CGCS2000 ellipsoid) of geometries stored in ``crs``; lines, points 0.

    ``crs`` is the working frame of :func:`ready_layers` (any CRS: a
    Gauss–Krüger frame's vertices are converted to geodetic coordinates, the
    survey rule, never the geometries reprojected). Measured in slices of
    :data:`_AREA_SLICE` (each feature alone, so the same figures), so that the
    vertices of a million features are never laid out at once.
    """
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) <= _AREA_SLICE:
        return ellipsoidal_area_m2(gpd.GeoSeries(list(geoms), crs=crs))
    starts = range(0, len(geoms), _AREA_SLICE)
    parts = [geoms[at : at + _AREA_SLICE] for at in starts]
    return np.concatenate(
        [ellipsoidal_area_m2(gpd.GeoSeries(list(part), crs=crs)) for part in parts]
    )


def cut_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(a_index, b_index, piece)`` for each pair of polygons that share area.

    Pieces are polygons or multipolygons: the lines and points where two
    polygons only touch are dropped. A ``b`` polygon lying inside its ``a``
    polygon (no point on its boundary) is its own piece, uncut: most parcels of
    a zone, and a zone moved into a parcels' frame has many (densified) vertices.
    Pairs come sorted by ``a_index``, then ``b_index``: the same pairs, in the
    same order, whatever else ``b`` holds (the fast path cuts only the features
    that may touch ``a``).
    """
    ai, bi, pieces, _ = cut_pairs_marked(a, b)
    return ai, bi, pieces


def cut_pairs_marked(
    a: np.ndarray, b: np.ndarray, threads: int = 1, cells: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`cut_pairs`, and for each pair whether its piece is the whole ``b`` polygon (uncut).

    ``threads``: the pairs are cut in contiguous runs on that many threads (GEOS
    releases the GIL), each with its own prepared copy of ``a``. ``cells``: when
    given (for a few large ``a`` polygons, a balance's zones), each ``a`` polygon
    is laid under a grid of ``cells`` × ``cells`` and a ``b`` polygon whose box
    lies within grid cells ``a`` contains properly is known to lie inside it
    without a GEOS predicate (:func:`inside_by_cells`). The pairs and pieces do
    not depend on either.
    """
    tree = shapely.STRtree(b)
    ai, bi = tree.query(a)  # boxes that meet; the predicates come in the runs
    order = np.lexsort((bi, ai))
    ai, bi = ai[order], bi[order]
    b_bounds = shapely.bounds(b) if cells else np.zeros((0, 4))
    runs = max(1, min(threads, len(ai) // _MIN_PAIRS_PER_THREAD))
    if runs == 1:
        return _cut_run(a, b, ai, bi, b_bounds, cells)
    cuts = np.linspace(0, len(ai), runs + 1).astype(np.int64)
    copies = [a] + [shapely.from_wkb(shapely.to_wkb(a)) for _ in range(runs - 1)]  # exact copies
    with ThreadPoolExecutor(max_workers=runs) as pool:
        done = list(
            pool.map(
                lambda k: _cut_run(
                    copies[k],
                    b,
                    ai[cuts[k] : cuts[k + 1]],
                    bi[cuts[k] : cuts[k + 1]],
                    b_bounds,
                    cells,
                ),
                range(runs),
            )
        )
    return tuple(np.concatenate([d[i] for d in done]) for i in range(4))  # type: ignore[return-value]


#: Fewest pairs worth a thread of their own in :func:`cut_pairs_marked`.
_MIN_PAIRS_PER_THREAD = 20_000


def _known_inside(
    a: np.ndarray, ai: np.ndarray, bi: np.ndarray, b_bounds: np.ndarray, cells: int
) -> np.ndarray:
    """For sorted pairs, whether :func:`inside_by_cells` tells that ``b[bi]`` lies in ``a[ai]``."""
    known = np.zeros(len(ai), dtype=bool)
    if not cells:
        return known
    edges = np.searchsorted(ai, np.arange(len(a) + 1))
    for z in np.unique(ai):
        s, e = edges[z], edges[z + 1]
        known[s:e] = inside_by_cells(a[z], b_bounds[bi[s:e]], cells)
    return known


def _cut_run(
    a: np.ndarray,
    b: np.ndarray,
    ai: np.ndarray,
    bi: np.ndarray,
    b_bounds: np.ndarray,
    cells: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cut the pairs ``(a[ai], b[bi])`` (sorted, boxes meeting); see :func:`cut_pairs_marked`."""
    shapely.prepare(a)
    inside = _known_inside(a, ai, bi, b_bounds, cells)
    # a b lying properly inside its a shares area with it (and does not merely touch it)
    rest = np.flatnonzero(~inside)
    inside[rest] = shapely.contains_properly(a[ai[rest]], b[bi[rest]])
    # neighbours of a coverage only touch (a shared edge): no area to cut, so not cut
    share = inside.copy()
    rest = np.flatnonzero(~inside)
    share[rest] = shapely.intersects(a[ai[rest]], b[bi[rest]]) & ~shapely.touches(
        a[ai[rest]], b[bi[rest]]
    )
    ai, bi, inside = ai[share], bi[share], inside[share]
    pieces = b[bi].copy()
    cut = np.flatnonzero(~inside)
    pieces[cut] = polygonal(shapely.intersection(a[ai[cut]], b[bi[cut]]))
    has_area = ~shapely.is_empty(pieces)
    return ai[has_area], bi[has_area], pieces[has_area], inside[has_area]


#: One run of :func:`cut_pairs_marked` on pairs already found (``diff`` finds them the other way).
cut_run = _cut_run


def overlapping_features(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(first, second)``, ``first < second``: the polygons whose interiors meet.

    Every pair whose boxes meet is tested once with the DE-9IM pattern
    ``T********`` (interiors intersect): polygons that only touch along an edge
    or at a point are not a pair. Pieces cut from two polygons can share area
    only when the polygons are such a pair. Sorted by ``first``, then ``second``.
    """
    a, b = shapely.STRtree(geoms).query(geoms)
    keep = a < b
    a, b = a[keep], b[keep]
    meet = shapely.relate_pattern(geoms[a], geoms[b], "T********")
    a, b = a[meet], b[meet]
    order = np.lexsort((b, a))
    return a[order], b[order]
