"""The land per class made on a thread beside the cut: the same conflict pieces, byte for byte.

Synthetic (示例数据) 100 m parcels in EPSG:4544 with 2023 codes as the
constraint (a valid coverage, and one where a parcel overlaps its neighbours),
zones without a class field, so the occupied area is split by the
constraint's class. The pieces and rule rows made with the lands per class
started beside the cut (:func:`spatial.checks.constraints._lands_beside`) are
those made after it, one after another, column for column and geometry for
geometry; the thread's lands are used, not made twice.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from grids import grid_parcels

from spatial.checks import constraints
from spatial.checks.constraints import conflict_pieces, constraint_rule

CODES = ["0101", "0102", "0103"]
ORIGIN = (620_000.0, 3_280_000.0)


def _zones(crs: object) -> gpd.GeoDataFrame:
    x0, y0 = ORIGIN
    return gpd.GeoDataFrame(
        {"id": ["z1", "z2", "z3"]},
        geometry=[
            shapely.box(x0 + 30, y0 + 30, x0 + 530, y0 + 440),
            shapely.box(x0 + 600, y0 + 650, x0 + 1450, y0 + 1480),
            shapely.box(x0 + 5_000, y0 + 5_000, x0 + 5_100, y0 + 5_100),  # on no farmland
        ],
        crs=crs,
    )


def _overlapping() -> gpd.GeoDataFrame:
    grid = grid_parcels(20, 20, CODES, ORIGIN, id_digits=3)
    x0, y0 = ORIGIN
    wide = gpd.GeoDataFrame(
        {"id": ["wide"], "YDYHFLDM": ["0103"]},
        geometry=[shapely.box(x0 + 250, y0 + 150, x0 + 720, y0 + 760)],
        crs=grid.crs,
    )
    return pd.concat([grid, wide], ignore_index=True)


def _check(layers: dict[str, gpd.GeoDataFrame]):
    rule = constraint_rule("must_not_occupy", "farmland", "zones", 1.0)
    with constraints.shared_cuts():
        pieces = conflict_pieces(layers, [rule], "YDYHFLDM")
        rows = constraints.must_not_occupy(layers, rule)
    return pieces, rows


@pytest.mark.parametrize(
    "farmland", [grid_parcels(20, 20, CODES, ORIGIN, id_digits=3), _overlapping()]
)
def test_lands_made_beside_the_cut_give_the_same_pieces(farmland, monkeypatch) -> None:
    layers = {"zones": _zones(farmland.crs), "farmland": farmland}
    started: list[int] = []
    beside = constraints._lands_beside

    def counting(near, class_field, coverage):
        started.append(len(near))
        return beside(near, class_field, coverage)

    made: list[int] = []
    class_lands = constraints._class_lands

    def made_here(constraint, class_field, coverage=False):
        made.append(len(constraint))
        return class_lands(constraint, class_field, coverage)

    monkeypatch.setattr(constraints, "_lands_beside", counting)
    monkeypatch.setattr(constraints, "_class_lands", made_here)
    pieces, rows = _check(layers)
    assert len(started) == 1 and made == started  # made once, by the thread
    monkeypatch.setattr(constraints, "_lands_beside", lambda *args: None)  # after the cut
    plain_pieces, plain_rows = _check(layers)
    assert made == [started[0], started[0]]
    pd.testing.assert_frame_equal(
        pieces.drop(columns="geometry"), plain_pieces.drop(columns="geometry"), check_exact=True
    )
    assert list(pieces.geometry.to_wkb()) == list(plain_pieces.geometry.to_wkb())
    assert rows == plain_rows
    assert sorted(set(pieces["class_code"])) == CODES
    assert set(pieces["zone_id"]) == {"z1", "z2"}


def test_no_class_split_starts_no_thread(monkeypatch) -> None:
    farmland = grid_parcels(10, 10, CODES, ORIGIN, id_digits=3)
    zones = _zones(farmland.crs).assign(YDYHFLDM="0701")  # the zones' own class: no split
    monkeypatch.setattr(constraints, "_lands_beside", lambda *args: pytest.fail("started"))
    pieces, _ = _check({"zones": zones, "farmland": farmland})
    assert set(pieces["class_code"]) == {"0701"}
