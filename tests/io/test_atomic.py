"""Safe writing: a target is replaced whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from spatial.cli import main
from spatial.errors import OutputError
from spatial.io.atomic import atomic_path, write_text_atomic


def test_success_replaces_the_target(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    write_text_atomic(target, "new 新")
    assert target.read_text(encoding="utf-8") == "new 新"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_failure_mid_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_folder_as_target_is_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="is a folder"):
        write_text_atomic(tmp_path, "x")
    assert list(tmp_path.iterdir()) == []


def test_unwritable_place_is_an_output_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OutputError, match="cannot be written"):
        write_text_atomic(blocker / "sub" / "out.txt", "x")


@pytest.mark.parametrize("command", [["check"], ["map"]])
def test_cli_out_to_a_folder_is_one_line_exit_2(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*command, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a folder" in err
    assert list(tmp_path.iterdir()) == []
