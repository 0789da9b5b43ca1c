"""Benchmark: ``spatial validate`` on a large GeoJSON file, whole-file parse against the stream.

Writes ``COUNT`` synthetic square zones (示例数据) as GeoJSON, then validates it
in a fresh process twice: once with the raw checks streamed (the default for
files of 32 MB or more) and once forced to parse the file whole, printing wall
time and peak resident memory (``ru_maxrss``) of each.

    uv run python benchmarks/validate_large.py 200000
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyogrio

sys.path.insert(0, str(Path(__file__).parent))
from check_many_zones import synthetic_zones

_CHILD = """
import resource, sys
from spatial.io import rawjson
if sys.argv[2] == "whole":
    rawjson.STREAM_FROM_BYTES = float("inf")
from spatial.validate.problems import validate_file
problems = validate_file(sys.argv[1], required=("id",))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{len(problems)} problems, peak RSS {peak:.0f} MB")
"""


def main_cli() -> None:
    """Write the layer, validate it both ways, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, nargs="?", default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "zones.geojson"
        pyogrio.write_dataframe(synthetic_zones(args.count), path)
        print(f"{args.count:,} features, {path.stat().st_size / 1e6:.0f} MB")
        for mode in ("streamed", "whole"):
            start = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-c", _CHILD, str(path), mode],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            print(f"validate, raw checks {mode}: {time.perf_counter() - start:.1f} s, {out}")


if __name__ == "__main__":
    main_cli()
