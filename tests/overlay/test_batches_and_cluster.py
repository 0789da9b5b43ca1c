"""Larger than memory: GeoParquet by batches, and dask on a cluster of worker processes."""

from __future__ import annotations

import warnings

import dask_geopandas
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from distributed import Client, LocalCluster

from spatial.cli import main
from spatial.cli import overlay as overlay_cli
from spatial.errors import CRSError, LayerError
from spatial.io.layers import bundled_layer_path, read_layer
from spatial.overlay.batches import ParquetLayer, tabulate_parquet_batches
from spatial.overlay.distributed import tabulate_intersection_dask
from spatial.overlay.operations import tabulate_intersection

ZONES_PATH = bundled_layer_path("zones")
ZONES = read_layer(ZONES_PATH)


def grid_parcels_gk(n_side: int = 40) -> gpd.GeoDataFrame:
    """Synthetic (示例数据) square parcels over zone-cjrh and its neighbours, EPSG:4544."""
    zone = ZONES.to_crs(4544).set_index("id").geometry["zone-cjrh"]
    x0, y0, x1, y1 = zone.buffer(300).bounds
    xs, ys = np.linspace(x0, x1, n_side + 1), np.linspace(y0, y1, n_side + 1)
    cells = shapely.box(*np.meshgrid(xs[:-1], ys[:-1]), *np.meshgrid(xs[1:], ys[1:]))
    cells = cells.ravel()
    ids = [f"p{i:05d}" for i in range(len(cells))]
    return gpd.GeoDataFrame({"id": ids, "note": "示例数据"}, geometry=cells, crs=4544)


@pytest.fixture(scope="module")
def parcels_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "parcels.parquet"
    grid_parcels_gk().to_parquet(path, row_group_size=300)
    return path


def whole(path) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tabulate_intersection(read_layer(path), ZONES)


def test_batches_give_the_rows_and_numbers_of_one_call(parcels_file):
    seen = []
    with pytest.warns(Warning, match="moved into EPSG:4544"):
        frames = list(
            tabulate_parquet_batches(
                parcels_file, ZONES, batch_rows=217, progress=lambda d, t, w: seen.append((d, t))
            )
        )
    assert len(frames) == 8 and seen[-1] == (1600, 1600)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    batched = pd.concat(frames, ignore_index=True)
    one = whole(parcels_file)
    assert batched[["a_id", "b_id"]].equals(one[["a_id", "b_id"]])
    np.testing.assert_allclose(batched.area_km2, one.area_km2, rtol=1e-12)
    np.testing.assert_allclose(batched.share_of_b, one.share_of_b, rtol=1e-12)


def test_the_command_tabulates_a_large_parquet_by_batches(parcels_file, tmp_path, monkeypatch):
    monkeypatch.setattr(overlay_cli, "_BATCH_MIN_ROWS", 500)  # as if 1,600 parcels were many
    monkeypatch.setattr("spatial.overlay.batches.BATCH_ROWS", 400)
    out = tmp_path / "t.csv"
    status = main(["overlay", str(parcels_file), str(ZONES_PATH), "--out", str(out)])
    assert status == 0
    got = pd.read_csv(out)
    one = whole(parcels_file)
    assert list(got.a_id) == list(one.a_id)
    np.testing.assert_allclose(got.area_km2, one.area_km2, rtol=1e-12)


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
    assert capsys.readouterr().err == ""  # one datum (CGCS2000 and WGS84): nothing to warn of


def whole_frame(parcels: gpd.GeoDataFrame) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tabulate_intersection(parcels, ZONES)


def test_reading_id_and_geometry_only_refuses_what_read_layer_refuses(parcels_file, tmp_path):
    layer = ParquetLayer(parcels_file)
    got = layer.read("id", threads=2)
    full = read_layer(parcels_file)
    assert list(got.columns) == ["id", "geometry"] and got.crs.equals(full.crs)
    assert shapely.equals_exact(got.geometry.array, full.geometry.array, 0).all()
    with pytest.raises(LayerError, match="no id column 'code'; columns are id, note, geometry"):
        layer.read("code")
    naive = tmp_path / "naive.parquet"
    grid_parcels_gk(3).set_crs(None, allow_override=True).to_parquet(naive)
    with pytest.raises(CRSError, match="declares no CRS"):
        ParquetLayer(naive)
