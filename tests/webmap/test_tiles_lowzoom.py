"""The tiled layer below its parcel zoom (cells merged by class), the archive join, the id field.

Synthetic (示例数据) squares in Web Mercator (EPSG:3857) near Bishan, figures worked
by hand: at zoom ``z`` a tile is 40,075,016.686 m / 2**z wide, drawn 512 px wide, so
a 2-px cell is 1/256 of a tile.
"""

from __future__ import annotations

import base64
import gzip
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from conftest import grid_parcels_gk

from spatial.cli import main
from spatial.webmap.pmtiles_merge import Entry, _directories, _directory, join_archives
from spatial.webmap.tiles import MAX_ZOOM, class_cells, feature_sizes_m, parcel_zoom, write_archive

ZOOM = 10
CELL_M = 40_075_016.686 / 2**ZOOM / 256  # 152.87 m
HALF_WORLD_M = 40_075_016.686 / 2
# a cell's corner near Bishan (106.2°E, 29.6°N), on the zoom-10 cell grid
X0 = np.floor((11_822_000 + HALF_WORLD_M) / CELL_M) * CELL_M - HALF_WORLD_M + 0.0
Y0 = np.floor((3_450_000 + HALF_WORLD_M) / CELL_M) * CELL_M - HALF_WORLD_M + 0.0


def _square(x: float, y: float, side_m: float) -> shapely.Polygon:
    return shapely.box(x, y, x + side_m, y + side_m)


@pytest.fixture
def layer() -> gpd.GeoDataFrame:
    """Four small squares in one cell (three 10 m of class a, one 30 m of class b), one large."""
    geoms = [
        _square(X0 + 5, Y0 + 5, 10),
        _square(X0 + 20, Y0 + 5, 10),
        _square(X0 + 35, Y0 + 5, 10),
        _square(X0 + 60, Y0 + 60, 30),
        _square(X0 + 2 * CELL_M, Y0, 3 * CELL_M),  # 459 m: three cells, kept as it is
    ]
    frame = {"s": ["a", "a", "a", "b", "c"], "id": ["p1", "p2", "p3", "p4", "big"]}
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=3857)


def test_small_features_fall_in_a_cell_of_the_class_with_most_area(
    layer: gpd.GeoDataFrame,
) -> None:
    drawn = class_cells(layer, feature_sizes_m(layer), ZOOM)
    merged = drawn[drawn["merged"] == "1"]
    assert list(merged["s"]) == ["b"]  # 900 m² of b against 300 m² of a
    cell = shapely.box(X0, Y0, X0 + CELL_M, Y0 + CELL_M)
    assert shapely.hausdorff_distance(merged.geometry.iloc[0], cell) < 1e-6  # that cell, whole
    kept = drawn[drawn["merged"].isna()]
    assert list(kept["id"]) == ["big"]
    assert kept.geometry.iloc[0].equals(layer.geometry.iloc[4])  # a square: nothing to simplify


def test_a_tiles_cells_of_one_class_are_one_feature() -> None:
    cells = [_square(X0 + i * CELL_M + 50, Y0 + 50, 20) for i in range(6)]
    layer = gpd.GeoDataFrame({"s": ["a"] * 6, "id": list("123456")}, geometry=cells, crs=3857)
    drawn = class_cells(layer, feature_sizes_m(layer), ZOOM)
    assert len(drawn) == 1  # six cells in a row, one class, one tile
    assert drawn.geometry.iloc[0].area == pytest.approx(6 * CELL_M**2)
    assert shapely.get_num_coordinates(drawn.geometry.iloc[0]) == 5  # their union: one box


def test_a_tiles_cells_are_valid_features_without_a_union() -> None:
    # a checkerboard of two classes, 20 x 20 cells: rows apart, no two rectangles touch
    squares = [
        _square(X0 + i * CELL_M + 50, Y0 + j * CELL_M + 50, 20)
        for i in range(20)
        for j in range(20)
    ]
    classes = ["ab"[(i + j) % 2] for i in range(20) for j in range(20)]
    layer = gpd.GeoDataFrame({"s": classes, "id": range(400)}, geometry=squares, crs=3857)
    drawn = class_cells(layer, feature_sizes_m(layer), ZOOM)
    assert len(drawn) == 4  # two classes, even rows and odd rows
    assert drawn.geometry.is_valid.all()
    assert drawn.geometry.area.sum() == pytest.approx(400 * CELL_M**2)
    centres = layer.geometry.centroid
    for cls in "ab":
        drawn_here = drawn[drawn["s"] == cls].geometry.union_all()
        assert drawn_here.covers(centres[layer["s"] == cls]).all()


def test_a_coverage_of_parcels_wider_than_a_cell_leaves_no_empty_cell() -> None:
    # 1.2 cells a side (under KEEP_CELLS, merged): by their centres alone every sixth column
    # and row of cells got none, drawn as white lines across the parcels
    side_m, n = 1.2 * CELL_M, 30
    squares = [
        _square(X0 + i * side_m, Y0 + j * side_m, side_m) for i in range(n) for j in range(n)
    ]
    classes = ["ab"[(j // 10) % 2] for i in range(n) for j in range(n)]  # bands of ten rows
    layer = gpd.GeoDataFrame({"s": classes, "id": range(n * n)}, geometry=squares, crs=3857)
    drawn = class_cells(layer, feature_sizes_m(layer), ZOOM)
    assert (drawn["merged"] == "1").all()
    whole = shapely.box(X0, Y0, X0 + n * side_m, Y0 + n * side_m)
    covered = drawn.geometry.union_all()
    assert covered.covers(whole)  # every cell the coverage reaches is drawn
    assert covered.area == pytest.approx(np.ceil(n * 1.2) ** 2 * CELL_M**2)  # and no more
    # each cell in the class covering most of it: a band's cells in the band's class
    band = shapely.box(X0, Y0 + 1 * side_m, X0 + n * side_m, Y0 + 9 * side_m)  # rows 1-8: a
    assert drawn[drawn["s"] == "a"].geometry.union_all().covers(band)


def test_the_parcel_zoom_is_where_most_features_are_four_pixels_wide() -> None:
    # four px at zoom z: 40,075,016.686 / 2**z / 128 m: 76.4 m at 12, 38.2 m at 13
    assert parcel_zoom(np.full(100, 80.0), 9) == 12
    assert parcel_zoom(np.full(100, 70.0), 9) == 13
    sizes = np.r_[np.full(89, 80.0), np.full(11, 20.0)]  # 11 % too small at 12 and at 13
    assert parcel_zoom(sizes, 9) == 14
    assert parcel_zoom(np.full(5, 50_000.0), 9) == 9  # never before the first zoom


def test_archives_of_disjoint_zooms_join_into_one(tmp_path: Path) -> None:
    parcels = grid_parcels_gk(12)
    parts = [
        write_archive(parcels, tmp_path / "a.pmtiles", min_zoom=11, max_zoom=12),
        write_archive(parcels, tmp_path / "b.pmtiles", min_zoom=13, max_zoom=MAX_ZOOM),
    ]
    joined = join_archives(parts[::-1], tmp_path / "joined.pmtiles")
    for zoom in range(11, MAX_ZOOM + 1):
        tiles = pyogrio.read_dataframe(joined, ZOOM_LEVEL=zoom)
        assert sorted(tiles["id"].unique()) == sorted(parcels["id"])
    meta = pyogrio.read_info(joined)["dataset_metadata"]
    assert (meta["minzoom"], meta["maxzoom"]) == ("11", str(MAX_ZOOM))
    with pytest.raises(ValueError, match="share tile"):
        join_archives([parts[0], parts[0]], tmp_path / "twice.pmtiles")


def test_a_directory_too_large_for_the_root_goes_to_leaves() -> None:
    rng = np.random.default_rng(0)
    ids = np.cumsum(rng.integers(1, 1000, 60_000))
    lengths = rng.integers(1, 100_000, 60_000)
    offsets = np.r_[0, np.cumsum(lengths)[:-1]]
    offsets[::7] += 5  # a gap now and then: an offset written out, not implied
    rows = zip(ids, offsets, lengths, strict=True)
    entries = [Entry(int(t), int(o), int(n), 1) for t, o, n in rows]
    root, leaves = _directories(entries)
    assert len(root) <= 16_384 - 127 and leaves
    pointers = _directory(gzip.decompress(root))
    assert all(p.run_length == 0 for p in pointers)
    read = []
    for p in pointers:
        read += _directory(gzip.decompress(leaves[p.offset : p.offset + p.length]))
    assert read == entries


def _embedded(page: Path, out: Path) -> Path:
    html = page.read_text(encoding="utf-8")
    found = re.search(r'<script type="application/octet-stream" id="[^"]+">([^<]+)</script>', html)
    assert found is not None
    out.write_bytes(base64.b64decode(found.group(1)))
    return out


@pytest.fixture(scope="module")
def survey(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """400 synthetic parcels ids in BSM (a survey's 标识码), no id column."""
    gdf = grid_parcels_gk(20)
    gdf["BSM"] = [f"5001200000{i:04d}" for i in range(len(gdf))]
    path = tmp_path_factory.mktemp("survey") / "survey.parquet"
    gdf.drop(columns="id").to_parquet(path)
    return path


@pytest.mark.parametrize("id_field", [["--id-field", "parcels=BSM"], []])
def test_the_tiles_carry_the_id_field_named_for_the_layer(
    survey: Path, id_field: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "map.html"
    arguments = ["--layer", f"parcels={survey}", "--tiles-from", "100", *id_field]
    assert main(["map", "--offline", *arguments, "--out", str(out)]) == 0
    tiles = pyogrio.read_dataframe(_embedded(out, tmp_path / "t.pmtiles"), ZOOM_LEVEL=MAX_ZOOM)
    expected = sorted(gpd.read_parquet(survey)["BSM"])
    # named, or (none named) the survey's 标识码 BSM, unique and never blank, as a constraint
    # layer's: a clicked parcel shows it
    assert sorted(tiles["id"].unique()) == expected


def test_a_layer_without_a_unique_id_field_carries_no_id(survey: Path, tmp_path: Path) -> None:
    twice = gpd.read_parquet(survey)
    twice.loc[5, "BSM"] = twice.loc[4, "BSM"]  # BSM no longer names one parcel
    source = tmp_path / "twice.parquet"
    twice.to_parquet(source)
    out = tmp_path / "map.html"
    arguments = ["--layer", f"parcels={source}", "--tiles-from", "100"]
    assert main(["map", "--offline", *arguments, "--out", str(out)]) == 0
    tiles = pyogrio.read_dataframe(_embedded(out, tmp_path / "t.pmtiles"), ZOOM_LEVEL=MAX_ZOOM)
    assert "id" not in tiles.columns and "BSM" not in tiles.columns


def test_the_tiles_keep_the_decimals_asked_for(survey: Path, tmp_path: Path) -> None:
    out = tmp_path / "map.html"
    arguments = ["--layer", f"parcels={survey}", "--tiles-from", "100", "--decimals", "4"]
    arguments += ["--id-field", "parcels=BSM"]
    assert main(["map", "--offline", *arguments, "--out", str(out)]) == 0
    pieces = pyogrio.read_dataframe(_embedded(out, tmp_path / "t.pmtiles"), ZOOM_LEVEL=MAX_ZOOM)
    counts = pieces["id"].value_counts()
    whole = pieces[pieces["id"].map(counts) == 1].set_index("id").to_crs(4544).geometry
    truth = gpd.read_parquet(survey).set_index("BSM").geometry.to_crs(4326)
    # --decimals 4: a grid of 0.0001° (about 10 m); the tiles hold it to 0.5 m (zoom 14)
    rounded = gpd.GeoSeries(shapely.set_precision(truth.values, 1e-4), truth.index, crs=4326)
    to_rounded_m = shapely.hausdorff_distance(
        whole.values, rounded.to_crs(4544).loc[whole.index].values
    )
    to_truth_m = shapely.hausdorff_distance(
        whole.values, truth.to_crs(4544).loc[whole.index].values
    )
    assert len(whole) > 100 and to_rounded_m.max() < 0.5
    assert to_truth_m.max() > 2  # the parcels themselves lie off the grid
