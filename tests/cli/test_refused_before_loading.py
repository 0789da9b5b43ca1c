"""A missing input is refused before the readers load: ``file not found`` in a few hundredths.

``spatial validate missing.parquet`` and ``spatial balance missing.parquet`` used to
load pandas, geopandas, pyarrow and GDAL (about 0.5 s of CPU with compiled bytecode,
2.4 s without) before saying the file is not there. The refusal is
:func:`spatial.io.sandbox.refuse_missing_source`, in the readers' own words: checked
here against :func:`spatial.io.layers.read_layer`, and in a fresh interpreter
for what each command loads before it refuses.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from spatial.cli import main
from spatial.errors import LayerReadError
from spatial.io import sandbox
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
    try:
        status = main(json.loads(sys.argv[1]))
    except SystemExit as refused:  # argparse's own refusals
        status = refused.code
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


@pytest.mark.parametrize(
    "command", ["validate", "balance", "map", "check", "report", "overlay", "qc"]
)
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


# map, check, report, overlay and qc: the help, a bad call and a missing first file load no reader.

#: (call, the one line said): the first file each reads names nothing.
FIRST_MISSING = [
    (["map", "--zones", "missing.parquet"], "spatial map: missing.parquet: file not found\n"),
    (["map", "--layer", "p=gone.fgb"], "spatial map: gone.fgb: file not found\n"),
    (["map", "--constraint", "红线=gone.gpkg"], "spatial map: gone.gpkg: file not found\n"),
    (["check", "--zones", "missing.gpkg::zones"], "missing.gpkg::zones: file not found\n"),
    (
        ["check", "--constraint", "redline=gone.gpkg", "--within", "ukb=gone2.gpkg"],
        "spatial check: gone.gpkg: file not found\n",
    ),
    (
        ["report", "--out", "r.html", "--zones", "gone.gpkg", "--layer", "p=gone2.gpkg"],
        "spatial report: gone.gpkg: file not found\n",
    ),
    (["overlay", "A.parquet", "B.parquet"], "spatial overlay: A.parquet: file not found\n"),
    (["overlay", "A.gpkg", "--op", "matrix"], "spatial overlay: A.gpkg: file not found\n"),
    (["qc", "gone.gpkg", "gone2.gpkg"], "spatial qc: gone.gpkg: file not found\n"),
]


@pytest.mark.parametrize(("words", "said"), FIRST_MISSING)
def test_a_missing_first_file_is_refused_before_any_reader_loads(
    tmp_path: Path, words: list[str], said: str
) -> None:
    result = _run(words, tmp_path)
    assert result["status"] == 2
    assert str(result["stderr"]).endswith(said)
    assert str(result["stderr"]).count("\n") == 1
    assert result["loaded"] == []


@pytest.mark.parametrize(("words", "said"), FIRST_MISSING)
def test_the_early_refusal_is_what_the_full_read_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, words: list[str], said: str
) -> None:
    """Without the early refusal the readers load and refuse the same file in the same words.

    Overlay's A is the exception: its full read takes B first (``commands.overlay``),
    so with both missing it names B; the early refusal names A, the first given.
    """
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sandbox, "refuse_missing_source", lambda path: None)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main(words)
    assert status == 2
    if words[:3] == ["overlay", "A.parquet", "B.parquet"]:
        said = "spatial overlay: B.parquet: file not found\n"
    assert err.getvalue().endswith(said)
    assert err.getvalue().count("\n") == 1


#: (call, the one line said first): what a full read says first stays first.
SAID_FIRST = [
    # the plan is resolved before any layer is read
    (
        ["report", "--out", "r.html", "--rules", "gone.toml", "--zones", "gone.gpkg"],
        "spatial report: gone.toml: file not found\n",
    ),
    # a style field without a --layer is refused before the constraints are read
    (
        ["map", "--constraint", "红线=gone.gpkg", "--style-field", "DLBM"],
        "spatial map: --style-field 'DLBM': give the layer to style with --layer\n",
    ),
    (
        ["check", "--constraint", "zones=gone.gpkg"],
        "spatial check: --constraint zones=gone.gpkg: the name 'zones' is already a layer's name\n",
    ),
    (
        ["check", "--constraint", "redline=gone.gpkg", "--tolerance-m2", "-1"],
        "spatial check: --tolerance-m2 must be a number of m² >= 0, got -1.0\n",
    ),
    # an earlier file's own refusal comes before a later missing one
    (
        ["map", "--zones", "empty.gpkg", "--layer", "p=gone.gpkg"],
        "spatial map: empty.gpkg: file is empty\n",
    ),
    (["qc", "empty.gpkg", "gone.gpkg"], "spatial qc: empty.gpkg: file is empty\n"),
    # a bad call before any file
    (
        ["overlay", "gone.parquet", "gone2.parquet", "--op", "coverage"],
        "spatial overlay: --op coverage needs --distance-m (metres)\n",
    ),
    (
        ["qc", "gone.gpkg", "--where", "DLBM"],
        "spatial qc: --where DLBM: expected FIELD=VALUE, FIELD!=VALUE or FIELD=V1,V2\n",
    ),
    # overlay reads B before an A it does not scan, and scans a GeoPackage A before B
    (["overlay", "empty.geojson", "gone.gpkg"], "spatial overlay: gone.gpkg: file not found\n"),
    (["overlay", "empty.gpkg", "gone.gpkg"], "spatial overlay: gone.gpkg: file not found\n"),
]


@pytest.mark.parametrize(("words", "said"), SAID_FIRST)
def test_what_a_full_read_says_first_stays_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, words: list[str], said: str
) -> None:
    """The same first line with the early refusals and without them (the readers' own)."""
    monkeypatch.chdir(tmp_path)
    for name in ("empty.gpkg", "empty.geojson"):
        (tmp_path / name).write_bytes(b"")
    heard = []
    for early in (True, False):
        if not early:
            monkeypatch.setattr(sandbox, "refuse_missing_source", lambda path: None)
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            assert main(words) == 2
        heard.append(err.getvalue())
    assert heard == [said, said]


@pytest.mark.parametrize(
    ("words", "said"),
    [
        (["map", "missing.parquet"], "spatial: error: unrecognized arguments: missing.parquet"),
        (["map", "--decimals", "2"], "spatial map: --decimals must be a number from 4 to 10"),
        (["map", "--basemap", "google"], "spatial map: error: argument --basemap: invalid choice"),
        (["check", "--conflicts-out", "c.gpkg"], "--conflicts-out needs --constraint or --within"),
        (["report", "--out", "r.pdf"], "spatial report: r.pdf: a report is written as .html"),
        (["overlay", "a.parquet", "b.parquet", "--op", "matrix"], "does not use B (b.parquet)"),
        (["qc", "a.gpkg", "--errors-out", "e.csv"], "--errors-out is written as a GeoPackage"),
    ],
)
def test_a_bad_call_is_refused_before_any_reader_loads(
    tmp_path: Path, words: list[str], said: str
) -> None:
    """``spatial map missing.parquet`` took 1.3 s of CPU to say its argument is unknown."""
    result = _run(words, tmp_path)
    assert result["status"] == 2
    assert said in str(result["stderr"])
    assert result["loaded"] == []


@pytest.mark.parametrize("command", [["check"], ["map"], ["report", "--out", "r.html"]])
def test_a_projects_missing_layer_is_refused_with_pyproj_alone(
    tmp_path: Path, command: list[str]
) -> None:
    """The project's CRS is checked (pyproj), its missing file refused: no table, no reader."""
    (tmp_path / "spatial.toml").write_text(
        '[project]\ntitle = "示例数据"\n\n[layers.zones]\npath = "zones.gpkg"\ncrs = "EPSG:4544"\n',
        encoding="utf-8",
    )
    result = _run(command, tmp_path)
    assert result["status"] == 2
    assert "layers.zones.path: no such file 'zones.gpkg'" in str(result["stderr"])
    assert set(result["loaded"]) <= {"pyproj", "numpy"}  # type: ignore[arg-type]
