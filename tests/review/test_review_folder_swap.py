"""The review folder is swapped in without the umask, never at the earlier review's cost."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from spatial.commands import _review_folder as folder
from spatial.errors import OutputError


def _review(path: Path, text: str) -> Path:
    path.mkdir()
    (path / "manifest.json").write_text('{"tool": "spatial review"}', encoding="utf-8")
    (path / "report.html").write_text(text, encoding="utf-8")
    return path


def test_the_folder_takes_the_usual_mode_and_the_umask_is_never_changed(tmp_path, monkeypatch):
    mask = os.umask(0o027)  # this test's own umask, restored below
    try:

        def no_umask(_mask: int) -> int:
            raise AssertionError("the process umask was changed (it is every thread's)")

        monkeypatch.setattr(os, "umask", no_umask)
        out = tmp_path / "review"
        private = folder._private_folder(out)
        (private / "report.html").write_text("new", encoding="utf-8")
        folder._swap_in(private, out)
        monkeypatch.undo()
    finally:
        os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o750  # 0o777 less the umask 0o027
    assert (out / "report.html").read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["review"]  # nothing left beside it


def test_an_earlier_review_that_cannot_be_moved_back_is_kept_whole(tmp_path, monkeypatch):
    out = _review(tmp_path / "review", "earlier")
    private = _review(tmp_path / ".review.new.tmp", "new")
    rename = os.rename

    def failing(src, dst):
        if Path(src) == private or (Path(dst) == out and Path(src) != private):
            raise OSError(28, "No space left on device")  # neither the new nor the old moves in
        return rename(src, dst)

    monkeypatch.setattr(os, "rename", failing)
    with pytest.raises(OutputError) as caught:
        folder._swap_in(private, out)
    monkeypatch.undo()
    kept = Path(re.search(r"kept whole at (\S+)$", str(caught.value)).group(1))
    assert (kept / "report.html").read_text(encoding="utf-8") == "earlier"
    assert (kept / "manifest.json").is_file()


def test_a_new_review_that_cannot_move_in_puts_the_earlier_one_back(tmp_path, monkeypatch):
    out = _review(tmp_path / "review", "earlier")
    private = _review(tmp_path / ".review.new.tmp", "new")
    rename = os.rename

    def failing(src, dst):
        if Path(src) == private:
            raise OSError(28, "No space left on device")
        return rename(src, dst)

    monkeypatch.setattr(os, "rename", failing)
    with pytest.raises(OSError, match="No space left"):
        folder._swap_in(private, out)
    monkeypatch.undo()
    assert (out / "report.html").read_text(encoding="utf-8") == "earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".review.new.tmp", "review"]
