"""prepare_inputs names a refused feature by its layer's id field: full, vectorised, cheap paths.

A synthetic (示例数据) grid of 3,000 squares in EPSG:4544 near Bishan, ids in ``BSM``
(no ``id`` column), one feature broken first, at the 2,000-feature threshold, or last.
The layer is either identified (``id_field="BSM"``) or not (``id_field=""``: named by its
standard id field, :func:`spatial.io.fields.standard_id_field`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from spatial.errors import LayerError
from spatial.validate.inputs import FULL_CHECK_MAX_FEATURES, LayerInput, prepare_inputs

N = 3_000
X0, Y0 = 615_000.0, 3_276_000.0


def _grid() -> gpd.GeoDataFrame:
    i = np.arange(N)
    boxes = shapely.box(X0 + (i % 60) * 10.0, Y0 + (i // 60) * 10.0, X0 + (i % 60 + 1) * 10.0,
                        Y0 + (i // 60 + 1) * 10.0)  # fmt: skip
    return gpd.GeoDataFrame(
        {"BSM": [f"P{k:05d}" for k in i], "note": ["示例数据 synthetic"] * N},
        geometry=boxes,
        crs="EPSG:4544",
    )


@pytest.mark.parametrize("position", [0, FULL_CHECK_MAX_FEATURES - 1, N - 1])
@pytest.mark.parametrize("policy", ["full", "cheap", "auto"])
@pytest.mark.parametrize("id_field", ["BSM", ""])
def test_empty_feature_named_by_bsm(position: int, policy: str, id_field: str) -> None:
    layer = _grid()
    layer.loc[position, "geometry"] = shapely.Polygon()
    with pytest.raises(LayerError) as caught:
        prepare_inputs([LayerInput(layer, "lu.gpkg", id_field, "polygon")], policy=policy)  # type: ignore[arg-type]
    assert str(caught.value) == f"lu.gpkg: feature P{position:05d}: geometry is empty"


@pytest.mark.parametrize("id_field", ["BSM", ""])
def test_invalid_feature_named_by_bsm_small_layer(id_field: str) -> None:
    layer = _grid().iloc[:100].copy()
    x1, y1, x2, y2 = layer.geometry[42].bounds
    layer.loc[42, "geometry"] = shapely.Polygon([(x1, y1), (x2, y2), (x2, y1), (x1, y2)])
    with pytest.raises(LayerError) as caught:
        prepare_inputs([LayerInput(layer, "lu.gpkg", id_field, "polygon")], policy="full")
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    expected = f"lu.gpkg: feature P00042: invalid geometry: Self-intersection[{cx:.0f} {cy:.0f}]"
    assert str(caught.value) == expected


def test_without_a_unique_standard_field_the_position_is_said() -> None:
    layer = _grid().iloc[:100].copy()
    layer.loc[1, "BSM"] = layer.loc[0, "BSM"]  # BSM repeated: not the layer's id field
    layer.loc[7, "geometry"] = None
    with pytest.raises(LayerError) as caught:
        prepare_inputs([LayerInput(layer, "lu.gpkg", "", "polygon")], policy="full")
    assert str(caught.value) == "lu.gpkg: feature #7: geometry is null"


def test_a_layer_with_id_keeps_naming_by_id() -> None:
    layer = _grid().iloc[:100].copy()
    layer["id"] = [f"Z{k}" for k in range(100)]
    layer.loc[9, "geometry"] = None
    with pytest.raises(LayerError) as caught:
        prepare_inputs([LayerInput(layer, "lu.gpkg", "", "polygon")], policy="full")
    assert str(caught.value) == "lu.gpkg: feature Z9: geometry is null"
