"""Synthetic 三调-like layers (示例数据) for the compute benchmarks: parcels with 2023 codes.

Voronoi parcels over the district (:func:`bench_tabulate.make_parcels`) in EPSG:4544,
each with an id ``BSM``-like ``id``, a class code ``YDYHFLDM`` drawn (seeded) from a few
2023 guide codes, its name ``YDYHFLMC`` and ``note`` 示例数据; a planned version with one
parcel in twenty reclassified; and the bundled zones in EPSG:4544. Cached under
benchmarks/out/. A benchmark helper, never run by the test suite.

    uv run python benchmarks/compute_data.py 100k 1M
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
#: Codes of the 2023 guide drawn for the synthetic parcels, with their names.
CODES = {
    "0101": "水田",
    "0103": "旱地",
    "0301": "乔木林地",
    "0701": "城镇住宅用地",
    "0703": "农村宅基地",
    "1001": "工业用地",
    "1207": "城镇村道路用地",
    "1701": "河流水面",
}
SEED = 20261207


def paths(label: str, fmt: str = "parquet") -> dict[str, Path]:
    """Where the layers of one size are cached (existing, planned parcels in ``fmt``: ``parquet``
    or ``gpkg``; zones, always GeoParquet)."""
    suffix = {"parquet": ".parquet", "gpkg": ".gpkg"}[fmt]
    return {
        "existing": OUT / f"compute_existing_{label}_4544{suffix}",
        "planned": OUT / f"compute_planned_{label}_4544{suffix}",
        "zones": OUT / "compute_zones_4544.parquet",
    }


def ensure(label: str, fmt: str = "parquet") -> dict[str, Path]:
    """Generate (once) the layers of one size in ``fmt``; return their paths.

    Every file is written under a temporary name and moved into place
    (``atomic_path``), so a reader sharing the cache never sees half a file.
    """
    where = paths(label, fmt)
    if all(p.exists() for p in where.values()):
        return where
    if fmt != "parquet":  # the same layers, converted
        import geopandas as gpd  # noqa: PLC0415

        source = ensure(label)
        for key in ("existing", "planned"):
            if not where[key].exists():
                _write(gpd.read_parquet(source[key]), where[key])
        return where
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_tabulate import make_parcels, make_zones  # noqa: PLC0415

    OUT.mkdir(parents=True, exist_ok=True)
    parcels = make_parcels(SIZES[label]).to_crs(4544)
    rng = np.random.default_rng(SEED)
    codes = np.array(list(CODES))
    drawn = codes[rng.integers(0, len(codes), len(parcels))]
    parcels["id"] = "p" + parcels["id"].astype(str)
    parcels["YDYHFLDM"] = drawn
    parcels["YDYHFLMC"] = [CODES[c] for c in drawn]
    parcels["note"] = "示例数据 synthetic"
    changed = rng.random(len(parcels)) < 0.05
    planned = parcels.copy()
    planned.loc[changed, "YDYHFLDM"] = "0701"
    planned["YDYHFLMC"] = [CODES[c] for c in planned["YDYHFLDM"]]
    _write(parcels, where["existing"])
    _write(planned, where["planned"])
    if not where["zones"].exists():
        _write(make_zones("plain").to_crs(4544), where["zones"])
    return where


def _write(layer, path: Path) -> None:
    """Write a GeoDataFrame to ``path`` (GeoParquet, row groups of 100,000, or GeoPackage),
    atomically."""
    from spatial.io.atomic import atomic_path  # noqa: PLC0415

    with atomic_path(path) as tmp:
        if path.suffix == ".parquet":
            layer.to_parquet(tmp, row_group_size=100_000)
        else:
            layer.to_file(tmp, driver="GPKG", layer=path.stem, engine="pyogrio")


if __name__ == "__main__":
    for size in sys.argv[1:] or ["100k"]:
        print(size, ensure(size))
