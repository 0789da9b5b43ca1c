"""diff's fast path gives the plain path's features, pieces and matrix, refusals and messages.

Two versions (示例数据, synthetic) of a grid of 100 m parcels in EPSG:4544 near 璧山:
some parcels reclassified, one reshaped (its east edge moved 20 m into its
neighbour), one removed, one added. Bad features go in the far corner.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from spatial.review import _fast
from spatial.review import diff as diff_module
from spatial.review.diff import diff_layers
from tests.grids import grid_parcels
from tests.survey import survey_parcels, survey_parcels_revised

GK = "EPSG:4544"
X0, Y0 = 620_000.0, 3_280_000.0
COLS, ROWS = 20, 15
CODES = ["0101", "0103", "0701", "1001"]


def _old() -> gpd.GeoDataFrame:
    return grid_parcels(COLS, ROWS, CODES, (X0, Y0), id_digits=3, synthetic=True)


def _new() -> gpd.GeoDataFrame:
    new = _old()
    new.loc[[3, 40, 41], "YDYHFLDM"] = "0701"
    geoms = new.geometry.to_numpy().copy()
    x0, y0, x1, y1 = geoms[22].bounds  # grows 20 m east; its neighbour gives that strip up
    geoms[22] = shapely.box(x0, y0, x1 + 20, y1)
    x0, y0, x1, y1 = geoms[23].bounds
    geoms[23] = shapely.box(x0 + 20, y0, x1, y1)
    new = new.set_geometry(list(geoms), crs=GK).drop(index=[60]).reset_index(drop=True)
    added = gpd.GeoDataFrame(
        {"id": ["lu-new"], "YDYHFLDM": ["1001"], "synthetic": True, "note": "示例数据 synthetic"},
        geometry=[shapely.box(X0 - 100, Y0, X0, Y0 + 100)],
        crs=GK,
    )
    return gpd.GeoDataFrame(pd.concat([new, added], ignore_index=True), crs=GK)


@pytest.fixture
def fast_for_small(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Let versions of any size take the fast path; record whether each call took it."""
    monkeypatch.setattr(_fast, "FAST_MIN_FEATURES", 0)
    taken: list[bool] = []
    original = diff_module.ready_fast

    def spy(*args: object, **kwargs: object) -> object:
        found = original(*args, **kwargs)  # type: ignore[arg-type]
        taken.append(found is not None)
        return found

    monkeypatch.setattr(diff_module, "ready_fast", spy)
    return taken


def _same(fast: diff_module.LayerDiff, plain: diff_module.LayerDiff) -> None:
    pd.testing.assert_frame_equal(fast.features, plain.features, check_exact=True)
    pd.testing.assert_frame_equal(
        pd.DataFrame(fast.pieces.drop(columns="geometry")),
        pd.DataFrame(plain.pieces.drop(columns="geometry")),
        check_exact=True,
    )
    assert list(fast.pieces.geometry.to_wkb()) == list(plain.pieces.geometry.to_wkb())
    assert fast.matrix is not None and plain.matrix is not None
    pd.testing.assert_frame_equal(fast.matrix, plain.matrix, check_exact=True)


def test_grid_versions_same_outcome(fast_for_small: list[bool]) -> None:
    fast = diff_layers(_old(), _new(), class_field="YDYHFLDM")
    plain = diff_layers(_old(), _new(), class_field="YDYHFLDM", fast=False)
    assert fast_for_small == [True]
    _same(fast, plain)
    status = fast.features.set_index("id")["status"]
    assert status["lu-022"] == status["lu-023"] == "geometry_changed"
    assert status["lu-060"] == "removed" and status["lu-new"] == "added"
    assert (status == "attributes_changed").sum() == 3
    # independent figures: lu-023 (1001) gave a 20 m x 100 m strip to lu-022 (0701); lu-003
    # (1001), lu-040 (0101) and lu-041 (0103) were reclassified whole to 0701
    strip_m2 = fast.features.set_index("id").loc["lu-022", "added_m2"]
    assert strip_m2 == pytest.approx(2000.0, rel=2e-3)  # GK scale near the central meridian
    old_m2 = fast.features.set_index("id")["old_m2"]
    assert fast.matrix.loc["1001", "0701"] == pytest.approx(old_m2["lu-003"] + strip_m2, rel=1e-9)
    assert fast.matrix.loc["0101", "0701"] == pytest.approx(old_m2["lu-040"], rel=1e-9)
    assert fast.matrix.loc["0103", "0701"] == pytest.approx(old_m2["lu-041"], rel=1e-9)


def test_survey_versions_same_outcome(fast_for_small: list[bool]) -> None:
    old, new = survey_parcels(), survey_parcels_revised()
    fast = diff_layers(old, new, id_field="BSM", class_field="YDYHFLDM")
    plain = diff_layers(old, new, id_field="BSM", class_field="YDYHFLDM", fast=False)
    assert fast_for_small == [True]
    _same(fast, plain)


def test_versions_in_two_crs_same_outcome_and_warnings(fast_for_small: list[bool]) -> None:
    new = _new().to_crs(4326)
    with warnings.catch_warnings(record=True) as fast_warned:
        warnings.simplefilter("always")
        fast = diff_layers(_old(), new, class_field="YDYHFLDM")
    with warnings.catch_warnings(record=True) as plain_warned:
        warnings.simplefilter("always")
        plain = diff_layers(_old(), new, class_field="YDYHFLDM", fast=False)
    assert fast_for_small == [True]
    _same(fast, plain)
    assert [str(w.message) for w in fast_warned] == [str(w.message) for w in plain_warned]


def _bad(kind: str) -> gpd.GeoDataFrame:
    new = _new()
    k = ROWS * COLS - 2  # the far corner: unchanged between the versions
    geoms = new.geometry.to_numpy().copy()
    x, y = X0 + 100 * (COLS - 1), Y0 + 100 * (ROWS - 1)
    if kind == "invalid":
        geoms[k] = shapely.Polygon([(x, y), (x + 100, y + 100), (x + 100, y), (x, y + 100)])
    elif kind == "empty":
        geoms[k] = shapely.Polygon()
    elif kind == "null":
        geoms[k] = None
    elif kind == "line":
        geoms[k] = shapely.LineString([(x, y), (x + 100, y + 100)])
    elif kind == "huge":
        geoms[k] = shapely.box(1e12, 1e12, 1e12 + 100, 1e12 + 100)
    new = new.set_geometry(list(geoms), crs=GK)
    if kind == "duplicate_id":
        new.loc[k, "id"] = new.loc[0, "id"]
    elif kind == "blank_id":
        new.loc[k, "id"] = " "
    elif kind == "mojibake":
        new.loc[k, "note"] = "ç’§å±±"
    return new


@pytest.mark.parametrize(
    "kind", ["invalid", "empty", "null", "line", "huge", "duplicate_id", "blank_id", "mojibake"]
)
def test_bad_feature_refused_in_the_same_words(kind: str, fast_for_small: list[bool]) -> None:
    new = _bad(kind)
    names = ("old.parquet", "new.parquet")
    with pytest.raises(Exception) as fast_error:
        diff_layers(_old(), new, class_field="YDYHFLDM", names=names)
    with pytest.raises(Exception) as plain_error:
        diff_layers(_old(), new, class_field="YDYHFLDM", names=names, fast=False)
    assert type(fast_error.value) is type(plain_error.value)
    assert str(fast_error.value) == str(plain_error.value)
    assert "new.parquet" in str(fast_error.value)


def test_same_versions_have_only_the_diagonal() -> None:
    old = _old()
    found = diff_layers(old, old.copy(), class_field="YDYHFLDM")
    assert set(found.features["status"]) == {"unchanged"}
    matrix = found.matrix
    assert matrix is not None
    off_diagonal = matrix.to_numpy() - np.diag(np.diag(matrix.to_numpy()))
    assert not off_diagonal.any()
