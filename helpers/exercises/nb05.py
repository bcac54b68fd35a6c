"""Exercises of notebook 05: the Pearson score, the filter's per-class thresholds, and the
mean direction of a class's noise (the line MSN generates along)."""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import torch
from scipy.stats import circmean

from ..guided import pearson_thresholds
from ..noise_map import pearson
from . import Exercise, Feedback, as_array, check_predictions, graded, not_callable


def _same(got: np.ndarray | None, wrong: np.ndarray, atol: float = 1e-5) -> bool:
    return got is not None and got.shape == wrong.shape and bool(np.allclose(got, wrong, atol=atol))


@graded
def check_pearson_scores(fn: Callable[..., Any]) -> Feedback:
    """5.1: ``pearson_scores(images, standard)``, the Pearson correlation of every image
    ``(N, 1, H, W)`` with one standard image ``(H, W)``, shape ``(N,)``; checked against
    ``np.corrcoef`` image by image (and so against ``helpers.noise_map.pearson``); names
    cosine similarity, covariance, centring over the wrong axis or on one side only."""
    fb = Feedback("5.1", "the Pearson score of an image",
                  hint="centre each image and the standard by their own mean pixel, then divide the "
                       "sum of products by the product of the two norms")
    if not_callable(fb, fn):
        return fb
    g = torch.Generator().manual_seed(5)
    standard = torch.rand(5, 5, generator=g)
    weight = torch.tensor([1.5, 0.8, 0.1, -0.6, 1.0, 0.3]).view(6, 1, 1, 1)
    offset = torch.tensor([0.2, 1.0, 0.5, 2.0, -0.3, 0.7]).view(6, 1, 1, 1)
    images = weight * standard + 0.4 * torch.rand(6, 1, 5, 5, generator=g) + offset
    a, b = images.reshape(6, -1).double().numpy(), standard.reshape(-1).double().numpy()
    expected = np.array([np.corrcoef(row, b)[0, 1] for row in a])
    assert np.allclose(expected, pearson(images, standard).double().numpy(), atol=1e-5)
    ac, bc = a - a.mean(1, keepdims=True), b - b.mean()
    norm = np.linalg.norm
    mistakes = {
        "this is the cosine similarity: subtract each image's mean pixel (and the standard's) first; "
        "Pearson is the cosine of the *centred* vectors":
            a @ b / (norm(a, axis=1) * norm(b)),
        "the images were centred over the batch (each pixel minus its mean over the images, dim=0): "
        "centre each image by its own mean pixel (over its pixels)":
            ((a - a.mean(0)) @ bc) / (norm(a - a.mean(0), axis=1) * norm(bc)),
        "the standard image is not centred: subtract its mean pixel too (it also enters the denominator)":
            ac @ b / (norm(ac, axis=1) * norm(b)),
        "the images are not centred (only the standard is): subtract each image's mean pixel too":
            a @ bc / (norm(a, axis=1) * norm(bc)),
        "this is the covariance (sum of products of the centred pixels), not yet divided by the two norms":
            ac @ bc,
        "this is the covariance (mean of products of the centred pixels), not yet divided by the two standard deviations":
            ac @ bc / a.shape[1],
        "this is the sample covariance (divided by n - 1), not yet divided by the two standard deviations":
            ac @ bc / (a.shape[1] - 1),
        "the correlation is squared (r^2 loses the sign: an inverted digit would pass the filter)":
            expected ** 2,
    }
    with fb.attempt("pearson_scores"):
        got = fn(images.clone(), standard.clone())
        arr = as_array(got)
        if arr is not None and arr.shape in {(6, 6), (7, 7), (2, 2)}:
            fb.fail(f"a correlation matrix of shape {arr.shape} came back: return one number per image, "
                    "shape (N,) (np.corrcoef(x, y) is a 2x2 matrix; r is its [0, 1] entry)")
            return fb
        if not _same(arr, expected) and fb.name_mistake(mistakes, lambda wrong: _same(arr, wrong)):
            return fb
        fb.expect_array("pearson_scores(images, standard)", got, expected, atol=1e-5)
    return fb


@graded
def check_class_thresholds(fn: Callable[..., Any]) -> Feedback:
    """5.2: ``class_thresholds(r, labels, quantile, n_classes)``, the filter's threshold of every
    class: the ``quantile`` of the Pearson scores of that class's real images. Checked against
    ``helpers.guided.pearson_thresholds`` (which notebook 05 uses) on small random images."""
    fb = Feedback("5.2", "the Pearson filter's thresholds",
                  hint="for each class k: torch.quantile(r[labels == k], quantile)")
    if not_callable(fb, fn):
        return fb
    g = torch.Generator().manual_seed(52)
    standard = torch.rand(3, 5, 5, generator=g)
    labels = torch.tensor([0] * 7 + [1] * 9 + [2] * 12)[torch.randperm(28, generator=g)]
    images = (standard[labels] * torch.rand(28, 1, 1, generator=g) * 2
              + 0.6 * torch.rand(28, 5, 5, generator=g)).unsqueeze(1)
    r = pearson(images, standard[labels])
    rs = [r[labels == k].double().numpy() for k in range(3)]

    def per_class(f: Callable[[np.ndarray], float]) -> np.ndarray:
        return np.array([f(rk) for rk in rs])

    for q in (0.2, 0.5):
        expected = pearson_thresholds(images, labels, standard, quantile=q).double().numpy()
        mistakes = {
            "one quantile of all the scores, not one per class: each class needs its own threshold "
            "(some digits resemble their mean far better than others)":
                np.full(3, np.quantile(r.double().numpy(), q)),
            f"this is the {1 - q:.0%} quantile: with quantile={q} an accepted image must beat the lowest "
            f"{q:.0%} of real images, so the threshold is the {q:.0%} quantile":
                per_class(lambda x: np.quantile(x, 1 - q)),
            "np.percentile takes percent (0-100): quantile 0.2 is percentile 20":
                per_class(lambda x: np.percentile(x, q)),
            "the quantile is not interpolated between the two nearest scores: use the default "
            "(linear) method of torch.quantile / np.quantile":
                None,
            "this is each class's mean score, not its quantile":
                per_class(np.mean),
        }
        interpolations = [per_class(lambda x, m=m: np.quantile(x, q, method=m))
                          for m in ("lower", "higher", "nearest", "midpoint", "inverted_cdf", "hazen", "weibull")]
        with fb.attempt("class_thresholds"):
            got = fn(r.clone(), labels.clone(), quantile=q, n_classes=3)
            arr = as_array(got)
            if q == 0.5 and _same(arr, pearson_thresholds(images, labels, standard, quantile=0.2).double().numpy()):
                fb.fail("the `quantile` argument is ignored: with quantile=0.5 the 20% quantiles came back")
                return fb
            if not _same(arr, expected) and fb.name_mistake(
                    mistakes, lambda wrong: any(_same(arr, w) for w in (interpolations if wrong is None else [wrong]))):
                return fb
            fb.expect_array(f"class_thresholds(r, labels, quantile={q}, n_classes=3)", got, expected, atol=1e-5)
        if not fb.ok:
            return fb
    return fb


def _wrapped(a: float, b: float) -> float:
    """|a - b| as angles: the smallest rotation between them (0 for a = b + 2 pi)."""
    return abs((a - b + math.pi) % (2 * math.pi) - math.pi)


@graded
def check_mean_direction(fn: Callable[..., Any]) -> Feedback:
    """5.3: ``mean_direction(z)``, the mean direction (an angle in radians) of a class's 2-dim
    noise points ``(n, 2)``: the angle of the mean of the unit vectors. Checked against
    ``scipy.stats.circmean`` on a class near 40 degrees whose radius grows with the angle and a
    class straddling the +-180 degree line; names the plain mean of the angles, the
    radius-weighted mean, degrees and ``atan2``'s swapped arguments."""
    fb = Feedback("5.3", "the mean direction of a class",
                  hint="only the direction counts: u_i = z_i / |z_i|, then atan2 of the mean of u's "
                       "second and first coordinates")
    if not_callable(fb, fn):
        return fb
    g = torch.Generator().manual_seed(53)
    cases = {
        "a class straddling the +-180 degree line (from 160 to -160 degrees)":
            (math.pi, math.radians(20), False),
        "a class spread from 10 to 70 degrees, far points on one side":
            (math.radians(40), math.radians(30), True),
    }
    for what, (centre, half, radius_grows) in cases.items():
        u = torch.rand(60, generator=g, dtype=torch.float64) ** (2 if radius_grows else 1)
        phi = centre - half + 2 * half * u
        radius = (0.3 + 3.0 * u) if radius_grows else (0.5 + 1.5 * torch.rand(60, generator=g, dtype=torch.float64))
        z = (radius.unsqueeze(1) * torch.stack([phi.cos(), phi.sin()], 1)).float()
        ang = np.arctan2(z[:, 1].double().numpy(), z[:, 0].double().numpy())
        expected = float(circmean(ang, high=math.pi, low=-math.pi))
        zm = z.double().numpy().mean(0)
        mistakes = {
            "the plain mean of the angles breaks where a class straddles the +-180 degree line "
            "(170 and -170 degrees average to 0): average the unit vectors, then take their angle":
                float(ang.mean()),
            "the mean of the raw vectors weighs each point by its radius, which carries no class "
            "(notebook 04): divide each vector by its length first":
                math.atan2(zm[1], zm[0]),
            "the angle is in degrees: return radians (math.atan2/torch.atan2 already do)":
                math.degrees(expected),
            "atan2 takes (y, x), the second coordinate first":
                math.atan2(float(np.cos(ang).mean()), float(np.sin(ang).mean())),
        }
        with fb.attempt("mean_direction"):
            got = fn(z.clone())
            try:
                value = float(got.item() if isinstance(got, (torch.Tensor, np.ndarray)) else got)
            except (TypeError, ValueError, RuntimeError):
                fb.fail(f"mean_direction should return one angle (a number), got {type(got).__name__}"
                        + (f" of shape {tuple(got.shape)}" if hasattr(got, "shape") else ""))
                return fb
            if not math.isfinite(value):
                fb.fail(f"mean_direction returned {value} for {what}")
                return fb
            if _wrapped(value, expected) < 1e-4:
                continue
            for problem, wrong in mistakes.items():
                close = abs(value - wrong) < 1e-4 if "degrees" in problem else _wrapped(value, wrong) < 1e-4
                if close:
                    fb.fail(f"{problem} (for {what})")
                    return fb
            fb.fail(f"for {what}, mean_direction gave {value:.4f} rad ({math.degrees(value):.1f} degrees), "
                    f"expected {expected:.4f} rad ({math.degrees(expected):.1f} degrees)")
        if not fb.ok:
            return fb
    return fb


EXERCISES: dict[str, Exercise] = {
    "5.1": Exercise(check_pearson_scores, "pearson_scores"),
    "5.2": Exercise(check_class_thresholds, "class_thresholds"),
    "5.3": Exercise(check_mean_direction, "mean_direction"),
}

#: predict-then-check exercises (no function to write): number -> title, checked by
#: :func:`helpers.exercises.check_predictions` in the notebook against the run's own numbers.
PREDICTIONS: dict[str, str] = {"5.4": "how little MSN varies, and who grades it kindly"}
