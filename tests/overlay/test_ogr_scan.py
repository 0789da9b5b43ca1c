"""GeoPackage, Shapefile and FlatGeobuf tabulated through pyogrio's Arrow stream, unit by unit.

The same rows and numbers, bit for bit, as ``read_layer`` + ``tabulate_intersection``,
and the same refusals (in the validator's words) for a bad feature placed far from
every zone, where the fast path never cuts (synthetic parcels, 示例数据).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import grid_parcels_gk

from spatial.cli import main
from spatial.errors import LayerError
from spatial.io.layers import bundled_layer_path, read_layer
from spatial.overlay import parquet as parquet_overlay
from spatial.overlay.operations import tabulate_intersection
from spatial.overlay.parquet import tabulate_parquet
from spatial.overlay.scan import NotPlain, ParquetScan

ZONES_PATH = bundled_layer_path("zones")
ZONES = read_layer(ZONES_PATH)
SUFFIXES = (".gpkg", ".shp", ".fgb")


@pytest.fixture(scope="module")
def parcels() -> gpd.GeoDataFrame:
    return grid_parcels_gk(50)  # 2,500: more than the full validator's 2,000


def _write(layer: gpd.GeoDataFrame, path: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer.to_file(path, engine="pyogrio")
    return path


def whole(path: Path) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tabulate_intersection(read_layer(path), ZONES, names=(str(path), "layer B"))


def no_usual_path(*args: object) -> None:
    raise AssertionError("the usual path was taken")


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize(("unit_rows", "threads"), [(217, 1), (600, 2)])
def test_gdal_files_give_the_rows_and_numbers_of_one_call_bit_for_bit(
    tmp_path, parcels, suffix, unit_rows, threads, monkeypatch
):
    path = _write(parcels, tmp_path / f"parcels{suffix}")
    expected = whole(path)
    monkeypatch.setattr(parquet_overlay, "_not_plain", no_usual_path)
    seen: list[int] = []
    table = tabulate_parquet(
        path, ZONES, unit_rows=unit_rows, threads=threads, progress=lambda d, t, w: seen.append(d)
    )
    assert len(expected) > 100
    assert table[["a_id", "b_id"]].equals(expected[["a_id", "b_id"]])
    for column in ("area_km2", "share_of_a", "share_of_b"):
        np.testing.assert_array_equal(table[column].to_numpy(), expected[column].to_numpy())
    assert seen[-1] == 2500 and len(seen) == -(-2500 // unit_rows)


@pytest.mark.parametrize("suffix", [".gpkg", ".shp"])
@pytest.mark.parametrize("case", ["null", "degrees", "bowtie"])
def test_a_bad_feature_far_from_the_zones_is_refused_as_the_usual_path_refuses_it(
    tmp_path, parcels, suffix, case
):
    layer = parcels.copy()
    corner = layer.geometry.iloc[1200]
    assert not ZONES.to_crs(4544).geometry.intersects(corner).any()
    x0, y0 = corner.bounds[:2]
    bad = {
        "null": None,
        "degrees": shapely.box(106.2, 29.6, 106.21, 29.61),
        "bowtie": shapely.Polygon([(x0, y0), (x0 + 9, y0 + 9), (x0 + 9, y0), (x0, y0 + 9)]),
    }[case]
    layer.loc[1200, "geometry"] = bad
    path = _write(layer, tmp_path / f"{case}{suffix}")
    if case == "bowtie":  # shares no area with B: both paths leave it out, the same table
        got = tabulate_parquet(path, ZONES, unit_rows=300)
        pd.testing.assert_frame_equal(got, whole(path))
        return
    with pytest.raises(LayerError) as expected:
        whole(path)
    with pytest.raises(LayerError) as got:
        tabulate_parquet(path, ZONES, unit_rows=300)
    assert str(got.value) == str(expected.value)
    assert "feature p01200" in str(got.value)


def test_a_file_without_crs_or_of_two_layers_is_for_the_usual_reader(tmp_path, parcels):
    two = tmp_path / "two.gpkg"
    _write(parcels, two)
    parcels.iloc[:5].to_file(two, layer="other", engine="pyogrio")
    with ParquetScan(two, "id") as scan, pytest.raises(NotPlain):
        scan.layer  # noqa: B018 - raises what opening found
    with pytest.raises(Exception) as expected:
        whole(two)
    with pytest.raises(type(expected.value)) as got:
        tabulate_parquet(two, ZONES)
    assert str(got.value) == str(expected.value)


def test_the_command_tabulates_a_geopackage_from_the_file(tmp_path, parcels, monkeypatch):
    path = _write(parcels, tmp_path / "parcels.gpkg")
    out_scan, out_plain = tmp_path / "scan.csv", tmp_path / "plain.csv"
    monkeypatch.setattr(parquet_overlay, "_not_plain", no_usual_path)
    argv = ["overlay", str(path), str(ZONES_PATH), "--format", "csv", "--out"]
    assert main([*argv, str(out_scan)]) == 0
    monkeypatch.undo()
    assert main([*argv, str(out_plain), "--crs", "a=EPSG:4544"]) == 0  # an option: the usual path
    assert out_scan.read_bytes() == out_plain.read_bytes()


def test_a_geojson_a_goes_the_usual_way(tmp_path, parcels, monkeypatch):
    """Its raw JSON is checked first (what GDAL hides), so the scan leaves it to read_layer."""
    path = _write(parcels, tmp_path / "parcels.geojson")
    with ParquetScan(path, "id") as scan, pytest.raises(NotPlain):
        scan.layer  # noqa: B018 - raises what opening found
    pd.testing.assert_frame_equal(tabulate_parquet(path, ZONES), whole(path))
