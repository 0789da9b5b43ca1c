"""Mis-encoded text is named by the planner's field (``DYMC``), not the toolkit's ``name_zh``."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

from spatial.cli import main


def _gbk_shapefile_without_cpg(folder) -> str:
    """A Shapefile written in GBK with no .cpg (read as Latin-1): 示例数据 in EPSG:4544."""
    zones = gpd.GeoDataFrame(
        {
            "DYBH": ["A", "B"],
            "DYMC": ["示例单元甲", "示例单元乙"],
            "note": ["synthetic", "示例数据"],
        },
        geometry=[
            box(500_000, 3_280_000, 500_100, 3_280_100),
            box(500_100, 3_280_000, 500_200, 3_280_100),
        ],
        crs="EPSG:4544",
    )
    path = folder / "zones.shp"
    zones.to_file(path, encoding="gbk")
    (folder / "zones.cpg").unlink(missing_ok=True)
    return str(path)


@pytest.mark.parametrize("command", [["validate"], ["check", "--zones"], ["map", "--zones"]])
def test_the_message_names_the_planners_name_field(tmp_path, capsys, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    path = _gbk_shapefile_without_cpg(tmp_path)
    out = ["--out", str(tmp_path / "m.html")] if command[0] == "map" else []
    main([*command, path, "--id-field", "DYBH", "--name-field", "DYMC", *out])
    err = capsys.readouterr()
    said = err.out + err.err
    assert "property 'DYMC' is mis-encoded text (GBK read as LATIN-1: 示例单元" in said
    assert "name_zh" not in said
