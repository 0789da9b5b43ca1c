"""Bad features are refused whatever the layer's size, in the validator's words.

Up to ``full_check_max_features`` features a layer goes through the full
validator; above, through vectorised versions of its cheap checks
(spatial/_cheap_checks.py). The same bad feature must be refused with the same
one-line message on both sides of the threshold.
"""

from __future__ import annotations

import os
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely

from spatial.cli import main
from spatial.cpus import usable_cpus
from spatial.errors import LayerError
from spatial.io.layers import bundled_layer_path, read_layer
from spatial.overlay.operations import tabulate_intersection
from spatial.validate import cheap as _cheap_checks
from spatial.validate import problems as validate

ZONES = read_layer(bundled_layer_path("zones"))


def grid(n: int, ids: bool = True) -> gpd.GeoDataFrame:
    """``n`` 0.002° squares, rows of 50 from the south-west of zone-kcxz (in, across, out of zones).

    Without ``ids`` the features are named in a column ``name``, which the
    validator does not read: it names them by position, ``#N``.
    """
    i = np.arange(n)
    x0, y0 = 106.17 + (i % 50) * 0.002, 29.60 + (i // 50) * 0.002
    geoms = shapely.box(x0, y0, x0 + 0.002, y0 + 0.002)
    data = {"id" if ids else "name": [f"p{k:05d}" for k in i]}
    return gpd.GeoDataFrame(data, geometry=geoms, crs="EPSG:4326")


def nan_square() -> shapely.Polygon:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return shapely.Polygon([(106.2, 29.6), (106.21, np.nan), (106.21, 29.61), (106.2, 29.6)])


BAD = {
    "swapped": shapely.box(29.6, 106.2, 29.61, 106.21),
    "null": None,
    "empty": shapely.Polygon(),
    "nan": nan_square(),
    "out of range": shapely.box(200.0, 29.6, 200.01, 29.61),
    "metres as degrees": shapely.box(500_000.0, 3_300_000.0, 500_100.0, 3_300_100.0),
    "outside China": shapely.box(10.0, 50.0, 10.01, 50.01),
}


def message(gdf: gpd.GeoDataFrame, full_check_max_features: int, a_id: str = "id") -> str:
    with pytest.raises(LayerError) as info:
        tabulate_intersection(gdf, ZONES, a_id, full_check_max_features=full_check_max_features)
    return str(info.value)


@pytest.mark.parametrize("kind", BAD)
@pytest.mark.parametrize("ids", [True, False])
def test_each_bad_feature_is_refused_alike_on_both_sides_of_the_threshold(kind, ids):
    layer = grid(60, ids)
    layer.loc[7, "geometry"] = BAD[kind]
    layer.loc[30, "geometry"] = BAD["swapped"]
    a_id = "id" if ids else "name"
    full = message(layer, 60, a_id)  # the full validator
    cheap = message(layer, 59, a_id)  # the vectorised checks
    assert cheap == full
    assert cheap.startswith("layer A: feature p00007: ")  # by the id field the call names
    assert cheap.endswith(" (and 1 more)")


def test_reviewers_case_at_the_default_threshold():
    # a swapped parcel and a null geometry: refused in a 2,000-feature layer, and
    # (before the fix: silently dropped, 2,001 rows) in a 2,003-feature one
    messages = []
    for n in (2_000, 2_003):
        layer = grid(n)
        layer.loc[100, "geometry"] = BAD["swapped"]
        layer.loc[1_500, "geometry"] = None
        with pytest.raises(LayerError) as info:
            tabulate_intersection(layer, ZONES)
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert messages[0].startswith("layer A: feature p00100: latitude and longitude appear swapped")
    assert messages[0].endswith("(and 1 more)")


def test_a_clean_large_layer_passes_and_equals_the_full_route():
    layer = grid(300)
    full = tabulate_intersection(layer, ZONES, full_check_max_features=300)
    cheap = tabulate_intersection(layer, ZONES, full_check_max_features=10)
    assert len(full) > 20
    assert full.equals(cheap)


def test_invalid_feature_overlapping_a_zone_is_refused_by_the_engine():
    layer = grid(60)
    x, y = shapely.get_coordinates(ZONES.geometry.iloc[0].centroid)[0]
    d = 0.0005
    layer.loc[3, "geometry"] = shapely.Polygon(
        [(x - d, y - d), (x + d, y + d), (x + d, y - d), (x - d, y + d)]
    )
    expected = "layer A: feature p00003: invalid geometry: Self-intersection"
    assert message(layer, 60).startswith(expected)
    assert message(layer, 59).startswith(expected)


def test_names_name_the_layers_in_messages():
    layer = grid(20)
    layer.loc[4, "geometry"] = None
    for limit in (20, 19):
        with pytest.raises(
            LayerError, match=r"^parcels\.parquet: feature p00004: geometry is null$"
        ):
            tabulate_intersection(
                layer, ZONES, full_check_max_features=limit, names=("parcels.parquet", "zones")
            )


def test_cli_intersection_skips_the_full_validator_on_a_large_layer(tmp_path, monkeypatch, capsys):
    path = tmp_path / "parcels.parquet"
    grid(2_001).to_parquet(path)
    zones = str(bundled_layer_path("zones"))
    validated = []
    original = validate.validate_layer

    def spy(gdf, source, *args, **kwargs):
        validated.append(source)
        return original(gdf, source, *args, **kwargs)

    monkeypatch.setattr(validate, "validate_layer", spy)
    assert main(["overlay", str(path), zones, "--format", "csv"]) == 0
    assert str(path) not in validated  # 2,001 features: the vectorised checks only
    assert zones in validated  # the zones (5 features) get the full validator, once
    assert validated.count(zones) == 1
    assert capsys.readouterr().out.count("\n") > 10


def test_cli_intersection_names_the_file_above_the_threshold(tmp_path, capsys):
    bad = grid(2_001)
    bad.loc[2_000, "geometry"] = BAD["swapped"]
    path = tmp_path / "parcels.parquet"
    bad.to_parquet(path)
    assert main(["overlay", str(path), str(bundled_layer_path("zones"))]) == 2
    err = capsys.readouterr().err.strip()
    assert f"{path}: feature p02000: latitude and longitude appear swapped" in err
    assert len(err.splitlines()) == 1


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity here")
def test_default_threads_follow_the_cpu_affinity():
    allowed = os.sched_getaffinity(0)
    try:
        os.sched_setaffinity(0, {min(allowed)})
        assert usable_cpus() == 1
    finally:
        os.sched_setaffinity(0, allowed)
    assert usable_cpus() == len(allowed)


def test_a_small_layer_is_validated_in_its_own_crs():
    # degrees labelled as Gauss-Kruger metres: reprojected first, the validator
    # only saw a position near the equator; in its own CRS it names the mistake
    layer = gpd.GeoDataFrame(
        {"id": ["x"]}, geometry=[shapely.box(106.2, 29.6, 106.21, 29.61)], crs="EPSG:4544"
    )
    with pytest.raises(LayerError, match="feature x: coordinates look like degrees"):
        tabulate_intersection(layer, ZONES.to_crs(4544))


IN_4544 = {  # bad features of a layer in Gauss-Kruger metres (EPSG:4544)
    "degrees labelled as metres": shapely.box(106.2, 29.6, 106.21, 29.61),
    "far outside China": shapely.box(500_000.0, 9_000_000.0, 500_100.0, 9_000_100.0),
    "null": None,
}


@pytest.mark.parametrize("kind", IN_4544)
def test_projected_layer_refused_alike_on_both_sides_of_the_threshold(kind):
    layer = grid(60).to_crs(4544)
    layer.loc[7, "geometry"] = IN_4544[kind]
    zones = ZONES.to_crs(4544)
    messages = []
    for limit in (60, 59):
        with pytest.raises(LayerError) as info:
            tabulate_intersection(layer, zones, full_check_max_features=limit)
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert messages[0].startswith("layer A: feature p00007: ")


def test_geographic_layer_other_than_wgs84_names_its_crs_on_both_routes():
    layer = grid(60).set_crs(4490, allow_override=True)  # CGCS2000 lon/lat
    layer.loc[7, "geometry"] = BAD["swapped"]
    zones = ZONES.set_crs(4490, allow_override=True)
    expected = "EPSG:4490 coordinates are x = longitude, y = latitude"
    for limit in (60, 59):
        assert expected in message_with(layer, zones, limit)


def message_with(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, limit: int) -> str:
    with pytest.raises(LayerError) as info:
        tabulate_intersection(a, b, full_check_max_features=limit)
    return str(info.value)


def row_by_row(bounds: np.ndarray) -> list[bool]:
    """The validator's own test, one box at a time (non-finite rows are its other checks)."""
    message = validate._geographic_message
    return [bool(np.isfinite(b).all() and message(b, "WGS 84")) for b in bounds]


@pytest.mark.parametrize("seed", range(4))
def test_geographic_mask_equals_the_validator_row_by_row(seed):
    # boxes inside China (the one-reduction shortcut), then each kind of outlier
    # added in turn (the row-by-row route), NaN and infinite rows among them
    rng = np.random.default_rng(seed)
    x0, y0 = rng.uniform(73, 135, 200), rng.uniform(3, 53, 200)
    inside = np.column_stack([x0, y0, x0 + 0.5, y0 + 0.5])
    assert not _cheap_checks.geographic_mask(inside).any()
    outliers = [
        [29.6, 106.2, 29.61, 106.21],  # swapped
        [135.9, 53.9, 136.1, 54.0],  # crosses China's eastern edge: centre still inside
        [135.9, 53.9, 136.5, 54.0],  # centre outside
        [200.0, 29.6, 200.01, 29.61],  # out of range
        [np.nan] * 4,  # empty or null
        [106.2, 29.6, np.inf, 29.61],  # an infinite coordinate
    ]
    for outlier in outliers:
        bounds = np.vstack([inside, [outlier]])[rng.permutation(201)]
        mask = _cheap_checks.geographic_mask(bounds)
        assert mask.tolist() == row_by_row(bounds)


def test_refuse_bad_features_returns_its_bounds_and_takes_them_back():
    layer = grid(60)
    bounds = _cheap_checks.refuse_bad_features(layer, "layer A")
    np.testing.assert_array_equal(bounds, shapely.bounds(np.asarray(layer.geometry.array)))
    layer.loc[7, "geometry"] = BAD["swapped"]
    layer.loc[9, "geometry"] = BAD["nan"]
    computed, given = [], []
    precomputed = shapely.bounds(np.asarray(layer.geometry.array))
    for sink, known in ((computed, None), (given, precomputed)):
        with pytest.raises(LayerError) as info:
            _cheap_checks.refuse_bad_features(layer, "layer A", bounds=known)
        sink.append(str(info.value))
    assert given == computed
    assert computed[0].startswith("layer A: feature p00007: latitude and longitude")
    assert computed[0].endswith("(and 1 more)")


def test_refuse_bad_features_gives_the_same_answer_on_threads(monkeypatch):
    monkeypatch.setattr(_cheap_checks, "_MIN_CHUNK", 10)  # 60 features: up to 6 chunks
    layer = grid(60)
    clean = [_cheap_checks.refuse_bad_features(layer, "A", threads=t) for t in (1, 4)]
    np.testing.assert_array_equal(clean[1], clean[0])
    layer.loc[[41, 52], "geometry"] = [BAD["nan"], BAD["empty"]]  # in the last chunks
    messages = []
    for threads in (1, 4):
        with pytest.raises(LayerError) as info:
            _cheap_checks.refuse_bad_features(layer, "A", threads=threads)
        messages.append(str(info.value))
    assert messages[1] == messages[0]
    assert messages[0].startswith("A: feature p00041: ")
    assert messages[0].endswith("(and 1 more)")
