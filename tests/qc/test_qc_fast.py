"""The coverage check of ``spatial qc`` in parts on threads: every flag and finding of one call.

:func:`spatial.qc.layer.off_coverage` judges parts of the layer, each with the
polygons whose boxes meet its own; the flags must be those of one
``shapely.coverage_invalid_edges`` call on the whole layer, and the inspection's
findings (overlaps, gaps, slivers...) the same, in the same order (synthetic
EPSG:4544 grids and the survey coverage, 示例数据).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from qc_layers import clean_layer, planted_layer
from survey import GK, X0, Y0

from spatial.preconditions import feature_label
from spatial.qc import edges as qc_edges
from spatial.qc import inspect, topology
from spatial.qc import layer as qc_layer
from spatial.qc.attributes import text_values
from spatial.qc.layer import off_coverage

FIELDS = {"id_field": "BSM", "class_field": "YDYHFLDM", "area_field": "TBMJ"}


def defective_grid(n_side: int = 40, cell_m: float = 50.0) -> np.ndarray:
    """A grid of cells with T-junctions (halved cells), overlaps, a duplicate and a hole."""
    cells = []
    for row in range(n_side):
        for col in range(n_side):
            x, y = X0 + col * cell_m, Y0 + row * cell_m
            if (row * 7 + col) % 11 == 0:  # two halves: T-junctions on both neighbours
                cells += [
                    shapely.box(x, y, x + cell_m / 2, y + cell_m),
                    shapely.box(x + cell_m / 2, y, x + cell_m, y + cell_m),
                ]
            elif (row * 3 + col) % 17 == 0:  # grown 1 m east: overlaps its neighbour
                cells.append(shapely.box(x, y, x + cell_m + 1, y + cell_m))
            elif (row + 2 * col) % 29 == 5 and 0 < row < n_side - 1 and 0 < col < n_side - 1:
                cells.append(shapely.box(x, y, x + cell_m - 2, y + cell_m))  # a hole beside it
            else:
                cells.append(shapely.box(x, y, x + cell_m, y + cell_m))
    cells.append(cells[100])  # a duplicate
    return np.asarray(cells, dtype=object)


@pytest.mark.parametrize(("min_part", "threads"), [(40, 1), (150, 2), (700, 2), (10**6, 2)])
def test_the_flags_are_those_of_one_call(min_part, threads):
    geoms = defective_grid()
    expected = ~shapely.is_empty(shapely.coverage_invalid_edges(geoms))
    assert 100 < expected.sum() < len(geoms) - 500  # flagged and clean polygons both
    got = off_coverage(geoms, threads=threads, min_part=min_part)
    np.testing.assert_array_equal(got, expected)


def test_a_part_boundary_through_an_overlap_still_flags_it():
    """Two parts, cut between the two polygons of an overlap: each is judged with the other."""
    left = shapely.box(0, 0, 10, 10)
    right = shapely.box(9, 0, 20, 10)  # overlaps left by 1 m
    far = [shapely.box(100 + 10 * k, 0, 110 + 10 * k, 10) for k in range(6)]  # a clean row
    geoms = np.asarray([left, right, *far], dtype=object)
    got = off_coverage(geoms, threads=2, min_part=1)
    np.testing.assert_array_equal(got, [True, True] + [False] * 6)


def findings(layers: dict[str, gpd.GeoDataFrame], **fields: str) -> list[tuple[object, ...]]:
    """Every finding, in order, as its fields (the geometry as WKB)."""
    found = inspect(layers, **fields).findings
    return [
        (*(getattr(f, k) for k in ("kind", "rule", "feature_id", "other_id", "value", "message")),
         None if f.geometry is None else shapely.to_wkb(f.geometry))
        for f in found
    ]  # fmt: skip


def test_the_findings_are_those_of_one_call(monkeypatch):
    layer = planted_layer()
    expected = findings({"lu.gpkg": layer}, **FIELDS)
    assert len(expected) > 5
    monkeypatch.setattr(qc_layer, "_MIN_PART", 2)
    assert findings({"lu.gpkg": layer}, **FIELDS) == expected


def test_the_grid_findings_are_those_of_one_call(monkeypatch):
    geoms = defective_grid(20)
    layer = gpd.GeoDataFrame(
        {"BSM": [f"G{k:04d}" for k in range(len(geoms))], "note": "示例数据 synthetic"},
        geometry=geoms,
        crs=GK,
    )
    expected = findings({"grid.gpkg": layer}, id_field="BSM")
    kinds = {f[0] for f in expected}
    assert {"overlap", "gap"} <= kinds, kinds
    monkeypatch.setattr(qc_layer, "_MIN_PART", 30)
    assert findings({"grid.gpkg": layer}, id_field="BSM") == expected


def matched_grid(n_side: int, bad: dict[int, str], cell_m: float = 50.0) -> np.ndarray:
    """A vertex-matched grid (示例数据 frame) with the cells at ``bad`` spoilt.

    ``bowtie`` (invalid, poking 5 m east), ``hole`` (a gap: the cell left out), ``grown``
    (overlaps its east neighbour), ``thin`` (a sliver cut off its cell: a T-junction),
    ``null`` or ``empty``.
    """
    cells: list[object] = []
    for k in range(n_side * n_side):
        row, col = divmod(k, n_side)
        x, y = X0 + col * cell_m, Y0 + row * cell_m
        kind = bad.get(k)
        if kind == "bowtie":  # invalid; made valid, two triangles, one 5 m into the east cell
            corners = [(x, y), (x + cell_m + 5, y + cell_m), (x + cell_m + 5, y), (x, y + cell_m)]
            cells.append(shapely.Polygon(corners))
        elif kind == "grown":
            cells.append(shapely.box(x, y, x + cell_m + 1, y + cell_m))
        elif kind == "thin":
            cells += [
                shapely.box(x, y, x + 0.1, y + cell_m),
                shapely.box(x + 0.1, y, x + cell_m, y + cell_m),
            ]
        elif kind == "null":
            cells.append(None)
        elif kind == "empty":
            cells.append(shapely.Polygon())
        elif kind != "hole":
            cells.append(shapely.box(x, y, x + cell_m, y + cell_m))
    return np.asarray(cells, dtype=object)


MATCHED_CASES = {
    "clean": {},
    "bow-ties inside, on the edge and in a corner": {
        0: "bowtie",
        45: "bowtie",
        19: "bowtie",
        210: "bowtie",
    },
    "bow-tie beside a hole": {150: "bowtie", 151: "hole", 300: "hole"},
    "bow-tie, null and empty": {60: "bowtie", 61: "null", 62: "empty"},
    "neighbouring bow-ties": {100: "bowtie", 101: "bowtie", 120: "bowtie"},
}


@pytest.mark.parametrize("spoilt", MATCHED_CASES.values(), ids=MATCHED_CASES.keys())
def test_matched_shortcut_flags_are_those_of_one_call(spoilt):
    geoms = matched_grid(20, spoilt)
    layer = qc_layer.QcLayer("grid.gpkg", gpd.GeoDataFrame(geometry=geoms, crs=GK))
    present = layer.geoms[layer.present]
    suspects = ~layer.valid[layer.present]
    expected = ~shapely.is_empty(shapely.coverage_invalid_edges(present))
    assert expected.any() == suspects.any()  # a bow-tie flags itself and its neighbours
    for part_size in (37, 150, 10**6):
        flags, decided = qc_layer._off_coverage_matched(present, suspects, 2, part_size)
        assert decided  # the matched-edges test decided every part
        np.testing.assert_array_equal(flags, expected)
    np.testing.assert_array_equal(off_coverage(present, suspects=suspects), expected)


@pytest.mark.parametrize("spoilt", [{77: "grown"}, {77: "thin"}, {77: "grown", 5: "bowtie"}])
def test_matched_shortcut_leaves_overlaps_and_t_junctions_to_geos(spoilt):
    geoms = matched_grid(20, spoilt)
    valid = shapely.is_valid(geoms)
    expected = ~shapely.is_empty(shapely.coverage_invalid_edges(shapely.make_valid(geoms)))
    for part_size in (37, 150, 10**6):
        flags, decided = qc_layer._off_coverage_matched(
            shapely.make_valid(geoms), ~valid, 2, part_size
        )
        assert not decided  # the part holding the overlap or T-junction went to GEOS
        np.testing.assert_array_equal(flags, expected)
    got = off_coverage(shapely.make_valid(geoms), suspects=~valid)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    "spoilt",
    [*MATCHED_CASES.values(), {77: "grown", 5: "bowtie"}, {33: "thin", 150: "bowtie", 151: "hole"}],
)
def test_matched_shortcut_findings_are_those_without_it(monkeypatch, spoilt):
    geoms = matched_grid(20, spoilt)
    layer = gpd.GeoDataFrame(
        {"BSM": [f"M{k:04d}" for k in range(len(geoms))], "note": "示例数据 synthetic"},
        geometry=geoms,
        crs=GK,
    )
    monkeypatch.setattr(qc_layer, "_MIN_MATCHED", 10**9)  # no shortcut: GEOS judges them all
    expected = findings({"grid.gpkg": layer}, id_field="BSM")
    monkeypatch.setattr(qc_layer, "_MIN_MATCHED", 1)  # the shortcut whatever the size
    monkeypatch.setattr(qc_layer, "_MATCHED_PART", 60)  # in parts
    assert findings({"grid.gpkg": layer}, id_field="BSM") == expected
    if spoilt:
        assert expected


ID_COLUMNS = {
    "text": ["a", " b ", None, "", "c\r\x1b[32m", "a"],
    "integers": [7, 8, 9, 10, 11, 12],
    "floats": [1.0, 2.5, float("nan"), 4.0, 5.0, 6.0],
    "nullable text": pd.array(["x", None, " y", "z", "", "w"], dtype="string"),
    "nullable integers": pd.array([1, None, 3, 4, 5, 6], dtype="Int64"),
}


@pytest.mark.parametrize("values", ID_COLUMNS.values(), ids=ID_COLUMNS.keys())
def test_labels_made_when_asked_are_those_of_every_feature(values):
    frame = gpd.GeoDataFrame(
        {"BSM": values, "note": "示例数据 synthetic"},
        geometry=[shapely.box(k, 0, k + 1, 1) for k in range(6)],
        crs=GK,
    )
    expected = [feature_label(v, i) for i, v in enumerate(frame["BSM"])]
    labels = qc_layer.QcLayer("t.gpkg", frame, "BSM").ids
    assert list(labels) == expected
    assert [labels[i] for i in range(6)] == expected
    assert labels[-1] == expected[-1] and len(labels) == 6
    assert list(qc_layer.QcLayer("t.gpkg", frame).ids) == [f"#{i}" for i in range(6)]


@pytest.mark.parametrize(
    "values",
    [["0101 ", " 0102", "", "  ", "0101"], ["0101", None, "x\u3000", "\t1202\n", "0101"]],
)
def test_text_of_all_text_values_is_that_of_each_value(values):
    column = pd.Series(values, dtype=object)
    expected = np.array(["" if v is None else str(v).strip() for v in values], dtype=object)
    np.testing.assert_array_equal(text_values(column), expected)


def grid_frame(geoms: np.ndarray) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"BSM": [f"M{k:04d}" for k in range(len(geoms))], "note": "示例数据 synthetic"},
        geometry=geoms,
        crs=GK,
    )


NO_GAP_CASES = {
    "clean grid": (lambda: grid_frame(matched_grid(20, {})), True),
    "survey, T-junctions": (clean_layer, True),
    "grid, a hole": (lambda: grid_frame(matched_grid(20, {151: "hole"})), False),
    "grid, a hole in the corner": (lambda: grid_frame(matched_grid(20, {0: "hole"})), True),
    "grid, a bow-tie": (lambda: grid_frame(matched_grid(20, {45: "bowtie"})), False),
    "grid, an overlap": (lambda: grid_frame(matched_grid(20, {77: "grown"})), True),
    "grid, a sliver": (lambda: grid_frame(matched_grid(20, {33: "thin"})), True),
    "grid, diagonal holes": (
        lambda: grid_frame(matched_grid(20, {151: "hole", 172: "hole"})),
        False,
    ),
    "grid, two holes side by side": (
        lambda: grid_frame(matched_grid(20, {151: "hole", 152: "hole"})),
        False,
    ),
    "grid, an island in a hole": (
        lambda: grid_frame(
            np.append(
                matched_grid(20, {151: "hole"}), shapely.box(X0 + 560, Y0 + 360, X0 + 590, Y0 + 390)
            )
        ),
        False,
    ),
    "defective grid": (lambda: grid_frame(defective_grid(20)), False),
    "planted survey": (planted_layer, False),
}


@pytest.mark.parametrize(("make", "no_gap"), NO_GAP_CASES.values(), ids=NO_GAP_CASES.keys())
def test_no_gaps_told_from_unmatched_edges(monkeypatch, make, no_gap):
    """The local union decides, its holes are the whole union's; the findings are the same."""
    layer = make()
    monkeypatch.setattr(topology, "_MIN_LOCAL", 1)
    monkeypatch.setattr(qc_edges, "_CHUNK", 45)  # edges keyed in chunks
    said = topology._local_holes(qc_layer.QcLayer("t.gpkg", layer, "BSM"))
    holes = topology._holes(topology._union(qc_layer.QcLayer("t.gpkg", layer, "BSM")))
    assert said is not None
    assert (not len(said)) == no_gap == (not len(holes))
    assert sorted(shapely.to_wkb(shapely.normalize(said))) == sorted(
        shapely.to_wkb(shapely.normalize(holes))
    )
    shortcut = findings({"t.gpkg": layer}, id_field="BSM")
    monkeypatch.setattr(topology, "_MIN_LOCAL", 10**9)
    assert findings({"t.gpkg": layer}, id_field="BSM") == shortcut
