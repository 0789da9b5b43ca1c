"""The balance's raw rows against pieces cut by a real PostGIS (tests/postgis_server.py).

The survey coverage and its zones (tests/survey.py, EPSG:4544) go into PostGIS;
PostGIS cuts the pieces with ``ST_Intersection`` in EPSG:4544 and moves their
vertices with ``ST_Transform(..., 4490)``; the tests' own strip rule measures
each returned lon/lat piece. Summed per zone and class they must equal the raw
rows of :func:`spatial.review.balance.balance_table`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shapely
import sqlalchemy
from strip_reference import area_m2 as strip_area_m2
from survey import survey_parcels, survey_zones

from spatial.io.postgis import postgis_table
from spatial.review.balance import balance_table

_PIECES = sqlalchemy.text(
    """
    SELECT z."DYBH" AS zone_id, p."YDYHFLDM" AS class_code,
           ST_SRID(p.geometry) AS srid,
           ST_AsBinary(ST_Transform(
               ST_CollectionExtract(ST_Intersection(z.geometry, p.geometry), 3), 4490)) AS wkb
    FROM survey_zones z JOIN survey_parcels p ON ST_Intersects(z.geometry, p.geometry)
    """
)


@pytest.fixture(scope="module")
def engine(postgis_url: str) -> Iterator[sqlalchemy.Engine]:
    """The server with the survey parcels and zones loaded, in EPSG:4544."""
    engine = sqlalchemy.create_engine(postgis_table(postgis_url, "survey_parcels").url)
    with engine.begin() as connection:
        survey_parcels().to_postgis("survey_parcels", connection, if_exists="replace", index=False)
        survey_zones().to_postgis("survey_zones", connection, if_exists="replace", index=False)
    yield engine
    engine.dispose()


def _postgis_rows(engine: sqlalchemy.Engine) -> dict[tuple[str, str], float]:
    rows: dict[tuple[str, str], float] = {}
    with engine.connect() as connection:
        for zone_id, code, srid, wkb in connection.execute(_PIECES):
            assert srid == 4544
            m2 = strip_area_m2(shapely.from_wkb(bytes(wkb)))
            if m2 > 0:  # parcels that only touch the zone give an empty piece
                rows[(zone_id, code)] = rows.get((zone_id, code), 0.0) + m2
    return rows


def test_raw_rows_equal_pieces_cut_by_postgis_in_epsg4544(engine: sqlalchemy.Engine) -> None:
    expected = _postgis_rows(engine)
    table = balance_table(survey_parcels(), survey_zones(), id_field="DYBH")
    got = table.set_index(["zone_id", "class_code"])["area_raw_m2"]
    assert set(got.index) == set(expected) and len(expected) == 13
    for key, m2 in expected.items():
        assert got[key] == pytest.approx(m2, rel=1e-9, abs=0), key
