"""Read an exercise's solution and its unsolved stub out of a committed notebook.

The tests run each check on exactly the code a student sees: the instructor's solution cell
(nbgrader's solution region between ``### BEGIN SOLUTION`` and ``### END SOLUTION``), and the stub
nbgrader's ``ClearSolutions`` makes of it for the student version (``raise NotImplementedError()``).
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Callable

import nbformat

from helpers.exercises import Exercise
from scripts_loader import load_script

REPO = Path(__file__).resolve().parent.parent
CODE_STUB = load_script("student").CODE_STUB   # the stub make student's nbgrader writes


def notebook_for(module: str) -> Path:
    """``"nb03"`` -> ``notebooks/03_*.ipynb``."""
    (path,) = sorted((REPO / "notebooks").glob(f"{module[2:]}_*.ipynb"))
    return path


def exercises_of(module: str) -> dict[str, Exercise]:
    return importlib.import_module(f"helpers.exercises.{module}").EXERCISES


def cells(module: str) -> list[Any]:
    return nbformat.read(notebook_for(module), as_version=4).cells


def exercise_cell(module: str, number: str) -> Any:
    """The nbgrader solution cell of exercise ``number`` (grade id ``exercise_<n>_<m>``)."""
    gid = f"exercise_{number.replace('.', '_')}"
    found = [c for c in cells(module) if c.cell_type == "code"
             and c.metadata.get("nbgrader", {}).get("grade_id") == gid]
    assert len(found) == 1, f"{module}: expected one nbgrader cell {gid}, found {len(found)}"
    meta = found[0].metadata["nbgrader"]
    assert meta["solution"] and not meta["grade"], f"{module}: {gid} must be a solution cell, not graded"
    return found[0]


def solution_source(module: str, number: str) -> str:
    """The instructor's code of exercise ``number``: the solution cell, markers and all (they are comments)."""
    src = exercise_cell(module, number).source
    assert "### BEGIN SOLUTION" in src and "### END SOLUTION" in src, f"{module}: {number} has no solution markers"
    return src


def stub_source(module: str, number: str) -> str:
    """What the student gets for exercise ``number``: nbgrader's own ClearSolutions applied to the cell."""
    from nbgrader.preprocessors import ClearSolutions

    cell = exercise_cell(module, number)
    nb = nbformat.v4.new_notebook(cells=[nbformat.from_dict(dict(cell))],
                                  metadata={"kernelspec": {"language": "python", "name": "python3", "display_name": "Python 3"}})
    cleared, _ = ClearSolutions(code_stub={"python": CODE_STUB}).preprocess(nb, {})
    src = cleared.cells[0].source
    assert "NotImplementedError" in src and "BEGIN SOLUTION" not in src, src
    return src


def define(source: str, name: str, extra: dict[str, Any] | None = None) -> Callable[..., Any]:
    """Execute ``source`` (a cell's code) in a fresh namespace and return ``name`` from it."""
    namespace: dict[str, Any] = dict(extra or {})
    exec(compile(source, f"<{name}>", "exec"), namespace)
    return namespace[name]
