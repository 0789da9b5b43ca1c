"""Layers made ready for the checks: EPSG:4326, valid geometries, ids as text."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np

from spatial.crs import align_crs
from spatial.errors import CRSError, LayerError
from spatial.io.layers import LAYER_GEOMETRY
from spatial.overlay.operations import require_geometry
from spatial.validate.prepare import prepare_valid

__all__ = ["prepare_layers"]


def _id_text(value: object) -> object:
    """Return an id as text (``7`` -> ``"7"``) so ids join into messages; keep missing ids."""
    if isinstance(value, str) or value is None or (isinstance(value, float) and np.isnan(value)):
        return value
    return str(value)


def prepare_layers(
    layers: Mapping[str, gpd.GeoDataFrame],
    repair: bool = False,
    sources: Mapping[str, str] | None = None,
) -> tuple[dict[str, gpd.GeoDataFrame], list[dict[str, object]]]:
    """Bring layers to EPSG:4326, refuse (or repair) invalid geometries, make ids text.

    Warns with :class:`~spatial.errors.CRSMismatchWarning` when the layers
    arrive in different CRSs. Returns the layers and the repairs made. Each
    layer is validated once here; :func:`check_rules` and :func:`run_checks`
    validate the layers they are given through this function.

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame
        Layers by name.
    repair : bool
        Repair invalid geometries instead of refusing them.
    sources : mapping of str to str, optional
        How to name a layer in an error message (its file), by layer name;
        the layer's name when absent.

    Raises
    ------
    CRSError
        A layer has no CRS.
    LayerError
        A layer has no ``id`` column, or an invalid geometry and ``repair`` is False.
    """
    sources = sources or {}
    for name, gdf in layers.items():
        where = f"{sources[name]} (the {name} layer)" if name in sources else name
        if gdf.crs is None:
            raise CRSError(f"{where}: the layer carries no CRS; set one before checking it")
        if "id" not in gdf.columns:
            columns = ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name) or "none"
            raise LayerError(
                f"{where}: no 'id' column (its columns: {columns}); every feature needs an id: "
                "add an 'id' property"
            )
    for name, gdf in layers.items():
        if name in LAYER_GEOMETRY:  # a points file given as zones is the wrong file, not a FAIL
            require_geometry(gdf, sources.get(name, name), LAYER_GEOMETRY[name])
    valid, repairs = {}, []
    for name, gdf in layers.items():
        # validated in its own CRS, so that a message speaks of the file's coordinates
        valid[name], done = prepare_valid(
            gdf.reset_index(drop=True), sources.get(name, name), repair
        )
        repairs.extend(done)
    aligned = align_crs([(gdf, name) for name, gdf in valid.items()], "checked", stacklevel=2)
    prepared = {
        name: lonlat.assign(id=lonlat["id"].map(_id_text).astype(object))
        for name, lonlat in zip(valid, aligned, strict=True)
    }
    return prepared, repairs
