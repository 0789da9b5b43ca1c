"""Benchmark: ``spatial diff OLD NEW --class-field YDYHFLDM --map`` of two large versions.

Two synthetic (示例数据) versions of ``count`` parcels (``map_large.synthetic_parcels``,
~60 m squares around Bishan, EPSG:4544 GeoParquet, ids ``BSM``, a 用地用海 code in
``YDYHFLDM``, marked ``synthetic``) and a revision with 449 changes, as in a planner's
trial: 200 reclassified, 100 reshaped (scaled to 80 %), 80 removed, 60 added (small
squares), 9 with another field changed. Cached under /work/benchdata (written under a
temporary name and moved into place). Prints the command to time and, given a written
page or folder, the seconds headless Chromium takes to open it (``map_tiles.open_seconds``:
``data-map-ready``, and the tiles in view drawn).

    uv run python benchmarks/diff_map.py data 200000
    uv run python benchmarks/diff_map.py open cmp.html   # or a folder: opened through spatial serve
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from map_large import synthetic_parcels
from map_tiles import CODES, open_seconds, open_served

CACHE = Path("/work/benchdata")
SEED = 20261207
CHANGES = {"reclassified": 200, "reshaped": 100, "removed": 80, "added": 60, "renamed": 9}


def versions(count: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return (old, new): ``count`` parcels and their revision with the 449 changes."""
    old = synthetic_parcels(count).to_crs(4544)
    rng = np.random.default_rng(SEED)
    old = gpd.GeoDataFrame(
        {
            "BSM": [f"50012{i:09d}" for i in range(count)],
            "YDYHFLDM": CODES[rng.integers(0, len(CODES), count)],
            "QSDWMC": "璧山区示例村",
            "synthetic": True,
            "note": "示例数据 synthetic",
        },
        geometry=old.geometry.to_numpy(),
        crs=4544,
    )
    picked = rng.choice(count, sum(CHANGES.values()) - CHANGES["added"], replace=False)
    cuts = np.cumsum([CHANGES[k] for k in ("reclassified", "reshaped", "removed")])
    reclassified, reshaped, removed, renamed = np.split(picked, cuts)
    new = old.copy()
    new.loc[reclassified, "YDYHFLDM"] = "1001"
    new.loc[new.index[reclassified][old["YDYHFLDM"].iloc[reclassified] == "1001"], "YDYHFLDM"] = (
        "0801"
    )
    new.loc[reshaped, "geometry"] = new.geometry[reshaped].scale(0.8, 0.8)
    new.loc[renamed, "QSDWMC"] = "璧山区另一示例村"
    new = new.drop(index=removed)
    hosts = rng.choice(np.setdiff1d(np.arange(count), picked), CHANGES["added"], replace=False)
    added = old.iloc[hosts].copy()
    added["BSM"] = [f"50019{i:09d}" for i in range(len(added))]
    added["geometry"] = added.geometry.scale(0.3, 0.3).translate(35.0, 35.0)  # in the gaps
    return old, gpd.GeoDataFrame(pd.concat([new, added], ignore_index=True), crs=4544)


def ensure(count: int) -> tuple[Path, Path]:
    """Write (once) the two versions under /work/benchdata; return their paths."""
    paths = (
        CACHE / f"diffmap_old_{count}_4544.parquet",
        CACHE / f"diffmap_new_{count}_4544.parquet",
    )
    if all(p.exists() for p in paths):
        return paths
    for path, layer in zip(paths, versions(count), strict=True):
        partial = path.with_name(f".{path.name}.partial")
        layer.to_parquet(partial)
        partial.replace(path)
    return paths


if __name__ == "__main__":
    what, arg = sys.argv[1], sys.argv[2]
    if what == "data":
        old_path, new_path = ensure(int(arg))
        print(
            f"spatial diff {old_path} {new_path} --id-field BSM --class-field YDYHFLDM --no-checks"
        )
    else:
        page = Path(arg)
        if page.is_dir():
            seconds = open_served(page)
        else:  # today's page of a small diff (or the one before tiles) has no tiles to wait for
            tiled = "SpatialTiles.layer(" in page.read_text(encoding="utf-8")
            seconds = open_seconds(page.resolve().as_uri(), tiled=tiled)
        print(f"{page}: opened in {seconds:.1f} s")
