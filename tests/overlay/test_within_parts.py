"""The part of each 图斑 within a buffer: GEOS's ``intersection``, geometry for geometry.

:func:`spatial.overlay._within.parts_within` cuts only the features that cross the
zone's edge; the others get the empty polygon or the rebuilt ring GEOS's overlay
would give. Compared here with ``shapely.intersection`` itself (``equals_identical``:
the same coordinates in the same order) and with the refusal main's ``within_zone``
gave, on synthetic (示例数据) parcels in EPSG:4544 around a buffered road.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
import shapely

from spatial.overlay import _within
from spatial.overlay._engine import InvalidFeatureError
from spatial.overlay._within import as_overlay_rings, parts_within
from spatial.overlay.operations import buffer_zone, require_valid_at

X0, Y0 = 616_000.0, 3_280_000.0  # metres, EPSG:4544 (Bishan)
ROAD = np.array([shapely.LineString([(X0, Y0), (X0 + 2000, Y0 + 400), (X0 + 2600, Y0 + 1800)])])
ZONE = buffer_zone(ROAD, 100.0)


def mains_within(geoms: npt.NDArray[np.object_], zone: shapely.Geometry) -> npt.NDArray[np.object_]:
    """``within_zone`` as main had it: refuse, then GEOS's overlay for every feature."""
    require_valid_at(geoms, np.flatnonzero(shapely.intersects(geoms, zone)))
    parts: npt.NDArray[np.object_] = shapely.intersection(geoms, zone)
    return parts


def _parcels() -> npt.NDArray[np.object_]:
    """A 20 m grid of parcels over the road's box, alternately clockwise and counter-clockwise."""
    xs = np.arange(X0 - 150, X0 + 2750, 20.0)
    ys = np.arange(Y0 - 150, Y0 + 1950, 20.0)
    gx, gy = np.meshgrid(xs, ys)
    cells = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + 17, gy.ravel() + 13, ccw=False)
    cells[::2] = shapely.box(
        gx.ravel()[::2], gy.ravel()[::2], gx.ravel()[::2] + 17, gy.ravel()[::2] + 13
    )
    return np.asarray(cells, dtype=object)


def _odd_ones(x: float, y: float) -> list[shapely.Geometry]:
    """Features the rule leaves to GEOS, or that GEOS answers oddly, all at (x, y)."""
    ring = [(x, y), (x, y + 10), (x + 10, y + 10), (x + 10, y)]
    return [
        shapely.Polygon(
            [(x, y), (x, y + 10), (x, y + 10), (x + 10, y + 10), (x + 10, y)]
        ),  # repeated
        shapely.Polygon(ring, [[(x + 2, y + 2), (x + 4, y + 2), (x + 4, y + 4), (x + 2, y + 4)]]),
        shapely.MultiPolygon([shapely.Polygon(ring), shapely.box(x + 20, y, x + 25, y + 5)]),
        shapely.Polygon([(px, py, 5.0) for px, py in ring]),  # three dimensions
        shapely.Polygon([(x, y), (x + 3, y + 10), (x + 6, y + 1), (x + 9, y + 9), (x + 10, y)]),
        shapely.Polygon(),
        shapely.Point(x, y),
        shapely.LineString([(x, y), (x + 50, y + 5)]),
    ]


def test_the_parts_are_geoss_cut_coordinate_for_coordinate() -> None:
    parcels = _parcels()
    got = parts_within(parcels, ZONE)
    expected = shapely.intersection(parcels, ZONE)
    assert shapely.equals_identical(got, expected).all()
    inside = shapely.contains_properly(ZONE, parcels)
    crossing = shapely.intersects(ZONE, parcels) & ~inside
    assert inside.sum() > 1000 and crossing.sum() > 300  # every case, many times
    assert (~shapely.intersects(ZONE, parcels)).sum() > 1000
    assert not shapely.equals_identical(got[inside], parcels[inside]).any()  # not the feature


@pytest.mark.parametrize("where", ["inside", "on the edge", "outside"])
def test_odd_features_are_geoss_cut(where: str) -> None:
    inner = shapely.get_coordinates(shapely.line_interpolate_point(ROAD[0], 900.0))[0]
    x, y = {
        "inside": inner - 5,
        "on the edge": inner + np.array([0.0, 95.0]),
        "outside": inner + 400,
    }[where]
    odd = np.array(_odd_ones(float(x), float(y)), dtype=object)
    parcels = _parcels()
    for k in (0, 211, len(parcels)):  # first, among, last
        geoms = np.insert(parcels, k, odd)
        got = parts_within(geoms, ZONE)
        assert shapely.equals_identical(got, shapely.intersection(geoms, ZONE)).all()


def _bowtie(x: float, y: float) -> shapely.Polygon:
    return shapely.Polygon([(x, y), (x + 10, y + 10), (x + 10, y), (x, y + 10)])


def _outcome(geoms: npt.NDArray[np.object_], run: object) -> object:
    try:
        parts = run(geoms, ZONE)  # type: ignore[operator]
    except InvalidFeatureError as exc:
        return exc.position, exc.reason
    return shapely.to_wkb(parts).tolist()


@pytest.mark.parametrize("places", [("far",), ("inside",), ("far", "inside", "edge")])
@pytest.mark.parametrize("at", [0, 399, -1])
def test_an_invalid_feature_is_refused_where_main_refused_it(
    places: tuple[str, ...], at: int
) -> None:
    parcels = _parcels()[:800]
    inner = shapely.get_coordinates(shapely.line_interpolate_point(ROAD[0], 900.0))[0]
    spots = {
        "far": (X0 + 5000, Y0),
        "inside": tuple(inner - 5),
        "edge": tuple(inner + np.array([0.0, 95.0])),
    }
    geoms = parcels.copy()
    for i, place in enumerate(places):
        geoms[(at + 7 * i) % len(geoms)] = _bowtie(*spots[place])
    got, expected = _outcome(geoms, parts_within), _outcome(geoms, mains_within)
    assert got == expected
    if places != ("far",):
        assert isinstance(got, tuple)  # refused, naming the same feature and reason


def test_geos_cuts_them_all_when_the_rule_does_not_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    def shifted(
        polygons: npt.NDArray[np.object_],
    ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.object_]]:
        ok, rebuilt = as_overlay_rings(polygons)
        rebuilt[ok] = shapely.reverse(rebuilt[ok])  # another GEOS's order
        return ok, rebuilt

    monkeypatch.setattr(_within, "as_overlay_rings", shifted)
    parcels = _parcels()
    got = parts_within(parcels, ZONE)
    assert shapely.equals_identical(got, shapely.intersection(parcels, ZONE)).all()


def test_the_rule_on_both_turns() -> None:
    cw = shapely.Polygon([(0, 0), (0, 10), (10, 12), (12, 0), (5, -3)])
    ok, (from_cw, from_ccw) = as_overlay_rings(np.array([cw, cw.reverse()], dtype=object))
    assert ok.all()
    expected = [(0, 10), (10, 12), (12, 0), (5, -3), (0, 0), (0, 10)]
    assert shapely.get_coordinates(from_cw).tolist() == [list(map(float, p)) for p in expected]
    assert shapely.equals_identical(from_ccw, from_cw)
    far = shapely.buffer(shapely.Point(0, 0), 1000, quad_segs=32)
    assert shapely.equals_identical(shapely.intersection(cw.reverse(), far), from_ccw)
