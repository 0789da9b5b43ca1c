"""The bundled plan works from an installed wheel, not only from the repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    uv = shutil.which("uv")
    if uv is None:  # the README runs the tests through uv, so it is there
        pytest.fail("uv is not on PATH; run the tests with `uv run pytest`")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [uv, "build", "--wheel", "--out-dir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("*.whl")
    return built


def test_wheel_carries_layers_and_seeds(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for layer in (
        "district",
        "zones",
        "corridor",
        "clusters",
        "towns",
        "platforms",
        "functional_areas",
    ):
        assert f"spatial/_bundled/geodata/{layer}.geojson" in names
    assert "spatial/_bundled/seeds/plan.toml" in names
    assert "spatial/landuse/data/ydyh_2023.toml" in names  # the land-use classes
    vendored = "spatial/webmap/vendor/leaflet-side-by-side/"
    assert {f"{vendored}{f}" for f in ("index.js", "LICENSE", "VENDOR.json")} <= names
    assert not any(name.startswith(("tests/", "tools/", "maps/", "examples/")) for name in names)


def test_installed_wheel_reads_its_own_bundled_plan(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import spatial, spatial.io.layers as L;"
        "p = L.bundled_layer_path('zones');"
        f"assert str(p).startswith({str(site)!r}), p;"
        "print(len(L.load_plan_layers()['zones']))"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    # Run from an empty folder so the repository's own package cannot be imported.
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(site)!r}); {code}"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "5"
