"""Self-checks for the notebooks' exercises.

Each notebook ends with two or three exercises. A student writes a small function in a
code cell (the cell ships with ``raise NotImplementedError``), runs the check cell below it,
and reads what is wrong, not only "fail". A worked solution sits in a collapsed
``<details>`` cell under the check.

A check calls the student's function on small inputs whose answer is known (computed here
by another route: a library, a closed form, a hand-made case) and returns :class:`Feedback`,
which the notebook displays. An unsolved exercise gives status ``"todo"`` and never raises,
so a notebook executes with its exercises unsolved (papermill, nbval, CI). Under nbgrader's
autograder or its Validate button (``NBGRADER_EXECUTION`` set) a check that did not pass raises
instead (:func:`graded`), so its test cell scores no points.

Per notebook: :mod:`.nb01` ... :mod:`.nb08`; each has ``EXERCISES``, a mapping from the
exercise number to the check and the name of the function the student writes (the tests
run every check against the notebook's solution and against wrong answers).
"""
from __future__ import annotations

import functools
import math
import os
import traceback
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Callable, Literal, Mapping, NamedTuple

import numpy as np
import torch

Status = Literal["passed", "todo", "wrong"]


class Exercise(NamedTuple):
    """One exercise: its check and the name of the function the student defines."""
    check: Callable[[Callable[..., Any]], "Feedback"]
    function: str


@dataclass
class Feedback:
    """The verdict of one check: ``passed``, ``todo`` (not attempted) or ``wrong``, and why.

    Truthy only when passed. Displays as plain text (stable under nbval).
    """
    exercise: str
    title: str
    problems: list[str] = field(default_factory=list)
    todo: str | None = None
    hint: str | None = None

    @property
    def status(self) -> Status:
        if self.todo is not None:
            return "todo"
        return "wrong" if self.problems else "passed"

    @property
    def ok(self) -> bool:
        """No problem found so far (checks stop adding cases once one fails)."""
        return self.todo is None and not self.problems

    def __bool__(self) -> bool:
        return self.status == "passed"

    def fail(self, problem: str) -> None:
        """Record what is wrong, in words a student can act on."""
        self.problems.append(problem)

    def attempt(self, name: str) -> "_Attempt":
        """``with fb.attempt("fn"):`` -- calls inside report NotImplementedError as *todo* and
        any other exception as a problem (with its last line), instead of raising."""
        return _Attempt(self, name)

    def expect(self, condition: bool, problem: str) -> bool:
        """Record ``problem`` unless ``condition``; return ``condition``."""
        if not condition:
            self.fail(problem)
        return bool(condition)

    def name_mistake(self, mistakes: Mapping[str, Any], matches: Callable[[Any], bool], prefix: str = "") -> bool:
        """Record the first problem of ``mistakes`` (problem -> the answer that mistake gives)
        whose answer ``matches`` the student's; return whether one did. This is how a check names
        a common mistake instead of reporting only a numeric mismatch."""
        for problem, wrong in mistakes.items():
            if matches(wrong):
                self.fail(prefix + problem)
                return True
        return False

    def expect_array(self, what: str, got: Any, expected: Any, *, atol: float = 1e-5,
                     rtol: float = 1e-4) -> bool:
        """Compare an array-like answer with the expected one: type, shape, finiteness, values.

        Each mismatch is reported with what was found and what was expected.
        """
        if not isinstance(got, (torch.Tensor, np.ndarray)):
            self.fail(f"{what} should be a tensor (or NumPy array), got {type(got).__name__}")
            return False
        g = got.detach().cpu().double().numpy() if isinstance(got, torch.Tensor) else np.asarray(got, float)
        e = expected.detach().cpu().double().numpy() if isinstance(expected, torch.Tensor) \
            else np.asarray(expected, float)
        if g.shape != e.shape:
            self.fail(f"{what} has shape {tuple(g.shape)}, expected {tuple(e.shape)}")
            return False
        if not np.isfinite(g).all():
            self.fail(f"{what} contains NaN or infinite values ({int((~np.isfinite(g)).sum())} of {g.size})")
            return False
        if not np.allclose(g, e, atol=atol, rtol=rtol):
            diff = np.abs(g - e)
            idx = tuple(int(i) for i in np.unravel_index(int(diff.argmax()), diff.shape))
            self.fail(f"{what} differs from the expected values: largest difference {diff.max():.4g} "
                      f"at index {idx} (got {g[idx]:.4g}, expected {e[idx]:.4g})")
            return False
        return True

    def expect_number(self, what: str, got: Any, expected: float, *, atol: float = 1e-6,
                      rtol: float = 1e-4) -> bool:
        """Compare a scalar answer (a Python number or a 0-dim/1-element tensor)."""
        try:
            value = float(got.item() if isinstance(got, (torch.Tensor, np.ndarray)) else got)
        except (TypeError, ValueError):
            self.fail(f"{what} should be a number, got {type(got).__name__}")
            return False
        if not math.isfinite(value):
            self.fail(f"{what} is {value}, expected {expected:.4g}")
            return False
        if not math.isclose(value, expected, rel_tol=rtol, abs_tol=atol):
            self.fail(f"{what} is {value:.4g}, expected {expected:.4g}")
            return False
        return True

    def __str__(self) -> str:
        head = f"Exercise {self.exercise} ({self.title})"
        if self.status == "todo":
            return f"{head}: not attempted yet. {self.todo}"
        if self.status == "passed":
            return f"{head}: correct."
        lines = [f"{head}: not right yet."] + [f"  - {p}" for p in self.problems]
        if self.hint:
            lines.append(f"  Hint: {self.hint}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)


class _Attempt:
    def __init__(self, fb: Feedback, name: str) -> None:
        self.fb, self.name = fb, name

    def __enter__(self) -> Feedback:
        return self.fb

    def __exit__(self, typ: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        if exc is None:
            return False
        if isinstance(exc, NotImplementedError):
            self.fb.todo = (f"`{self.name}` still raises NotImplementedError: write it in the cell "
                            "above, run that cell, then run this one again.")
            return True
        if isinstance(exc, Exception):
            last = traceback.format_exception_only(type(exc), exc)[-1].strip()
            self.fb.fail(f"`{self.name}` raised {last}")
            return True
        return False  # KeyboardInterrupt and friends pass through


def graded(check: Callable[..., Feedback]) -> Callable[..., Feedback]:
    """Decorate a check: under nbgrader (``NBGRADER_EXECUTION`` is ``autograde`` or ``validate``), a result
    that is not *passed* raises ``AssertionError`` with the feedback's text, which is how an nbgrader test
    cell loses its points; everywhere else the check returns its :class:`Feedback` and never raises."""
    @functools.wraps(check)
    def run_check(*args: Any, **kwargs: Any) -> Feedback:
        fb = check(*args, **kwargs)
        if os.environ.get("NBGRADER_EXECUTION") in ("autograde", "validate") and not fb:
            raise AssertionError(str(fb))
        return fb
    return run_check


def as_array(x: Any) -> np.ndarray | None:
    """A student's array-like answer (a real tensor or NumPy array) as float64 NumPy; None otherwise."""
    if isinstance(x, torch.Tensor) and not x.is_complex():
        return x.detach().cpu().double().numpy()
    if isinstance(x, np.ndarray) and x.dtype.kind in "biuf":
        return x.astype(float)
    return None


def as_tensor(x: Any) -> torch.Tensor | None:
    """Like :func:`as_array`, as a detached float64 tensor."""
    a = as_array(x)
    return None if a is None else torch.from_numpy(a)


def as_number(x: Any) -> float | None:
    """A scalar answer (a Python number, a 0-dim or 1-element tensor or array) as float; None otherwise."""
    try:
        if isinstance(x, torch.Tensor):
            x = x.detach()
        return float(x.item() if isinstance(x, (torch.Tensor, np.ndarray, np.generic)) else x)
    except (TypeError, ValueError, RuntimeError, AttributeError):
        return None


def not_callable(fb: Feedback, fn: Any) -> bool:
    """Record a problem when the student passed something that is not a function."""
    if callable(fn):
        return False
    fb.fail(f"pass the function itself (e.g. `check(my_function)`), got {type(fn).__name__}")
    return True


@dataclass(repr=False)   # Feedback's repr: the text a notebook shows, never the hidden answer
class Prediction(Feedback):
    """A predict-then-check exercise: the student's predictions against what the run measured.
    Until every prediction is filled in it is *todo* and shows nothing of the answer; after, it
    says which predictions were wrong and prints the measurement."""
    answer: str = ""

    def __str__(self) -> str:
        text = super().__str__()
        return text if self.status == "todo" else f"{text}\n  Measured in this run: {self.answer}"


def check_predictions(exercise: str, title: str, predicted: Mapping[str, Any], measured: Mapping[str, Any], *,
                      tolerance: float = 0.1) -> Prediction:
    """Compare the student's ``predicted`` values with the run's ``measured`` ones, key by key: True/False
    and whole numbers must match, other numbers be within ``tolerance``, words match (case ignored).
    ``None`` is a prediction not made yet."""
    fb = Prediction(exercise, title, answer="; ".join(f"{k}: {_show(v)}" for k, v in measured.items()))
    if not isinstance(predicted, Mapping):
        fb.fail(f"keep the predictions as the dict of the cell above, got {type(predicted).__name__}")
        return fb
    unknown = sorted(set(predicted) - set(measured))
    if unknown:
        fb.fail(f"unknown prediction(s) {unknown}: keep the keys {sorted(measured)}")
    missing = [k for k in measured if predicted.get(k) is None]
    if missing:
        fb.todo = (f"fill in {', '.join(repr(k) for k in missing)} in the cell above before you look (None means "
                   "not predicted yet), run it, then run this one again.")
        return fb
    for key, truth in measured.items():
        guess = predicted[key]
        if isinstance(truth, bool):
            if not isinstance(guess, (bool, np.bool_)):
                fb.fail(f"{key!r}: predict True or False, got {guess!r}")
            elif bool(guess) != truth:
                fb.fail(f"{key!r}: you predicted {guess}, the run says {truth}")
        elif isinstance(truth, str):
            if not isinstance(guess, str) or guess.strip().lower() != truth.lower():
                fb.fail(f"{key!r}: you predicted {guess!r}, the run says {truth!r}")
        else:
            value = as_number(guess)
            if value is None or isinstance(guess, bool):
                fb.fail(f"{key!r}: predict a number, got {guess!r}")
            elif isinstance(truth, (int, np.integer)) and value != truth:
                fb.fail(f"{key!r}: you predicted {_show(guess)}, the run says {truth}")
            elif not isinstance(truth, (int, np.integer)) and abs(value - float(truth)) > tolerance:
                fb.fail(f"{key!r}: you predicted {_show(guess)}, the run says {float(truth):.2f} "
                        f"(within {tolerance:g} counts)")
    return fb


def _show(v: Any) -> str:
    return f"{v:.2f}" if isinstance(v, float) else str(v)
