"""``check --constraint`` at scale: the shortcuts give the plain path's values, bit for bit.

Synthetic (示例数据) 100 m parcels in EPSG:4544 with 2023 codes. Each shortcut
of the check of a large constraint layer is compared with the plain code it
stands in for, written out here:

* ids made text in one sweep (:func:`spatial.checks.prepare.id_texts`) against
  ``Series.map(id_text)``, missing and numeric ids included;
* a large layer moved to lon/lat in slices on threads
  (:func:`spatial.checks.prepare.to_lonlat`) against one ``to_crs``;
* the lands per class made disjoint with the differences on threads and the
  last union left out (:func:`spatial.checks.constraints._class_lands`) against
  the serial chain of differences and unions, on lands that overlap (a place two
  classes cover) and on a coverage;
* a piece per feature measured once (the cut's own figure reused).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from grids import grid_parcels

from spatial.checks import constraints, prepare
from spatial.checks.constraints import conflict_pieces, constraint_rule
from spatial.checks.prepare import id_texts, to_lonlat
from spatial.preconditions import id_text

CODES = ["0101", "0103", "0301", "1001"]
ORIGIN = (620_000.0, 3_280_000.0)


@pytest.mark.parametrize(
    "ids",
    [
        pd.Series(["5001200000000006", "a", "", " b "]),
        pd.Series([1, 2.0, np.nan, None, "a", pd.NA], dtype=object),
        pd.Series([7, 8, 9]),
        pd.Series([7.0, np.nan, 2.5]),
        pd.Series(["a", None, "c"], dtype="string"),
        pd.Series(["a", "b"], dtype="string[pyarrow]"),
        pd.Series([np.str_("x"), "y"], dtype=object),  # a str subclass is made a str
    ],
)
def test_ids_as_text_are_those_of_id_text(ids: pd.Series) -> None:
    expected = ids.map(id_text).astype(object)
    got = id_texts(ids)
    assert got.equals(expected)
    assert [type(v) for v in got] == [type(v) for v in expected]


def test_a_large_layer_reaches_lonlat_bit_for_bit(monkeypatch: pytest.MonkeyPatch) -> None:
    grid = grid_parcels(40, 25, CODES, ORIGIN, id_digits=4)  # 1,000 parcels
    grid.attrs["read_notes"] = ["zones: ids from field 'BSM'"]
    monkeypatch.setattr(prepare, "_THREADED_MIN_FEATURES", 10)
    monkeypatch.setattr(prepare, "usable_cpus", lambda: 3)  # three uneven slices
    threaded = to_lonlat(grid)
    plain = grid.to_crs(4326)
    assert threaded.crs.equals(plain.crs)
    assert list(threaded.geometry.to_wkb()) == list(plain.geometry.to_wkb())
    assert threaded.drop(columns="geometry").equals(plain.drop(columns="geometry"))
    assert threaded.index.equals(plain.index)
    assert threaded.attrs == plain.attrs
    assert to_lonlat(plain) is plain  # already there: not moved


def _serial_class_lands(constraint: gpd.GeoDataFrame, field: str) -> list[bytes]:
    """The lands per class as the chain of differences and unions, one after another."""
    codes = [constraints._code(v) for v in constraint[field]]
    geoms = np.asarray(constraint.geometry.array, dtype=object)
    order = sorted(set(codes), key=lambda c: (c is None, c or ""))
    lands, before = [], shapely.Polygon()
    for code in order:
        land = constraints._dissolved(geoms[[c == code for c in codes]])
        lands.append(shapely.to_wkb(shapely.difference(land, before)))
        before = shapely.union(before, land)
    return lands


def _overlapping() -> gpd.GeoDataFrame:
    grid = grid_parcels(12, 12, CODES, ORIGIN, id_digits=3)
    x0, y0 = ORIGIN
    extra = gpd.GeoDataFrame(  # a 1001 parcel over 0101/0103 land: that place counted once
        {"id": ["wide"], "YDYHFLDM": ["1001"]},
        geometry=[shapely.box(x0 + 50, y0 + 50, x0 + 350, y0 + 150)],
        crs=grid.crs,
    )
    layer = pd.concat([grid, extra], ignore_index=True)
    layer.loc[[3, 40], "YDYHFLDM"] = None  # no class: last
    return layer


def test_class_lands_on_threads_are_the_serial_chain() -> None:
    layer = _overlapping()
    lands = constraints._class_lands(layer, "YDYHFLDM")
    assert [shapely.to_wkb(g) for g in lands.geometry] == _serial_class_lands(layer, "YDYHFLDM")
    assert lands.geometry.area.sum() == pytest.approx(144 * 100.0 * 100.0)  # each place once
    coverage = grid_parcels(12, 12, CODES, ORIGIN, id_digits=3)
    lands = constraints._class_lands(coverage, "YDYHFLDM", coverage=True)
    assert [shapely.to_wkb(g) for g in lands.geometry] == _serial_class_lands(coverage, "YDYHFLDM")


def test_a_piece_per_feature_is_measured_once(monkeypatch: pytest.MonkeyPatch) -> None:
    land = grid_parcels(12, 12, CODES, ORIGIN, id_digits=3)
    x0, y0 = ORIGIN
    zones = gpd.GeoDataFrame(
        {"id": ["z1", "z2"], "YDYHFLDM": ["0701", "0801"]},  # the zones' own class: one piece
        geometry=[
            shapely.box(x0 + 30, y0 + 30, x0 + 530, y0 + 440),
            shapely.box(x0 + 600, y0 + 600, x0 + 1500, y0 + 1500),
        ],
        crs=land.crs,
    )
    layers = {"zones": zones, "farmland": land}
    rule = constraint_rule("must_not_occupy", "farmland", "zones", 1.0)
    measured: list[int] = []
    plain_m2 = constraints._m2

    def counting(geoms: np.ndarray, crs: object) -> np.ndarray:
        measured.append(len(geoms))
        return plain_m2(geoms, crs)

    monkeypatch.setattr(constraints, "_m2", counting)
    with constraints.shared_cuts():
        pieces = conflict_pieces(layers, [rule], "YDYHFLDM")
        rows = constraints.must_not_occupy(layers, rule)
    assert measured == [2]  # the cut's parts, once, for the pieces and the rows
    assert list(pieces["area_raw_m2"]) == [r["occupied_m2"] for r in rows]
    assert list(pieces["area_m2"]) == list(pieces["area_raw_m2"])  # nothing to reconcile
    assert pieces["area_raw_m2"].iloc[0] == pytest.approx(500 * 410.0, rel=1e-3)
