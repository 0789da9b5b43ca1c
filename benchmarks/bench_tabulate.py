"""Benchmark: a district's parcels tabulated against the plan's zones.

Generates synthetic Voronoi parcels over the Bishan district (random points in
Gauss-Kruger metres, EPSG:4544, clipped to the district), caches them under
benchmarks/out/ as GeoParquet and GeoPackage, and times, each method in a fresh
subprocess (so peak memory, ru_maxrss, is its own):

* ``toolkit``      spatial.overlay.tabulate_intersection (all cores) + group-by zone
* ``toolkit-1t``   the same on one thread
* ``geopandas``    geopandas.overlay(how="intersection") in lon/lat + the same
                   ellipsoidal area on its pieces + group-by zone
* ``duckdb``       DuckDB spatial join: ST_Intersects, ST_Intersection,
                   ST_Area_Spheroid (GeographicLib on WGS84), group by zone
* reading the parcels: ``read_layer`` on GeoParquet (pyarrow) and on GeoPackage
  (pyogrio), and pyogrio with ``use_arrow=True`` on the GeoPackage

and prints time (best of --repeat runs), peak memory (VmHWM of the worker:
data loaded plus the method's own use) and the ratios, plus the
largest per-zone relative difference from geopandas.overlay, and the error of
the fast ellipsoidal area against pyproj.Geod on the parcels.

Zones: the five plan zones plus the four clusters (9 polygons, nested and
overlapping) as drawn ("plan", 49 to 204 vertices), and the same densified to
about 2,500 vertices each ("detailed", shapely.segmentize in lon/lat, which
keeps every edge where it was).

    uv run --group bench python benchmarks/bench_tabulate.py                 # 10k, 100k, 1M
    uv run --group bench python benchmarks/bench_tabulate.py --sizes 10k --repeat 1
    uv run python benchmarks/bench_tabulate.py --sizes 1M --zones plan --methods toolkit,geopandas
    uv run --group bench python benchmarks/bench_tabulate.py --results benchmarks/RESULTS.md

This is a benchmark to run by hand, not a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
import warnings
from importlib import metadata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import Geod, Transformer

from spatial.io.atomic import atomic_path, write_text_atomic
from spatial.io.layers import bundled_layer_path, read_layer
from spatial.measure.strip import strip_area_m2
from spatial.overlay.operations import tabulate_intersection

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
METHODS = ("toolkit", "toolkit-1t", "geopandas", "duckdb")
READERS = ("read_layer-parquet", "read_layer-gpkg", "pyogrio-arrow-gpkg")
DETAILED_VERTICES = 2_500
SEED = 20201215


# ---------------------------------------------------------------- data


def _district_gk():
    return read_layer(bundled_layer_path("district")).to_crs(4544).geometry.iloc[0]


def _points_in(district, n: int, rng: np.random.Generator) -> np.ndarray:

    x0, y0, x1, y1 = district.bounds
    shapely.prepare(district)
    chunks, need = [], n
    while need > 0:
        draw = int(need * (x1 - x0) * (y1 - y0) / district.area * 1.1) + 100
        xy = rng.uniform((x0, y0), (x1, y1), size=(draw, 2))
        xy = xy[shapely.contains_xy(district, xy[:, 0], xy[:, 1])][:need]
        chunks.append(xy)
        need -= len(xy)
    return np.concatenate(chunks)


def make_parcels(n: int):
    """``n`` Voronoi parcels tiling the district, EPSG:4326, ids 0..n-1."""

    district = _district_gk()
    xy = _points_in(district, n, np.random.default_rng(SEED + n))
    frame = shapely.box(*district.bounds)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=frame, ordered=True)
    )
    edge = ~shapely.contains_properly(district, cells)  # classify first here too
    cells[edge] = shapely.intersection(cells[edge], district)
    cells = cells[~shapely.is_empty(cells)]
    to_ll = Transformer.from_crs(4544, 4326, always_xy=True)
    ll = shapely.transform(cells, lambda c: np.column_stack(to_ll.transform(c[:, 0], c[:, 1])))
    return gpd.GeoDataFrame({"id": np.arange(len(ll), dtype=np.int64)}, geometry=ll, crs=4326)


def make_zones(detail: str):
    """The plan's 5 zones and 4 clusters; ``detail="detailed"``: ~2,500 vertices each."""

    zones = pd.concat(
        [read_layer(bundled_layer_path(name)) for name in ("zones", "clusters")], ignore_index=True
    )[["id", "geometry"]]
    if detail == "detailed":
        geoms = np.asarray(zones.geometry.array)
        step = shapely.length(geoms) / DETAILED_VERTICES
        zones = zones.set_geometry(
            [shapely.segmentize(g, s) for g, s in zip(geoms, step, strict=True)], crs=zones.crs
        )
    return zones


def ensure_data(label: str, detail_levels: list[str]) -> dict[str, Path]:
    """Generate (once) and cache the parcels and zones; return their paths."""

    paths = {
        "parquet": OUT / f"parcels_{label}.parquet",
        "gpkg": OUT / f"parcels_{label}.gpkg",
    }
    if not paths["parquet"].exists() or not paths["gpkg"].exists():
        t0 = time.perf_counter()
        parcels = make_parcels(SIZES[label])
        print(
            f"  generated {len(parcels):,} parcels in {time.perf_counter() - t0:.1f} s", flush=True
        )
        with atomic_path(paths["parquet"]) as tmp:
            parcels.to_parquet(tmp)
        with atomic_path(paths["gpkg"]) as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # GDAL: a .tmp name, not .gpkg
            pyogrio.write_dataframe(parcels, tmp, driver="GPKG", layer="parcels")
    for detail in detail_levels:
        paths[detail] = OUT / f"zones_{detail}.parquet"
        if not paths[detail].exists():
            with atomic_path(paths[detail]) as tmp:
                make_zones(detail).to_parquet(tmp)
    return paths


# ---------------------------------------------------------------- workers (one per subprocess)


def _peak_mb() -> float:
    """Peak resident memory of this process since it started (VmHWM), MB.

    Not ``ru_maxrss``: Linux keeps that across ``execve``, so a worker would
    inherit the parent's peak.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _best(func, repeat: int) -> tuple[float, object]:
    """Best time of ``repeat`` runs; each run's result is dropped before the next starts."""
    times, result = [], None
    for _ in range(repeat):
        result = None
        t0 = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - t0)
    return min(times), result


def _worker_tabulate(method: str, parcels_path: str, zones_path: str, repeat: int) -> dict:

    t0 = time.perf_counter()
    parcels, zones = gpd.read_parquet(parcels_path), gpd.read_parquet(zones_path)
    read_s = time.perf_counter() - t0
    rss_loaded = _peak_mb()
    if method == "duckdb":  # DuckDB is set up (tables loaded) only when it is the one timed
        run = _duckdb_runner(parcels_path, zones_path)
    else:
        run = {
            "toolkit": lambda: _toolkit(parcels, zones, None),
            "toolkit-1t": lambda: _toolkit(parcels, zones, 1),
            "geopandas": lambda: _geopandas(parcels, zones),
        }[method]
    best_s, per_zone = _best(run, repeat)
    return {
        "read_s": read_s,
        "best_s": best_s,
        "rss_loaded_mb": rss_loaded,
        "peak_mb": _peak_mb(),
        "per_zone_m2": per_zone,
    }


def _toolkit(parcels, zones, threads: int | None) -> dict[str, float]:
    table = tabulate_intersection(parcels, zones, threads=threads)
    return (table.groupby("b_id").area_km2.sum() * 1e6).to_dict()


def _geopandas(parcels, zones) -> dict[str, float]:

    pieces = gpd.overlay(
        parcels, zones.rename(columns={"id": "zone"}), how="intersection", keep_geom_type=True
    )
    pieces["area_m2"] = strip_area_m2(np.asarray(pieces.geometry.array))  # the same area rule
    return pieces.groupby("zone").area_m2.sum().to_dict()


def duckdb_connection():
    """A DuckDB connection with the spatial extension loaded from its PyPI wheel (no download)."""
    import duckdb  # noqa: PLC0415 - bench group only
    import duckdb_extension_spatial  # noqa: PLC0415

    version = metadata.version("duckdb")
    ext = Path(duckdb_extension_spatial.__path__[0]) / "extensions" / f"v{version}"
    found = sorted(ext.glob("spatial.duckdb_extension"))
    if not found:
        raise RuntimeError(
            f"duckdb {version} has no matching duckdb-extension-spatial "
            f"({metadata.version('duckdb-extension-spatial')}); pin both to the same version"
        )
    con = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    con.execute(f"LOAD '{found[0]}'")
    return con


_DUCK_QUERY = """
SELECT z.id AS zone,
       SUM(ST_Area_Spheroid(ST_FlipCoordinates(ST_Intersection(p.geometry, z.geometry)))) AS m2
FROM parcels p JOIN zones z ON ST_Intersects(p.geometry, z.geometry)
GROUP BY z.id
"""


def _duckdb_runner(parcels_path: str, zones_path: str):
    con = duckdb_connection()
    con.execute(f"CREATE TABLE parcels AS SELECT * FROM '{parcels_path}'")
    con.execute(f"CREATE TABLE zones AS SELECT * FROM '{zones_path}'")
    return lambda: dict(con.execute(_DUCK_QUERY).fetchall())


def _worker_read(method: str, parcels_parquet: str, parcels_gpkg: str, repeat: int) -> dict:

    read = {
        "read_layer-parquet": lambda: read_layer(parcels_parquet),  # geopandas + pyarrow
        "read_layer-gpkg": lambda: read_layer(parcels_gpkg),  # pyogrio (GDAL), row by row
        "pyogrio-arrow-gpkg": lambda: pyogrio.read_dataframe(parcels_gpkg, use_arrow=True),
    }[method]
    best_s, gdf = _best(read, repeat)
    return {"best_s": best_s, "peak_mb": _peak_mb(), "rows": len(gdf)}


def _worker_area(parcels_path: str, sample: int) -> dict:
    """Fast ellipsoidal area against pyproj.Geod on a sample of parcels, and per-polygon cost."""

    geoms = np.asarray(gpd.read_parquet(parcels_path).geometry.array)
    best_s, fast = _best(lambda: strip_area_m2(geoms), 3)
    fast_us = best_s / len(geoms) * 1e6
    pick = np.random.default_rng(SEED).choice(
        len(geoms), size=min(sample, len(geoms)), replace=False
    )
    geod = Geod(ellps="GRS80")
    oriented = shapely.orient_polygons(geoms[pick], exterior_cw=False)
    t0 = time.perf_counter()
    ref = np.array([abs(geod.geometry_area_perimeter(g)[0]) for g in oriented])
    geod_us = (time.perf_counter() - t0) / len(pick) * 1e6
    rel = np.abs(fast[pick] / ref - 1)
    big = ref >= 100.0
    return {
        "sample": len(pick),
        "fast_us_per_polygon": fast_us,
        "geod_us_per_polygon": geod_us,
        "max_rel_ge_100m2": float(rel[big].max()),
        "median_rel": float(np.median(rel)),
        "max_abs_m2": float(np.abs(fast[pick] - ref).max()),
        "min_area_m2": float(ref.min()),
        "median_area_m2": float(np.median(ref)),
    }


def worker_main(argv: list[str]) -> None:
    kind, *rest = argv
    if kind in METHODS:
        out = _worker_tabulate(kind, rest[0], rest[1], int(rest[2]))
    elif kind in READERS:
        out = _worker_read(kind, rest[0], rest[1], int(rest[2]))
    else:
        out = _worker_area(rest[0], int(rest[1]))
    print(json.dumps(out))


def run_worker(*args: object) -> dict:
    """Run one measurement in a fresh Python process; return its JSON."""
    done = subprocess.run(
        [sys.executable, __file__, "--worker", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- report


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    mem_kb = next(
        (
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    libs = (
        "shapely",
        "geopandas",
        "pyproj",
        "pyarrow",
        "pyogrio",
        "numpy",
        "pandas",
        "duckdb",
        "duckdb-extension-spatial",
        "dask-geopandas",
    )
    versions = {}
    for lib in libs:
        try:
            versions[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            versions[lib] = "not installed"

    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    return {
        "cpu": f"{cpu}, {os.cpu_count()} logical cores (nproc)",
        "load average (1, 5, 15 min) when the report was written": load,
        "memory": f"{mem_kb / 1024**2:.1f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "geos": ".".join(map(str, shapely.geos_version)),
        "libraries": ", ".join(f"{k} {v}" for k, v in versions.items()),
    }


def _ratio(num: dict, den: dict) -> str:
    if "best_s" not in num or "best_s" not in den:
        return "n/a"
    return f"{num['best_s'] / den['best_s']:.1f}x"


def _max_rel_diff(ours: dict, ref: dict) -> str:
    if "per_zone_m2" not in ours or "per_zone_m2" not in ref:
        return "n/a"
    a, b = ours["per_zone_m2"], ref["per_zone_m2"]
    if set(a) != set(b):
        return f"zones differ: {sorted(set(a) ^ set(b))}"
    return f"{max(abs(a[z] / b[z] - 1) for z in b):.1e}"


def table_rows(label: str, detail: str, res: dict[str, dict]) -> list[str]:
    rows = []
    for method, r in res.items():
        if "error" in r:
            rows.append(f"| {label} | {detail} | {method} | error: {r['error']} | | | | |")
            continue
        rows.append(
            f"| {label} | {detail} | {method} | {r['best_s']:.3f} | {r['peak_mb']:.0f} "
            f"| {_ratio(res.get('geopandas', {}), r)} | {_ratio(res.get('duckdb', {}), r)} "
            f"| {_max_rel_diff(r, res.get('geopandas', {}))} |"
        )
    return rows


HEADER = [
    "| parcels | zones | method | time (s, best) | peak RSS (MB) | geopandas / this | "
    "DuckDB / this | max rel. diff per zone vs geopandas.overlay |",
    "|---|---|---|---|---|---|---|---|",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k,1M", help="comma list of 10k, 100k, 1M")
    parser.add_argument("--zones", default="plan,detailed", help="comma list of plan, detailed")
    parser.add_argument(
        "--methods",
        default=",".join(METHODS),
        help=f"comma list of {', '.join(METHODS)} (ratios need geopandas, duckdb)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per method (best is kept)")
    parser.add_argument("--area-sample", type=int, default=20_000)
    parser.add_argument("--results", type=Path, help="also write a Markdown report here")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main(args.worker)
        return
    labels = [s.strip() for s in args.sizes.split(",")]
    details = [s.strip() for s in args.zones.split(",")]
    methods = [m.strip() for m in args.methods.split(",")]
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        parser.error(f"unknown method(s) {', '.join(unknown)}; choose from {', '.join(METHODS)}")
    lines = ["## Tabulation", "", *HEADER]
    read_lines = [
        "## Reading the parcels",
        "",
        "| parcels | reader | time (s, best) | peak RSS (MB) |",
        "|---|---|---|---|",
    ]
    area_lines: list[str] = []
    print("| " + " | ".join(f"{k}: {v}" for k, v in machine().items()) + " |")
    for label in labels:
        print(f"\n# {label} parcels", flush=True)
        paths = ensure_data(label, details)
        for reader in READERS:
            r = run_worker(reader, paths["parquet"], paths["gpkg"], args.repeat)
            best, peak = r.get("best_s", float("nan")), r.get("peak_mb", 0)
            line = f"| {label} | {reader} | {best:.3f} | {peak:.0f} |"
            print(line, flush=True)
            read_lines.append(line)
        for detail in details:
            res = {m: run_worker(m, paths["parquet"], paths[detail], args.repeat) for m in methods}
            rows = table_rows(label, detail, res)
            print("\n".join(HEADER + rows), flush=True)
            lines += rows
        area = run_worker("area", paths["parquet"], args.area_sample)
        keys = (
            "median_area_m2",
            "max_rel_ge_100m2",
            "median_rel",
            "max_abs_m2",
            "fast_us_per_polygon",
            "geod_us_per_polygon",
        )
        cells = [f"{area.get(k, float('nan')):.2g}" for k in keys]
        area_lines.append(f"| {label} | {area.get('sample', 0)} | " + " | ".join(cells) + " |")
        print(area_lines[-1], flush=True)
    area_block = [
        "## Fast ellipsoidal area vs pyproj.Geod (GRS80), per parcel",
        "",
        "| parcels | sample | median area (m²) | max rel. error (parcels >= 100 m²) | "
        "median rel. error | max abs. error (m²) | fast (µs/polygon) | Geod (µs/polygon) |",
        "|---|---|---|---|---|---|---|---|",
        *area_lines,
    ]
    report = "\n".join(
        [
            "# Benchmark results",
            "",
            "Machine:",
            "",
            *[f"- {k}: {v}" for k, v in machine().items()],
            "",
            *lines,
            "",
            *read_lines,
            "",
            *area_block,
            "",
        ]
    )
    print("\n" + report)
    if args.results:
        write_text_atomic(args.results, report)


if __name__ == "__main__":
    main()
