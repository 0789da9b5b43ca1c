"""A constraint's land per class, dissolved knowing its features are a coverage: the same bytes.

Synthetic (示例数据) 100 m parcels in EPSG:4544 with 2023 codes: a valid
coverage (a grid) and one that is not (a parcel overlapping its neighbours).
The land per class built with the coverage known (no test per class, classes on
threads) must be byte for byte the one built testing each class's part.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from grids import grid_parcels

from spatial.checks import constraints

CODES = ["0101", "0103", "0301", "1001"]
ORIGIN = (620_000.0, 3_280_000.0)


def _wkb(lands: gpd.GeoDataFrame) -> list[bytes]:
    return [shapely.to_wkb(g) for g in lands.geometry]


def test_known_coverage_gives_the_same_lands(monkeypatch: pytest.MonkeyPatch) -> None:
    grid = grid_parcels(30, 30, CODES, ORIGIN, id_digits=3)
    grid.loc[[5, 17, 400], "YDYHFLDM"] = None  # no class
    geoms = grid.geometry.to_numpy()
    assert constraints._is_coverage(geoms)
    tested = constraints._class_lands(grid, "YDYHFLDM")
    calls: list[int] = []
    monkeypatch.setattr(constraints, "_is_coverage", lambda g: calls.append(len(g)) or True)
    known = constraints._class_lands(grid, "YDYHFLDM", coverage=True)
    assert calls == []  # no part tested again
    assert list(known["class_code"][:4]) == list(tested["class_code"][:4]) == CODES
    assert known["class_code"].iloc[4] is tested["class_code"].iloc[4]  # no class, last
    assert _wkb(known) == _wkb(tested)
    assert known.geometry.area.sum() == pytest.approx(900 * 100.0 * 100.0)


def test_not_a_coverage_is_tested_per_class() -> None:
    grid = grid_parcels(10, 10, CODES, ORIGIN, id_digits=3)
    x0, y0 = ORIGIN
    extra = gpd.GeoDataFrame(
        {"id": ["wide"], "YDYHFLDM": ["0101"]},
        geometry=[shapely.box(x0 + 50, y0 + 50, x0 + 250, y0 + 150)],
        crs=grid.crs,
    )
    layer = pd.concat([grid, extra], ignore_index=True)
    land, coverage = constraints._land(layer)
    assert not coverage
    lands = constraints._class_lands(layer, "YDYHFLDM", coverage)
    union = shapely.union_all(lands.geometry.to_numpy())
    assert union.area == pytest.approx(land.geometry.iloc[0].area)
    assert lands.geometry.area.sum() == pytest.approx(100 * 100.0 * 100.0)  # counted once
