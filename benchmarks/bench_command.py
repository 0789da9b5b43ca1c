"""Benchmark: the review's commands as cold processes, today's code and an earlier one side by side.

One runner over one case table (:func:`command_cases.all_cases`: the cases of
``command_cases.py`` and ``command_cases_compute.py``, each a command's argv, a
plain geopandas script and DuckDB spatial doing the same from the same file).
For every case, size and format it runs, interleaved (one of each method, then
again, ``--repeat`` times), each as a whole cold process under GNU time:

* ``now``        ``spatial ...`` of this checkout
* ``before``     the same argv on the code at ``--baseline REV`` (``git archive`` into a
                 temporary folder, compiled once, first on ``PYTHONPATH``; same virtual
                 environment)
* ``geopandas``  the plain geopandas script
* ``duckdb``     DuckDB spatial

and prints a Markdown table: best and median wall time of each, the script's and
DuckDB's time over ``now``'s (how many times faster ``now`` is), ``now``'s peak
RSS (GNU time's %M, the process alone; ``before``'s beside it), whether the
methods' numbers agree (counts exactly, areas to the case's stated tolerance),
the issue's goal (at least 5x faster than the script and faster than DuckDB)
and the machine's load average before and after the row. ``--json OUT`` keeps
every run's figures. The layers are synthetic (示例数据), generated once under
``--data`` (default benchmarks/out/data, git-ignored) and moved into place when complete.

    B="uv run --group bench python benchmarks/bench_command.py"
    $B --sizes 100k --repeat 1 --baseline 58ec962
    $B --commands validate,overlay --formats parquet
    $B --quick         # 10k, one repeat: a smoke

A benchmark to run by hand (``tests/benchmarks`` runs ``--quick`` on one command).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import command_cases as cases  # noqa: E402 - beside this file
import compute_data  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parent / "out" / "data"
#: The methods, in the order they run (interleaved) and are printed.
METHODS = ("before", "now", "geopandas", "duckdb")
#: The issue's goal: at least this many times faster than the geopandas script (and than DuckDB).
GOAL_SCRIPT = 5.0

DUCKDB_SQL_RUNNER = """
import sys
sys.path.insert(0, sys.argv[2])
from bench_tabulate import duckdb_connection
duckdb_connection().execute(sys.argv[1])
"""


@dataclass
class Row:
    """The figures of one case at one size and format."""

    command: str
    size: str
    fmt: str
    runs: dict[str, list[dict[str, float]]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    totals: dict[str, float] = field(default_factory=dict)
    agreement: str = "-"

    def best(self, method: str) -> float | None:
        runs = self.runs.get(method)
        return min(r["wall_s"] for r in runs) if runs else None

    def median(self, method: str) -> float | None:
        runs = sorted(r["wall_s"] for r in self.runs.get(method, []))
        return runs[len(runs) // 2] if runs else None

    def peak_mb(self, method: str) -> float | None:
        runs = self.runs.get(method)
        return max(r["peak_mb"] for r in runs) if runs else None


def machine() -> dict[str, Any]:
    """CPU model, cores, memory, Python and load average of this machine, now."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory_gib = None
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total_kb = meminfo.read_text().split("MemTotal:")[1].split()[0]
        memory_gib = round(int(total_kb) / 1024**2, 1)
    return {
        "cpu": model,
        "logical_cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gib": memory_gib,
        "python": platform.python_version(),
        "load_start": [round(x, 2) for x in os.getloadavg()],
    }


def git_rev(rev: str = "HEAD") -> str:
    """The short hash of ``rev`` in this repository; exits with one line if there is none."""
    proc = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", f"{rev}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        sys.exit(f"bench_command: no git revision {rev!r} in {ROOT}: {proc.stderr.strip()[:200]}")
    return proc.stdout.strip()


def compile_bytecode(*trees: Path) -> None:
    """Compile the environment's libraries and the given trees to bytecode, once, before timing.

    This machine sets PYTHONDONTWRITEBYTECODE, which would have every timed
    process (of every method alike) compile its imports afresh; compiling once
    first times the commands as they run on a usual machine.
    """
    import sysconfig  # noqa: PLC0415

    targets = [sysconfig.get_paths()["purelib"], *map(str, trees)]
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", *targets], check=True)


def baseline_tree(rev: str, folder: Path) -> Path:
    """The tree at git revision ``rev`` (package and its bundled data, 4 MB), extracted with
    ``git archive`` into ``folder``; its package compiled to bytecode."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", rev],
        capture_output=True,
        check=True,
    )
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    compile_bytecode(folder / "spatial")
    return folder


def package_path(env: dict[str, str], cwd: Path) -> str:
    """The folder of the ``spatial`` package a process started with ``env`` in ``cwd`` imports
    (the timed processes run in a folder of their own: a ``spatial/`` in the caller's folder
    would come first for ``python -c``)."""
    return subprocess.run(
        [sys.executable, "-c", "import spatial, os; print(os.path.dirname(spatial.__file__))"],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=True,
    ).stdout.strip()


def layer_values(case: cases.Case, label: str, fmt: str) -> dict[str, str]:
    """The case's placeholders filled for ``label`` features in ``fmt`` (data generated once)."""
    values = {"bench": str(BENCH)}
    if case.data == "compute":
        paths = compute_data.ensure(label, fmt)
        values |= {k: str(v) for k, v in paths.items()} | {"layer": str(paths["existing"])}
        return values
    layer = cases.ensure_survey(label, (fmt,), case.variant)[fmt]
    values |= {"layer": str(layer), "zones": str(cases.zones_path())}
    if any("{points}" in part for part in case.spatial):
        cases.ensure_survey(label, ("parquet",), case.variant)
        values["points"] = str(cases.ensure_points(layer))
    return values


def _duckdb_source(path: str) -> str:
    """A GeoParquet file as DuckDB reads it, any other format through ST_Read (``geometry``)."""
    if path.endswith(".parquet"):
        return f"'{path}'"
    return f"(SELECT * EXCLUDE (geom), geom AS geometry FROM ST_Read('{path}'))"


def method_argv(case: cases.Case, method: str, values: dict[str, str]) -> list[str] | None:
    """The argv of one method of one case (None: the case has no such script)."""
    if method in ("now", "before"):
        return [str(Path(sys.executable).with_name("spatial")), *cases.fill(case.spatial, **values)]
    if method == "geopandas":
        if case.geopandas is None:
            return None
        return [sys.executable, "-c", case.geopandas, *cases.fill(case.script_args, **values)]
    if case.duckdb_sql is not None:
        sql = case.duckdb_sql
        for name in ("existing", "planned", "layer"):
            if name in values:
                sql = sql.replace(f"'{{{name}}}'", _duckdb_source(values[name]))
        return [sys.executable, "-c", DUCKDB_SQL_RUNNER, cases.fill(sql, **values)[0], str(BENCH)]
    if case.duckdb is None:
        return None
    script_values = [values["layer"], values.get("zones", ""), values["out"], values["bench"]]
    return [sys.executable, "-c", case.duckdb, *script_values]


def run_once(argv: list[str], env: dict[str, str], stdout: Path, cwd: Path) -> dict[str, float]:
    """One cold process: wall time (s), peak RSS (MB), exit status, load before and after."""
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    with stdout.open("wb") as out:
        proc = subprocess.run(
            ["/usr/bin/time", "-f", "%M", *argv],
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=cwd,
            check=False,
        )
    wall = time.perf_counter() - t0
    lines = proc.stderr.strip().splitlines()
    if not lines or not lines[-1].strip().isdigit():
        raise RuntimeError(f"exit {proc.returncode}: {proc.stderr[-400:]}")
    return {
        "wall_s": round(wall, 3),
        "peak_mb": round(int(lines[-1]) / 1024, 1),
        "exit": proc.returncode,
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "stderr_tail": proc.stderr[-400:] if proc.returncode else "",  # type: ignore[dict-item]
    }


def time_case(
    name: str, label: str, fmt: str, methods: list[str], repeat: int, work: Path, envs: dict
) -> Row:
    """Run every method of one case ``repeat`` times, interleaved; check their numbers agree."""
    case = cases.all_cases()[name]
    row = Row(name, label, fmt)
    values = layer_values(case, label, fmt)
    outs: dict[str, Path] = {}
    argvs: dict[str, list[str]] = {}
    for method in methods:
        out = work / f"{name}_{label}_{fmt}_{method}{case.out_suffix}"
        argv = method_argv(case, method, values | {"out": str(out)})
        if argv is not None:
            argvs[method], outs[method] = argv, out
    for _ in range(repeat):
        for method, argv in argvs.items():
            if method in row.failed:
                continue
            ok = case.exit_codes if method in ("now", "before") else (0,)
            stdout = outs[method].with_name(outs[method].name + ".stdout")
            try:
                run = run_once(argv, envs[method], stdout, work)
            except RuntimeError as exc:
                row.failed[method] = str(exc)
                continue
            if run["exit"] not in ok:
                row.failed[method] = f"exit {run['exit']}: {run['stderr_tail']}"
                continue
            row.runs.setdefault(method, []).append(run)
    done = {m: p for m, p in outs.items() if m in row.runs}
    row.agreement, row.totals = agreement(case, done)
    return row


def _table_total(path: Path, columns: tuple[str, ...]) -> float:
    """The sum of the first of ``columns`` a CSV table has, in m² (``*_km2`` columns times 1e6)."""
    import pandas as pd  # noqa: PLC0415

    table = pd.read_csv(path, encoding="utf-8-sig")
    for column in columns:
        if column in table.columns:
            scale = 1e6 if column.endswith("_km2") else 1.0
            return float(table[column].sum()) * scale
    raise ValueError(f"{path.name}: none of the columns {', '.join(columns)}")


def _count_rows(path: Path, query: str) -> float:
    import pandas as pd  # noqa: PLC0415

    return float(len(pd.read_csv(path, encoding="utf-8-sig").query(query)))


def _kind_counts(path: Path, script: bool) -> dict[str, int]:
    """Findings by kind: a script's ``kind,count`` table, or ``spatial``'s rows by ``kind``."""
    import pandas as pd  # noqa: PLC0415

    table = pd.read_csv(path, encoding="utf-8-sig", dtype={"kind": str})
    if script:
        return {str(k): int(n) for k, n in zip(table["kind"], table["count"], strict=True) if n}
    return {str(k): int(n) for k, n in table["kind"].value_counts().items()}


def _kinds_agreement(outs: dict[str, Path], kind: dict[str, str]) -> tuple[str, dict[str, float]]:
    """``kinds``: every method finds as many of each kind (totals: the findings of each)."""
    counts = {m: _kind_counts(p, kind[m] != "spatial") for m, p in outs.items()}
    totals = {m: float(sum(c.values())) for m, c in counts.items()}
    first = next(iter(counts.values()))
    if all(c == first for c in counts.values()):
        text = ", ".join(f"{k} {n}" for k, n in sorted(first.items())) or "none"
        return f"yes: {text} (kinds)", totals
    return "NO: " + "; ".join(f"{m} {dict(sorted(c.items()))}" for m, c in counts.items()), totals


def agreement(case: cases.Case, outs: dict[str, Path]) -> tuple[str, dict[str, float]]:
    """Whether the methods' numbers agree, and each method's number.

    ``count``: the problems each method reports, exactly; ``rows``: the rows of
    each table matching the case's query, exactly; ``area``: the total area of
    each table (m²), within the case's relative tolerance; ``kinds``: the
    findings of each kind, exactly (``spatial``'s table by its ``kind`` column,
    the scripts' ``kind,count`` tables).
    """
    if case.compare == "none" or len(outs) < 2:
        return "-", {}
    kind = {m: "spatial" if m in ("now", "before") else m for m in outs}
    try:
        if case.compare == "kinds":
            return _kinds_agreement(outs, kind)
        if case.compare == "count":
            stdout = {m: p.with_name(p.name + ".stdout") for m, p in outs.items()}
            totals = {m: float(cases.COUNTERS[kind[m]](p)) for m, p in stdout.items()}
        elif case.compare == "rows":
            where = dict(case.count_where)
            totals = {m: _count_rows(p, where[kind[m]]) for m, p in outs.items()}
        else:
            totals = {m: _table_total(p, case.area_columns) for m, p in outs.items()}
    except (OSError, ValueError, KeyError) as exc:
        return f"not compared: {exc}", {}
    first = next(iter(totals.values()))
    if case.compare == "area":
        spread = max(abs(t - first) for t in totals.values()) / max(abs(first), 1e-300)
        if spread <= case.tolerance:
            text = f"yes: {first / 1e6:.3f} km² (within {spread:.0e} ≤ {case.tolerance:.0e})"
            return text, totals
        return "NO: " + ", ".join(f"{m} {t / 1e6:.6f} km²" for m, t in totals.items()), totals
    if len(set(totals.values())) == 1:
        return f"yes: {first:.0f} ({case.compare})", totals
    return "NO: " + ", ".join(f"{m} {t:.0f}" for m, t in totals.items()), totals


def _seconds(row: Row, method: str) -> str:
    if method in row.failed:
        return "failed"
    best, median = row.best(method), row.median(method)
    if best is None or median is None:
        return "–"
    return f"{best:.2f} / {median:.2f} s"


def _times(row: Row, other: str) -> tuple[str, float | None]:
    """``other``'s best time over ``now``'s (how many times faster now is), as text and number."""
    now, then = row.best("now"), row.best(other)
    if now is None or then is None:
        return "–", None
    ratio = then / now
    return (f"{ratio:.1f}×" if ratio >= 1 else f"{ratio:.2f}×"), ratio


def _goal(script: float | None, duckdb: float | None) -> str:
    if script is None or duckdb is None:
        return "–"
    return "yes" if script >= GOAL_SCRIPT and duckdb > 1.0 else "no"


def _load(row: Row) -> str:
    runs = [r for method_runs in row.runs.values() for r in method_runs]
    loads = [x for r in runs for x in (r["load_before"], r["load_after"])]
    return f"{min(loads):.1f}–{max(loads):.1f}" if loads else "–"


def _peak(row: Row) -> str:
    now, before = row.peak_mb("now"), row.peak_mb("before")
    text = f"{now:.0f} MB" if now is not None else "–"
    return f"{before:.0f} → {text}" if before is not None else text


HEADER = (
    "| command | size | format | before (best / median) | now (best / median) "
    "| geopandas script | DuckDB | script ÷ now | DuckDB ÷ now | peak RSS (before → now) "
    "| agreement | goal met (≥5× script, < DuckDB) | load |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def markdown_row(row: Row) -> str:
    """One line of the table; ``script ÷ now`` is how many times faster ``now`` is."""
    script_text, script = _times(row, "geopandas")
    duckdb_text, duckdb = _times(row, "duckdb")
    cells = [
        f"`{row.command}`",
        row.size,
        row.fmt,
        _seconds(row, "before"),
        _seconds(row, "now"),
        _seconds(row, "geopandas"),
        _seconds(row, "duckdb"),
        script_text,
        duckdb_text,
        _peak(row),
        row.agreement,
        _goal(script, duckdb),
        _load(row),
    ]
    return "| " + " | ".join(cells) + " |"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commands", default="all", help="cases, comma-separated (default all)")
    parser.add_argument("--sizes", default="100k,1M", help="10k, 100k, 1M (comma-separated)")
    parser.add_argument("--formats", default="parquet,gpkg,geojson", help="where a case has them")
    parser.add_argument("--repeat", type=int, help="cold runs of each method (default 3)")
    parser.add_argument("--quick", action="store_true", help="a smoke: 10k features, one repeat")
    parser.add_argument("--baseline", metavar="REV", help="also run the code at git revision REV")
    parser.add_argument("--now", metavar="REV", help="time REV (git archive) as now")
    parser.add_argument("--methods", default="before,now,geopandas,duckdb")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the layers' cache")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write every run's figures here")
    parser.add_argument("--no-compile", action="store_true", help="do not compile bytecode first")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes = "10k"
        args.repeat = args.repeat or 1
    args.repeat = args.repeat or 3
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    args.data.mkdir(parents=True, exist_ok=True)
    cases.OUT = compute_data.OUT = args.data
    table = cases.all_cases()
    names = list(table) if args.commands == "all" else args.commands.split(",")
    unknown = [n for n in names if n not in table]
    if unknown:
        known = ", ".join(table)
        sys.exit(f"bench_command: unknown command(s) {', '.join(unknown)}; known: {known}")
    methods = [m for m in METHODS if m in args.methods.split(",")]
    if not args.baseline:
        methods = [m for m in methods if m != "before"]
    report: dict[str, Any] = {"machine": machine(), "now": git_rev(), "rows": []}
    with tempfile.TemporaryDirectory(prefix="bench_command_") as tmp:
        envs = {m: dict(os.environ) for m in METHODS}
        for env in envs.values():
            env.pop("PYTHONPATH", None)
        for method, rev in (("before", args.baseline), ("now", args.now)):
            if rev:  # the package at rev, from a git archive, first on PYTHONPATH
                report[method] = git_rev(rev)
                tree = baseline_tree(rev, Path(tmp) / method)
                envs[method]["PYTHONPATH"] = str(tree)
                report[f"{method}_package"] = package_path(envs[method], Path(tmp))
                if not Path(report[f"{method}_package"]).is_relative_to(tree):
                    sys.exit(f"bench_command: {rev} imports {report[f'{method}_package']}")
        report.setdefault("now_package", package_path(envs["now"], Path(tmp)))
        if not args.no_compile:
            compile_bytecode(ROOT / "spatial")
        work = Path(tmp) / "out"
        work.mkdir()
        info = report["machine"]
        print(
            f"machine: {info['cpu']}, {info['logical_cores']} logical cores "
            f"({info['usable_cores']} usable), {info['memory_gib']} GiB, Python {info['python']}; "
            f"load {', '.join(map(str, info['load_start']))} at the start"
        )
        before = f"; before: {report.get('before')} (git archive, same environment)"
        print(
            f"now: {report['now']}{' (git archive)' if args.now else ''}"
            + (before if args.baseline else "")
            + f"; {args.repeat} cold run(s) of each method, interleaved; data in {args.data}"
        )
        print(HEADER, flush=True)
        for name in names:
            formats = [f for f in args.formats.split(",") if f in table[name].formats]
            for label in args.sizes.split(","):
                for fmt in formats:
                    row = time_case(name, label, fmt, methods, args.repeat, work, envs)
                    report["rows"].append(row.__dict__)
                    print(markdown_row(row), flush=True)
                    for method, why in row.failed.items():
                        print(f"  {name} {label} {fmt} {method} failed: {why.strip()[-300:]!r}")
        shutil.rmtree(work, ignore_errors=True)
    report["machine"]["load_end"] = [round(x, 2) for x in os.getloadavg()]
    print(f"load {', '.join(map(str, report['machine']['load_end']))} at the end")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
