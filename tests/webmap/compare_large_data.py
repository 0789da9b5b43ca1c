"""Two synthetic (示例数据) versions of a survey layer for the large compare map's tests.

A grid of square parcels in EPSG:4544 (ids ``BSM``, class ``YDYHFLDM``, marked
``synthetic``), and a revised version with a known set of changes: some features
reclassified, some reshaped, some removed, some added beyond the grid, some with
another field changed. Built in a second or two for 60,000 parcels.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

CODES = ("0101", "0103", "0301", "0701", "1001")
#: Positions (in the grid) of the features each kind of change touches in the new version.
RECLASSIFIED = (3, 1_000, 20_000, 30_001, 45_678, 59_000, 59_990)
RESHAPED = (10, 5_000, 25_000, 40_000, 50_500)
REMOVED = (77, 15_000, 35_000, 55_555)
RENAMED = (123, 33_333)  # another field (QSDWMC) changed, not the class
ADDED = 3
#: Each kind's count as the compare map draws it.
EXPECTED = {
    "added": ADDED,
    "removed": len(REMOVED),
    "geometry_changed": len(RESHAPED),
    "class_changed": len(RECLASSIFIED),
    "attributes_changed": len(RENAMED),
}


def grid_versions(n_side: int, cell_m: float = 20.0) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return (old, new): ``n_side`` x ``n_side`` squares of ``cell_m`` metres, and the revision."""
    x0, y0 = 616_000.0, 3_276_000.0  # about 106.2°E, 29.6°N in EPSG:4544 (CGCS2000, CM 105°E)
    ix, iy = np.divmod(np.arange(n_side * n_side), n_side)
    cells = shapely.box(
        x0 + ix * cell_m, y0 + iy * cell_m, x0 + (ix + 1) * cell_m, y0 + (iy + 1) * cell_m
    )
    old = gpd.GeoDataFrame(
        {
            "BSM": [f"5001200000{i:07d}" for i in range(len(cells))],
            "YDYHFLDM": [CODES[i % len(CODES)] for i in range(len(cells))],
            "QSDWMC": "璧山区示例村",
            "synthetic": True,
            "note": "示例数据 synthetic",
        },
        geometry=cells,
        crs=4544,
    )
    new = old.copy()
    at = list(RECLASSIFIED)
    new.loc[at, "YDYHFLDM"] = ["0702" if c != "0702" else "0101" for c in new.loc[at, "YDYHFLDM"]]
    new.loc[list(RESHAPED), "geometry"] = new.geometry[list(RESHAPED)].scale(0.6, 0.6)
    new.loc[list(RENAMED), "QSDWMC"] = "璧山区另一示例村"
    new = new.drop(index=list(REMOVED))
    edge = x0 + n_side * cell_m + 100.0
    added = gpd.GeoDataFrame(
        {
            "BSM": [f"5001209999{i:07d}" for i in range(ADDED)],
            "YDYHFLDM": "1001",
            "QSDWMC": "璧山区示例村",
            "synthetic": True,
            "note": "示例数据 synthetic",
        },
        geometry=[
            shapely.box(edge, y0 + i * 50, edge + 30, y0 + i * 50 + 30) for i in range(ADDED)
        ],
        crs=4544,
    )
    return old, gpd.pd.concat([new, added], ignore_index=True)
