"""Benchmark: the planner's whole command, as a cold process, against the plain alternatives.

For each size (10k, 100k, 1M Voronoi parcels over the district, synthetic, cached
under benchmarks/out/ as GeoParquet in EPSG:4326 and in EPSG:4544) and each CRS,
times as whole processes, one after another in the same run (so on the same load):

* ``spatial``    ``spatial overlay PARCELS geodata/zones.geojson --format csv --out t.csv``
* ``geopandas``  a plain script: read, ``gpd.overlay`` in the parcels' CRS, geodesic
                 areas (pyproj.Geod on the pieces in EPSG:4326), group by pair, CSV
* ``duckdb``     DuckDB spatial from the same file: ST_Intersects join, ST_Intersection,
                 ST_Area_Spheroid (lon/lat), GROUP BY, COPY TO CSV

and, beside them, the engine alone inside a warm process (``engine``: the
tabulation on layers already read). Prints wall time (best and median of
--repeat: this shared machine's timings vary by 20-30 % from run to run), peak
memory of the process (GNU time's %M) and the ratios geopandas/spatial and
duckdb/spatial on both. Bytecode is compiled once first (see
:func:`compile_bytecode`).

    uv run --group bench python benchmarks/bench_command.py --sizes 10k,100k,1M
    uv run --group bench python benchmarks/bench_command.py --sizes 10k --repeat 1

With ``--commands`` it times the commands of issue 24 instead, each one entry of
:data:`command_cases.CASES` (argv, geopandas script, DuckDB script, how to compare)
on a synthetic 三调-like survey in EPSG:4544 (示例数据), in GeoParquet and
GeoPackage (and GeoJSON where a case lists it), and prints whether the methods'
numbers agree and the machine's load at the start and end of each row:

    uv run --group bench python benchmarks/bench_command.py --commands validate --sizes 100k
    uv run --group bench python benchmarks/bench_command.py --commands all --sizes 100k,1M

A benchmark to run by hand, never from the test suite.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
ZONES = ROOT / "geodata" / "zones.geojson"
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}
CRSS = ("4326", "4544")

GEOPANDAS_SCRIPT = """
import sys, geopandas as gpd, numpy as np
from pyproj import Geod
parcels = gpd.read_parquet(sys.argv[1])
zones = gpd.read_file(sys.argv[2]).to_crs(parcels.crs)[["id", "geometry"]]
pieces = gpd.overlay(parcels.rename(columns={"id": "a_id"}), zones.rename(columns={"id": "b_id"}),
                     how="intersection", keep_geom_type=True)
geod = Geod(ellps="GRS80")
lonlat = pieces.geometry.to_crs(4326)
pieces["area_m2"] = [abs(geod.geometry_area_perimeter(g)[0]) for g in lonlat]
table = pieces.groupby(["a_id", "b_id"], as_index=False)["area_m2"].sum()
table.to_csv(sys.argv[3], index=False)
"""

DUCKDB_SCRIPT = r"""
import sys
sys.path.insert(0, sys.argv[5])
from bench_tabulate import duckdb_connection
con = duckdb_connection()
parcels, zones, out, crs = sys.argv[1:5]
lonlat = "g" if crs == "4326" else f"ST_Transform(g, 'EPSG:{crs}', 'EPSG:4326', always_xy := true)"
con.execute(
    "COPY (WITH pieces AS ("
    f"SELECT p.id AS a_id, z.id AS b_id, ST_Intersection(p.geometry, z.geometry) AS g "
    f"FROM '{parcels}' p JOIN '{zones}' z ON ST_Intersects(p.geometry, z.geometry)) "
    f"SELECT a_id, b_id, SUM(ST_Area_Spheroid(ST_FlipCoordinates({lonlat}))) AS area_m2 "
    f"FROM pieces GROUP BY a_id, b_id) TO '{out}' (HEADER, DELIMITER ',')"
)
"""

ENGINE_SCRIPT = """
import sys, time, warnings
from spatial.io.layers import read_layer
from spatial.overlay.operations import tabulate_intersection
a, b = read_layer(sys.argv[1]), read_layer(sys.argv[2])
warnings.simplefilter("ignore")
best = float("inf")
for _ in range(int(sys.argv[3])):
    t0 = time.perf_counter()
    tabulate_intersection(a, b)
    best = min(best, time.perf_counter() - t0)
print(best)
"""


def ensure_parcels(label: str) -> dict[str, Path]:
    """Generate (once) and cache the parcels in EPSG:4326 and EPSG:4544 GeoParquet."""
    paths = {crs: OUT / f"cmd_parcels_{label}_{crs}.parquet" for crs in CRSS}
    if all(p.exists() for p in paths.values()):
        return paths
    if label == "10M":
        return _replicated(ensure_parcels("1M"), paths, 10)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_tabulate import make_parcels  # noqa: PLC0415 - same synthetic parcels

    from spatial.io.atomic import atomic_path  # noqa: PLC0415

    t0 = time.perf_counter()
    parcels = make_parcels(SIZES[label])
    parcels["id"] = "p" + parcels["id"].astype(str)
    parcels["note"] = "示例数据 synthetic"
    print(f"  generated {len(parcels):,} parcels in {time.perf_counter() - t0:.1f} s", flush=True)
    for crs, path in paths.items():
        OUT.mkdir(parents=True, exist_ok=True)
        layer = parcels if crs == "4326" else parcels.to_crs(int(crs))
        with atomic_path(path) as tmp:
            layer.to_parquet(tmp, row_group_size=100_000)
    return paths


def _replicated(source: dict[str, Path], paths: dict[str, Path], times: int) -> dict[str, Path]:
    """``times`` copies of the 1M parcels (new ids), written row group by row group: 10M
    parcels without ever holding them in memory (larger than this machine's budget)."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    for crs, path in paths.items():
        reader = pq.ParquetFile(source[crs])
        tmp = path.with_suffix(".tmp")
        with pq.ParquetWriter(tmp, reader.schema_arrow) as writer:
            for copy in range(times):
                for batch in reader.iter_batches(batch_size=100_000):
                    text = pa.large_string()
                    ids = pc.binary_join_element_wise(
                        pa.scalar(f"c{copy}", text),
                        pc.cast(batch.column("id"), text),
                        pa.scalar("-", text),
                    )
                    renamed = batch.set_column(batch.schema.get_field_index("id"), "id", ids)
                    writer.write_table(pa.Table.from_batches([renamed]))
        tmp.replace(path)
    return paths


def zones_parquet(crs: str) -> Path:
    """The bundled zones as GeoParquet in the parcels' CRS, for DuckDB (read once, cached)."""
    path = OUT / f"cmd_zones_{crs}.parquet"
    if not path.exists():
        import geopandas as gpd  # noqa: PLC0415

        gpd.read_file(ZONES)[["id", "geometry"]].to_crs(int(crs)).to_parquet(path)
    return path


def run_process(argv: list[str]) -> tuple[float, float]:
    """Wall time (s) and peak RSS (MB, GNU time's %M: this process alone) of one cold process."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[:3]} failed: {proc.stderr[-500:]}")
    return wall, int(proc.stderr.strip().splitlines()[-1]) / 1024


def best_of(argv: list[str], repeat: int) -> tuple[float, float, float]:
    """Best and median wall time (s) of ``repeat`` cold processes, and their peak RSS (MB)."""
    runs = [run_process(argv) for _ in range(repeat)]
    walls = sorted(r[0] for r in runs)
    return walls[0], walls[len(walls) // 2], max(r[1] for r in runs)


def compile_bytecode() -> str:
    """Compile the environment's libraries and the project to bytecode, once, before timing.

    A Python process caches the bytecode of what it imports (``__pycache__``), so
    from the second run on nobody compiles pandas again; this machine sets
    PYTHONDONTWRITEBYTECODE, which would have every timed process (of every
    method alike) compile its imports afresh. Compiling once first times the
    commands as they run on a usual machine. Returns a line for the report.
    """
    import sysconfig  # noqa: PLC0415

    targets = [sysconfig.get_paths()["purelib"], str(ROOT / "spatial")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", *targets], check=True)
    flag = os.environ.get("PYTHONDONTWRITEBYTECODE", "")
    return f"bytecode: compiled once before timing (PYTHONDONTWRITEBYTECODE={flag!r} here)"


def commands(parquet: Path, crs: str, out: Path) -> dict[str, list[str]]:
    spatial = str(Path(sys.executable).with_name("spatial"))
    return {
        "spatial": [
            spatial,
            "overlay",
            str(parquet),
            str(ZONES),
            "--format",
            "csv",
            "--out",
            str(out / "spatial.csv"),
        ],
        "geopandas": [
            sys.executable,
            "-c",
            GEOPANDAS_SCRIPT,
            str(parquet),
            str(ZONES),
            str(out / "geopandas.csv"),
        ],
        "duckdb": [
            sys.executable,
            "-c",
            DUCKDB_SCRIPT,
            str(parquet),
            str(zones_parquet(crs)),
            str(out / "duckdb.csv"),
            crs,
            str(ROOT / "benchmarks"),
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10k,100k,1M")
    parser.add_argument("--crs", default="4326,4544")
    parser.add_argument("--methods", default="spatial,geopandas,duckdb,engine")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--commands", help="time these cases of command_cases.py (comma-separated, or 'all')"
    )
    parser.add_argument(
        "--formats", default="parquet,gpkg,geojson", help="formats of the layer, with --commands"
    )
    args = parser.parse_args()
    if args.commands:
        run_cases(args)
        return
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical cores, "
        f"load {', '.join(f'{x:.2f}' for x in os.getloadavg())}; python {platform.python_version()}"
    )
    print(compile_bytecode())
    print(
        "| parcels | CRS | method | whole command (s, best) | median | peak RSS (MB) "
        "| geopandas / spatial (best, median) | DuckDB / spatial (best, median) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    out = OUT / "cmd_out"
    out.mkdir(parents=True, exist_ok=True)
    for label in args.sizes.split(","):
        paths = ensure_parcels(label)
        for crs in args.crs.split(","):
            figures = {}
            for method, argv in commands(paths[crs], crs, out).items():
                if method in args.methods.split(","):
                    figures[method] = best_of(argv, args.repeat)
            for method, (best, median, rss) in figures.items():
                print(
                    f"| {label} | EPSG:{crs} | {method} | {best:.2f} | {median:.2f} | {rss:.0f} "
                    f"| {_ratios(figures, 'geopandas', method)} "
                    f"| {_ratios(figures, 'duckdb', method)} |",
                    flush=True,
                )
            if "engine" in args.methods.split(","):
                print(
                    f"| {label} | EPSG:{crs} | engine in a warm process | "
                    f"{_engine_seconds(paths[crs], args.repeat):.2f} | | | | |",
                    flush=True,
                )


def run_case_process(argv: list[str], stdout: Path, ok: tuple[int, ...]) -> tuple[float, float]:
    """Wall time (s) and peak RSS (MB) of one cold process, its standard output kept in a file."""
    t0 = time.perf_counter()
    with stdout.open("wb") as out:
        proc = subprocess.run(
            ["/usr/bin/time", "-f", "%M", *argv],
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    wall = time.perf_counter() - t0
    if proc.returncode not in ok:
        raise RuntimeError(f"{argv[:3]} exited {proc.returncode}: {proc.stderr[-500:]}")
    return wall, int(proc.stderr.strip().splitlines()[-1]) / 1024


def case_argv(case_name: str, method: str, layer: Path, out: Path) -> list[str] | None:
    """The argv of one method of one case on ``layer`` (None: no script for that method)."""
    import command_cases as cases  # noqa: PLC0415 - beside this file

    case = cases.CASES[case_name]
    values = {
        "layer": str(layer),
        "zones": str(cases.zones_path()),
        "points": str(cases.ensure_points(layer)) if "{points}" in case.spatial else "",
        "out": str(out),
        "bench": str(ROOT / "benchmarks"),
    }
    if method == "spatial":
        return [str(Path(sys.executable).with_name("spatial")), *cases.fill(case.spatial, **values)]
    script = case.geopandas if method == "geopandas" else case.duckdb
    if script is None:
        return None
    return [sys.executable, "-c", script, str(layer), values["zones"], str(out), values["bench"]]


def run_cases(args: argparse.Namespace) -> None:
    """Time the cases of command_cases.py as cold processes; print one row per method."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import command_cases as cases  # noqa: PLC0415

    names = list(cases.CASES) if args.commands == "all" else args.commands.split(",")
    methods = [m for m in args.methods.split(",") if m in ("spatial", "geopandas", "duckdb")]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical cores, "
        f"load {load} at the start; python {platform.python_version()}"
    )
    print(compile_bytecode())
    print(
        "| command | size | format | method | best (s) | median (s) | peak RSS (MB) "
        "| geopandas / spatial | DuckDB / spatial | agree | load start / end |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    out_dir = OUT / "cmd_out"
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        case = cases.CASES[name]
        for label in args.sizes.split(","):
            formats = [f for f in case.formats if f in args.formats.split(",")]
            paths = cases.ensure_survey(label, tuple(formats), case.variant)
            for fmt in formats:
                _time_case(cases, name, label, fmt, paths[fmt], methods, args.repeat, out_dir)


def _time_case(
    cases: object,
    name: str,
    label: str,
    fmt: str,
    layer: Path,
    methods: list[str],
    repeat: int,
    out_dir: Path,
) -> None:
    case = cases.CASES[name]  # type: ignore[attr-defined]
    figures: dict[str, tuple[float, float, float]] = {}
    stdouts: dict[str, Path] = {}
    start = os.getloadavg()[0]
    for method in methods:
        out = out_dir / f"{name}_{label}_{fmt}_{method}{case.out_suffix}"
        argv = case_argv(name, method, layer, out)
        if argv is None:
            continue
        stdouts[method] = out.with_name(out.name + ".stdout")
        ok = case.exit_codes if method == "spatial" else (0,)
        try:
            runs = [run_case_process(argv, stdouts[method], ok) for _ in range(repeat)]
        except RuntimeError as exc:  # one failing method is a row, not the end of the run
            print(f"| {name} | {label} | {fmt} | {method} | failed: {str(exc)[-300:]!r} |")
            del stdouts[method]
            continue
        walls = sorted(r[0] for r in runs)
        figures[method] = (walls[0], walls[len(walls) // 2], max(r[1] for r in runs))
    agree = _agreement(cases, case.compare, stdouts)
    if case.compare == "area":
        outs = {m: p.with_name(p.name.removesuffix(".stdout")) for m, p in stdouts.items()}
        agree = _area_agreement(cases, outs)
    end = os.getloadavg()[0]
    for method, (best, median, rss) in figures.items():
        print(
            f"| {name} | {label} | {fmt} | {method} | {best:.2f} | {median:.2f} | {rss:.0f} "
            f"| {_ratios(figures, 'geopandas', method)} | {_ratios(figures, 'duckdb', method)} "
            f"| {agree if method == 'spatial' else ''} | {start:.1f} / {end:.1f} |",
            flush=True,
        )


def _agreement(cases: object, compare: str, stdouts: dict[str, Path]) -> str:
    """``yes (N)`` when every method gives the same number, else each method's; ``-`` if none."""
    if compare != "count" or len(stdouts) < 2:
        return "-"
    counters = cases.COUNTERS  # type: ignore[attr-defined]
    counts = {method: counters[method](path) for method, path in stdouts.items()}
    if len(set(counts.values())) == 1:
        return f"yes ({next(iter(counts.values()))})"
    return "NO " + ", ".join(f"{m} {n}" for m, n in counts.items())


def _area_agreement(cases: object, outs: dict[str, Path]) -> str:
    """``yes (A km²)`` when every method's total area agrees to 1e-6, else each total."""
    totals = {m: cases.total_area_km2(p) for m, p in outs.items()}  # type: ignore[attr-defined]
    first = next(iter(totals.values()))
    if all(abs(t - first) <= 1e-6 * abs(first) for t in totals.values()):
        return f"yes ({first:.3f} km²)"
    return "NO " + ", ".join(f"{m} {t:.6f}" for m, t in totals.items())


def _ratios(figures: dict[str, tuple[float, float, float]], other: str, method: str) -> str:
    """``other``'s time over spatial's, best and median; blank except on spatial's row."""
    if method != "spatial" or other not in figures or "spatial" not in figures:
        return ""
    (ob, om, _), (sb, sm, _) = figures[other], figures["spatial"]
    return f"{ob / sb:.1f}x, {om / sm:.1f}x"


def _engine_seconds(parcels: Path, repeat: int) -> float:
    """The tabulation alone on layers already read, best of ``repeat``, in one warm process."""
    engine = subprocess.run(
        [sys.executable, "-c", ENGINE_SCRIPT, str(parcels), str(ZONES), str(repeat)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(engine.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
