"""diff's bulk steps give the rows of their one-by-one forms, bit for bit.

The versions readied one after the other (large, one CRS) or together; areas
measured in slices or in one call; text fields compared as columns or value by
value: the same features, pieces, matrix and refusals. 示例数据: a synthetic grid
of 100 m parcels in EPSG:4544 (tests/grids.py), some reclassified, one reshaped,
one removed, one added, and bad features placed first, in the middle and last.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from spatial.errors import SpatialError
from spatial.review import _fast
from spatial.review import diff as diff_module
from spatial.review.diff import diff_layers
from tests.grids import grid_parcels

X0, Y0 = 620_000.0, 3_280_000.0
CODES = ["0101", "0103", "0701", "1001"]


def _old(n: int = 12) -> gpd.GeoDataFrame:
    return grid_parcels(n, n, CODES, (X0, Y0), id_digits=4, synthetic=True)


def _new(old: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    new = old.copy()
    new.loc[[3, 40, 41], "YDYHFLDM"] = "0701"
    new.loc[7, "YDYHFLDM"] = None
    geoms = new.geometry.to_numpy().copy()
    x0, y0, x1, y1 = geoms[22].bounds  # grows 20 m east; its neighbour gives the strip up
    geoms[22] = shapely.box(x0, y0, x1 + 20, y1)
    x0, y0, x1, y1 = geoms[23].bounds
    geoms[23] = shapely.box(x0 + 20, y0, x1, y1)
    new = new.set_geometry(list(geoms), crs=old.crs).drop(index=[60]).reset_index(drop=True)
    added = gpd.GeoDataFrame(
        {"id": ["lu-new"], "YDYHFLDM": ["1001"], "synthetic": True},
        geometry=[shapely.box(X0 - 100, Y0, X0, Y0 + 100)],
        crs=old.crs,
    )
    return gpd.GeoDataFrame(pd.concat([new, added], ignore_index=True), crs=old.crs)


def _bowtie(gdf: gpd.GeoDataFrame, k: int) -> gpd.GeoDataFrame:
    ring = [(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)]
    geoms = list(gdf.geometry)
    geoms[k] = shapely.Polygon(ring)
    return gdf.set_geometry(geoms, crs=gdf.crs)


def _outcome(old: gpd.GeoDataFrame, new: gpd.GeoDataFrame) -> object:
    """The features, pieces (WKB), matrix and versions (WKB) of a diff, or its refusal."""
    try:
        found = diff_layers(old.copy(), new.copy(), class_field="YDYHFLDM")
    except SpatialError as exc:
        return str(exc)
    pieces = found.pieces
    return (
        found.features,
        pieces.drop(columns="geometry"),
        list(shapely.to_wkb(pieces.geometry.array)),
        found.matrix,
        [list(shapely.to_wkb(v.geometry.array)) for v in found.versions],
    )


def _assert_same(a: object, b: object) -> None:
    if isinstance(a, str) or isinstance(b, str):
        assert a == b
        return
    assert isinstance(a, tuple) and isinstance(b, tuple)
    pd.testing.assert_frame_equal(a[0], b[0], check_exact=True)
    pd.testing.assert_frame_equal(a[1], b[1], check_exact=True)
    assert a[2] == b[2] and a[4] == b[4]
    pd.testing.assert_frame_equal(a[3], b[3], check_exact=True)


def _pairs() -> list[tuple[str, gpd.GeoDataFrame, gpd.GeoDataFrame]]:
    old = _old()
    new = _new(old)
    last = len(old) - 1
    cases = [("clean", old, new)]
    cases += [(f"bowtie old {k}", _bowtie(old, k), new) for k in (0, last // 2, last)]
    cases += [(f"bowtie new {k}", old, _bowtie(new, k)) for k in (0, last // 2, last)]
    return cases


@pytest.mark.parametrize(
    ("label", "old", "new"), _pairs(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_versions_readied_one_after_the_other_as_together(label, old, new, monkeypatch):
    monkeypatch.setattr(_fast, "FAST_MIN_FEATURES", 0)  # the fast path for 144 parcels
    calls: list[int] = []
    original = diff_module.ready_fast

    def counted(layers, threads=1):
        calls.append(len(layers))
        return original(layers, threads)

    monkeypatch.setattr(diff_module, "ready_fast", counted)
    monkeypatch.setattr(diff_module, "FAST_MIN_FEATURES", 10**9)  # together
    together = _outcome(old, new)
    assert calls[0] == 2
    calls.clear()
    monkeypatch.setattr(diff_module, "FAST_MIN_FEATURES", 0)  # one after the other
    one_by_one = _outcome(old, new)
    assert calls[0] == 1
    _assert_same(together, one_by_one)
    if label == "clean":
        assert calls == [1, 1]
        features = one_by_one[0]  # type: ignore[index]
        statuses = features.set_index("id")["status"]
        assert statuses["lu-0022"] == "geometry_changed" and statuses["lu-new"] == "added"
    else:
        assert "invalid geometry: Self-intersection" in str(one_by_one)


def test_areas_in_slices_are_the_areas_in_one_call(monkeypatch):
    old = _old(30)
    new = _new(old)
    whole = _outcome(old, new)
    monkeypatch.setattr(diff_module, "_AREA_CHUNK", 7)  # 900 parcels in 129 slices
    sliced = _outcome(old, new)
    _assert_same(whole, sliced)
    features = whole[0]  # type: ignore[index]
    reshaped = features.set_index("id").loc["lu-0022"]
    # the 20 m strip of a 100 m parcel: 2,000 m² in the plane, its area of record near it
    assert reshaped["added_m2"] == pytest.approx(2000.0, rel=2e-3)
    assert reshaped["new_m2"] == pytest.approx(12000.0, rel=2e-3)


def test_text_fields_compared_as_columns_as_value_by_value():
    a = gpd.GeoDataFrame(
        {"f": ["x", None, None, "y", "z", "w"]}, geometry=[shapely.Point(0, 0)] * 6
    )
    b = gpd.GeoDataFrame(
        {"f": ["x", None, "v", None, "Z", "w"]}, geometry=[shapely.Point(0, 0)] * 6
    )
    assert isinstance(a["f"].dtype, pd.StringDtype)
    oi = np.array([0, 1, 2, 3, 4, 5, -1])
    ni = np.array([0, 1, 2, 3, 4, -1, 5])
    both = (oi >= 0) & (ni >= 0)
    columns = diff_module._field_differs(a, b, "f", (oi, ni), both)
    one_by_one = diff_module._differ(
        diff_module._values(a, "f", oi), diff_module._values(b, "f", ni), both
    )
    assert columns.tolist() == one_by_one.tolist()
    assert columns.tolist() == [False, False, True, True, True, False, False]


def test_class_of_a_rule_row_looked_up_by_index_as_by_dict():
    from spatial.commands.diff import _with_class  # noqa: PLC0415

    version = gpd.GeoDataFrame(
        {"id": ["a", "b", "c"], "YDYHFLDM": ["0101", None, "0701"]},
        geometry=[shapely.Point(0, 0)] * 3,
    )
    rules = pd.DataFrame(
        {
            "kind": ["must_not_occupy", "no_overlap", "must_not_occupy", "must_lie_within"],
            "id": ["a", "c", "zz", "b"],
        }
    )
    found = _with_class(rules, version, "YDYHFLDM")
    # the dict per feature it replaces
    by_dict = dict(zip(version["id"].astype(str), version["YDYHFLDM"], strict=True))
    on_constraint = rules["kind"].isin(["must_not_occupy", "must_lie_within"])
    classes = rules["id"].astype(str).map(by_dict).where(on_constraint, None)
    expected = rules.assign(**{"class": classes})
    pd.testing.assert_frame_equal(found, expected)
    assert found["class"].iloc[0] == "0101"
    assert found["class"].iloc[1:].isna().all()  # no constraint rule; no such id; no class
