"""Read an exercise's solution and its unsolved stub out of a committed notebook.

The tests run each check on exactly the code a student sees: the solution shown in the
notebook's ``<details>`` cell, and the stub cell that ships with ``NotImplementedError``.
"""
from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any, Callable

import nbformat

from helpers.exercises import Exercise

REPO = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"```python\n(.*?)```", re.S)


def notebook_for(module: str) -> Path:
    """``"nb03"`` -> ``notebooks/03_*.ipynb``."""
    (path,) = sorted((REPO / "notebooks").glob(f"{module[2:]}_*.ipynb"))
    return path


def exercises_of(module: str) -> dict[str, Exercise]:
    return importlib.import_module(f"helpers.exercises.{module}").EXERCISES


def cells(module: str) -> list[Any]:
    return nbformat.read(notebook_for(module), as_version=4).cells


def solution_source(module: str, number: str) -> str:
    """The python block of the markdown cell "Solution to exercise <number>"."""
    found = [c.source for c in cells(module)
             if c.cell_type == "markdown" and f"Solution to exercise {number}<" in c.source]
    assert len(found) == 1, f"{module}: expected one solution cell for exercise {number}, found {len(found)}"
    assert "<details>" in found[0], f"{module}: the solution to {number} must be collapsed in <details>"
    blocks = FENCE.findall(found[0])
    assert blocks, f"{module}: the solution to {number} has no ```python block"
    return "\n".join(blocks)


def stub_source(module: str, function: str) -> str:
    """The code cell that defines ``function`` and still raises NotImplementedError."""
    found = [c.source for c in cells(module)
             if c.cell_type == "code" and f"def {function}(" in c.source]
    assert len(found) == 1, f"{module}: expected one code cell defining {function}, found {len(found)}"
    assert "NotImplementedError" in found[0], f"{module}: the cell of {function} must ship unsolved"
    return found[0]


def define(source: str, name: str, extra: dict[str, Any] | None = None) -> Callable[..., Any]:
    """Execute ``source`` (a cell's code) in a fresh namespace and return ``name`` from it."""
    namespace: dict[str, Any] = dict(extra or {})
    exec(compile(source, f"<{name}>", "exec"), namespace)
    return namespace[name]
