"""Layers made ready for the checks: EPSG:4326, valid geometries, ids as text."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd

from spatial.io.layers import LAYER_GEOMETRY
from spatial.preconditions import id_text
from spatial.validate.inputs import LayerInput, Repair, prepare_inputs

__all__ = ["prepare_layers"]


def prepare_layers(
    layers: Mapping[str, gpd.GeoDataFrame],
    repair: bool = False,
    sources: Mapping[str, str] | None = None,
) -> tuple[dict[str, gpd.GeoDataFrame], list[Repair]]:
    """Bring layers to EPSG:4326, refuse (or repair) invalid geometries, make ids text.

    Each layer goes once through :func:`spatial.validate.inputs.prepare_inputs`
    (the full validator, in its own CRS; the bundled layers' geometry kinds
    required, so that a points file given as zones is refused, not failed).
    Warns with :class:`~spatial.errors.CRSMismatchWarning` when the layers
    arrive in different CRSs.

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame
        Layers by name.
    repair : bool
        Repair invalid geometries instead of refusing them.
    sources : mapping of str to str, optional
        How to name a layer in an error message (its file), by layer name;
        the layer's name when absent.

    Returns
    -------
    (dict of str to GeoDataFrame, list of Repair)
        The layers in EPSG:4326 by name, and the repairs made.

    Raises
    ------
    CRSError
        A layer has no CRS.
    LayerError
        A layer has no ``id`` column, or an invalid geometry and ``repair`` is False.
    """
    sources = sources or {}
    inputs = [
        LayerInput(gdf, sources.get(name, name), "id", LAYER_GEOMETRY.get(name, "any"))
        for name, gdf in layers.items()
    ]
    prepared = prepare_inputs(inputs, repair=repair, policy="full", purpose="checked")
    by_name = {
        name: lonlat.assign(id=lonlat["id"].map(id_text).astype(object))
        for name, lonlat in zip(layers, prepared.layers, strict=True)
    }
    return by_name, prepared.repairs
