"""read_arrow_frame and read_arrow_parts share one reader: the same files, the same answers.

Every file here is read both ways; where one answers None (read the usual way)
the other does, and where they read it, the parts decoded give the frame column
for column and the survey's own ids, classes and areas (示例数据: tests/survey.py).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from survey import survey_parcels

from spatial.io.arrow_frame import read_arrow_frame, read_arrow_parts

ROWS = len(survey_parcels())


def _write(folder: Path, name: str) -> str:
    """Write the survey's parcels as ``name`` (a few made unusual on purpose); return its path."""
    parcels = survey_parcels()
    path = folder / name
    if name == "lonlat.parquet":
        parcels.to_crs("EPSG:4326").to_parquet(path)
    elif name.endswith((".parquet", ".geoparquet")):
        parcels.to_parquet(path)
    elif name == "broken.parquet.gpkg":
        path.write_bytes(b"PAR1 not a file")
    elif name == "nocpg.shp":
        parcels.to_file(path)
        path.with_suffix(".cpg").unlink()
    else:
        parcels.to_file(path)
    return str(path)


#: (file, answered): whether the Arrow readers read it (False: the usual reader does).
CASES = [
    ("p.parquet", True),
    ("p.geoparquet", True),
    ("p.gpkg", True),
    ("p.shp", True),
    ("p.fgb", True),
    ("nocpg.shp", False),  # the encoding unsaid
    ("lonlat.parquet", False),  # lon/lat: read_layer may name it CRS84
    ("p.geojson", False),  # not an Arrow suffix
    ("broken.parquet.gpkg", False),  # a broken file raises inside: None
]


@pytest.mark.parametrize(("name", "answered"), CASES)
def test_both_readers_answer_alike(tmp_path, name, answered):
    path = _write(tmp_path, name)
    frame = read_arrow_frame(path, named=("BSM",))
    parts = read_arrow_parts(path, named=("BSM",))
    assert (frame is not None) == (parts is not None) == answered
    if frame is None or parts is None:
        return
    decoded = parts.frame(shapely.from_wkb(np.asarray(parts.wkb.to_numpy(zero_copy_only=False))))
    assert_geodataframe_equal(decoded, frame)
    survey = survey_parcels().set_index("BSM")
    assert sorted(frame["BSM"].astype(str)) == sorted(survey.index)
    assert frame.crs.equals(survey.crs)
    expected = survey.loc[list(frame["BSM"].astype(str))]  # the file's order (FlatGeobuf's own)
    areas = shapely.area(frame.geometry.to_numpy())
    np.testing.assert_allclose(areas, shapely.area(expected.geometry.to_numpy()), rtol=0, atol=1e-6)
    assert list(frame["YDYHFLDM"].astype(str)) == list(expected["YDYHFLDM"])


@pytest.mark.parametrize("name", ["p.parquet", "p.gpkg"])
def test_min_rows_and_paths_they_do_not_read(tmp_path, name):
    path = _write(tmp_path, name)
    for reader in (read_arrow_frame, read_arrow_parts):
        assert reader(path, min_rows=ROWS) is None  # this many or fewer: the usual way
        assert reader(path, min_rows=ROWS - 1) is not None
        assert reader(f"{path}::layer") is None  # a layer named: the usual reader
        assert reader(tmp_path / "gone.parquet") is None


def test_a_name_clash_is_left_to_the_frame(tmp_path):
    parcels = survey_parcels().rename_geometry("geom")
    parcels["geometry"] = "示例数据"  # a text column named as the frame's geometry
    path = tmp_path / "clash.parquet"
    gpd.GeoDataFrame(parcels).to_parquet(path)
    assert read_arrow_parts(path) is None  # the parts cannot hold it: read_arrow_frame decides
