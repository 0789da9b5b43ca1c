"""Every command's refusal names a broken feature by its id (``feature S04``), as ``check`` does.

Layers: the synthetic (示例数据) survey of ``tests/survey.py`` in EPSG:4544, land use
ids in ``BSM`` (no ``id`` field), zones in ``DYBH``, and a project naming them. Parcel
S04 (x 1050..1350 m, y 0..500 m) and zone B1 (x 1200..2400 m, y 0..500 m) are made
bow-ties, crossing at their centres: GEOS reports the self-intersection there.
Before, ``diff``, ``overlay`` and ``review --landuse`` named S04 ``feature #13`` (its
row) and ``balance --zones`` named B1 ``feature #1``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from survey import X0, Y0, survey_parcels, survey_zones

from spatial.cli import main

PROJECT = """\
[layers.zones]
path = "zones.gpkg"
id_field = "DYBH"
name_field = "DYMC"

[landuse]
path = "landuse.gpkg"
class_field = "YDYHFLDM"
"""


def _bowtie(frame: gpd.GeoDataFrame, column: str, fid: str) -> gpd.GeoDataFrame:
    """Return ``frame`` with feature ``fid`` drawn as a bow-tie over its own box."""
    out = frame.copy()
    row = out.index[out[column] == fid][0]
    x1, y1, x2, y2 = out.geometry[row].bounds
    out.loc[row, "geometry"] = shapely.Polygon([(x1, y1), (x2, y2), (x2, y1), (x1, y2)])
    return out


def _crossing(x_m: float, y_m: float) -> str:
    """GEOS's words for a bow-tie crossing at (x_m, y_m) metres east/north of the survey corner."""
    return f"invalid geometry: Self-intersection[{X0 + x_m:.0f} {Y0 + y_m:.0f}]"


#: S04's centre: x (1050 + 1350) / 2 = 1200 m, y 250 m; B1's: x 1800 m, y 250 m.
S04 = f"broken.gpkg: feature S04: {_crossing(1200.0, 250.0)}"
B1 = f"zones_broken.gpkg: feature B1: {_crossing(1800.0, 250.0)}"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    parcels = survey_parcels()
    assert list(parcels["BSM"]).index("S04") == 13  # the row the old message named
    parcels.to_file(tmp_path / "landuse.gpkg")
    _bowtie(parcels, "BSM", "S04").to_file(tmp_path / "broken.gpkg")
    zones = survey_zones()
    zones.to_file(tmp_path / "zones.gpkg")
    _bowtie(zones, "DYBH", "B1").to_file(tmp_path / "zones_broken.gpkg")
    (tmp_path / "spatial.toml").write_text(PROJECT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["diff", "landuse.gpkg", "broken.gpkg"], S04),
        (["overlay", "broken.gpkg", "zones.gpkg"], S04),
        (["overlay", "broken.gpkg", "zones.gpkg", "--op", "difference"], S04),
        (["overlay", "zones.gpkg", "broken.gpkg"], S04),  # B, identified by its BSM
        (["review", "--landuse", "broken.gpkg", "--out", "rv"], S04),
        (["balance", "broken.gpkg"], S04),
        (["balance", "--zones", "zones_broken.gpkg", "landuse.gpkg"], B1),
        (["check", "--zones", "zones_broken.gpkg"], B1),
    ],
    ids=[
        "diff",
        "overlay",
        "overlay-difference",
        "overlay-b",
        "review-landuse",
        "balance",
        "balance-zones",
        "check-zones",
    ],
)
def test_refusal_names_the_feature_by_its_id(
    project: Path, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    command = argv[0]
    assert f"spatial {command}: {expected}\n" in err
    assert "feature #" not in err


def test_repair_names_the_feature_by_its_id(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["overlay", "broken.gpkg", "zones.gpkg", "--repair", "--out", "o.csv"]
    assert main([*argv, "--format", "csv"]) == 0
    err = capsys.readouterr().err
    assert "repaired broken.gpkg feature S04 (Self-intersection[" in err
