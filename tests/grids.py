"""A grid of 100 m square 用地 parcels in CGCS2000 Gauss–Krüger (EPSG:4544), for fast-path tests.

Synthetic (示例数据): ``cols × rows`` cells from ``origin`` (metres east, north), row by
row, ids ``lu-0…`` and 2023 guide codes taken in turn from ``codes`` in ``YDYHFLDM``.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import shapely

__all__ = ["grid_parcels"]

GK = "EPSG:4544"
CELL_M = 100.0


def grid_parcels(
    cols: int,
    rows: int,
    codes: Sequence[str],
    origin: tuple[float, float],
    *,
    id_digits: int,
    synthetic: bool = False,
) -> gpd.GeoDataFrame:
    """Return the grid in EPSG:4544; ``synthetic`` adds the ``synthetic: true`` column too."""
    x0, y0 = origin
    cells = [
        shapely.box(x0 + CELL_M * i, y0 + CELL_M * j, x0 + CELL_M * (i + 1), y0 + CELL_M * (j + 1))
        for j in range(rows)
        for i in range(cols)
    ]
    columns: dict[str, object] = {
        "id": [f"lu-{k:0{id_digits}d}" for k in range(len(cells))],
        "YDYHFLDM": [codes[k % len(codes)] for k in range(len(cells))],
    }
    if synthetic:
        columns["synthetic"] = True
    columns["note"] = "示例数据 synthetic"
    return gpd.GeoDataFrame(columns, geometry=cells, crs=GK)
