"""Layers made ready for the checks: valid geometries, ids as text, each in its own CRS.

The rules decide their topology (overlaps, cuts, containment) in the layers'
own frame, never after moving a Gauss–Krüger layer to lon/lat (see
:mod:`spatial.measure.reconcile` for the model); the targets, the report and
the map read the same layers in EPSG:4326. :func:`prepare_layers` gives both.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import pairwise

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS

from spatial.cpus import usable_cpus
from spatial.crs import WGS84, align_crs, gk_zone_crs_for, reproject, transformer
from spatial.errors import CRSError
from spatial.io.layers import LAYER_GEOMETRY
from spatial.preconditions import id_texts
from spatial.validate.frame import frame_index, move_into
from spatial.validate.inputs import LayerInput, Policy, Repair, prepare_inputs

__all__ = [
    "LonLatLayers",
    "PreparedLayers",
    "frame_of",
    "in_frame",
    "into",
    "prepare_layers",
    "select_layers",
]


@dataclass(frozen=True)
class PreparedLayers:
    """The layers as checked, by name.

    Attributes
    ----------
    own : dict of str to GeoDataFrame
        Each layer in the CRS it arrived in (validated, or repaired, there), ids as
        text: where the rules decide their topology.
    lonlat : LonLatLayers
        The same layers, vertices converted to EPSG:4326 (lon/lat) when first
        read: for the targets, the report and the map.
    repairs : list of Repair
        The repairs made.
    """

    own: dict[str, gpd.GeoDataFrame]
    lonlat: LonLatLayers
    repairs: list[Repair] = field(default_factory=list)


def prepare_layers(
    layers: Mapping[str, gpd.GeoDataFrame],
    repair: bool = False,
    sources: Mapping[str, str] | None = None,
    validated: Collection[str] = (),
    polygons: Collection[str] = (),
) -> PreparedLayers:
    """Refuse (or repair) invalid geometries and make ids text, each layer in its own CRS.

    Each layer goes once through :func:`spatial.validate.inputs.prepare_inputs`
    (the full validator, in its own CRS, where it stays; the bundled layers'
    geometry kinds required, so that a points file given as zones is refused,
    not failed); a layer of more than 2,000 features gets the validator in its
    vectorised form, on every core (the same refusal, word for word). Warns
    with :class:`~spatial.errors.CRSMismatchWarning` when the layers arrive on
    different datums.

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame
        Layers by name.
    repair : bool
        Repair invalid geometries instead of refusing them.
    sources : mapping of str to str, optional
        How to name a layer in an error message (its file), by layer name;
        the layer's name when absent.
    validated : collection of str, optional
        Layers the caller has already put, as given, through the full validator
        (``spatial diff`` validates both versions before checking them): they get
        the cheap checks only (CRS, id column, geometry kind, the vectorised
        refusals), not the validator a second time. Ignored with ``repair``.
    polygons : collection of str, optional
        Layers whose features must be polygons besides the bundled polygon layers
        (the constraint layers of ``must_not_occupy`` and ``must_lie_within``: a
        line or a point among them is refused, naming it, rather than failing
        the dissolve of their land).

    Returns
    -------
    PreparedLayers
        The layers in their own CRS and in EPSG:4326, and the repairs made.

    Raises
    ------
    CRSError
        A layer has no CRS.
    LayerError
        A layer has no ``id`` column, or an invalid geometry and ``repair`` is False.
    """
    sources = sources or {}
    own: dict[str, gpd.GeoDataFrame] = {}
    repairs: list[Repair] = []
    for name, gdf in layers.items():
        kind = "polygon" if name in polygons else LAYER_GEOMETRY.get(name, "any")
        item = LayerInput(gdf, sources.get(name, name), "id", kind)
        # one input alone is brought into its own CRS: nothing moved
        policy: Policy = "cheap" if name in validated and not repair else "full"
        prepared = prepare_inputs(
            [item], repair=repair, policy=policy, frame="largest", threads=usable_cpus()
        )
        layer = prepared.layers[0]
        own[name] = layer.assign(id=id_texts(layer["id"]))
        repairs += prepared.repairs
    # the datums compared (a warning when they differ) on the layers' CRSs alone ...
    empty = [(gdf.iloc[:0], sources.get(name, name)) for name, gdf in own.items()]
    align_crs(empty, "checked", stacklevel=3)
    return PreparedLayers(own, LonLatLayers(own), repairs)  # ... the vertices moved when read


#: Fewest features whose conversion to lon/lat is split over the usable CPUs.
_THREADED_MIN_FEATURES = 50_000


def to_lonlat(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the layer with its vertices converted to EPSG:4326 (itself when it is there).

    ``GeoDataFrame.to_crs`` vertex for vertex; a layer of more than
    :data:`_THREADED_MIN_FEATURES` features is converted in one slice per usable
    CPU on threads (PROJ releases the GIL), the slices joined in order: the
    same coordinates, bit for bit.
    """
    if CRS.from_user_input(gdf.crs).equals(WGS84):
        return gdf
    cpus = usable_cpus()
    if len(gdf) < _THREADED_MIN_FEATURES or cpus == 1:
        return reproject(gdf, WGS84)
    bounds = np.linspace(0, len(gdf), cpus + 1).astype(int)
    slices = [gdf.iloc[a:b] for a, b in pairwise(bounds)]
    with ThreadPoolExecutor(max_workers=cpus) as pool:
        moved = list(pool.map(lambda part: reproject(part, WGS84), slices))
    joined: gpd.GeoDataFrame = pd.concat(moved)
    return joined


class LonLatLayers(Mapping[str, gpd.GeoDataFrame]):
    """The checked layers in EPSG:4326 (lon/lat), each converted when it is first read.

    The targets, the report's layer outputs and the map read layers in lon/lat;
    a CSV or JSON report draws none, so a 三区三线 layer of 300,000 features
    checked only by its rule (decided in its own CRS) is never converted. A
    layer is converted by :func:`to_lonlat` (the same coordinates as
    ``to_crs``, bit for bit), once; ``in`` and ``len`` convert nothing.

    Parameters
    ----------
    own : mapping of str to GeoDataFrame
        The layers as checked, each in its own CRS, by name.
    """

    def __init__(self, own: Mapping[str, gpd.GeoDataFrame]) -> None:
        self._own = dict(own)
        self._moved: dict[str, gpd.GeoDataFrame] = {}

    def __getitem__(self, name: str) -> gpd.GeoDataFrame:
        own = self._own[name]  # KeyError for a layer not here, though another mapping holds it
        if name not in self._moved:
            self._moved[name] = to_lonlat(own)
        return self._moved[name]

    def __contains__(self, name: object) -> bool:
        return name in self._own

    def __iter__(self) -> Iterator[str]:
        return iter(self._own)

    def __len__(self) -> int:
        return len(self._own)

    @property
    def converted(self) -> frozenset[str]:
        """The layers converted so far (read in lon/lat)."""
        return frozenset(self._moved).intersection(self._own)

    def only(self, names: Iterable[str]) -> LonLatLayers:
        """Return the layers named (in this order), sharing the conversions made and to come."""
        kept = LonLatLayers({n: self._own[n] for n in self._own if n in set(names)})
        kept._moved = self._moved  # one conversion of a layer, whichever mapping reads it
        return kept

    def gk_zone(self) -> CRS | None:
        """Return :func:`~spatial.crs.gk_zone_crs_for` of every layer in lon/lat; None for none.

        The zone of the centre longitude of all the layers' vertices, as if each
        were converted: a large layer not yet converted and stored in a
        projected CRS is bounded instead (:func:`_lon_bracket`), and converted
        only when the bounds leave two zones possible.
        """
        brackets: list[tuple[float, float, float, float]] = []
        for name, own in self._own.items():
            bracket = None if name in self._moved else _lon_bracket(own)
            if bracket is None:  # the layer in lon/lat, read exactly
                west, south, east, north = _total_bounds(self[name])
                bracket = (west, west, east, east) if np.isfinite(south + north) else (np.nan,) * 4
            if np.isfinite(bracket).all():
                brackets.append(bracket)
        if not brackets:
            return None
        rows = np.array(brackets)
        ends = [
            np.array([[rows[:, k].min(), 0.0, rows[:, j].max(), 0.0]]) for k, j in ((0, 2), (1, 3))
        ]
        try:
            low, high = (gk_zone_crs_for(end) for end in ends)
            if low.equals(high):
                return low
        except CRSError:  # an end outside China's zones
            pass
        try:  # the bounds straddle a zone's edge (or leave China's zones): every layer moved
            return gk_zone_crs_for(*self.values())
        except CRSError:
            return None


def select_layers(
    layers: Mapping[str, gpd.GeoDataFrame], names: Iterable[str]
) -> Mapping[str, gpd.GeoDataFrame]:
    """Return the layers named; lon/lat layers not converted stay so (:meth:`LonLatLayers.only`)."""
    if isinstance(layers, LonLatLayers):
        return layers.only(names)
    wanted = set(names)
    return {name: gdf for name, gdf in layers.items() if name in wanted}


#: Fewest features of a projected layer whose longitudes are bounded rather than converted.
_BRACKET_MIN_FEATURES = 2_000
#: Largest extent (metres a side) of a layer whose longitudes are bounded from its edge.
_BRACKET_MAX_EXTENT_M = 1_000_000.0
#: Points traced on each side of a layer's extent (one PROJ call of four times as many).
_TRACED_PER_SIDE = 256
#: Degrees added around the traced edge's longitudes (its bending between traced points,
#: well under 1e-6° at 4 km, and PROJ's rounding).
_TRACE_MARGIN_DEG = 1e-3


def _total_bounds(gdf: gpd.GeoDataFrame) -> npt.NDArray[np.float64]:
    """Return the layer's ``total_bounds`` as ``gk_zone_crs_for`` reads them (NaN: no box)."""
    if not len(gdf):
        return np.full(4, np.nan)
    return np.asarray(gdf.total_bounds, dtype=float)


def _lon_bracket(gdf: gpd.GeoDataFrame) -> tuple[float, float, float, float] | None:
    """Bound a projected layer's least and greatest vertex longitude (EPSG:4326) without moving it.

    Returns ``(west_low, west_high, east_low, east_high)``, degrees: the least
    longitude of the layer's vertices converted to lon/lat lies in
    ``[west_low, west_high]``, the greatest in ``[east_low, east_high]``; NaN
    for a layer with no finite box; None when the layer is small, not
    projected, or too large an extent (the caller converts it).

    Every vertex lies in the extent of the features' boxes; a projection is
    continuous and one to one there, so the extent's image in lon/lat is the
    region its edge encloses, and the longitudes of the vertices lie within
    those of the edge (traced at :data:`_TRACED_PER_SIDE` points a side, give or
    take :data:`_TRACE_MARGIN_DEG`), as in
    :func:`spatial.validate.boxes._extent_maps_inside_china`. The vertices of
    the westernmost and the easternmost feature, converted, are vertices of
    the layer: the least longitude is at most theirs, the greatest at least.
    """
    crs = CRS.from_user_input(gdf.crs)
    if len(gdf) < _BRACKET_MIN_FEATURES or not crs.is_projected:
        return None
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    boxes = shapely.bounds(geoms)
    finite = np.flatnonzero(np.isfinite(boxes).all(axis=1))
    if not len(finite):
        return (np.nan,) * 4
    x0, y0 = boxes[finite, 0].min(), boxes[finite, 1].min()
    x1, y1 = boxes[finite, 2].max(), boxes[finite, 3].max()
    if max(x1 - x0, y1 - y0) > _BRACKET_MAX_EXTENT_M:
        return None
    to_lonlat_xy = transformer(crs, WGS84)
    t = np.linspace(0.0, 1.0, _TRACED_PER_SIDE, endpoint=False)
    full, span_x, span_y = np.ones_like(t), (x1 - x0) * t, (y1 - y0) * t
    xs = np.concatenate([x0 + span_x, x1 * full, x1 - span_x, x0 * full])
    ys = np.concatenate([y0 * full, y0 + span_y, y1 * full, y1 - span_y])
    edge, _ = (np.asarray(v, dtype=float) for v in to_lonlat_xy.transform(xs, ys))
    west_feature = finite[np.argmin(boxes[finite, 0])]
    east_feature = finite[np.argmax(boxes[finite, 2])]
    ends = [shapely.get_coordinates(geoms[k]) for k in (west_feature, east_feature)]
    west_lon, _ = to_lonlat_xy.transform(ends[0][:, 0], ends[0][:, 1])
    east_lon, _ = to_lonlat_xy.transform(ends[1][:, 0], ends[1][:, 1])
    m = _TRACE_MARGIN_DEG
    bracket = (
        float(np.min(edge)) - m,
        float(np.min(west_lon)) + m,
        float(np.max(east_lon)) - m,
        float(np.max(edge)) + m,
    )
    return bracket if np.isfinite(bracket).all() else None


def frame_of(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> CRS:
    """Return the frame two layers are combined in (:func:`~spatial.validate.frame.frame_index`).

    A CGCS2000 Gauss–Krüger layer's CRS beside a lon/lat layer, whatever the
    feature counts (the survey's frame); otherwise the CRS of the one with more
    features, a tie going to ``a``; when they share a CRS, that CRS.
    """
    crss = [CRS.from_user_input(a.crs), CRS.from_user_input(b.crs)]
    return crss[frame_index(crss, [len(a), len(b)])]


def into(gdf: gpd.GeoDataFrame, crs: CRS) -> gpd.GeoDataFrame:
    """Return the layer in ``crs``: itself when it is there, else moved with its edges kept.

    A lon/lat layer moved into a projected CRS has its edges densified first
    (:func:`spatial.validate.frame.move_into`), so that its lon/lat-straight
    edges are followed in the plane.
    """
    if CRS.from_user_input(gdf.crs).equals(crs):
        return gdf
    return move_into(gdf, crs)


def in_frame(
    a: gpd.GeoDataFrame, b: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, CRS]:
    """Bring two layers into one frame (:func:`frame_of`).

    Nothing moves when they share a CRS (the usual case: both in one
    Gauss–Krüger zone, or both lon/lat); otherwise the other layer is moved
    with its edges kept (:func:`into`). The datums were compared, with a
    warning, in :func:`prepare_layers`.

    Returns
    -------
    (GeoDataFrame, GeoDataFrame, pyproj.CRS)
        ``a`` and ``b`` in the frame, and the frame.
    """
    frame = frame_of(a, b)
    return into(a, frame), into(b, frame), frame
