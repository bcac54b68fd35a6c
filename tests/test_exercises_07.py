"""Notebook 07's exercises against the common wrong answers: each is named in the feedback."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from helpers.exercises import nb07


def _alpha(g):
    return g.mean(dim=(2, 3), keepdim=True)


def test_gradcam_wrong_answers():
    cases = {
        "ReLU is missing": lambda a, g: (_alpha(g) * a).sum(dim=1),
        "summed over the cells": lambda a, g: F.relu((g.sum(dim=(2, 3), keepdim=True) * a).sum(dim=1)),
        "gradient x activation": lambda a, g: F.relu((g * a).sum(dim=1)),
        "weights come from the activations": lambda a, g: F.relu((_alpha(a) * a).sum(dim=1)),
        "swapped": lambda a, g: F.relu((_alpha(a) * g).sum(dim=1)),
        "to each channel before the sum": lambda a, g: F.relu(_alpha(g) * a).sum(dim=1),
        "Grad-CAM++'s idea": lambda a, g: F.relu((_alpha(F.relu(g)) * a).sum(dim=1)),
        "over the batch too": lambda a, g: F.relu((g.mean(dim=(0, 2, 3), keepdim=True) * a).sum(dim=1)),
        "scaled to [0, 1]": lambda a, g: (lambda m: m / m.amax(dim=(1, 2), keepdim=True))(
            F.relu((_alpha(g) * a).sum(dim=1))),
        "has shape": lambda a, g: F.relu((_alpha(g) * a).sum(dim=1, keepdim=True)),
        "differs from the expected": lambda a, g: F.relu((_alpha(g) * a).sum(dim=1)) + 0.01,
    }
    for phrase, wrong in cases.items():
        fb = nb07.check_my_gradcam(wrong)
        assert fb.status == "wrong" and phrase in str(fb), (phrase, str(fb))
    fb = nb07.check_my_gradcam(lambda a, g: F.relu((_alpha(g) * a).sum(dim=1)).float().numpy())
    assert fb.status == "passed", str(fb)


def test_normalise_maps_wrong_answers():
    def minmax(m):
        lo, hi = m.amin(dim=(1, 2), keepdim=True), m.amax(dim=(1, 2), keepdim=True)
        return (m - lo) / (hi - lo)                     # 0/0 = NaN for the empty map

    cases = {
        "divided by its maximum only": lambda m: m / m.amax(dim=(1, 2), keepdim=True).clamp_min(1e-12),
        "for the whole batch": lambda m: (m - m.min()) / (m.max() - m.min()),
        "divided by its sum": lambda m: m / m.sum(dim=(1, 2), keepdim=True).clamp_min(1e-12),
        "0/0 = NaN": minmax,
        "all-zero map": lambda m: torch.nan_to_num(minmax(m), nan=1.0),
        "has shape": lambda m: minmax(m).flatten(1),
        "differs from the expected": lambda m: torch.nan_to_num(minmax(m)) ** 2,
    }
    for phrase, wrong in cases.items():
        fb = nb07.check_normalise_maps(wrong)
        assert fb.status == "wrong" and phrase in str(fb), (phrase, str(fb))


def test_heat_on_strokes_wrong_answers():
    def share(maps, mask):
        return (maps * mask).sum(dim=(1, 2)) / maps.sum(dim=(1, 2))

    cases = {
        "share on the background": lambda m, x, t=0.5: share(m, x <= t),
        "divided by the strokes' area": lambda m, x, t=0.5: (m * (x > t)).sum(dim=(1, 2)) / (x > t).sum(dim=(1, 2)),
        "share of the *area*": lambda m, x, t=0.5: (x > t).double().mean(dim=(1, 2)),
        "applied to the map": lambda m, x, t=0.5: share(m, m > t),
        "argument is ignored": lambda m, x, t=0.5: share(m, x > 0.5),
        "return NaN": lambda m, x, t=0.5: torch.nan_to_num(share(m, x > t)),
        "one number for the whole batch": lambda m, x, t=0.5: float((m * (x > t)).sum() / m.sum()),
        "has shape": lambda m, x, t=0.5: share(m, x > t).unsqueeze(0).repeat(2, 1),
        "differs from the expected": lambda m, x, t=0.5: share(m, x > t) * 1.01,
    }
    for phrase, wrong in cases.items():
        fb = nb07.check_heat_on_strokes(wrong)
        assert fb.status == "wrong" and phrase in str(fb), (phrase, str(fb))
