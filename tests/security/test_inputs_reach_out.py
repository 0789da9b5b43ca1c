"""Inputs stay inside themselves: no request, no other file read, because of what a layer holds.

A listener on 127.0.0.1 records every connection while the commands read
layers that point at it: a GeoJSON ``crs`` link, a VRT over ``/vsicurl/``, a
CRS naming a remote grid. It must record none, and each such input is refused
in one line (exit 2). A VRT over a private file must put nothing of it in the
map page nor in any output.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyogrio
import pytest

from spatial.cli import main

SQUARE = [[[106.2, 29.6], [106.21, 29.6], [106.21, 29.61], [106.2, 29.61], [106.2, 29.6]]]


@dataclass
class Listener:
    """A TCP server on 127.0.0.1 that records the first bytes of every connection."""

    port: int
    requests: list[bytes] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    found = Listener(server.getsockname()[1])
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    found.requests.append(conn.recv(200))
                except OSError:
                    found.requests.append(b"")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield found
    stop.set()
    thread.join(5)
    server.close()


@pytest.fixture(autouse=True)
def _no_proxy_bypass(monkeypatch):
    """curl skips a proxy for hosts in NO_PROXY: clear it, as the GDAL fallback test needs."""
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


def _geojson(path: Path, crs: dict[str, object] | None) -> Path:
    data: dict[str, object] = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": "z1", "name_zh": "一"},
                "geometry": {"type": "Polygon", "coordinates": SQUARE},
            }
        ],
    }
    if crs is not None:
        data["crs"] = crs
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _run(command: str, layer: Path | str, tmp_path: Path, *extra: str) -> int:
    argv = {
        "validate": ["validate", str(layer)],
        "map": ["map", "--zones", str(layer), "--out", str(tmp_path / "out" / "map.html")],
        "check": ["check", "--zones", str(layer), "--out", str(tmp_path / "out" / "check.csv")],
    }[command]
    return main([*argv, *extra])


def _one_line(capsys) -> str:
    lines = [line for line in capsys.readouterr().err.splitlines() if "file(s) checked" not in line]
    assert len(lines) == 1, lines
    return lines[0]


COMMANDS = ["validate", "map", "check"]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_geojson_crs_link_is_refused_and_not_fetched(tmp_path, capsys, listener, command):
    link = {"type": "link", "properties": {"href": listener.url("crs.wkt"), "type": "ogcwkt"}}
    layer = _geojson(tmp_path / "zones.geojson", link)
    assert _run(command, layer, tmp_path) == 2
    line = _one_line(capsys)
    assert f"{layer}: the crs member is a link ('{listener.url('crs.wkt')}')" in line
    assert listener.requests == []


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("http://127.0.0.1:{port}/def/crs/EPSG/0/4326", "names the URL"),
        ("/etc/passwd", "names the file '/etc/passwd'"),
    ],
)
def test_a_geojson_crs_name_that_is_a_url_or_a_path_is_refused(
    tmp_path, capsys, listener, name, said
):
    named = {"type": "name", "properties": {"name": name.format(port=listener.port)}}
    layer = _geojson(tmp_path / "zones.geojson", named)
    assert _run("validate", layer, tmp_path) == 2
    assert said in _one_line(capsys)
    assert listener.requests == []


def test_the_ogc_crs_url_is_still_read(tmp_path, capsys):
    named = {"type": "name", "properties": {"name": "http://www.opengis.net/def/crs/EPSG/0/4326"}}
    layer = _geojson(tmp_path / "zones.geojson", named)
    assert _run("validate", layer, tmp_path) == 0, capsys.readouterr().err


def _vrt(path: Path, source: str, layer: str = "x") -> Path:
    path.write_text(
        f'<OGRVRTDataSource><OGRVRTLayer name="{layer}"><SrcDataSource>{source}</SrcDataSource>'
        "<GeometryType>wkbPoint</GeometryType><LayerSRS>EPSG:4326</LayerSRS>"
        '<GeometryField encoding="PointFromColumns" x="x" y="y"/></OGRVRTLayer>'
        "</OGRVRTDataSource>",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name", ["zones.vrt", "zones.xml"])
def test_a_vrt_over_vsicurl_is_refused_and_not_fetched(tmp_path, capsys, listener, command, name):
    layer = _vrt(tmp_path / name, f"/vsicurl/{listener.url('x.csv')}")
    assert _run(command, layer, tmp_path) == 2
    assert f"{layer}: is a GDAL VRT, which reads other files or URLs" in _one_line(capsys)
    assert listener.requests == []


@pytest.mark.parametrize(
    "name",
    [
        "/vsicurl/http://127.0.0.1:{port}/zones.geojson",
        "http://127.0.0.1:{port}/zones.geojson",
        "/vsizip/{tmp}/zones.zip/zones.shp",
        "CSV:{tmp}/token.csv",
    ],
)
def test_remote_and_virtual_names_are_refused(tmp_path, capsys, listener, name):
    source = name.format(port=listener.port, tmp=tmp_path)
    assert _run("validate", source, tmp_path) == 2
    assert "names a remote or virtual source" in _one_line(capsys)
    assert listener.requests == []


@pytest.fixture
def private_vrt(tmp_path) -> tuple[Path, str]:
    """A VRT making a zone of a token file in a temporary home folder (a CSV beside it)."""
    home = tmp_path / "home" / "planner"
    home.mkdir(parents=True)
    secret = "tok-7f3a9c-PRIVATE"
    token = home / "token.csv"
    square = "POLYGON ((106.2 29.6,106.21 29.6,106.21 29.61,106.2 29.61,106.2 29.6))"
    token.write_text(f'id,name_zh,secret,WKT\nz1,一,{secret},"{square}"\n', encoding="utf-8")
    vrt = tmp_path / "zones.vrt"
    vrt.write_text(
        f'<OGRVRTDataSource><OGRVRTLayer name="zones"><SrcDataSource>{token}</SrcDataSource>'
        "<SrcLayer>token</SrcLayer><GeometryType>wkbPolygon</GeometryType>"
        '<LayerSRS>EPSG:4326</LayerSRS><GeometryField encoding="WKT" field="WKT"/>'
        "</OGRVRTLayer></OGRVRTDataSource>",
        encoding="utf-8",
    )
    return vrt, secret


@pytest.mark.parametrize("command", COMMANDS)
def test_a_vrt_over_a_private_file_puts_nothing_of_it_anywhere(
    tmp_path, capsys, private_vrt, command
):
    """On main, ``spatial map`` wrote the token into the page (exit 1: targets not found)."""
    layer, secret = private_vrt
    assert _run(command, layer, tmp_path) == 2
    captured = capsys.readouterr()
    assert secret not in captured.out + captured.err
    out = tmp_path / "out"
    written = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
    assert [p for p in written if secret.encode() in p.read_bytes()] == []
    assert written == []


CRS_WITH_REMOTE_GRID = (
    "+proj=tmerc +lat_0=0 +lon_0=105 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 "
    "+nadgrids=http://127.0.0.1:{port}/grid.tif +type=crs"
)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_crs_naming_a_remote_grid_is_one_line_exit_2_and_not_fetched(
    tmp_path, capsys, listener, monkeypatch, command
):
    monkeypatch.setenv("PROJ_NETWORK", "ON")  # the toolkit turns it off all the same
    layer = _geojson(tmp_path / "zones.geojson", None)
    crs = CRS_WITH_REMOTE_GRID.format(port=listener.port)
    assert _run(command, layer, tmp_path, "--crs", crs) == 2
    line = _one_line(capsys)
    assert "a grid file it names is missing, and the toolkit fetches none" in line
    assert "internal error" not in line
    assert listener.requests == []


def test_a_remote_grid_is_not_fetched_by_a_fresh_process_told_proj_network_on(tmp_path, listener):
    """In a new process the ``--crs`` is checked before any layer is read: PROJ is off by then."""
    layer = _geojson(tmp_path / "zones.geojson", None)
    crs = CRS_WITH_REMOTE_GRID.format(port=listener.port)
    env = {**os.environ, "PROJ_NETWORK": "ON"}
    argv = [sys.executable, "-m", "spatial", "validate", "--crs", crs, str(layer)]
    done = subprocess.run(argv, env=env, timeout=120, capture_output=True, text=True, check=False)
    assert done.returncode == 2, done.stderr
    assert "a grid file it names is missing" in done.stderr
    assert listener.requests == []


def test_a_file_whose_own_crs_names_a_missing_grid_is_refused(tmp_path, capsys):
    crs = "+proj=longlat +ellps=GRS80 +nadgrids=no_such_grid.gsb +type=crs"
    layer = _geojson(tmp_path / "zones.geojson", {"type": "name", "properties": {"name": crs}})
    assert _run("check", layer, tmp_path) == 2
    line = _one_line(capsys)
    assert f"{layer}: the CRS" in line and "grid file it names is missing" in line


def test_gdal_itself_makes_no_request_behind_the_refusals(tmp_path, listener):
    """Were a refusal missed, GDAL's own network is shut: /vsicurl/ and its HTTP client."""
    from spatial.io.sandbox import shut_network  # noqa: PLC0415 - the other tests run on main

    shut_network()
    vrt = _vrt(tmp_path / "zones.vrt", f"/vsicurl/{listener.url('x.csv')}")
    link = {"type": "link", "properties": {"href": listener.url("crs.wkt"), "type": "ogcwkt"}}
    linked = _geojson(tmp_path / "linked.geojson", link)
    with pytest.raises(Exception, match="Failed to open datasource"):
        pyogrio.read_dataframe(vrt)
    pyogrio.read_dataframe(linked)  # the link cannot be fetched: GDAL goes on without it
    assert listener.requests == []


def test_the_listener_sees_gdal_when_its_network_is_on(tmp_path, listener):
    """The control: GDAL without the toolkit's settings does fetch the link, and it is seen."""
    from spatial.io.sandbox import GDAL_OFFLINE  # noqa: PLC0415

    link = {"type": "link", "properties": {"href": listener.url("crs.wkt"), "type": "ogcwkt"}}
    linked = _geojson(tmp_path / "linked.geojson", link)
    env = {k: v for k, v in os.environ.items() if k not in GDAL_OFFLINE}
    code = "import sys, pyogrio; pyogrio.read_dataframe(sys.argv[1])"
    subprocess.run([sys.executable, "-c", code, str(linked)], env=env, timeout=60, check=True)
    assert [r.split(b" HTTP/")[0] for r in listener.requests] == [b"GET /crs.wkt"]
