"""Test-session settings: every output of the suite goes to a temporary folder.

Environment variables are set here, at import, so the Jupyter kernels that papermill and
nbval start inherit them:

* ``GAN_COURSE_FIGURES`` / ``GAN_COURSE_ARTIFACTS``: a fresh temporary folder, so tests never
  overwrite the committed figures, and every run trains from scratch (no stale checkpoint
  can make a broken training loop look good);
* ``GAN_COURSE_PROFILE=smoke``: nbval re-executes the committed notebooks in the smoke
  profile (their checked cells print only what does not depend on the profile);
* ``MPLBACKEND=Agg`` for the unit tests (the notebooks set ``%matplotlib inline`` themselves).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="gan-course-tests-"))
os.environ["GAN_COURSE_FIGURES"] = str(_SESSION_DIR / "figures")
os.environ["GAN_COURSE_ARTIFACTS"] = str(_SESSION_DIR / "artifacts")
os.environ["GAN_COURSE_PROFILE"] = "smoke"
os.environ.setdefault("MPLBACKEND", "Agg")

REPO = Path(__file__).resolve().parent


def pytest_sessionfinish(session, exitstatus):  # noqa: ARG001
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)
