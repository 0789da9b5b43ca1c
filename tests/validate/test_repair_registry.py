"""``spatial validate --repair OUT`` writes through the layer registry: its CRS and fields kept."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import geopandas as gpd
import pyogrio
import pytest
import shapely
from shapely.geometry import Polygon

from spatial.cli import main

# 示例数据 synthetic: a bow-tie parcel (self-intersecting) and a square, Gauss–Krüger metres
GK_BOWTIE = Polygon(
    [(600_000, 3_270_000), (601_000, 3_271_000), (601_000, 3_270_000), (600_000, 3_271_000)]
)
GK_SQUARE = shapely.box(602_000, 3_270_000, 602_500, 3_270_500)


def _survey(crs: str) -> gpd.GeoDataFrame:
    gk = gpd.GeoDataFrame(
        {"DYBH": ["BS-01", "BS-02"], "DYMC": ["甲", "乙"], "note": ["示例数据 synthetic"] * 2},
        geometry=[GK_BOWTIE, GK_SQUARE],
        crs="EPSG:4544",
    )
    return gk.to_crs(crs)


def _repair(tmp_path: Path, crs: str, suffix: str) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    source = _survey(crs)
    path, out = tmp_path / "parcels.gpkg", tmp_path / f"fixed{suffix}"
    source.to_file(path, layer="parcels")
    ids = ["--id-field", "DYBH", "--name-field", "DYMC"]
    assert main(["validate", str(path), *ids, "--repair", str(out)]) == 1  # the input's problem
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["parcels.gpkg", out.name])
    fixed = pyogrio.read_dataframe(out)  # FlatGeobuf's index orders features spatially
    return source, fixed.sort_values("DYBH", ignore_index=True)


@pytest.mark.parametrize(("crs", "suffix"), [("EPSG:4544", ".gpkg"), ("EPSG:4490", ".fgb")])
def test_repair_keeps_the_crs_and_the_field_names(tmp_path: Path, crs: str, suffix: str):
    source, fixed = _repair(tmp_path, crs, suffix)
    assert fixed.crs.equals(source.crs)
    assert list(fixed.columns) == ["DYBH", "DYMC", "note", "geometry"]  # no id, no style column
    assert fixed["DYBH"].tolist() == ["BS-01", "BS-02"] and fixed.is_valid.all()
    # the bow-tie as GEOS's "structure" repair makes it, the square untouched (the writer
    # may store either as a MultiPolygon of one part)
    want = shapely.make_valid(source.geometry.iloc[0], method="structure", keep_collapsed=False)
    assert shapely.equals(fixed.geometry.iloc[0], want)
    assert shapely.equals(fixed.geometry.iloc[1], source.geometry.iloc[1])


def test_repair_in_gk_is_two_triangles_of_known_area(tmp_path: Path):
    _, fixed = _repair(tmp_path, "EPSG:4544", ".gpkg")
    # the bow-tie's two lobes meet at its centre: two triangles of 1000 m base, 500 m height
    assert fixed.geometry.iloc[0].area == pytest.approx(2 * 1000 * 500 / 2, rel=1e-12)


def test_an_unknown_suffix_names_the_registry_formats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    path = tmp_path / "parcels.gpkg"
    _survey("EPSG:4544").to_file(path)
    assert (
        main(["validate", str(path), "--id-field", "DYBH", "--repair", str(tmp_path / "x.shp")])
        == 2
    )
    err = capsys.readouterr().err
    assert "cannot write .shp" in err and ".fgb" in err and ".gdb" in err and ".gpkg" in err
    assert not (tmp_path / "x.shp").exists()


def test_repair_into_postgis_keeps_crs_and_fields_and_hides_the_password(
    tmp_path: Path, postgis_url: str, capsys: pytest.CaptureFixture[str]
):
    import sqlalchemy  # noqa: PLC0415

    from spatial.io.postgis import postgis_table  # noqa: PLC0415

    path = tmp_path / "parcels.gpkg"
    source = _survey("EPSG:4544")
    source.to_file(path)
    # the test server trusts every login: any password connects, and it must not be shown
    secret = "s3cret-示例"
    with_password = postgis_url.replace("planner@", f"planner:{quote(secret)}@", 1)
    assert with_password != postgis_url
    url = f"{with_password}?table=repaired_parcels"
    assert main(["validate", str(path), "--id-field", "DYBH", "--repair", url]) == 1
    out, err = capsys.readouterr()
    assert "written, 1 feature(s) repaired" in err
    assert secret not in out + err and quote(secret) not in out + err
    engine = sqlalchemy.create_engine(postgis_table(url).url)
    try:
        fixed = gpd.read_postgis(
            'SELECT * FROM repaired_parcels ORDER BY "DYBH"', engine, geom_col="geometry"
        )
    finally:
        engine.dispose()
    assert fixed.crs.to_epsg() == 4544 and list(fixed.columns) == list(source.columns)
    assert fixed.is_valid.all() and shapely.equals(fixed.geometry.iloc[1], GK_SQUARE)
