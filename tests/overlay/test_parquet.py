"""GeoParquet tabulated from the file, unit by unit: same rows and numbers, same refusals."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely
from conftest import grid_parcels_gk

from spatial.cli import main
from spatial.errors import CRSError, CRSMismatchWarning, LayerError
from spatial.io.geoparquet import ParquetLayer, polygon_bounds
from spatial.io.layers import bundled_layer_path, read_layer
from spatial.overlay import parquet as parquet_overlay
from spatial.overlay.operations import tabulate_intersection
from spatial.overlay.parquet import BoxCover, tabulate_parquet

ZONES_PATH = bundled_layer_path("zones")
ZONES = read_layer(ZONES_PATH)


@pytest.fixture(scope="module")
def parcels():
    return grid_parcels_gk(50)  # 2,500: more than the full validator's 2,000


@pytest.fixture(scope="module")
def parcels_file(tmp_path_factory, parcels):
    path = tmp_path_factory.mktemp("big") / "parcels.parquet"
    parcels.to_parquet(path, row_group_size=300)
    return path


def whole(layer) -> pd.DataFrame:
    """The toolkit's one-shot tabulation of a layer (a GeoDataFrame, or a file named so)."""
    if isinstance(layer, gpd.GeoDataFrame):
        frame, names = layer, ("layer A", "layer B")
    else:
        frame, names = read_layer(layer), (str(layer), "layer B")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tabulate_intersection(frame, ZONES, names=names)


def assert_same_table(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert len(expected) > 100  # the parcels cross the zone's boundary: cut pieces and wholes
    assert got[["a_id", "b_id"]].equals(expected[["a_id", "b_id"]])
    for column in ("area_km2", "share_of_a", "share_of_b"):
        np.testing.assert_array_equal(got[column].to_numpy(), expected[column].to_numpy())


@pytest.mark.parametrize(("unit_rows", "threads"), [(217, 1), (300, 2), (500_000, 2)])
def test_units_give_the_rows_and_numbers_of_one_call_bit_for_bit(parcels_file, unit_rows, threads):
    seen = []
    table = tabulate_parquet(
        parcels_file,
        ZONES,
        unit_rows=unit_rows,
        threads=threads,
        progress=lambda done, total, what: seen.append((done, total)),
    )
    assert_same_table(table, whole(parcels_file))
    assert seen[-1] == (2500, 2500)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_zones_in_another_crs_are_moved_once_and_cut_the_same(parcels_file, parcels):
    """Lon/lat zones against a GK file: the zones (detailed once densified) are tiled alike."""
    detailed = shapely.get_num_coordinates(
        np.asarray(ZONES.to_crs(4544).geometry.segmentize(10.0).array)
    )
    assert detailed.max() > 256  # so the engine cuts them into tiles: the split must not matter
    table = tabulate_parquet(parcels_file, ZONES, unit_rows=97)
    assert_same_table(table, whole(parcels))


def test_the_command_writes_the_table_of_one_call(parcels_file, tmp_path):
    out = tmp_path / "t.csv"
    assert main(["overlay", str(parcels_file), str(ZONES_PATH), "--out", str(out)]) == 0
    got = pd.read_csv(out, encoding="utf-8-sig")
    expected = whole(parcels_file)
    assert list(got.a_id) == list(expected.a_id)
    np.testing.assert_array_equal(got.area_km2.to_numpy(), expected.area_km2.to_numpy())


def test_no_parcel_near_the_zones_gives_an_empty_table(tmp_path, parcels):
    far = parcels.set_geometry(parcels.geometry.translate(0, -200_000))  # 200 km south
    path = tmp_path / "far.parquet"
    far.to_parquet(path)
    table = tabulate_parquet(path, ZONES)
    assert table.empty and list(table.columns) == list(whole(far).columns)


def nan_polygon(coords: list[tuple[float, float]]) -> shapely.Polygon:
    """A polygon with a NaN coordinate (shapely warns of it: not here)."""
    with np.errstate(invalid="ignore"):
        return shapely.Polygon(coords)


def bad_layers(parcels: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """Layers whose one bad feature lies far from every zone (the fast path never cuts it)."""
    corner = parcels.geometry.iloc[0]  # the grid's south-west corner, outside zone-cjrh's box
    assert not ZONES.to_crs(4544).geometry.intersects(corner).any()
    x0, y0 = corner.bounds[:2]
    nan_ring = nan_polygon([(x0, y0), (x0 + 5, y0), (x0 + 5, np.nan), (x0, y0)])
    cases = {
        "null": None,
        "empty": shapely.Polygon(),
        "point": shapely.Point(x0, y0),
        "nan": nan_ring,
        "degrees": shapely.box(106.2, 29.6, 106.21, 29.61),
    }
    out = {}
    for name, geom in cases.items():
        layer = parcels.copy()
        layer.loc[0, "geometry"] = geom
        out[name] = layer
    return out


@pytest.mark.parametrize("case", ["null", "empty", "point", "nan", "degrees"])
def test_a_bad_feature_is_refused_in_the_validators_words(tmp_path, parcels, case):
    layer = bad_layers(parcels)[case]
    path = tmp_path / f"{case}.parquet"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer.to_parquet(path)
    with pytest.raises(LayerError) as expected:
        whole(path)
    assert "p00000" in str(expected.value)
    with pytest.raises(LayerError) as got:
        tabulate_parquet(path, ZONES, unit_rows=400)
    assert str(got.value) == str(expected.value)


def test_above_the_whole_read_limit_a_bad_layer_is_refused_batch_by_batch(
    tmp_path, parcels, monkeypatch
):
    monkeypatch.setattr(parquet_overlay, "WHOLE_MAX_ROWS", 500)
    path = tmp_path / "nan.parquet"
    bad_layers(parcels)["nan"].to_parquet(path)
    with pytest.raises(LayerError, match=r"feature p00000: .*(NaN|finite)"):
        tabulate_parquet(path, ZONES, unit_rows=400)


def test_an_invalid_feature_that_takes_part_is_named(tmp_path, parcels):
    layer = parcels.copy()
    inside = ZONES.to_crs(4544).set_index("id").geometry["zone-cjrh"].representative_point()
    x, y = inside.x, inside.y
    bowtie = shapely.Polygon([(x, y), (x + 10, y + 10), (x + 10, y), (x, y + 10), (x, y)])
    layer.loc[5, "geometry"] = bowtie
    path = tmp_path / "bowtie.parquet"
    layer.to_parquet(path)
    with pytest.raises(LayerError, match="feature p00005: invalid geometry: Self-intersection"):
        tabulate_parquet(path, ZONES)


def test_the_file_and_its_id_column_are_checked_first(parcels_file, tmp_path):
    with pytest.raises(LayerError, match="no field 'code' for --id-field; its fields are id, note"):
        tabulate_parquet(parcels_file, ZONES, a_id_field="code")
    with pytest.raises(LayerError, match="'geometry' is the geometry column"):
        ParquetLayer(parcels_file).require("geometry")
    naive = tmp_path / "naive.parquet"
    grid_parcels_gk(3).set_crs(None, allow_override=True).to_parquet(naive)
    with pytest.raises(CRSError, match="declares no CRS"):
        ParquetLayer(naive)


def wkb_array(geoms) -> pa.Array:
    return pa.array([None if g is None else shapely.to_wkb(g) for g in geoms], pa.binary())


def test_polygon_bounds_are_shapelys_for_plain_polygons():
    holed = shapely.box(0, 0, 4, 4).difference(shapely.box(1, 1, 2, 2))
    multi = shapely.MultiPolygon([shapely.box(5, 5, 6, 7), shapely.box(-3, -2, -1, 0)])
    geoms = [holed, multi, shapely.box(106.2, 29.6, 106.3, 29.7)]
    np.testing.assert_array_equal(polygon_bounds(wkb_array(geoms)), shapely.bounds(geoms))


@pytest.mark.parametrize(
    "geom",
    [
        None,
        shapely.Polygon(),
        shapely.Point(1, 2),
        shapely.LineString([(0, 0), (1, 1)]),
        nan_polygon([(0, 0), (1, 0), (1, np.nan), (0, 0)]),
        shapely.from_wkt("POLYGON Z ((0 0 1, 1 0 1, 1 1 1, 0 0 1))"),
        shapely.GeometryCollection([shapely.box(0, 0, 1, 1)]),
    ],
    ids=["null", "empty", "point", "line", "nan", "z", "collection"],
)
def test_polygon_bounds_leave_anything_else_to_the_validator(geom):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # shapely warns of the NaN coordinate
        assert polygon_bounds(wkb_array([shapely.box(0, 0, 1, 1), geom])) is None


def boxes(rng: np.random.Generator, n: int, low: float, high: float, size: float) -> np.ndarray:
    """``n`` random boxes (minx, miny, maxx, maxy) with corners in [low, high], sides up to size."""
    corner = rng.uniform(low, high, (n, 2))
    return np.hstack([corner, corner + rng.uniform(0, size, (n, 2))])


def test_the_box_cover_never_drops_a_box_that_touches():
    rng = np.random.default_rng(7)
    covered, queries = boxes(rng, 40, 0, 100, 20), boxes(rng, 20_000, -10, 110, 3)
    exact = (
        (queries[:, None, 0] <= covered[None, :, 2])
        & (queries[:, None, 2] >= covered[None, :, 0])
        & (queries[:, None, 1] <= covered[None, :, 3])
        & (queries[:, None, 3] >= covered[None, :, 1])
    ).any(axis=1)
    touching = covered[:3].copy()  # boxes meeting covered ones at their east edge only
    touching[:, 0] = touching[:, 2] = covered[:3, 2]
    got = BoxCover.of(covered).touches(np.vstack([queries, touching]))
    assert got[: len(queries)][exact].all() and got[len(queries) :].all()
    assert 0.2 < exact.mean() < 0.9  # both kinds are there
    assert got[: len(queries)].mean() < exact.mean() + 0.05  # and the cover is tight


def test_the_command_names_what_is_wrong_in_its_usual_order(parcels_file, tmp_path, capsys):
    argv = ["overlay", str(parcels_file), str(ZONES_PATH), "--a-id", "code"]
    assert main(argv) == 2
    assert "no field 'code' for --a-id; its fields are id, note" in capsys.readouterr().err
    missing = tmp_path / "missing.geojson"
    assert main(["overlay", str(parcels_file), str(missing), "--a-id", "code"]) == 2
    err = capsys.readouterr().err  # B is read before A's problems are told
    assert "missing.geojson" in err and "code" not in err and len(err.strip().splitlines()) == 1


def test_a_corrupt_file_is_one_line(tmp_path, capsys):
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1" + b"\0" * 64 + b"PAR1")
    assert main(["overlay", str(broken), str(ZONES_PATH)]) == 2
    err = capsys.readouterr().err
    assert "broken.parquet" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_polygon_bounds_read_both_byte_orders_and_refuse_flagged_headers():
    box = shapely.box(106.2, 29.6, 106.3, 29.7)
    big_endian = pa.array([shapely.to_wkb(box, byte_order=0)], pa.binary())
    assert polygon_bounds(big_endian).tolist() == [list(box.bounds)]
    with_srid = pa.array([shapely.to_wkb(shapely.set_srid(box, 4490), include_srid=True)])
    assert polygon_bounds(with_srid) is None  # EWKB: the SRID flag is not a plain polygon
    large = pa.array([shapely.to_wkb(box)], pa.large_binary())
    assert polygon_bounds(large).tolist() == [list(box.bounds)]
    assert polygon_bounds(pa.array([b"\x01\x03\x00"], pa.binary())) is None  # cut short


def test_a_truncated_wkb_is_left_to_the_validator(tmp_path, parcels, capsys):
    truncated = b"\x01\x03\x00\x00\x00\x01\x00\x00\x00\x05\x00\x00\x00\x00"  # a ring of 5, 1 byte
    assert polygon_bounds(pa.array([truncated], pa.binary())) is None
    table = pa.table({"id": ["p00000"], "geometry": [truncated]})
    meta = {
        b"geo": b'{"version": "1.0.0", "primary_column": "geometry", "columns": '
        b'{"geometry": {"encoding": "WKB", "geometry_types": []}}}'
    }
    path = tmp_path / "truncated.parquet"
    pq.write_table(table.replace_schema_metadata(meta), path)
    assert main(["overlay", str(path), str(ZONES_PATH)]) == 2
    err = capsys.readouterr().err
    assert "truncated.parquet" in err and "internal error" not in err
    assert len(err.strip().splitlines()) == 1


def test_progress_is_a_line_on_standard_error_when_asked_or_on_a_terminal(
    parcels_file, capsys, monkeypatch
):
    tabulate_parquet(parcels_file, ZONES, unit_rows=1250, progress=True)
    err = capsys.readouterr().err
    assert err.endswith("2,500 of 2,500 features (100%)\n") and "1,250 of 2,500" in err
    tabulate_parquet(parcels_file, ZONES, unit_rows=1250)  # not a terminal: nothing
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(parquet_overlay, "PROGRESS_MIN_ROWS", 1_000)
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    tabulate_parquet(parcels_file, ZONES, unit_rows=1250)
    assert "2,500 of 2,500 features (100%)" in capsys.readouterr().err


def test_native_geoarrow_encoding_is_read_the_usual_way(tmp_path, parcels):
    path = tmp_path / "native.parquet"
    parcels.to_parquet(path, geometry_encoding="geoarrow")
    assert ParquetLayer(path).encoding != "WKB"
    assert_same_table(tabulate_parquet(path, ZONES), whole(parcels))


CRASHED_GEOARROW = bytes.fromhex(  # a MultiPolygon whose one part has a Z/M/SRID-flagged type
    "01060000000100000001030000e002000000050000000000000000000040000000000000004000000000"
    "00000040000000000000084000000000000008400000000000000840000000000000"
)


def test_malformed_wkb_never_reaches_geoarrow_and_mutations_are_read_as_geos_reads_them():
    assert polygon_bounds(pa.array([CRASHED_GEOARROW], pa.binary())) is None
    script = Path(__file__).with_name("wkb_fuzz.py")
    out = subprocess.run(
        [sys.executable, str(script), "5", "1500"], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr[-2000:]  # a segfault would be -11
    assert out.stdout.startswith("ok 1500 ")


def test_rings_geos_cannot_build_are_left_to_the_validator():
    x0, y0 = 106.2, 29.6
    open_ring = (
        b"\x01\x03\x00\x00\x00\x01\x00\x00\x00\x04\x00\x00\x00"
        + np.array([x0, y0, x0 + 0.01, y0, x0 + 0.01, y0 + 0.01, x0, y0 + 0.02]).tobytes()
    )
    two_points = (
        b"\x01\x03\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00"
        + np.array([x0, y0, x0, y0]).tobytes()
    )
    for value in (open_ring, two_points):
        assert polygon_bounds(pa.array([value], pa.binary())) is None


def geoparquet_table(parcels: gpd.GeoDataFrame, path) -> pa.Table:
    """The parcels as geopandas writes them to GeoParquet (its 'geo' metadata included)."""
    parcels.to_parquet(path)
    return pq.read_table(path)


def write_with_one(parcels: gpd.GeoDataFrame, value: bytes, path, where: int = 0) -> None:
    """The parcels as GeoParquet with the WKB of feature ``where`` replaced by ``value``."""
    table = geoparquet_table(parcels, path)
    geometry = table.column("geometry").to_pylist()
    geometry[where] = value
    column = pa.array(geometry, table.schema.field("geometry").type.storage_type)
    pq.write_table(
        table.set_column(table.schema.get_field_index("geometry"), "geometry", column), path
    )


@pytest.mark.parametrize("touching", [False, True], ids=["far", "touching"])
def test_an_unclosed_ring_is_refused_as_the_usual_path_refuses_it(tmp_path, parcels, touching):
    inside = ZONES.to_crs(4544).set_index("id").geometry["zone-cjrh"].representative_point()
    x, y = (inside.x, inside.y) if touching else parcels.geometry.iloc[0].bounds[:2]
    ring = np.array([x, y, x + 5, y, x + 5, y + 5, x, y + 6])
    value = b"\x01\x03\x00\x00\x00\x01\x00\x00\x00\x04\x00\x00\x00" + ring.tobytes()
    path = tmp_path / "open.parquet"
    write_with_one(parcels, value, path)
    with pytest.raises(LayerError) as expected:
        whole(path)
    with pytest.raises(LayerError) as got:
        tabulate_parquet(path, ZONES)
    assert str(got.value) == str(expected.value)


def test_zones_in_the_parcels_crs_are_not_moved_and_the_numbers_agree(tmp_path, parcels_file):
    zones_gk = tmp_path / "zones_gk.gpkg"
    ZONES.to_crs(4544).to_file(zones_gk)
    gk = read_layer(zones_gk)
    expected = tabulate_intersection(read_layer(parcels_file), gk, names=(str(parcels_file), "b"))
    assert_same_table(tabulate_parquet(parcels_file, gk, names=(str(parcels_file), "b")), expected)


def test_a_small_file_gets_the_full_validator(tmp_path):
    few = grid_parcels_gk(10)  # 100 parcels: the full validator's size
    few.loc[1, "id"] = few.loc[0, "id"]
    path = tmp_path / "few.parquet"
    few.to_parquet(path)
    with pytest.raises(LayerError, match="p00000") as refused:
        tabulate_parquet(path, ZONES)
    with pytest.raises(LayerError) as expected:
        whole(path)
    assert str(refused.value) == str(expected.value)


def test_a_later_units_cheap_problem_is_named_before_an_earlier_invalid_feature(tmp_path, parcels):
    layer = parcels.copy()
    inside = ZONES.to_crs(4544).set_index("id").geometry["zone-cjrh"].representative_point()
    x, y = inside.x, inside.y
    layer.loc[5, "geometry"] = shapely.Polygon(
        [(x, y), (x + 10, y + 10), (x + 10, y), (x, y + 10), (x, y)]
    )
    layer.loc[2400, "geometry"] = None
    path = tmp_path / "two.parquet"
    layer.to_parquet(path)
    with pytest.raises(LayerError) as expected:
        whole(path)
    assert "p02400" in str(expected.value)  # the usual path: cheap checks on every feature first
    with pytest.raises(LayerError) as got:
        tabulate_parquet(path, ZONES, unit_rows=400)
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        ({"crs": "EPSG:999999"}, "the CRS the file declares cannot be resolved"),
        ({"primary_column": "geom"}, "names no geometry column 'geom'"),
    ],
)
def test_odd_metadata_is_one_line(tmp_path, parcels, capsys, meta, message):
    path = tmp_path / "odd.parquet"
    table = geoparquet_table(parcels.iloc[:3], path)
    geo = json.loads(table.schema.metadata[b"geo"])
    if "crs" in meta:
        geo["columns"]["geometry"]["crs"] = meta["crs"]
    else:
        geo["primary_column"] = meta["primary_column"]
    pq.write_table(table.replace_schema_metadata({b"geo": json.dumps(geo).encode()}), path)
    assert main(["overlay", str(path), str(ZONES_PATH)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "internal" not in err


def test_zones_on_another_datum_are_moved_with_one_warning_as_the_usual_path_gives(parcels_file):
    beijing_1954 = ZONES.to_crs(4214)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tabulate_parquet(parcels_file, beijing_1954)
    said = [w for w in caught if issubclass(w.category, CRSMismatchWarning)]
    assert len(said) == 1 and "different datums" in str(said[0].message)
    assert str(parcels_file) in str(said[0].message) and "EPSG:4214" in str(said[0].message)
