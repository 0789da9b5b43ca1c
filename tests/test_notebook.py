"""notebooks/explore.ipynb runs top to bottom, and is committed without outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "explore.ipynb"


@pytest.fixture(scope="module")
def notebook() -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK, as_version=4)


def test_notebook_is_committed_without_outputs(notebook):
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)


def test_notebook_runs_top_to_bottom(notebook):
    client = NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()
    outputs = [cell.outputs for cell in notebook.cells if cell.cell_type == "code"]
    text = [
        "".join(str(o.get("data", {}).get("text/plain", "")) for o in cell_outputs)
        for cell_outputs in outputs
    ]
    assert "'zones': 5" in text[0]
    assert text[1].count("PASS") == 5
    assert "zone-kcxz" in text[2] and "corridor-band" in text[2]
    map_html = "".join(str(o.get("data", {}).get("text/html", "")) for o in outputs[-1])
    assert "iframe" in map_html  # folium shows the map inline
