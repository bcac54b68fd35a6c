"""`make reproduce` (scripts/reproduce.py) with a stand-in for papermill: metrics kept per seed only
after a notebook finished, resumed runs skip what is done, changed notebook code is run again."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scripts_loader import load_script

REPO = Path(__file__).resolve().parent.parent
reproduce = load_script("reproduce")


def _notebook(folder: Path, name: str, code: str) -> Path:
    nb = folder / f"{name}.ipynb"
    nb.write_text(json.dumps({"cells": [{"cell_type": "code", "source": [code]},
                                        {"cell_type": "markdown", "source": ["prose"]}]}))
    return nb


class FakePapermill:
    """Writes the metrics.json a notebook would (its seed and the metrics of the notebooks before it that it
    found), or fails for the names in ``fail``."""

    def __init__(self, fail: tuple[str, ...] = ()) -> None:
        self.calls: list[tuple[str, int]] = []
        self.fail = fail

    def __call__(self, nb: Path, out: Path, params: dict[str, Any], env: dict[str, str]) -> None:
        self.calls.append((nb.stem, params["SEED"]))
        figures = Path(env["GAN_COURSE_FIGURES"])
        folder = figures / nb.stem
        folder.mkdir(parents=True, exist_ok=True)
        seen = sorted(p.parent.name for p in figures.glob("*/metrics.json"))
        (folder / "metrics.json").write_text(json.dumps({"seed": params["SEED"], "profile": params["PROFILE"],
                                                         "saw": seen}))
        if nb.stem in self.fail:
            raise RuntimeError(f"{nb.stem} crashed")


def _run(tmp_path: Path, notebooks: list[Path], runner: FakePapermill, seeds=(0, 1), **kw: Any) -> dict[str, Any]:
    return reproduce.reproduce(list(seeds), notebooks, results=tmp_path / "results", runs=tmp_path / "runs",
                               runner=runner, torch_version="9.9", log=lambda _: None, **kw)


def test_runs_every_seed_and_resumes(tmp_path):
    nbs = [_notebook(tmp_path, "01_a", "x = 1"), _notebook(tmp_path, "02_b", "y = 2")]
    fake = FakePapermill()
    summary = _run(tmp_path, nbs, fake)
    assert fake.calls == [("01_a", 0), ("02_b", 0), ("01_a", 1), ("02_b", 1)]
    kept = json.loads((tmp_path / "results/teach/seed-1/02_b/metrics.json").read_text())
    assert kept["seed"] == 1 and kept["saw"] == ["01_a"]
    assert set(summary["runs"]) == {"seed-0", "seed-1"} and summary["runs"]["seed-0"]["01_a"]["torch"] == "9.9"
    again = FakePapermill()
    _run(tmp_path, nbs, again)
    assert again.calls == []                                   # all done: nothing redone
    _run(tmp_path, nbs, again, redo=True)
    assert len(again.calls) == 4


def test_changed_code_or_torch_is_stale(tmp_path):
    nbs = [_notebook(tmp_path, "01_a", "x = 1"), _notebook(tmp_path, "02_b", "y = 2")]
    _run(tmp_path, nbs, FakePapermill(), seeds=(0,))
    _notebook(tmp_path, "02_b", "y = 3")                        # prose-only edits would not count
    fake = FakePapermill()
    _run(tmp_path, nbs, fake, seeds=(0,))
    assert fake.calls == [("02_b", 0)]
    fake = FakePapermill()
    reproduce.reproduce([0], nbs, results=tmp_path / "results", runs=tmp_path / "runs", runner=fake,
                        torch_version="10.0", log=lambda _: None)
    assert fake.calls == [("01_a", 0), ("02_b", 0)]


def test_a_crash_keeps_nothing_of_that_notebook(tmp_path):
    nbs = [_notebook(tmp_path, "01_a", "x = 1"), _notebook(tmp_path, "02_b", "y = 2")]
    with pytest.raises(RuntimeError, match="02_b crashed"):
        _run(tmp_path, nbs, FakePapermill(fail=("02_b",)), seeds=(0,))
    assert (tmp_path / "results/teach/seed-0/01_a/metrics.json").is_file()
    assert not (tmp_path / "results/teach/seed-0/02_b").exists()
    summary = json.loads((tmp_path / "results/teach/summary.json").read_text())
    assert list(summary["runs"]["seed-0"]) == ["01_a"]
    fake = FakePapermill()
    _run(tmp_path, nbs, fake, seeds=(0,))
    assert fake.calls == [("02_b", 0)]


def test_a_fresh_clone_gets_the_earlier_notebooks_metrics(tmp_path):
    """Resuming elsewhere (runs/ is not committed): 02 still finds 01's metrics where it reads them."""
    nbs = [_notebook(tmp_path, "01_a", "x = 1"), _notebook(tmp_path, "02_b", "y = 2")]
    _run(tmp_path, nbs[:1], FakePapermill(), seeds=(0,))
    import shutil
    shutil.rmtree(tmp_path / "runs")
    _run(tmp_path, nbs, FakePapermill(), seeds=(0,))
    kept = json.loads((tmp_path / "results/teach/seed-0/02_b/metrics.json").read_text())
    assert kept["saw"] == ["01_a"]


def test_a_notebook_that_records_another_seed_is_refused(tmp_path):
    nbs = [_notebook(tmp_path, "01_a", "x = 1")]

    def wrong_seed(nb: Path, out: Path, params: dict[str, Any], env: dict[str, str]) -> None:
        FakePapermill()(nb, out, {**params, "SEED": 0}, env)

    with pytest.raises(SystemExit, match="records seed 0 / profile teach, not 3 / teach"):
        _run(tmp_path, nbs, wrong_seed, seeds=(3,))
    assert not (tmp_path / "results/teach/seed-3").exists()


def test_bad_arguments_name_the_parameter():
    with pytest.raises(ValueError, match="PROFILE"):
        reproduce.main(["--profile", "fast"])
    with pytest.raises(SystemExit, match="--notebooks: unknown 09_x"):
        reproduce.main(["--notebooks", "09_x"])


NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
RECORDS = ("run.record", "run.save_fig", "run.save_gif", "run.artifact_path", "run.metrics")


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_exercise_cells_come_last_and_record_nothing(nb):
    """code_hash leaves the exercise cells out, which is sound only while they cannot change a recorded
    number: they all follow the last other code cell, and none records a metric or saves a figure or
    an artifact."""
    cells = [c for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code"]
    tagged = ["exercise" in c["metadata"].get("tags", []) for c in cells]
    assert any(tagged), f"{nb.name}: no exercise cells"
    first = tagged.index(True)
    assert all(tagged[first:]), f"{nb.name}: a code cell without the exercise tag follows the exercises"
    for c in cells[first:]:
        src = "".join(c["source"])
        assert not [r for r in RECORDS if r in src], (nb.name, src[:200])


def test_exercise_cells_do_not_count_in_the_code_hash(tmp_path):
    nb = _notebook(tmp_path, "01_x", "x = 1")
    before = reproduce.code_hash(nb)
    data = json.loads(nb.read_text())
    data["cells"].append({"cell_type": "code", "metadata": {"tags": ["exercise"]}, "source": ["def f(): return 2"]})
    nb.write_text(json.dumps(data))
    assert reproduce.code_hash(nb) == before
    data["cells"].append({"cell_type": "code", "metadata": {}, "source": ["y = 2"]})
    nb.write_text(json.dumps(data))
    assert reproduce.code_hash(nb) != before


SIZES_CELL = '''SIZES = {  # profiles change sizes, never code paths
    "smoke": dict(n=10, epochs=1),   # seconds
    "teach": dict(n=100, epochs=2),
    "paper": dict(n=1000, epochs=20),
}
S = pick_profile(PROFILE, SIZES)'''


def test_the_hash_of_a_profile_reads_only_that_profiles_sizes(tmp_path):
    """A SIZES row decides only its own profile's numbers: a smoke-only change leaves the teach runs
    current (and the other way round); the code around the table counts for every profile."""
    nb = _notebook(tmp_path, "01_x", SIZES_CELL)
    teach, smoke = reproduce.code_hash(nb, "teach"), reproduce.code_hash(nb, "smoke")
    assert teach != smoke
    for changed, same, other in (("n=10,", "teach", "smoke"), ("n=100,", "smoke", "teach")):
        edited = _notebook(tmp_path, "01_x", SIZES_CELL.replace(changed, changed.replace("=", "=7")))
        assert reproduce.code_hash(edited, same) == {"teach": teach, "smoke": smoke}[same], changed
        assert reproduce.code_hash(edited, other) != {"teach": teach, "smoke": smoke}[other], changed
    around = _notebook(tmp_path, "01_x", SIZES_CELL + "\nS['n'] += 1")
    assert reproduce.code_hash(around, "teach") != teach and reproduce.code_hash(around, "smoke") != smoke
    with pytest.raises(ValueError, match="PROFILE"):
        reproduce.code_hash(nb, "fast")


def test_a_table_is_cut_where_it_stands_after_other_characters_and_magics_stay():
    source = 'label = "naïve"; SIZES = {"smoke": 1, "teach": 2, "paper": 3}  # ü\nOTHER = {"teach": 5}'
    assert reproduce._one_profile(source, "teach") == \
        'label = "naïve"; SIZES = {\'teach\': 2}  # ü\nOTHER = {"teach": 5}'   # not all three profiles: kept
    assert reproduce._one_profile("%matplotlib inline\nSIZES = {}", "teach") == "%matplotlib inline\nSIZES = {}"


def test_a_budget_in_helpers_course_counts_for_its_profile(tmp_path, monkeypatch):
    """Budgets kept in helpers/course.py (epochs, snapshots, EMA) decide numbers as the SIZES rows do."""
    nb = _notebook(tmp_path, "01_x", "x = 1")
    course = tmp_path / "course.py"
    course.write_text('GAN_EPOCHS = {"smoke": 8, "teach": 2, "paper": 20}\nNAME: str = "x"\n')
    monkeypatch.setattr(reproduce, "COURSE", course)
    assert reproduce.course_budgets("teach") == "GAN_EPOCHS=2"
    teach, smoke = reproduce.code_hash(nb, "teach"), reproduce.code_hash(nb, "smoke")
    course.write_text('GAN_EPOCHS = {"smoke": 4, "teach": 2, "paper": 20}\nNAME: str = "x"\n')
    assert reproduce.code_hash(nb, "teach") == teach and reproduce.code_hash(nb, "smoke") != smoke
    course.write_text('GAN_EPOCHS: dict = {"smoke": 4, "teach": 3, "paper": 20}\n')
    assert reproduce.code_hash(nb, "teach") != teach


def test_the_real_course_budgets_are_read():
    rows = dict(line.split("=") for line in reproduce.course_budgets("teach").splitlines())
    assert {"GAN_EPOCHS", "CODE_GAN_EPOCHS", "NOISE2_SNAPSHOTS_PER_EPOCH", "CODE_GAN_EMA"} <= set(rows), rows
