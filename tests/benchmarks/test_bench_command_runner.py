"""The benchmark runner (benchmarks/bench_command.py): its ``--quick`` smoke on one command.

Runs the runner as a planner would, on 10k synthetic 图斑 (示例数据) in a
temporary folder, one cold run of each method, today's code against the same
code from ``git archive HEAD``; checks that every method ran, that the numbers
the runner compares are right, and that it prints its table. No timing is
asserted (speed belongs in the benchmark's own output).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from pyproj import Geod

ROOT = Path(__file__).resolve().parents[2]

#: DuckDB spatial is in the bench group (``uv sync --group bench``), not in the tests': the
#: runner is tested without it, and with it too where it is installed.
WITH_DUCKDB = importlib.util.find_spec("duckdb") is not None
METHODS = ["before", "now", "geopandas"] + (["duckdb"] if WITH_DUCKDB else [])


def test_quick_overlay_runs_every_method_and_their_areas_agree(tmp_path: Path) -> None:
    figures = tmp_path / "figures.json"
    argv = [
        sys.executable,
        str(ROOT / "benchmarks" / "bench_command.py"),
        "--quick",
        "--commands",
        "overlay",
        "--formats",
        "parquet",
        "--repeat",
        "1",
        "--baseline",
        "HEAD",
        "--methods",
        ",".join(METHODS),
        "--no-compile",
        "--data",
        str(tmp_path / "data"),
        "--json",
        str(figures),
    ]
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]

    report = json.loads(figures.read_text(encoding="utf-8"))
    (row,) = report["rows"]
    assert (row["command"], row["size"], row["fmt"]) == ("overlay", "10k", "parquet")
    assert row["failed"] == {}
    assert sorted(row["runs"]) == sorted(METHODS)
    assert all(len(runs) == 1 and runs[0]["peak_mb"] > 50 for runs in row["runs"].values())
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert report["before"] == head
    # before ran the archive's package, now this checkout's
    assert report["now_package"] == str(ROOT / "spatial")
    assert report["before_package"].endswith("/before/spatial")
    assert report["machine"]["logical_cores"] >= 1

    # The parcels cover the district and the plan's zones lie inside it, so every
    # method's total area of zone pieces is the zones' own area: measured here
    # independently (pyproj.Geod on the zones in lon/lat).
    zones = gpd.read_parquet(tmp_path / "data" / "survey_zones_4544.parquet").to_crs(4326)
    geod = Geod(ellps="GRS80")
    zones_m2 = sum(abs(geod.geometry_area_perimeter(g)[0]) for g in zones.geometry)
    assert set(row["totals"]) == set(METHODS)
    for total_m2 in row["totals"].values():
        assert total_m2 == pytest.approx(zones_m2, rel=1e-6)
    assert row["agreement"].startswith("yes: ")

    table = [line for line in proc.stdout.splitlines() if line.startswith("| `overlay` | 10k")]
    assert len(table) == 1
    cells = [c.strip() for c in table[0].strip("|").split("|")]
    assert len(cells) == 13
    # the goal column, decided from the two ratios (none without DuckDB's)
    assert cells[11] in (("yes", "no") if WITH_DUCKDB else ("–",))


def test_quick_validate_without_baseline_counts_the_planted_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = ROOT / "benchmarks" / "command_cases.py"
    spec = importlib.util.spec_from_file_location("bench_command_cases", path)
    assert spec is not None and spec.loader is not None
    cases = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, cases)  # for its dataclass; removed after
    spec.loader.exec_module(cases)

    figures = tmp_path / "figures.json"
    argv = [
        sys.executable,
        str(ROOT / "benchmarks" / "bench_command.py"),
        "--quick",
        "--commands",
        "validate",
        "--formats",
        "parquet",
        "--methods",
        "now,geopandas",
        "--no-compile",
        "--data",
        str(tmp_path / "data"),
        "--json",
        str(figures),
    ]
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (row,) = json.loads(figures.read_text(encoding="utf-8"))["rows"]
    assert sorted(row["runs"]) == ["geopandas", "now"]
    # the `bad` survey of 10,000: a bow-tie every BAD_EVERY features from the 8th, one null
    # geometry, one duplicate id; both the command's lines and the script's count find them all
    planted = len(range(7, 10_000, cases.BAD_EVERY)) + 2
    assert row["totals"] == {"now": planted, "geopandas": planted}
    assert row["agreement"] == f"yes: {planted} (count)"
