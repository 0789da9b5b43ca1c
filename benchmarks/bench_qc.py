"""Benchmark: ``spatial qc`` as a whole command on a Gauss–Krüger grid, beside plain geopandas.

For each size (100k, 1M square parcels: ``tests/conftest.py grid_parcels_gk``,
synthetic 示例数据, EPSG:4544, with ``BSM`` ids, 2023 ``YDYHFLDM`` codes and
``TBMJ`` areas of record; cached under benchmarks/out/ as GeoParquet), times as
cold processes, one after another on the same load:

* ``spatial``    ``spatial qc GRID --id-field BSM --class-field YDYHFLDM --area-field TBMJ
                 --format json --out qc.json`` (every rule of the default pack)
* ``geopandas``  a plain script doing the same checks the usual way: validity,
                 overlapping pairs (``sjoin`` with ``overlaps``), holes of the union,
                 duplicate ids, codes in the table, planar area against TBMJ

Prints wall time (best of --repeat) and peak memory (GNU time's %M).

    uv run python benchmarks/bench_qc.py --sizes 100k,1M

Measured on this shared 2-core machine (6 Dec 2026; timings vary 20-30 % with its load):
100k: spatial 7.0-8.9 s, geopandas 17.3-19.6 s; 1M: spatial 36.7-46.6 s (peak 1.4 GB),
geopandas 145-182 s. The grid is a vertex-matched coverage (the cheap path: one coverage
validation, one coverage union). A layer with T-junctions everywhere (a brick pattern, every
feature flagged by coverage_invalid_edges) takes the general path: 8.8 s at 100k and 91 s at
1M inside a process (layer already read), no finding in either.

A benchmark to run by hand, never from the test suite.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
CODES = ["0101", "0103", "0701", "070101", "1001", "1207", "0702"]

GEOPANDAS_SCRIPT = """
import sys, geopandas as gpd, numpy as np, shapely
from spatial.landuse import load_classes
gdf = gpd.read_parquet(sys.argv[1])
invalid = int((~gdf.is_valid).sum())
pairs = gpd.sjoin(gdf[["geometry"]], gdf[["geometry"]], predicate="overlaps")
overlaps = int((pairs.index < pairs["index_right"]).sum())
union = shapely.union_all(gdf.geometry.to_numpy())
holes = int(shapely.get_num_interior_rings(shapely.get_parts(union)).sum())
duplicates = int(gdf["BSM"].duplicated().sum())
unknown = int((~gdf["YDYHFLDM"].isin(list(load_classes()))).sum())
off = int((abs(gdf["TBMJ"] - gdf.area) > 0.001 * gdf.area).sum())
print(invalid, overlaps, holes, duplicates, unknown, off)
"""


def grid(n: int) -> Path:
    """Write (once) and return the GeoParquet grid of about ``n`` parcels."""
    path = OUT / f"qc_grid_{n}.parquet"
    if path.exists():
        return path
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import grid_parcels_gk  # noqa: PLC0415 - the tests' own synthetic grid

    from spatial.measure.record import area_of_record_m2  # noqa: PLC0415

    gdf = grid_parcels_gk(round(math.sqrt(n))).rename(columns={"id": "BSM"})
    gdf["YDYHFLDM"] = [CODES[i % len(CODES)] for i in range(len(gdf))]
    gdf["TBMJ"] = area_of_record_m2(gdf.geometry.to_numpy(), gdf.crs).round(2)
    OUT.mkdir(parents=True, exist_ok=True)
    gdf.to_parquet(path)
    return path


def timed(command: list[str]) -> tuple[float, str, str]:
    """Run ``command`` under GNU time; return (seconds, peak memory, its last output line)."""
    start = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *command], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    peak_kb = int(done.stderr.strip().splitlines()[-1])
    said = (done.stdout.strip().splitlines() or [""])[-1]
    if done.returncode not in (0, 1):
        raise SystemExit(f"{command[:3]} failed: {done.stderr.strip()[-400:]}")
    return seconds, f"{peak_kb / 1024:,.0f} MB", said


def main() -> None:
    """Time both ways at every size asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100k,1M", help="comma-separated: 10k, 100k, 1M")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    for size in args.sizes.split(","):
        path = grid(SIZES[size])
        out = OUT / f"qc_{size}.json"
        runs = {
            "spatial": [
                sys.executable, "-m", "spatial", "qc", str(path), "--id-field", "BSM",
                "--class-field", "YDYHFLDM", "--area-field", "TBMJ", "--format", "json",
                "--out", str(out),
            ],
            "geopandas": [sys.executable, "-c", GEOPANDAS_SCRIPT, str(path)],
        }  # fmt: skip
        for name, command in runs.items():
            best = min((timed(command) for _ in range(args.repeat)), key=lambda r: r[0])
            print(f"{size:>5} {name:<10} {best[0]:7.1f} s  peak {best[1]:>9}  {best[2][:60]}")


if __name__ == "__main__":
    main()
