"""notebooks/review.ipynb walks the review on the example project top to bottom (issue 21)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import nbformat
import pytest

from tests.notebooks import code_cells_unrun, executed

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "review.ipynb"
UNATTENDED = (
    "uv run jupyter nbconvert --to notebook --execute notebooks/review.ipynb "
    "--output review-run.ipynb"
)


@pytest.fixture(scope="module")
def notebook() -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK, as_version=4)


def test_review_notebook_is_committed_without_outputs(notebook):
    assert code_cells_unrun(notebook)


def test_review_notebook_and_readme_say_how_to_run_it_unattended(notebook):
    assert UNATTENDED in notebook.cells[0].source
    assert "uv run jupyter nbconvert --to notebook --execute" in (ROOT / "README.md").read_text(
        encoding="utf-8"
    )


def _texts(notebook: nbformat.NotebookNode) -> list[str]:
    """Each code cell's printed and shown text."""
    out = []
    for cell in (c for c in notebook.cells if c.cell_type == "code"):
        parts = [o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.outputs]
        out.append("".join(parts))
    return out


def test_review_notebook_loads_a_project_from_one_marked_line(notebook):
    first = notebook.cells[1].source
    marked = [line for line in first.splitlines() if "▶" in line]
    assert len(marked) == 1 and "spatial.toml" in marked[0]
    assert 'PROJECT = Path("..") / "examples" / "own-plan" / "spatial.toml"' in first
    assert "load_project(PROJECT)" in first
    assert 'OUT = Path("review-out")' in first and "review-out/" in notebook.cells[0].source
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    assert "load_plan_layers" not in code  # no bundled Bishan layer in a planner's check
    assert "review_request(project, OUT" in code


def test_review_notebook_runs_the_review_top_to_bottom(notebook, tmp_path):
    # run beside a link to examples/, so that review-out/ is written in tmp_path, not the repo
    (tmp_path / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    (tmp_path / "notebooks").mkdir()
    notebook = executed(notebook, tmp_path / "notebooks", timeout_s=300)  # the module's copy unrun
    text = _texts(notebook)
    assert "'zones': 2" in text[0]
    assert "水田" in text[1] and "二类城镇住宅用地" in text[1]  # the balance, class names shown
    assert text[2].count("FAIL") == 3 and text[2].count("PASS") == 3  # 三区三线, 3 of 6 fail
    assert "永久基本农田" in text[3] and "城镇开发边界" in text[3]
    assert "attributes_changed" in text[4] and "from" in text[5]  # statuses, the class matrix
    assert "'findings': 0" in text[6]
    assert "atlas pages: 3" in text[7]  # the overview and one page per zone
    for name in ("report.html", "report.pdf", "tables.xlsx", "findings.gpkg", "manifest.json"):
        assert name in text[7]
    out = tmp_path / "notebooks" / "review-out"
    assert f"review in {out}" in text[7]  # the closing line names the folder the notebook states
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [r["role"] for r in manifest["layers_read"]] == [
        "zones",
        "永久基本农田",
        "生态保护红线",
        "城镇开发边界",
        "landuse",
        "previous_landuse",
    ]  # the project's layers, nothing bundled
    project = ROOT / "examples" / "own-plan" / "spatial.toml"
    assert manifest["project"]["sha256"] == hashlib.sha256(project.read_bytes()).hexdigest()
    zones = ROOT / "examples" / "review" / "zones.geojson"
    assert hashlib.sha256(zones.read_bytes()).hexdigest() in text[8]
