"""The teaching notebooks run top to bottom on the bundled examples.

Each notebook is executed from a temporary copy, so outputs are never written back into
docs/notebooks (which are kept with outputs cleared).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "docs" / "notebooks"
TIMEOUT = 180  # seconds per cell


def _names() -> list[str]:
    return sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def test_there_are_notebooks_and_they_are_stored_without_outputs() -> None:
    assert len(_names()) >= 5
    for name in _names():
        book = nbformat.read(NOTEBOOKS / name, as_version=4)
        nbformat.validate(book)
        for cell in book.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, name


# jupyter's own packages warn about their paths and event loops; not ours to fix
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.parametrize("name", _names())
def test_notebook_runs(name: str, tmp_path: Path) -> None:
    copy = tmp_path / name
    shutil.copy(NOTEBOOKS / name, copy)
    book = nbformat.read(copy, as_version=4)
    client = nbclient.NotebookClient(
        book, timeout=TIMEOUT, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()
    errors = [
        out
        for cell in book.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.output_type == "error"
    ]
    assert not errors
    images = [
        out
        for cell in book.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if "image/png" in out.get("data", {})
    ]
    assert images, f"{name} shows no figure"
    nbformat.write(book, copy)  # the executed copy stays in tmp_path for inspection
