"""Benchmark: a planner's parcels on the offline map, as vector tiles beside today's GeoJSON page.

For each size, synthetic (示例数据) parcels from ``map_large.synthetic_parcels`` (~60 m
squares around Bishan), with a 用地用海 code in ``YDYHFLDM``, are written as GeoParquet in
EPSG:4544 and drawn with the command a planner runs::

    spatial map --offline --layer parcels=FILE --style-field YDYHFLDM --out PAGE

once as vector tiles (``--tiles-from 1``: a PMTiles archive embedded in the page) and
once as GeoJSON (``--tiles-from`` above the size), and with ``--folder`` also as a map
folder (``--out DIR/``) opened through ``spatial serve``. Printed for each: the time to
write (wall clock, and the command's CPU time: the machine may be shared), the size,
and the time headless Chromium takes to open it (network blocked but for loopback)
until the map is drawn: the page's ``data-map-ready`` flag, and for tiles the first
``load`` of the tile layer (every tile in view drawn).

    uv run python benchmarks/map_tiles.py                     # 100k and 300k
    uv run python benchmarks/map_tiles.py 1000000 --no-geojson --folder
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from map_large import CHROMIUM_ARGS, synthetic_parcels
from playwright.sync_api import sync_playwright

CODES = np.array(["070101", "070102", "0801", "0901", "1001", "1101", "1201", "1303", "0102"])
SPATIAL = [sys.executable, "-c", "from spatial.cli import console; console()"]
OPEN_TIMEOUT_MS = 600_000
#: Whether any tile canvas in view holds a drawn pixel (a blank map is no result).
_DRAWN_JS = """Array.from(document.querySelectorAll('canvas.leaflet-tile')).some(c => {
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < data.length; i += 4) if (data[i]) return true;
    return false;
})"""


def parcels_file(count: int, folder: Path) -> Path:
    """Write ``count`` synthetic parcels as EPSG:4544 GeoParquet; return the file."""
    parcels = synthetic_parcels(count)
    parcels["YDYHFLDM"] = CODES[np.random.default_rng(1).integers(0, len(CODES), count)]
    parcels["note"] = "示例数据 synthetic"
    path = folder / f"parcels-{count}.parquet"
    parcels.to_crs(4544).to_parquet(path)
    return path


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def write_map(parcels: Path, out: str, tiles_from: int) -> tuple[float, float]:
    """Run ``spatial map`` and return (wall seconds, CPU seconds) it took."""
    command = [*SPATIAL, "map", "--offline", "--layer", f"parcels={parcels}"]
    command += ["--style-field", "YDYHFLDM", "--tiles-from", str(tiles_from), "--out", out]
    cpu = _children_cpu_s()
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start, _children_cpu_s() - cpu


def open_seconds(url: str, tiled: bool) -> float:
    """Seconds from navigation start until the map (and its tiles in view) are drawn."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        local = ("file:", "http://127.0.0.1")
        page.route(
            "**/*", lambda r: r.continue_() if r.request.url.startswith(local) else r.abort()
        )
        page.goto(url, timeout=OPEN_TIMEOUT_MS)
        page.wait_for_selector("html[data-map-ready]", state="attached", timeout=OPEN_TIMEOUT_MS)
        ready_ms = page.evaluate("window.spatialMapReadyMs")
        if tiled:
            page.wait_for_selector(
                "html[data-tiles-ready]", state="attached", timeout=OPEN_TIMEOUT_MS
            )
            ready_ms = max(ready_ms, page.evaluate("window.spatialTilesReadyMs"))
            if not page.evaluate(_DRAWN_JS):
                raise SystemExit(f"{url}: the tiles in view are blank")
        browser.close()
    return ready_ms / 1000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def open_served(folder: Path) -> float:
    """Open a map folder through ``spatial serve``; return the seconds to drawn."""
    port = _free_port()
    server = subprocess.Popen(
        [*SPATIAL, "serve", str(folder), "--port", str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        server.stdout.readline()  # "spatial serve: ... at http://127.0.0.1:PORT/index.html"
        return open_seconds(f"http://127.0.0.1:{port}/index.html", tiled=True)
    finally:
        server.terminate()
        server.wait()


def _size_mb(path: Path) -> float:
    files = path.rglob("*") if path.is_dir() else [path]
    return sum(p.stat().st_size for p in files if p.is_file()) / 1e6


def row(count: int, kind: str, written: tuple[float, float], size_mb: float, opened: float) -> str:
    """One line of the results table."""
    wall, cpu = written
    written_in = f"{wall:.0f} s ({cpu:.0f} s CPU)"
    load = os.getloadavg()[0]  # the machine may be shared: every figure with its load
    return f"| {count:,} | {kind} | {written_in} | {size_mb:.1f} MB | {opened:.1f} s | {load:.1f} |"


def run(count: int, folder: Path, args: argparse.Namespace) -> None:
    """Write and open the maps of ``count`` parcels; print their rows."""
    parcels = parcels_file(count, folder)
    page = folder / f"tiles-{count}.html"
    written = write_map(parcels, str(page), 1)
    print(
        row(
            count,
            "vector tiles, one file",
            written,
            _size_mb(page),
            open_seconds(page.as_uri(), True),
        ),
        flush=True,
    )
    if args.folder:
        out = folder / f"folder-{count}"
        written = write_map(parcels, f"{out}/", 1)
        print(
            row(count, "vector tiles, folder + serve", written, _size_mb(out), open_served(out)),
            flush=True,
        )
    if args.geojson:
        page = folder / f"geojson-{count}.html"
        written = write_map(parcels, str(page), 10**9)
        print(
            row(
                count,
                "GeoJSON (before)",
                written,
                _size_mb(page),
                open_seconds(page.as_uri(), False),
            ),
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("counts", nargs="*", type=int, default=[100_000, 300_000])
    parser.add_argument("--no-geojson", dest="geojson", action="store_false")
    parser.add_argument("--folder", action="store_true", help="also a map folder, served")
    parser.add_argument("--keep", type=Path, help="write the maps here instead of a temp folder")
    args = parser.parse_args()
    print("| parcels | map | written in | size | opened in | load |\n|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        page = folder / "default.html"
        cpu, start = _children_cpu_s(), time.perf_counter()
        subprocess.run(
            [*SPATIAL, "map", "--offline", "--out", str(page)], check=True, capture_output=True
        )
        written = (time.perf_counter() - start, _children_cpu_s() - cpu)
        print(
            row(0, "the default map", written, _size_mb(page), open_seconds(page.as_uri(), False)),
            flush=True,
        )
        for count in args.counts:
            run(count, folder, args)


if __name__ == "__main__":
    main()
