"""Benchmark: ``spatial check`` on 10,000 zones, ``overlay --op matrix`` on 50,000 (synthetic).

The zones are squares on a grid centred on Bishan, each overlapping its east
neighbour by a sliver (so the no-overlap rule has pairs to measure and the
matrix has rows), in WGS84, marked synthetic (示例数据). Each command runs
in-process (``spatial.cli.main``), as a user would call it; the script prints
its wall time and the process's peak resident memory (``ru_maxrss``) after it.

    uv run python benchmarks/check_many_zones.py               # both
    uv run python benchmarks/check_many_zones.py --check 10000 --matrix 0
"""

from __future__ import annotations

import argparse
import contextlib
import io
import resource
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from spatial.cli import main

ZONE_DEG = 0.0009  # ~100 m
OVERLAP_DEG = 0.0001  # each zone reaches ~10 m into its east neighbour


def synthetic_zones(count: int) -> gpd.GeoDataFrame:
    """``count`` square zones on a grid around Bishan, each overlapping its east neighbour."""
    side = int(np.ceil(np.sqrt(count)))
    ix, iy = np.divmod(np.arange(count), side)
    x0 = 106.20 - side * ZONE_DEG / 2 + ix * ZONE_DEG
    y0 = 29.58 - side * ZONE_DEG / 2 + iy * ZONE_DEG
    geoms = shapely.box(x0, y0, x0 + ZONE_DEG + OVERLAP_DEG, y0 + ZONE_DEG)
    n = np.arange(count)
    return gpd.GeoDataFrame(
        {
            "id": [f"zone-{i:06d}" for i in n],
            "name_zh": [f"示例地块{i}" for i in n],
            "name_en": [f"synthetic zone {i}" for i in n],
            "kind": "zone",
            "source": "synthetic (示例数据), benchmarks/check_many_zones.py",
            "accuracy": "indicative",
        },
        geometry=geoms,
        crs="EPSG:4326",
    )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(label: str, argv: list[str]) -> None:
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        status = main(argv)
    seconds = time.perf_counter() - start
    print(f"{label}: {seconds:.2f} s, exit {status}, peak RSS so far {_peak_mb():.0f} MB")


def main_cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", type=int, default=10_000, help="zones for check (0: skip)")
    parser.add_argument("--matrix", type=int, default=50_000, help="zones for matrix (0: skip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.check:
            path = folder / "zones.gpkg"
            synthetic_zones(args.check).to_file(path)
            _run(
                f"check, {args.check:,} zones",
                ["check", "--zones", str(path), "--out", str(folder / "check.csv")],
            )
        if args.matrix:
            path = folder / "matrix.gpkg"
            synthetic_zones(args.matrix).to_file(path)
            out = folder / "matrix.csv"
            _run(
                f"overlay --op matrix, {args.matrix:,} zones",
                ["overlay", str(path), "--op", "matrix", "--out", str(out)],
            )
            if out.exists():
                print(f"  matrix CSV: {out.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main_cli()
