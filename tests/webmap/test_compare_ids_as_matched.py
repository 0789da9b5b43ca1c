"""The compare map draws features by the ids the diff matched, and refuses a bad ``--map DIR/``.

A version read with integer ids (a Shapefile's) beside one read with real ids (a
GeoPackage's ``3.0``): ``spatial diff`` matches them as text by
:func:`spatial.preconditions.id_text` (``3.0`` is ``"3"``), and the map's layers
(unchanged tiles, changed GeoJSON) must pick the same features, not none. ``--map
FILE/`` where FILE is a file is refused in one line before the diff runs (exit 2),
as ``spatial map --out FILE/`` is. Data: a synthetic (示例数据) grid in EPSG:4544.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box
from survey import GK, X0, Y0

from spatial.cli import main
from spatial.review.diff import diff_layers
from spatial.webmap.compare import changed_features, unchanged_features


def _versions() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    cells = [box(X0 + 20 * i, Y0, X0 + 20 * i + 20, Y0 + 20) for i in range(6)]
    old = gpd.GeoDataFrame(
        {"BSM": list(range(1, 7)), "note": "示例数据 synthetic"}, geometry=cells, crs=GK
    )
    new = old.copy()
    new["BSM"] = new["BSM"].astype(float)  # the same ids, read as reals
    new.loc[5, "geometry"] = box(X0 + 100, Y0, X0 + 130, Y0 + 20)  # id 6 reshaped
    return old, new


def test_map_layers_pick_the_features_the_diff_matched() -> None:
    old, new = _versions()
    result = diff_layers(old, new, id_field="BSM")
    status = result.features.set_index("id")["status"]
    assert (status == "unchanged").sum() == 5 and status["6"] == "geometry_changed"
    unchanged = unchanged_features(new, result.features, "BSM", None)
    assert sorted(unchanged["id"]) == ["1", "2", "3", "4", "5"]
    changed = changed_features(old, new, result.features, "BSM")
    assert list(changed["id"]) == ["6"] and list(changed["change"]) == ["geometry_changed"]
    assert changed.geometry.iloc[0].equals(new.geometry.iloc[5])


def test_map_folder_that_is_a_file_is_refused_before_the_diff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = _versions()
    old.to_file(tmp_path / "old.gpkg")
    new.to_file(tmp_path / "new.gpkg")
    (tmp_path / "taken").write_text("a file", encoding="utf-8")
    args = ["diff", str(tmp_path / "old.gpkg"), str(tmp_path / "new.gpkg"), "--id-field", "BSM"]
    code = main([*args, "--map", f"{tmp_path / 'taken'}/"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""  # refused before the diff was printed
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "is a file, not a folder" in lines[0], lines
