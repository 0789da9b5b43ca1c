"""Inputs and outputs that are not plain files: FIFOs, devices, symlinks, a file as a folder."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from spatial.cli import main
from spatial.errors import LayerReadError, OutputError
from spatial.io.atomic import write_text_atomic
from spatial.io.layers import bundled_layer_path, read_layer
from spatial.validate.problems import validate_file

ZONES = str(bundled_layer_path("zones"))


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "zones.geojson"
    os.mkfifo(path)
    return path


def _unblock(path: Path) -> threading.Timer:
    """Open the FIFO for writing after a while, so a reader that hangs is released, not stuck."""

    def release() -> None:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK) if _has_reader(path) else None
        if fd is not None:
            os.close(fd)

    timer = threading.Timer(5.0, release)
    timer.daemon = True
    timer.start()
    return timer


def _has_reader(path: Path) -> bool:
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        return False
    return True


@pytest.mark.parametrize("command", ["check", "validate", "overlay", "map"])
def test_a_fifo_input_is_refused_at_once(tmp_path, capsys, command):
    fifo = _fifo(tmp_path)
    timer = _unblock(fifo)
    argv = {
        "check": ["check", "--zones", str(fifo)],
        "validate": ["validate", str(fifo)],
        "overlay": ["overlay", str(fifo), "--op", "matrix"],
        "map": ["map", "--zones", str(fifo), "--out", str(tmp_path / "m.html")],
    }[command]
    assert main(argv) == 2
    timer.cancel()
    err = capsys.readouterr().err
    assert f"{fifo}: is a FIFO (named pipe), not a regular file" in err


def test_a_symlink_to_dev_zero_is_refused_before_reading(tmp_path):
    link = tmp_path / "zones.geojson"
    link.symlink_to("/dev/zero")
    with pytest.raises(LayerReadError, match="is a character device, not a regular file"):
        read_layer(link)
    with pytest.raises(LayerReadError, match="character device"):
        validate_file(link)


def test_a_symlink_to_a_layer_is_read(tmp_path):
    link = tmp_path / "zones.geojson"
    link.symlink_to(ZONES)
    assert len(read_layer(link)) == len(read_layer(ZONES))


@pytest.mark.parametrize("device", ["/dev/null", "/dev/stdout"])
def test_out_to_a_device_writes_to_it_and_leaves_it_a_device(device, capfd):
    before = os.stat(device, follow_symlinks=False)
    assert main(["check", "--out", device, "--format", "csv"]) == 0
    after = os.stat(device, follow_symlinks=False)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    if device == "/dev/stdout":
        assert capfd.readouterr().out.lstrip("\ufeff").startswith("table,")


def test_out_to_dev_full_is_exit_2_with_one_line(capsys):
    assert main(["check", "--out", "/dev/full", "--format", "csv"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["spatial check: /dev/full: cannot be written (No space left on device)"]
    assert Path("/dev/full").is_char_device()


def test_out_through_a_symlink_writes_its_target_and_keeps_the_link(tmp_path):
    real = tmp_path / "reports" / "check.csv"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "latest.csv"
    link.symlink_to(real)
    assert main(["check", "--out", str(link)]) == 0
    assert link.is_symlink() and link.resolve() == real
    assert real.read_text().lstrip("\ufeff").startswith("table,")
    assert sorted(p.name for p in real.parent.iterdir()) == ["check.csv"]  # no temp left


def test_out_whose_parent_is_a_file_names_it(tmp_path):
    blocker = tmp_path / "report"
    blocker.write_text("")
    with pytest.raises(OutputError, match=f"{blocker} is a file, not a folder"):
        write_text_atomic(blocker / "check.csv", "x")


def test_out_to_a_fifo_without_reader_is_refused_not_hung(tmp_path):
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match="cannot be written"):
        write_text_atomic(fifo, "x")
    assert fifo.is_fifo()
