"""`make student`: the student release of the course, made by nbgrader itself.

The committed notebooks are the instructor's version: each exercise cell carries its solution between
``### BEGIN SOLUTION`` / ``### END SOLUTION`` (nbgrader's solution cells) and each check cell is an
autograded test cell worth one point. This script copies them into an nbgrader course folder
(``build/nbgrader/source/course/``), runs ``nbgrader generate_assignment`` there, which replaces every
solution by ``raise NotImplementedError()``, clears the outputs and locks the check cells, and copies the
result to ``student/`` (git-ignored). ``helpers`` is installed in the environment, so the student
notebooks run from any folder; they read and write the same ``data/`` as the instructor's.

    python scripts/student.py [--out student] [--course build/nbgrader]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
ASSIGNMENT = "course"
#: what nbgrader puts in place of a solution (tests/exercise_tools.py makes the same stub)
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
CONFIG = """\
c = get_config()  # noqa: F821 (nbgrader's config object)
c.CourseDirectory.course_id = "gan-noise-course"
c.CourseDirectory.root = {root!r}
c.ClearSolutions.code_stub = {{"python": {stub!r}}}
c.Exchange.root = {exchange!r}
c.Execute.timeout = 3600  # seconds per cell: a teach-profile training cell takes minutes on a laptop
"""


def course_folder(course: Path, notebooks: Path = NOTEBOOKS) -> Path:
    """An nbgrader course folder holding the instructor's notebooks as the assignment's source."""
    if course.exists():
        shutil.rmtree(course)
    source = course / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    for nb in sorted(notebooks.glob("[0-9][0-9]_*.ipynb")):
        shutil.copy2(nb, source / nb.name)
    (course / "nbgrader_config.py").write_text(
        CONFIG.format(root=str(course.resolve()), exchange=str((course / "exchange").resolve()), stub=CODE_STUB))
    return course


def nbgrader(course: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``nbgrader <args>`` in the course folder (with ``env`` added to the environment, which the
    kernels it starts inherit); raise with its output when it fails."""
    bin_dir = Path(sys.executable).parent   # nbgrader runs `alembic` and the kernel from PATH: this environment's
    env = {**os.environ, **(env or {}), "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    exe = bin_dir / "nbgrader"
    cmd = [str(exe) if exe.exists() else "nbgrader", *args]
    done = subprocess.run(cmd, cwd=course, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"`{' '.join(cmd[1:])}` failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def release(course: Path, out: Path, notebooks: Path = NOTEBOOKS) -> list[Path]:
    """Generate the student version with nbgrader and copy it to ``out``; return the notebooks written."""
    course_folder(course, notebooks)
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force", "--log-level=WARN")
    generated = sorted((course / "release" / ASSIGNMENT).glob("*.ipynb"))
    if len(generated) != len(list(notebooks.glob("[0-9][0-9]_*.ipynb"))):
        raise RuntimeError(f"nbgrader wrote {len(generated)} notebooks to {course / 'release'}; expected one per notebook")
    tmp = out.with_name(out.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    for nb in generated:
        shutil.copy2(nb, tmp / nb.name)
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)   # all or nothing: never a half-written student folder
    return sorted(out.glob("*.ipynb"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "student", help="folder of the student notebooks")
    ap.add_argument("--course", type=Path, default=ROOT / "build" / "nbgrader", help="nbgrader's course folder")
    ap.add_argument("--notebooks", type=Path, default=NOTEBOOKS, help="folder of the instructor's notebooks")
    args = ap.parse_args(argv)
    written = release(args.course, args.out, args.notebooks)
    try:
        shown = args.out.resolve().relative_to(ROOT)
    except ValueError:
        shown = args.out
    print(f"student version: {len(written)} notebooks in {shown}/ (solutions removed, outputs cleared)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
