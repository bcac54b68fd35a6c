"""Notebook 05's exercises against the common wrong answers: each is named in the feedback."""
from __future__ import annotations

import math

import numpy as np
import torch

from helpers.exercises import nb05


def _flat(images, standard):
    return images.reshape(len(images), -1).double(), standard.reshape(-1).double()


def _pearson(a, b):
    a, b = a - a.mean(1, keepdim=True), b - b.mean()
    return (a @ b) / (a.norm(dim=1) * b.norm())


def test_pearson_scores_wrong_answers():
    def cosine(images, standard):
        a, b = _flat(images, standard)
        return (a @ b) / (a.norm(dim=1) * b.norm())

    def batch_axis(images, standard):
        a, b = _flat(images, standard)
        a, b = a - a.mean(0), b - b.mean()
        return (a @ b) / (a.norm(dim=1) * b.norm())

    def standard_uncentred(images, standard):
        a, b = _flat(images, standard)
        a = a - a.mean(1, keepdim=True)
        return (a @ b) / (a.norm(dim=1) * b.norm())

    def images_uncentred(images, standard):
        a, b = _flat(images, standard)
        b = b - b.mean()
        return (a @ b) / (a.norm(dim=1) * b.norm())

    def covariance(images, standard):
        a, b = _flat(images, standard)
        return ((a - a.mean(1, keepdim=True)) * (b - b.mean())).mean(1)

    def sample_covariance(images, standard):
        a, b = _flat(images, standard)
        return ((a - a.mean(1, keepdim=True)) * (b - b.mean())).sum(1) / (a.shape[1] - 1)

    def matrix(images, standard):
        a, b = _flat(images, standard)
        return torch.from_numpy(np.corrcoef(torch.cat([a, b[None]]).numpy()))

    cases = {
        "cosine similarity": cosine,
        "centred over the batch": batch_axis,
        "standard image is not centred": standard_uncentred,
        "images are not centred": images_uncentred,
        "covariance (mean of products": covariance,
        "sample covariance": sample_covariance,
        "squared": lambda images, standard: _pearson(*_flat(images, standard)) ** 2,
        "correlation matrix": matrix,
        "differs from the expected": lambda images, standard: 0.9 * _pearson(*_flat(images, standard)),
        "should be a tensor": lambda images, standard: _pearson(*_flat(images, standard)).tolist(),
    }
    for phrase, wrong in cases.items():
        fb = nb05.check_pearson_scores(wrong)
        assert fb.status == "wrong" and phrase in str(fb), (phrase, str(fb))
    # NumPy in, NumPy out is as good as torch
    fb = nb05.check_pearson_scores(lambda images, standard: np.array(
        [np.corrcoef(x, standard.numpy().ravel())[0, 1] for x in images.numpy().reshape(len(images), -1)]))
    assert fb.status == "passed", str(fb)


def test_class_thresholds_wrong_answers():
    def per_class(f):
        return lambda r, labels, quantile=0.2, n_classes=10: torch.stack(
            [torch.as_tensor(f(r[labels == k].double().numpy(), quantile)) for k in range(n_classes)])

    cases = {
        "one quantile of all the scores": lambda r, labels, quantile=0.2, n_classes=10:
            torch.quantile(r, quantile).repeat(n_classes),
        "this is the 80% quantile": per_class(lambda x, q: np.quantile(x, 1 - q)),
        "np.percentile takes percent": per_class(lambda x, q: np.percentile(x, q)),
        "not interpolated": per_class(lambda x, q: np.sort(x)[int(q * len(x))]),
        "mean score": per_class(lambda x, q: x.mean()),
        "argument is ignored": per_class(lambda x, q: np.quantile(x, 0.2)),
        "shape (10,), expected (3,)": lambda r, labels, quantile=0.2, n_classes=10:
            torch.stack([torch.quantile(r[labels == k], quantile) if (labels == k).any() else torch.tensor(0.0)
                         for k in range(10)]),
        "differs from the expected": per_class(lambda x, q: np.quantile(x, q) + 0.01),
        "raised": lambda r, labels, quantile=0.2, n_classes=10: torch.quantile(r, 20),
    }
    for phrase, wrong in cases.items():
        fb = nb05.check_class_thresholds(wrong)
        assert fb.status == "wrong" and phrase in str(fb), (phrase, str(fb))


def test_mean_direction_wrong_answers():
    def unit_mean(z):
        u = z.double() / z.double().norm(dim=1, keepdim=True)
        return u.mean(0)

    cases = {
        "plain mean of the angles": lambda z: float(torch.atan2(z[:, 1], z[:, 0]).mean()),
        "weighs each point by its radius": lambda z: float(torch.atan2(z[:, 1].mean(), z[:, 0].mean())),
        "in degrees": lambda z: math.degrees(math.atan2(*unit_mean(z).flip(0).tolist())),
        "atan2 takes (y, x)": lambda z: math.atan2(*unit_mean(z).tolist()),
        "one angle (a number)": lambda z: unit_mean(z),
        "expected": lambda z: math.atan2(*unit_mean(z).flip(0).tolist()) + 0.05,
    }
    for phrase, wrong in cases.items():
        fb = nb05.check_mean_direction(wrong)
        assert fb.status == "wrong" and phrase in str(fb), (phrase, str(fb))
    # the same line, 2 pi further round, is the same direction; so is [0, 2 pi)
    fb = nb05.check_mean_direction(lambda z: math.atan2(*unit_mean(z).flip(0).tolist()) % (2 * math.pi))
    assert fb.status == "passed", str(fb)
