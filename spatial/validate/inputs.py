"""The one preparation path every operation's inputs take before they are measured.

:func:`prepare_inputs` checks, for each input layer, in this order and once:
that it is a GeoDataFrame with a CRS (:mod:`spatial.preconditions`), that it has
its id column, that its geometries are of the kind the operation needs
(:func:`require_geometry`), and that its features are valid — in the layer's own
CRS, so that a message speaks of the file's coordinates — then brings every
layer to EPSG:4326 (lon/lat), warning when they arrived in different CRSs.

How much validation a layer gets is an explicit policy:

* ``"full"``: the whole validator (:func:`spatial.validate.ensure_valid`), on a
  layer of more than ``full_check_max_features`` features in its vectorised form
  (:func:`spatial.validate.vectorised.ensure_valid_vectorised`: the same problems
  and words, a second or two per million features instead of about 25 s);
* ``"cheap"``: the validator's vectorised checks on every feature
  (:func:`spatial.validate.cheap.refuse_bad_features`: null, empty, NaN,
  swapped or out-of-range coordinates, far outside China; 0.05 s per million);
  the caller then checks ``shapely.is_valid`` on the features it uses (the
  tabulation engine does);
* ``"auto"``: full up to ``full_check_max_features`` features, cheap above.

Repairing (``repair=True``) always runs the full validator after the repair;
each repair is announced by a :class:`~spatial.errors.RepairWarning` (the
command line prints them) and listed in :attr:`PreparedInputs.repairs`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from spatial.crs import align_crs
from spatial.errors import LayerError, RepairWarning
from spatial.io.layers import GeometryKind
from spatial.preconditions import feature_label, require_crs, require_id_column
from spatial.validate.cheap import refuse_bad_features
from spatial.validate.frame import into_frame
from spatial.validate.messages import feature_named
from spatial.validate.problems import ensure_valid, repair_layer
from spatial.validate.vectorised import ensure_valid_vectorised

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "FULL_CHECK_MAX_FEATURES",
    "GeometryKind",
    "Known",
    "LayerInput",
    "Policy",
    "PreparedInputs",
    "Repair",
    "prepare_inputs",
    "require_geometry",
]

#: The "auto" policy's threshold: layers of up to this many features get the full validator.
FULL_CHECK_MAX_FEATURES = 2_000
#: How much validation a layer gets (see the module docstring).
Policy = Literal["full", "cheap", "auto"]
#: Which CRS the inputs are brought into: EPSG:4326, or the CRS of the largest input.
Frame = Literal["lonlat", "largest"]

_KINDS: dict[str, frozenset[str]] = {
    "polygon": frozenset({"Polygon", "MultiPolygon"}),
    "point": frozenset({"Point", "MultiPoint"}),
    "line": frozenset({"LineString", "MultiLineString"}),
    "any": frozenset(),
}
#: shapely's type id of each geometry type name.
_TYPE_IDS = {
    "Point": 0,
    "LineString": 1,
    "Polygon": 3,
    "MultiPoint": 4,
    "MultiLineString": 5,
    "MultiPolygon": 6,
}


@dataclass(frozen=True)
class Known:
    """What the checks computed over every feature of a layer, for the engine to reuse.

    Attributes
    ----------
    type_id : numpy.ndarray of int, optional
        ``shapely.get_type_id`` of each feature (-1 for null).
    bounds : numpy.ndarray, shape (n, 4), optional
        ``shapely.bounds`` of each feature, EPSG:4326 (lon/lat degrees).
    """

    type_id: npt.NDArray[np.integer] | None = None
    bounds: npt.NDArray[np.float64] | None = None


@dataclass(frozen=True)
class Repair:
    """One geometry repaired on request: which layer and feature, why, and the area it changed.

    ``area_changed_m2`` is the ellipsoidal area after the repair minus before, m²
    (see :func:`spatial.validate.repair_layer`).
    """

    layer: str
    id: str
    reason: str
    area_changed_m2: float

    def describe(self) -> str:
        """One line for a planner: ``repaired LAYER feature ID (REASON): area changed by ±N m²``."""
        return (
            f"repaired {self.layer} feature {self.id} ({self.reason}): "
            f"area changed by {self.area_changed_m2:+,.1f} m²"
        )


@dataclass(frozen=True)
class LayerInput:
    """One input of an operation: the layer, how to name it, its id column, the geometry it needs.

    ``id_field`` empty means the operation does not identify this layer's features.
    """

    frame: gpd.GeoDataFrame
    name: str
    id_field: str = "id"
    kind: GeometryKind = "any"


@dataclass
class PreparedInputs:
    """The inputs after :func:`prepare_inputs`: EPSG:4326 layers, repairs made, what is known."""

    layers: list[gpd.GeoDataFrame]
    repairs: list[Repair] = field(default_factory=list)
    known: list[Known | None] = field(default_factory=list)


def require_geometry(
    gdf: gpd.GeoDataFrame, source: str, kind: GeometryKind, id_field: str | None = "id"
) -> npt.NDArray[np.integer] | None:
    """Refuse a layer whose features are not of the geometry ``kind`` an operation needs.

    Null and empty geometries are left to the validator.

    Returns
    -------
    numpy.ndarray or None
        ``shapely.get_type_id`` of every feature (-1 for null), for the caller
        to reuse; None when ``kind`` is "any" or the layer is empty.

    Raises
    ------
    LayerError
        One line naming the first offending feature and how many more there are.
    """
    allowed = _KINDS[kind]
    if not allowed or gdf.empty:
        return None
    # type ids, not geom_type strings: 0.01 s instead of 0.08 s on a million parcels
    geoms = np.asarray(gdf.geometry.array)
    type_id = shapely.get_type_id(geoms)
    wrong = (type_id >= 0) & ~np.isin(type_id, [_TYPE_IDS[name] for name in allowed])
    if not wrong.any():
        return type_id
    first = int(np.flatnonzero(wrong)[0])
    ident = feature_named(gdf, first, id_field)
    more = int(wrong.sum()) - 1
    raise LayerError(
        f"{source}: feature {ident}: is a {geoms[first].geom_type}; this operation needs {kind} "
        f"geometries" + (f" (and {more} more)" if more else "")
    )


def _plain_index(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the layer with a 0..n-1 index, copied only when it has another one."""
    return gdf if gdf.index.equals(pd.RangeIndex(len(gdf))) else gdf.reset_index(drop=True)


def _use_cheap(n_features: int, policy: Policy, full_check_max_features: int) -> bool:
    return policy == "cheap" or (policy == "auto" and n_features > full_check_max_features)


def prepare_inputs(
    inputs: Sequence[LayerInput],
    *,
    repair: bool = False,
    policy: Policy = "auto",
    full_check_max_features: int = FULL_CHECK_MAX_FEATURES,
    threads: int = 1,
    purpose: str = "combined",
    frame: Frame = "lonlat",
) -> PreparedInputs:
    """Check every input once and bring them to EPSG:4326 (see the module docstring).

    Parameters
    ----------
    inputs : sequence of LayerInput
        The operation's layers, each with its name for messages.
    repair : bool
        Repair invalid geometries (``make_valid``) instead of refusing them.
    policy : {"auto", "full", "cheap"}
        How much validation each layer gets.
    full_check_max_features : int
        The ``"auto"`` policy's threshold.
    threads : int
        Threads for the cheap checks.
    purpose : str
        What the layers are brought together for, ending the CRS warning.
    frame : {"lonlat", "largest"}
        Bring every input to EPSG:4326 (lon/lat), or into the CRS of the input
        with most features (nothing reprojected when they share one; the others
        moved with edges densified, :func:`spatial.validate.frame.move_into`).

    Returns
    -------
    PreparedInputs
        Layers in EPSG:4326 (or the largest input's CRS) with a plain index, in
        the order given; the repairs made; for each cheaply checked layer what
        the checks computed (type ids, and bounds when it was not reprojected:
        in the CRS the layers are brought into), else None.

    Raises
    ------
    CRSError
        A layer carries no CRS.
    LayerError
        A layer lacks its id column, holds the wrong geometries or an invalid
        feature: the validator's one-line message, naming the layer.
    """
    checked = [_checked(item, repair, policy, full_check_max_features, threads) for item in inputs]
    # validated first, in each layer's own CRS, so a message speaks of the file's coordinates
    named = [(item.frame, item.name) for item in inputs]
    if frame == "largest":
        aligned = into_frame(named, purpose, stacklevel=3)
    else:
        aligned = align_crs(named, purpose, stacklevel=3)
    prepared = PreparedInputs(layers=[])
    for lonlat, item, known in zip(aligned, inputs, checked, strict=True):
        if repair:
            fixed, done = _repaired(lonlat, item.name, item.id_field or None)
            prepared.layers.append(fixed)
            prepared.repairs.extend(done)
        else:
            prepared.layers.append(_plain_index(lonlat))
        prepared.known.append(_kept(known, reprojected=lonlat is not item.frame))
    return prepared


def _kept(known: Known | None, *, reprojected: bool) -> Known | None:
    """Return what the cheap checks found, less a reprojected layer's boxes (of the file's CRS)."""
    if known is None or not reprojected:
        return known
    return Known(known.type_id, None)


def _checked(
    item: LayerInput, repair: bool, policy: Policy, full_check_max_features: int, threads: int
) -> Known | None:
    """Check one input in its own CRS; return what the cheap checks computed, if they ran."""
    require_crs(item.frame, item.name)
    if item.id_field:
        require_id_column(item.frame, item.name, item.id_field)
    id_field = item.id_field or None  # every refusal names a feature by its id: feature S04
    type_id = require_geometry(item.frame, item.name, item.kind, id_field)
    if repair:
        return None  # validated after the repair
    if _use_cheap(len(item.frame), policy, full_check_max_features):
        bounds = refuse_bad_features(item.frame, item.name, id_field, threads=threads)
        return Known(type_id, bounds)
    if len(item.frame) > full_check_max_features:  # the same problems, vectorised
        ensure_valid_vectorised(item.frame, item.name, threads=threads, id_field=id_field)
    else:
        ensure_valid(item.frame, item.name, id_field=id_field)
    return None


def _repaired(
    lonlat: gpd.GeoDataFrame, name: str, id_field: str | None
) -> tuple[gpd.GeoDataFrame, list[Repair]]:
    """Repair a layer, validate the result, announce each repair with a RepairWarning."""
    fixed, report = repair_layer(lonlat.reset_index(drop=True), name, id_field=id_field)
    ensure_valid(fixed, name, id_field=id_field)
    columns = (report["id"], report["reason"], report["area_changed_m2"])
    done = [
        Repair(name, feature_label(fid), reason, float(change_m2))
        for fid, reason, change_m2 in zip(*columns, strict=True)
    ]
    for one in done:
        warnings.warn(RepairWarning(one), stacklevel=4)
    return fixed, done
