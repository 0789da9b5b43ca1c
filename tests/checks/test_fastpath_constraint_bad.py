"""``spatial check --constraint`` with a bad feature where its fast path skips: the plain outcome.

Two shortcuts serve a large constraint layer (a district's 永久基本农田): the
validator in its vectorised form above 2,000 features
(:func:`spatial.validate.inputs.prepare_inputs`) and, for the occupancy, only the
constraint's features whose box meets a zone's dissolved
(:func:`spatial.checks.constraints._near`). The plain path checks every feature
one by one and dissolves the whole layer. Each kind of bad feature of
:mod:`fastpath_bad` is put far from every zone (where ``_near`` leaves it out) or
inside zone-cjrh, first or last in a GeoPackage of 2,100 synthetic parcels
(示例数据, EPSG:4544); the command's exit code and output (the one-line refusal)
must be the plain path's. A line or a point in a constraint layer is refused by
name (it was an internal error where it was dissolved, and passed unseen far from
every zone).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from conftest import grid_parcels_gk
from fastpath_bad import KINDS, spoil, write_layer

from spatial.checks import constraints, prepare
from spatial.cli import main
from spatial.io.layers import bundled_layer_path, read_layer
from spatial.validate.inputs import prepare_inputs

ZONE = read_layer(bundled_layer_path("zones")).to_crs(4544).set_index("id").geometry["zone-cjrh"]
N_NEAR, N_FAR = 1600, 500
PLACES = {"first": 0, "last": N_NEAR + N_FAR - 1}


@pytest.fixture(scope="module")
def farmland() -> gpd.GeoDataFrame:
    near = grid_parcels_gk(40)
    far = near.iloc[:N_FAR].copy()
    far = far.set_geometry(far.geometry.translate(0, -20_000))
    far["id"] = [f"q{i:05d}" for i in range(N_FAR)]
    return gpd.GeoDataFrame(pd.concat([near, far], ignore_index=True), crs=4544)


def _at(where: str) -> tuple[float, float]:
    inside = ZONE.representative_point()
    return (inside.x, inside.y) if where == "near" else (inside.x, inside.y - 20_000.0)


def _plain(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every feature through the full validator, one by one; the whole layer dissolved."""

    def one_by_one(*args: object, **kwargs: object) -> object:
        return prepare_inputs(*args, **{**kwargs, "full_check_max_features": 10**9})  # type: ignore[arg-type]

    monkeypatch.setattr(prepare, "prepare_inputs", one_by_one)
    monkeypatch.setattr(constraints, "_near", lambda theirs, ours, crs: np.arange(len(theirs)))


def _check(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["check", "--constraint", f"永久基本农田={path}", "--format", "json"])
    out, err = capsys.readouterr()
    return code, out, err


def _both(
    path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[tuple[int, str, str], tuple[int, str, str]]:
    fast = _check(path, capsys)
    with monkeypatch.context() as patch:
        _plain(patch)
        plain = _check(path, capsys)
    return fast, plain


SCENES = [
    (kind, place, where)
    for i, kind in enumerate(k for k in KINDS if k != "unclosed")
    for place, where in [(list(PLACES)[i % 2], "far")] + ([("last", "near")] if i < 3 else [])
]


@pytest.mark.parametrize(
    ("kind", "place", "where"), SCENES, ids=["-".join(scene) for scene in SCENES]
)
def test_bad_constraint_feature_same_refusal(
    farmland, tmp_path, capsys, monkeypatch, kind, place, where
):
    layer = spoil(farmland, PLACES[place], kind, _at(where))
    path = write_layer(layer, tmp_path / "farmland.gpkg")
    fast, plain = _both(path, capsys, monkeypatch)
    assert fast == plain
    if kind == "null id":  # a constraint feature needs no id: judged alike
        assert fast[0] == 1
        return
    assert fast[0] == 2
    assert str(path) in fast[2] and len(fast[2].strip().splitlines()) == 1


def _close(got: object, expected: object) -> None:
    """The same JSON, numbers to 1e-9 relative (a union of fewer features: other last bits)."""
    if isinstance(expected, dict):
        assert isinstance(got, dict) and got.keys() == expected.keys()
        for key, value in expected.items():
            _close(got[key], value)
    elif isinstance(expected, list):
        assert isinstance(got, list) and len(got) == len(expected)
        for g, e in zip(got, expected, strict=True):
            _close(g, e)
    elif isinstance(expected, float):
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-9)
    else:
        assert got == expected


def test_clean_constraint_same_rows(farmland, tmp_path, capsys, monkeypatch):
    path = write_layer(farmland, tmp_path / "farmland.gpkg")
    fast, plain = _both(path, capsys, monkeypatch)
    assert fast[0] == plain[0] == 1  # zone-cjrh occupies farmland
    assert fast[2] == plain[2]
    got, expected = json.loads(fast[1]), json.loads(plain[1])
    rows = [r for r in expected["rules"] if r["kind"] == "must_not_occupy"]
    assert any(r["occupied_m2"] > 0 for r in rows)
    _close(got, expected)
