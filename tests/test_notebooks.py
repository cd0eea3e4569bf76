"""The notebooks are tutorials of the library's public API: each executes top to bottom and
draws figures, none imports ``experiments``, and each is committed with its outputs (figures
included) from one top-to-bottom run, so that it reads as a tutorial where it is hosted."""

import ast
import os
import sys
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]
MAX_BYTES = 500_000  # outputs are stored: keep figures modest


def code_cells(notebook) -> list:
    return [c for c in notebook.cells if c.cell_type == "code"]


def imported_modules(source: str) -> set[str]:
    """The top-level packages a cell imports (IPython magics translated to Python first)."""
    tree = ast.parse(TransformerManager().transform_cell(source))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 6


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_teaches_the_library_not_experiments(path):
    notebook = nbformat.read(path, as_version=4)
    imports = set().union(*(imported_modules(c.source) for c in code_cells(notebook)))
    assert "experiments" not in imports
    assert "jaxgen" in imports


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_committed_with_its_outputs(path):
    assert path.stat().st_size < MAX_BYTES
    cells = code_cells(nbformat.read(path, as_version=4))
    # one top-to-bottom run: every cell executed, in order
    assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1))
    outputs = [o for c in cells for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any(o.output_type == "display_data" and "image/png" in o.data for o in outputs)


@pytest.mark.subprocess
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_runs(path, tmp_path, monkeypatch):
    # the kernel spec runs "python": make it this environment's interpreter, on this checkout
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, on the first error
    outputs = [o for c in code_cells(notebook) for o in c.get("outputs", [])]
    figures = [o for o in outputs if o.output_type == "display_data" and "image/png" in o.data]
    assert figures  # figures were drawn
