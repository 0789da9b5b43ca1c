"""notebooks/explore.ipynb runs top to bottom, and is committed without outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tests.notebooks import code_cells_unrun, executed

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "explore.ipynb"


@pytest.fixture(scope="module")
def notebook() -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK, as_version=4)


def test_notebook_is_committed_without_outputs(notebook):
    assert code_cells_unrun(notebook)


def test_notebook_runs_top_to_bottom(notebook):
    notebook = executed(notebook, NOTEBOOK.parent, timeout_s=120)  # the module's copy unrun
    outputs = [cell.outputs for cell in notebook.cells if cell.cell_type == "code"]
    text = [
        "".join(str(o.get("data", {}).get("text/plain", "")) for o in cell_outputs)
        for cell_outputs in outputs
    ]
    assert "'zones': 5" in text[0]
    assert text[1].count("PASS") == 5
    for zone in ["zone-kcxz", "zone-szjj", "zone-cjrh", "zone-community", "zone-community-phase1"]:
        assert zone in text[2]  # every zone, 0 where none of it lies in the band
    community = next(line for line in text[2].splitlines() if line.startswith("zone-community "))
    assert [float(x) for x in community.split()[-2:]] == [0.0, 0.0]
    # your own layer: read with its own field names, validated, checked, exported, plotted
    printed = ["".join(o.get("text", "") for o in cell_outputs) for cell_outputs in outputs]
    html = ["".join(str(o.get("data", {}).get("text/html", "")) for o in c) for c in outputs]
    assert "ids from field 'CODE', names from field '名称'" in printed[3] and "[]" in text[3]
    assert "matched by name: feature GH-01" in printed[4]
    assert "all pass: 5/5 targets PASS" in html[4]
    assert "'plan.gpkg', 'plan.xlsx'" in text[5]
    assert any("image/png" in o.get("data", {}) for o in outputs[6])
    map_html = "".join(str(o.get("data", {}).get("text/html", "")) for o in outputs[-1])
    assert "iframe" in map_html  # folium shows the map inline


def test_notebook_uses_the_public_api_and_says_how_to_open_it(notebook):
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "spatial.webmap" not in code and "spatial.build_map(" in code
    assert "from spatial import MapOptions" in code
    first = notebook.cells[0]
    assert first.cell_type == "markdown"
    assert (
        "uv run --extra plot --with jupyterlab jupyter lab notebooks/explore.ipynb" in first.source
    )
