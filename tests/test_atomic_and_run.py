"""Unit tests of helpers.atomic (atomic writes) and helpers.run (NotebookRun)."""
from __future__ import annotations

import json
import random
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

import helpers  # noqa: E402
from helpers import run as run_mod  # noqa: E402
from helpers.atomic import atomic_write, atomic_write_bytes  # noqa: E402
from helpers.run import NotebookRun, artifacts_root, figures_root, start_run  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def isolated_roots(tmp_path, monkeypatch):
    """Every test writes below tmp_path, never into the repository."""
    roots = {"figures": tmp_path / "figs", "artifacts": tmp_path / "arts", "data": tmp_path / "data"}
    monkeypatch.setenv("GAN_COURSE_FIGURES", str(roots["figures"]))
    monkeypatch.setenv("GAN_COURSE_ARTIFACTS", str(roots["artifacts"]))
    monkeypatch.setenv("GAN_COURSE_DATA", str(roots["data"]))
    yield roots
    plt.close("all")


def _tmp_leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# ----------------------------------------------------------------------------- atomic


def test_atomic_write_bytes_creates_parents_and_writes(tmp_path):
    target = tmp_path / "a" / "b" / "file.bin"
    out = atomic_write_bytes(target, b"hello")
    assert out == target
    assert target.read_bytes() == b"hello"
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.bin"]


def test_atomic_write_replaces_existing_file(tmp_path):
    target = tmp_path / "f.txt"
    target.write_text("old")
    atomic_write(target, lambda p: p.write_text("new"))
    assert target.read_text() == "new"
    assert _tmp_leftovers(tmp_path) == []


def test_atomic_write_passes_a_temp_path_beside_the_target(tmp_path):
    seen = []

    def write(p: Path) -> None:
        seen.append(p)
        p.write_text("x")

    atomic_write(tmp_path / "sub" / "t.txt", write)
    assert seen[0].parent == tmp_path / "sub"
    assert seen[0] != tmp_path / "sub" / "t.txt"
    assert not seen[0].exists()  # renamed onto the target


@pytest.mark.parametrize("exc", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_atomic_write_failure_keeps_old_content_and_no_temp(tmp_path, exc):
    target = tmp_path / "target.txt"
    target.write_text("old content")

    def bad_writer(p: Path) -> None:
        p.write_text("half writ")  # a partial file exists when the error comes
        raise exc

    with pytest.raises(type(exc)):
        atomic_write(target, bad_writer)
    assert target.read_text() == "old content"
    assert _tmp_leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target.txt"]


def test_atomic_write_failure_without_previous_target(tmp_path):
    target = tmp_path / "new.bin"

    def bad_writer(p: Path) -> None:
        p.write_bytes(b"\x00" * 100)
        raise OSError("boom")

    with pytest.raises(OSError, match="boom"):
        atomic_write(target, bad_writer)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- roots


def test_roots_follow_environment(isolated_roots):
    assert figures_root() == isolated_roots["figures"]
    assert artifacts_root() == isolated_roots["artifacts"]


def test_roots_default_to_repository(monkeypatch):
    monkeypatch.delenv("GAN_COURSE_FIGURES", raising=False)
    monkeypatch.delenv("GAN_COURSE_ARTIFACTS", raising=False)
    repo = Path(helpers.__file__).resolve().parent.parent
    assert figures_root() == repo / "figures"
    assert artifacts_root() == repo / "data" / "artifacts"


# ----------------------------------------------------------------------------- start_run


@pytest.mark.parametrize("bad", ["fast", "TEACH", ""])
def test_start_run_unknown_profile(bad):
    with pytest.raises(ValueError) as ei:
        start_run("00_x", profile=bad, seed=0, dataset="mnist")
    msg = str(ei.value)
    assert "PROFILE" in msg and repr(bad) in msg
    for p in ("'smoke'", "'teach'", "'paper'"):
        assert p in msg


def test_start_run_unknown_dataset():
    with pytest.raises(ValueError) as ei:
        start_run("00_x", profile="teach", seed=0, dataset="cifar")
    msg = str(ei.value)
    assert "DATASET" in msg and "'cifar'" in msg
    assert "'mnist'" in msg and "'fashion-mnist'" in msg


@pytest.mark.parametrize("bad", [-1, -100])
def test_start_run_negative_seed(bad):
    with pytest.raises(ValueError) as ei:
        start_run("00_x", profile="teach", seed=bad, dataset="mnist")
    msg = str(ei.value)
    assert "SEED" in msg and str(bad) in msg and ">= 0" in msg


@pytest.mark.parametrize("bad", [1.5, "3", True])
def test_start_run_non_integer_seed(bad):
    with pytest.raises(ValueError) as ei:
        start_run("00_x", profile="teach", seed=bad, dataset="mnist")
    assert "SEED" in str(ei.value) and "integer" in str(ei.value)


def test_start_run_accepts_numpy_seed_and_fills_metrics():
    run = start_run("01_nb", profile="smoke", seed=np.int64(3), dataset="fashion-mnist")
    assert isinstance(run, NotebookRun)
    assert run.seed == 3 and type(run.seed) is int
    assert run.metrics == {"notebook": "01_nb", "profile": "smoke", "seed": 3,
                           "dataset": "fashion-mnist", "torch": str(torch.__version__)}
    assert isinstance(run.device, torch.device)
    assert run.device.type in ("cpu", "cuda", "mps")


def _draws():
    return random.random(), float(np.random.rand()), float(torch.rand(1))


def test_start_run_seeds_python_numpy_and_torch():
    start_run("x", profile="teach", seed=11, dataset="mnist")
    a = _draws()
    start_run("x", profile="teach", seed=11, dataset="mnist")
    b = _draws()
    start_run("x", profile="teach", seed=12, dataset="mnist")
    c = _draws()
    assert a == b
    assert all(x != y for x, y in zip(a, c))


def test_pick_device_matches_availability():
    dev = run_mod.pick_device()
    if torch.cuda.is_available():
        assert dev.type == "cuda"
    else:
        assert dev.type in ("cpu", "mps")


# ----------------------------------------------------------------------------- paths


def test_figures_dir_teach_and_other_profiles(isolated_roots):
    root = isolated_roots["figures"]
    assert start_run("02_nb", profile="teach", seed=0, dataset="mnist").figures_dir == root / "02_nb"
    assert start_run("02_nb", profile="smoke", seed=0, dataset="mnist").figures_dir == root / "smoke" / "02_nb"
    assert start_run("02_nb", profile="paper", seed=0, dataset="mnist").figures_dir == root / "paper" / "02_nb"


def test_artifact_path_names_content_dataset_profile_seed(isolated_roots):
    run = start_run("02_nb", profile="smoke", seed=7, dataset="fashion-mnist")
    p = run.artifact_path("gan")
    assert p.parent == isolated_roots["artifacts"]
    assert p.suffix == ".pt"
    for part in ("gan", "fashion-mnist", "smoke", "seed7"):
        assert part in p.name
    assert run.artifact_path("gan", ".npz").suffix == ".npz"
    # a different seed or profile never shares a file
    other = start_run("02_nb", profile="teach", seed=7, dataset="fashion-mnist").artifact_path("gan")
    assert other != p
    assert start_run("02_nb", profile="smoke", seed=8, dataset="fashion-mnist").artifact_path("gan") != p


# ----------------------------------------------------------------------------- save_fig


def _figure():
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [1, 0])
    return fig


def test_save_fig_teach_writes_png_under_notebook_folder(isolated_roots):
    run = start_run("03_nb", profile="teach", seed=0, dataset="mnist")
    path = run.save_fig(_figure(), "curve")
    assert path == isolated_roots["figures"] / "03_nb" / "curve.png"
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC)
    with Image.open(path) as im:
        assert im.format == "PNG" and im.size[0] > 10 and im.size[1] > 10
    assert _tmp_leftovers(path.parent) == []


def test_saved_figure_shows_as_a_short_line_without_the_machine_path(isolated_roots):
    from IPython.lib.pretty import pretty

    run = start_run("03_nb", profile="smoke", seed=0, dataset="mnist")
    path = run.save_fig(_figure(), "curve")
    shown = pretty(path)  # what a notebook cell whose last value is the path displays
    assert shown == "saved smoke/03_nb/curve.png (in the figures folder)", shown
    assert str(isolated_roots["figures"]) not in shown and "PosixPath" not in shown
    assert isinstance(path, Path) and path.suffix == ".png"  # still a Path for the code that uses it


def test_save_fig_smoke_goes_to_smoke_folder(isolated_roots):
    run = start_run("03_nb", profile="smoke", seed=0, dataset="mnist")
    path = run.save_fig(_figure(), "curve")
    assert path == isolated_roots["figures"] / "smoke" / "03_nb" / "curve.png"
    assert path.read_bytes().startswith(PNG_MAGIC)
    assert not (isolated_roots["figures"] / "03_nb").exists()  # teach figures untouched


@pytest.mark.parametrize("bad", ["a/b", "../up", "", "curve.png"])
def test_save_fig_rejects_bad_names(bad, isolated_roots):
    run = start_run("03_nb", profile="teach", seed=0, dataset="mnist")
    with pytest.raises(ValueError) as ei:
        run.save_fig(_figure(), bad)
    assert "name" in str(ei.value) and repr(bad) in str(ei.value)
    assert not isolated_roots["figures"].exists()


# ----------------------------------------------------------------------------- record


def test_record_writes_json_that_round_trips_numbers(isolated_roots):
    run = start_run("04_nb", profile="smoke", seed=2, dataset="mnist")
    run.record(
        acc=0.875,
        count=12,
        np_float=np.float32(0.25),
        np_double=np.float64(1.0 / 3.0),
        np_int=np.int64(42),
        tensor_vec=torch.tensor([0.5, 1.5, -2.0]),
        int_tensor=torch.tensor([[1, 2], [3, 4]]),
        np_array=np.array([1.25, 2.5]),
        nested={"a": np.float32(0.5), 3: [np.int32(1), torch.tensor([2.0])]},
        bad=float("nan"),
        inf=np.float64("inf"),
        label="hello",
    )
    path = isolated_roots["figures"] / "smoke" / "04_nb" / "metrics.json"
    assert run.metrics_path == path
    got = json.loads(path.read_text())
    assert got["notebook"] == "04_nb" and got["seed"] == 2 and got["profile"] == "smoke"
    assert got["acc"] == 0.875 and got["count"] == 12
    assert got["np_float"] == 0.25 and type(got["np_float"]) is float
    assert got["np_double"] == 1.0 / 3.0
    assert got["np_int"] == 42 and type(got["np_int"]) is int
    assert got["tensor_vec"] == [0.5, 1.5, -2.0]
    assert got["int_tensor"] == [[1, 2], [3, 4]]
    assert all(type(v) is int for row in got["int_tensor"] for v in row)
    assert got["np_array"] == [1.25, 2.5]
    assert got["nested"] == {"a": 0.5, "3": [1, [2.0]]}
    assert got["bad"] == "nan" and got["inf"] == "inf"  # JSON has no NaN/inf
    assert got["label"] == "hello"
    # strict JSON: no NaN/Infinity literals anywhere
    json.loads(path.read_text(), parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))


def test_record_accumulates_and_merges_timing(isolated_roots):
    run = start_run("04_nb", profile="teach", seed=0, dataset="mnist")
    run.record(a=1, timing={"train_s": 1.5})
    run.record(b=2, timing={"eval_s": np.float32(0.5)})
    run.record(a=3)
    got = json.loads(run.metrics_path.read_text())
    assert got["a"] == 3 and got["b"] == 2
    assert got["timing"] == {"train_s": 1.5, "eval_s": 0.5}
    assert run.metrics_path == isolated_roots["figures"] / "04_nb" / "metrics.json"
    assert _tmp_leftovers(run.metrics_path.parent) == []


def _scalar_case(value, expected, case_id):
    return pytest.param(value, expected, id=case_id)


@pytest.mark.parametrize("value, expected", [
    _scalar_case(torch.tensor(0.75), 0.75, "0d-tensor"),
    _scalar_case(torch.tensor(3), 3, "0d-int-tensor"),
    _scalar_case(np.array(2.5), 2.5, "0d-ndarray"),
    _scalar_case(np.bool_(True), True, "np.bool_"),
])
def test_record_scalar_tensors_and_arrays_become_numbers(value, expected, isolated_roots):
    run = start_run("05_nb", profile="smoke", seed=0, dataset="mnist")
    run.record(x=value)
    run.record(y=1)  # the run still records after such a value
    got = json.loads(run.metrics_path.read_text())
    assert got["x"] == expected and type(got["x"]) is type(expected)
    assert got["y"] == 1
