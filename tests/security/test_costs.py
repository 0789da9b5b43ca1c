"""Costs in proportion to the input (issue 23): a small file never runs to a MemoryError.

- 3,000 copies of one 100 m square (600 KB) intersect in 4.5 million pairs: an
  overlap matrix, ``--op overlaps`` and the no-overlap rule refuse more than
  :data:`spatial.validate.pairs.MAX_PAIRS` (1,000,000) in one line with the count.
- ``validate`` names the CRS of a flagged feature with ``CRS.to_epsg`` (20 ms)
  once per layer, not once per feature (6,000 flagged squares: 98 s before, 3 s after).
"""

from __future__ import annotations

import itertools
import json
import re
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyarrow.parquet as pq
import pyproj
import pytest
import shapely
from shapely.geometry import box

from spatial.cli import main
from spatial.plan import rules_path
from spatial.validate.pairs import MAX_PAIRS, intersecting_pairs

#: The centre of the bundled zones in EPSG:4544 (CGCS2000 / 3-degree GK CM 105E), metres.
GK_X, GK_Y = 616_425.0, 3_279_078.0


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 copies of one 100 m square in Bishan (EPSG:4544), ids z0...z2999."""
    path = tmp_path_factory.mktemp("costs") / "copies.geojson"
    square = box(GK_X, GK_Y, GK_X + 100, GK_Y + 100)
    frame = gpd.GeoDataFrame({"id": [f"z{i}" for i in range(3000)]}, geometry=[square] * 3000)
    frame.set_crs(4544).to_file(path, driver="GeoJSON")
    assert path.stat().st_size < 1_500_000
    return path


@pytest.mark.parametrize(
    "call",
    [
        ["overlay", "PATH", "--op", "matrix", "--out", "OUT"],
        ["overlay", "PATH", "--op", "overlaps", "--out", "OUT"],
        # the bundled no-overlap rule, asked for: the bundled plan judges no zones of theirs
        ["check", "--zones", "PATH", "--rules", "RULES", "--out", "OUT"],
    ],
)
def test_a_quadratic_output_is_refused_in_one_line_with_the_count(
    copies: Path, call: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.csv"
    words = {"PATH": str(copies), "OUT": str(out), "RULES": str(rules_path())}
    started = time.perf_counter()
    status = main([words.get(word, word) for word in call])
    seconds = time.perf_counter() - started
    err = capsys.readouterr().err
    assert status == 2, err
    refusal = err.splitlines()[-1]
    # the overlay counts pairs that intersect; the no_overlap rule, those that overlap
    assert re.search(r"its 3,000 features (intersect|overlap) in at least", refusal), err
    assert f"at most {MAX_PAIRS:,} are cut" in refusal and "internal error" not in err
    assert not out.exists()
    assert seconds < 60, seconds  # before the bound: past 60 s to a MemoryError


def test_pairs_below_the_bound_are_every_intersecting_pair_once() -> None:
    rng = np.random.default_rng(23)
    corners = rng.uniform(0, 1000, size=(400, 2))
    sizes = rng.uniform(5, 80, size=(400, 1))
    geoms = shapely.box(corners[:, 0], corners[:, 1], *(corners + sizes).T)
    left, right = intersecting_pairs(geoms, "random", max_pairs=400 * 399 // 2)
    brute = {
        (i, j)
        for i, j in itertools.combinations(range(len(geoms)), 2)
        if shapely.intersects(geoms[i], geoms[j])
    }
    assert set(zip(left.tolist(), right.tolist(), strict=True)) == brute
    assert len(left) == len(brute) > 100


def test_the_bound_counts_exactly_at_its_edge() -> None:
    geoms = np.array([box(0, 0, 1, 1)] * 30)  # 435 pairs
    left, _ = intersecting_pairs(geoms, "x", max_pairs=435)
    assert len(left) == 435
    with pytest.raises(ValueError, match="at least 435 pairs"):
        intersecting_pairs(geoms, "x", max_pairs=434)


@pytest.fixture
def gk_squares_without_crs(tmp_path: Path) -> Path:
    """6,000 Gauss-Kruger squares in a GeoParquet whose metadata names no CRS (so CRS84)."""
    frame = gpd.GeoDataFrame(
        {"id": [f"q{i}" for i in range(6000)]},
        geometry=shapely.box(
            GK_X + np.arange(6000) * 200.0, GK_Y, GK_X + np.arange(6000) * 200.0 + 100, GK_Y + 100
        ),
        crs=4544,
    )
    with_crs, path = tmp_path / "with.parquet", tmp_path / "gk.parquet"
    frame.to_parquet(with_crs)
    table = pq.read_table(with_crs)
    geo = json.loads(table.schema.metadata[b"geo"])
    del geo["columns"]["geometry"]["crs"]
    pq.write_table(
        table.replace_schema_metadata({**table.schema.metadata, b"geo": json.dumps(geo)}), path
    )
    return path


def test_validate_names_the_crs_once_not_per_flagged_feature(
    gk_squares_without_crs: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    calls = []
    to_epsg = pyproj.CRS.to_epsg

    def counted(self: pyproj.CRS, *args: object, **kwargs: object) -> int | None:
        calls.append(self)
        return to_epsg(self, *args, **kwargs)

    monkeypatch.setattr(pyproj.CRS, "to_epsg", counted)
    assert main(["validate", str(gk_squares_without_crs)]) == 1
    out = capsys.readouterr().out
    assert out.count("projected metres labelled as degrees") == 6000
    assert len(calls) < 10, len(calls)  # was one per flagged feature: 6,000 calls, 98 s
