"""GeoParquet the toolkit writes: version 1.1, a bbox covering column, features in Hilbert order."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pyarrow.parquet as pq
import shapely
from survey import X0, Y0

from spatial.cli import main
from spatial.io.geoparquet import spatial_order, write_geoparquet


def _layer() -> gpd.GeoDataFrame:
    """Squares in a shuffled order, one null and one empty among them (示例数据)."""
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 5_000, size=(300, 2))
    geoms = list(shapely.box(X0 + xy[:, 0], Y0 + xy[:, 1], X0 + xy[:, 0] + 20, Y0 + xy[:, 1] + 20))
    geoms[10], geoms[20] = None, shapely.Polygon()
    ids = [f"p{k:03d}" for k in range(len(geoms))]
    return gpd.GeoDataFrame({"id": ids, "note": "示例数据"}, geometry=geoms, crs="EPSG:4544")


def test_written_sorted_with_a_covering_and_the_same_features(tmp_path):
    layer = _layer()
    path = tmp_path / "out.parquet"
    write_geoparquet(layer, path, row_group_rows=64)
    meta = json.loads(pq.ParquetFile(path).schema_arrow.metadata[b"geo"])
    assert meta["version"] == "1.1.0"
    assert meta["columns"]["geometry"]["covering"]["bbox"]["xmin"] == ["bbox", "xmin"]
    back = gpd.read_parquet(path)
    # the same features, each once, the null and the empty last in their order
    assert sorted(back["id"]) == sorted(layer["id"])
    assert list(back["id"].iloc[-2:]) == ["p010", "p020"]
    by_id = layer.set_index("id").geometry
    assert all(
        shapely.equals_exact(g, by_id[i], 0)
        for i, g in zip(back["id"], back.geometry.array, strict=True)
        if i not in ("p010", "p020")
    )
    # Hilbert order of the placed features: distances never decrease
    placed = back.iloc[:-2]
    distance = placed.geometry.hilbert_distance(total_bounds=layer.total_bounds).to_numpy()
    assert (np.diff(distance) >= 0).all()
    # and the row groups are compact: each covers far less than the layer's extent
    file = pq.ParquetFile(path)
    assert file.num_row_groups == 5
    schema = file.schema_arrow.names
    xmin = file.metadata.row_group(0).column(schema.index("bbox")).statistics
    xmax = file.metadata.row_group(0).column(schema.index("bbox") + 2).statistics
    assert xmax.max - xmin.min < 0.75 * 5_020


def test_spatial_order_is_hilbert_with_the_unplaced_last():
    layer = _layer()
    order = spatial_order(layer)
    assert sorted(order.tolist()) == list(range(len(layer)))
    assert order[-2:].tolist() == [10, 20]


def test_validate_repair_writes_geoparquet_1_1(tmp_path):
    layer = _layer()
    x, y = X0 + 10, Y0 + 10
    layer.loc[5, "geometry"] = shapely.Polygon([(x, y), (x + 9, y + 9), (x + 9, y), (x, y + 9)])
    layer = layer.drop(index=[10, 20]).reset_index(drop=True)
    source = tmp_path / "in.parquet"
    layer.to_parquet(source)
    out = tmp_path / "fixed.parquet"
    assert main(["validate", str(source), "--repair", str(out)]) == 1
    meta = json.loads(pq.ParquetFile(out).schema_arrow.metadata[b"geo"])
    assert meta["version"] == "1.1.0" and "covering" in meta["columns"]["geometry"]
    fixed = gpd.read_parquet(out)
    assert len(fixed) == len(layer) and fixed.geometry.is_valid.all()
