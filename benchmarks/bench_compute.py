"""Benchmark: the review's compute commands as cold processes, beside geopandas and DuckDB.

Runs every case of ``benchmarks/command_cases_compute.py`` on the synthetic
layers of ``benchmarks/compute_data.py`` (generated once, cached under
benchmarks/out/), the three methods one after another in the same run, best and
median of ``--repeat`` cold processes, with peak RSS (GNU time's %M) and the
machine's load before and after. A benchmark to run by hand, never from the tests.

    uv run --group bench python benchmarks/bench_compute.py --sizes 100k,1M --repeat 3
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from command_cases_compute import CASES
from compute_data import OUT, ensure

DUCKDB_RUNNER = """
import sys
sys.path.insert(0, sys.argv[2])
from bench_tabulate import duckdb_connection
duckdb_connection().execute(sys.argv[1])
"""


def _run(argv: list[str]) -> tuple[float, float]:
    """Wall time (s) and peak RSS (MB) of one cold process."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{argv[:4]} failed: {proc.stderr[-800:]}")
    return wall, int(proc.stderr.strip().splitlines()[-1]) / 1024


def _fill(items: list[str], where: dict[str, str]) -> list[str]:
    return [item.format(**where) for item in items]


def _argv(method: str, case: dict[str, object], where: dict[str, str]) -> list[str]:
    if method == "spatial":
        spatial = str(Path(sys.executable).with_name("spatial"))
        return [spatial, *_fill(case["spatial"], where)]  # type: ignore[arg-type]
    if method == "geopandas":
        script, args = case["geopandas"]  # type: ignore[misc]
        return [sys.executable, "-c", script, *_fill(args, where)]
    sql = str(case["duckdb"]).format(**where)
    return [sys.executable, "-c", DUCKDB_RUNNER, sql, str(Path(__file__).resolve().parent)]


def _load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100k,1M")
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--methods", default="spatial,geopandas,duckdb")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", "spatial"], check=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load {_load()}")
    print("| case | size | method | best (s) | median (s) | peak (MB) | load after |")
    print("|---|---|---|---|---|---|---|")
    for size in args.sizes.split(","):
        paths = ensure(size)
        for name in args.cases.split(","):
            case = CASES[name]
            for method in args.methods.split(","):
                slug = name.replace("--", "").replace(" ", "_")
                out = OUT / f"compute_{slug}_{method}_{size}.csv"
                where = {k: str(v) for k, v in paths.items()} | {"out": str(out)}
                runs = [_run(_argv(method, case, where)) for _ in range(args.repeat)]
                walls = sorted(r[0] for r in runs)
                print(
                    f"| {name} | {size} | {method} | {walls[0]:.2f} | "
                    f"{walls[len(walls) // 2]:.2f} | {max(r[1] for r in runs):.0f} | {_load()} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
