"""Every kind of bad feature, placed where a fast path would skip it: shared by the fast-path tests.

A fast path (the batched validator, the overlay scan, balance's WKB scan, diff's
twins, constraint occupancy, qc's matched edges) skips work on some features: far
from every zone, settled from the WKB without GEOS, unchanged, in another batch.
Each test puts one bad feature there and asks the fast path and the plain path
for their outcome: the rows, or the refusal's type and one-line message. Layers
are synthetic (示例数据), EPSG:4544 metres near 璧山.
"""

from __future__ import annotations

import struct
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

__all__ = [
    "GEOMETRY_KINDS",
    "ID_KINDS",
    "KINDS",
    "assert_same_outcome",
    "bad_geometry",
    "outcome",
    "spoil",
    "unclosed_ring_wkb",
    "write_layer",
]

#: Bad geometries: invalid (a bow-tie, a ring touching itself), empty, null, of the
#: wrong type in a polygon layer (a line, a point), a NaN or infinite coordinate,
#: and a ring not closed (GeoParquet's WKB holds one; GDAL's formats close it).
GEOMETRY_KINDS = ["bowtie", "self-touching", "empty", "null", "line", "point", "nan", "inf"]
#: Bad ids: one repeated (of the layer's first feature), one missing.
ID_KINDS = ["duplicate id", "null id"]
KINDS = [*GEOMETRY_KINDS, "unclosed", *ID_KINDS]


def bad_geometry(kind: str, x: float, y: float) -> shapely.Geometry | None:
    """Return a bad geometry of ``kind`` of about 10 m with its lower left corner at (x, y), m."""
    with np.errstate(invalid="ignore"):
        return {
            "bowtie": shapely.Polygon([(x, y), (x + 10, y + 10), (x + 10, y), (x, y + 10)]),
            "self-touching": shapely.Polygon(  # the ring meets itself at (x + 5, y + 5)
                [(x, y), (x + 10, y), (x + 5, y + 5), (x + 10, y + 10), (x, y + 10), (x + 5, y + 5)]
            ),
            "empty": shapely.Polygon(),
            "null": None,
            "line": shapely.LineString([(x, y), (x + 10, y + 10)]),
            "point": shapely.Point(x, y),
            "nan": shapely.Polygon([(x, y), (x + 10, y), (x + 10, np.nan), (x, y)]),
            "inf": shapely.Polygon([(x, y), (x + 10, y), (x + 10, np.inf), (x, y)]),
        }[kind]


def unclosed_ring_wkb(x: float, y: float) -> bytes:
    """Return the WKB of a polygon whose one ring of 4 points is not closed (little-endian)."""
    ring = np.array([x, y, x + 10, y, x + 10, y + 10, x, y + 11], dtype="<f8")
    return struct.pack("<BII", 1, 3, 1) + struct.pack("<I", 4) + ring.tobytes()


def spoil(layer: gpd.GeoDataFrame, k: int, kind: str, at: tuple[float, float]) -> gpd.GeoDataFrame:
    """Return ``layer`` with feature ``k`` made bad: its geometry put at ``at`` (m), or its id.

    ``unclosed`` puts a valid square at ``at`` here; :func:`write_layer` then
    writes the open ring in its place (``attrs["unclosed"]``).
    """
    layer = layer.copy()
    if kind == "duplicate id":
        layer.loc[layer.index[k], "id"] = layer["id"].iloc[0 if k else 1]
        return layer
    if kind == "null id":
        layer["id"] = layer["id"].astype(object)
        layer.loc[layer.index[k], "id"] = None
        return layer
    geoms = np.asarray(layer.geometry.array, dtype=object).copy()
    if kind == "unclosed":
        geoms[k] = shapely.box(at[0], at[1], at[0] + 10, at[1] + 10)
        layer.attrs["unclosed"] = [k, unclosed_ring_wkb(*at).hex()]  # JSON: in the metadata
    else:
        geoms[k] = bad_geometry(kind, *at)
    return layer.set_geometry(gpd.GeoSeries(geoms, index=layer.index, crs=layer.crs))


def write_layer(layer: gpd.GeoDataFrame, path: Path, row_group_size: int = 97) -> Path:
    """Write ``layer`` as GeoParquet (small row groups) or through pyogrio; return ``path``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if path.suffix == ".parquet":
            layer.to_parquet(path, row_group_size=row_group_size)
        else:
            layer.to_file(path, engine="pyogrio")
    if "unclosed" in layer.attrs:
        k, value = layer.attrs["unclosed"]
        table = pq.read_table(path)
        column = table.column("geometry").to_pylist()
        column[k] = bytes.fromhex(value)
        at = table.schema.get_field_index("geometry")
        table = table.set_column(at, "geometry", pa.array(column, type=pa.binary()))
        pq.write_table(table, path, row_group_size=row_group_size)
    return path


def outcome(run: Callable[[], Any]) -> tuple[str, Any]:
    """What a call gives: ``("rows", result)`` or ``(exception type, message)``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "rows", run()
    except Exception as exc:  # compared as they are
        return type(exc).__name__, str(exc)


def assert_same_outcome(got: tuple[str, Any], expected: tuple[str, Any]) -> None:
    """The same refusal (type, one line, word for word) or the same rows, bit for bit."""
    assert got[0] == expected[0], (got, expected)
    if expected[0] != "rows":
        assert got[1] == expected[1]
        assert "\n" not in got[1]
        return
    if isinstance(expected[1], gpd.GeoDataFrame):
        assert got[1].crs == expected[1].crs
        wkb_got = shapely.to_wkb(np.asarray(got[1].geometry.array))
        wkb_expected = shapely.to_wkb(np.asarray(expected[1].geometry.array))
        assert (wkb_got == wkb_expected).all()
        got, expected = (
            ("rows", got[1].drop(columns="geometry")),
            (
                "rows",
                expected[1].drop(columns="geometry"),
            ),
        )
    if isinstance(expected[1], pd.DataFrame):
        pd.testing.assert_frame_equal(got[1], expected[1], check_exact=True)
    else:
        assert got[1] == expected[1]
