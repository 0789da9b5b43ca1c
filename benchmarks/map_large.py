"""Benchmark: maps of large layers (10,000 and 100,000 synthetic parcels).

For each size, prints the time to build the HTML, its size, and the time
headless Chromium takes to open it until every layer is drawn (the page's
``data-map-ready`` flag), with the network blocked. Parcels are ~60 m squares
on a grid around Bishan, in WGS84; the map keeps 5 decimals (~1 m), draws on a
canvas and carries tooltips only (no popups) for layers this large.

    uv run python benchmarks/map_large.py            # 10k and 100k
    uv run python benchmarks/map_large.py 10000      # one size
    uv run python benchmarks/map_large.py --simplify-m 5
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from playwright.sync_api import sync_playwright

from spatial.io.layers import load_plan_layers
from spatial.webmap import LayerOptions, MapOptions, render_map

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PARCEL_DEG = 0.0006  # ~60 m north-south, ~58 m east-west at 29.6°N
GAP_DEG = 0.0001


def synthetic_parcels(count: int, seed: int = 0) -> gpd.GeoDataFrame:
    """``count`` square parcels on a grid centred on Bishan, with slightly jittered corners."""
    side = int(np.ceil(np.sqrt(count)))
    step = PARCEL_DEG + GAP_DEG
    ix, iy = np.divmod(np.arange(count), side)
    x0 = 106.22 - side * step / 2 + ix * step
    y0 = 29.59 - side * step / 2 + iy * step
    rng = np.random.default_rng(seed)
    jitter = rng.uniform(-GAP_DEG / 3, GAP_DEG / 3, size=(count, 4, 2))
    corners = (
        np.stack(
            [
                np.column_stack([x0, y0]),
                np.column_stack([x0 + PARCEL_DEG, y0]),
                np.column_stack([x0 + PARCEL_DEG, y0 + PARCEL_DEG]),
                np.column_stack([x0, y0 + PARCEL_DEG]),
            ],
            axis=1,
        )
        + jitter
    )
    ring = np.concatenate([corners, corners[:, :1]], axis=1)
    geoms = shapely.polygons(ring)
    ids = [f"parcel-{i:06d}" for i in range(count)]
    names = [f"地块 {i}" for i in range(count)]
    return gpd.GeoDataFrame({"id": ids, "name_zh": names}, geometry=geoms, crs=4326)


def load_seconds(path: Path, chromium: str) -> float:
    """Seconds from navigation start until the map reports every layer drawn."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.route(
            "**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort()
        )
        page.goto(path.resolve().as_uri(), timeout=300_000)
        page.wait_for_selector("html[data-map-ready]", state="attached", timeout=300_000)
        ready_ms = page.evaluate("window.spatialMapReadyMs")
        browser.close()
    return ready_ms / 1000


def run(count: int, out_dir: Path, chromium: str | None, simplify_m: float | None) -> None:
    parcels = synthetic_parcels(count)
    layers = {"district": load_plan_layers()["district"], "parcels": parcels}
    options = MapOptions(offline=True, layer=LayerOptions(decimals=5, simplify_m=simplify_m))
    start = time.perf_counter()
    path = render_map(out_dir / f"parcels-{count}.html", layers, options)
    build_s = time.perf_counter() - start
    size_mb = path.stat().st_size / 1e6
    load = f"{load_seconds(path, chromium):.2f} s" if chromium else "skipped (no chromium)"
    print(f"{count:>7} parcels  build {build_s:6.2f} s  HTML {size_mb:6.1f} MB  load {load}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("counts", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--simplify-m", type=float, default=None)
    parser.add_argument("--keep", type=Path, help="write the maps here instead of a temp folder")
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = args.keep or Path(tmp)
        out_dir.mkdir(parents=True, exist_ok=True)
        for count in args.counts:
            run(count, out_dir, chromium, args.simplify_m)


if __name__ == "__main__":
    main()
