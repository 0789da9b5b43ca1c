"""Tabulation on dask: a partitioned GeoParquet dataset on a cluster of worker processes."""

from __future__ import annotations

import warnings

import dask_geopandas
import geopandas as gpd
import numpy as np
import pandas as pd
from conftest import grid_parcels_gk
from distributed import Client, LocalCluster

from spatial.cli import main
from spatial.io.layers import bundled_layer_path, read_layer
from spatial.overlay.distributed import tabulate_intersection_dask
from spatial.overlay.operations import tabulate_intersection

ZONES_PATH = bundled_layer_path("zones")
ZONES = read_layer(ZONES_PATH)


def test_a_partitioned_dataset_on_a_cluster_of_worker_processes(tmp_path, capsys):
    parcels = grid_parcels_gk(30)
    folder = tmp_path / "parcels"
    folder.mkdir()
    for k, part in enumerate(np.array_split(np.arange(len(parcels)), 3)):
        parcels.iloc[part].to_parquet(folder / f"part.{k}.parquet")
    expected = whole_frame(parcels)
    with (
        LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
        ) as cluster,
        Client(cluster),
    ):
        parts = dask_geopandas.read_parquet(folder)  # each worker reads its own partitions
        assert parts.npartitions == 3
        table = tabulate_intersection_dask(parts, ZONES)  # one datum: moved without a warning
        out = tmp_path / "t.csv"
        argv = ["overlay", str(folder), str(ZONES_PATH), "--scheduler", cluster.scheduler_address]
        assert main([*argv, "--out", str(out)]) == 0
    assert table[["a_id", "b_id"]].equals(expected[["a_id", "b_id"]])
    np.testing.assert_allclose(table.area_km2, expected.area_km2, rtol=1e-12)
    got = pd.read_csv(out)
    np.testing.assert_allclose(got.area_km2, expected.area_km2, rtol=1e-12)
    err = capsys.readouterr().err  # one datum (CGCS2000 and WGS84): nothing to warn of
    assert "warning" not in err.lower()
    assert err.startswith("spatial overlay: note: pieces cut in the layers' projected CRS")


def whole_frame(parcels: gpd.GeoDataFrame) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tabulate_intersection(parcels, ZONES)
