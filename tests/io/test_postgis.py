"""PostGIS round trip against a real PostgreSQL + PostGIS server (tests/postgis_server.py).

Zones go into PostGIS, ``spatial check`` reads them from there and writes its
results back, and the results are read back and compared with an independent
measurement of the same zones.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import sqlalchemy
from strip_reference import area_m2 as strip_reference_m2

from spatial.cli import main
from spatial.errors import CRSError
from spatial.io.layers import _resolve_crs, bundled_layer_path, read_layer
from spatial.io.postgis import postgis_table, read_postgis_layer


def _geod_km2(geom) -> float:
    """The area of record by an independent implementation of the strip rule, km²."""
    return strip_reference_m2(geom) / 1e6


@pytest.fixture(scope="module")
def db(postgis_url: str) -> str:
    """The server with the bundled zones loaded as table zones_gk, in Gauss-Kruger metres."""
    zones = read_layer(bundled_layer_path("zones")).to_crs(4544)
    engine = sqlalchemy.create_engine(postgis_table(postgis_url, "zones_gk").url)
    with engine.begin() as connection:
        zones.to_postgis("zones_gk", connection, if_exists="replace", index=False)
    engine.dispose()
    return postgis_url


def test_zones_read_from_postgis_keep_their_srid_and_features(db: str) -> None:
    zones = read_layer(f"{db}?table=zones_gk")
    assert zones.crs.to_epsg() == 4544
    assert sorted(zones["id"]) == sorted(read_layer(bundled_layer_path("zones"))["id"])


def test_check_reads_zones_from_postgis_writes_results_back_and_they_read_back(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["check", "--zones", f"{db}?table=zones_gk", "--db", db, "--table", "check"])
    err = capsys.readouterr().err
    assert status == 0, err
    assert "wrote postgresql://planner@127.0.0.1" in err and "table=check_rules" in err
    results = read_postgis_layer(db, "check")
    # written in the input's frame (issue 19): the zones came in Gauss-Kruger metres
    assert results.crs.to_epsg() == 4544 and len(results) == 5
    results = results.to_crs(4326)
    assert set(results["status"]) == {"PASS"}
    bundled = read_layer(bundled_layer_path("zones")).set_index("id")
    for row in results.itertuples():
        # the figure written is the one an independent strip-rule measurement gives
        assert row.measured_km2 == pytest.approx(_geod_km2(bundled.geometry[row.id]), rel=1e-6)
        assert _geod_km2(row.geometry) == pytest.approx(row.measured_km2, rel=1e-6)
    engine = sqlalchemy.create_engine(postgis_table(db, "check").url)
    with engine.connect() as connection:
        rules = connection.execute(sqlalchemy.text("SELECT count(*), min(status) FROM check_rules"))
        assert tuple(rules.one()) == (46, "PASS")
    engine.dispose()


def test_results_as_url_with_table_and_a_second_run_replaces_them(db: str) -> None:
    out = f"{db}?table=again"
    assert main(["check", "--zones", f"{db}?table=zones_gk", "--out", out]) == 0
    assert main(["check", "--zones", f"{db}?table=zones_gk", "--out", out]) == 0
    assert len(read_layer(out)) == 5


def test_missing_table_and_unreachable_server_are_one_line_exit_2(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--zones", f"{db}?table=nothere"]) == 2
    err = capsys.readouterr().err
    assert "no table public.nothere with a geometry column" in err and "\n" == err[-1]
    dead = "postgresql://planner:secret@127.0.0.1:9/none?table=zones"
    assert main(["validate", dead]) == 2
    err = capsys.readouterr().err
    assert "cannot be read" in err and "secret" not in err


def test_validate_reads_a_postgis_layer(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", f"{db}?table=zones_gk"]) == 0
    assert isinstance(read_layer(f"{db}?table=zones_gk"), gpd.GeoDataFrame)


def test_overlay_difference_parts_go_to_postgis_and_a_geopackage(db: str, tmp_path) -> None:
    zones, corridor = str(bundled_layer_path("zones")), str(bundled_layer_path("corridor"))
    args = ["overlay", zones, corridor, "--op", "difference", "--where", "b:kind=corridor"]
    assert main([*args, "--db", db, "--table", "outside_band"]) == 0
    parts = read_postgis_layer(db, "outside_band")
    assert len(parts) == 5 and parts.crs.to_epsg() == 4326
    for row in parts.itertuples():
        assert _geod_km2(row.geometry) == pytest.approx(row.area_km2, rel=1e-6)
    gpkg = tmp_path / "outside.gpkg"
    assert main([*args, "--out", str(gpkg)]) == 0
    assert len(read_layer(f"{gpkg}::difference")) == 5


def test_an_unresolvable_crs_names_a_database_without_its_password() -> None:
    url = "postgresql://planner:secret@127.0.0.1:5432/plan?table=zones"
    with pytest.raises(CRSError) as refused:
        _resolve_crs(url, "EPSG:999999")
    assert "secret" not in str(refused.value) and "zones" in str(refused.value)
