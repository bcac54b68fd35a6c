"""Notebook 04's exercises against the common wrong answers: each is named in the feedback."""
from __future__ import annotations

import math

import numpy as np
import torch

from helpers.exercises import nb04
from helpers.noise_map import angles, angular_purity, circle_points


def test_noise_angle_wrong_answers():
    assert nb04.check_noise_angle(lambda z: torch.rad2deg(angles(z)) % 360)       # via the course's helper
    assert nb04.check_noise_angle(lambda z: np.degrees(np.arctan2(z[:, 1].numpy(), z[:, 0].numpy())) % 360)
    cases = {
        "some angles are negative": lambda z: torch.rad2deg(torch.atan2(z[:, 1], z[:, 0])),
        "these are radians": lambda z: torch.atan2(z[:, 1], z[:, 0]) % (2 * math.pi),
        "arguments of atan2 are swapped": lambda z: torch.rad2deg(torch.atan2(z[:, 0], z[:, 1])) % 360,
        "atan(y / x)": lambda z: torch.rad2deg(torch.atan(z[:, 1] / z[:, 0])) % 360,
        "go clockwise": lambda z: torch.rad2deg(-torch.atan2(z[:, 1], z[:, 0])) % 360,
        "must lie in [0, 360)": lambda z: torch.rad2deg(torch.atan2(z[:, 1], z[:, 0])) % 360 + 360 * (z[:, 1] == 0),
        "differs from the expected": lambda z: torch.rad2deg(torch.atan2(z[:, 1], z[:, 0])) % 360 + 1,
        "shape": lambda z: torch.rad2deg(torch.atan2(z[:, 1], z[:, 0])).unsqueeze(1) % 360,
    }
    for phrase, wrong in cases.items():
        fb = nb04.check_noise_angle(wrong)
        assert fb.status == "wrong" and phrase in str(fb), (phrase, str(fb))


def _purity(global_majority=False, weighting="points", ignore_bins=False, count=False):
    def fn(z, labels, bins=72):
        b_n = 72 if ignore_bins else bins
        t = torch.atan2(z[:, 1], z[:, 0]) % (2 * math.pi)
        which = (t / (2 * math.pi) * b_n).long().clamp(max=b_n - 1)
        if global_majority:
            return float(torch.bincount(labels).max()) / len(labels)
        agree, purities = 0, []
        for k in range(b_n):
            lab = labels[which == k]
            if len(lab):
                m = int(torch.bincount(lab).max())
                agree += m
                purities.append(m / len(lab))
        if weighting == "bins":
            return sum(purities) / len(purities)
        if weighting == "all bins":
            return sum(purities) / b_n
        return agree if count else agree / len(labels)
    return fn


def test_sector_purity_wrong_answers():
    assert nb04.check_sector_purity(_purity())
    assert nb04.check_sector_purity(angular_purity)                                # the course's helper
    cases = {
        "one majority label for the whole map": _purity(global_majority=True),
        "averaged with equal weight": _purity(weighting="bins"),
        "averaged over all bins": _purity(weighting="all bins"),
        "count of points": _purity(count=True),
        "use the bins argument": _purity(ignore_bins=True),
        "single number": lambda z, labels, bins=72: torch.zeros(3),
        "expected": lambda z, labels, bins=72: 0.5,
    }
    for phrase, wrong in cases.items():
        fb = nb04.check_sector_purity(wrong)
        assert fb.status == "wrong" and phrase in str(fb), (phrase, str(fb))


def test_circle_of_points_wrong_answers():
    assert nb04.check_circle_of_points(lambda n, r: circle_points(n, radius=r))  # the course's helper

    def circle(t_of, order=("cos", "sin"), radius=True, transpose=False):
        def fn(n, r):
            t = t_of(n)
            f = {"cos": torch.cos, "sin": torch.sin, "-sin": lambda u: -torch.sin(u)}
            pts = (r if radius else 1.0) * torch.stack([f[order[0]](t), f[order[1]](t)], 1)
            return pts.T if transpose else pts
        return fn

    step = lambda n: torch.arange(n, dtype=torch.float64) * (2 * math.pi / n)  # noqa: E731
    cases = {
        "linspace(0, 2 pi, n)": circle(lambda n: torch.linspace(0, 2 * math.pi, n)),
        "the authors' order": circle(step, order=("sin", "cos")),
        "go clockwise": circle(step, order=("cos", "-sin")),
        "in degrees": circle(lambda n: torch.arange(n, dtype=torch.float64) * 360 / n),
        "radius is ignored": circle(step, radius=False),
        "one point per row": circle(step, transpose=True),
        "differs from the expected": circle(lambda n: step(n) + 0.1),
    }
    assert nb04.check_circle_of_points(circle(step))
    for phrase, wrong in cases.items():
        fb = nb04.check_circle_of_points(wrong)
        assert fb.status == "wrong" and phrase in str(fb), (phrase, str(fb))
    # the authors' full circle, linspace and (sin, cos): the repeated point is what is named
    fb = nb04.check_circle_of_points(circle(lambda n: torch.linspace(0, 2 * math.pi, n), order=("sin", "cos")))
    assert fb.status == "wrong" and "linspace" in str(fb)
