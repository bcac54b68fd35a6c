"""The independent evaluator (helpers.evaluator): its committed checkpoints load safely and keep
their accuracy on the real test images, it differs from the paper CNN, it trained on images
50,001-60,000 only, and it refuses what it cannot judge (corrupt files, images outside [0, 1]).

The real-data tests skip without the data on a user's machine and fail under CI, where
`make test` has fetched it (a green CI must not hide a missing step)."""
from __future__ import annotations

import functools
import os

import pytest
import torch
from torch import nn

from helpers.checkpoints import CheckpointError
from helpers.classifier import PaperCNN
from helpers.data import Images, evaluator_part, load_full_splits, to_classifier
from helpers.evaluator import (EvaluatorNet, evaluator_features, evaluator_path, evaluator_probs,
                               load_evaluator, load_evaluator_checkpoint)
from helpers.models import count_parameters


def full_splits(dataset: str) -> tuple[Images, Images]:
    """The full training and test split from the files already here (no download)."""
    try:
        return _full_splits(dataset)
    except FileNotFoundError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI must fetch the data before the tests (`python -m helpers.data`): {exc}")
        pytest.skip(f"{exc} (run `python -m helpers.data`)")


@functools.cache
def _full_splits(dataset: str) -> tuple[Images, Images]:
    return load_full_splits(dataset, allow_download=False)


@functools.cache
def _test_probs(dataset: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The committed evaluator's probabilities on the real test images, and their labels."""
    test = _full_splits(dataset)[1]
    return evaluator_probs(load_evaluator(dataset), to_classifier(test.x)), test.y


@pytest.fixture(scope="module")
def mnist_probs() -> tuple[torch.Tensor, torch.Tensor]:
    full_splits("mnist")
    return _test_probs("mnist")


def accuracy(probs: torch.Tensor, labels: torch.Tensor) -> float:
    return float((probs.argmax(1) == labels).float().mean())


def test_mnist_evaluator_reaches_99_3_percent_on_the_real_test_images(mnist_probs):
    payload = torch.load(evaluator_path("mnist"), weights_only=True)  # plain types only
    probs, labels = mnist_probs
    assert len(labels) == 10_000
    assert accuracy(probs, labels) >= 0.993
    assert accuracy(probs, labels) == pytest.approx(payload["state"]["test_accuracy"], abs=0.002)


def test_fashion_evaluator_keeps_its_recorded_accuracy(debian_fashion_dir):  # noqa: ARG001
    full_splits("fashion-mnist")
    probs, labels = _test_probs("fashion-mnist")
    recorded = load_evaluator_checkpoint("fashion-mnist")["state"]["test_accuracy"]
    assert recorded >= 0.90
    assert accuracy(probs, labels) == pytest.approx(recorded, abs=0.002)


@pytest.mark.parametrize("dataset", ["mnist", "fashion-mnist"])
def test_checkpoint_says_it_trained_on_the_evaluators_images_only(dataset):
    path = evaluator_path(dataset)
    assert path.stat().st_size < 1_000_000  # committed to git: small
    payload = load_evaluator_checkpoint(dataset)
    cfg = payload["config"]
    assert cfg["train_images"] == "50,001-60,000" and cfg["n_train"] == 10_000
    assert "training images 50,001-60,000" in cfg["data_source"]
    assert cfg["architecture"] == "vgg-32-64-128" and cfg["dataset"] == dataset
    assert {"epochs", "seed", "data_sha256"} <= set(cfg)
    assert payload["versions"]["torch"]
    assert all(v.dtype in (torch.float32, torch.int64) for v in payload["state"]["model"].values())


def test_the_recorded_training_images_are_images_50001_to_60000():
    """The sha256 in the checkpoint is that of evaluator_part, the images the course leaves out."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "train_evaluator", Path(__file__).resolve().parent.parent / "scripts" / "train_evaluator.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    train = full_splits("mnist")[0]
    want = load_evaluator_checkpoint("mnist")["config"]["data_sha256"]
    assert script.images_sha256(evaluator_part(train)) == want
    assert script.images_sha256(Images(train.x[:10_000], train.y[:10_000], "")) != want


def test_architecture_is_not_the_paper_cnn():
    ev, paper = EvaluatorNet(), PaperCNN()
    assert count_parameters(ev) != count_parameters(paper)
    kernels = {m.kernel_size for m in ev.modules() if isinstance(m, nn.Conv2d)}
    assert kernels == {(3, 3)} and {m.kernel_size for m in paper.modules() if isinstance(m, nn.Conv2d)} == {(5, 5)}
    assert any(isinstance(m, nn.BatchNorm2d) for m in ev.modules())
    assert not any(isinstance(m, nn.BatchNorm2d) for m in paper.modules())
    x = torch.rand(2, 1, 28, 28)
    assert ev.features(x).shape[1] != paper.features(x).shape[1]


def test_corrupt_or_missing_checkpoint_names_the_file_and_the_fix(tmp_path):
    bad = tmp_path / "mnist.pt"
    bad.write_bytes(evaluator_path("mnist").read_bytes()[:5000])  # truncated
    with pytest.raises(CheckpointError, match=r"mnist\.pt.*unreadable.*make evaluator.*train_evaluator\.py --dataset mnist"):
        load_evaluator("mnist", path=bad)
    bad.write_bytes(b"not a checkpoint" * 100)
    with pytest.raises(CheckpointError, match=r"mnist\.pt.*make evaluator"):
        load_evaluator("mnist", path=bad)
    with pytest.raises(CheckpointError, match=r"missing\.pt.*does not exist.*make evaluator"):
        load_evaluator("mnist", path=tmp_path / "missing.pt")
    with pytest.raises(CheckpointError, match=r"'fashion-mnist'.*not 'vgg-32-64-128' for 'mnist'"):
        load_evaluator("mnist", path=evaluator_path("fashion-mnist"))
    with pytest.raises(ValueError, match="DATASET='cifar'"):
        load_evaluator("cifar")


def test_images_outside_0_1_or_of_the_wrong_shape_raise():
    model = load_evaluator("mnist")
    x = torch.rand(4, 1, 28, 28)
    for bad in (x * 2 - 1, x + 0.5):
        with pytest.raises(ValueError, match=r"\[0, 1\]"):
            evaluator_probs(model, bad)
        with pytest.raises(ValueError, match=r"\[0, 1\]"):
            evaluator_features(model, bad)
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\)"):
        evaluator_probs(model, (x * 255).to(torch.uint8))
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\)"):
        evaluator_features(model, x[:, 0])


def test_features_have_shape_n_by_128_and_do_not_depend_on_the_batch():
    """Eval mode: running BatchNorm statistics, so an image's features and grades are the same
    alone or in any batch, and in any call."""
    model = load_evaluator("mnist")
    model.train()  # the helpers must switch it back
    x = torch.rand(50, 1, 28, 28) * torch.linspace(0, 1, 50)[:, None, None, None]
    f = evaluator_features(model, x)
    assert f.shape == (50, 128) and not model.training
    assert torch.equal(f, evaluator_features(model, x))
    torch.testing.assert_close(evaluator_features(model, x, batch_size=1), f, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(evaluator_probs(model, x[:7], batch_size=3), evaluator_probs(model, x)[:7])
    assert evaluator_probs(model, x[:0]).shape == (0, 10) and evaluator_features(model, x[:0]).shape == (0, 128)


def test_confident_on_real_digits_not_on_noise(mnist_probs):
    """A generator of noise must not pass as confident digits (without outlier exposure in
    training, all 1,000 noise images were a confident "8")."""
    probs, _ = mnist_probs
    assert (probs.max(1).values >= 0.9).float().mean() >= 0.97
    g = torch.Generator().manual_seed(0)
    noise = torch.rand(1000, 1, 28, 28, generator=g)
    test01 = to_classifier(_full_splits("mnist")[1].x[:1000])
    shuffled = test01.flatten(1)[:, torch.randperm(28 * 28, generator=g)].view_as(test01)  # a digit's ink, no shape
    model = load_evaluator("mnist")
    for images in (noise, shuffled):
        assert (evaluator_probs(model, images).max(1).values >= 0.9).float().mean() <= 0.05
