"""The review's manifest says which encoding a Shapefile without ``.cpg`` was read in, and why.

Synthetic (示例数据) layers from tests/survey.py in EPSG:4544. GDAL decodes a
``.dbf`` with no ``.cpg`` in the code page its header marks (byte 29, the LDID;
the independent answer: the text GDAL gives back), else pyogrio reads it as
ISO-8859-1 (its ``read_info`` says so). Chinese text without a ``.cpg`` is
refused (exit 2, nothing written), so a manifest lists only a layer whose text
reads the same.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from survey import survey_parcels, survey_zones

from spatial.checked.provenance import layer_read
from spatial.cli import main


def _shapefile(
    folder: Path, name: str, *, encoding: str = "UTF-8", ascii_only: bool = True
) -> Path:
    """The survey's land use as a Shapefile with its ``.cpg`` removed."""
    parcels = survey_parcels()
    if ascii_only:
        parcels = parcels.drop(columns="note")
    path = folder / f"{name}.shp"
    parcels.to_file(path, encoding=encoding)
    path.with_suffix(".cpg").unlink()
    return path


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    survey_zones().to_file(tmp_path / "zones.gpkg")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_manifest_names_the_default_a_shapefile_without_cpg_is_read_in(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _shapefile(folder, "landuse")
    argv = ["review", "--zones", "zones.gpkg", "--landuse", "landuse.shp"]
    assert main([*argv, "--class-field", "YDYHFLDM", "--out", "rv"]) == 0
    capsys.readouterr()
    manifest = json.loads((folder / "rv" / "manifest.json").read_text(encoding="utf-8"))
    (read,) = [r for r in manifest["layers_read"] if r["role"] == "landuse"]
    used = pyogrio.read_info(path)["encoding"]
    assert used == "ISO-8859-1"  # pyogrio's default: no .cpg, no code page mark
    assert read["encoding"] == used
    assert read["encoding_from"] == (
        "pyogrio's default: no landuse.cpg, no code page mark in landuse.dbf"
    )
    html = (folder / "rv" / "report.html").read_text(encoding="utf-8")
    layers = html.split("Layers read", 1)[1]
    assert ">ISO-8859-1</td>" in layers.split("</table>", 1)[0]


def _marked(folder: Path, ldid: int, codec: str, text: str) -> tuple[gpd.GeoDataFrame, Path]:
    """One synthetic feature whose ``MC`` is ``text`` in ``codec``: no ``.cpg``, LDID ``ldid``."""
    frame = gpd.GeoDataFrame(
        {"MC": [text], "note": ["synthetic"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4544
    )
    path = folder / "marked.shp"
    frame.to_file(path, encoding=codec)
    path.with_suffix(".cpg").unlink()
    dbf = bytearray(path.with_suffix(".dbf").read_bytes())
    dbf[29] = ldid
    path.with_suffix(".dbf").write_bytes(bytes(dbf))
    return frame, path


@pytest.mark.parametrize(
    ("ldid", "codec", "text", "page"),
    [
        (77, "gbk", "璧山 示例数据", "CP936"),
        (78, "cp949", "한국", "CP949"),
        (79, "big5", "璧山", "CP950"),
        (122, "gbk", "璧山 示例数据", "CP936"),  # 0x7A, "PRC GBK"
        (120, "big5", "璧山", "CP950"),
        (121, "cp949", "한국", "CP949"),
        (123, "CP932", "日本", "CP932"),
        (19, "CP932", "日本", "CP932"),
        (87, "ISO-8859-1", "café", "ISO-8859-1"),
        (3, "CP1252", "café €", "CP1252"),
        (88, "CP1252", "café €", "CP1252"),
        (89, "CP1252", "café €", "CP1252"),
        (1, "CP437", "café", "CP437"),
        (200, "CP1250", "Łódź", "CP1250"),
        (201, "CP1251", "Москва", "CP1251"),
    ],
)
def test_a_code_page_marked_in_the_dbf_is_named_as_the_reason(
    folder: Path, ldid: int, codec: str, text: str, page: str
) -> None:
    frame, path = _marked(folder, ldid, codec, text)
    assert pyogrio.read_dataframe(path)["MC"].iat[0] == text  # GDAL decodes it in that page
    assert text.encode(page.lower()) == text.encode(codec)  # the page named: the same bytes
    read = layer_read("landuse", path, frame, fields={}, hashes={})
    assert (read.encoding, read.encoding_from) == (
        page,
        f"marked.dbf's code page mark (LDID {ldid}), read by GDAL; no marked.cpg",
    )


def test_chinese_text_without_cpg_is_refused_and_no_manifest_written(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _shapefile(folder, "gbk", encoding="GBK", ascii_only=False)  # 示例数据 in its note
    argv = ["review", "--zones", "zones.gpkg", "--landuse", "gbk.shp"]
    assert main([*argv, "--class-field", "YDYHFLDM", "--out", "rv"]) == 2
    err = capsys.readouterr().err
    assert "a Shapefile in GBK needs a .cpg file beside its .shp holding the word GBK" in err
    assert not (folder / "rv").exists()


def test_a_mark_not_in_gdals_table_is_named_by_its_number_only(folder: Path) -> None:
    frame, path = _marked(folder, 250, "UTF-8", "synthetic")  # 250: no LDID of GDAL's table
    read = layer_read("landuse", path, frame, fields={}, hashes={})
    assert (read.encoding, read.encoding_from) == (
        None,
        "marked.dbf's code page mark (LDID 250), not in GDAL's table of code pages; no marked.cpg",
    )


def test_an_upper_case_cpg_is_the_encoding_gdal_read(folder: Path) -> None:
    """GDAL's shapelib opens ``x.CPG`` when there is no ``x.cpg``: its GBK, not the default."""
    frame, path = _marked(folder, 0, "GBK", "璧山 示例数据")
    path.with_suffix(".CPG").write_text("GBK", encoding="ascii")
    assert pyogrio.read_dataframe(path)["MC"].iat[0] == "璧山 示例数据"  # GDAL found it
    read = layer_read("landuse", path, frame, fields={}, hashes={})
    assert (read.encoding, read.encoding_from) == ("GBK", "marked.CPG")


def test_gdals_shape_encoding_option_is_named(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``SHAPE_ENCODING=CP936`` decodes a ``.dbf`` with no ``.cpg`` and no mark in GBK."""
    frame, path = _marked(folder, 0, "GBK", "璧山 示例数据")
    monkeypatch.setenv("SHAPE_ENCODING", "CP936")
    assert pyogrio.read_dataframe(path)["MC"].iat[0] == "璧山 示例数据"  # GDAL decoded it
    read = layer_read("landuse", path, frame, fields={}, hashes={})
    assert (read.encoding, read.encoding_from) == (
        "CP936",
        "GDAL's SHAPE_ENCODING option (over any .cpg or code page)",
    )
    path.with_suffix(".cpg").write_text("UTF-8", encoding="ascii")  # the option wins over it
    assert pyogrio.read_dataframe(path)["MC"].iat[0] == "璧山 示例数据"
    assert layer_read("landuse", path, frame, fields={}, hashes={}).encoding == "CP936"


def test_shape_encoding_set_empty_converts_nothing(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame, path = _marked(folder, 77, "UTF-8", "synthetic")  # the mark ignored as well
    monkeypatch.setenv("SHAPE_ENCODING", "")
    assert pyogrio.read_info(path)["encoding"] == "ISO-8859-1"
    read = layer_read("landuse", path, frame, fields={}, hashes={})
    assert (read.encoding, read.encoding_from) == (
        "ISO-8859-1",
        "pyogrio's default: GDAL's SHAPE_ENCODING set empty, nothing converted",
    )
