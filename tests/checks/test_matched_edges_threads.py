"""The matched-edges test split by hash over threads gives one sort's unmatched edges, bit for bit.

``no_overlap`` on a large layer asks :func:`spatial.validate.coverage.matched_coverage`
first; above 500,000 edges its matching runs in one part per CPU, split by the
edges' hashes. Synthetic (示例数据) EPSG:4544 parcels: a grid, the grid with an
edge met twice the same way (a repeated parcel), with a vertex moved (edges
left unmatched), the survey's T-junctions, and every edge given one hash (all
in one part) or hashes that send copies of an edge to both parts' borders. The
split (forced on with a low threshold and 2, 3 and 4 parts) must return the
same edges, in the same order, as one part, or None where one part does.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from grids import grid_parcels
from survey import survey_parcels

from spatial.validate import coverage

X0, Y0 = 620_000.0, 3_280_000.0


def _edges(geoms: np.ndarray) -> np.ndarray:
    found = coverage._ring_edges(shapely.orient_polygons(geoms))
    assert found is not None
    return found[0]


def _grid() -> np.ndarray:
    return np.asarray(grid_parcels(20, 15, ["0101"], (X0, Y0), id_digits=4).geometry.array)


def _moved(geoms: np.ndarray) -> np.ndarray:
    coords = shapely.get_coordinates(geoms[40])
    coords[1] += (0.5, 0.0)
    coords[-1] = coords[0]
    out = geoms.copy()
    out[40] = shapely.Polygon(coords)
    return out


CASES = {
    "grid": _grid,
    "a repeated parcel": lambda: np.append(_grid(), _grid()[17]),
    "a moved vertex": lambda: _moved(_grid()),
    "the survey": lambda: np.asarray(survey_parcels().geometry.array, dtype=object),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("parts", [2, 3, 4])
def test_split_matching_is_one_sorts(
    name: str, parts: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    edges = _edges(CASES[name]())
    one = coverage._unmatched(edges)
    monkeypatch.setattr(coverage, "_THREADED_MIN_EDGES", 10)
    monkeypatch.setattr(coverage, "usable_cpus", lambda: parts)
    split = coverage._unmatched(edges)
    if one is None:
        assert split is None
    else:
        assert split is not None
        assert split.tobytes() == one.tobytes()
    if name == "grid":
        assert one is not None and len(one) == 2 * (20 + 15)  # the grid's outline
    if name == "a repeated parcel":
        assert one is None


@pytest.mark.parametrize("hash_of", ["one hash", "two halves"])
def test_split_matching_with_colliding_hashes(
    hash_of: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Collisions (all one hash; or only the top bit, which picks the part, differing)."""
    edges = _edges(_moved(_grid()))
    plain_hash = coverage._hashed

    def colliding(key: np.ndarray) -> np.ndarray:
        if hash_of == "one hash":
            return np.zeros(len(key), dtype=np.uint64)
        return plain_hash(key) & np.uint64(1 << 63)  # two hashes: one per part

    monkeypatch.setattr(coverage, "_hashed", colliding)
    one = coverage._unmatched(edges)
    monkeypatch.setattr(coverage, "_THREADED_MIN_EDGES", 10)
    monkeypatch.setattr(coverage, "usable_cpus", lambda: 2)
    split = coverage._unmatched(edges)
    assert (one is None) == (split is None)
    if one is not None and split is not None:
        assert split.tobytes() == one.tobytes()
