"""Unit tests of helpers.classifier: the paper's CNN, augmentation, training, checkpoints."""
from __future__ import annotations

import math

import pytest
import torch

import helpers.classifier as clf_mod
from helpers.classifier import (ClassifierConfig, PaperCNN, accuracy, load_or_train_classifier, predict,
                                random_affine, train_classifier)
from helpers.models import count_parameters


def bars(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two easy classes: a vertical bar (0) or a horizontal bar (1) at a random place."""
    g = torch.Generator().manual_seed(seed)
    x = torch.zeros(n, 1, 28, 28)
    y = torch.randint(0, 2, (n,), generator=g)
    pos = torch.randint(4, 24, (n,), generator=g)
    for i in range(n):
        if y[i] == 0:
            x[i, 0, 4:24, pos[i] - 1:pos[i] + 2] = 1.0
        else:
            x[i, 0, pos[i] - 1:pos[i] + 2, 4:24] = 1.0
    return x, y


def test_paper_cnn_shapes_and_size():
    m = PaperCNN()
    x = torch.rand(3, 1, 28, 28)
    assert m(x).shape == (3, 10)
    assert m.features(x).shape == (3, 1568)
    # 16*(25+1) + 32*(16*25+1) + 10*(1568+1)
    assert count_parameters(m) == 16 * 26 + 32 * 401 + 10 * 1569


def test_random_affine_identity_limits_and_variety():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(4, 1, 28, 28)
    same = random_affine(x, g, degrees=0.0, shift=0.0, scale=(1.0, 1.0))
    assert torch.allclose(same, x, atol=1e-5)
    one = x[:1].expand(8, 1, 28, 28).contiguous()
    out = random_affine(one, g)
    assert out.shape == one.shape
    assert not torch.allclose(out[0], out[1])  # a different transform per image
    assert out.min() >= -1e-6 and out.max() <= 1 + 1e-6


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="epochs"):
        ClassifierConfig(epochs=0)
    with pytest.raises(ValueError, match="lr"):
        ClassifierConfig(lr=0.0)


def test_training_learns_an_easy_task_and_is_deterministic():
    x, y = bars(256)
    xe, ye = bars(128, seed=1)
    cfg = ClassifierConfig(epochs=5, batch_size=32, lr=5e-3, augment=True)
    m1, h1 = train_classifier(cfg, x, y, xe, ye, progress=False, device=torch.device("cpu"))
    assert accuracy(m1, xe, ye) > 0.9
    assert h1["eval_acc"].shape == (5,) and math.isclose(float(h1["eval_acc"][-1]), accuracy(m1, xe, ye))
    assert h1["train_loss"][-1] < h1["train_loss"][0]
    m2, h2 = train_classifier(cfg, x, y, xe, ye, progress=False, device=torch.device("cpu"))
    assert torch.equal(h1["train_loss"], h2["train_loss"])
    labels, probs = predict(m1, xe)
    assert probs.shape == (128, 10) and torch.allclose(probs.sum(1), torch.ones(128), atol=1e-5)
    assert torch.equal(labels, probs.argmax(1))


def test_load_or_train_classifier_saves_then_loads(tmp_path, monkeypatch):
    x, y = bars(128)
    cfg = ClassifierConfig(epochs=1, batch_size=32, augment=False)
    path = tmp_path / "clf.pt"
    m1, h1 = load_or_train_classifier(cfg, x, y, x, y, path, progress=False)
    assert path.is_file() and h1["loaded_from"] is None

    def boom(*a, **k):
        raise AssertionError("must not retrain when a matching checkpoint exists")

    monkeypatch.setattr(clf_mod, "train_classifier", boom)
    m2, h2 = load_or_train_classifier(cfg, x, y, x, y, path, progress=False)
    assert h2["loaded_from"] == str(path)
    for a, b in zip(m1.state_dict().values(), m2.state_dict().values()):
        assert torch.equal(a, b)


def test_predict_on_no_images_returns_empty_results():
    labels, probs = predict(PaperCNN(), torch.zeros(0, 1, 28, 28))
    assert labels.shape == (0,) and labels.dtype == torch.long and probs.shape == (0, 10)
