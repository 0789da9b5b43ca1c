"""Ctrl-C while a command is still loading: "interrupted", exit 130, no traceback.

A command spends its first second importing geopandas, shapely, folium...
(``spatial.cli.build_parser``); an interrupt then is the user's, not a bug.
"""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import spatial.cli
from spatial.cli import main


def test_an_interrupt_while_the_command_loads_is_one_line_exit_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(name: str) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(spatial.cli.importlib, "import_module", interrupted)
    assert main(["map", "--out", "m.html"]) == 130
    assert capsys.readouterr().err == "spatial map: interrupted\n"
    monkeypatch.setattr(spatial.cli.importlib, "import_module", importlib.import_module)


def _loading(pid: int, library: str) -> bool:
    try:
        return library in Path(f"/proc/{pid}/maps").read_text(encoding="utf-8")
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc (Linux)")
def test_ctrl_c_during_loading_in_a_real_process(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", "from spatial.cli import console; console()", "map"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    deadline = time.monotonic() + 60
    # shapely's library is mapped while the map command's modules load (build_parser)
    while not _loading(process.pid, "shapely") and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err == "spatial map: interrupted\n", err


def test_ctrl_c_turned_into_an_import_error_is_an_interrupt(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A command imports shapely when it needs it; Ctrl-C inside the extension's
    # initialisation comes out as "PyCapsule_Import could not import module".
    def importing(args: object) -> int:
        spatial.cli._interrupt(signal.SIGINT, None)  # what the handler does, then the import fails
        return 0

    def failing_import(args: object) -> int:
        try:
            importing(args)
        except KeyboardInterrupt:
            raise ImportError('PyCapsule_Import could not import module "shapely"') from None
        return 0

    monkeypatch.setattr(spatial.cli, "_INTERRUPTED", [])
    monkeypatch.setattr(spatial.cli, "_run_saying_warnings", failing_import)
    assert main(["validate", "x.geojson"]) == 130
    assert capsys.readouterr().err == "spatial validate: interrupted\n"


def test_an_import_error_without_ctrl_c_is_an_internal_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def failing_import(args: object) -> int:
        raise ImportError("no module named shapely")

    monkeypatch.setattr(spatial.cli, "_INTERRUPTED", [])
    monkeypatch.setattr(spatial.cli, "_run_saying_warnings", failing_import)
    assert main(["validate", "x.geojson"]) == 3
    assert "internal error: ImportError" in capsys.readouterr().err
