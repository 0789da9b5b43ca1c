"""``spatial qc``'s matched-edges coverage shortcut finds what GEOS finds, whatever bad feature.

Above 2,000 polygons qc asks the matched-edges test (:mod:`spatial.qc.layer`) before
``shapely.coverage_invalid_edges``: a part of the layer whose edges all pair up is
settled without GEOS. ``tests/qc/test_qc_fast.py`` spoils cells with bow-ties,
holes, nulls and empties; here each other kind of :mod:`fastpath_bad` (a ring
touching itself, a line, a point, a NaN or infinite coordinate, a repeated or
missing id) goes first, on a part's edge or last in a vertex-matched grid
(示例数据, EPSG:4544), and every finding (kind, rule, ids, value, message,
geometry as WKB), or the refusal, must be those of GEOS judging every part. A NaN
or infinite coordinate is an invalid geometry found (it was an internal error:
GEOS cannot make it valid).
"""

from __future__ import annotations

import geopandas as gpd
import pytest
from fastpath_bad import outcome, spoil
from survey import GK
from test_qc_fast import findings, matched_grid

from spatial.qc import layer as qc_layer

N_SIDE = 20
PART = 60
PLACES = {"first": 0, "part edge": PART, "last": N_SIDE * N_SIDE - 1}
KINDS = ["self-touching", "line", "point", "nan", "inf", "duplicate id", "null id"]


def _grid() -> gpd.GeoDataFrame:
    geoms = matched_grid(N_SIDE, {})
    return gpd.GeoDataFrame(
        {"BSM": [f"M{k:04d}" for k in range(len(geoms))], "note": "示例数据 synthetic"},
        geometry=geoms,
        crs=GK,
    ).rename(columns={"BSM": "id"})


@pytest.mark.parametrize("place", PLACES.values(), ids=PLACES.keys())
@pytest.mark.parametrize("kind", KINDS)
def test_findings_with_the_shortcut_are_those_without(monkeypatch, kind, place):
    grid = _grid()
    x, y = grid.geometry.iloc[place].bounds[:2]
    layer = spoil(grid, place, kind, (x + 20.0, y + 20.0)).rename(columns={"id": "BSM"})
    monkeypatch.setattr(qc_layer, "_MIN_MATCHED", 10**9)  # no shortcut: GEOS judges them all
    expected = outcome(lambda: findings({"grid.gpkg": layer}, id_field="BSM"))
    monkeypatch.setattr(qc_layer, "_MIN_MATCHED", 1)  # the shortcut whatever the size
    monkeypatch.setattr(qc_layer, "_MATCHED_PART", PART)  # in parts
    got = outcome(lambda: findings({"grid.gpkg": layer}, id_field="BSM"))
    assert got == expected
    if kind in ("line", "point"):  # a layer that is not polygonal: refused whole, in one line
        assert expected[0] == "LayerError"
        return
    assert expected[0] == "rows"
    assert expected[1]  # the bad feature is found
    if kind in ("nan", "inf"):  # reported, not an internal error (GEOS cannot make it valid)
        assert [f[:3] for f in expected[1]] == [
            ("invalid_geometry", "invalid_geometry", f"M{place:04d}")
        ]
