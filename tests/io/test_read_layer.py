"""read_layer: every format it reads gives the right CRS; bad files give one clear line."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Point, Polygon

from spatial.cli import main
from spatial.errors import CRSError, LayerError, LayerReadError
from spatial.io.layers import LAYER_NAMES, bundled_layer_path, load_plan_layers, read_layer
from spatial.validate.problems import validate_file

# Bishan town (璧城) in WGS84 and in CGCS2000 / 3-degree GK CM 105E (EPSG:4544).
BICHENG_LONLAT = (106.2253, 29.5925)


def _layer(crs: int | None = 4326) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": ["bicheng"], "name_zh": ["璧城街道"]}, geometry=[Point(*BICHENG_LONLAT)], crs=crs
    )


def test_bundled_layers_are_lonlat() -> None:
    layers = load_plan_layers()
    assert list(layers) == list(LAYER_NAMES)
    assert {layers[name].crs.to_epsg() for name in layers} == {4326}
    assert len(layers["towns"]) == 15


def test_geopackage_keeps_its_projected_crs(tmp_path: Path) -> None:
    path = tmp_path / "gk.gpkg"
    _layer().to_crs(4544).to_file(path)
    gdf = read_layer(path)
    assert gdf.crs.to_epsg() == 4544
    assert 600_000 < gdf.geometry.x.iloc[0] < 650_000  # 1.2° east of CM 105E, in metres
    assert gdf["name_zh"].tolist() == ["璧城街道"]


def test_geoparquet(tmp_path: Path) -> None:
    path = tmp_path / "towns.parquet"
    _layer().to_crs(4490).to_parquet(path)
    gdf = read_layer(path)
    assert gdf.crs.to_epsg() == 4490
    assert gdf.geometry.x.iloc[0] == pytest.approx(BICHENG_LONLAT[0], abs=1e-5)


def test_flatgeobuf(tmp_path: Path) -> None:
    path = tmp_path / "towns.fgb"
    pyogrio.write_dataframe(_layer(), path)
    assert read_layer(path).crs.to_epsg() == 4326


def test_shapefile_with_prj(tmp_path: Path) -> None:
    path = tmp_path / "towns.shp"
    pyogrio.write_dataframe(_layer().to_crs(4544), path, encoding="UTF-8")
    gdf = read_layer(path)
    assert gdf.crs.to_epsg() == 4544
    assert gdf["name_zh"].tolist() == ["璧城街道"]


def test_shapefile_without_prj_is_one_line_crs_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "towns.shp"
    pyogrio.write_dataframe(_layer(), path)
    path.with_suffix(".prj").unlink()
    with pytest.raises(CRSError) as info:
        read_layer(path)
    message = str(info.value)
    # in command-line words, with the CRS the coordinates suggest (lon/lat degrees here)
    assert message.startswith(f"{path}: the file declares no CRS; the coordinates look like")
    assert message.endswith("give --crs EPSG:4490") and "crs='" not in message
    assert "\n" not in message
    # naming the CRS fixes it; a CRS that cannot be resolved is refused
    assert read_layer(path, crs="EPSG:4326").crs.to_epsg() == 4326
    with pytest.raises(CRSError, match=r"--crs EPSG:99999: not a CRS"):
        read_layer(path, crs="EPSG:99999")


def test_crs_argument_overrides_a_declared_crs_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "gk.gpkg"
    _layer().to_crs(4544).to_file(path)
    assert read_layer(path).attrs["read_notes"] == []
    assert read_layer(path, crs=4544).attrs["read_notes"] == []  # the same CRS: nothing to say
    overridden = read_layer(path, crs=4326)
    assert overridden.crs.to_epsg() == 4326
    assert overridden.attrs["read_notes"] == [
        f"{path}: coordinates read as EPSG:4326, as --crs says, not as EPSG:4544"
    ]


def test_unclosed_ring_is_refused_naming_the_feature(tmp_path: Path) -> None:
    ring = [[106.2, 29.5], [106.3, 29.5], [106.3, 29.6], [106.2, 29.6]]
    data = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"id": "ok"}, "geometry": None},
            {
                "type": "Feature",
                "properties": {"id": "zone-open"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            },
        ],
    }
    path = tmp_path / "open.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(LayerError, match=r"open.geojson: feature zone-open: ring 1 is not closed"):
        read_layer(path)


def test_read_layer_does_not_repair(tmp_path: Path) -> None:
    bowtie = Polygon([(106.2, 29.5), (106.3, 29.6), (106.3, 29.5), (106.2, 29.6)])
    path = tmp_path / "bow.gpkg"
    gpd.GeoDataFrame({"id": ["b"]}, geometry=[bowtie], crs=4326).to_file(path)
    assert not read_layer(path).is_valid.iloc[0]


def test_a_table_without_geometry_is_not_a_layer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "targets.csv"
    path.write_text("id,area_km2\nzone-kcxz,15\n", encoding="utf-8")
    with pytest.raises(LayerReadError, match="has no geometry column"):
        read_layer(path)
    with pytest.raises(LayerReadError, match="has no geometry column"):
        validate_file(path)
    assert main(["validate", str(path)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_bundled_layer_path_lists_the_names() -> None:
    expected = "no bundled layer 'roads'; choose one of district, corridor"
    with pytest.raises(LayerError, match=expected):
        bundled_layer_path("roads")


# --- empty layers and multi-layer GeoPackages -----------------------------------


def test_layer_without_features_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "empty.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(LayerError, match=r"empty\.geojson: the layer has no features$"):
        read_layer(path)
    assert [str(p) for p in validate_file(path)] == [
        f"{path}: feature -: the layer has no features"
    ]


@pytest.mark.parametrize(
    "command",
    [
        ["check", "--zones"],
        ["map", "--out", "OUT", "--zones"],
        ["overlay", "--op", "overlaps"],
    ],
)
def test_every_command_refuses_an_empty_layer(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "empty.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    args = [str(tmp_path / "m.html") if a == "OUT" else a for a in command] + [str(path)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the layer has no features" in err
    assert not (tmp_path / "m.html").exists()


@pytest.fixture
def two_layer_gpkg(tmp_path: Path) -> Path:
    path = tmp_path / "two.gpkg"
    _layer().to_file(path, layer="towns")
    _layer().to_crs(4544).to_file(path, layer="towns_gk")
    return path


def test_geopackage_with_several_layers_needs_a_name(two_layer_gpkg: Path) -> None:
    with pytest.raises(LayerReadError, match=r"holds 2 layers \(towns, towns_gk\); name one as"):
        read_layer(two_layer_gpkg)


def test_named_layer_of_a_geopackage_is_read(two_layer_gpkg: Path) -> None:
    assert read_layer(f"{two_layer_gpkg}::towns_gk").crs.to_epsg() == 4544
    assert read_layer(f"{two_layer_gpkg}::towns").crs.to_epsg() == 4326
    with pytest.raises(
        LayerReadError, match=r"has no layer 'nope'; its layers are towns, towns_gk"
    ):
        read_layer(f"{two_layer_gpkg}::nope")


def test_validate_names_the_geopackage_layers(
    two_layer_gpkg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(two_layer_gpkg)]) == 2
    assert "holds 2 layers" in capsys.readouterr().err
    assert main(["validate", f"{two_layer_gpkg}::towns"]) == 0
