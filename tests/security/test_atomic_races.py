"""The atomic writer on a shared folder: exclusive creation, no link followed, no leftovers.

The temporary file is created inside a fresh 0700 folder made with ``mkdtemp``
(exclusive: never an existing name), bytes are written with ``O_CREAT|O_EXCL``,
and a write killed half-way leaves a folder that the next write to the same
target removes, while a write still in progress (its folder locked) is left alone.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from spatial.cli import main
from spatial.errors import OutputError
from spatial.io.atomic import atomic_path, write_text_atomic

KILLED_WRITER = """
import os, signal, sys
from spatial.io.atomic import atomic_path
with atomic_path(sys.argv[1]) as tmp:
    tmp.write_text("half a report")
    os.kill(os.getpid(), signal.SIGKILL)
"""


def _leftovers(folder: Path, name: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(f".{name}."))


def test_temporary_file_is_in_a_private_folder_beside_the_target(tmp_path):
    target = tmp_path / "out.txt"
    with atomic_path(target) as tmp:
        folder = tmp.parent
        assert folder.parent == tmp_path and tmp.name == "out.txt"
        assert stat.S_IMODE(folder.lstat().st_mode) == 0o700
        assert not tmp.exists()  # the writer creates it; nothing was there to follow
        tmp.write_text("new")
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_output_keeps_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        path = write_text_atomic(tmp_path / "out.txt", "x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not mkstemp's 0600


def test_a_link_planted_where_the_file_goes_is_not_followed(tmp_path, monkeypatch):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    planted = tmp_path / "planted"  # as if mkdtemp had been raced
    planted.mkdir(mode=0o700)
    (planted / "out.txt").symlink_to(victim)
    monkeypatch.setattr(tempfile, "mkdtemp", lambda **kwargs: str(planted))
    with pytest.raises(OutputError, match="cannot be written"):
        write_text_atomic(tmp_path / "out.txt", "attacker's bytes")
    assert victim.read_text() == "keep me"
    assert not (tmp_path / "out.txt").exists()


def test_a_killed_write_leaves_nothing_after_the_next_run(tmp_path):
    target = tmp_path / "report.csv"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    command = [sys.executable, "-c", KILLED_WRITER, str(target)]
    killed = subprocess.run(command, env=env, check=False)
    assert killed.returncode == -9
    assert len(_leftovers(tmp_path, target.name)) == 1  # the crash left its folder
    assert main(["check", "--out", str(target)]) == 0  # the same command, run again
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv"]
    assert target.read_bytes().startswith(b"\xef\xbb\xbftable,id,")  # CSV opens with a UTF-8 BOM


def test_a_write_in_progress_is_not_cleaned_away(tmp_path):
    target = tmp_path / "out.txt"
    with atomic_path(target) as tmp:
        tmp.write_text("first")
        write_text_atomic(target, "second")  # another writer of the same target meanwhile
        assert tmp.exists()
    assert target.read_text() == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_only_our_own_leftover_folders_are_removed(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "data.txt").write_text("not ours to delete")
    link = tmp_path / ".out.txt.link.tmp"
    link.symlink_to(elsewhere, target_is_directory=True)
    other = tmp_path / ".other.txt.x.tmp"
    other.mkdir()
    write_text_atomic(tmp_path / "out.txt", "x")
    assert link.is_symlink() and (elsewhere / "data.txt").exists() and other.exists()
