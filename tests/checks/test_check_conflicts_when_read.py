"""The 三区三线 conflict pieces made only when an output reads them: the same rows, the same files.

Synthetic (示例数据): the survey zones of ``tests/survey.py`` (EPSG:4544) and a
constraint of 100 m parcels over them with 2023 codes (``tests/grids.py``), the
zones without a class field, so the pieces would be split by the constraint's
class. A CSV, a TSV or a workbook holds the targets and the rules alone: the
conflict pieces (and the constraint's land per class) are not made, and the
file is byte for byte the one written when they are; the terminal, JSON,
Markdown, a GeoPackage of the checked layers, ``--conflicts-out`` and
``--landuse`` still make them. A bad constraint feature (a self-crossing ring,
a repeated id), first, last, inside a zone or far from every zone, is refused
in the same words whatever the output.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from grids import grid_parcels
from survey import X0, Y0, survey_zones

from spatial.checks import constraints, run
from spatial.checks.constraints import constraint_rule
from spatial.checks.run import run_checks
from spatial.cli import check as cli_check
from spatial.cli import main
from spatial.commands import _conflicts
from spatial.io.layers import load_plan_layers

FARMLAND = "永久基本农田"
CODES = ["0101", "0102", "0103"]


def _farmland() -> gpd.GeoDataFrame:
    """900 parcels of 100 m over the survey zones (and beyond), EPSG:4544, 示例数据."""
    return grid_parcels(30, 30, CODES, (X0 - 300.0, Y0 - 300.0), id_digits=3)


def _zones() -> gpd.GeoDataFrame:
    return survey_zones().rename(columns={"DYBH": "id"})


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A record of each call of the conflict pieces and of the land per class."""
    calls: list[str] = []
    pieces, lands = run.conflict_pieces, constraints._class_lands

    def counted_pieces(*args, **kwargs):
        calls.append("pieces")
        return pieces(*args, **kwargs)

    def counted_lands(*args, **kwargs):
        calls.append("lands")
        return lands(*args, **kwargs)

    monkeypatch.setattr(run, "conflict_pieces", counted_pieces)
    monkeypatch.setattr(constraints, "_class_lands", counted_lands)
    return calls


def test_the_rule_rows_are_the_same_without_the_pieces(made) -> None:
    layers = {**load_plan_layers(), "zones": _zones(), FARMLAND: _farmland()}
    rule = constraint_rule("must_not_occupy", FARMLAND, "zones", 0.0)
    with_pieces = run_checks(layers, rules=[rule], targets=[], class_field="YDYHFLDM")
    assert made == ["pieces", "lands"]
    assert with_pieces.conflicts is not None
    assert set(with_pieces.conflicts["class_code"]) == set(CODES)  # split by the class
    made.clear()
    alone = run_checks(layers, rules=[rule], targets=[], class_field="YDYHFLDM", conflicts=False)
    assert made == [] and alone.conflicts is None
    pd.testing.assert_frame_equal(alone.rules, with_pieces.rules, check_exact=True)
    pd.testing.assert_frame_equal(alone.targets, with_pieces.targets, check_exact=True)
    occupied = alone.rules.set_index("id")["occupied_m2"]
    # zone A (0..1200 × 0..1000 m) lies wholly on the grid (−300..2700 m): every m² of it
    assert occupied["A"] == pytest.approx(1_200_000.0, rel=1e-3)


def _files(tmp_path: Path) -> list[str]:
    zones, farmland = tmp_path / "zones.parquet", tmp_path / "farmland.parquet"
    _zones().to_parquet(zones)
    _farmland().to_parquet(farmland)
    return ["check", "--zones", str(zones), "--constraint", f"{FARMLAND}={farmland}"]


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".xlsx"])
def test_a_table_of_rows_is_the_same_file_without_the_pieces(
    suffix, tmp_path, made, monkeypatch
) -> None:
    call = _files(tmp_path)
    plain, fast = tmp_path / f"plain{suffix}", tmp_path / f"fast{suffix}"
    assert main([*call, "--out", str(fast)]) == 1  # the zones occupy farmland
    assert made == []
    monkeypatch.setattr(cli_check, "_conflicts_read", lambda args: True)
    assert main([*call, "--out", str(plain)]) == 1
    assert made[:2] == ["pieces", "lands"]
    if suffix == ".xlsx":  # a workbook carries its time of writing: its sheets compared
        for sheet in ("targets", "rules"):
            pd.testing.assert_frame_equal(
                pd.read_excel(fast, sheet_name=sheet), pd.read_excel(plain, sheet_name=sheet)
            )
    else:
        assert fast.read_bytes() == plain.read_bytes()
        assert b"occupied_m2" in fast.read_bytes()


@pytest.mark.parametrize(
    "extra",
    [
        ["--format", "json"],
        ["--format", "markdown"],
        [],  # the terminal
        ["--out", "{tmp}/checked.gpkg"],
        ["--format", "csv", "--conflicts-out", "{tmp}/conflicts.gpkg"],
        ["--format", "json", "--landuse", "{farmland}"],
    ],
)
def test_an_output_reading_the_pieces_makes_them(extra, tmp_path, made, capsys) -> None:
    call = _files(tmp_path)
    farmland = str(tmp_path / "farmland.parquet")
    filled = [e.format(tmp=tmp_path, farmland=farmland) for e in extra]
    assert main([*call, *filled]) == 1
    assert made[:2] == ["pieces", "lands"]
    if extra == ["--format", "json"]:
        assert '"conflicts"' in capsys.readouterr().out


def _fail(*args, **kwargs):
    raise AssertionError("a conflict piece or a split by land-use class was made")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project naming the zones, the farmland constraint and a land use (the farmland's grid)."""
    _files(tmp_path)
    (tmp_path / "spatial.toml").write_text(
        "[layers.zones]\n"
        'path = "zones.parquet"\n'
        f'[constraints."{FARMLAND}"]\n'
        'path = "farmland.parquet"\n'
        "[landuse]\n"
        'path = "farmland.parquet"\n'
        'class_field = "YDYHFLDM"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("typed", [False, True])
@pytest.mark.parametrize("suffix", [".csv", ".tsv"])
def test_the_land_use_splits_nothing_for_a_table_of_rows(
    project: Path, monkeypatch: pytest.MonkeyPatch, suffix: str, typed: bool
) -> None:
    """The project's ``[landuse]`` (or a typed ``--landuse``) cuts nothing for a CSV: same bytes."""
    call = ["check", *(["--landuse", "farmland.parquet"] if typed else [])]
    split = []
    cut = _conflicts.split_by_landuse

    def counted_split(*args, **kwargs):
        split.append("split")
        return cut(*args, **kwargs)

    monkeypatch.setattr(_conflicts, "split_by_landuse", counted_split)
    with monkeypatch.context() as forced:  # as before: every output made and split them
        forced.setattr(cli_check, "_conflicts_read", lambda args: True)
        assert main([*call, "--out", f"plain{suffix}"]) == 1
    assert split == ["split"]  # the independent file: written with the split made
    monkeypatch.setattr(run, "conflict_pieces", _fail)
    monkeypatch.setattr(_conflicts, "split_by_landuse", _fail)
    assert main([*call, "--out", f"fast{suffix}"]) == 1
    plain = (project / f"plain{suffix}").read_bytes()
    assert (project / f"fast{suffix}").read_bytes() == plain
    assert FARMLAND.encode() in plain and b"occupied_m2" in plain


def test_the_projects_land_use_still_splits_what_the_terminal_shows(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--format", "json"]) == 1
    assert '"conflicts_by_landuse"' in capsys.readouterr().out


def _with_bad(kind: str, at: int) -> gpd.GeoDataFrame:
    """2,500 parcels (the vectorised validator's size) with one bad feature at ``at``."""
    farmland = grid_parcels(50, 50, CODES, (X0 - 1_000.0, Y0 - 1_000.0), id_digits=4)
    if kind == "bowtie":  # a self-crossing ring, the parcel's own box
        x0, y0, x1, y1 = farmland.geometry.iloc[at].bounds
        bowtie = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
        farmland.loc[at, "geometry"] = bowtie
    else:  # the id of the parcel before (or after, for the first)
        farmland.loc[at, "id"] = farmland["id"].iloc[at - 1 if at else 1]
    return farmland


@pytest.mark.parametrize("kind", ["bowtie", "duplicate"])
@pytest.mark.parametrize("where", ["first", "near a zone", "far from the zones", "last"])
def test_a_bad_feature_is_refused_alike_by_every_output(kind, where, tmp_path, capsys) -> None:
    at = {"first": 0, "near a zone": 765, "far from the zones": 2_450, "last": 2_499}[where]
    zones, farmland = tmp_path / "zones.parquet", tmp_path / "farmland.parquet"
    _zones().to_parquet(zones)
    bad = _with_bad(kind, at)
    bad.to_parquet(farmland)
    near = bad.geometry.iloc[at].intersects(_zones().union_all())
    assert near == (where == "near a zone")
    call = ["check", "--zones", str(zones), "--constraint", f"{FARMLAND}={farmland}"]
    said = []
    for fmt in ("csv", "json", "markdown"):
        assert main([*call, "--format", fmt, "--out", str(tmp_path / f"out.{fmt}")]) == 2
        said.append(capsys.readouterr().err)
        assert not (tmp_path / f"out.{fmt}").exists()
    assert said[0] == said[1] == said[2]
    assert bad["id"].iloc[at] in said[0]
    assert ("invalid geometry" if kind == "bowtie" else "duplicate id") in said[0]
