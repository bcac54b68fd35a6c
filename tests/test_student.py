"""The student release (`make student`, scripts/student.py): nbgrader accepts every notebook and removes
the solutions, and its autograder gives the instructor version full marks and a wrong answer fewer."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from scripts_loader import load_script

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
student = load_script("student")


def _nbgrader_cells(book) -> dict[str, nbformat.NotebookNode]:
    return {c.metadata["nbgrader"]["grade_id"]: c for c in book.cells if "nbgrader" in c.metadata}


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_student_version_has_no_solutions_and_the_same_lesson(nb, student_notebooks):
    """nbgrader replaced each solution by ``raise NotImplementedError()``, cleared every output and locked the
    check cells; every other cell, the lesson's code and prose, is the instructor's unchanged."""
    teacher = nbformat.read(nb, as_version=4)
    pupil = nbformat.read(student_notebooks / nb.name, as_version=4)
    raw = (student_notebooks / nb.name).read_text()
    assert "BEGIN SOLUTION" not in raw and "END SOLUTION" not in raw
    assert not [c for c in pupil.cells if c.cell_type == "code" and (c.outputs or c.execution_count)]
    mine, theirs = _nbgrader_cells(teacher), _nbgrader_cells(pupil)
    assert mine.keys() == theirs.keys() and mine
    for gid, cell in theirs.items():
        if gid.startswith("exercise_"):
            assert "raise NotImplementedError()" in cell.source and cell.source != mine[gid].source, gid
            head = mine[gid].source.split("### BEGIN SOLUTION")[0]
            assert cell.source.startswith(head), gid     # the signature and docstring stay
        else:
            assert cell.source == mine[gid].source and cell.metadata.get("editable") is False, gid
    plain = lambda book: [c.source for c in book.cells if "nbgrader" not in c.metadata]
    assert plain(pupil) == plain(teacher)


def test_make_student_writes_all_or_nothing(tmp_path, monkeypatch):
    """A failing nbgrader leaves the previous student folder as it was (no half-written release)."""
    out = tmp_path / "student"
    out.mkdir()
    (out / "keep.txt").write_text("previous release")
    broken = tmp_path / "notebooks"
    broken.mkdir()
    bad = json.loads(NOTEBOOKS[0].read_text())
    for c in bad["cells"]:
        if "nbgrader" in c["metadata"] and c["metadata"]["nbgrader"]["solution"]:
            c["source"] = "".join(c["source"]).replace("### END SOLUTION", "")   # nbgrader refuses this
            break
    (broken / NOTEBOOKS[0].name).write_text(json.dumps(bad))
    with pytest.raises(RuntimeError, match="generate_assignment"):
        student.release(tmp_path / "course", out, broken)
    assert (out / "keep.txt").read_text() == "previous release"


WRONG_1_1 = ("return mean + h @ components", "return mean - h @ components")


@pytest.mark.notebook
@pytest.mark.parametrize("submission", ["instructor", "wrong answer"])
def test_autograde_full_marks_for_the_instructor_fewer_for_a_wrong_answer(submission, tmp_path):
    """nbgrader autograde (smoke profile) of notebook 01: the committed instructor version scores every point;
    the same notebook with exercise 1.1's sign flipped loses exactly that exercise's point."""
    nb = NOTEBOOKS[0]
    course = tmp_path / "course"
    student.course_folder(course)
    student.nbgrader(course, "generate_assignment", student.ASSIGNMENT, "--force", "--log-level=WARN")
    text = nb.read_text()
    if submission == "wrong answer":
        assert text.count(json.dumps(WRONG_1_1[0])[1:-1]) == 1
        text = text.replace(json.dumps(WRONG_1_1[0])[1:-1], json.dumps(WRONG_1_1[1])[1:-1])
    folder = course / "submitted" / "someone" / student.ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / nb.name).write_text(text)
    env = {"GAN_COURSE_PROFILE": "smoke", "GAN_COURSE_ARTIFACTS": str(tmp_path / "artifacts"),
           "GAN_COURSE_FIGURES": str(tmp_path / "figures")}
    student.nbgrader(course, "autograde", student.ASSIGNMENT, "--student=someone", "--create", "--force",
                     "--log-level=WARN", env=env)
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "gan-noise-course") as gb:
        graded = gb.find_submission_notebook(nb.stem, student.ASSIGNMENT, "someone")
        score, max_score = graded.score, graded.max_score
        lost = sorted(g.name for g in graded.grades if g.max_score and g.score < g.max_score)
    assert max_score == 3
    if submission == "instructor":
        assert score == max_score and not lost, lost
    else:
        assert score == max_score - 1 and lost == ["check_1_1"], (score, lost)
