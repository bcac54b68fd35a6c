"""Test-session settings: every output of the suite goes to a temporary folder.

Environment variables are set here, at import, so the Jupyter kernels that papermill and
nbval start inherit them:

* ``GAN_COURSE_FIGURES`` / ``GAN_COURSE_ARTIFACTS``: a fresh temporary folder, so tests never
  overwrite the committed figures, and every run trains from scratch (no stale checkpoint
  can make a broken training loop look good);
* ``GAN_COURSE_PROFILE=smoke``: nbval re-executes the committed notebooks in the smoke
  profile (their checked cells print only what does not depend on the profile);
* ``GAN_COURSE_PROGRESS=text``: bars print one final line (no widget a headless kernel cannot draw);
* ``OMP_NUM_THREADS=1``: one thread per kernel, as pytest-xdist runs a worker per core;
* ``MPLBACKEND=Agg`` for the unit tests (the notebooks set ``%matplotlib inline`` themselves).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# The process that starts the session (pytest itself, or pytest-xdist's controller) makes the
# folder; xdist's workers inherit it through the environment: they share the artifacts (so a
# smoke model is trained about once per session, and written atomically when two workers race),
# while each writes its own figures (so a test reads the metrics.json its own run wrote).
if "GAN_COURSE_TEST_SESSION" not in os.environ:
    os.environ["GAN_COURSE_TEST_SESSION"] = tempfile.mkdtemp(prefix="gan-course-tests-")
    _OWNER = True
else:
    _OWNER = False
_SESSION_DIR = Path(os.environ["GAN_COURSE_TEST_SESSION"])
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
os.environ["GAN_COURSE_FIGURES"] = str(_SESSION_DIR / f"figures-{_WORKER}")
os.environ["GAN_COURSE_ARTIFACTS"] = str(_SESSION_DIR / "artifacts")
os.environ["GAN_COURSE_PROFILE"] = "smoke"
os.environ["GAN_COURSE_PROGRESS"] = "text"  # headless kernels: final-line progress (helpers.progress)
# one thread per kernel: the workers already use every core (see pyproject.toml)
os.environ["OMP_NUM_THREADS"] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")

REPO = Path(__file__).resolve().parent


def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist's scheduler for this suite: nbval's cells of one notebook go to one worker, in
    order (they share one kernel); every other test is scheduled on its own, so the notebooks'
    smoke runs spread over the workers. (xdist's ``loadgroup`` marks would say the same, but they
    have no effect with pytest 9.2: xdist renames ``item._nodeid``, which pytest no longer reads.)"""
    from xdist.scheduler import LoadScopeScheduling

    class NotebookCells(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return nodeid if nodeid.startswith("tests/") else nodeid.rsplit("::", 1)[0]

    return NotebookCells(config, log)


def pytest_collection_modifyitems(config, items):  # noqa: ARG001
    """The notebooks' smoke runs first (the longest tests: the short ones fill the gaps after them)."""
    items.sort(key=lambda item: getattr(item, "originalname", None) != "test_notebook_smoke")


def pytest_sessionfinish(session, exitstatus):  # noqa: ARG001
    if _OWNER:
        shutil.rmtree(_SESSION_DIR, ignore_errors=True)
