"""``spatial diff --repair --map`` draws the versions as compared: repaired, not the raw ones."""

from __future__ import annotations

import geopandas as gpd
import shapely
from tiny_geoms import LAT0, LON0

from spatial.cli import main

BOW_TIE = shapely.Polygon(
    [(LON0, LAT0), (LON0 + 0.001, LAT0 + 0.001), (LON0 + 0.001, LAT0), (LON0, LAT0 + 0.001)]
)


def _versions(tmp_path) -> tuple[str, str]:
    square = shapely.box(LON0 + 0.002, LAT0, LON0 + 0.003, LAT0 + 0.001)
    old = gpd.GeoDataFrame(
        {"id": ["p1", "p2"], "YDYHFLDM": ["0101", "0701"], "synthetic": [True, True]},
        geometry=[square, BOW_TIE],
        crs=4326,
    )
    new = old.assign(YDYHFLDM=["0701", "0701"])
    paths = str(tmp_path / "v1.geojson"), str(tmp_path / "v2.geojson")
    old.to_file(paths[0])
    new.to_file(paths[1])
    return paths


def test_diff_repair_map_draws_the_repaired_versions(tmp_path, capsys) -> None:
    old, new = _versions(tmp_path)
    page = tmp_path / "compare.html"
    status = main(["diff", old, new, "--repair", "--no-checks", "--map", str(page)])
    err = capsys.readouterr().err
    assert status == 0, err
    assert "internal error" not in err
    assert page.stat().st_size > 0
    assert "repaired" in err and "p2" in err
