"""``check --zones`` a large coverage: the shortcuts give the plain rows, bad features included.

Synthetic (示例数据) 100 m parcels in EPSG:4544. Above 2,000 features
``within_district`` first tells the features inside the district from their
boxes on a grid of the district's interior cells
(:func:`spatial.validate.pairs.inside_by_cells`), and GEOS tests only the rest;
the features that cross the border, lie outside it, in a hole of it, in a notch
of it, or are empty are placed where the grid sits, and every figure must be
the plain test's (``covers`` and the cut on every feature). The closest names of
several missing targets are looked for in one reading of the layer: the same
reasons as difflib on the whole lists.
"""

from __future__ import annotations

import difflib

import geopandas as gpd
import numpy as np
import pytest
import shapely

from spatial.checks import rules, targets
from spatial.checks.targets import check_targets
from spatial.plan import Target
from spatial.validate.pairs import inside_by_cells

X0, Y0, CELL = 600_000.0, 3_270_000.0, 100.0
CRS = "EPSG:4544"


def _district() -> shapely.Geometry:
    """A 6 km square with a 1 km hole and a notch cut from its east side."""
    outer = shapely.box(X0 + 50, Y0 + 50, X0 + 5_950, Y0 + 5_950)
    hole = shapely.box(X0 + 2_000, Y0 + 2_000, X0 + 3_000, Y0 + 3_000)
    notch = shapely.Polygon(
        [(X0 + 5_950, Y0 + 4_000), (X0 + 4_500, Y0 + 4_520), (X0 + 5_950, Y0 + 5_030)]
    )
    return shapely.difference(shapely.difference(outer, hole), notch)


def _parcels() -> np.ndarray:
    """A 62 x 62 grid (3,844 parcels) over the district and past its edges, some of them bad."""
    cells = [
        shapely.box(X0 + CELL * i, Y0 + CELL * j, X0 + CELL * (i + 1), Y0 + CELL * (j + 1))
        for j in range(-1, 61)
        for i in range(-1, 61)
    ]
    geoms = np.array(cells, dtype=object)
    geoms[7] = shapely.Polygon()  # empty: no box to tell
    geoms[1000] = shapely.box(X0 + 1_990, Y0 + 1_990, X0 + 2_010, Y0 + 2_010)  # the hole's corner
    geoms[2000] = shapely.box(X0 + 4_400, Y0 + 4_400, X0 + 4_600, Y0 + 4_600)  # the notch's tip
    geoms[3000] = shapely.box(X0 + 2_500, Y0 + 2_500, X0 + 2_600, Y0 + 2_600)  # in the hole
    return geoms


def _plain_outside_km2(geoms: np.ndarray, district: shapely.Geometry) -> np.ndarray:
    """Every feature tested by GEOS and the crossing ones cut, as on a small layer."""
    outside = np.zeros(len(geoms))
    crossing = ~shapely.covers(district, geoms)
    outside[crossing] = rules._km2_each(shapely.difference(geoms[crossing], district), CRS)
    return outside


def test_within_district_by_cells_gives_the_plain_figures() -> None:
    district, geoms = _district(), _parcels()
    shapely.prepare(district)
    inside = inside_by_cells(district, shapely.bounds(geoms), rules._DISTRICT_CELLS)
    assert inside.sum() > len(geoms) // 2  # most are told by the grid ...
    assert shapely.contains_properly(district, geoms[inside]).all()  # ... and rightly
    assert not inside[[7, 1000, 2000, 3000]].any()
    got = rules._outside_km2(geoms, district, CRS)
    expected = _plain_outside_km2(geoms, district)
    assert got.tolist() == expected.tolist()  # bit for bit
    assert (expected > 0).sum() > 200  # the edges, the hole, the notch
    assert expected[3000] == pytest.approx(0.01, rel=1e-3)  # 1 ha in the hole, outside
    assert expected[7] == 0.0


def test_inside_by_cells_refuses_boxes_it_cannot_tell() -> None:
    district = _district()
    boxes = np.array(
        [
            [X0 + 1_000, Y0 + 1_000, X0 + 1_100, Y0 + 1_100],  # inside
            [np.nan] * 4,  # an empty geometry
            [X0 - 500, Y0 - 500, X0 - 400, Y0 - 400],  # outside the grid
            [X0 + 2_100, Y0 + 2_100, X0 + 2_200, Y0 + 2_200],  # in the hole
            [X0 + 100, Y0 + 100, X0 + 5_900, Y0 + 5_900],  # over the hole
        ]
    )
    assert inside_by_cells(district, boxes, 64).tolist() == [True, False, False, False, False]
    assert not inside_by_cells(shapely.Point(X0, Y0), boxes, 64).any()  # no area: no cells


def _layer(n: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(11)
    alphabet = list("zone-kcxzab0123456789科创小城镇示例")
    names = ["".join(rng.choice(alphabet, size=int(rng.integers(1, 9)))) for _ in range(n)]
    names[50], names[60] = "科创小城", "数字经济生态区"
    ids = [f"BSM{k:05d}" for k in range(n)]
    ids[70], ids[80] = "zone-kcx", "zone-szj"
    return gpd.GeoDataFrame(
        {"id": ids, "name_zh": names},
        geometry=[shapely.box(X0 + k, Y0, X0 + k + 1, Y0 + 1) for k in range(n)],
        crs=CRS,
    )


def _plain_reason(layer: gpd.GeoDataFrame, target: Target) -> str:
    found: dict[str, str] = {}
    names = [n for n in layer["name_zh"] if isinstance(n, str)]
    for name in difflib.get_close_matches(target.name_zh, names, n=3, cutoff=0.5):
        ident = layer.loc[layer["name_zh"] == name, "id"].iloc[0]
        found.setdefault(ident, f"{name} (id {ident})")
    for ident in difflib.get_close_matches(target.id, list(layer["id"]), n=3, cutoff=0.8):
        found.setdefault(ident, f"id {ident}")
    if not found:
        return "not found in the layer"
    listed = ", ".join(list(found.values())[:3])
    return f"not found in the layer (closest: {listed}; --id-field or --name-field?)"


def test_missing_targets_are_named_from_one_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    layer = _layer(6_000)
    wanted = [
        Target("zone-kcxz", "zones", "科创小镇", "innovation town", 15.0, "km2"),
        Target("zone-szjj", "zones", "数字经济产业生态区", "digital economy", 10.0, "km2"),
        Target("zone-none", "zones", "无此地块", "nothing alike", 1.0, "km2"),
    ]
    arrays: list[int] = []
    plain_narrowed = targets._narrowed

    def counting(word: str, candidates: list[str], texts: object, cutoff: float) -> list[str]:
        arrays.append(id(texts))
        return plain_narrowed(word, candidates, texts, cutoff)  # type: ignore[arg-type]

    monkeypatch.setattr(targets, "_narrowed", counting)
    table = check_targets(layer, wanted)
    assert len(arrays) == 6  # names and ids, for each of the three targets ...
    assert len(set(arrays)) == 2  # ... from two arrow arrays, made once
    assert table["reason"].tolist() == [_plain_reason(layer, t) for t in wanted]
    assert "zone-kcx" in table["reason"].iloc[0] and "科创小城" in table["reason"].iloc[0]
