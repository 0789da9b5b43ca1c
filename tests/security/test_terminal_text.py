"""What a terminal shows is what the file holds: control characters in quoted text are escaped.

An id holding a carriage return and ANSI codes used to let ``spatial validate``
paint "no problems, all features valid" over the real problem line. Every line
the command line prints that quotes a file's text goes through
:func:`spatial.errors.printable`; these tests run the commands with the control
and Unicode payloads in ids, names and file names and read the bytes printed.
"""

from __future__ import annotations

import re

import geopandas as gpd
import pytest
import shapely
from payloads import CONTROL, UNICODE, ids
from test_template_injection import write_geojson

from spatial.cli import main
from spatial.errors import LayerError, printable
from spatial.io.layers import bundled_layer_path, read_layer

PAYLOADS = CONTROL + UNICODE
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
BOWTIE = shapely.Polygon([(106.2, 29.6), (106.21, 29.61), (106.21, 29.6), (106.2, 29.61)])


def _no_raw_controls(text: str) -> None:
    assert RAW.findall(text) == []


def _as_read(text: str) -> str:
    """The text as GDAL reads it back: C strings end at the first NUL."""
    return text.split("\x00", maxsplit=1)[0]


@pytest.mark.parametrize(("label", "text"), PAYLOADS, ids=ids(PAYLOADS))
def test_validate_shows_an_id_as_the_file_holds_it(tmp_path, capsys, label, text):
    layer = gpd.GeoDataFrame({"id": [text]}, geometry=[BOWTIE], crs=4326)
    path = write_geojson(layer, tmp_path / "zones.geojson")
    assert main(["validate", str(path)]) == 1
    out, err = capsys.readouterr()
    _no_raw_controls(out + err)
    (line,) = out.splitlines()  # one problem, one line: nothing painted over it
    assert f"feature {printable(_as_read(text).strip())}: invalid geometry" in line


@pytest.mark.parametrize(("label", "text"), PAYLOADS, ids=ids(PAYLOADS))
def test_error_naming_a_file_escapes_its_name(tmp_path, capsys, label, text):
    missing = tmp_path / text.replace("\x00", "")
    assert main(["validate", str(missing)]) == 2
    out, err = capsys.readouterr()
    _no_raw_controls(out + err)
    assert printable(missing.name) in err
    assert len(err.splitlines()) == 2  # the error and the summary, one line each


def test_every_toolkit_error_message_is_printable():
    assert str(LayerError("zone-1\r\x1b[32mall valid")) == "zone-1\\r\\x1b[32mall valid"


def test_map_area_table_escapes_zone_names(tmp_path, capsys):
    zones = read_layer(bundled_layer_path("zones")).to_crs(4326)
    zones["name_zh"] = [text for _, text in PAYLOADS][: len(zones)]
    path = write_geojson(zones, tmp_path / "zones.geojson")
    out_html = tmp_path / "map.html"
    assert main(["map", "--offline", "--zones", str(path), "--out", str(out_html)]) == 0
    out, err = capsys.readouterr()
    _no_raw_controls(out + err)
    for _, text in PAYLOADS[: len(zones)]:
        assert printable(_as_read(text)) in out
