"""``spatial validate`` of a GeoParquet loads neither pandas, geopandas nor pyogrio.

pyarrow loads pandas at its first conversion of a Python value (``pa.array``,
``pa.scalar``, ``to_numpy`` of a boolean or binary array): the batched path reads
such arrays from their buffers instead. Checked in a fresh interpreter on a
synthetic layer (示例数据) with a null geometry, a bow-tie and a repeated id,
whose lines are the full validator's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pytest
import shapely
from survey import X0, Y0

from spatial.validate.batched import _mask
from spatial.validate.problems import validate_file

SCRIPT = """
import json, sys
from spatial.validate.batched import validate_file_batched
found = validate_file_batched(sys.argv[1], required=("id",), batch_rows=4, threads=2)
loaded = [name for name in ("pandas", "geopandas", "pyogrio") if name in sys.modules]
print(json.dumps({"lines": [str(p) for p in found], "loaded": loaded}))
"""


def test_geoparquet_validated_without_pandas(tmp_path: Path) -> None:
    geoms: list[shapely.Geometry | None] = [
        shapely.box(X0 + 150 * k, Y0, X0 + 150 * k + 100, Y0 + 100) for k in range(12)
    ]
    geoms[3] = None
    geoms[8] = shapely.Polygon([(X0, Y0), (X0 + 50, Y0 + 50), (X0 + 50, Y0), (X0, Y0 + 50)])
    ids = [f"p{k}" for k in range(12)]
    ids[10] = "p1"
    layer = gpd.GeoDataFrame({"id": ids, "note": "示例数据"}, geometry=geoms, crs="EPSG:4544")
    path = tmp_path / "light.parquet"
    layer.to_parquet(path)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(path)], capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout)
    assert result["loaded"] == []
    assert result["lines"] == [str(p) for p in validate_file(path, required=("id",))]
    assert len(result["lines"]) == 3


@pytest.mark.parametrize(("start", "length"), [(0, 10), (3, 7), (9, 1), (5, 0)])
def test_mask_reads_bits_with_offsets_and_nulls(start: int, length: int) -> None:
    values = [True, None, False, True, True, None, False, True, None, True]
    array = pa.array(values, pa.bool_()).slice(start, length)
    expected = np.array([bool(v) for v in values[start : start + length]], dtype=bool)
    np.testing.assert_array_equal(_mask(array), expected)
