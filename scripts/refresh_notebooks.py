"""Re-execute the notebooks on the sample data and keep the outputs nbval checks.

nbval (`pytest --nbval-lax`) compares the output of cells marked
``# NBVAL_CHECK_OUTPUT`` with the output committed in the notebook. Run this after
changing a notebook or the sample data, review the diff of the printed numbers,
and commit. Only the marked cells keep outputs, so the notebooks stay small.

    python scripts/refresh_notebooks.py [NOTEBOOK ...]
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import nbformat
import papermill as pm

from cxkit.paths import project_root
from cxkit.runner import KERNEL_ARGUMENTS

MARK = "# NBVAL_CHECK_OUTPUT"


def refresh(path: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        executed = Path(tmp) / path.name
        pm.execute_notebook(str(path), str(executed), cwd=str(path.parent), progress_bar=False,
                            extra_arguments=KERNEL_ARGUMENTS)
        done = nbformat.read(executed, as_version=4)
    nb = nbformat.read(path, as_version=4)
    for cell, ran in zip(nb.cells, done.cells):
        if cell.cell_type != "code":
            continue
        keep = cell.source.lstrip().startswith(MARK)
        cell.outputs = ran.outputs if keep else []
        cell.execution_count = ran.execution_count if keep else None  # nbval skips "unrun" cells
    nbformat.write(nb, path)
    print(f"refreshed {path.relative_to(project_root())}")


if __name__ == "__main__":
    root = project_root()
    names = sys.argv[1:]
    paths = [root / "notebooks" / f"{n}.ipynb" for n in names] if names else \
        sorted((root / "notebooks").glob("*.ipynb"))
    for p in paths:
        refresh(p)
