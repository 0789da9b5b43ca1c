"""What the notebook tests share: a notebook committed without outputs, executed in a copy."""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
from nbclient import NotebookClient

__all__ = ["code_cells_unrun", "executed"]


def code_cells_unrun(notebook: nbformat.NotebookNode) -> bool:
    """Whether the notebook has code cells and none holds an output or an execution count."""
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    return bool(code) and all(c.outputs == [] and c.execution_count is None for c in code)


def executed(
    notebook: nbformat.NotebookNode, folder: Path, timeout_s: int
) -> nbformat.NotebookNode:
    """Return a copy of ``notebook`` run top to bottom in ``folder`` (the given one stays as is)."""
    run = copy.deepcopy(notebook)
    client = NotebookClient(
        run, timeout=timeout_s, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    client.execute()
    return run
