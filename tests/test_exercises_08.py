"""Notebook 08's exercises against the common wrong answers: each is named in the feedback."""
from __future__ import annotations

import numpy as np
import torch

from helpers.exercises import nb08


def _shares(labels, n):
    return torch.bincount(labels, minlength=n).double() / len(labels)


def _kl(labels, n, log=torch.log):
    p = _shares(labels, n)
    p = p[p > 0]
    return float((p * log(p * n)).sum())


def _cov(labels, n, min_share):
    return int((_shares(labels, n) >= min_share).sum())


def test_coverage_and_kl_wrong_answers():
    cases = {
        "counts every class with at least one sample":
            lambda y, n_classes=10, min_share=0.02: (int((_shares(y, n_classes) > 0).sum()), _kl(y, n_classes)),
        "use >=, not >":
            lambda y, n_classes=10, min_share=0.02: (int((_shares(y, n_classes) > min_share).sum()), _kl(y, n_classes)),
        "`min_share` argument is ignored":
            lambda y, n_classes=10, min_share=0.02: (_cov(y, n_classes, 0.02), _kl(y, n_classes)),
        "base 2 (bits)":
            lambda y, n_classes=10, min_share=0.02: (_cov(y, n_classes, min_share), _kl(y, n_classes, torch.log2)),
        "reverse direction":
            lambda y, n_classes=10, min_share=0.02: (_cov(y, n_classes, min_share),
                                                      float((torch.log((1 / n_classes) / _shares(y, n_classes))).mean())),
        "n_classes is missing from the log":
            lambda y, n_classes=10, min_share=0.02: (_cov(y, n_classes, min_share), _kl(y, 1)),
        "largest label + 1":
            lambda y, n_classes=10, min_share=0.02: (_cov(y, n_classes, min_share), _kl(y, int(y.max()) + 1)),
        "the entropy of the class histogram":
            lambda y, n_classes=10, min_share=0.02: (_cov(y, n_classes, min_share), -_kl(y, 1)),
        "0 log 0 = 0":
            lambda y, n_classes=10, min_share=0.02: (_cov(y, n_classes, min_share), float(
                (_shares(y, n_classes) * (_shares(y, n_classes) * n_classes).log()).sum())),
        "return a pair": lambda y, n_classes=10, min_share=0.02: _kl(y, n_classes),
        "should be numbers": lambda y, n_classes=10, min_share=0.02: (_shares(y, n_classes), _kl(y, n_classes)),
        "KL from uniform for an uneven": lambda y, n_classes=10, min_share=0.02: (_cov(y, n_classes, min_share),
                                                                                  2 * _kl(y, n_classes)),
    }
    for phrase, wrong in cases.items():
        fb = nb08.check_coverage_and_kl(wrong)
        assert fb.status == "wrong" and phrase in str(fb), (phrase, str(fb))
    # the reverse KL is infinite for the collapsed set: its message must then be about 0 log 0, not crash
    fb = nb08.check_coverage_and_kl(lambda y, n_classes=10, min_share=0.02: (
        torch.tensor(_cov(y, n_classes, min_share)), np.float64(_kl(y, n_classes))))
    assert fb.status == "passed", str(fb)


def test_share_outside_wrong_answers():
    cases = {
        "the bounds count as outside": lambda x, low=-1.0, high=1.0: float(((x <= low) | (x >= high)).float().mean()),
        "share of images with any pixel outside":
            lambda x, low=-1.0, high=1.0: float(((x < low) | (x > high)).flatten(1).any(1).float().mean()),
        "only pixels above": lambda x, low=-1.0, high=1.0: float((x > high).float().mean()),
        "only pixels below": lambda x, low=-1.0, high=1.0: float((x < low).float().mean()),
        "percentage": lambda x, low=-1.0, high=1.0: 100 * float(((x < low) | (x > high)).float().mean()),
        "count of pixels": lambda x, low=-1.0, high=1.0: int(((x < low) | (x > high)).sum()),
        "`low` and `high` are ignored": lambda x, low=-1.0, high=1.0: float((x.abs() > 1).float().mean()),
        "should return a number": lambda x, low=-1.0, high=1.0: ((x < low) | (x > high)).float().mean((1, 2, 3)),
        "expected": lambda x, low=-1.0, high=1.0: float(((x < low) | (x > high)).float().mean()) + 0.01,
    }
    for phrase, wrong in cases.items():
        fb = nb08.check_share_outside(wrong)
        assert fb.status == "wrong" and phrase in str(fb), (phrase, str(fb))


def _mean(h, key, last):
    return float(h[key][-last:].mean())


def test_discriminator_wins_wrong_answers():
    cases = {
        "averaged over the whole history": lambda h, last: float(h["d_fake"].mean()) < 0.1 and float(h["d_real"].mean()) > 0.9,
        "only the final iteration": lambda h, last: float(h["d_fake"][-1]) < 0.1 and float(h["d_real"][-1]) > 0.9,
        "`or` instead of `and`": lambda h, last: _mean(h, "d_fake", last) < 0.1 or _mean(h, "d_real", last) > 0.9,
        "swapped": lambda h, last: _mean(h, "d_real", last) < 0.1 and _mean(h, "d_fake", last) > 0.9,
        "only D(G(z)) is tested": lambda h, last: _mean(h, "d_fake", last) < 0.1,
        "expected True (thresholds": lambda h, last: _mean(h, "d_fake", last) < 0.05 and _mean(h, "d_real", last) > 0.9,
        "return True or False": lambda h, last: _mean(h, "d_fake", last),
    }
    for phrase, wrong in cases.items():
        fb = nb08.check_discriminator_wins(wrong)
        assert fb.status == "wrong" and phrase in str(fb), (phrase, str(fb))
    # the first `last` iterations instead of the last
    fb = nb08.check_discriminator_wins(lambda h, last: float(h["d_fake"][:last].mean()) < 0.1
                                       and float(h["d_real"][:last].mean()) > 0.9)
    assert fb.status == "wrong" and "the first `last` iterations were used" in str(fb), str(fb)
    # a 0-dim bool tensor or a NumPy bool is as good as a Python bool
    fb = nb08.check_discriminator_wins(lambda h, last: (h["d_fake"][-last:].mean() < 0.1)
                                       & (h["d_real"][-last:].mean() > 0.9))
    assert fb.status == "passed", str(fb)
