"""Layers made ready for the checks: valid geometries, ids as text, each in its own CRS.

The rules decide their topology (overlaps, cuts, containment) in the layers'
own frame, never after moving a Gauss–Krüger layer to lon/lat (see
:mod:`spatial.measure.reconcile` for the model); the targets, the report and
the map read the same layers in EPSG:4326. :func:`prepare_layers` gives both.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import pairwise

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from spatial.cpus import usable_cpus
from spatial.crs import WGS84, align_crs
from spatial.io.layers import LAYER_GEOMETRY
from spatial.preconditions import id_text
from spatial.validate.frame import move_into
from spatial.validate.inputs import LayerInput, Policy, Repair, prepare_inputs

__all__ = ["PreparedLayers", "frame_of", "in_frame", "into", "prepare_layers"]


@dataclass(frozen=True)
class PreparedLayers:
    """The layers as checked, by name.

    Attributes
    ----------
    own : dict of str to GeoDataFrame
        Each layer in the CRS it arrived in (validated, or repaired, there), ids as
        text: where the rules decide their topology.
    lonlat : dict of str to GeoDataFrame
        The same layers, vertices converted to EPSG:4326 (lon/lat): for the
        targets, the report and the map.
    repairs : list of Repair
        The repairs made.
    """

    own: dict[str, gpd.GeoDataFrame]
    lonlat: dict[str, gpd.GeoDataFrame]
    repairs: list[Repair] = field(default_factory=list)


def prepare_layers(
    layers: Mapping[str, gpd.GeoDataFrame],
    repair: bool = False,
    sources: Mapping[str, str] | None = None,
    validated: Collection[str] = (),
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
        item = LayerInput(gdf, sources.get(name, name), "id", LAYER_GEOMETRY.get(name, "any"))
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
    lonlat = {name: to_lonlat(gdf) for name, gdf in own.items()}  # ... the vertices moved here
    return PreparedLayers(own, lonlat, repairs)


def id_texts(ids: pd.Series) -> pd.Series:
    """Return each id as text (:func:`~spatial.preconditions.id_text`), dtype object.

    A value that is already a ``str`` is kept as it is (what ``id_text`` returns
    for it) without a call per feature: a survey's million text ids pass in one
    sweep. The same values as ``ids.map(id_text).astype(object)``.
    """
    if ids.isna().any():  # missing ids as pandas maps them (NA kept in a string column)
        return ids.map(id_text).astype(object)
    values = ids.to_numpy(dtype=object)
    texts = [v if type(v) is str else id_text(v) for v in values]
    return pd.Series(texts, index=ids.index, dtype=object, name=ids.name)


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
        return gdf.to_crs(WGS84)
    bounds = np.linspace(0, len(gdf), cpus + 1).astype(int)
    slices = [gdf.iloc[a:b] for a, b in pairwise(bounds)]
    with ThreadPoolExecutor(max_workers=cpus) as pool:
        moved = list(pool.map(lambda part: part.to_crs(WGS84), slices))
    joined: gpd.GeoDataFrame = pd.concat(moved)
    return joined


def frame_of(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> CRS:
    """Return the frame two layers are combined in: the CRS of the one with more features.

    A tie goes to ``a``; when they share a CRS, that CRS.
    """
    return CRS.from_user_input(a.crs if len(a) >= len(b) else b.crs)


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
