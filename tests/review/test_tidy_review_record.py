"""The review's record of its own source tree and of the fields it used (示例数据: made-up layers).

``commit_dirty`` says whether the toolkit's checkout differed from ``commit`` when
the review ran (``git status --porcelain``); a layer's name field is the one the
planner named, ``name_zh`` when the layer has that column, else none.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from spatial.commands.review import (
    ReviewRequest,
    _commit,
    _commit_dirty,
    _fields_used,
    run_review,
)
from spatial.io.fields import FIELD_NAMES

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(root: Path, *args: str) -> str:
    command = ["git", "-C", str(root), *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A git checkout with one commit of one file."""
    _git(tmp_path, "init", "-q")
    (tmp_path / "a.txt").write_text("示例数据\n", encoding="utf-8")
    _git(tmp_path, "add", "a.txt")
    ident = ("-c", "user.name=t", "-c", "user.email=t@example.invalid")
    _git(tmp_path, *ident, "commit", "-q", "-m", "one")
    return tmp_path


@needs_git
def test_a_clean_checkout_is_not_dirty(checkout):
    assert _commit(checkout) == _git(checkout, "rev-parse", "HEAD")
    assert _commit_dirty(checkout) is False


@needs_git
def test_an_edited_or_added_file_makes_it_dirty(checkout):
    (checkout / "a.txt").write_text("changed\n", encoding="utf-8")
    assert _commit_dirty(checkout) is True
    _git(checkout, "checkout", "--", "a.txt")
    assert _commit_dirty(checkout) is False
    (checkout / "new.py").write_text("x = 1\n", encoding="utf-8")  # untracked counts too
    assert _commit_dirty(checkout) is True


def test_no_checkout_records_neither(tmp_path):
    assert _commit(tmp_path) is None
    assert _commit_dirty(tmp_path) is None


def test_the_manifest_records_it_beside_the_commit(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_review(ReviewRequest(out=tmp_path / "rev"))  # the bundled example
    manifest = json.loads((tmp_path / "rev" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["commit"] == _commit()
    assert manifest["commit_dirty"] == _commit_dirty()
    assert (manifest["commit"] is None) == (manifest["commit_dirty"] is None)


def _layer(**columns: list[object]) -> gpd.GeoDataFrame:
    boxes = [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]
    return gpd.GeoDataFrame({"id": ["A", "B"], **columns}, geometry=boxes, crs="EPSG:4544")


@pytest.mark.parametrize(
    ("layer", "name"),
    [
        (_layer(), None),  # no name field at all
        (_layer(name_zh=["甲", "乙"]), "name_zh"),
        (_layer(name_zh=["甲", "乙"], DYMC=["甲", "乙"]), "DYMC"),  # the planner's field
    ],
)
def test_the_name_field_used_is_the_planners_or_name_zh(layer, name):
    if name == "DYMC":
        layer.attrs[FIELD_NAMES] = {"name_zh": "DYMC"}
    request = ReviewRequest(out="unused")
    used = _fields_used(request, "zones", layer)
    assert used["name"] == name
    assert used["id"] == "id"
