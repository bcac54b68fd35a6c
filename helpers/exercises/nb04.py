"""Exercises of notebook 04: the angle of 2-dim noise, the angular purity of the sector map,
and the circle of points fed to the generator (the paper's Fig. 8)."""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import torch

from ..noise_map import angles, angular_purity, circle_points
from . import Exercise, Feedback, as_array, check_predictions, graded, not_callable


def _points_at(degrees: np.ndarray, radii: np.ndarray) -> torch.Tensor:
    """2-dim points ``(N, 2)`` at the given angles (degrees) and distances from the origin."""
    t = np.radians(degrees)
    return torch.from_numpy(np.stack([radii * np.cos(t), radii * np.sin(t)], 1)).float()


@graded
def check_noise_angle(fn: Callable[..., Any]) -> Feedback:
    """4.1: ``noise_angle(z)`` -> ``(N,)``, the direction of each 2-dim noise vector in degrees
    in [0, 360), counter-clockwise from the first axis. Checked against ``np.arctan2`` (and
    :func:`helpers.noise_map.angles`) on the four axis directions and random points; names
    the (-180, 180] range, radians, swapped atan2 arguments, atan(y/x) and clockwise angles."""
    fb = Feedback("4.1", "the angle of a noise vector",
                  hint="torch.atan2(z[:, 1], z[:, 0]) is in radians, in (-pi, pi]; convert to degrees "
                       "(torch.rad2deg), then % 360")
    if not_callable(fb, fn):
        return fb
    rng = np.random.default_rng(4)
    deg = np.concatenate([[0.0, 90.0, 180.0, 270.0], rng.uniform(5, 355, 12)])  # never just below 0
    z = _points_at(deg, np.concatenate([[2.0, 0.5, 1.5, 1.0], rng.uniform(0.3, 3.0, 12)]))
    zz = z.double().numpy()
    theta = np.degrees(np.arctan2(zz[:, 1], zz[:, 0]))                         # (-180, 180]
    expected = theta % 360
    swapped = np.degrees(np.arctan2(zz[:, 0], zz[:, 1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        atan = np.degrees(np.arctan(zz[:, 1] / zz[:, 0]))
    mistakes = [
        ("some angles are negative: atan2 gives (-180, 180]; map them to [0, 360) "
         "(% 360, or add 360 to the negative ones)", [theta]),
        ("these are radians: convert to degrees (times 180 / pi, or torch.rad2deg)",
         [np.radians(expected), np.radians(theta)]),
        ("the arguments of atan2 are swapped: it takes (y, x), i.e. atan2(z[:, 1], z[:, 0])",
         [swapped % 360, swapped]),
        ("atan(y / x) cannot tell a direction from its opposite (z and -z get the same angle): "
         "use atan2(y, x), which looks at both signs", [atan % 360, atan, (atan + 180) % 360]),
        ("the angles go clockwise: measure them counter-clockwise, atan2(z[:, 1], z[:, 0])",
         [(-theta) % 360]),
    ]
    with fb.attempt("noise_angle"):
        got = fn(z.clone())
        g = as_array(got)
        if g is not None and g.shape == expected.shape and np.isfinite(g).all():
            if not np.allclose(g, expected, atol=1e-3):
                for problem, candidates in mistakes:
                    if any(np.allclose(g, c, atol=1e-3) for c in candidates):
                        fb.fail(problem)
                        return fb
            if g.min() < 0 or g.max() >= 360:
                fb.fail(f"the angles run from {g.min():.4g} to {g.max():.4g}; they must lie in [0, 360)")
                return fb
        fb.expect_array("noise_angle(z) in degrees", got, expected, atol=1e-3, rtol=0)
    return fb


def _purity_case() -> tuple[torch.Tensor, torch.Tensor]:
    """150 points whose angles sit near the middle of 5-degree bins (never near an edge, for
    any even number of bins that divides 72), bins of very different sizes, labels mostly set by
    the direction (ten sectors) with a quarter replaced at random."""
    rng = np.random.default_rng(6)
    weights = rng.gamma(0.6, size=72)
    weights /= weights.sum()
    bin_of = rng.choice(72, size=150, p=weights)
    deg = bin_of * 5 + 2.5 + rng.uniform(-1.5, 1.5, 150)
    labels = (bin_of * 10) // 72
    noisy = rng.random(150) < 0.25
    labels[noisy] = rng.integers(0, 10, int(noisy.sum()))
    return _points_at(deg, rng.uniform(0.2, 3.0, 150)), torch.from_numpy(labels).long()


@graded
def check_sector_purity(fn: Callable[..., Any]) -> Feedback:
    """4.2: ``sector_purity(z, labels, bins=72)`` -> float, the share of points whose label is
    the majority label of their angle bin. Checked against
    :func:`helpers.noise_map.angular_purity` with 72 and 8 bins; names one majority for the
    whole map, an unweighted mean of the bins' purities, a count instead of a share, and an
    ignored ``bins``."""
    fb = Feedback("4.2", "the angular purity of the sectors",
                  hint="bin = floor(angle / (360 / bins)); per bin, the count of its most common label "
                       "(torch.bincount(...).max()); add them up and divide by the number of points")
    if not_callable(fb, fn):
        return fb
    z, labels = _purity_case()
    expected = angular_purity(z, labels, bins=72)
    expected8 = angular_purity(z, labels, bins=8)
    b = ((angles(z) + math.pi) / (2 * math.pi) * 72).long()
    per_bin = [(labels[b == k], int(torch.bincount(labels[b == k]).max())) for k in range(72) if (b == k).any()]
    unweighted = float(np.mean([m / len(lab) for lab, m in per_bin]))
    unweighted_all = sum(m / len(lab) for lab, m in per_bin) / 72
    mistakes = {
        "one majority label for the whole map: that gives the largest class share; take the "
        "majority in each angle bin separately": float(torch.bincount(labels).max()) / len(labels),
        "the bins' purities are averaged with equal weight: a bin with 2 points must not count as "
        "much as one with 20; add up the majority counts and divide by all points":
            unweighted,
        "the bins' purities are averaged over all bins (empty ones as 0): add up the majority "
        "counts of the bins and divide by the number of points": unweighted_all,
        "this is a count of points: divide by the number of points to get a share":
            expected * len(labels),
    }
    with fb.attempt("sector_purity"):
        got = fn(z.clone(), labels.clone())
        try:
            value = float(got.item() if isinstance(got, (torch.Tensor, np.ndarray)) else got)
        except (TypeError, ValueError, RuntimeError):
            fb.fail(f"the purity should be a single number, got {type(got).__name__}"
                    + (f" of shape {tuple(got.shape)}" if hasattr(got, "shape") else ""))
            return fb
        if not math.isclose(value, expected, abs_tol=1e-6):
            if fb.name_mistake(mistakes, lambda wrong: math.isclose(value, wrong, abs_tol=1e-6)):
                return fb
        if not fb.expect_number("sector_purity with 72 bins", value, expected, atol=1e-6):
            return fb
        got8 = fn(z.clone(), labels.clone(), bins=8)
        try:
            value8 = float(got8.item() if isinstance(got8, (torch.Tensor, np.ndarray)) else got8)
        except (TypeError, ValueError, RuntimeError):
            fb.fail(f"with bins=8 the purity should be a single number, got {type(got8).__name__}")
            return fb
        if math.isclose(value8, expected, abs_tol=1e-6) and not math.isclose(expected, expected8):
            fb.fail("with bins=8 the answer is the same as with 72: use the bins argument")
            return fb
        fb.expect_number("sector_purity with 8 bins (45 degrees each)", value8, expected8, atol=1e-6)
    return fb


@graded
def check_circle_of_points(fn: Callable[..., Any]) -> Feedback:
    """4.3: ``circle_of_points(n, radius)`` -> ``(n, 2)``: point k at angle 2 pi k / n on the
    circle of that radius, starting at ``(radius, 0)`` and going counter-clockwise. Checked
    against :func:`helpers.noise_map.circle_points`; names the authors' ``linspace(0, 2 pi, n)``
    (first point repeated), their ``(sin, cos)`` order, clockwise order, degrees fed to
    cos/sin, an ignored radius and a transposed result."""
    fb = Feedback("4.3", "a circle of noise points",
                  hint="t = 2 pi k / n for k = 0..n-1 (torch.arange(n)); stack (r cos t, r sin t) as columns")
    if not_callable(fb, fn):
        return fb
    with fb.attempt("circle_of_points"):
        for n, r in [(40, 2.0), (7, 0.5)]:
            expected = circle_points(n, radius=r).double().numpy()
            k = np.arange(n)
            t = 2 * np.pi * k / n
            t_authors = np.linspace(0, 2 * np.pi, n)
            mistakes = {
                "the first and last points coincide: linspace(0, 2 pi, n) steps by 2 pi / (n - 1) "
                "(the authors' circle); step by 2 pi / n, with k = 0..n-1":
                    [r * np.stack([np.cos(t_authors), np.sin(t_authors)], 1),
                     r * np.stack([np.sin(t_authors), np.cos(t_authors)], 1)],
                "the points are (sin t, cos t), the authors' order: the first point must be "
                "(radius, 0), i.e. (r cos t, r sin t)": [r * np.stack([np.sin(t), np.cos(t)], 1)],
                "the points go clockwise: with (r cos t, r sin t) and t growing they go "
                "counter-clockwise": [r * np.stack([np.cos(t), -np.sin(t)], 1)],
                "the angles are in degrees (360 k / n), but cos and sin take radians (2 pi k / n)":
                    [r * np.stack([np.cos(360 * k / n), np.sin(360 * k / n)], 1)],
                "the radius is ignored: every point is at distance 1 from the origin":
                    [np.stack([np.cos(t), np.sin(t)], 1)],
            }
            got = fn(n, r)
            g = as_array(got)
            if g is not None and g.shape == (2, n):
                fb.fail(f"the result has shape (2, {n}): one point per row, shape ({n}, 2) "
                        "(stack the coordinates along dim 1)")
                return fb
            if g is not None and g.shape == expected.shape and not np.allclose(g, expected, atol=1e-5):
                if fb.name_mistake(mistakes, lambda candidates: any(np.allclose(g, c, atol=1e-5) for c in candidates)):
                    return fb
            if not fb.expect_array(f"circle_of_points({n}, {r})", got, expected, atol=1e-5):
                return fb
    return fb


EXERCISES: dict[str, Exercise] = {
    "4.1": Exercise(check_noise_angle, "noise_angle"),
    "4.2": Exercise(check_sector_purity, "sector_purity"),
    "4.3": Exercise(check_circle_of_points, "circle_of_points"),
}
#: predict-then-check exercises (no function to write): number -> title, checked by
#: :func:`helpers.exercises.check_predictions` in the notebook against the run's own numbers.
PREDICTIONS: dict[str, str] = {"4.4": "an untrained generator's map"}
