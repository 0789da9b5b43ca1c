"""A missing input is refused before the readers load: ``file not found`` in a few hundredths.

``spatial validate missing.parquet`` and ``spatial balance missing.parquet`` used to
load pandas, geopandas, pyarrow and GDAL (about 0.5 s of CPU with compiled bytecode,
2.4 s without) before saying the file is not there. The refusal is
:func:`spatial.io.sandbox.refuse_missing_source`, in the readers' own words: checked
here against :func:`spatial.io.layers.read_layer`, and in a fresh interpreter
for what each command loads before it refuses.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from spatial.errors import LayerReadError
from spatial.io.layers import read_layer
from spatial.io.sandbox import refuse_missing_source

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "review"
#: What a refused missing file must not have loaded.
READERS = ("pandas", "geopandas", "pyarrow", "pyogrio", "shapely", "pyproj", "folium", "numpy")

PROBE = """
import contextlib, io, json, sys
from spatial.cli import main
err = io.StringIO()
with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
    status = main(json.loads(sys.argv[1]))
loaded = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(sys.argv[2])))
print(json.dumps({"status": status, "stderr": err.getvalue(), "loaded": loaded}))
"""


def _run(words: list[str], cwd: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(words), json.dumps(READERS)],
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize(
    ("words", "said"),
    [
        (["validate", "missing.parquet"], "spatial validate: missing.parquet: file not found\n"),
        (["validate", "missing.gpkg::parcels"], "missing.gpkg::parcels: file not found"),
        (["balance", "missing.parquet"], "spatial balance: missing.parquet: file not found\n"),
        (
            ["balance", "missing.parquet", "--zones", str(EXAMPLES / "redline.geojson")],
            "spatial balance: missing.parquet: file not found\n",
        ),
        (
            ["balance", "--existing", "gone.gpkg", "--planned", "gone2.gpkg"],
            "spatial balance: gone.gpkg: file not found\n",
        ),
    ],
)
def test_a_missing_file_is_refused_before_any_reader_loads(
    tmp_path: Path, words: list[str], said: str
) -> None:
    result = _run(words, tmp_path)
    assert result["status"] == 2
    assert said in str(result["stderr"])
    assert result["loaded"] == []


def test_the_second_of_a_pair_missing_is_refused_as_before(tmp_path: Path) -> None:
    """The existing layer is read (GeoJSON: the usual way) before the planned one is refused."""
    existing = str(EXAMPLES / "landuse_existing.geojson")
    result = _run(["balance", "--existing", existing, "--planned", "gone.gpkg"], tmp_path)
    assert result["status"] == 2
    assert result["stderr"] == "spatial balance: gone.gpkg: file not found\n"


@pytest.mark.parametrize(
    "name",
    ["missing.parquet", "sub/missing.gpkg", "missing.gpkg::parcels", "/vsicurl/http://x/a.fgb"],
)
def test_the_refusal_is_the_readers_own(tmp_path: Path, name: str) -> None:
    path = name if name.startswith("/") else str(tmp_path / name)
    with pytest.raises(LayerReadError) as by_reader:
        read_layer(path)
    with pytest.raises(LayerReadError) as early:
        refuse_missing_source(path)
    assert str(early.value) == str(by_reader.value)


def test_what_exists_is_left_to_the_readers(tmp_path: Path) -> None:
    """An existing file, a layer of an existing file, a dangling link, a database: not refused."""
    layer = tmp_path / "two.gpkg"
    layer.write_bytes(b"not a GeoPackage")
    dangling = tmp_path / "link.parquet"
    dangling.symlink_to(tmp_path / "nowhere.parquet")
    for path in (layer, f"{layer}::parcels", dangling, "postgresql://u@h/db?table=t"):
        refuse_missing_source(path)  # returns: the reader says what is wrong
    with pytest.raises(LayerReadError, match="file not found"):
        read_layer(dangling)


@pytest.mark.parametrize("command", ["validate", "balance"])
def test_a_commands_help_loads_no_reader(tmp_path: Path, command: str) -> None:
    """``spatial balance --help`` took 0.6 s of CPU (pandas, geopandas for a field's name)."""
    probe = (
        "import contextlib, io, json, sys\nfrom spatial.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    try:\n        main([{command!r}, '--help'])\n    except SystemExit:\n        pass\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & set(json.loads(sys.argv[1])))\n"
        "print(json.dumps({'help': out.getvalue(), 'loaded': loaded}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, json.dumps(READERS)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    result = json.loads(done.stdout)
    assert f"usage: spatial {command}" in result["help"]
    assert result["loaded"] == []
