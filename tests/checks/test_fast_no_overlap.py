"""The no-overlap rule on a large layer gives the plain path's rows, row for row.

A synthetic (示例数据) 50 × 50 grid of 100 m parcels in EPSG:4544 (2,500
features, above the 2,000 where the rule leaves out the pairs that only touch)
shares every edge, and holds overlaps of every kind: a duplicate parcel, one
nested in another, a declared nesting, shifted parcels overlapping neighbours
by more and by less than the limit, one touching a corner. The rule runs on it
the fast way and the plain way (the threshold raised above the layer), and the
two tables must be equal, row for row and bit for bit.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from grids import grid_parcels

from spatial.checked.report import RULE_COLUMNS
from spatial.checks import rules
from spatial.checks.kinds import RowBlock
from spatial.checks.rules import check_rules
from spatial.errors import LayerError
from spatial.io.layers import load_plan_layers
from spatial.plan import Rule, load_rules

ORIGIN = (620_000.0, 3_280_000.0)


def _layer() -> gpd.GeoDataFrame:
    grid = grid_parcels(50, 50, ["0101"], ORIGIN, id_digits=4)
    x0, y0 = ORIGIN
    extra = {
        "dup-7": shapely.box(x0 + 700, y0, x0 + 800, y0 + 100),  # lu-0007 twice
        "nested": shapely.box(x0 + 1010, y0 + 1010, x0 + 1030, y0 + 1030),  # 400 m² inside
        "inner": shapely.box(x0 + 2010, y0 + 2010, x0 + 2090, y0 + 2090),  # declared nested
        "wide": shapely.box(x0 + 3050, y0 + 3000, x0 + 3150, y0 + 3100),  # 5,000 m² each side
        "sliver": shapely.box(x0 + 4000, y0 + 4099.5, x0 + 4100, y0 + 4100.5),  # 50 m² a cell
        "corner": shapely.box(x0 + 5000, y0 + 5000, x0 + 5100, y0 + 5100),  # touches only
    }
    added = gpd.GeoDataFrame(
        {"id": list(extra), "YDYHFLDM": "0101"}, geometry=list(extra.values()), crs=grid.crs
    )
    return pd.concat([grid, added], ignore_index=True)


def _rule(limit_m2: float, ids: tuple[str, ...] | None = None) -> Rule:
    return Rule(
        id="parcels-no-overlap",
        kind="no_overlap",
        layer="zones",
        ids=ids,
        params={"max_overlap_m2": limit_m2, "allowed_nesting": [["inner", "lu-1020"]]},
    )


def _both(
    monkeypatch: pytest.MonkeyPatch, layer: gpd.GeoDataFrame, rule: Rule
) -> tuple[pd.DataFrame, pd.DataFrame]:
    fast = check_rules({"zones": layer}, [rule])
    with monkeypatch.context() as patch:
        patch.setattr(rules, "FULL_CHECK_MAX_FEATURES", 10**9)  # every layer the plain way
        plain = check_rules({"zones": layer}, [rule])
    return fast, plain


@pytest.mark.parametrize("limit_m2", [100.0, 0.0, -1.0])
def test_fast_rows_are_the_plain_rows(monkeypatch: pytest.MonkeyPatch, limit_m2: float) -> None:
    layer = _layer()
    fast, plain = _both(monkeypatch, layer, _rule(limit_m2))
    pd.testing.assert_frame_equal(fast, plain)
    assert len(fast) == len(layer) + 1  # one row a feature, and the declared nesting
    row = fast.set_index("id")
    if limit_m2 >= 0:
        failing = set(row.index[row["status"] == "FAIL"])
        assert {"lu-0007", "dup-7", "nested", "lu-0510", "wide", "lu-1530", "lu-1531"} <= failing
        assert row.loc["dup-7", "value"] == pytest.approx(0.01, rel=1e-3)  # 100 m × 100 m
        assert row.loc["wide", "other_id"] == "lu-1530, lu-1531"
        assert row.loc["corner", "value"] == 0.0
        assert row.loc["lu-0000", "status"] == "PASS"
    # a 1 m strip across the edge of two cells: 50 m² with each (areas of record, GRS80)
    assert np.isclose(row.loc["sliver", "value"], 50.0 / 1e6, rtol=2e-3)
    assert np.isclose(row.loc["lu-2040", "value"], 50.0 / 1e6, rtol=2e-3)
    assert row.loc["sliver", "status"] == ("PASS" if limit_m2 == 100.0 else "FAIL")
    if limit_m2 == 0.0:
        assert row.loc["sliver", "other_id"] == "lu-2040, lu-2090"


def test_fast_rows_for_listed_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    layer = _layer()
    ids = (*(f"lu-{k:04d}" for k in range(2500)), "wide", "absent")
    fast, plain = _both(monkeypatch, layer, _rule(100.0, ids))
    pd.testing.assert_frame_equal(fast, plain)
    assert fast["reason"].iloc[-1] == "absent not found in layer zones"


def test_stacked_layer_refused_by_overlapping_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules, "overlapping_pairs", _tight(rules.overlapping_pairs))
    layer = _layer()
    with pytest.raises(LayerError, match=r"features overlap in at least \d+ pairs"):
        check_rules({"zones": layer}, [_rule(100.0)])


def _tight(pairs):  # type: ignore[no-untyped-def]
    """``overlapping_pairs`` allowing 2 pairs (the layer overlaps in more)."""
    return lambda geoms, name: pairs(geoms, name, max_pairs=2)


def _spied(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the layers' sizes ``overlapping_pairs`` is asked about."""
    calls: list[int] = []
    real = rules.overlapping_pairs

    def spy(geoms, name):  # type: ignore[no-untyped-def]
        calls.append(len(geoms))
        return real(geoms, name)

    monkeypatch.setattr(rules, "overlapping_pairs", spy)
    return calls


def test_a_clean_coverage_is_decided_by_its_matched_edges(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    grid = grid_parcels(50, 50, ["0101"], ORIGIN, id_digits=4)
    assert shapely.coverage_is_valid(np.asarray(grid.geometry.array, dtype=object))
    calls = _spied(monkeypatch)
    fast, plain = _both(monkeypatch, grid, _rule(0.0))
    assert calls == []  # the coverage test decided: no pair was looked for
    pd.testing.assert_frame_equal(fast, plain)
    assert (fast["status"] == "PASS").all() and (fast["value"] == 0.0).all()
    assert len(fast) == len(grid)  # one row a feature (the declared nesting names none here)


@pytest.mark.parametrize("limit_m2", [0.0, 100.0])
def test_one_overlap_among_thousands_falls_back_to_the_pairs(
    monkeypatch: pytest.MonkeyPatch, limit_m2: float
) -> None:
    grid = grid_parcels(50, 50, ["0101"], ORIGIN, id_digits=4)
    x0, y0 = ORIGIN
    # lu-1234 (column 24, row 34 of the grid) pushed 10 m east over its neighbour
    at = grid.index[grid["id"] == "lu-1234"][0]
    moved = shapely.affinity.translate(grid.geometry[at], 10.0, 0.0)
    grid.loc[at, "geometry"] = moved
    calls = _spied(monkeypatch)
    fast, plain = _both(monkeypatch, grid, _rule(limit_m2))
    assert calls == [len(grid)]  # not a coverage: the pairs found the plain way
    pd.testing.assert_frame_equal(fast, plain)
    row = fast.set_index("id")
    hit = row.index[row["value"] > 0].tolist()
    assert "lu-1234" in hit and len(hit) == 2
    other = next(h for h in hit if h != "lu-1234")
    expected_m2 = shapely.intersection(moved, grid.geometry[grid["id"] == other].iloc[0]).area
    assert expected_m2 == pytest.approx(1000.0)  # 10 m × 100 m, in the plane
    assert row.loc["lu-1234", "value"] == pytest.approx(expected_m2 / 1e6, rel=2e-3)
    assert (row.loc["lu-1234", "status"] == "FAIL") == (expected_m2 > limit_m2)
    assert x0 < moved.bounds[0] and y0 < moved.bounds[1]


def test_t_junction_survey_same_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.survey import survey_parcels  # noqa: PLC0415 - the synthetic survey

    layer = survey_parcels().rename(columns={"BSM": "id"})
    geoms = np.asarray(layer.geometry.array, dtype=object)
    # no two share area (their areas sum to their union's), yet T-junctions: GEOS says no coverage
    assert shapely.area(geoms).sum() == pytest.approx(shapely.union_all(geoms).area, rel=1e-12)
    assert not shapely.coverage_is_valid(geoms)
    calls = _spied(monkeypatch)
    with monkeypatch.context() as patch:
        patch.setattr(rules, "FULL_CHECK_MAX_FEATURES", 0)  # the fast way on 18 features
        fast = check_rules({"zones": layer}, [_rule(0.0)])
    plain = check_rules({"zones": layer}, [_rule(0.0)])
    # T-junctions leave the matched-edges test "not known": the pairs decide
    assert calls == [len(layer)]
    pd.testing.assert_frame_equal(fast, plain)
    assert (fast["status"] == "PASS").all() and len(fast) == len(layer)


def _dict_per_row(parts):  # type: ignore[no-untyped-def]
    """The rule table as it was built before the blocks: a dict per row, then one DataFrame."""
    rows = []
    for part in parts:
        if isinstance(part, RowBlock):
            for at in range(part.size):
                rows.append(
                    {k: v[at] if isinstance(v, list) else v for k, v in part.columns.items()}
                )
        else:
            rows.append(part)
    return pd.DataFrame(rows, columns=RULE_COLUMNS)


@pytest.mark.parametrize("limit_m2", [100.0, -1.0])
def test_rows_as_columns_are_the_rows_one_dict_each(
    monkeypatch: pytest.MonkeyPatch, limit_m2: float
) -> None:
    layers = {**load_plan_layers(), "zones": _layer()}
    wanted = [*load_rules(), _rule(limit_m2, None)]
    got = check_rules(layers, wanted)
    monkeypatch.setattr(rules, "_rows_frame", _dict_per_row)
    expected = check_rules(layers, wanted)
    pd.testing.assert_frame_equal(got, expected)  # values, order and dtypes
    assert len(got) > len(layers["zones"])
    assert set(got["kind"]) >= {"no_overlap", "within_district"}
    assert (got["reason"] != "").sum() == (got["status"] == "FAIL").sum()


def test_points_are_not_taken_for_a_coverage(monkeypatch: pytest.MonkeyPatch) -> None:
    # the coverage test reads polygons only: a layer of points goes to the pairs
    x0, y0 = ORIGIN
    points = [shapely.Point(x0 + 10 * i, y0) for i in range(3)]
    layer = gpd.GeoDataFrame({"id": ["a", "b", "c"]}, geometry=points, crs="EPSG:4544")
    calls = _spied(monkeypatch)
    with monkeypatch.context() as patch:
        patch.setattr(rules, "FULL_CHECK_MAX_FEATURES", 0)
        fast = check_rules({"sites": layer}, [_sites_rule()])
    assert calls == [3]  # the pairs decided
    assert list(fast["value"]) == [0.0, 0.0, 0.0]  # points share no area
    assert list(fast["status"]) == ["PASS"] * 3


def _sites_rule() -> Rule:
    return Rule(
        id="sites-no-overlap",
        kind="no_overlap",
        layer="sites",
        ids=None,
        params={"max_overlap_m2": 0.0, "allowed_nesting": []},
    )
