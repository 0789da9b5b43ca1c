"""Overlay, balance and the constraint check agree on the same pieces of survey data (issue 18).

The same EPSG:4544 coverage (:mod:`survey`) is cut by each command's own path; the pieces a
planner can compare (a parcel inside a zone) must carry the same raw area of record in every
table, and the same reconciled area where both reconcile to the zone.
"""

from __future__ import annotations

import pandas as pd
import pytest
from survey import oracle_area_m2, survey_parcels, survey_zones

from spatial.overlay.operations import tabulate_intersection
from spatial.review.balance import balance_table


@pytest.fixture(scope="module")
def pieces() -> tuple[pd.DataFrame, pd.DataFrame]:
    parcels, zones = survey_parcels(), survey_zones()
    overlay = tabulate_intersection(zones, parcels, a_id_field="DYBH", b_id_field="BSM")
    balance = balance_table(parcels, zones, id_field="DYBH")
    return overlay, balance


def test_overlay_and_balance_raw_pieces_agree_per_zone_and_class(pieces) -> None:
    overlay, balance = pieces
    parcels = survey_parcels().set_index("BSM")["YDYHFLDM"]
    raw = overlay.assign(class_code=overlay["b_id"].map(parcels))
    raw_m2 = raw.groupby(["a_id", "class_code"])["raw_area_km2"].sum() * 1e6
    rows = balance.dropna(subset=["class_code"]).set_index(["zone_id", "class_code"])
    assert len(rows) == len(raw_m2) > 0
    for key, m2 in raw_m2.items():
        assert rows.loc[key, "area_raw_m2"] == pytest.approx(m2, rel=1e-9)


def test_overlay_and_balance_reconciled_pieces_agree_on_a_covered_zone(pieces) -> None:
    overlay, balance = pieces
    parcels = survey_parcels().set_index("BSM")["YDYHFLDM"]
    rec = overlay.assign(class_code=overlay["b_id"].map(parcels))
    rec_m2 = rec.groupby(["a_id", "class_code"])["area_km2"].sum() * 1e6
    rows = balance.dropna(subset=["class_code"]).set_index(["zone_id", "class_code"])
    for key, m2 in rec_m2.items():
        assert rows.loc[key, "area_m2"] == pytest.approx(m2, rel=1e-9)
    # and both add up to the zone's area of record, the oracle's figure
    for zone_id, geom in zip(survey_zones()["DYBH"], survey_zones().geometry, strict=True):
        whole = oracle_area_m2(geom)
        assert rec_m2.loc[zone_id].sum() == pytest.approx(whole, rel=1e-9)
        assert balance.loc[balance["zone_id"] == zone_id, "area_m2"].sum() == pytest.approx(
            whole, rel=1e-9
        )
