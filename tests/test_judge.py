"""``helpers.course.judge`` and ``helpers.course.evaluator`` on real MNIST images and the committed
evaluator: what the judge records, prints and refuses, and that its floor is far from noise.

A few hundred real images of each split keep the file to seconds on one thread. Without the MNIST
files (``make data``) the tests skip, and fail under CI, as ``real_mnist_raw`` in test_data.py does.
"""
from __future__ import annotations

import json
import os

import pytest
import torch

from helpers import course
from helpers.data import Dataset, Images, course_part, load_full_splits, to_classifier
from helpers.metrics import floor_report, sample_report
from helpers.run import start_run

N_TRAIN, N_TEST = 200, 200


@pytest.fixture(scope="module")
def mnist() -> Dataset:
    """A small in-memory Dataset: 200 of the course's training images, 200 real test images."""
    try:
        train, test = load_full_splits("mnist", allow_download=False)
    except FileNotFoundError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"no full MNIST ({exc}): `make data` must run before the tests")
        pytest.skip(f"no full MNIST (run `make data`): {exc}")
    train = course_part(train)   # never the evaluator's own training images

    def pick(images: Images, n: int, seed: int) -> Images:
        idx = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))[:n]
        return Images(images.x[idx], images.y[idx], images.source)

    return Dataset("mnist", pick(train, N_TRAIN, 0), pick(test, N_TEST, 1), "test data")


@pytest.fixture
def figures(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_COURSE_FIGURES", str(tmp_path))
    return tmp_path


def new_run(seed: int = 0):
    return start_run("test_judge", profile="smoke", seed=seed, dataset="mnist")


def recorded(run) -> dict:
    return json.loads(run.metrics_path.read_text())


def noise(n: int, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed))


def real_train(data: Dataset, n: int = 150) -> torch.Tensor:
    return to_classifier(data.train.x[-n:])


def test_evaluator_is_loaded_once_in_eval_mode_and_reads_real_digits(mnist):
    model = course.evaluator("mnist")
    assert course.evaluator("mnist") is model and not model.training
    x = to_classifier(mnist.test.x[:100])
    with torch.no_grad():
        logits, features = model(x), model.features(x)
    assert logits.shape == (100, 10) and features.dim() == 2 and len(features) == 100
    assert float((logits.argmax(1) == mnist.test.y[:100]).float().mean()) > 0.95


def test_judge_records_the_floor_and_each_set_and_prints_one_table(mnist, figures, capsys):
    run = new_run()
    sets = {"real_train": real_train(mnist), "noise": noise(180)}
    reports = course.judge(run, mnist, sets)
    out = capsys.readouterr().out
    assert run.metrics_path.parent.parent == figures / "smoke"
    stored = recorded(run)["evaluator"]
    assert set(stored) == {"floor", "real_train", "noise"} == set(reports)
    assert stored == json.loads(json.dumps(reports))
    for name, rep in stored.items():
        assert rep["n_fake"] == rep["n_real"] == 150, name      # default n: the smallest set
        for key in ("fd", "precision", "recall", "density", "coverage", "sure_share", "classes_covered"):
            assert key in rep, (name, key)
    # one table: one header, the floor first, then one row per set in the given order
    lines = [line for line in out.splitlines() if line.strip()]
    assert sum(line.startswith("set ") for line in lines) == 1
    rows = [line.split("  ")[0] for line in lines[2:]]
    assert rows == ["real train vs test (floor)", "real_train", "noise"], out


def test_the_floor_is_far_better_than_noise(mnist, figures):
    reports = course.judge(new_run(), mnist, {"noise": noise(150)}, show=False)
    floor, bad = reports["floor"], reports["noise"]
    assert floor["fd"] < 0.1 * bad["fd"], (floor["fd"], bad["fd"])     # measured: 48 vs 1607 at n = 150
    # recall and coverage tell them apart (precision does not: noise falls into one spot among the real
    # images' balls), and the evaluator, trained to call noise no class, is sure of the real digits only
    for key in ("recall", "coverage"):
        assert floor[key] > 0.8 > 0.05 > bad[key], (key, floor, bad)
    assert floor["sure_share"] > 0.9 > 0.05 > bad["sure_share"], (floor, bad)
    assert floor["classes_covered"] == 10, floor


def test_every_set_is_cut_to_n_with_the_runs_seed(mnist, figures):
    sets = {"small": real_train(mnist, 120), "large": noise(160)}
    real = to_classifier(mnist.test.x)
    a = course.judge(new_run(seed=0), mnist, sets, n=80, show=False)
    model = course.evaluator("mnist")
    assert a["small"] == sample_report(model, sets["small"], real, n_max=80, seed=0)
    assert a["floor"] == floor_report(model, to_classifier(mnist.train.x), real, n_max=80, seed=0)
    assert all(r["n_fake"] == r["n_real"] == 80 for r in a.values()), a
    # the same seed and n give the same numbers; another seed draws other images
    assert course.judge(new_run(seed=0), mnist, sets, n=80, show=False) == a
    b = course.judge(new_run(seed=1), mnist, sets, n=80, show=False)
    assert b["floor"]["fd"] != a["floor"]["fd"] and b["small"]["fd"] != a["small"]["fd"]


def test_a_second_call_adds_to_the_earlier_entries(mnist, figures):
    run = new_run()
    run.record(other=1)
    first = course.judge(run, mnist, {"real_train": real_train(mnist)}, n=80, show=False)
    course.judge(run, mnist, {"noise": noise(100)}, n=80, show=False)
    stored = recorded(run)
    assert stored["other"] == 1
    assert set(stored["evaluator"]) == {"floor", "real_train", "noise"}
    assert stored["evaluator"]["real_train"] == json.loads(json.dumps(first["real_train"]))
    assert stored["evaluator"]["floor"] == json.loads(json.dumps(first["floor"]))   # same n, same floor


@pytest.mark.parametrize("name,images,n,message", [
    ("bad", torch.rand(5, 1, 28, 28), None, "set 'bad' must hold at least 7 images, got 5"),
    ("bad", torch.rand(50, 1, 28, 28) * 2 - 1, None, r"set 'bad' must be floats in \[0, 1\]"),
    ("bad", torch.rand(50, 28, 28), None, r"set 'bad' must have shape \(N, 1, 28, 28\)"),
    ("bad", torch.rand(50, 1, 28, 28), 5, "n=5"),
    ("mlp.gan", torch.rand(50, 1, 28, 28), None, "without dots"),
    ("floor", torch.rand(50, 1, 28, 28), None, "not 'floor'"),
], ids=["too_few", "outside_0_1", "no_channel", "n_too_small", "dotted_name", "named_floor"])
def test_bad_sets_are_refused_with_a_clear_error(mnist, figures, name, images, n, message):
    run = new_run()
    with pytest.raises(ValueError, match=message):
        course.judge(run, mnist, {"fine": torch.rand(50, 1, 28, 28), name: images}, n=n, show=False)
    assert "evaluator" not in run.metrics and not run.metrics_path.exists()
    with pytest.raises(ValueError, match="at least one image set"):
        course.judge(run, mnist, {}, show=False)
