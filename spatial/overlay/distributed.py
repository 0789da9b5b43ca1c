"""Tabulation on partitioned data, for layers that outgrow one machine.

:func:`tabulate_intersection_dask` runs the same engine as
:func:`spatial.overlay.tabulate_intersection` on every partition of a
:mod:`dask_geopandas` layer, against the whole of a second (smaller) layer, and
gives the same table. It works with any dask scheduler: threads, processes, or
a ``dask.distributed`` cluster (create a ``distributed.Client`` first; compute
then runs on it).

The second layer travels to every task as WKB and is rebuilt there, so each
task prepares its own GEOS copies: prepared geometries are not thread-safe
(GEOS issue #825) and are never shared between tasks or threads.

Requires the ``dask`` extra: ``uv sync --extra dask`` (dask-geopandas, distributed).

Examples
--------
>>> import dask_geopandas
>>> from spatial.io.layers import bundled_layer_path, read_layer
>>> zones = read_layer(bundled_layer_path("zones"))
>>> clusters = read_layer(bundled_layer_path("clusters"))
>>> parts = dask_geopandas.from_geopandas(zones, npartitions=2)
>>> table = tabulate_intersection_dask(parts, clusters, scheduler="synchronous")
>>> row = table[(table.a_id == "zone-kcxz") & (table.b_id == "cluster-kcxz")].iloc[0]
>>> round(float(row.area_km2), 1), round(float(row.share_of_a), 2)
(15.0, 1.0)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from spatial.errors import CRSError, IdColumnError
from spatial.overlay._keywords import id_keywords
from spatial.overlay.operations import cut_prepared, empty_cut, finish_cuts
from spatial.validate.cheap import refuse_bad_features
from spatial.validate.frame import into_crs
from spatial.validate.inputs import Known

if TYPE_CHECKING:
    import dask_geopandas

__all__ = ["tabulate_intersection_dask"]


def _partition_pairs(
    part: gpd.GeoDataFrame,
    b_wkb: np.ndarray,
    b_ids: np.ndarray,
    a_id_field: str,
    crs_wkt: str,
) -> pd.DataFrame:
    """Cut one partition of ``a`` against all of ``b`` (rebuilt from WKB here).

    Both are in the CRS ``crs_wkt`` (the partitions' own: nothing is reprojected
    here); the features of the partition are reconciled here, those of ``b`` once
    all partitions are in (:func:`spatial.overlay.operations.finish_cuts`).
    """
    bounds = refuse_bad_features(part, "layer A", a_id_field)  # in the frame's CRS: engine reuses
    b_geoms = shapely.from_wkb(b_wkb)  # this task's own copies, prepared only here
    return cut_prepared(
        (np.asarray(part.geometry.array), part[a_id_field].to_numpy()),
        (b_geoms, b_ids),
        names=("layer A", "layer B"),
        crs=CRS.from_wkt(crs_wkt),
        threads=1,
        index="b",
        known=(Known(bounds=bounds), None),
    )


def _meta(a_dtype: Any, b_dtype: Any) -> pd.DataFrame:
    cut = empty_cut(np.zeros(0, dtype=object), np.zeros(0, dtype=object))
    return cut.astype({"a_id": a_dtype, "b_id": b_dtype})


def _as_partitioned(
    a: dask_geopandas.GeoDataFrame | gpd.GeoDataFrame, npartitions: int | None
) -> dask_geopandas.GeoDataFrame:
    import dask_geopandas  # noqa: PLC0415 - optional dependency, imported when used

    if isinstance(a, gpd.GeoDataFrame):
        return dask_geopandas.from_geopandas(a, npartitions=npartitions or 1)
    return a if npartitions is None else a.repartition(npartitions=npartitions)


def _into_partitions_crs(crs_a: Any, b: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Move ``b`` into the partitions' CRS (densified if projected), warning on another datum."""
    if crs_a is None or b.crs is None:
        which = "layer A" if crs_a is None else "layer B"
        raise CRSError(f"{which}: the layer carries no CRS; set one before overlaying it")
    return into_crs(b, "layer B", crs_a, "layer A", stacklevel=4)[0]


@id_keywords(a_id="a_id_field", b_id="b_id_field")
def tabulate_intersection_dask(
    a: dask_geopandas.GeoDataFrame | gpd.GeoDataFrame,
    b: gpd.GeoDataFrame,
    a_id_field: str = "id",
    b_id_field: str = "id",
    npartitions: int | None = None,
    *,
    scheduler: str | None = None,
) -> pd.DataFrame:
    """Tabulate shared areas like :func:`spatial.overlay.tabulate_intersection`, by partition.

    Parameters
    ----------
    a : dask_geopandas.GeoDataFrame or geopandas.GeoDataFrame
        The large polygon layer, any CRS, never reprojected: cut and measured in
        its own CRS, each partition where it is read (``dask_geopandas.read_parquet``
        of a partitioned GeoParquet dataset: every worker reads its own partitions).
        A plain GeoDataFrame is split into ``npartitions`` partitions.
    b : geopandas.GeoDataFrame
        The smaller polygon layer (the plan's zones, say), any CRS; moved into
        ``a``'s CRS as :func:`spatial.overlay.tabulate_intersection` moves it
        (densified into a projected one), and sent whole to every task as WKB.
    a_id_field, b_id_field : str
        Columns identifying the features of ``a`` and ``b``.
    npartitions : int, optional
        Repartition ``a`` into this many partitions first.
    scheduler : str, optional
        Dask scheduler for ``compute`` ("threads", "processes", "synchronous");
        by default dask's current one, which is the cluster's once a
        ``distributed.Client`` exists.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`~spatial.overlay.tabulate_intersection`, one row per pair
        with positive shared area, in the order of the partitions of ``a`` then ``b``:
        the same rows and numbers as ``tabulate_intersection(a, b)``.

    Raises
    ------
    CRSError
        A layer carries no CRS.
    LayerError
        An id column is missing; a feature is null or empty, has NaN or
        infinite coordinates, swapped latitude and longitude or a position far
        outside China (the vectorised checks of :mod:`spatial.validate.cheap`,
        on every feature, "and N more" counting within one partition of ``a``);
        or a feature that shares area is not a valid geometry.
    """
    parts = _as_partitioned(a, npartitions)
    for layer, name, col in ((parts, "layer A", a_id_field), (b, "layer B", b_id_field)):
        if col not in layer.columns:
            own = tuple(str(c) for c in layer.columns if c != "geometry")
            raise IdColumnError(name, col, own)  # the one wording of a missing field
    refuse_bad_features(b, "layer B", b_id_field)  # in its own CRS, as the validator
    b_in = _into_partitions_crs(parts.crs, b).reset_index(drop=True)
    b_geoms = np.asarray(b_in.geometry.array)
    b_ids = b_in[b_id_field].to_numpy()
    pieces = parts[[a_id_field, "geometry"]].map_partitions(
        _partition_pairs,
        shapely.to_wkb(b_geoms),
        b_ids,
        a_id_field,
        parts.crs.to_wkt(),
        meta=_meta(parts[a_id_field].dtype, b_in[b_id_field].dtype),
    )
    cut = pieces.compute(scheduler=scheduler).reset_index(drop=True)
    return finish_cuts([cut], b_geoms, parts.crs)
