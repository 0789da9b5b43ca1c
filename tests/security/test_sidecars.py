"""Every file read is a regular file within bounds, and every feature and row is accounted for.

The main-file check (``tests/io/test_special_files.py``) now covers the files
GDAL opens with a layer: a Shapefile's sidecars and a File Geodatabase's
tables. A FIFO among them is one line (exit 2), never a hang; so are a plan
or rules file that is a FIFO or ``/dev/zero``, a TOML nested 100,000 deep, a
5,000-digit integer in a GeoJSON and a DXF whose nested block inserts would
expand to millions of entities. A GeoJSON inside a zip or under another
suffix is read whole or refused; a ``.dbf`` disagreeing with its ``.shp`` in
row count is refused with both counts.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from spatial.cli import main
from spatial.io.layers import read_layer

SQUARES = [shapely.box(106.2 + i * 0.02, 29.6, 106.21 + i * 0.02, 29.61) for i in range(3)]


def _release_after(path: Path, seconds: float = 5.0) -> threading.Timer:
    """Open a FIFO for writing after a while, so a reader that hangs is released, not stuck."""

    def release() -> None:
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass  # no reader: nothing hangs

    timer = threading.Timer(seconds, release)
    timer.daemon = True
    timer.start()
    return timer


def _stderr_lines(capsys) -> list[str]:
    err = capsys.readouterr().err.splitlines()
    return [line for line in err if "file(s) checked" not in line]


def _run_quickly(argv: list[str], fifo: Path | None = None) -> tuple[int, float]:
    timer = _release_after(fifo) if fifo is not None else None
    start = time.perf_counter()
    code = main(argv)
    elapsed = time.perf_counter() - start
    if timer is not None:
        timer.cancel()
    return code, elapsed


def _shapefile(folder: Path, rows: int = 3, name: str = "zones") -> Path:
    layer = gpd.GeoDataFrame(
        {"id": [f"z{i}" for i in range(rows)], "name_zh": ["区"] * rows},
        geometry=SQUARES[:rows],
        crs=4326,
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.shp"
    layer.to_file(path, encoding="utf-8")
    return path


# --- sidecars and GDB tables -------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".dbf", ".shx", ".prj", ".cpg", ".qix"])
@pytest.mark.parametrize("command", ["validate", "check"])
def test_a_fifo_sidecar_is_refused_at_once(tmp_path, capsys, suffix, command):
    shp = _shapefile(tmp_path)
    sidecar = shp.with_suffix(suffix)
    sidecar.unlink(missing_ok=True)
    os.mkfifo(sidecar)
    argv = {"validate": ["validate", str(shp)], "check": ["check", "--zones", str(shp)]}[command]
    code, elapsed = _run_quickly(argv, fifo=sidecar)
    assert code == 2
    assert elapsed < 4.0  # the release comes at 5 s: nothing waited on the FIFO
    assert _stderr_lines(capsys) == [
        f"spatial {command}: {shp}: {sidecar.name} beside it is a FIFO (named pipe), not a "
        "regular file; GDAL reads it with the layer: remove it or replace it with the file"
    ]


def test_a_sidecar_linked_to_dev_zero_is_refused(tmp_path, capsys):
    shp = _shapefile(tmp_path)
    shp.with_suffix(".prj").unlink()
    shp.with_suffix(".prj").symlink_to("/dev/zero")
    assert main(["validate", str(shp)]) == 2
    assert "zones.prj beside it is a character device" in _stderr_lines(capsys)[0]


def test_a_fifo_table_in_a_file_geodatabase_is_refused_at_once(tmp_path, capsys):
    gdb = tmp_path / "plan.gdb"
    frame = gpd.GeoDataFrame({"id": ["z0", "z1"]}, geometry=SQUARES[:2], crs=4326)
    frame.to_file(gdb, layer="zones", driver="OpenFileGDB")
    table = max(gdb.glob("*.gdbtable"))  # the layer's table, written last
    table.unlink()
    os.mkfifo(table)
    code, elapsed = _run_quickly(["validate", f"{gdb}::zones"], fifo=table)
    assert code == 2 and elapsed < 4.0
    assert _stderr_lines(capsys) == [
        f"spatial validate: {gdb}: {table.name} in it is a FIFO (named pipe), not a regular "
        "file; GDAL reads it with the layer: remove it or replace it with the file"
    ]


# --- the plan and rules TOML -------------------------------------------------------------


def test_a_plan_toml_that_is_a_fifo_is_refused_at_once(tmp_path, capsys):
    fifo = tmp_path / "plan.toml"
    os.mkfifo(fifo)
    code, elapsed = _run_quickly(["check", "--plan", str(fifo)], fifo=fifo)
    assert code == 2 and elapsed < 4.0
    assert _stderr_lines(capsys) == [
        f"spatial check: {fifo}: is a FIFO (named pipe), not a regular plan file"
    ]


def test_a_rules_file_that_is_dev_zero_is_refused_at_once(capsys):
    code, elapsed = _run_quickly(["check", "--rules", "/dev/zero"])
    assert code == 2 and elapsed < 4.0
    assert _stderr_lines(capsys) == [
        "spatial check: /dev/zero: is a character device, not a regular plan file"
    ]


def test_a_toml_nested_100000_deep_is_one_line(tmp_path, capsys):
    deep = tmp_path / "plan.toml"
    deep.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    assert main(["check", "--plan", str(deep)]) == 2
    assert _stderr_lines(capsys) == [
        f"spatial check: {deep}: not valid TOML (tables or arrays nested too deeply)"
    ]


def test_a_5000_digit_integer_in_a_toml_is_one_line(tmp_path, capsys):
    plan = tmp_path / "plan.toml"
    plan.write_text('[[targets]]\nid = "z"\narea_km2 = ' + "9" * 5000 + "\n", encoding="utf-8")
    assert main(["check", "--plan", str(plan)]) == 2
    assert _stderr_lines(capsys) == [
        f"spatial check: {plan}: not valid TOML (a number of more than 4,300 digits)"
    ]


def test_a_toml_larger_than_4_mib_is_refused_by_its_size(tmp_path, capsys):
    large = tmp_path / "rules.toml"
    size = 4 * 2**20 + 1
    large.write_bytes(b"#" * (size - 1) + b"\n")
    assert main(["check", "--rules", str(large)]) == 2
    assert _stderr_lines(capsys) == [
        f"spatial check: {large}: {size:,} bytes, more than the 4,194,304 a plan file may have"
    ]


# --- GeoJSON: huge integers, zipped, odd suffixes ---------------------------------------


def _feature_collection(features: list[dict[str, object]]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features})


def _feature(fid: str, square: shapely.Polygon, **members: object) -> dict[str, object]:
    feature: dict[str, object] = {
        "type": "Feature",
        "properties": {"id": fid, "name_zh": "区"},
        "geometry": shapely.geometry.mapping(square),
    }
    feature.update(members)
    return feature


@pytest.mark.parametrize("where", ["coordinate", "property"])
@pytest.mark.parametrize("command", ["validate", "check"])
def test_a_5000_digit_integer_in_a_geojson_is_one_line(tmp_path, capsys, where, command):
    digits = "1" * 5000
    text = _feature_collection([_feature("z0", SQUARES[0])])
    text = (
        text.replace("106.2,", f"{digits},", 1)
        if where == "coordinate"
        else text.replace('"name_zh"', f'"area": {digits}, "name_zh"', 1)
    )
    path = tmp_path / "zones.geojson"
    path.write_text(text, encoding="utf-8")
    argv = {"validate": ["validate", str(path)], "check": ["check", "--zones", str(path)]}[command]
    assert main(argv) == 2
    lines = _stderr_lines(capsys)
    assert len(lines) == 1
    assert lines == [f"spatial {command}: {path}: not a layer (a number of more than 4,300 digits)"]


def _skipping(path: Path) -> Path:
    """A GeoJSON whose second feature has no "type": GDAL skips it without a word."""
    second = _feature("z1", SQUARES[1])
    del second["type"]
    path.write_text(_feature_collection([_feature("z0", SQUARES[0]), second]), encoding="utf-8")
    return path


def test_a_zipped_geojson_is_refused_not_read_short(tmp_path, capsys):
    inner = _skipping(tmp_path / "zones.geojson")
    archive = tmp_path / "zones.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(inner, "zones.geojson")
    assert main(["validate", str(archive)]) == 2
    assert _stderr_lines(capsys) == [
        f"spatial validate: {archive}: holds the GeoJSON zones.geojson; unzip it and give the "
        "file, so that every feature is read and checked (GDAL skips broken features inside a "
        "zip unseen)"
    ]


def test_a_zipped_shapefile_is_still_read_whole(tmp_path):
    shp = _shapefile(tmp_path / "parts")
    archive = tmp_path / "zones.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in shp.parent.iterdir():
            zipped.write(part, part.name)
    assert read_layer(archive)["id"].tolist() == ["z0", "z1", "z2"]


@pytest.mark.parametrize("suffix", [".txt", ".dat", ""])
def test_a_geojson_under_another_suffix_is_checked_feature_by_feature(tmp_path, capsys, suffix):
    path = _skipping(tmp_path / f"zones{suffix}")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert f'{path}: feature z1: has no "type" member, so GDAL skips it' in out


def test_a_geojson_under_another_suffix_is_refused_by_check(tmp_path, capsys):
    path = _skipping(tmp_path / "zones.txt")
    assert main(["check", "--zones", str(path)]) == 2
    assert _stderr_lines(capsys)[0].startswith(
        f'spatial check: {path}: feature z1 (#1): has no "type" member, so GDAL skips it'
    )


# --- Shapefile rows ---------------------------------------------------------------------


@pytest.mark.parametrize(("shapes", "rows"), [(3, 2), (2, 3)])
@pytest.mark.parametrize("command", ["validate", "check"])
def test_a_dbf_that_disagrees_with_its_shp_is_refused_with_both_counts(
    tmp_path, capsys, shapes, rows, command
):
    shp = _shapefile(tmp_path, rows=shapes)
    other = _shapefile(tmp_path / "other", rows=rows)
    shutil.copy(other.with_suffix(".dbf"), shp.with_suffix(".dbf"))
    argv = {"validate": ["validate", str(shp)], "check": ["check", "--zones", str(shp)]}[command]
    assert main(argv) == 2
    assert _stderr_lines(capsys) == [
        f"spatial {command}: {shp}: zones.dbf holds {rows} attribute row(s) but zones.shp "
        f"holds {shapes} shape(s); attributes would sit on the wrong shapes: re-export the "
        "layer from its source"
    ]


def test_shapes_are_counted_from_the_shp_when_the_shx_is_missing(tmp_path):
    from spatial.io.files import shapefile_counts  # noqa: PLC0415

    shp = _shapefile(tmp_path, rows=3)
    shp.with_suffix(".shx").unlink()
    assert shapefile_counts(shp) == (3, 3)


# --- DXF block inserts ------------------------------------------------------------------


def _dxf(path: Path, depth: int, fan: int, minsert: tuple[int, int] | None = None) -> Path:
    """Block B0 holds one line; each block Bk inserts B(k-1) ``fan`` times; the drawing one Bdepth.

    Expanded, the drawing holds ``fan ** depth`` lines (times columns x rows of
    a MINSERT when ``minsert`` is given).
    """
    groups = ["0", "SECTION", "2", "HEADER", "0", "ENDSEC", "0", "SECTION", "2", "BLOCKS"]
    groups += ["0", "BLOCK", "8", "0", "2", "B0", "70", "0", "10", "0", "20", "0", "30", "0"]
    groups += ["0", "LINE", "8", "0", "10", "0", "20", "0", "30", "0", "11", "1", "21", "1"]
    groups += ["31", "0", "0", "ENDBLK", "8", "0"]
    for k in range(1, depth + 1):
        groups += ["0", "BLOCK", "8", "0", "2", f"B{k}", "70", "0", "10", "0", "20", "0"]
        groups += ["30", "0"]
        for i in range(fan):
            groups += ["0", "INSERT", "8", "0", "2", f"B{k - 1}", "10", str(i), "20", "0"]
            groups += ["30", "0"]
        groups += ["0", "ENDBLK", "8", "0"]
    groups += ["0", "ENDSEC", "0", "SECTION", "2", "ENTITIES"]
    groups += ["0", "INSERT", "8", "0", "2", f"B{depth}", "10", "0", "20", "0", "30", "0"]
    if minsert is not None:
        groups += ["70", str(minsert[0]), "71", str(minsert[1])]
    groups += ["0", "ENDSEC", "0", "EOF"]
    path.write_text("\n".join(groups) + "\n", encoding="ascii")
    return path


def test_a_dxf_whose_nested_inserts_expand_to_a_million_lines_is_refused_at_once(tmp_path, capsys):
    path = _dxf(tmp_path / "nested.dxf", depth=6, fan=10)  # 10**6 lines
    code, elapsed = _run_quickly(["validate", "--crs", "EPSG:4544", str(path)])
    assert code == 2 and elapsed < 5.0
    assert _stderr_lines(capsys) == [
        f"spatial validate: {path}: its block inserts expand to more than 500,000 entities; "
        "explode or purge the nested blocks in CAD, or export only the layers needed"
    ]


def test_a_minsert_of_a_thousand_by_a_thousand_is_refused(tmp_path, capsys):
    path = _dxf(tmp_path / "grid.dxf", depth=0, fan=1, minsert=(1000, 1000))
    assert main(["validate", "--crs", "EPSG:4544", str(path)]) == 2
    assert "expand to more than 500,000 entities" in _stderr_lines(capsys)[0]


def test_a_block_that_inserts_itself_is_refused(tmp_path, capsys):
    path = _dxf(tmp_path / "cycle.dxf", depth=1, fan=2)
    path.write_text(path.read_text().replace("2\nB0\n10\n0", "2\nB1\n10\n0"), encoding="ascii")
    assert main(["validate", "--crs", "EPSG:4544", str(path)]) == 2
    assert (
        "block inserts nest more than 32 deep (or a block inserts itself)"
        in (_stderr_lines(capsys)[0])
    )


def test_a_dxf_with_a_few_nested_inserts_is_still_read(tmp_path):
    path = _dxf(tmp_path / "small.dxf", depth=2, fan=3)  # 9 lines, in one insert
    layer = read_layer(path, crs="EPSG:4544")
    assert len(layer) == 1  # GDAL reads an insert as one feature, its blocks within
    lines = shapely.get_parts(shapely.get_parts(layer.geometry.iloc[0]))
    assert len(lines) == 9
