"""A feature the grid calls inside a zone lies inside it; cutting gives the same pieces.

Synthetic layers (示例数据) in EPSG:4544 near 璧山: the survey's zones (one with a
T-junction, one concave) and a 100 m grid of parcels.
"""

from __future__ import annotations

import numpy as np
import shapely

from spatial.review._pieces import cut_pairs_marked, inside_by_cells
from tests.grids import grid_parcels
from tests.survey import survey_parcels, survey_zones

X0, Y0 = 620_000.0, 3_280_000.0


def _geoms(layer: object) -> np.ndarray:
    return shapely.orient_polygons(np.asarray(layer.geometry.array, dtype=object))  # type: ignore[attr-defined]


def test_known_inside_only_when_contained_properly() -> None:
    zone = shapely.Polygon(
        [
            (X0, Y0),
            (X0 + 900, Y0),
            (X0 + 900, Y0 + 300),
            (X0 + 300, Y0 + 300),
            (X0 + 300, Y0 + 900),
            (X0, Y0 + 900),
        ]
    )  # an L: its box is half empty
    parcels = _geoms(grid_parcels(12, 12, ["0101"], (X0 - 100, Y0 - 100), id_digits=4))
    shapely.prepare(zone)
    known = inside_by_cells(zone, shapely.bounds(parcels), 64)
    truth = shapely.contains_properly(zone, parcels)
    assert known.any()
    assert not (known & ~truth).any()  # never inside when it is not
    # a cell wide on either side: the parcels along the L's inner corner are not claimed
    corner = shapely.box(X0 + 200, Y0 + 200, X0 + 300, Y0 + 300)
    assert not inside_by_cells(zone, np.array([corner.bounds]), 64)[0]


def test_a_box_on_the_edge_or_outside_is_not_known() -> None:
    zone = shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)
    boxes = np.array(
        [
            (X0, Y0 + 400, X0 + 50, Y0 + 450),  # on the west edge
            (X0 + 1000, Y0, X0 + 1100, Y0 + 100),  # outside, touching
            (X0 + 400, Y0 + 400, X0 + 500, Y0 + 500),  # well inside
        ]
    )
    assert inside_by_cells(zone, boxes, 32).tolist() == [False, False, True]
    assert not inside_by_cells(shapely.box(X0, Y0, X0, Y0 + 10), boxes, 32).any()  # no width


def test_pieces_are_the_same_with_and_without_the_grid() -> None:
    for parcels, zones in (
        (_geoms(survey_parcels()), _geoms(survey_zones())),
        (_geoms(grid_parcels(30, 20, ["0101"], (X0, Y0), id_digits=4)), _geoms(survey_zones())),
    ):
        plain = cut_pairs_marked(zones, parcels)
        for threads in (1, 2):
            gridded = cut_pairs_marked(zones, parcels, threads, cells=16)
            for left, right in zip(plain[:2] + plain[3:], gridded[:2] + gridded[3:], strict=True):
                assert np.array_equal(left, right)
            assert shapely.equals_exact(plain[2], gridded[2], tolerance=0).all()
            assert (shapely.to_wkb(plain[2]) == shapely.to_wkb(gridded[2])).all()
