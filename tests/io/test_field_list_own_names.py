"""A wrong name field is refused with the file's own field names, not the toolkit's renamed ones."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from spatial.errors import LayerError
from spatial.io.fields import map_fields


def test_the_field_list_names_the_planners_id_field() -> None:
    zones = gpd.GeoDataFrame(
        {"DYBH": ["A"], "DYMC": ["示例单元A"], "note": ["示例数据"]},
        geometry=[shapely.box(615000, 3276000, 616000, 3277000)],
        crs="EPSG:4544",
    )
    with pytest.raises(LayerError) as caught:
        map_fields(zones, "zones.shp", id_field="DYBH", name_field="NAME")
    message = str(caught.value)
    assert "no field 'NAME' for --name-field" in message
    assert message.endswith("its fields are DYBH, DYMC, note"), message
