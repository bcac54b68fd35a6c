"""Every exercise of every notebook: the instructor's solution passes its check, the student's stub
(nbgrader's) reports "not attempted" without raising, the notebook calls the check on the function
in an autograded nbgrader test cell, and under nbgrader a check that did not pass raises.

Wrong answers, one per common mistake, are tested per notebook in ``test_exercises_0N.py``.
"""
from __future__ import annotations

import importlib
import pkgutil

import pytest

import helpers.exercises as ex
from helpers.exercises import Feedback

from exercise_tools import cells, define, exercises_of, solution_source, stub_source

MODULES = sorted(m.name for m in pkgutil.iter_modules(ex.__path__) if m.name.startswith("nb"))
CASES = [(m, n) for m in MODULES for n in exercises_of(m)]


def test_every_notebook_has_two_or_three_exercises():
    assert MODULES == [f"nb0{i}" for i in range(1, 9)]
    for module in MODULES:
        assert 2 <= len(exercises_of(module)) <= 3, module


@pytest.mark.parametrize("module,number", CASES)
def test_solution_passes(module, number):
    exercise = exercises_of(module)[number]
    fn = define(solution_source(module, number), exercise.function)
    fb = exercise.check(fn)
    assert fb.status == "passed", str(fb)
    assert str(fb).endswith("correct.")


@pytest.mark.parametrize("module,number", CASES)
def test_unsolved_stub_is_todo(module, number):
    exercise = exercises_of(module)[number]
    fn = define(stub_source(module, number), exercise.function)
    fb = exercise.check(fn)
    assert fb.status == "todo", str(fb)
    assert not fb
    assert "not attempted yet" in str(fb)


@pytest.mark.parametrize("module,number", CASES)
def test_notebook_calls_the_check(module, number):
    exercise = exercises_of(module)[number]
    call = f"{exercise.check.__name__}({exercise.function})"
    assert any(c.cell_type == "code" and call in c.source for c in cells(module)), call


@pytest.mark.parametrize("module,number", CASES)
def test_not_a_function_and_a_crash_are_reported(module, number):
    exercise = exercises_of(module)[number]
    fb = exercise.check(42)
    assert fb.status == "wrong" and "pass the function itself" in str(fb)

    def crashes(*args, **kwargs):
        raise ZeroDivisionError("boom")
    fb = exercise.check(crashes)
    assert fb.status == "wrong" and "ZeroDivisionError: boom" in str(fb), str(fb)


def test_feedback_text():
    fb = Feedback("9.9", "demo", hint="look closer")
    assert fb.status == "passed" and bool(fb)
    fb.fail("the answer is 3, expected 4")
    assert fb.status == "wrong" and not fb
    assert str(fb) == ("Exercise 9.9 (demo): not right yet.\n  - the answer is 3, expected 4\n"
                       "  Hint: look closer")
    with fb.attempt("f"):
        raise NotImplementedError
    assert fb.status == "todo"


def test_expect_array_names_the_mismatch():
    import torch
    fb = Feedback("9.9", "demo")
    assert not fb.expect_array("x", [1, 2], torch.zeros(2))
    assert "should be a tensor" in fb.problems[-1]
    assert not fb.expect_array("x", torch.zeros(3), torch.zeros(2))
    assert "shape (3,), expected (2,)" in fb.problems[-1]
    assert not fb.expect_array("x", torch.tensor([0.0, float("nan")]), torch.zeros(2))
    assert "NaN" in fb.problems[-1]
    assert not fb.expect_array("x", torch.tensor([0.0, 0.5]), torch.zeros(2))
    assert "index (1,)" in fb.problems[-1] and "got 0.5" in fb.problems[-1]
    assert fb.expect_array("x", torch.zeros(2), torch.zeros(2))


def test_name_mistake_records_the_first_match_only():
    fb = Feedback("9.9", "demo")
    mistakes = {"off by one": 4, "doubled": 6, "also doubled": 6}
    assert not fb.name_mistake(mistakes, lambda wrong: wrong == 5)
    assert fb.ok
    assert fb.name_mistake(mistakes, lambda wrong: wrong == 6, prefix="f(3): ")
    assert fb.problems == ["f(3): doubled"]


def test_predictions_todo_then_right_then_wrong():
    from helpers.exercises import check_predictions
    measured = {"invariant": True, "digits": 1, "purity": 0.98, "keeps more": "the same"}
    todo = check_predictions("9.9", "t", {"invariant": True, "digits": None, "purity": None, "keeps more": None},
                             measured)
    assert todo.status == "todo" and "'digits'" in str(todo) and "0.98" not in str(todo)   # no answer shown yet
    assert repr(todo) == str(todo)                                   # a notebook displays the repr
    right = check_predictions("9.9", "t", {"invariant": True, "digits": 1, "purity": 0.9, "keeps more": "The same"},
                              measured)
    assert right and "Measured in this run" in str(right) and "0.98" in str(right)
    wrong = check_predictions("9.9", "t", {"invariant": "yes", "digits": 3, "purity": 0.5, "keeps more": "zeroing"},
                              measured)
    assert wrong.status == "wrong" and len(wrong.problems) == 4, wrong.problems
    assert "True or False" in wrong.problems[0] and "the run says 1" in wrong.problems[1]
    extra = check_predictions("9.9", "t", {**measured, "colour": "red"}, measured)
    assert extra.status == "wrong" and "unknown prediction" in extra.problems[0]


@pytest.mark.parametrize("module", MODULES)
def test_each_prediction_is_checked_in_its_notebook(module):
    """A predict-then-check exercise listed in PREDICTIONS is checked in the notebook under that number and
    title, and its prediction cell ships unanswered (None), so the committed run shows "not attempted yet"."""
    mod = importlib.import_module(f"helpers.exercises.{module}")
    for number, title in getattr(mod, "PREDICTIONS", {}).items():
        code = [c.source for c in cells(module) if c.cell_type == "code"]
        assert any(f'ex.check_predictions("{number}", "{title}"' in src for src in code), number
        var = f"prediction_{number.replace('.', '_')}"
        (stub,) = [src for src in code if src.startswith(f"{var} = ")]
        namespace: dict = {}
        exec(stub, namespace)
        assert namespace[var] and all(v is None for v in namespace[var].values()), stub


@pytest.mark.parametrize("module,number", CASES)
def test_check_cell_is_an_autograded_test_cell(module, number):
    """nbgrader grades the check cell that calls the check: a locked test cell worth one point, one grade id
    per exercise (unique within the notebook, as nbgrader requires)."""
    exercise = exercises_of(module)[number]
    call = f"ex.{exercise.check.__name__}({exercise.function})"
    (cell,) = [c for c in cells(module) if c.cell_type == "code" and c.source.strip().endswith(call)
               and "if " not in c.source]
    meta = cell.metadata.get("nbgrader", {})
    assert meta.get("grade") is True and meta.get("locked") is True and meta.get("points") == 1, meta
    assert meta.get("grade_id") == f"check_{number.replace('.', '_')}", meta
    ids = [c.metadata["nbgrader"]["grade_id"] for c in cells(module) if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids)), ids


@pytest.mark.parametrize("module,number", CASES)
def test_under_nbgrader_a_check_that_did_not_pass_raises(module, number, monkeypatch):
    """nbgrader scores a test cell by whether it raised: under its autograder (and its Validate button) the
    stub's check and a crashing answer's raise, with the feedback as the message; the solution's does not.
    Outside nbgrader the same calls return the feedback (the tests above)."""
    exercise = exercises_of(module)[number]
    stub = define(stub_source(module, number), exercise.function)
    solution = define(solution_source(module, number), exercise.function)
    for execution in ("autograde", "validate"):
        monkeypatch.setenv("NBGRADER_EXECUTION", execution)
        with pytest.raises(AssertionError, match="not attempted yet"):
            exercise.check(stub)
        with pytest.raises(AssertionError, match="not right yet"):
            exercise.check(42)
        assert exercise.check(solution).status == "passed"
