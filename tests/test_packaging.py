"""The bundled plan works from an installed wheel, not only from the repository."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "spatial" / "webmap" / "static" / "vendor"
MANIFEST = json.loads((VENDOR / "MANIFEST.json").read_text(encoding="utf-8"))


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
    assert not any(name.startswith(("tests/", "tools/", "maps/", "examples/")) for name in names)


def test_wheel_carries_the_vendored_plugins_and_type_marker(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "spatial/py.typed" in names
    assert "spatial/webmap/static/vendor/MANIFEST.json" in names
    for entry in MANIFEST["packages"]:
        for file in entry["sha256"]:
            assert f"spatial/webmap/static/vendor/{entry['name']}/{file}" in names


def test_vendored_files_match_their_manifest() -> None:
    # Each plugin: its version pinned, an open licence, its licence file, every file's sha256.
    assert [e["name"] for e in MANIFEST["packages"]] == [
        "leaflet.fullscreen",
        "leaflet-minimap",
        "leaflet-mouse-position",
        "leaflet-side-by-side",
        "pmtiles",
        "protomaps-leaflet",
    ]
    for entry in MANIFEST["packages"]:
        folder = VENDOR / entry["name"]
        assert entry["version"].count(".") == 2, entry
        assert entry["license"] in {"MIT", "BSD-2-Clause", "BSD-3-Clause"}, entry
        assert "Copyright" in (folder / entry["licence_file"]).read_text(encoding="utf-8")
        assert {entry["script"], *entry["styles"], entry["licence_file"]} <= set(entry["sha256"])
        assert entry["maps"] in {"all", "compare", "tiles"}
        for file, digest in entry["sha256"].items():
            assert hashlib.sha256((folder / file).read_bytes()).hexdigest() == digest, file
    on_disk = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file()}
    listed = {f"{e['name']}/{f}" for e in MANIFEST["packages"] for f in e["sha256"]}
    assert on_disk == listed | {"MANIFEST.json"}  # nothing unlisted ships


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
