"""Gaps of ``spatial qc`` from the union of the features around the unmatched edges only.

:func:`spatial.qc.topology._local_holes` unites the features meeting an edge no
second feature holds exactly (and those off the coverage); its holes must be
the whole union's, normalised, bit for bit, and the findings (ids, kinds,
counts, areas, WKB) the same as with the whole layer united. Layers: the
survey coverage of ``tests/survey.py`` and vertex-matched grids (synthetic,
示例数据, EPSG:4544) with gaps at the layer's edge, nested islands, gaps
touching gaps, holes inside one parcel (filled, and empty), gaps under and
over the rule's 0.001 m², bow-ties and overlaps.
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pytest
import shapely
from qc_layers import planted_layer
from survey import GK, X0, Y0, oracle_area_m2, survey_parcels

from spatial.measure.record import area_of_record_m2
from spatial.qc import edges as qc_edges
from spatial.qc import inspect, topology
from spatial.qc import layer as qc_layer
from spatial.qc.packs import load_packs

CELL_M = 50.0


def cell(row: int, col: int, inset: tuple[float, float, float, float] = (0, 0, 0, 0)) -> object:
    """The grid's cell at ``row, col`` (50 m, from ``X0, Y0``), shrunk by ``inset`` (W, S, E, N)."""
    x, y = X0 + col * CELL_M, Y0 + row * CELL_M
    w, s, e, n = inset
    return shapely.box(x + w, y + s, x + CELL_M - e, y + CELL_M - n)


def grid(n_side: int, left_out: set[tuple[int, int]], extra: list[object] = ()) -> list[object]:
    """A vertex-matched grid of ``n_side``² cells without those ``left_out``, then ``extra``."""
    kept = [cell(r, c) for r in range(n_side) for c in range(n_side) if (r, c) not in left_out]
    return kept + list(extra)


def frame(geoms: list[object]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"BSM": [f"G{k:04d}" for k in range(len(geoms))], "note": "示例数据 synthetic"},
        geometry=geoms,
        crs=GK,
    )


def block(rows: range, cols: range) -> set[tuple[int, int]]:
    return {(r, c) for r in rows for c in cols}


def nested_islands() -> gpd.GeoDataFrame:
    """A 7 x 7 gap; in it an island of 16 cells around a 3 x 3 gap; in that an island cell."""
    gap = block(range(4, 11), range(4, 11))
    island = block(range(5, 10), range(5, 10)) - block(range(6, 9), range(6, 9))
    return frame(grid(15, gap, [cell(r, c) for r, c in sorted(island)] + [cell(7, 7)]))


def holed_parcels() -> gpd.GeoDataFrame:
    """Two parcels with a hole: one filled by a parcel of its own, one empty (a gap)."""
    filled = cell(3, 3).difference(cell(3, 3, (10, 10, 10, 10)))
    empty = cell(8, 8).difference(cell(8, 8, (15, 15, 15, 15)))
    extra = [filled, cell(3, 3, (10, 10, 10, 10)), empty]
    return frame(grid(12, {(3, 3), (8, 8)}, extra))


def small_gaps() -> gpd.GeoDataFrame:
    """Gaps of 0.0005 m² (under the rule's 0.001 m²) and of 0.002 m² (over), cut from cells."""
    under = cell(4, 4, (0, 0, CELL_M - 0.01, CELL_M - 0.05))  # 0.01 m x 0.05 m
    over = cell(8, 5, (0, 0, CELL_M - 0.02, CELL_M - 0.1))  # 0.02 m x 0.1 m
    cut = [cell(4, 4).difference(under), cell(8, 5).difference(over)]
    return frame(grid(12, {(4, 4), (8, 5)}, cut))


def survey_without(*bsm: str) -> gpd.GeoDataFrame:
    parcels = survey_parcels()
    return parcels[~parcels["BSM"].isin(bsm)].reset_index(drop=True)


def survey_notched() -> gpd.GeoDataFrame:
    """N00 with a triangle cut out that touches the layer's west edge at one point: a gap."""
    parcels = survey_parcels()
    notch = shapely.Polygon([(X0, Y0 + 700), (X0 + 30, Y0 + 690), (X0 + 30, Y0 + 710)])
    at = parcels.index[parcels["BSM"] == "N00"][0]
    parcels.loc[at, "geometry"] = parcels.geometry[at].difference(notch)
    return parcels


def bowtie_grid() -> gpd.GeoDataFrame:
    """Cell (5, 5) drawn as a bow-tie poking 5 m east; cell (5, 6) grown 1 m north."""
    x, y = X0 + 5 * CELL_M, Y0 + 5 * CELL_M
    bowtie = shapely.Polygon([(x, y), (x + 55, y + 50), (x + 55, y), (x, y + 50)])
    return frame(grid(12, {(5, 5), (5, 6)}, [bowtie, cell(5, 6, (0, 0, 0, -1))]))


#: Name -> (layer, the number of gaps over 0.001 m² the whole union finds).
CASES: dict[str, tuple[Callable[[], gpd.GeoDataFrame], int]] = {
    "survey, a corner parcel left out (open: no gap)": (lambda: survey_without("S00"), 0),
    "survey, the road left out (open at both ends)": (lambda: survey_without("R"), 0),
    "survey, N05 left out (a gap at the layer's edge)": (lambda: survey_without("N05"), 0),
    "survey, a notch touching the edge at a point": (survey_notched, 1),
    "survey, N03 and S03 left out": (lambda: survey_without("N03", "S03"), 0),
    "survey, planted defects": (planted_layer, 1),
    "grid, a hole touching the open corner at a point": (
        lambda: frame(grid(10, {(0, 0), (1, 1)})),
        1,
    ),
    "grid, a chain of gaps touching at corners": (
        lambda: frame(grid(10, {(2, 2), (3, 3), (4, 4), (3, 5)})),
        4,
    ),
    "grid, nested islands": (nested_islands, 2),
    "grid, holes inside parcels (filled and empty)": (holed_parcels, 1),
    "grid, gaps under and over the limit": (small_gaps, 1),
    "grid, a bow-tie and an overlap": (bowtie_grid, 2),
}


def finding_rows(layers: dict[str, gpd.GeoDataFrame]) -> list[tuple[object, ...]]:
    """Every finding, in order, as its fields (the geometry as WKB)."""
    found = inspect(layers, id_field="BSM").findings
    return [
        (f.kind, f.rule, f.feature_id, f.other_id, f.value, f.message, f.unit,
         None if f.geometry is None else shapely.to_wkb(f.geometry))
        for f in found
    ]  # fmt: skip


@pytest.fixture
def local_everywhere(monkeypatch):
    """The local union whatever the layer's size, the edges keyed 7 at a time."""
    monkeypatch.setattr(topology, "_MIN_LOCAL", 1)
    monkeypatch.setattr(qc_edges, "_CHUNK", 7)


@pytest.mark.parametrize(("make", "count"), CASES.values(), ids=CASES.keys())
def test_local_holes_are_the_whole_unions(local_everywhere, make, count):
    layer = qc_layer.QcLayer("t.gpkg", make(), "BSM")
    local = topology._local_holes(layer)
    assert local is not None  # decided locally: no feature left out meets a hole's ring
    whole = shapely.normalize(topology._holes(topology._union(layer)))
    assert sorted(shapely.to_wkb(shapely.normalize(local))) == sorted(shapely.to_wkb(whole))


@pytest.mark.parametrize(("make", "count"), CASES.values(), ids=CASES.keys())
def test_gap_findings_are_those_of_the_whole_union(monkeypatch, local_everywhere, make, count):
    layers = {"t.gpkg": make()}
    local = finding_rows(layers)
    gaps = [row for row in local if row[0] == "gap"]
    assert len(gaps) == count
    monkeypatch.setattr(topology, "_MIN_LOCAL", 10**9)  # the whole layer united
    assert finding_rows(layers) == local


def empty_space(layer: gpd.GeoDataFrame) -> list[shapely.Geometry]:
    """The oracle's gaps: each part of the space inside the outline no feature covers.

    The outline is every part's exterior ring filled; no coverage union, no hole kept apart.
    """
    union = shapely.union_all(shapely.make_valid(layer.geometry.to_numpy()))
    parts = shapely.get_parts(union)
    outline = shapely.union_all(shapely.polygons(shapely.get_exterior_ring(parts)))
    return list(shapely.get_parts(outline.difference(union)))


@pytest.mark.parametrize(("make", "count"), CASES.values(), ids=CASES.keys())
def test_gap_areas_are_the_oracles_of_the_empty_space(local_everywhere, make, count):
    """Each gap's area: the tests' survey rule on the empty space a plain union leaves."""
    layer = make()
    expected = sorted(a for a in (oracle_area_m2(p) for p in empty_space(layer)) if a > 0.001)
    rule = load_packs()["gap"]
    got = sorted(f.value for f in topology.gaps(qc_layer.QcLayer("t.gpkg", layer, "BSM"), rule))
    assert len(got) == len(expected) == count
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)  # m²: 0.002 m² gaps


def test_gaps_come_in_order_of_their_least_vertex(local_everywhere):
    layer = frame(grid(10, {(6, 1), (2, 7), (2, 3), (7, 7)}))
    rule = load_packs()["gap"]
    found = topology.gaps(qc_layer.QcLayer("t.gpkg", layer, "BSM"), rule)
    firsts = [shapely.get_coordinates(f.geometry)[0].tolist() for f in found]
    corners = [(1, 6), (3, 2), (7, 2), (7, 7)]  # (col, row): x, then y
    assert firsts == [[X0 + c * CELL_M, Y0 + r * CELL_M] for c, r in corners]
    normalised = shapely.normalize(np.asarray([f.geometry for f in found], dtype=object))
    assert shapely.to_wkb(normalised).tolist() == [shapely.to_wkb(f.geometry) for f in found]


def test_a_hole_filled_by_features_left_out_is_no_gap(local_everywhere):
    """A 5 x 5 island in a 7 x 7 gap: its centre 3 x 3 meet no unmatched edge, left out."""
    gap = block(range(2, 9), range(2, 9))
    island = block(range(3, 8), range(3, 8))
    layer = frame(grid(11, gap, [cell(r, c) for r, c in sorted(island)]))
    qc = qc_layer.QcLayer("t.gpkg", layer, "BSM")
    edges = qc_edges.layer_edges(qc.geoms, qc.present, qc.off_coverage)
    assert edges is not None
    local = np.zeros(len(layer), dtype=bool)
    local[qc.tree.query(edges.unmatched_lines(), predicate="intersects")[1]] = True
    middle = shapely.box(*cell(4, 4).bounds[:2], *cell(6, 6).bounds[2:])
    centre = [k for k, g in enumerate(layer.geometry) if middle.contains(g)]
    assert np.flatnonzero(~local).tolist() == centre and len(centre) == 9
    holes = topology._local_holes(qc)
    assert holes is not None and len(holes) == 1
    assert shapely.area(holes[0]) == pytest.approx(7 * 7 * CELL_M**2)
    (gap,) = topology.gaps(qc, load_packs()["gap"])
    assert gap.value == pytest.approx(oracle_area_m2(gap.geometry), rel=1e-9)
    assert shapely.area(gap.geometry) == pytest.approx((7 * 7 - 5 * 5) * CELL_M**2)


def test_edges_held_twice_are_matched_and_once_are_not():
    geoms = np.asarray(grid(3, {(1, 1)}), dtype=object)
    edges = qc_edges.layer_edges(geoms, np.ones(len(geoms), bool), np.zeros(len(geoms), bool))
    assert edges is not None
    # 8 cells x 4 edges; shared: 8 between neighbours around the ring of cells
    assert len(edges.start) == 32
    assert int(edges.matched.sum()) == 2 * 8
    lines = edges.unmatched_lines()
    assert len(lines) == 32 - 16 and shapely.length(lines).sum() == pytest.approx(16 * CELL_M)
    segments = np.array([[X0, Y0, X0 + CELL_M, Y0], [X0 + CELL_M, Y0 + CELL_M, X0 + CELL_M, Y0]])
    assert edges.held(segments).tolist() == [False, True]  # the outline; a shared edge reversed


def test_the_area_in_parts_is_the_area_of_record(monkeypatch):
    layer = planted_layer()
    expected = area_of_record_m2(qc_layer.QcLayer("t.gpkg", layer).geoms, layer.crs, "t.gpkg")
    monkeypatch.setattr(qc_layer, "_AREA_PART", 4)
    got = qc_layer.QcLayer("t.gpkg", layer).area_m2
    np.testing.assert_array_equal(got.view(np.int64), expected.view(np.int64))


def test_validity_in_parts_is_that_of_one_call(monkeypatch):
    """Null, empty and bow-tie geometries first, at a part's edge and last (parts of 4)."""
    geoms = list(planted_layer().geometry)
    bowtie = geoms[-1]
    geoms = [None, *geoms[:3], shapely.Polygon(), bowtie, *geoms[3:-1], None, bowtie]
    layer = frame(geoms)
    expected = shapely.is_valid(layer.geometry.to_numpy()) & ~shapely.is_empty(
        layer.geometry.to_numpy()
    )
    assert 0 < expected.sum() < len(geoms) - 4
    monkeypatch.setattr(qc_layer, "_AREA_PART", 4)
    np.testing.assert_array_equal(qc_layer.QcLayer("t.gpkg", layer).valid, expected)


@pytest.mark.parametrize("make", [nested_islands, bowtie_grid, planted_layer])
def test_colliding_hashes_match_nothing_and_change_no_finding(monkeypatch, local_everywhere, make):
    """Every edge of one hash: none is matched (keys differ), every feature is united."""
    layers = {"t.gpkg": make()}
    expected = finding_rows(layers)
    monkeypatch.setattr(qc_edges, "edge_hashes", lambda key: np.zeros(len(key), dtype=np.uint64))
    qc = qc_layer.QcLayer("t.gpkg", layers["t.gpkg"], "BSM")
    edges = qc_edges.layer_edges(qc.geoms, qc.present, qc.off_coverage)
    assert edges is not None and not edges.matched.any()
    assert finding_rows(layers) == expected
